//! Where the refresh token is kept between runs (issue 18): in the OS keyring through the
//! `keyring` crate (the Secret Service on Linux, Keychain on macOS, Credential Manager on
//! Windows), and in the settings file (`session.json`) only when no keyring answers. Never in
//! both: a token the keyring took is removed from the file, which also moves the token of an
//! earlier ticketdesk (that kept it in the file) into the keyring on its first run.

use std::sync::atomic::{AtomicU8, Ordering};

use serde::Serialize;
use tauri::AppHandle;
use tauri_plugin_store::StoreExt;
use ts_rs::TS;

/// Where the refresh token is kept: what the Security panel says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum TokenStore {
    /// The OS keyring.
    Keyring,
    /// The settings file in the app's data directory: no keyring answered.
    SettingsFile,
}

/// The keyring entry's service and account names (what a keyring browser shows).
const SERVICE: &str = "dev.ticketdesk.app";
const ACCOUNT: &str = "refresh-token";
/// The settings file's store and key (the fallback, and where earlier versions kept it).
pub const SESSION_STORE: &str = "session.json";
const FILE_KEY: &str = "refreshToken";

/// What this process last found: 0 not known yet, 1 the keyring, 2 the settings file.
static IN_USE: AtomicU8 = AtomicU8::new(0);

fn remember(store: TokenStore) {
    let code = match store {
        TokenStore::Keyring => 1,
        TokenStore::SettingsFile => 2,
    };
    IN_USE.store(code, Ordering::Relaxed);
}

/// Runs `op` on the keyring entry on a thread of its own: the Secret Service client blocks on
/// D-Bus, which must not happen on the async runtime's threads.
fn with_entry<T: Send>(
    op: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send,
) -> keyring::Result<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| op(&keyring::Entry::new(SERVICE, ACCOUNT)?))
            .join()
            .unwrap_or(Err(keyring::Error::NoDefaultStore))
    })
}

/// Keeps `token`, or forgets the kept one (`None`: signing out, or a session that ended).
/// Returns where it went.
pub fn save(app: &AppHandle, token: Option<&str>) -> TokenStore {
    let Some(token) = token else {
        match with_entry(|entry| entry.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => {}
            Err(err) => tracing::debug!(%err, "no keyring to forget the refresh token in"),
        }
        file_set(app, None);
        return in_use(app);
    };
    match with_entry(|entry| entry.set_password(token)) {
        Ok(()) => {
            file_set(app, None);
            remember(TokenStore::Keyring);
            TokenStore::Keyring
        }
        Err(err) => {
            tracing::info!(%err, "no keyring answered: the refresh token goes to the settings file");
            file_set(app, Some(token));
            remember(TokenStore::SettingsFile);
            TokenStore::SettingsFile
        }
    }
}

/// The kept refresh token, if any.
pub fn load(app: &AppHandle) -> Option<String> {
    match with_entry(|entry| entry.get_password()) {
        Ok(token) => {
            remember(TokenStore::Keyring);
            Some(token)
        }
        Err(keyring::Error::NoEntry) => {
            remember(TokenStore::Keyring);
            // Kept in the file by an earlier version, or while no keyring answered: move it.
            let token = file_get(app)?;
            save(app, Some(&token));
            Some(token)
        }
        Err(err) => {
            tracing::info!(%err, "no keyring answered: reading the refresh token from the settings file");
            remember(TokenStore::SettingsFile);
            file_get(app)
        }
    }
}

/// Where a refresh token is (or would be) kept now.
pub fn in_use(app: &AppHandle) -> TokenStore {
    match IN_USE.load(Ordering::Relaxed) {
        1 => TokenStore::Keyring,
        2 => TokenStore::SettingsFile,
        _ => {
            load(app);
            if IN_USE.load(Ordering::Relaxed) == 1 {
                TokenStore::Keyring
            } else {
                TokenStore::SettingsFile
            }
        }
    }
}

fn file_get(app: &AppHandle) -> Option<String> {
    let store = app.store(SESSION_STORE).ok()?;
    store.get(FILE_KEY)?.as_str().map(str::to_owned)
}

fn file_set(app: &AppHandle, token: Option<&str>) {
    let Ok(store) = app.store(SESSION_STORE) else {
        tracing::warn!("cannot open the session store");
        return;
    };
    match token {
        Some(token) => store.set(FILE_KEY, token),
        None => {
            if !store.delete(FILE_KEY) {
                return; // nothing was there: nothing to save
            }
        }
    }
    if let Err(err) = store.save() {
        tracing::warn!(%err, "cannot save the session store");
    }
}
