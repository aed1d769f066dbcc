//! Tickets: the validated input to create one, the views the UI
//! gets, and the keyset cursor of the queue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::string_enum;
use super::user::UserRef;
use super::workflow::TicketActions;
// The vocabularies live apart so that sla and workflow can use them without importing the
// views here (which use theirs); every `domain::ticket::Status` path keeps working.
pub use super::vocabulary::{Category, Priority, Status};

pub const TITLE_MAX_CHARS: usize = 255;
pub const DESCRIPTION_MAX_CHARS: usize = 100_000;
pub const ENVIRONMENT_MAX_CHARS: usize = 50;

/// What the create form sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewTicket {
    /// The id the desktop chose, so that sending it again (the offline outbox, after a lost
    /// reply) files it once; None: the server picks one.
    #[serde(default)]
    #[ts(optional)]
    pub id: Option<Uuid>,
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
    pub id: Option<Uuid>,
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
            id: self.id,
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
    /// The queue's SLA column: the next deadline and where it stands (queue pages only; the
    /// detail has both deadlines).
    pub sla: Option<SlaGlance>,
}

/// The deadline a ticket faces next (the response while awaited, then the resolution), when,
/// and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SlaGlance {
    /// `response` or `resolution`.
    pub deadline: String,
    pub due: DateTime<Utc>,
    pub state: crate::domain::sla::SlaState,
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
    pub updated_at: DateTime<Utc>,
    /// How often it was edited; also the version an edit must name.
    pub edit_count: i32,
}

/// A file attached to the ticket or to one of its comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AttachmentView {
    pub id: Uuid,
    pub comment_id: Option<Uuid>,
    pub file_name: String,
    pub file_type: String,
    #[ts(type = "number")]
    pub file_size: i64,
    pub sha256: String,
    pub uploaded_by: Option<UserRef>,
    pub uploaded_at: DateTime<Utc>,
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
    /// The resolution deadline.
    pub due_date: Option<DateTime<Utc>>,
    /// The response deadline, when the response came (None: not yet), and whether it came
    /// late or not at all (SPEC §5).
    pub response_due_at: Option<DateTime<Utc>>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub response_breach: bool,
    /// Where each deadline stands now (None: no SLA policy).
    pub response_state: Option<crate::domain::sla::SlaState>,
    pub resolution_state: Option<crate::domain::sla::SlaState>,
    /// The SLA clock's events, for the timeline.
    pub sla_events: Vec<crate::domain::sla::SlaEvent>,
    /// Its open escalation (level, holder, next rise); None when there is none or the
    /// signed-in user is a requestor.
    pub escalation: Option<crate::domain::escalation::Escalation>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub sla_breach: bool,
    pub reopen_count: i32,
    pub status_before_escalation: Option<Status>,
    /// The version an edit must name (optimistic locking).
    pub version: i32,
    pub comments: Vec<CommentView>,
    pub history: Vec<HistoryEntry>,
    pub attachments: Vec<AttachmentView>,
    /// What the signed-in user may do to it now.
    pub actions: TicketActions,
    /// Set only when read offline from this desktop's copy: when that copy was saved
    /// ("Offline — showing what was saved at 10:42"). Null on what the server just sent.
    #[ts(optional = nullable)]
    pub cached_at: Option<DateTime<Utc>>,
}

pub const COMMENT_MAX_CHARS: usize = 50_000;

/// A comment as the editor sends it. The id is made by the client, so a retried submission
/// (say, from the offline outbox) is stored once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewComment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub content: String,
    pub is_internal: bool,
}

/// A change to one's own comment; `edit_count` is the count the editor saw (optimistic lock).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CommentEdit {
    pub comment_id: Uuid,
    pub edit_count: i32,
    pub content: String,
}

/// A move through the workflow, as the detail view sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StatusChange {
    pub ticket_id: Uuid,
    pub version: i32,
    /// The id the desktop gave this change, so that sending it again (the offline outbox, after
    /// a lost reply) applies it once; None: sent once, no receipt kept.
    #[serde(default)]
    #[ts(optional)]
    pub change_id: Option<Uuid>,
    pub to: Status,
    #[ts(optional)]
    pub reason: Option<String>,
    /// Required to resolve.
    #[ts(optional)]
    pub resolution_notes: Option<String>,
}

/// Taking, giving or releasing a ticket; `assignee_id` None unassigns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Assignment {
    pub ticket_id: Uuid,
    pub version: i32,
    /// The id the desktop gave this change, so that sending it again (the offline outbox, after
    /// a lost reply) applies it once; None: sent once, no receipt kept.
    #[serde(default)]
    #[ts(optional)]
    pub change_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    #[ts(optional)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PriorityChange {
    pub ticket_id: Uuid,
    pub version: i32,
    /// The id the desktop gave this change, so that sending it again (the offline outbox, after
    /// a lost reply) applies it once; None: sent once, no receipt kept.
    #[serde(default)]
    #[ts(optional)]
    pub change_id: Option<Uuid>,
    pub priority: Priority,
    #[ts(optional)]
    pub reason: Option<String>,
}

/// Trims a comment and checks its size.
pub fn validate_comment(content: &str) -> Result<String, String> {
    let content = content.trim();
    if content.is_empty() {
        return Err("A comment cannot be empty.".into());
    }
    if content.chars().count() > COMMENT_MAX_CHARS {
        return Err(format!(
            "A comment is limited to {COMMENT_MAX_CHARS} characters."
        ));
    }
    Ok(content.to_owned())
}

pub const REASON_MAX_CHARS: usize = 2_000;

/// The optional "why" of a change, kept in its history rows.
pub fn validate_reason(reason: Option<&str>) -> Result<Option<String>, String> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > REASON_MAX_CHARS) {
        return Err(format!(
            "A reason is limited to {REASON_MAX_CHARS} characters."
        ));
    }
    Ok(reason.map(str::to_owned))
}

string_enum! {
    /// Orders the queue can be sorted in. `RELEVANCE` needs search text.
    QueueSort {
        Newest => "NEWEST",
        Oldest => "OLDEST",
        Updated => "UPDATED",
        Priority => "PRIORITY",
        Relevance => "RELEVANCE",
        /// The next SLA deadline first (response while awaited, then resolution).
        Due => "DUE",
    }
}

// string_enum! derives no Default; newest first is what a queue opens on.
#[allow(clippy::derivable_impls)]
impl Default for QueueSort {
    fn default() -> Self {
        QueueSort::Newest
    }
}

/// A queue request: search text, filters, an order, and `after` (the previous page's
/// `next_cursor`). Empty lists and absent fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct QueueQuery {
    #[ts(optional)]
    pub limit: Option<u32>,
    #[ts(optional)]
    pub after: Option<String>,
    /// Full-text search over title and description (web-search syntax: words, "phrases", -not).
    #[ts(optional)]
    pub text: Option<String>,
    #[ts(optional, as = "Option<Vec<Status>>")]
    pub statuses: Vec<Status>,
    #[ts(optional, as = "Option<Vec<Priority>>")]
    pub priorities: Vec<Priority>,
    #[ts(optional, as = "Option<Vec<Category>>")]
    pub categories: Vec<Category>,
    #[ts(optional)]
    pub assignee_id: Option<Uuid>,
    /// Only tickets nobody is assigned to (wins over `assignee_id`).
    #[ts(optional, as = "Option<bool>")]
    pub unassigned: bool,
    #[ts(optional)]
    pub requestor_id: Option<Uuid>,
    /// Tickets carrying all of these tags.
    #[ts(optional, as = "Option<Vec<String>>")]
    pub tags: Vec<String>,
    #[ts(optional)]
    pub environment: Option<String>,
    #[ts(optional)]
    pub sla_breached: Option<bool>,
    #[ts(optional, as = "Option<QueueSort>")]
    pub sort: QueueSort,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueuePage {
    pub tickets: Vec<TicketSummary>,
    pub next_cursor: Option<String>,
    /// Set only when read offline from this desktop's copy: when that copy was saved
    /// ("Offline — showing what was saved at 10:42"). Null on what the server just sent.
    #[ts(optional = nullable)]
    pub cached_at: Option<DateTime<Utc>>,
}

pub const QUEUE_DEFAULT_LIMIT: u32 = 50;
pub const QUEUE_MAX_LIMIT: u32 = 200;
pub const SEARCH_MAX_CHARS: usize = 500;

impl QueueQuery {
    pub fn limit(&self) -> u32 {
        self.limit
            .unwrap_or(QUEUE_DEFAULT_LIMIT)
            .clamp(1, QUEUE_MAX_LIMIT)
    }

    /// The search text, trimmed; None when blank.
    pub fn search_text(&self) -> Option<&str> {
        self.text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    /// Refuses what no page could answer.
    pub fn validate(&self) -> Result<(), String> {
        if self
            .search_text()
            .is_some_and(|t| t.chars().count() > SEARCH_MAX_CHARS)
        {
            return Err(format!(
                "Search text is limited to {SEARCH_MAX_CHARS} characters."
            ));
        }
        if self.sort == QueueSort::Relevance && self.search_text().is_none() {
            return Err("Sorting by relevance needs search text.".into());
        }
        Ok(())
    }
}

/// The sort value of the last row of a page, beside `(created_at, id)` which break ties.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SortKey {
    /// NEWEST and OLDEST sort by `created_at` alone.
    Created,
    Updated(DateTime<Utc>),
    Priority(Priority),
    /// `ts_rank` is a float4; its exact bits go into the cursor.
    Rank(f32),
    /// The next deadline; None when nothing is pending (sorts last).
    Due(Option<DateTime<Utc>>),
}

/// Position in the queue's order: a keyset, never an OFFSET, so a page costs the same however
/// deep it is and rows inserted meanwhile shift nothing. Every order ends in
/// `(created_at, id)`, which is unique.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueCursor {
    pub sort: QueueSort,
    pub key: SortKey,
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl QueueCursor {
    pub fn encode(&self) -> String {
        let key = match self.key {
            SortKey::Created => String::new(),
            SortKey::Updated(at) => at.timestamp_micros().to_string(),
            SortKey::Priority(p) => p.as_str().to_owned(),
            SortKey::Rank(r) => r.to_bits().to_string(),
            SortKey::Due(at) => at
                .map(|at| at.timestamp_micros().to_string())
                .unwrap_or_default(),
        };
        format!(
            "{}~{key}~{}~{}",
            self.sort,
            self.created_at.timestamp_micros(),
            self.id.simple()
        )
    }

    /// Reads a cursor made for `sort`; a cursor from another order is refused.
    pub fn decode(text: &str, sort: QueueSort) -> Result<Self, String> {
        let invalid = || format!("Invalid queue cursor {text:?}; start again from the first page.");
        let mut parts = text.split('~');
        let (Some(sort_text), Some(key), Some(micros), Some(id), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(invalid());
        };
        if sort_text != sort.as_str() {
            return Err(invalid());
        }
        let micros_of = |t: &str| {
            t.parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_micros)
                .ok_or_else(invalid)
        };
        let key = match sort {
            QueueSort::Newest | QueueSort::Oldest if key.is_empty() => SortKey::Created,
            QueueSort::Updated => SortKey::Updated(micros_of(key)?),
            QueueSort::Priority => SortKey::Priority(key.parse().map_err(|_| invalid())?),
            QueueSort::Relevance => {
                SortKey::Rank(f32::from_bits(key.parse().map_err(|_| invalid())?))
            }
            QueueSort::Due if key.is_empty() => SortKey::Due(None),
            QueueSort::Due => SortKey::Due(Some(micros_of(key)?)),
            _ => return Err(invalid()),
        };
        Ok(Self {
            sort,
            key,
            created_at: micros_of(micros)?,
            id: Uuid::parse_str(id).map_err(|_| invalid())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewTicket {
        NewTicket {
            id: None,
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
    fn cursor_round_trips_for_every_order_and_rejects_garbage() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        let id = Uuid::new_v4();
        for (sort, key) in [
            (QueueSort::Newest, SortKey::Created),
            (QueueSort::Oldest, SortKey::Created),
            (QueueSort::Updated, SortKey::Updated(at)),
            (QueueSort::Priority, SortKey::Priority(Priority::P2High)),
            (QueueSort::Relevance, SortKey::Rank(0.060_792_7)),
        ] {
            let cursor = QueueCursor {
                sort,
                key,
                created_at: at,
                id,
            };
            assert_eq!(QueueCursor::decode(&cursor.encode(), sort).unwrap(), cursor);
            let other = if sort == QueueSort::Oldest {
                QueueSort::Newest
            } else {
                QueueSort::Oldest
            };
            assert!(
                QueueCursor::decode(&cursor.encode(), other).is_err(),
                "a {sort} cursor cannot page a {other} queue"
            );
        }
        for bad in [
            "",
            "abc",
            "NEWEST~~123~notauuid",
            "NEWEST~~x~0000",
            "PRIORITY~P9~1~x",
        ] {
            assert!(
                QueueCursor::decode(bad, QueueSort::Newest).is_err(),
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn queue_limit_is_bounded() {
        assert_eq!(QueueQuery::default().limit(), QUEUE_DEFAULT_LIMIT);
        let huge = QueueQuery {
            limit: Some(10_000),
            ..Default::default()
        };
        assert_eq!(huge.limit(), QUEUE_MAX_LIMIT);
        let zero = QueueQuery {
            limit: Some(0),
            ..Default::default()
        };
        assert_eq!(zero.limit(), 1);
    }

    #[test]
    fn queue_queries_refuse_relevance_without_text_and_huge_text() {
        let relevance = QueueQuery {
            sort: QueueSort::Relevance,
            text: Some("  ".into()),
            ..Default::default()
        };
        assert!(relevance.validate().is_err());
        let huge = QueueQuery {
            text: Some("x".repeat(501)),
            ..Default::default()
        };
        assert!(huge.validate().is_err());
        let fine = QueueQuery {
            sort: QueueSort::Relevance,
            text: Some("disk full".into()),
            ..Default::default()
        };
        assert_eq!(fine.validate(), Ok(()));
    }

    #[test]
    fn a_missing_query_field_means_no_filter() {
        let query: QueueQuery = serde_json::from_str("{}").unwrap();
        assert_eq!(query, QueueQuery::default());
        assert_eq!(query.sort, QueueSort::Newest);
    }

    #[test]
    fn comments_and_reasons_are_trimmed_and_bounded() {
        assert_eq!(validate_comment("  hi \n").unwrap(), "hi");
        assert!(validate_comment(" \n ").is_err());
        assert!(validate_comment(&"x".repeat(COMMENT_MAX_CHARS + 1)).is_err());
        assert_eq!(validate_reason(Some("  ")).unwrap(), None);
        assert_eq!(validate_reason(Some(" why ")).unwrap(), Some("why".into()));
        assert!(validate_reason(Some(&"x".repeat(REASON_MAX_CHARS + 1))).is_err());
    }
}
