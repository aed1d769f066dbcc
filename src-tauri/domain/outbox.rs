//! The offline outbox's rules (issue 16, item 3; SPEC §9), free of IO: what may be sent next,
//! and what a failed send means. The items themselves live in the local store
//! (`local::store`); the server files each one once by its client id.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::domain::ticket::{Assignment, NewComment, NewTicket, PriorityChange, StatusChange};
use crate::error::Error;

/// The writes a user may make while the server is away, each with the input its command takes.
/// Every one carries an id the desktop chose (the ticket's, the comment's, or the change's), by
/// which the server files it once however often it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "input", rename_all = "camelCase")]
#[ts(export)]
pub enum Work {
    CreateTicket(NewTicket),
    AddComment(NewComment),
    ChangeStatus(StatusChange),
    Assign(Assignment),
    ChangePriority(PriorityChange),
}

impl Work {
    /// Gives the work the ids it lacks (a ticket's, a change's), so every send of it after this
    /// names the same one. Ids already there stay: the UI may have chosen them.
    pub fn stamp(mut self) -> Self {
        match &mut self {
            Work::CreateTicket(t) => {
                t.id.get_or_insert_with(Uuid::new_v4);
            }
            Work::AddComment(_) => {}
            Work::ChangeStatus(c) => {
                c.change_id.get_or_insert_with(Uuid::new_v4);
            }
            Work::Assign(c) => {
                c.change_id.get_or_insert_with(Uuid::new_v4);
            }
            Work::ChangePriority(c) => {
                c.change_id.get_or_insert_with(Uuid::new_v4);
            }
        }
        self
    }

    /// The id the server files it under (call [`Self::stamp`] first; nil when unstamped).
    pub fn id(&self) -> Uuid {
        match self {
            Work::CreateTicket(t) => t.id,
            Work::AddComment(c) => Some(c.id),
            Work::ChangeStatus(c) => c.change_id,
            Work::Assign(c) => c.change_id,
            Work::ChangePriority(c) => c.change_id,
        }
        .unwrap_or_default()
    }

    /// The ticket it is about: for a ticket created offline, the id it will have.
    pub fn ticket_id(&self) -> Uuid {
        match self {
            Work::CreateTicket(t) => t.id.unwrap_or_default(),
            Work::AddComment(c) => c.ticket_id,
            Work::ChangeStatus(c) => c.ticket_id,
            Work::Assign(c) => c.ticket_id,
            Work::ChangePriority(c) => c.ticket_id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Work::CreateTicket(_) => "createTicket",
            Work::AddComment(_) => "addComment",
            Work::ChangeStatus(_) => "changeStatus",
            Work::Assign(_) => "assign",
            Work::ChangePriority(_) => "changePriority",
        }
    }

    /// What can be checked without the server, checked before work is queued: a form that is
    /// wrong offline is wrong online too, and the user is at the form now, not when it is sent.
    pub fn check(&self) -> Result<(), String> {
        use crate::domain::ticket::{validate_comment, validate_reason};
        match self {
            Work::CreateTicket(t) => t.clone().validate().map(drop),
            Work::AddComment(c) => validate_comment(&c.content).map(drop),
            Work::ChangeStatus(c) => validate_reason(c.reason.as_deref()).map(drop),
            Work::Assign(c) => validate_reason(c.reason.as_deref()).map(drop),
            Work::ChangePriority(c) => validate_reason(c.reason.as_deref()).map(drop),
        }
    }

    /// "Retry on top": a change that met a newer version of its ticket is based on `version`
    /// now, so it applies over what happened meanwhile (the workflow is still checked).
    /// Tickets and comments carry no version.
    pub fn rebase(&mut self, version: i32) {
        match self {
            Work::ChangeStatus(c) => c.version = version,
            Work::Assign(c) => c.version = version,
            Work::ChangePriority(c) => c.version = version,
            Work::CreateTicket(_) | Work::AddComment(_) => {}
        }
    }
}

/// An outbox item as the UI shows it: the work, where it stands, and why when it needs you.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OutboxEntry {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub state: OutboxState,
    #[ts(optional = nullable)]
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub work: Work,
}

/// What a write that may go through the outbox answers: sent now (the server's answer), or
/// kept in the outbox to be sent when the server is back (shown as pending).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Submitted<T: TS> {
    Sent(T),
    Queued(OutboxEntry),
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum OutboxState {
    /// Waits to be sent (again).
    Pending,
    /// The server refused it for a reason the user must see (the ticket moved, a transition no
    /// longer allowed, permission lost): kept, with that reason, until they retry, edit or
    /// discard it.
    NeedsYou,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::NeedsYou => "needs_you",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(OutboxState::Pending),
            "needs_you" => Some(OutboxState::NeedsYou),
            _ => None,
        }
    }
}

/// An item as the rules see it: its place in line, and the ticket it is about (for a ticket
/// created offline, the id it will have: the desktop chose it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub seq: i64,
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub state: OutboxState,
}

/// The items that may be sent now, in order: pending ones with no earlier item about the same
/// ticket still in the outbox. So a comment on a ticket created offline waits for the ticket,
/// two changes to one ticket go in the order they were made, and an item that needs the user
/// holds back the later items of its ticket, not the whole outbox.
pub fn ready(items: &[Queued]) -> Vec<&Queued> {
    let mut ordered: Vec<&Queued> = items.iter().collect();
    ordered.sort_by_key(|item| item.seq);
    let mut blocked = std::collections::HashSet::new();
    let mut ready = Vec::new();
    for item in ordered {
        if blocked.insert(item.ticket_id) && item.state == OutboxState::Pending {
            ready.push(item);
        }
    }
    ready
}

/// What to do with an item after a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterFailure {
    /// The server is away (or the reply was lost): keep it pending and stop sending; the same
    /// id goes again when the connection is back, and the server files it once.
    TryAgainLater,
    /// The server refused it: it needs the user, with this reason.
    NeedsYou(String),
}

pub fn after_failure(error: &Error) -> AfterFailure {
    match error {
        Error::Unavailable(_) => AfterFailure::TryAgainLater,
        // The session ended: sending resumes after the user signs in again.
        Error::Unauthenticated(_) => AfterFailure::TryAgainLater,
        Error::Validation(why)
        | Error::NotFound(why)
        | Error::Conflict(why)
        | Error::Forbidden(why)
        | Error::Incompatible(why)
        | Error::Integrity(why) => AfterFailure::NeedsYou(why.clone()),
        Error::Unexpected(_) => AfterFailure::NeedsYou(
            "ticketdesk could not send this; try again, or discard it.".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(seq: i64, ticket: u128, state: OutboxState) -> Queued {
        Queued {
            seq,
            id: Uuid::from_u128(1000 + seq as u128),
            ticket_id: Uuid::from_u128(ticket),
            state,
        }
    }

    fn seqs(items: &[Queued]) -> Vec<i64> {
        ready(items).into_iter().map(|i| i.seq).collect()
    }

    fn new_ticket() -> NewTicket {
        NewTicket {
            id: None,
            title: "Disk full on db-02".into(),
            description: "Since 10:40.".into(),
            priority: crate::domain::ticket::Priority::P2High,
            category: crate::domain::ticket::Category::StorageIssue,
            environment: None,
            assignee_id: None,
        }
    }

    #[test]
    fn stamped_work_keeps_one_id_through_a_round_trip_and_rebases_only_changes() {
        let ticket = Work::CreateTicket(new_ticket()).stamp();
        let id = ticket.id();
        assert!(!id.is_nil());
        assert_eq!(ticket.ticket_id(), id, "a new ticket is about itself");
        assert_eq!(
            ticket.clone().stamp().id(),
            id,
            "stamping again keeps the id"
        );
        let text = serde_json::to_string(&ticket).unwrap();
        assert!(
            text.starts_with(r#"{"kind":"createTicket","input":{"#),
            "{text}"
        );
        let back: Work = serde_json::from_str(&text).unwrap();
        assert_eq!(back, ticket);

        let change = Work::ChangeStatus(StatusChange {
            change_id: None,
            ticket_id: id,
            version: 3,
            to: crate::domain::ticket::Status::InProgress,
            reason: None,
            resolution_notes: None,
        })
        .stamp();
        assert!(!change.id().is_nil() && change.id() != id);
        assert_eq!(change.ticket_id(), id);
        let mut rebased = change.clone();
        rebased.rebase(7);
        assert!(matches!(&rebased, Work::ChangeStatus(c) if c.version == 7));
        assert_eq!(rebased.id(), change.id(), "the same change, on top");
        let mut unchanged = ticket.clone();
        unchanged.rebase(7);
        assert_eq!(unchanged, ticket, "a new ticket has no version");
        assert!(
            Work::CreateTicket(new_ticket()).id().is_nil(),
            "control: unstamped"
        );
    }

    #[test]
    fn work_that_is_wrong_offline_is_refused_before_it_is_queued() {
        let mut blank = new_ticket();
        blank.title = "  ".into();
        assert!(Work::CreateTicket(blank).check().is_err());
        assert!(Work::CreateTicket(new_ticket()).check().is_ok());
        let long_reason = Work::ChangePriority(PriorityChange {
            change_id: None,
            ticket_id: Uuid::nil(),
            version: 1,
            priority: crate::domain::ticket::Priority::P1Critical,
            reason: Some("x".repeat(5_000)),
        });
        assert!(long_reason.check().is_err());
    }

    #[test]
    fn a_child_waits_for_its_parent_and_a_ticket_s_items_go_in_order() {
        use OutboxState::*;
        // 1 creates ticket A, 2 comments on A, 3 changes B, 4 comments on A again.
        let items = [
            item(4, 0xA, Pending),
            item(2, 0xA, Pending),
            item(1, 0xA, Pending),
            item(3, 0xB, Pending),
        ];
        assert_eq!(seqs(&items), [1, 3], "one per ticket, the oldest first");
        // Once 1 is sent (gone from the outbox), 2 may go; 4 still waits for 2.
        assert_eq!(seqs(&items[..2]), [2]);
        assert_eq!(seqs(&[]), Vec::<i64>::new());
    }

    #[test]
    fn an_item_that_needs_you_holds_back_its_ticket_only() {
        use OutboxState::*;
        let items = [
            item(1, 0xA, NeedsYou),
            item(2, 0xA, Pending),
            item(3, 0xB, Pending),
        ];
        assert_eq!(seqs(&items), [3]);
    }

    #[test]
    fn a_lost_connection_keeps_an_item_and_a_refusal_asks_the_user() {
        assert_eq!(
            after_failure(&Error::Unavailable(anyhow::anyhow!("reset"))),
            AfterFailure::TryAgainLater
        );
        assert_eq!(
            after_failure(&Error::Unauthenticated("ended".into())),
            AfterFailure::TryAgainLater
        );
        assert_eq!(
            after_failure(&Error::Conflict("The ticket changed meanwhile.".into())),
            AfterFailure::NeedsYou("The ticket changed meanwhile.".into())
        );
        assert!(matches!(
            after_failure(&Error::Unexpected(anyhow::anyhow!("secret detail"))),
            AfterFailure::NeedsYou(why) if !why.contains("secret")
        ));
        for state in [OutboxState::Pending, OutboxState::NeedsYou] {
            assert_eq!(OutboxState::parse(state.as_str()), Some(state));
        }
        assert_eq!(OutboxState::parse("sent"), None);
    }
}
