//! Start at login into the tray (issue 18). tauri-plugin-autostart writes the login entry (on
//! Linux the XDG autostart file `~/.config/autostart/ticketdesk.desktop`, `Exec=… --hidden`),
//! so after a reboot ticketdesk listens again without anyone opening it.
//!
//! On by default after the first successful sign-in on this computer; after that the user's
//! choice is kept in the settings store and never overridden.

use tauri::{AppHandle, Runtime};
use tauri_plugin_autostart::ManagerExt;
use tauri_plugin_store::StoreExt;

use crate::config::SETTINGS_STORE;
use crate::error::{Error, Result};

/// The flag the login entry starts ticketdesk with (see `cli`): into the tray, no window.
pub const HIDDEN_FLAG: &str = "--hidden";

/// Whether the user chose (absent: nobody has signed in here yet, or nobody chose).
const CHOICE_KEY: &str = "startAtLogin";

pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_autostart::Builder::new()
        .app_name("ticketdesk")
        .args([HIDDEN_FLAG])
        .build()
}

/// Whether the login entry is there (whoever wrote or removed it).
pub fn is_on(app: &AppHandle) -> Result<bool> {
    app.autolaunch().is_enabled().map_err(failed)
}

/// Writes or removes the login entry and keeps the choice; returns what is now the case.
pub fn set(app: &AppHandle, on: bool) -> Result<bool> {
    let entry = app.autolaunch();
    if on {
        entry.enable().map_err(failed)?;
    } else {
        entry.disable().map_err(failed)?;
    }
    let store = app
        .store(SETTINGS_STORE)
        .map_err(|e| Error::Unexpected(anyhow::anyhow!("cannot open the settings store: {e}")))?;
    store.set(CHOICE_KEY, on);
    store
        .save()
        .map_err(|e| Error::Unexpected(anyhow::anyhow!("cannot save the settings: {e}")))?;
    is_on(app)
}

/// After a successful sign-in: the first one on this computer turns starting at login on.
pub fn after_sign_in(app: &AppHandle) {
    let chosen = app
        .store(SETTINGS_STORE)
        .map(|store| store.get(CHOICE_KEY).is_some())
        .unwrap_or(true); // no store: leave the computer as it is
    if chosen {
        return;
    }
    match set(app, true) {
        Ok(_) => tracing::info!("start at login: on (first sign-in on this computer)"),
        Err(err) => tracing::warn!(%err, "cannot turn on start at login"),
    }
}

fn failed(err: tauri_plugin_autostart::Error) -> Error {
    Error::Unexpected(anyhow::anyhow!("the login entry: {err}"))
}
