//! The ticket each user had open, kept across restarts (issue 18, item 7: the window's size and
//! position are tauri-plugin-window-state's). Written to the settings store at once, so a
//! crash or kill keeps it too; per user, so whoever signs in next does not get someone else's.

use std::collections::BTreeMap;

use tauri::AppHandle;
use tauri_plugin_store::StoreExt;
use uuid::Uuid;

use crate::config::SETTINGS_STORE;

const KEY: &str = "openTicket";

fn all(app: &AppHandle) -> BTreeMap<Uuid, Uuid> {
    app.store(SETTINGS_STORE)
        .ok()
        .and_then(|store| store.get(KEY))
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default()
}

/// Keeps `ticket` as what `user` has open (None: nothing open).
pub fn remember(app: &AppHandle, user: Uuid, ticket: Option<Uuid>) {
    let mut open = all(app);
    let changed = match ticket {
        Some(ticket) => open.insert(user, ticket) != Some(ticket),
        None => open.remove(&user).is_some(),
    };
    if !changed {
        return;
    }
    let Ok(store) = app.store(SETTINGS_STORE) else {
        tracing::warn!("cannot open the settings store");
        return;
    };
    store.set(KEY, serde_json::json!(open));
    if let Err(err) = store.save() {
        tracing::warn!(%err, "cannot save the open ticket");
    }
}

/// What `user` had open when the app last ran.
pub fn recall(app: &AppHandle, user: Uuid) -> Option<Uuid> {
    all(app).get(&user).copied()
}
