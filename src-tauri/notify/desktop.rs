//! The desktop side: native OS notifications (D-Bus `org.freedesktop.Notifications` on Linux)
//! and events for the UI.

use tauri::{AppHandle, Emitter};
use uuid::Uuid;

use crate::db::notifications::NotificationEvent;
use crate::notify::listener::Deliver;

pub struct DesktopAlerts {
    pub app: AppHandle,
}

impl Deliver for DesktopAlerts {
    fn notification(&self, event: NotificationEvent) {
        if let Err(err) = self.app.emit("notification", &event) {
            tracing::warn!(%err, "cannot tell the UI about a notification");
        }
        // SPEC §7: the OS interrupts only for what landed on you; the rest waits in the
        // notification centre.
        if !raises_native(&event.kind) {
            return;
        }
        // notify-rust blocks on D-Bus: keep it off the async runtime.
        tauri::async_runtime::spawn_blocking(move || {
            if let Err(err) = show_native(&event) {
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
    matches!(kind, "TICKET_ASSIGNED" | "ESCALATED" | "SLA_BREACH")
}

/// Raises one native notification. Blocking: call it from a blocking thread.
pub fn show_native(event: &NotificationEvent) -> Result<(), notify_rust::error::Error> {
    notify_rust::Notification::new()
        .appname("ticketdesk")
        .summary(event.subject.as_deref().unwrap_or("ticketdesk"))
        .body(&event.message)
        .show()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::raises_native;

    #[test]
    fn only_what_lands_on_you_interrupts() {
        for kind in ["TICKET_ASSIGNED", "ESCALATED", "SLA_BREACH"] {
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
