//! The worker's SQL: every statement is one short implicit transaction, and none is open while
//! a message is being sent. Runs as a `ticketdesk_worker` login, which may execute exactly
//! these functions of the API and touch no table (sql/api/outbox.sql).

use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

use super::message::{Channel, Outgoing, Recipient};
use super::retry::Update;

/// Committed outbox rows are announced here (`pg_notify` in `auth.notify`).
pub const CHANNEL: &str = "ticketdesk_outbox";

fn names(channels: &[Channel]) -> Vec<String> {
    channels.iter().map(|c| c.as_str().to_owned()).collect()
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

struct ClaimedRow {
    id: Uuid,
    kind: String,
    channel: String,
    subject: Option<String>,
    message: String,
    priority: String,
    retry_count: i32,
    ticket_number: Option<String>,
    ticket_title: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    active: Option<bool>,
}

/// Claims up to `limit` due rows of `channels` for `lease`: their `next_attempt_at` moves to
/// the end of the lease, so nobody else takes them meanwhile, and a worker that dies holding
/// them only delays them until then. SKIP LOCKED lets several workers claim side by side
/// without waiting on, or taking, each other's rows.
pub async fn claim(
    pool: &PgPool,
    channels: &[Channel],
    limit: u32,
    lease: Duration,
) -> sqlx::Result<Vec<Outgoing>> {
    // A function's columns infer as nullable; "!" and "?" keep ClaimedRow's types.
    let rows: Vec<ClaimedRow> = sqlx::query_as!(
        ClaimedRow,
        r#"SELECT id AS "id!", kind AS "kind!", channel AS "channel!", subject AS "subject?",
                  message AS "message!", priority AS "priority!", retry_count AS "retry_count!",
                  ticket_number AS "ticket_number?", ticket_title AS "ticket_title?",
                  first_name AS "first_name?", last_name AS "last_name?", email AS "email?",
                  phone_number AS "phone_number?", active AS "active?"
           FROM api.outbox_claim($1, $2, $3)"#,
        &names(channels),
        i32::try_from(limit).unwrap_or(i32::MAX),
        millis(lease)
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            // `channel = ANY($1)` makes this a formality.
            let channel = Channel::parse(&row.channel)?;
            let recipient = row.first_name.map(|first_name| Recipient {
                first_name,
                last_name: row.last_name.unwrap_or_default(),
                email: row.email,
                phone_number: row.phone_number,
                active: row.active.unwrap_or(false),
            });
            Some(Outgoing {
                id: row.id,
                channel,
                kind: row.kind,
                subject: row.subject,
                message: row.message,
                priority: row.priority,
                retry_count: row.retry_count,
                ticket_number: row.ticket_number,
                ticket_title: row.ticket_title,
                recipient,
            })
        })
        .collect())
}

/// Writes a send's outcome. A failure is written only if the row is still as this worker
/// claimed it (`retry_count` unchanged): should the lease have run out and another worker
/// have tried it since, that worker's record stands. Returns whether the row was updated.
pub async fn record(
    pool: &PgPool,
    id: Uuid,
    claimed_retry_count: i32,
    update: &Update,
) -> sqlx::Result<bool> {
    let done = match update {
        Update::Sent { external_id } => {
            sqlx::query_scalar!(
                r#"SELECT api.outbox_sent($1, $2) AS "done!""#,
                id,
                external_id.as_deref()
            )
            .fetch_one(pool)
            .await?
        }
        Update::Retry {
            retry_count,
            failed_reason,
            after,
        } => {
            sqlx::query_scalar!(
                r#"SELECT api.outbox_retry($1, $2, $3, $4, $5) AS "done!""#,
                id,
                claimed_retry_count,
                retry_count,
                failed_reason,
                millis(*after)
            )
            .fetch_one(pool)
            .await?
        }
        Update::Failed {
            retry_count,
            failed_reason,
        } => {
            sqlx::query_scalar!(
                r#"SELECT api.outbox_failed($1, $2, $3, $4) AS "done!""#,
                id,
                claimed_retry_count,
                retry_count,
                failed_reason
            )
            .fetch_one(pool)
            .await?
        }
    };
    Ok(done)
}

/// Gives a claimed row back unsent (shutting down, or too little of the lease left), so it
/// need not wait for the lease to run out.
pub async fn release(pool: &PgPool, id: Uuid, claimed_retry_count: i32) -> sqlx::Result<()> {
    sqlx::query!("SELECT api.outbox_release($1, $2)", id, claimed_retry_count)
        .execute(pool)
        .await?;
    Ok(())
}

/// How long until the next row of `channels` comes due (a retry's backoff, or another
/// worker's lease running out); zero if one is due now, None if nothing waits.
pub async fn next_due(pool: &PgPool, channels: &[Channel]) -> sqlx::Result<Option<Duration>> {
    let millis: Option<f64> = sqlx::query_scalar!(
        r#"SELECT api.outbox_next_due_ms($1) AS "ms?""#,
        &names(channels)
    )
    .fetch_one(pool)
    .await?;
    Ok(millis.map(|ms| Duration::from_millis(ms.max(0.0).ceil() as u64)))
}

/// PENDING rows per channel that this worker will not deliver.
pub async fn waiting_elsewhere(
    pool: &PgPool,
    configured: &[Channel],
) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT channel AS "channel!", waiting AS "waiting!"
           FROM api.outbox_waiting_elsewhere($1)"#,
        &names(configured)
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.channel, r.waiting)).collect())
}
