//! Tickets: the queue and search, the detail view and creation. History rows are written by
//! the database's triggers (migration `workflow`), so no code path can forget them.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::db::{parse_column, users};
use crate::domain::permissions::{self, Actor};
use crate::domain::ticket::{
    AttachmentView, CommentView, HistoryEntry, NewTicket, Priority, QueueCursor, QueuePage,
    QueueQuery, QueueSort, SortKey, Status, TicketDetail, TicketSummary, ValidNewTicket,
};
use crate::domain::user::UserRef;
use crate::domain::workflow::{self, TicketState};
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
    /// Only selected when searching.
    #[sqlx(default)]
    rank: Option<f32>,
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

const SUMMARY_COLUMNS: &str = "\
    t.id, t.ticket_number, t.title, t.status, t.priority, t.category, t.environment, \
    t.requestor_id, r.first_name || ' ' || r.last_name AS requestor_name, \
    t.assignee_id, a.first_name || ' ' || a.last_name AS assignee_name, \
    t.created_at, t.updated_at";

const SUMMARY_JOINS: &str = "\
    FROM tickets t \
    JOIN users r ON r.id = t.requestor_id \
    LEFT JOIN users a ON a.id = t.assignee_id";

/// The queue: search text and filters, one keyset page at a time in the chosen order.
/// Requestors see only their own tickets (and the database's row-level security agrees).
/// The queue's SQL for `query`, binds included. `queue` runs it; the benchmark runs the very
/// same statement bare, as its floor.
pub fn queue_sql(actor: Actor, query: &QueueQuery) -> Result<QueryBuilder<'_, Postgres>> {
    let sort = query.sort;
    let cursor = validated_cursor(query)?;
    let filters = QueueFilters::of(query);

    let mut sql = QueryBuilder::<Postgres>::new(format!("SELECT {SUMMARY_COLUMNS}"));
    match query.search_text() {
        Some(text) => {
            sql.push(", search.rank");
            sql.push(format!(" {SUMMARY_JOINS}"));
            push_search_page(&mut sql, text, query, filters, cursor.as_ref());
        }
        None => {
            sql.push(format!(" {SUMMARY_JOINS}"));
            push_filters(&mut sql, actor, filters);
            if let Some(c) = cursor {
                push_keyset(&mut sql, &c);
            }
        }
    }
    sql.push(match sort {
        QueueSort::Newest => " ORDER BY t.created_at DESC, t.id DESC",
        QueueSort::Oldest => " ORDER BY t.created_at ASC, t.id ASC",
        QueueSort::Updated => " ORDER BY t.updated_at DESC, t.created_at DESC, t.id DESC",
        QueueSort::Priority => " ORDER BY t.priority ASC, t.created_at DESC, t.id DESC",
        QueueSort::Relevance => " ORDER BY rank DESC, t.created_at DESC, t.id DESC",
    });
    // A literal, like the vocabularies below: with a bound LIMIT the generic plan cannot tell
    // a page from the whole table, so PostgreSQL planned every page afresh (0.7 ms a page).
    sql.push(format!(" LIMIT {}", page_rows(query)));
    Ok(sql)
}

/// A page's rows plus one, which tells whether another page follows.
fn page_rows(query: &QueueQuery) -> i64 {
    i64::from(query.limit()) + 1
}

/// The queue's filters as the SQL binds them (None: no filter).
struct QueueFilters<'q> {
    statuses: Option<Vec<&'static str>>,
    priorities: Option<Vec<&'static str>>,
    categories: Option<Vec<&'static str>>,
    unassigned: bool,
    assignee: Option<Uuid>,
    requestor: Option<Uuid>,
    tags: Option<Vec<&'q str>>,
    environment: Option<&'q str>,
    sla_breached: Option<bool>,
}

impl<'q> QueueFilters<'q> {
    fn of(query: &'q QueueQuery) -> Self {
        fn non_empty<T>(values: Vec<T>) -> Option<Vec<T>> {
            (!values.is_empty()).then_some(values)
        }
        QueueFilters {
            statuses: non_empty(query.statuses.iter().map(|s| s.as_str()).collect()),
            priorities: non_empty(query.priorities.iter().map(|p| p.as_str()).collect()),
            categories: non_empty(query.categories.iter().map(|c| c.as_str()).collect()),
            unassigned: query.unassigned,
            assignee: query.assignee_id.filter(|_| !query.unassigned),
            requestor: query.requestor_id,
            tags: non_empty(
                query
                    .tags
                    .iter()
                    .map(|t| t.trim())
                    .filter(|t| !t.is_empty())
                    .collect(),
            ),
            environment: query
                .environment
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty()),
            sla_breached: query.sla_breached,
        }
    }
}

/// Checks the query and decodes its cursor: bad input is a validation error, never SQL.
fn validated_cursor(query: &QueueQuery) -> Result<Option<QueueCursor>> {
    query.validate().map_err(Error::Validation)?;
    query
        .after
        .as_deref()
        .map(|c| QueueCursor::decode(c, query.sort))
        .transpose()
        .map_err(Error::Validation)
}

/// The queue without search text: filters on `tickets` itself, under row-level security.
fn push_filters<'q>(sql: &mut QueryBuilder<'q, Postgres>, actor: Actor, f: QueueFilters<'q>) {
    sql.push(" WHERE TRUE");
    if !permissions::sees_all_tickets(actor) {
        sql.push(" AND t.requestor_id = ").push_bind(actor.id);
    }
    if let Some(statuses) = f.statuses {
        push_in_list(sql, "t.status", &statuses);
    }
    if let Some(priorities) = f.priorities {
        push_in_list(sql, "t.priority", &priorities);
    }
    if let Some(categories) = f.categories {
        push_in_list(sql, "t.category", &categories);
    }
    if f.unassigned {
        sql.push(" AND t.assignee_id IS NULL");
    } else if let Some(assignee) = f.assignee {
        sql.push(" AND t.assignee_id = ").push_bind(assignee);
    }
    if let Some(requestor) = f.requestor {
        sql.push(" AND t.requestor_id = ").push_bind(requestor);
    }
    if let Some(tags) = f.tags {
        sql.push(" AND t.tags @> ").push_bind(tags).push("::text[]");
    }
    if let Some(environment) = f.environment {
        sql.push(" AND lower(t.environment) = lower(")
            .push_bind(environment)
            .push(")");
    }
    if let Some(breached) = f.sla_breached {
        sql.push(" AND t.sla_breach = ").push_bind(breached);
    }
}

/// ` AND column IN ('A', 'B')`, for our closed vocabularies (statuses, priorities,
/// categories: `as_str()` of our own enums, never the caller's text). As literals, the plan
/// PostgreSQL keeps for the statement can use partial indexes such as
/// `idx_tickets_not_closed_priority`, which a bound array would rule out.
fn push_in_list(sql: &mut QueryBuilder<'_, Postgres>, column: &str, values: &[&'static str]) {
    // Belt and braces: a word that is not a plain vocabulary word never reaches the SQL.
    let quoted: Vec<String> = values
        .iter()
        .filter(|v| is_vocabulary_word(v))
        .map(|v| format!("'{v}'"))
        .collect();
    if quoted.is_empty() {
        sql.push(" AND FALSE");
    } else {
        sql.push(format!(" AND {column} IN ({})", quoted.join(", ")));
    }
}

fn is_vocabulary_word(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// A search: `search_tickets()` (migration `search_pages`) returns the page itself, filtered,
/// after the cursor, in order and limited, choosing between the full-text index and the
/// page's order as the words make cheaper; row-level security would forbid that choice here.
/// It applies the same visibility rule as the tickets' policy, which still guards the join.
fn push_search_page<'q>(
    sql: &mut QueryBuilder<'q, Postgres>,
    text: &'q str,
    query: &'q QueueQuery,
    f: QueueFilters<'q>,
    cursor: Option<&QueueCursor>,
) {
    sql.push(" JOIN search_tickets(");
    push_search_args(sql, text, query, f, cursor);
    sql.push(") AS search ON search.id = t.id");
}

/// `search_tickets()`'s arguments for this page, in its order.
fn push_search_args<'q>(
    sql: &mut QueryBuilder<'q, Postgres>,
    text: &'q str,
    query: &'q QueueQuery,
    f: QueueFilters<'q>,
    cursor: Option<&QueueCursor>,
) {
    let (updated, priority, rank) = match cursor.map(|c| c.key) {
        Some(SortKey::Updated(at)) => (Some(at), None, None),
        Some(SortKey::Priority(p)) => (None, Some(p.as_str()), None),
        Some(SortKey::Rank(r)) => (None, None, Some(r)),
        Some(SortKey::Created) | None => (None, None, None),
    };
    sql.push("websearch_to_tsquery('english', ")
        .push_bind(text)
        .push("), ")
        .push_bind(query.sort.as_str())
        .push(", ")
        .push_bind(page_rows(query) as i32)
        .push(", ")
        .push_bind(f.statuses)
        .push(", ")
        .push_bind(f.priorities)
        .push(", ")
        .push_bind(f.categories)
        .push(", ")
        .push_bind(f.assignee)
        .push(", ")
        .push_bind(f.unassigned)
        .push(", ")
        .push_bind(f.requestor)
        .push(", ")
        .push_bind(f.tags)
        .push("::text[], ")
        .push_bind(f.environment)
        .push(", ")
        .push_bind(f.sla_breached)
        .push(", ")
        .push_bind(cursor.map(|c| c.created_at))
        .push(", ")
        .push_bind(cursor.map(|c| c.id))
        .push(", ")
        .push_bind(updated)
        .push(", ")
        .push_bind(priority)
        .push(", ")
        .push_bind(rank);
}

/// For the benchmark: the `EXPLAIN (ANALYZE, BUFFERS)` lines of the statement a search runs
/// inside `search_tickets()` (migration `search_explain`; the owner's to call), or `None` when
/// the query has no search text.
pub fn search_plan_sql(query: &QueueQuery) -> Result<Option<QueryBuilder<'_, Postgres>>> {
    let cursor = validated_cursor(query)?;
    let Some(text) = query.search_text() else {
        return Ok(None);
    };
    let mut sql = QueryBuilder::<Postgres>::new("SELECT * FROM search_tickets_explain(");
    push_search_args(
        &mut sql,
        text,
        query,
        QueueFilters::of(query),
        cursor.as_ref(),
    );
    sql.push(")");
    Ok(Some(sql))
}

pub async fn queue(conn: &mut PgConnection, actor: Actor, query: &QueueQuery) -> Result<QueuePage> {
    let limit = query.limit();
    let sort = query.sort;
    let mut sql = queue_sql(actor, query)?;
    let rows: Vec<SummaryRow> = sql.build_query_as().fetch_all(&mut *conn).await?;
    let last_key = rows
        .get(limit as usize - 1)
        .filter(|_| rows.len() > limit as usize)
        .map(|row| cursor_after(sort, row));
    let tickets = rows
        .into_iter()
        .take(limit as usize)
        .map(TicketSummary::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(QueuePage {
        tickets,
        next_cursor: last_key.transpose()?.map(|c| c.encode()),
    })
}

/// Rows strictly after the cursor in the page's order (without search text; a search's
/// cursor goes to `search_tickets()`).
fn push_keyset(sql: &mut QueryBuilder<'_, Postgres>, c: &QueueCursor) {
    match (c.sort, c.key) {
        (QueueSort::Oldest, _) => {
            sql.push(" AND (t.created_at, t.id) > (")
                .push_bind(c.created_at)
                .push(", ")
                .push_bind(c.id)
                .push(")");
        }
        (QueueSort::Updated, SortKey::Updated(updated_at)) => {
            sql.push(" AND (t.updated_at, t.created_at, t.id) < (")
                .push_bind(updated_at)
                .push(", ")
                .push_bind(c.created_at)
                .push(", ")
                .push_bind(c.id)
                .push(")");
        }
        (QueueSort::Priority, SortKey::Priority(priority)) => {
            sql.push(" AND (t.priority > ")
                .push_bind(priority.as_str())
                .push(" OR (t.priority = ")
                .push_bind(priority.as_str())
                .push(" AND (t.created_at, t.id) < (")
                .push_bind(c.created_at)
                .push(", ")
                .push_bind(c.id)
                .push(")))");
        }
        _ => {
            sql.push(" AND (t.created_at, t.id) < (")
                .push_bind(c.created_at)
                .push(", ")
                .push_bind(c.id)
                .push(")");
        }
    }
}

fn cursor_after(sort: QueueSort, row: &SummaryRow) -> Result<QueueCursor> {
    let key = match sort {
        QueueSort::Newest | QueueSort::Oldest => SortKey::Created,
        QueueSort::Updated => SortKey::Updated(row.updated_at),
        QueueSort::Priority => SortKey::Priority(parse_column::<Priority>(&row.priority)?),
        QueueSort::Relevance => SortKey::Rank(row.rank.unwrap_or(0.0)),
    };
    Ok(QueueCursor {
        sort,
        key,
        created_at: row.created_at,
        id: row.id,
    })
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    description: String,
    resolution_notes: Option<String>,
    due_date: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    tags: Option<Vec<String>>,
    sla_breach: bool,
    reopen_count: i32,
    status_before_escalation: Option<String>,
    version: i32,
    comments: Json<Vec<CommentRow>>,
    history: Json<Vec<HistoryRow>>,
    attachments: Json<Vec<AttachmentRow>>,
}

#[derive(serde::Deserialize)]
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

#[derive(serde::Deserialize)]
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

#[derive(serde::Deserialize)]
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
    let row: Option<DetailRow> = sqlx::query_as("SELECT * FROM api.ticket_detail($1)")
        .bind(ticket_id)
        .fetch_optional(&mut *conn)
        .await?;
    let row = row.ok_or_else(|| Error::NotFound("No such ticket.".into()))?;
    let (comments, history, attachments) = (row.comments.0, row.history.0, row.attachments.0);

    let summary: TicketSummary = row.summary.try_into()?;
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
        actions: workflow::actions(&state, actor, Utc::now()),
        ticket: summary,
        description: row.description,
        resolution_notes: row.resolution_notes,
        due_date: row.due_date,
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
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(TICKET_CHANNEL)
        .bind(ticket_id.to_string())
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
    let row: SummaryRow = sqlx::query_as(
        "SELECT id, ticket_number, title, status, priority, category, environment, \
                requestor_id, requestor_name, assignee_id, assignee_name, created_at, updated_at \
         FROM api.create_ticket($1, $2, $3, $4, $5, $6)",
    )
    .bind(&ticket.title)
    .bind(&ticket.description)
    .bind(ticket.category.as_str())
    .bind(ticket.priority.as_str())
    .bind(ticket.assignee_id)
    .bind(&ticket.environment)
    .fetch_one(&mut *tx)
    .await?;
    row.try_into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::Category;

    #[test]
    fn every_vocabulary_word_may_be_a_literal_and_nothing_else_may() {
        let words = Status::ALL
            .iter()
            .map(|s| s.as_str())
            .chain(Priority::ALL.iter().map(|p| p.as_str()))
            .chain(Category::ALL.iter().map(|c| c.as_str()));
        for word in words {
            assert!(is_vocabulary_word(word), "{word}");
        }
        for hostile in ["", "OPEN'", "OPEN') OR (TRUE", "open", "IN PROGRESS"] {
            assert!(!is_vocabulary_word(hostile), "{hostile}");
        }
    }

    #[test]
    fn filters_on_the_vocabularies_are_literals_and_the_limit_is_too() {
        let query = QueueQuery {
            statuses: vec![Status::Open, Status::InProgress],
            priorities: vec![Priority::P1Critical],
            ..Default::default()
        };
        let actor = Actor {
            id: Uuid::nil(),
            role: crate::domain::user::Role::DevopsEngineer,
        };
        let sql = queue_sql(actor, &query).unwrap().into_sql();
        assert!(sql.contains("t.status IN ('OPEN', 'IN_PROGRESS')"), "{sql}");
        assert!(sql.contains("t.priority IN ('P1_CRITICAL')"), "{sql}");
        assert!(
            sql.ends_with(&format!(" LIMIT {}", page_rows(&query))),
            "{sql}"
        );
        assert!(!sql.contains('$'), "nothing else to bind here: {sql}");
    }
}
