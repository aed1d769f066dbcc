//! Changes to a ticket's workflow fields: status, assignee, priority. Each names the version it
//! was based on (optimistic locking): a change to a ticket someone else changed meanwhile is
//! refused as a conflict, never applied over theirs. The rules are `domain::workflow`'s; the
//! database checks them again and writes the history.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::tickets::{self, announce_change};
use crate::db::{parse_column, users};
use crate::domain::permissions::Actor;
// The changes' shapes are the UI's and the outbox's (domain); kept reachable from here.
use crate::domain::ticket::{validate_reason, Priority, TicketDetail};
pub use crate::domain::ticket::{Assignment, PriorityChange, StatusChange};
use crate::domain::workflow::{self, TicketState};
use crate::error::{Error, Result};

struct CurrentRow {
    status: String,
    requestor_id: Uuid,
    assignee_id: Option<Uuid>,
    closed_at: Option<DateTime<Utc>>,
    status_before_escalation: Option<String>,
    priority: String,
    ticket_number: String,
    version: i32,
}

struct Current {
    state: TicketState,
    priority: Priority,
    ticket_number: String,
}

/// The ticket as the actor may see it, refused as a conflict when it is no longer the version
/// the change was based on.
async fn current(tx: &mut PgConnection, ticket_id: Uuid, seen_version: i32) -> Result<Current> {
    // A function's columns infer as nullable; "!" and "?" keep CurrentRow's types.
    let row: CurrentRow = sqlx::query_as!(
        CurrentRow,
        r#"SELECT status AS "status!", requestor_id AS "requestor_id!",
                  assignee_id AS "assignee_id?", closed_at AS "closed_at?",
                  status_before_escalation AS "status_before_escalation?",
                  priority AS "priority!", ticket_number AS "ticket_number!",
                  version AS "version!"
           FROM api.ticket_state($1)"#,
        ticket_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::NotFound("No such ticket.".into()))?;
    if row.version != seen_version {
        return Err(stale(&row.ticket_number));
    }
    Ok(Current {
        state: TicketState {
            status: parse_column(&row.status)?,
            requestor_id: row.requestor_id,
            assignee_id: row.assignee_id,
            closed_at: row.closed_at,
            status_before_escalation: row
                .status_before_escalation
                .as_deref()
                .map(parse_column)
                .transpose()?,
        },
        priority: parse_column(&row.priority)?,
        ticket_number: row.ticket_number,
    })
}

fn stale(ticket_number: &str) -> Error {
    Error::Conflict(format!(
        "{ticket_number} was changed by someone else while you were looking at it. Your change \
         was not applied; review theirs and try again."
    ))
}

/// The reason, checked, for the history rows the triggers write (the API sets it).
fn reason(reason: Option<&str>) -> Result<String> {
    Ok(validate_reason(reason)
        .map_err(Error::Validation)?
        .unwrap_or_default()
        .to_owned())
}

/// Checks that the conditional change hit the version it was based on; if it did not, someone
/// committed a change between our read and our write.
fn ensure_applied(current: &Current, applied: bool) -> Result<()> {
    if applied {
        Ok(())
    } else {
        Err(stale(&current.ticket_number))
    }
}

/// Whether this change was applied already: the outbox sent it before and the reply was lost
/// (issue 16). It is then answered with the ticket as it is now, not refused as a conflict with
/// its own version bump. Only the caller's own receipts count (the server decides).
async fn already_applied(tx: &mut PgConnection, change_id: Option<Uuid>) -> Result<bool> {
    let Some(change_id) = change_id else {
        return Ok(false);
    };
    let applied = sqlx::query_scalar!(r#"SELECT api.change_applied($1) AS "applied!""#, change_id)
        .fetch_one(&mut *tx)
        .await?;
    Ok(applied)
}

pub async fn change_status(
    tx: &mut PgConnection,
    actor: Actor,
    change: StatusChange,
) -> Result<TicketDetail> {
    if already_applied(&mut *tx, change.change_id).await? {
        return tickets::detail(&mut *tx, actor, change.ticket_id).await;
    }
    let now = Utc::now();
    let current = current(&mut *tx, change.ticket_id, change.version).await?;
    let state = &current.state;
    let notes = change
        .resolution_notes
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    workflow::check_transition(state, actor, change.to, notes, now)?;
    let reason = reason(change.reason.as_deref())?;
    let assignee = workflow::assignee_after_transition(state, change.to);
    let applied: bool = sqlx::query_scalar!(
        r#"SELECT api.change_ticket_status($1, $2, $3, $4, $5, $6, $7) AS "applied!""#,
        change.ticket_id,
        change.version,
        change.to.as_str(),
        assignee,
        notes,
        &reason,
        change.change_id
    )
    .fetch_one(&mut *tx)
    .await?;
    ensure_applied(&current, applied)?;
    announce_change(&mut *tx, change.ticket_id).await?;
    tickets::detail(&mut *tx, actor, change.ticket_id).await
}

pub async fn assign(
    tx: &mut PgConnection,
    actor: Actor,
    change: Assignment,
) -> Result<TicketDetail> {
    if already_applied(&mut *tx, change.change_id).await? {
        return tickets::detail(&mut *tx, actor, change.ticket_id).await;
    }
    let current = current(&mut *tx, change.ticket_id, change.version).await?;
    let state = &current.state;
    let assignee = match change.assignee_id {
        Some(id) => {
            let user = users::find_active(&mut *tx, id)
                .await
                .map_err(|e| match e {
                    Error::NotFound(_) => Error::Validation(
                        "The chosen assignee does not exist or is inactive.".into(),
                    ),
                    other => other,
                })?;
            Some((user.id, user.role))
        }
        None => None,
    };
    workflow::check_assignment(state, actor, assignee)?;
    let reason = reason(change.reason.as_deref())?;
    let status = workflow::status_after_assignment(state, change.assignee_id);
    let applied: bool = sqlx::query_scalar!(
        r#"SELECT api.assign_ticket($1, $2, $3, $4, $5, $6) AS "applied!""#,
        change.ticket_id,
        change.version,
        change.assignee_id,
        status.as_str(),
        &reason,
        change.change_id
    )
    .fetch_one(&mut *tx)
    .await?;
    ensure_applied(&current, applied)?;
    announce_change(&mut *tx, change.ticket_id).await?;
    tickets::detail(&mut *tx, actor, change.ticket_id).await
}

pub async fn change_priority(
    tx: &mut PgConnection,
    actor: Actor,
    change: PriorityChange,
) -> Result<TicketDetail> {
    if already_applied(&mut *tx, change.change_id).await? {
        return tickets::detail(&mut *tx, actor, change.ticket_id).await;
    }
    let current = current(&mut *tx, change.ticket_id, change.version).await?;
    workflow::check_priority_change(actor)?;
    if current.priority == change.priority {
        return Err(Error::Validation(format!(
            "The priority is already {}.",
            change.priority
        )));
    }
    let reason = reason(change.reason.as_deref())?;
    let applied: bool = sqlx::query_scalar!(
        r#"SELECT api.change_ticket_priority($1, $2, $3, $4, $5) AS "applied!""#,
        change.ticket_id,
        change.version,
        change.priority.as_str(),
        &reason,
        change.change_id
    )
    .fetch_one(&mut *tx)
    .await?;
    ensure_applied(&current, applied)?;
    announce_change(&mut *tx, change.ticket_id).await?;
    tickets::detail(&mut *tx, actor, change.ticket_id).await
}
