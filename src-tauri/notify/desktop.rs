//! The desktop side: native OS notifications (D-Bus `org.freedesktop.Notifications` on Linux)
//! and events for the UI.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager};
use uuid::Uuid;

use crate::domain::escalation::{ACKNOWLEDGE_ACTION, SNOOZE, SNOOZE_ACTION};
use crate::domain::notification::NotificationEvent;
use crate::domain::notification::NotificationKind;
use crate::notify::listener::Deliver;
use crate::state::AppState;

pub struct DesktopAlerts {
    pub app: AppHandle,
}

impl Deliver for DesktopAlerts {
    fn notification(&self, event: NotificationEvent) {
        if let Err(err) = self.app.emit(crate::events::NOTIFICATION, &event) {
            tracing::warn!(%err, "cannot tell the UI about a notification");
        }
        crate::tray::refresh(&self.app);
        // SPEC §7: the OS interrupts only for what landed on you; the rest waits in the
        // notification centre.
        if !raises_native(&event.kind) {
            return;
        }
        // notify-rust blocks on D-Bus: keep it off the async runtime. This thread then waits
        // for a click until the notification closes.
        let app = self.app.clone();
        tauri::async_runtime::spawn_blocking(move || {
            if let Err(err) = show_native(&app, &event) {
                // No notification daemon is not fatal: the UI toast above still shows it.
                tracing::warn!(%err, id = %event.id, "native notification failed");
            }
        });
    }

    /// The payload is the changed ticket's id, so a window reloads its open ticket only when
    /// that is the one that changed.
    fn ticket_changed(&self, ticket_id: Uuid) {
        let _ = self
            .app
            .emit(crate::events::TICKETS_CHANGED, ticket_id.to_string());
    }

    fn connection(&self, online: bool) {
        self.app.state::<AppState>().set_online(online);
        let _ = self.app.emit(crate::events::CONNECTION, online);
        if online {
            // Back online: what was done offline goes now, without the user doing anything.
            self.app.state::<AppState>().kick_outbox();
        }
    }
}

/// Whether a notification of this kind (`notifications.type`) also raises a native one.
pub fn raises_native(kind: &str) -> bool {
    kind.parse::<NotificationKind>()
        .is_ok_and(NotificationKind::interrupts)
}

/// The action a click on the notification's body sends (org.freedesktop.Notifications), and
/// the "Open ticket" button's.
const DEFAULT_ACTION: &str = "default";
const OPEN_ACTION: &str = "open";

/// At most this many threads wait for clicks at once. A daemon that keeps notifications
/// without ever closing them would otherwise hold one thread each; past the limit a
/// notification still shows, it just does not open the ticket when clicked.
const MAX_WAITING_FOR_CLICK: usize = 8;
static WAITING_FOR_CLICK: AtomicUsize = AtomicUsize::new(0);

/// What a notification's action asks for (the id it reports to `wait_for_action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// A click on it, or its "Open ticket" button.
    Open,
    /// An escalation's "Acknowledge": done here, without showing the window.
    Acknowledge,
    /// An escalation's "Snooze 10 min".
    Snooze,
    /// Closed unclicked, or an action we do not know.
    Nothing,
}

impl Response {
    pub fn parse(action: &str) -> Self {
        match action {
            DEFAULT_ACTION | OPEN_ACTION => Self::Open,
            ACKNOWLEDGE_ACTION => Self::Acknowledge,
            SNOOZE_ACTION => Self::Snooze,
            _ => Self::Nothing,
        }
    }
}

/// Raises one native notification; on Linux, clicking it (or its "Open ticket" button) shows
/// the window and opens the ticket, and an escalation also offers Acknowledge and Snooze.
/// Blocking, until the notification is closed: call it from a blocking thread.
pub fn show_native(
    app: &AppHandle,
    event: &NotificationEvent,
) -> Result<(), notify_rust::error::Error> {
    let mut notification = native_notification(event);
    let clickable = cfg!(all(unix, not(target_os = "macos"))) && event.ticket_id.is_some();
    if clickable {
        notification.action(DEFAULT_ACTION, "Open");
        // Servers without buttons (no "actions" capability) still open the ticket on a click,
        // where Acknowledge is one key.
        if is_escalation(event) {
            // An escalation stays on screen until acted on, as a pager's does; and its
            // buttons keep working as long as it shows.
            #[cfg(all(unix, not(target_os = "macos")))]
            notification.urgency(notify_rust::Urgency::Critical);
            notification.timeout(notify_rust::Timeout::Never);
        }
        if is_escalation(event) && server_has_buttons() {
            notification
                .action(ACKNOWLEDGE_ACTION, "Acknowledge")
                .action(SNOOZE_ACTION, "Snooze 10 min");
        } else {
            notification.action(OPEN_ACTION, "Open ticket");
        }
    }
    let handle = notification.show()?;
    #[cfg(all(unix, not(target_os = "macos")))]
    if let Some(ticket_id) = event.ticket_id {
        wait_for_click(app, handle, ticket_id, event);
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = (app, handle);
    Ok(())
}

fn is_escalation(event: &NotificationEvent) -> bool {
    event.kind == NotificationKind::Escalated.as_str()
}

/// Whether the notification server shows action buttons (its "actions" capability).
#[cfg(all(unix, not(target_os = "macos")))]
fn server_has_buttons() -> bool {
    notify_rust::get_capabilities().is_ok_and(|caps| caps.iter().any(|c| c == "actions"))
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn server_has_buttons() -> bool {
    false
}

/// The native notification for `event`, before any click handling.
pub fn native_notification(event: &NotificationEvent) -> notify_rust::Notification {
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("ticketdesk")
        .summary(event.subject.as_deref().unwrap_or("ticketdesk"))
        .body(&event.message);
    notification
}

/// Waits until the notification is clicked or closed, and does what was asked.
#[cfg(all(unix, not(target_os = "macos")))]
fn wait_for_click(
    app: &AppHandle,
    handle: notify_rust::NotificationHandle,
    ticket_id: Uuid,
    event: &NotificationEvent,
) {
    if WAITING_FOR_CLICK.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING_FOR_CLICK {
        WAITING_FOR_CLICK.fetch_sub(1, Ordering::SeqCst);
        tracing::debug!("too many notifications waiting for a click; not waiting for this one");
        return;
    }
    // notify-rust unwraps its D-Bus calls while it waits: a lost bus must not become a panic
    // report; the notification was shown, only its click is lost.
    let waited = catch_unwind(AssertUnwindSafe(|| {
        handle.wait_for_action(|action| match Response::parse(action) {
            Response::Open => crate::tray::open_ticket(app, ticket_id),
            Response::Acknowledge => {
                tauri::async_runtime::spawn(acknowledge(app.clone(), ticket_id, event.clone()));
            }
            Response::Snooze => {
                tauri::async_runtime::spawn(snooze(app.clone(), ticket_id, event.clone()));
            }
            Response::Nothing => {}
        })
    }));
    WAITING_FOR_CLICK.fetch_sub(1, Ordering::SeqCst);
    if waited.is_err() {
        tracing::warn!("lost the notification's D-Bus connection while waiting for a click");
    }
}

/// The notification's Acknowledge: in the database, as the signed-in user, with the window left
/// as it is (hidden in the tray, say). Only a failure is shown, as a notification of its own.
async fn acknowledge(app: AppHandle, ticket_id: Uuid, event: NotificationEvent) {
    let state = app.state::<AppState>();
    let acknowledged: crate::error::Result<()> = async {
        let (mut tx, _) = state.begin().await?;
        crate::db::escalations::acknowledge_ticket(&mut tx, ticket_id).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match acknowledged {
        Ok(()) => {
            tracing::info!(%ticket_id, "escalation acknowledged from its notification");
            crate::tray::refresh(&app);
        }
        Err(err) => {
            tracing::warn!(%err, %ticket_id, "cannot acknowledge the escalation");
            let what = event.subject.as_deref().unwrap_or("the escalation");
            let failed = NotificationEvent {
                id: Uuid::new_v4(),
                ticket_id: event.ticket_id,
                kind: NotificationKind::StatusChanged.as_str().into(),
                subject: Some(format!("Could not acknowledge: {what}")),
                message: crate::error::AppError::from(err).message,
            };
            tauri::async_runtime::spawn_blocking(move || {
                if let Err(err) = show_native(&app, &failed) {
                    tracing::warn!(%err, "native notification failed");
                }
            });
        }
    }
}

/// The notification's "Snooze 10 min": the alert comes back after [`SNOOZE`] unless the
/// escalation was acknowledged (or settled, or rose past this user) meanwhile. Its rise is not
/// stopped: only this desktop is quiet.
async fn snooze(app: AppHandle, ticket_id: Uuid, event: NotificationEvent) {
    let check = app.clone();
    let raise = after_snooze(SNOOZE, move || async move {
        let state = check.state::<AppState>();
        let (mut tx, _) = state.begin().await?;
        let waits = crate::db::escalations::waits_for_me(&mut tx, ticket_id).await;
        crate::db::auth::end_read(tx);
        waits
    })
    .await;
    if raise {
        tauri::async_runtime::spawn_blocking(move || {
            if let Err(err) = show_native(&app, &event) {
                tracing::warn!(%err, "native notification failed");
            }
        });
    }
}

/// Waits `delay`, then asks whether the alert should come back: yes while the escalation
/// still waits, and also when that cannot be learnt (offline): better twice than never.
pub async fn after_snooze<F, Fut>(delay: Duration, still_waiting: F) -> bool
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = crate::error::Result<bool>>,
{
    tokio::time::sleep(delay).await;
    match still_waiting().await {
        Ok(waits) => waits,
        Err(err) => {
            tracing::warn!(%err, "cannot tell whether a snoozed escalation still waits");
            true
        }
    }
}

/// Whether the action a notification reports (`wait_for_action`) is a click that opens it;
/// `__closed` is its closing unclicked.
pub fn opens_ticket(action: &str) -> bool {
    Response::parse(action) == Response::Open
}

#[cfg(test)]
mod tests {
    use super::{after_snooze, opens_ticket, raises_native, Response};
    use crate::error::Error;
    use std::time::Duration;

    #[test]
    fn a_click_or_the_button_opens_the_ticket_closing_does_not() {
        assert!(opens_ticket("default"));
        assert!(opens_ticket("open"));
        assert!(!opens_ticket("__closed"));
        assert!(!opens_ticket(""));
    }

    #[test]
    fn only_what_lands_on_you_interrupts() {
        for kind in ["TICKET_ASSIGNED", "ESCALATED", "SLA_WARNING", "SLA_BREACH"] {
            assert!(raises_native(kind), "{kind}");
        }
        for kind in [
            "COMMENT_ADDED",
            "STATUS_CHANGED",
            "TICKET_CLOSED",
            "TICKET_CREATED",
        ] {
            assert!(!raises_native(kind), "{kind} waits in the centre");
        }
    }

    #[test]
    fn an_escalation_s_buttons_acknowledge_and_snooze() {
        assert_eq!(Response::parse("acknowledge"), Response::Acknowledge);
        assert_eq!(Response::parse("snooze"), Response::Snooze);
        assert_eq!(Response::parse("default"), Response::Open);
        assert_eq!(Response::parse("__closed"), Response::Nothing);
        assert!(
            !opens_ticket("acknowledge"),
            "acknowledging leaves the window alone"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_snoozed_alert_comes_back_after_ten_minutes_only_while_it_still_waits() {
        let ten = super::SNOOZE;
        assert_eq!(ten, Duration::from_secs(600));
        // Not before the ten minutes are up.
        let early = tokio::time::timeout(
            ten - Duration::from_secs(1),
            after_snooze(ten, || async { Ok(true) }),
        );
        assert!(early.await.is_err(), "quiet for ten minutes");
        assert!(
            after_snooze(ten, || async { Ok(true) }).await,
            "still waits: again"
        );
        assert!(
            !after_snooze(ten, || async { Ok(false) }).await,
            "acknowledged meanwhile: quiet"
        );
        assert!(
            after_snooze(ten, || async {
                Err(Error::Unavailable(anyhow::anyhow!("the server is away")))
            })
            .await,
            "cannot tell: better twice than never"
        );
    }
}
