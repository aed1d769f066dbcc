fn main() {
    // sqlx::migrate! embeds migrations/ at compile time; without this a new migration file
    // alone does not rebuild the crate, and the binary silently lacks it.
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=sql");
    tauri_build::build()
}
