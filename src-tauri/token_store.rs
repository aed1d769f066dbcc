//! Where the refresh token is kept between runs (issue 18): in the OS keyring through the
//! `keyring` crate (the Secret Service on Linux, Keychain on macOS, Credential Manager on
//! Windows), and in the settings file (`session.json`) only when no keyring answers.
//!
//! Refresh tokens rotate, and the server treats a used one as stolen. So the newest token must
//! win: a token the keyring took is removed from the file at once, and a token in the file is
//! therefore always newer than one in the keyring (written when the keyring failed). `load`
//! reads the file first and moves what it finds into the keyring; that also moves the token
//! of an earlier ticketdesk, which kept it in the file.

use std::sync::atomic::{AtomicU8, Ordering};

use serde::Serialize;
use tauri::{AppHandle, Manager};
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
            Err(err) => tracing::warn!(%err, "cannot remove the refresh token from the keyring"),
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
            // An older token may still be in the keyring; the file's wins anyway (see `load`).
            let _ = with_entry(|entry| entry.delete_credential());
            remember(TokenStore::SettingsFile);
            TokenStore::SettingsFile
        }
    }
}

/// The kept refresh token, if any: the file's first (it is the newer one when both exist),
/// moved into the keyring when the keyring takes it.
pub fn load(app: &AppHandle) -> Option<String> {
    if let Some(token) = file_get(app) {
        save(app, Some(&token));
        return Some(token);
    }
    match with_entry(|entry| entry.get_password()) {
        Ok(token) => {
            remember(TokenStore::Keyring);
            Some(token)
        }
        Err(keyring::Error::NoEntry) => {
            remember(TokenStore::Keyring);
            None
        }
        Err(err) => {
            tracing::info!(%err, "no keyring answered");
            remember(TokenStore::SettingsFile);
            None
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
    private_to_the_user(app);
}

/// The store writes with the umask's modes (a 0644 file in a 0755 directory on most
/// systems); a refresh token in it must be readable by its user only.
fn private_to_the_user(app: &AppHandle) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(dir) = app.path().app_data_dir() else {
        return;
    };
    for (path, mode) in [(dir.join(SESSION_STORE), 0o600), (dir, 0o700)] {
        if let Err(err) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)) {
            tracing::warn!(%err, path = %path.display(), "cannot make it private to the user");
        }
    }
}
