//! Tickets: their closed vocabularies, the validated input to create one, the views the UI
//! gets, and the keyset cursor of the queue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::string_enum;
use super::user::UserRef;

string_enum! {
    /// The seed's `tickets.status` values (SPEC §3 has the transitions).
    Status {
        New => "NEW",
        Open => "OPEN",
        InProgress => "IN_PROGRESS",
        PendingInfo => "PENDING_INFO",
        Resolved => "RESOLVED",
        Closed => "CLOSED",
        Reopened => "REOPENED",
        Escalated => "ESCALATED",
    }
}

string_enum! {
    /// The seed's `tickets.priority` values.
    Priority {
        P1Critical => "P1_CRITICAL",
        P2High => "P2_HIGH",
        P3Medium => "P3_MEDIUM",
        P4Low => "P4_LOW",
    }
}

string_enum! {
    /// The seed's `tickets.category` values.
    Category {
        VmIssue => "VM_ISSUE",
        NetworkIssue => "NETWORK_ISSUE",
        StorageIssue => "STORAGE_ISSUE",
        DatabaseIssue => "DATABASE_ISSUE",
        SecurityIssue => "SECURITY_ISSUE",
        AccessRequest => "ACCESS_REQUEST",
        Infrastructure => "INFRASTRUCTURE",
        MonitoringAlert => "MONITORING_ALERT",
        Other => "OTHER",
    }
}

impl Priority {
    /// The `notifications.priority` an event about a ticket of this priority gets.
    pub fn notification_priority(self) -> &'static str {
        match self {
            Priority::P1Critical => "URGENT",
            Priority::P2High => "HIGH",
            Priority::P3Medium => "NORMAL",
            Priority::P4Low => "LOW",
        }
    }
}

pub const TITLE_MAX_CHARS: usize = 255;
pub const DESCRIPTION_MAX_CHARS: usize = 100_000;
pub const ENVIRONMENT_MAX_CHARS: usize = 50;

/// What the create form sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewTicket {
    pub title: String,
    pub description: String,
    pub priority: Priority,
    pub category: Category,
    pub environment: Option<String>,
    pub assignee_id: Option<Uuid>,
}

/// A [`NewTicket`] whose fields passed validation: trimmed, within the seed's column sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidNewTicket {
    pub title: String,
    pub description: String,
    pub priority: Priority,
    pub category: Category,
    pub environment: Option<String>,
    pub assignee_id: Option<Uuid>,
}

impl NewTicket {
    pub fn validate(self) -> Result<ValidNewTicket, String> {
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            return Err("A ticket needs a title.".into());
        }
        if title.chars().count() > TITLE_MAX_CHARS {
            return Err(format!(
                "The title is longer than {TITLE_MAX_CHARS} characters."
            ));
        }
        let description = self.description.trim().to_owned();
        if description.is_empty() {
            return Err("A ticket needs a description.".into());
        }
        if description.chars().count() > DESCRIPTION_MAX_CHARS {
            return Err(format!(
                "The description is longer than {DESCRIPTION_MAX_CHARS} characters."
            ));
        }
        let environment = self
            .environment
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty());
        if environment
            .as_ref()
            .is_some_and(|e| e.chars().count() > ENVIRONMENT_MAX_CHARS)
        {
            return Err(format!(
                "The environment is longer than {ENVIRONMENT_MAX_CHARS} characters."
            ));
        }
        Ok(ValidNewTicket {
            title,
            description,
            priority: self.priority,
            category: self.category,
            environment,
            assignee_id: self.assignee_id,
        })
    }
}

/// One row of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TicketSummary {
    pub id: Uuid,
    pub ticket_number: String,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    pub category: Category,
    pub environment: Option<String>,
    pub requestor: UserRef,
    pub assignee: Option<UserRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CommentView {
    pub id: Uuid,
    pub author: Option<UserRef>,
    pub content: String,
    pub is_internal: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HistoryEntry {
    pub id: Uuid,
    pub actor: Option<UserRef>,
    pub action: String,
    pub field_changed: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// Everything the detail view shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TicketDetail {
    pub ticket: TicketSummary,
    pub description: String,
    pub resolution_notes: Option<String>,
    pub due_date: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub version: i32,
    pub comments: Vec<CommentView>,
    pub history: Vec<HistoryEntry>,
}

/// A queue request: newest first, `after` is the previous page's `next_cursor`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueueQuery {
    pub limit: Option<u32>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueuePage {
    pub tickets: Vec<TicketSummary>,
    pub next_cursor: Option<String>,
}

pub const QUEUE_DEFAULT_LIMIT: u32 = 50;
pub const QUEUE_MAX_LIMIT: u32 = 200;

impl QueueQuery {
    pub fn limit(&self) -> u32 {
        self.limit
            .unwrap_or(QUEUE_DEFAULT_LIMIT)
            .clamp(1, QUEUE_MAX_LIMIT)
    }
}

/// Position in the queue's order `(created_at DESC, id DESC)`: a keyset, never an OFFSET, so
/// a page costs the same however deep it is and rows inserted meanwhile shift nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueCursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl QueueCursor {
    pub fn after(ticket: &TicketSummary) -> Self {
        Self {
            created_at: ticket.created_at,
            id: ticket.id,
        }
    }

    pub fn encode(&self) -> String {
        format!(
            "{}_{}",
            self.created_at.timestamp_micros(),
            self.id.simple()
        )
    }

    pub fn decode(text: &str) -> Result<Self, String> {
        let invalid = || format!("Invalid queue cursor {text:?}.");
        let (micros, id) = text.split_once('_').ok_or_else(invalid)?;
        let micros: i64 = micros.parse().map_err(|_| invalid())?;
        Ok(Self {
            created_at: DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?,
            id: Uuid::parse_str(id).map_err(|_| invalid())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewTicket {
        NewTicket {
            title: "  Disk full on db-01  ".into(),
            description: "  /var is at 100 %  ".into(),
            priority: Priority::P2High,
            category: Category::StorageIssue,
            environment: Some("  ".into()),
            assignee_id: None,
        }
    }

    #[test]
    fn enums_serialise_as_the_database_spells_them() {
        crate::domain::assert_serde_matches_db(Status::ALL);
        crate::domain::assert_serde_matches_db(Priority::ALL);
        crate::domain::assert_serde_matches_db(Category::ALL);
    }

    #[test]
    fn validation_trims_and_drops_blank_environment() {
        let valid = input().validate().unwrap();
        assert_eq!(valid.title, "Disk full on db-01");
        assert_eq!(valid.description, "/var is at 100 %");
        assert_eq!(valid.environment, None, "a blank environment means none");
    }

    #[test]
    fn validation_refuses_blank_and_oversized_fields() {
        let blank_title = NewTicket {
            title: " ".into(),
            ..input()
        };
        assert_eq!(
            blank_title.validate().unwrap_err(),
            "A ticket needs a title."
        );
        let blank_description = NewTicket {
            description: "\n".into(),
            ..input()
        };
        assert!(blank_description.validate().is_err());
        let long_title = NewTicket {
            title: "x".repeat(256),
            ..input()
        };
        assert!(long_title.validate().unwrap_err().contains("255"));
        let exact_title = NewTicket {
            title: "é".repeat(255),
            ..input()
        };
        assert!(
            exact_title.validate().is_ok(),
            "the limit counts characters, not bytes"
        );
        let long_env = NewTicket {
            environment: Some("e".repeat(51)),
            ..input()
        };
        assert!(long_env.validate().is_err());
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let cursor = QueueCursor {
            created_at: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(),
            id: Uuid::new_v4(),
        };
        assert_eq!(QueueCursor::decode(&cursor.encode()).unwrap(), cursor);
        for bad in ["", "abc", "123_notauuid", "x_0000"] {
            assert!(QueueCursor::decode(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn queue_limit_is_bounded() {
        assert_eq!(QueueQuery::default().limit(), QUEUE_DEFAULT_LIMIT);
        let huge = QueueQuery {
            limit: Some(10_000),
            after: None,
        };
        assert_eq!(huge.limit(), QUEUE_MAX_LIMIT);
        let zero = QueueQuery {
            limit: Some(0),
            after: None,
        };
        assert_eq!(zero.limit(), 1);
    }
}
