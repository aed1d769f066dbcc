//! The escalation ladder through the API (issue 15; sql/escalations/ladder.sql). The desktop
//! lists, acknowledges and resolves; it never names a target, a sender or a level.

use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::escalation::{Deadline, DeadlineKind, Escalation, MyAlerts};
use crate::error::{Error, Result};

/// The open escalations the signed-in lead, manager or admin may act on, oldest first.
pub async fn list(conn: &mut PgConnection) -> Result<Vec<Escalation>> {
    let rows =
        sqlx::query_scalar!(r#"SELECT e AS "e!: Json<Escalation>" FROM api.escalations() e"#)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|Json(e)| e).collect())
}

fn not_yours() -> Error {
    Error::NotFound("No such open escalation, or it is not yours to act on.".into())
}

/// Acknowledges an escalation: its rise stops.
pub async fn acknowledge(conn: &mut PgConnection, escalation_id: Uuid) -> Result<()> {
    let done = sqlx::query_scalar!(
        r#"SELECT api.acknowledge_escalation($1) AS "done!""#,
        escalation_id
    )
    .fetch_one(conn)
    .await?;
    done.then_some(()).ok_or_else(not_yours)
}

/// Acknowledges a ticket's open escalation (the native notification's Acknowledge action).
pub async fn acknowledge_ticket(conn: &mut PgConnection, ticket_id: Uuid) -> Result<()> {
    let done = sqlx::query_scalar!(
        r#"SELECT api.acknowledge_ticket_escalation($1) AS "done!""#,
        ticket_id
    )
    .fetch_one(conn)
    .await?;
    done.then_some(()).ok_or_else(not_yours)
}

/// Resolves an open escalation with notes (required; the database checks).
pub async fn resolve(conn: &mut PgConnection, escalation_id: Uuid, notes: &str) -> Result<()> {
    let done = sqlx::query_scalar!(
        r#"SELECT api.resolve_escalation($1, $2) AS "done!""#,
        escalation_id,
        notes
    )
    .fetch_one(conn)
    .await?;
    done.then_some(()).ok_or_else(not_yours)
}

/// Whether the ticket's escalation still waits for the signed-in user: open, unacknowledged,
/// held by them. A snoozed alert comes back only then.
pub async fn waits_for_me(conn: &mut PgConnection, ticket_id: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT api.escalation_waits_for_me($1) AS "waits!""#,
        ticket_id
    )
    .fetch_one(conn)
    .await?)
}

/// What the tray shows: escalations held, breaches, the next deadline.
pub async fn my_alerts(conn: &mut PgConnection) -> Result<MyAlerts> {
    let row = sqlx::query!(
        r#"SELECT open_escalations AS "open_escalations!", unacknowledged AS "unacknowledged!",
                  breached AS "breached!", next_at, next_ticket_id, next_ticket_number,
                  next_kind
           FROM api.my_alerts()"#
    )
    .fetch_one(conn)
    .await?;
    let next = match (
        row.next_at,
        row.next_ticket_id,
        row.next_ticket_number,
        row.next_kind.as_deref().and_then(DeadlineKind::parse),
    ) {
        (Some(at), Some(ticket_id), Some(ticket_number), Some(kind)) => Some(Deadline {
            at,
            ticket_id,
            ticket_number,
            kind,
        }),
        _ => None,
    };
    Ok(MyAlerts {
        open_escalations: row.open_escalations.into(),
        unacknowledged: row.unacknowledged.into(),
        breached: row.breached.into(),
        next,
    })
}
