//! The desktop application: builds the window, then runs its background tasks for the life of
//! the app: connecting and listening, sending the outbox, keeping the session fresh, leaving
//! on a signal. The state those tasks and the commands share is `state::AppState`.

use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, RunEvent, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};
use uuid::Uuid;

use crate::config;
use crate::db;
use crate::notify::desktop::DesktopAlerts;
use crate::state::AppState;

/// How the window starts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Launch {
    /// Started at login (`--hidden`, the autostart entry's flag): into the tray, no window.
    pub hidden: bool,
}

/// What the window remembers across restarts (size, position, maximised, …): everything but
/// whether it was shown, which `Launch` decides.
fn remembered_window_state() -> StateFlags {
    StateFlags::all() - StateFlags::VISIBLE
}

/// Opens the window and runs until it is closed, or with a tray until "Quit" (closing the
/// window then only hides it).
pub fn run(launch: Launch) -> anyhow::Result<()> {
    let app = tauri::Builder::default()
        // First: a second launch hands its arguments (a ticketdesk:// link) to the running app
        // over D-Bus and exits before anything else starts (no second listener, no second
        // solo cluster).
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            // The login entry firing while the app already runs changes nothing on screen.
            if !argv.iter().any(|arg| arg == crate::autostart::HIDDEN_FLAG) {
                crate::tray::show_main_window(app);
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(crate::autostart::plugin())
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(remembered_window_state())
                .build(),
        )
        .plugin(tauri_plugin_store::Builder::new().build())
        .invoke_handler(crate::commands::handler())
        .on_window_event(|window, event| {
            crate::tray::on_window_event(window, event);
            if let WindowEvent::CloseRequested { .. } = event {
                // Closing to the tray is not an exit: save now, so a later kill keeps it.
                let _ = window
                    .app_handle()
                    .save_window_state(remembered_window_state());
            }
        })
        .setup(move |app| {
            let stored_url = stored_database_url(app.handle());
            let target = config::resolve(stored_url)?;
            tracing::info!(?target, ?launch, "starting");
            app.manage(AppState::new(app.handle().clone(), target));
            crate::tray::init(app.handle());
            crate::links::listen(app.handle());
            if !launch.hidden {
                crate::tray::show_main_window(app.handle());
            }
            crate::first_paint::listen(app.handle());
            tauri::async_runtime::spawn(connect_and_listen(app.handle().clone()));
            tauri::async_runtime::spawn(keep_session_fresh(app.handle().clone()));
            tauri::async_runtime::spawn(send_outbox(app.handle().clone()));
            tauri::async_runtime::spawn(exit_on_signal(app.handle().clone()));
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            let state = handle.state::<AppState>();
            if let Some(backend) = state.opened_backend() {
                tauri::async_runtime::block_on(backend.close());
            }
        }
    });
    Ok(())
}

/// Ctrl-C or SIGTERM leave through the normal exit path, so the solo cluster is stopped.
async fn exit_on_signal(app: AppHandle) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("cannot install signal handlers");
        return;
    };
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("signal received, closing");
    app.exit(0);
}

fn stored_database_url(app: &AppHandle) -> Option<String> {
    use tauri_plugin_store::StoreExt;
    let store = app.store(config::SETTINGS_STORE).ok()?;
    store.get("databaseUrl")?.as_str().map(str::to_owned)
}

/// Opens the backend (retrying while it is unreachable), then keeps the SLA sweeps and the
/// notification listener running for the life of the app.
async fn connect_and_listen(app: AppHandle) {
    let state = app.state::<AppState>();
    let backend = loop {
        match state.backend().await {
            Ok(backend) => {
                state.set_backend_down(false);
                break backend;
            }
            Err(err) => {
                state.set_backend_down(true);
                state.set_online(false);
                // The window says "Offline" (an app started while the server was away works
                // from its local store meanwhile).
                tracing::warn!(error = %err, "cannot reach the database; retrying");
                let _ = app.emit(crate::events::CONNECTION, false);
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
        }
    };
    // Every desktop offers to sweep; the database lets one at a time through (SPEC §5).
    tauri::async_runtime::spawn(db::sla::sweep_every(
        backend.pool.clone(),
        db::sla::SWEEP_EVERY,
    ));
    let alerts = DesktopAlerts { app: app.clone() };
    crate::notify::listener::run(backend.pool.clone(), state.session_changes(), alerts).await;
}

/// How often the outbox is looked at with nothing waking the sender (a server that came back
/// while the listener still waited out its backoff). An empty outbox costs a read of the local
/// file, no server round trip.
const OUTBOX_RETRY_EVERY: Duration = Duration::from_secs(5);

/// How often, while online, the user's own open tickets are loaded into the offline copies.
const OFFLINE_COPIES_EVERY: Duration = Duration::from_secs(10 * 60);

/// Sends the signed-in user's outbox whenever something may have changed: work was queued, the
/// listener reconnected, someone signed in, or a while passed. One sender per app, so items
/// go one at a time, in order.
async fn send_outbox(app: AppHandle) {
    let state = app.state::<AppState>();
    let mut session = state.session_changes();
    let mut copies_for: Option<(Uuid, std::time::Instant)> = None;
    loop {
        if let Some(user) = state.signed_in_user() {
            let online = match state.local_store().await {
                Ok(store) => match crate::offline::drain(&store, || state.begin()).await {
                    Ok(drained) => {
                        if drained.sent + drained.needs_you > 0 {
                            tracing::info!(?drained, "outbox sent");
                            state.outbox_changed().await;
                        }
                        !drained.interrupted
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot send the outbox");
                        false
                    }
                },
                Err(err) => {
                    tracing::warn!(error = %err, "cannot open the local store");
                    false
                }
            };
            let due = copies_for
                .is_none_or(|(whose, at)| whose != user.id || at.elapsed() >= OFFLINE_COPIES_EVERY);
            if online && due {
                match state.keep_my_open_tickets(user.id).await {
                    Ok(kept) => {
                        tracing::info!(kept, "offline copies of the user's open tickets");
                        copies_for = Some((user.id, std::time::Instant::now()));
                    }
                    Err(err) => tracing::warn!(error = %err, "cannot keep offline copies"),
                }
            }
        }
        tokio::select! {
            _ = state.outbox_wanted() => {}
            changed = session.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = tokio::time::sleep(OUTBOX_RETRY_EVERY) => {}
        }
    }
}

/// How long before a session ends it is renewed.
const RENEW_BEFORE: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// How long from `now` until a session ending at `ends_at` should be renewed: at once when
/// that moment has passed.
fn renew_delay(
    ends_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Duration {
    (ends_at - RENEW_BEFORE - now).to_std().unwrap_or_default()
}

/// Sessions end 12 hours after sign-in, but a desktop left in the tray overnight must keep
/// hearing of its user's notifications: the listener claims in the session's name and would
/// silently claim nothing with a dead one. So the session is renewed with the refresh token
/// shortly before it ends; the listener follows the new one.
async fn keep_session_fresh(app: AppHandle) {
    let state = app.state::<AppState>();
    let mut session = state.session_changes();
    loop {
        let ends_at = session
            .borrow_and_update()
            .as_ref()
            .map(|s| s.tokens.expires_at);
        let Some(ends_at) = ends_at else {
            if session.changed().await.is_err() {
                return;
            }
            continue;
        };
        let renew_in = renew_delay(ends_at, chrono::Utc::now());
        tokio::select! {
            changed = session.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = tokio::time::sleep(renew_in) => {
                if let Err(err) = state.renew_session().await {
                    tracing::warn!(error = %err, "cannot renew the session");
                    // Offline: try again in a minute rather than spinning.
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::renew_delay;
    use chrono::{TimeDelta, Utc};
    use std::time::Duration;

    #[test]
    fn a_session_is_renewed_ten_minutes_before_it_ends_or_at_once_when_late() {
        let now = Utc::now();
        assert_eq!(
            renew_delay(now + TimeDelta::hours(12), now),
            Duration::from_secs(12 * 3600 - 600)
        );
        assert_eq!(
            renew_delay(now + TimeDelta::minutes(5), now),
            Duration::ZERO
        );
        assert_eq!(renew_delay(now - TimeDelta::hours(1), now), Duration::ZERO);
    }
}
