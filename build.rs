fn main() {
    // sqlx::migrate! embeds migrations/ at compile time; without this a new migration file
    // alone does not rebuild the crate, and the binary silently lacks it.
    println!("cargo:rerun-if-changed=migrations");
    tauri_build::build()
}
