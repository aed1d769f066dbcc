//! What a notification is about and where it goes: the seed's `notifications.type` and
//! `notifications.channel` values, and which of them a user can choose.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::domain::string_enum;

string_enum! {
    /// The seed's `notifications.type` values.
    NotificationKind {
        TicketCreated => "TICKET_CREATED",
        /// A ticket became yours, or stopped being yours.
        TicketAssigned => "TICKET_ASSIGNED",
        /// A ticket you requested moved.
        StatusChanged => "STATUS_CHANGED",
        CommentAdded => "COMMENT_ADDED",
        Escalated => "ESCALATED",
        SlaBreach => "SLA_BREACH",
        /// 80 % of a deadline's time is used (issue 14).
        SlaWarning => "SLA_WARNING",
        ResolutionRequest => "RESOLUTION_REQUEST",
        TicketClosed => "TICKET_CLOSED",
    }
}

string_enum! {
    /// The seed's `notifications.channel` values.
    Channel {
        /// The desktop: the notification centre, and a native alert for what lands on you.
        InApp => "IN_APP",
        Email => "EMAIL",
        Slack => "SLACK",
        Sms => "SMS",
    }
}

impl NotificationKind {
    /// The kinds ticketdesk sends today, in the order the preferences show them. The others
    /// are in the seed but nothing raises them yet, so offering them would be a promise.
    pub const CHOOSABLE: &'static [NotificationKind] = &[
        NotificationKind::TicketAssigned,
        NotificationKind::Escalated,
        NotificationKind::SlaWarning,
        NotificationKind::SlaBreach,
        NotificationKind::CommentAdded,
        NotificationKind::StatusChanged,
        NotificationKind::TicketClosed,
    ];

    /// Whether this kind also raises a native OS notification (SPEC §7: what lands on you);
    /// the rest wait in the notification centre.
    pub fn interrupts(self) -> bool {
        matches!(
            self,
            NotificationKind::TicketAssigned
                | NotificationKind::Escalated
                | NotificationKind::SlaWarning
                | NotificationKind::SlaBreach
        )
    }
}

/// Checks a preference before it is stored.
pub fn check_choosable(kind: NotificationKind) -> Result<(), String> {
    if NotificationKind::CHOOSABLE.contains(&kind) {
        Ok(())
    } else {
        Err(format!(
            "ticketdesk does not send {kind} notifications yet."
        ))
    }
}

/// A notification as the desktop shows it (also the payload of the UI's `notification` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NotificationEvent {
    pub id: Uuid,
    pub ticket_id: Option<Uuid>,
    /// The seed's `notifications.type`: which events raise a native notification depends on it.
    pub kind: String,
    pub subject: Option<String>,
    pub message: String,
}

/// One entry of the notification centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NotificationItem {
    pub id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub ticket_number: Option<String>,
    /// The seed's `notifications.type` (TICKET_ASSIGNED, COMMENT_ADDED, STATUS_CHANGED, …).
    pub kind: String,
    pub subject: Option<String>,
    pub message: String,
    pub priority: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// What the centre asks for: newest first, `before` is the previous page's `next_cursor`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct NotificationQuery {
    #[ts(optional, as = "Option<bool>")]
    pub unread_only: bool,
    #[ts(optional)]
    pub before: Option<String>,
    #[ts(optional)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NotificationPage {
    pub items: Vec<NotificationItem>,
    /// Unread in-app notifications in all (the badge), not just on this page.
    #[ts(type = "number")]
    pub unread: i64,
    pub next_cursor: Option<String>,
}

/// One cell of the preferences grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NotificationPreference {
    pub kind: NotificationKind,
    pub channel: Channel,
    pub enabled: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assert_serde_matches_db;

    #[test]
    fn spelled_as_the_seed_spells_them() {
        assert_serde_matches_db(NotificationKind::ALL);
        assert_serde_matches_db(Channel::ALL);
    }

    #[test]
    fn only_kinds_that_are_sent_can_be_chosen() {
        assert!(check_choosable(NotificationKind::TicketAssigned).is_ok());
        assert!(check_choosable(NotificationKind::ResolutionRequest).is_err());
        assert!(check_choosable(NotificationKind::TicketCreated).is_err());
    }

    #[test]
    fn only_what_lands_on_you_interrupts() {
        let interrupting: Vec<_> = NotificationKind::ALL
            .iter()
            .filter(|k| k.interrupts())
            .map(|k| k.as_str())
            .collect();
        assert_eq!(
            interrupting,
            ["TICKET_ASSIGNED", "ESCALATED", "SLA_BREACH", "SLA_WARNING"]
        );
    }
}
