//! Working offline (issue 16; SPEC §9): what joins the local store to the server. A write that
//! cannot reach the server waits in the outbox; the outbox is sent in order, each item once,
//! when the server is back; the outbox's rules are `domain::outbox`'s.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

use crate::db;
use crate::domain::outbox::{self, AfterFailure, Work};
use crate::domain::permissions::Actor;
use crate::domain::ticket::{TicketDetail, TicketSummary};
use crate::error::{Error, Result};
use crate::local::store::LocalStore;

/// How long one send may take before the server counts as away and the work stays queued. A
/// connection to a server that vanished (a VPN drop) hangs rather than fails; the pool's acquire
/// timeout (5 s) covers only reaching a connection, not a statement on one already open. What
/// was sent when the time ran out is safe: the resend is filed once by its id.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// What is kept for reading offline (issue 16, item 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflineCopy {
    /// The first page of the queue last viewed.
    Queue,
    /// A ticket's detail as last loaded.
    Ticket(Uuid),
}

/// A read's answer: what the server sent, or, while it is away, this desktop's copy, with
/// `cachedAt` set to when that copy was saved (the UI's "Offline — showing what was saved at
/// 10:42"). The same JSON shape either way.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Read<T> {
    Live(T),
    Saved(serde_json::Value),
}

/// A saved copy as the UI reads it: its JSON with `cachedAt` added.
pub fn saved_copy<T>(body: &str, saved_at: DateTime<Utc>) -> anyhow::Result<Read<T>> {
    let mut value: serde_json::Value = serde_json::from_str(body)?;
    let object = value
        .as_object_mut()
        .ok_or_else(|| anyhow::anyhow!("a saved copy is a JSON object"))?;
    object.insert("cachedAt".into(), serde_json::to_value(saved_at)?);
    Ok(Read::Saved(value))
}

/// The server's answer to one piece of work. Lives for one call, so its size does not matter.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Answer {
    Ticket(TicketSummary),
    Detail(TicketDetail),
}

impl Answer {
    pub fn ticket(self) -> Result<TicketSummary> {
        match self {
            Answer::Ticket(ticket) => Ok(ticket),
            Answer::Detail(detail) => Ok(detail.ticket),
        }
    }

    pub fn detail(self) -> Result<TicketDetail> {
        match self {
            Answer::Detail(detail) => Ok(detail),
            Answer::Ticket(_) => Err(Error::Unexpected(anyhow::anyhow!(
                "a new ticket answers with its summary, not its detail"
            ))),
        }
    }
}

/// Sends one piece of work in `tx` (the caller commits): the same use cases the commands call,
/// so work sent from the outbox is checked exactly as work sent at once.
pub async fn send(tx: &mut PgConnection, actor: Actor, work: Work) -> Result<Answer> {
    Ok(match work {
        Work::CreateTicket(input) => Answer::Ticket(db::tickets::create(tx, actor, input).await?),
        Work::AddComment(input) => Answer::Detail(db::comments::add(tx, actor, input).await?),
        Work::ChangeStatus(change) => {
            Answer::Detail(db::ticket_changes::change_status(tx, actor, change).await?)
        }
        Work::Assign(change) => {
            Answer::Detail(db::ticket_changes::assign(tx, actor, change).await?)
        }
        Work::ChangePriority(change) => {
            Answer::Detail(db::ticket_changes::change_priority(tx, actor, change).await?)
        }
    })
}

/// Sends `work` in a transaction of its own, within [`SEND_TIMEOUT`]; running out of time is
/// the server being away.
pub async fn send_once<B, Fut>(begin: &B, work: Work) -> Result<Answer>
where
    B: Fn() -> Fut,
    Fut: Future<Output = Result<(Transaction<'static, Postgres>, Actor)>>,
{
    let attempt = async {
        let (mut tx, actor) = begin().await?;
        let answer = send(&mut tx, actor, work).await?;
        tx.commit().await?;
        Ok(answer)
    };
    tokio::time::timeout(SEND_TIMEOUT, attempt)
        .await
        .unwrap_or_else(|_| {
            Err(Error::Unavailable(anyhow::anyhow!(
                "the server did not answer within {SEND_TIMEOUT:?}"
            )))
        })
}

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    pub sent: usize,
    /// Items the server refused, now waiting for the user.
    pub needs_you: usize,
    /// The pass stopped because the server was away (or the session ended); what is left goes
    /// on the next pass.
    pub interrupted: bool,
}

/// Sends what may go now, oldest first, until the outbox holds nothing ready or the server is
/// away. Each item is one transaction; it leaves the outbox only after its COMMIT answered, and
/// a resend after a lost answer is filed once by the server (the item's id).
pub async fn drain<B, Fut>(store: &LocalStore, begin: B) -> Result<Drained>
where
    B: Fn() -> Fut,
    Fut: Future<Output = Result<(Transaction<'static, Postgres>, Actor)>>,
{
    let mut drained = Drained::default();
    loop {
        let items = store.outbox().await?;
        let queued: Vec<_> = items.iter().map(|item| item.queued()).collect();
        let Some(next) = outbox::ready(&queued).first().map(|q| q.id) else {
            return Ok(drained);
        };
        let item = items
            .iter()
            .find(|item| item.id == next)
            .expect("ready() returns items of the list");
        let work = match item.work() {
            Ok(work) => work,
            Err(err) => {
                // Written by a newer build, or damaged: kept for the user, not retried forever.
                tracing::warn!(id = %item.id, error = format!("{err:#}"), "unreadable outbox item");
                store
                    .needs_you(item.id, "ticketdesk cannot read this item; discard it.")
                    .await?;
                drained.needs_you += 1;
                continue;
            }
        };
        match send_once(&begin, work).await {
            Ok(_) => {
                store.sent(item.id).await?;
                drained.sent += 1;
            }
            Err(err) => match outbox::after_failure(&err) {
                AfterFailure::TryAgainLater => {
                    drained.interrupted = true;
                    return Ok(drained);
                }
                AfterFailure::NeedsYou(reason) => {
                    tracing::info!(id = %item.id, %reason, "an outbox item needs the user");
                    store.needs_you(item.id, &reason).await?;
                    drained.needs_you += 1;
                }
            },
        }
    }
}

/// Whether a failed send means the work should wait in the outbox (the server is away) rather
/// than be refused to the user.
pub fn goes_to_outbox(err: &Error) -> bool {
    matches!(err, Error::Unavailable(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_copy_reads_as_what_the_server_sent_with_when_it_was_saved() {
        let at = Utc::now();
        let Read::<()>::Saved(value) = saved_copy(r#"{"version":3,"cachedAt":null}"#, at).unwrap()
        else {
            panic!("a saved copy");
        };
        assert_eq!(value["version"], 3);
        assert_eq!(value["cachedAt"], serde_json::to_value(at).unwrap());
        assert!(
            saved_copy::<()>("[1,2]", at).is_err(),
            "only objects are kept"
        );
        // A live answer serialises as itself: the UI sees one shape.
        let live = serde_json::to_value(Read::<serde_json::Value>::Live(
            serde_json::json!({"version": 3}),
        ))
        .unwrap();
        assert_eq!(live, serde_json::json!({"version": 3}));
    }
}
