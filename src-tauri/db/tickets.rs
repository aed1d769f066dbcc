//! Tickets: the queue and search, the detail view and creation. History rows are written by
//! the database's triggers (migration `workflow`), so no code path can forget them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use crate::db::{parse_column, users};
use crate::domain::escalation::Escalation;
use crate::domain::permissions::Actor;
use crate::domain::sla::SlaEvent;
use crate::domain::ticket::{
    AttachmentView, CommentView, HistoryEntry, NewTicket, Priority, QueueCursor, QueuePage,
    QueueQuery, QueueSort, SlaGlance, SortKey, Status, TicketDetail, TicketSummary, ValidNewTicket,
};
use crate::domain::user::UserRef;
use crate::domain::workflow::{self, TicketState};
use crate::error::{Error, Result};

/// The queue's, creation's and the detail's common columns. Functions' columns infer as
/// nullable, so the queries mark each "!" (NOT NULL) or "?" to keep these types.
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
    /// Only set when searching.
    rank: Option<f32>,
    /// The SLA column (queue pages only).
    sla_deadline: Option<String>,
    sla_due: Option<DateTime<Utc>>,
    sla_state: Option<String>,
    /// The DUE order's key (None: nothing pending).
    next_due: Option<DateTime<Utc>>,
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
            sla: match (row.sla_deadline, row.sla_due, row.sla_state) {
                (Some(deadline), Some(due), Some(state)) => Some(SlaGlance {
                    deadline,
                    due,
                    state: parse_column(&state)?,
                }),
                _ => None,
            },
        })
    }
}

fn user_ref(id: Option<Uuid>, name: Option<String>) -> Option<UserRef> {
    Some(UserRef {
        id: id?,
        display_name: name.unwrap_or_default(),
    })
}

/// The queue's filter as the database takes it: one typed value, `auth.queue_filter`
/// (sql/api/queue.sql), with the same names. The filter language, the visibility rule, the
/// keyset and the order are the server's, written there once; this only says which page.
#[derive(Debug, Serialize)]
pub struct QueueFilter<'q> {
    #[serde(skip_serializing_if = "Option::is_none")]
    search: Option<&'q str>,
    sort: &'static str,
    page_rows: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    statuses: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    priorities: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    categories: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee: Option<Uuid>,
    unassigned: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    requestor: Option<Uuid>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'q [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<&'q str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sla_breached: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_created: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_updated: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_priority: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_rank: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after_due: Option<DateTime<Utc>>,
}

impl<'q> QueueFilter<'q> {
    /// The filter for a page of `query`; a query no page could answer, or a cursor that is not
    /// ours, is a validation error.
    pub fn of(query: &'q QueueQuery) -> Result<Self> {
        query.validate().map_err(Error::Validation)?;
        let cursor = query
            .after
            .as_deref()
            .map(|c| QueueCursor::decode(c, query.sort))
            .transpose()
            .map_err(Error::Validation)?;
        let key = cursor.map(|c| c.key);
        Ok(QueueFilter {
            search: query.search_text(),
            sort: query.sort.as_str(),
            page_rows: page_rows(query),
            statuses: query.statuses.iter().map(|s| s.as_str()).collect(),
            priorities: query.priorities.iter().map(|p| p.as_str()).collect(),
            categories: query.categories.iter().map(|c| c.as_str()).collect(),
            assignee: query.assignee_id,
            unassigned: query.unassigned,
            requestor: query.requestor_id,
            tags: &query.tags,
            environment: query.environment.as_deref(),
            sla_breached: query.sla_breached,
            after_created: cursor.map(|c| c.created_at),
            after_id: cursor.map(|c| c.id),
            after_updated: match key {
                Some(SortKey::Updated(at)) => Some(at),
                _ => None,
            },
            after_priority: match key {
                Some(SortKey::Priority(p)) => Some(p.as_str()),
                _ => None,
            },
            after_rank: match key {
                Some(SortKey::Rank(r)) => Some(r),
                _ => None,
            },
            after_due: match key {
                Some(SortKey::Due(at)) => at,
                _ => None,
            },
        })
    }
}

/// A page's rows plus one, which tells whether another page follows.
fn page_rows(query: &QueueQuery) -> u32 {
    query.limit() + 1
}

/// The queue: search text and filters, one keyset page at a time in the chosen order, as the
/// signed-in user may see it (requestors: their own tickets; `api.queue`).
/// Acts for the transaction's session (`api.act_as`).
pub async fn queue(conn: &mut PgConnection, query: &QueueQuery) -> Result<QueuePage> {
    queue_page(conn, None, query).await
}

/// [`queue`] as the desktop runs it: one statement that brings its own session token, with no
/// transaction around it (one round trip instead of `BEGIN`, `act_as` and the read). An ended
/// session is [`Error::Unauthenticated`].
pub async fn queue_for_session(
    pool: &PgPool,
    session_token: &str,
    query: &QueueQuery,
) -> Result<QueuePage> {
    queue_page(pool, Some(session_token), query).await
}

async fn queue_page<'e>(
    executor: impl PgExecutor<'e>,
    session_token: Option<&str>,
    query: &QueueQuery,
) -> Result<QueuePage> {
    let limit = query.limit() as usize;
    let filter = QueueFilter::of(query)?;
    let rows: Vec<SummaryRow> = sqlx::query_as!(
        SummaryRow,
        r#"SELECT id AS "id!", ticket_number AS "ticket_number!", title AS "title!",
                  status AS "status!", priority AS "priority!", category AS "category!",
                  environment AS "environment?", requestor_id AS "requestor_id!",
                  requestor_name AS "requestor_name!", assignee_id AS "assignee_id?",
                  assignee_name AS "assignee_name?", created_at AS "created_at!",
                  updated_at AS "updated_at!", rank AS "rank?",
                  sla_deadline AS "sla_deadline?", sla_due AS "sla_due?",
                  sla_state AS "sla_state?", next_due AS "next_due?"
           FROM api.queue($1, $2)"#,
        // jsonb: the macro's check wants a serde_json::Value.
        Json(&filter) as _,
        session_token
    )
    .fetch_all(executor)
    .await?;
    let next_cursor = match rows.get(limit - 1) {
        Some(last) if rows.len() > limit => Some(cursor_after(query.sort, last)?.encode()),
        _ => None,
    };
    let tickets = rows
        .into_iter()
        .take(limit)
        .map(TicketSummary::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(QueuePage {
        tickets,
        next_cursor,
        cached_at: None,
    })
}

/// For the benchmark: the `EXPLAIN (ANALYZE, BUFFERS)` lines of the statement `api.queue`
/// runs for `query`, acting for the session set on `conn` (`auth.queue_explain`; the owner's
/// to call: a plan shows row counts).
pub async fn queue_plan(conn: &mut PgConnection, query: &QueueQuery) -> Result<String> {
    let filter = QueueFilter::of(query)?;
    let lines: Vec<String> = sqlx::query_scalar!(
        r#"SELECT line AS "line!" FROM auth.queue_explain($1) AS line"#,
        Json(&filter) as _
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(lines.join("\n"))
}

fn cursor_after(sort: QueueSort, row: &SummaryRow) -> Result<QueueCursor> {
    let key = match sort {
        QueueSort::Newest | QueueSort::Oldest => SortKey::Created,
        QueueSort::Updated => SortKey::Updated(row.updated_at),
        QueueSort::Priority => SortKey::Priority(parse_column::<Priority>(&row.priority)?),
        QueueSort::Relevance => SortKey::Rank(row.rank.unwrap_or(0.0)),
        QueueSort::Due => SortKey::Due(row.next_due),
    };
    Ok(QueueCursor {
        sort,
        key,
        created_at: row.created_at,
        id: row.id,
    })
}

// Debug: query!'s record derives it.
#[derive(Debug, serde::Deserialize)]
struct CommentRow {
    id: Uuid,
    user_id: Option<Uuid>,
    author_name: Option<String>,
    content: String,
    is_internal: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    edit_count: i32,
}

#[derive(Debug, serde::Deserialize)]
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

#[derive(Debug, serde::Deserialize)]
struct AttachmentRow {
    id: Uuid,
    comment_id: Option<Uuid>,
    file_name: String,
    file_type: String,
    file_size: i64,
    file_hash: Option<String>,
    uploaded_by: Option<Uuid>,
    uploader_name: Option<String>,
    uploaded_at: DateTime<Utc>,
}

/// The id of ticket `number` (a link's, issue 18) when the session's user may see it; one they
/// may not see is [`Error::NotFound`], like a number that does not exist.
pub async fn id_by_number(conn: &mut PgConnection, number: &str) -> Result<Uuid> {
    let id = sqlx::query_scalar!(r#"SELECT api.ticket_id_by_number($1) AS "id!""#, number)
        .fetch_one(conn)
        .await?;
    Ok(id)
}

/// One ticket with its comments, history and attachments, as the actor may see it, and what
/// the actor may do to it. A ticket the actor may not see is reported as not found, so its
/// existence does not leak. Run it in one transaction (the caller's session transaction) so
/// the reads agree.
pub async fn detail(
    conn: &mut PgConnection,
    actor: Actor,
    ticket_id: Uuid,
) -> Result<TicketDetail> {
    // One statement, one round trip: the ticket with its comments, history and files as JSON
    // arrays (where four statements took four; issue 7), as the server decides the caller
    // sees them (sql/api/ticket_detail.sql).
    let row = sqlx::query!(
        r#"SELECT id AS "id!", ticket_number AS "ticket_number!", title AS "title!",
                  status AS "status!", priority AS "priority!", category AS "category!",
                  environment AS "environment?", requestor_id AS "requestor_id!",
                  requestor_name AS "requestor_name!", assignee_id AS "assignee_id?",
                  assignee_name AS "assignee_name?", created_at AS "created_at!",
                  updated_at AS "updated_at!", description AS "description!",
                  resolution_notes AS "resolution_notes?", due_date AS "due_date?",
                  response_due_at AS "response_due_at?",
                  first_response_at AS "first_response_at?",
                  response_breach AS "response_breach!",
                  resolved_at AS "resolved_at?", closed_at AS "closed_at?", tags AS "tags?",
                  sla_breach AS "sla_breach!", reopen_count AS "reopen_count!",
                  status_before_escalation AS "status_before_escalation?",
                  version AS "version!",
                  comments AS "comments!: Json<Vec<CommentRow>>",
                  history AS "history!: Json<Vec<HistoryRow>>",
                  attachments AS "attachments!: Json<Vec<AttachmentRow>>",
                  response_state AS "response_state?",
                  resolution_state AS "resolution_state?",
                  sla_events AS "sla_events!: Json<Vec<SlaEvent>>",
                  escalation AS "escalation?: Json<Escalation>"
           FROM api.ticket_detail($1)"#,
        ticket_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.ok_or_else(|| Error::NotFound("No such ticket.".into()))?;
    let (comments, history, attachments) = (row.comments.0, row.history.0, row.attachments.0);

    let summary: TicketSummary = SummaryRow {
        id: row.id,
        ticket_number: row.ticket_number,
        title: row.title,
        status: row.status,
        priority: row.priority,
        category: row.category,
        environment: row.environment,
        requestor_id: row.requestor_id,
        requestor_name: row.requestor_name,
        assignee_id: row.assignee_id,
        assignee_name: row.assignee_name,
        created_at: row.created_at,
        updated_at: row.updated_at,
        rank: None,
        sla_deadline: None,
        sla_due: None,
        sla_state: None,
        next_due: None,
    }
    .try_into()?;
    let status_before_escalation = row
        .status_before_escalation
        .as_deref()
        .map(parse_column::<Status>)
        .transpose()?;
    let state = TicketState {
        status: summary.status,
        requestor_id: summary.requestor.id,
        assignee_id: summary.assignee.as_ref().map(|a| a.id),
        closed_at: row.closed_at,
        status_before_escalation,
    };
    Ok(TicketDetail {
        cached_at: None,
        actions: workflow::actions(&state, actor, Utc::now()),
        ticket: summary,
        description: row.description,
        resolution_notes: row.resolution_notes,
        due_date: row.due_date,
        response_due_at: row.response_due_at,
        first_response_at: row.first_response_at,
        response_breach: row.response_breach,
        response_state: row
            .response_state
            .as_deref()
            .map(parse_column)
            .transpose()?,
        resolution_state: row
            .resolution_state
            .as_deref()
            .map(parse_column)
            .transpose()?,
        sla_events: row.sla_events.0,
        escalation: row.escalation.map(|Json(e)| e),
        resolved_at: row.resolved_at,
        closed_at: row.closed_at,
        tags: row.tags.unwrap_or_default(),
        sla_breach: row.sla_breach,
        reopen_count: row.reopen_count,
        status_before_escalation,
        version: row.version,
        comments: comments
            .into_iter()
            .map(|c| CommentView {
                id: c.id,
                author: user_ref(c.user_id, c.author_name),
                content: c.content,
                is_internal: c.is_internal,
                created_at: c.created_at,
                updated_at: c.updated_at,
                edit_count: c.edit_count,
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
        attachments: attachments
            .into_iter()
            .map(|f| AttachmentView {
                id: f.id,
                comment_id: f.comment_id,
                file_name: f.file_name,
                file_type: f.file_type,
                file_size: f.file_size,
                sha256: f.file_hash.unwrap_or_default(),
                uploaded_by: user_ref(f.uploaded_by, f.uploader_name),
                uploaded_at: f.uploaded_at,
            })
            .collect(),
    })
}

/// Channel on which a committed ticket change wakes every desktop (payload: the ticket id).
pub const TICKET_CHANNEL: &str = "ticketdesk_ticket";

/// Creates a ticket in the caller's transaction; the database's triggers add its history and
/// (when it is assigned to someone else) the assignee's notification. Listeners are woken when it
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
        // The same rule as assigning an existing NEW ticket.
        let unfiled = TicketState {
            status: Status::New,
            requestor_id: actor.id,
            assignee_id: None,
            closed_at: None,
            status_before_escalation: None,
        };
        workflow::check_assignment(&unfiled, actor, Some((assignee.id, assignee.role)))?;
    }
    insert_ticket(&mut *tx, &ticket).await
}

/// Wakes every desktop's queue when the transaction commits (payload: the ticket id only).
pub async fn announce_change(tx: &mut PgConnection, ticket_id: Uuid) -> Result<()> {
    sqlx::query!(
        "SELECT pg_notify($1, $2)",
        TICKET_CHANNEL,
        ticket_id.to_string()
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Inserts the ticket and returns its summary, waking every desktop's queue at commit, in one
/// statement (one round trip where three were). The id and ticket number (sql/tickets/
/// creation.sql), the SLA policy and deadline, history and notifications are the database's
/// to set.
async fn insert_ticket(tx: &mut PgConnection, ticket: &ValidNewTicket) -> Result<TicketSummary> {
    // The requestor is the caller, and the status (OPEN when assigned at once: triaged, SPEC
    // §3) the server's; sql/api/ticket_changes.sql.
    // No rank: only a search has one (query_as! fills every field from a column).
    let row: SummaryRow = sqlx::query_as!(
        SummaryRow,
        r#"SELECT id AS "id!", ticket_number AS "ticket_number!", title AS "title!",
                  status AS "status!", priority AS "priority!", category AS "category!",
                  environment AS "environment?", requestor_id AS "requestor_id!",
                  requestor_name AS "requestor_name!", assignee_id AS "assignee_id?",
                  assignee_name AS "assignee_name?", created_at AS "created_at!",
                  updated_at AS "updated_at!", NULL::real AS "rank?",
                  NULL::text AS "sla_deadline?", NULL::timestamptz AS "sla_due?",
                  NULL::text AS "sla_state?", NULL::timestamptz AS "next_due?"
           FROM api.create_ticket($1, $2, $3, $4, $5, $6, $7)"#,
        &ticket.title,
        &ticket.description,
        ticket.category.as_str(),
        ticket.priority.as_str(),
        ticket.assignee_id,
        ticket.environment.as_deref(),
        ticket.id
    )
    .fetch_one(&mut *tx)
    .await?;
    row.try_into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_names_only_what_is_set() {
        let query = QueueQuery {
            statuses: vec![Status::Open, Status::InProgress],
            priorities: vec![Priority::P1Critical],
            ..Default::default()
        };
        let filter = serde_json::to_value(QueueFilter::of(&query).unwrap()).unwrap();
        assert_eq!(
            filter,
            serde_json::json!({
                "sort": "NEWEST",
                "page_rows": 51,
                "statuses": ["OPEN", "IN_PROGRESS"],
                "priorities": ["P1_CRITICAL"],
                "unassigned": false,
            })
        );
    }

    #[test]
    fn a_cursor_of_another_order_is_a_validation_error() {
        let page = QueueCursor {
            sort: QueueSort::Newest,
            key: SortKey::Created,
            created_at: Utc::now(),
            id: Uuid::nil(),
        };
        let query = QueueQuery {
            after: Some(page.encode()),
            sort: QueueSort::Priority,
            ..Default::default()
        };
        assert!(matches!(QueueFilter::of(&query), Err(Error::Validation(_))));
    }
}
