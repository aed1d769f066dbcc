//! The desktop side: native OS notifications (D-Bus `org.freedesktop.Notifications` on Linux)
//! and events for the UI.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

use tauri::{AppHandle, Emitter};
use uuid::Uuid;

use crate::db::notifications::NotificationEvent;
use crate::domain::notification::NotificationKind;
use crate::notify::listener::Deliver;

pub struct DesktopAlerts {
    pub app: AppHandle,
}

impl Deliver for DesktopAlerts {
    fn notification(&self, event: NotificationEvent) {
        if let Err(err) = self.app.emit("notification", &event) {
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
        let _ = self.app.emit("tickets-changed", ticket_id.to_string());
    }

    fn connection(&self, online: bool) {
        let _ = self.app.emit("connection", online);
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

/// Raises one native notification; on Linux, clicking it (or its "Open ticket" button) shows
/// the window and opens the ticket. Blocking, until the notification is closed: call it from a
/// blocking thread.
pub fn show_native(
    app: &AppHandle,
    event: &NotificationEvent,
) -> Result<(), notify_rust::error::Error> {
    let mut notification = native_notification(event);
    let clickable = cfg!(all(unix, not(target_os = "macos"))) && event.ticket_id.is_some();
    if clickable {
        notification
            .action(DEFAULT_ACTION, "Open")
            .action(OPEN_ACTION, "Open ticket");
    }
    let handle = notification.show()?;
    #[cfg(all(unix, not(target_os = "macos")))]
    if let Some(ticket_id) = event.ticket_id {
        wait_for_click(app, handle, ticket_id);
    }
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    let _ = (app, handle);
    Ok(())
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

/// Waits until the notification is clicked or closed; a click opens the ticket.
#[cfg(all(unix, not(target_os = "macos")))]
fn wait_for_click(app: &AppHandle, handle: notify_rust::NotificationHandle, ticket_id: Uuid) {
    if WAITING_FOR_CLICK.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING_FOR_CLICK {
        WAITING_FOR_CLICK.fetch_sub(1, Ordering::SeqCst);
        tracing::debug!("too many notifications waiting for a click; not waiting for this one");
        return;
    }
    // notify-rust unwraps its D-Bus calls while it waits: a lost bus must not become a panic
    // report; the notification was shown, only its click is lost.
    let waited = catch_unwind(AssertUnwindSafe(|| {
        handle.wait_for_action(|action| {
            if opens_ticket(action) {
                crate::tray::open_ticket(app, ticket_id);
            }
        })
    }));
    WAITING_FOR_CLICK.fetch_sub(1, Ordering::SeqCst);
    if waited.is_err() {
        tracing::warn!("lost the notification's D-Bus connection while waiting for a click");
    }
}

/// Whether the action a notification reports (`wait_for_action`) is a click that opens it;
/// `__closed` is its closing unclicked.
pub fn opens_ticket(action: &str) -> bool {
    matches!(action, DEFAULT_ACTION | OPEN_ACTION)
}

#[cfg(test)]
mod tests {
    use super::{opens_ticket, raises_native};

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
}
