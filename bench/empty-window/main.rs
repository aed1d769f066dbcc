//! An empty Tauri window: the floor that `scripts/footprint.sh` measures ticketdesk's start-up
//! time and idle memory against (SPEC §10).
//!
//! It is an example of the root package, so it is built with the same tauri version, features
//! (`tray-icon`), toolchain and profile as the app, shares every compiled dependency with it,
//! and costs only its own link step — and only when asked for: `cargo build --example
//! empty-window` (plain `cargo build` skips examples; `cargo test` and clippy still compile it,
//! so it cannot rot). Its own config (`bench/empty-window/tauri.conf.json`) gives it the app's
//! window size and CSP, and a page of one script.
//!
//! The page reports two moments through one command, printed on stdout:
//! `ready script <ms>` when its first script runs, `ready painted <ms>` after its first frame
//! (`<ms>` is `performance.now()` in the page: time since the page's navigation began).

use std::io::Write;

// Rebuild when the page changes (the context macro embeds it but does not track it).
const _: &str = include_str!("page/index.html");
const _: &str = include_str!("page/ready.js");

/// App commands need no capability: this is all the page may call.
#[tauri::command]
fn report(phase: String, ms: f64) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ready {phase} {ms:.1}");
    let _ = out.flush();
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![report])
        .run(tauri::generate_context!(
            "bench/empty-window/tauri.conf.json"
        ))
        .expect("the empty window failed to run");
}
