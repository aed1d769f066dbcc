//! Tickets: the queue, the detail view and creation.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::db::{notifications, parse_column, users};
use crate::domain::permissions::{self, Actor};
use crate::domain::ticket::{
    CommentView, HistoryEntry, NewTicket, QueueCursor, QueuePage, QueueQuery, TicketDetail,
    TicketSummary, ValidNewTicket,
};
use crate::domain::user::UserRef;
use crate::error::{Error, Result};

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    ticket_number: String,
    title: String,
    status: String,
    priority: String,
    category: String,
    environment: Option<String>,
    requestor_id: Uuid,
    requestor_name: String,
    assignee_id: Option<Uuid>,
    assignee_name: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<SummaryRow> for TicketSummary {
    type Error = Error;
    fn try_from(row: SummaryRow) -> Result<Self> {
        Ok(TicketSummary {
            id: row.id,
            ticket_number: row.ticket_number,
            title: row.title,
            status: parse_column(&row.status)?,
            priority: parse_column(&row.priority)?,
            category: parse_column(&row.category)?,
            environment: row.environment,
            requestor: UserRef {
                id: row.requestor_id,
                display_name: row.requestor_name,
            },
            assignee: user_ref(row.assignee_id, row.assignee_name),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn user_ref(id: Option<Uuid>, name: Option<String>) -> Option<UserRef> {
    Some(UserRef {
        id: id?,
        display_name: name.unwrap_or_default(),
    })
}

const SELECT_SUMMARY: &str = "\
    SELECT t.id, t.ticket_number, t.title, t.status, t.priority, t.category, t.environment, \
           t.requestor_id, r.first_name || ' ' || r.last_name AS requestor_name, \
           t.assignee_id, a.first_name || ' ' || a.last_name AS assignee_name, \
           t.created_at, t.updated_at \
    FROM tickets t \
    JOIN users r ON r.id = t.requestor_id \
    LEFT JOIN users a ON a.id = t.assignee_id";

/// The queue, newest first, one keyset page at a time. Requestors see only their own tickets.
pub async fn queue(db: impl PgExecutor<'_>, actor: Actor, query: &QueueQuery) -> Result<QueuePage> {
    let limit = query.limit();
    let cursor = query
        .after
        .as_deref()
        .map(QueueCursor::decode)
        .transpose()
        .map_err(Error::Validation)?;
    let only_requestor = (!permissions::sees_all_tickets(actor)).then_some(actor.id);
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "{SELECT_SUMMARY} \
         WHERE ($1::uuid IS NULL OR t.requestor_id = $1) \
           AND ($2::timestamptz IS NULL OR (t.created_at, t.id) < ($2, $3)) \
         ORDER BY t.created_at DESC, t.id DESC \
         LIMIT $4"
    ))
    .bind(only_requestor)
    .bind(cursor.map(|c| c.created_at))
    .bind(cursor.map(|c| c.id))
    .bind(i64::from(limit) + 1)
    .fetch_all(db)
    .await?;

    let mut tickets = rows
        .into_iter()
        .map(TicketSummary::try_from)
        .collect::<Result<Vec<_>>>()?;
    let next_cursor = if tickets.len() > limit as usize {
        tickets.truncate(limit as usize);
        tickets.last().map(|t| QueueCursor::after(t).encode())
    } else {
        None
    };
    Ok(QueuePage {
        tickets,
        next_cursor,
    })
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    description: String,
    resolution_notes: Option<String>,
    due_date: Option<DateTime<Utc>>,
    tags: Option<Vec<String>>,
    version: i32,
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: Uuid,
    user_id: Option<Uuid>,
    author_name: Option<String>,
    content: String,
    is_internal: bool,
    created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    id: Uuid,
    user_id: Option<Uuid>,
    actor_name: Option<String>,
    action: String,
    field_changed: Option<String>,
    old_value: Option<String>,
    new_value: Option<String>,
    change_reason: Option<String>,
    timestamp: DateTime<Utc>,
}

/// One ticket with its comments and history, as the actor may see it. A ticket the actor may
/// not see is reported as not found, so its existence does not leak. Run it in one
/// transaction (the caller's session transaction) so the three reads agree closely.
pub async fn detail(
    conn: &mut PgConnection,
    actor: Actor,
    ticket_id: Uuid,
) -> Result<TicketDetail> {
    let only_requestor = (!permissions::sees_all_tickets(actor)).then_some(actor.id);
    let row: Option<DetailRow> = sqlx::query_as(&format!(
        "SELECT s.*, t.description, t.resolution_notes, t.due_date, t.tags, t.version \
         FROM ({SELECT_SUMMARY} WHERE t.id = $1 AND ($2::uuid IS NULL OR t.requestor_id = $2)) s \
         JOIN tickets t ON t.id = s.id"
    ))
    .bind(ticket_id)
    .bind(only_requestor)
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.ok_or_else(|| Error::NotFound("No such ticket.".into()))?;

    let comments: Vec<CommentRow> = sqlx::query_as(
        "SELECT c.id, c.user_id, u.first_name || ' ' || u.last_name AS author_name, \
                c.content, c.is_internal, c.created_at \
         FROM comments c LEFT JOIN users u ON u.id = c.user_id \
         WHERE c.ticket_id = $1 AND c.deleted_at IS NULL AND (NOT c.is_internal OR $2) \
         ORDER BY c.created_at, c.id",
    )
    .bind(ticket_id)
    .bind(permissions::sees_internal_comments(actor))
    .fetch_all(&mut *conn)
    .await?;

    let history: Vec<HistoryRow> = sqlx::query_as(
        "SELECT h.id, h.user_id, u.first_name || ' ' || u.last_name AS actor_name, h.action, \
                h.field_changed, h.old_value, h.new_value, h.change_reason, h.timestamp \
         FROM ticket_history h LEFT JOIN users u ON u.id = h.user_id \
         WHERE h.ticket_id = $1 \
         ORDER BY h.timestamp, h.id",
    )
    .bind(ticket_id)
    .fetch_all(&mut *conn)
    .await?;

    Ok(TicketDetail {
        ticket: row.summary.try_into()?,
        description: row.description,
        resolution_notes: row.resolution_notes,
        due_date: row.due_date,
        tags: row.tags.unwrap_or_default(),
        version: row.version,
        comments: comments
            .into_iter()
            .map(|c| CommentView {
                id: c.id,
                author: user_ref(c.user_id, c.author_name),
                content: c.content,
                is_internal: c.is_internal,
                created_at: c.created_at,
            })
            .collect(),
        history: history
            .into_iter()
            .map(|h| HistoryEntry {
                id: h.id,
                actor: user_ref(h.user_id, h.actor_name),
                action: h.action,
                field_changed: h.field_changed,
                old_value: h.old_value,
                new_value: h.new_value,
                reason: h.change_reason,
                at: h.timestamp,
            })
            .collect(),
    })
}

/// Channel on which a committed ticket change wakes every desktop (payload: the ticket id).
pub const TICKET_CHANNEL: &str = "ticketdesk_ticket";

/// Creates a ticket: the ticket, its history, and (when it is assigned to someone else) the
/// assignee's notification, all in the caller's transaction. Listeners are woken when it
/// commits; nothing is written if it rolls back.
pub async fn create(
    tx: &mut PgConnection,
    actor: Actor,
    input: NewTicket,
) -> Result<TicketSummary> {
    let ticket = input.validate().map_err(Error::Validation)?;
    if let Some(assignee_id) = ticket.assignee_id {
        let assignee = users::find_active(&mut *tx, assignee_id)
            .await
            .map_err(|e| match e {
                Error::NotFound(_) => {
                    Error::Validation("The chosen assignee does not exist or is inactive.".into())
                }
                other => other,
            })?;
        permissions::check_assign_on_create(actor, assignee.id, assignee.role)
            .map_err(Error::Forbidden)?;
    }
    let id = insert_ticket(&mut *tx, actor, &ticket).await?;
    let summary = summary_in(&mut *tx, id).await?;

    write_history(
        &mut *tx,
        id,
        actor.id,
        "CREATED",
        None,
        None,
        Some(json!({
            "ticketNumber": summary.ticket_number,
            "title": summary.title,
            "status": summary.status,
            "priority": summary.priority,
            "category": summary.category,
            "environment": summary.environment,
        })),
    )
    .await?;
    if let Some(assignee) = &summary.assignee {
        write_history(
            &mut *tx,
            id,
            actor.id,
            "ASSIGNED",
            Some("assignee_id"),
            None,
            // A user reference keeps the name, so history reads well even after a rename.
            Some(json!({ "id": assignee.id, "displayName": assignee.display_name })),
        )
        .await?;
        if assignee.id != actor.id {
            let actor_name = users::find_active(&mut *tx, actor.id).await?.display_name;
            notifications::create_in_app(
                &mut *tx,
                notifications::NewInApp {
                    user_id: assignee.id,
                    ticket_id: id,
                    kind: "TICKET_ASSIGNED",
                    subject: format!("{} assigned to you", summary.ticket_number),
                    message: format!("{actor_name} assigned you: {}", summary.title),
                    priority: ticket.priority.notification_priority(),
                },
            )
            .await?;
        }
    }
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(TICKET_CHANNEL)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(summary)
}

async fn insert_ticket(
    tx: &mut PgConnection,
    actor: Actor,
    ticket: &ValidNewTicket,
) -> Result<Uuid> {
    // A ticket created with an assignee has been triaged: SPEC §3 calls that OPEN.
    let status = if ticket.assignee_id.is_some() {
        "OPEN"
    } else {
        "NEW"
    };
    let id = sqlx::query_scalar(
        "INSERT INTO tickets (ticket_number, title, description, category, priority, status, \
                              requestor_id, assignee_id, environment, sla_policy_id) \
         VALUES (next_ticket_number(), $1, $2, $3, $4, $5, $6, $7, $8, \
                 (SELECT id FROM sla_policies \
                  WHERE is_active AND priority = $4 AND (category = $3 OR category IS NULL) \
                    AND effective_from <= CURRENT_DATE \
                    AND (effective_until IS NULL OR effective_until >= CURRENT_DATE) \
                  ORDER BY category NULLS LAST, effective_from DESC LIMIT 1)) \
         RETURNING id",
    )
    .bind(&ticket.title)
    .bind(&ticket.description)
    .bind(ticket.category.as_str())
    .bind(ticket.priority.as_str())
    .bind(status)
    .bind(actor.id)
    .bind(ticket.assignee_id)
    .bind(&ticket.environment)
    .fetch_one(&mut *tx)
    .await?;
    Ok(id)
}

async fn summary_in(tx: &mut PgConnection, id: Uuid) -> Result<TicketSummary> {
    let row: SummaryRow = sqlx::query_as(&format!("{SELECT_SUMMARY} WHERE t.id = $1"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    row.try_into()
}

/// Appends one `ticket_history` row; values are stored as JSON text, as the seed says.
pub async fn write_history(
    tx: &mut PgConnection,
    ticket_id: Uuid,
    user_id: Uuid,
    action: &str,
    field_changed: Option<&str>,
    old_value: Option<serde_json::Value>,
    new_value: Option<serde_json::Value>,
) -> Result<()> {
    sqlx::query(
        // clock_timestamp(), not the transaction's start: rows written by one use case keep
        // the order they were written in.
        "INSERT INTO ticket_history (ticket_id, user_id, action, field_changed, old_value, new_value, timestamp) \
         VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())",
    )
    .bind(ticket_id)
    .bind(user_id)
    .bind(action)
    .bind(field_changed)
    .bind(old_value.map(|v| v.to_string()))
    .bind(new_value.map(|v| v.to_string()))
    .execute(&mut *tx)
    .await?;
    Ok(())
}
