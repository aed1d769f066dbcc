//! The offline outbox's rules (issue 16, item 3; SPEC §9), free of IO: what may be sent next,
//! and what a failed send means. The items themselves live in the local store
//! (`local::store`); the server files each one once by its client id.

use uuid::Uuid;

use crate::error::Error;

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
