//! The floors: the same answer as each use case, computed by the plain SQL a DBA would write on
//! the tables, run on the owner's connection: no session, no row-level security, none of our
//! own SQL functions, no mapping of the rows. Triggers still fire on the writes: they are part
//! of the tables, and whoever writes to them pays for them.
//!
//! These statements are written here, not borrowed from `db::`, so that the floor stays put when
//! the app's own SQL changes: what the app adds above them is our overhead, and it shows.

use anyhow::{bail, Context};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use crate::db::tickets::TICKET_CHANNEL;
use crate::domain::permissions::{self, Actor};
use crate::domain::ticket::{QueueCursor, QueueQuery, QueueSort, SortKey, TicketDetail};

/// The page's columns, as the queue shows them.
const SUMMARY: &str = "\
    t.id, t.ticket_number, t.title, t.status, t.priority, t.category, t.environment, \
    t.requestor_id, r.first_name || ' ' || r.last_name AS requestor_name, \
    t.assignee_id, a.first_name || ' ' || a.last_name AS assignee_name, \
    t.created_at, t.updated_at";

const JOINS: &str = "\
    JOIN users r ON r.id = t.requestor_id \
    LEFT JOIN users a ON a.id = t.assignee_id";

/// One page of the queue or of a search: `SELECT … FROM tickets JOIN users … WHERE … ORDER BY
/// … LIMIT`, with the search as `search_vector @@ websearch_to_tsquery(…)` on the table itself.
/// The words are a literal, as a DBA would type them into psql, so every plan sees them; the
/// other values are bound.
pub(super) fn queue(
    actor: Actor,
    query: &QueueQuery,
) -> anyhow::Result<QueryBuilder<'_, Postgres>> {
    query.validate().map_err(anyhow::Error::msg)?;
    let cursor = query
        .after
        .as_deref()
        .map(|c| QueueCursor::decode(c, query.sort))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let words = query
        .search_text()
        .map(|text| {
            Ok::<_, anyhow::Error>(format!(
                "websearch_to_tsquery('english', {})",
                literal(text)?
            ))
        })
        .transpose()?;
    let rank = match (&words, query.sort) {
        (Some(words), QueueSort::Relevance) => format!("ts_rank(t.search_vector, {words})"),
        _ => "0::real".to_owned(),
    };

    let mut sql = QueryBuilder::<Postgres>::new(format!("SELECT {SUMMARY}"));
    if words.is_some() {
        sql.push(format!(", {rank} AS rank"));
    }
    sql.push(format!(" FROM tickets t {JOINS} WHERE TRUE"));
    if let Some(words) = &words {
        sql.push(format!(" AND t.search_vector @@ {words}"));
    }
    if !permissions::sees_all_tickets(actor) {
        sql.push(" AND t.requestor_id = ").push_bind(actor.id);
    }
    push_in(
        &mut sql,
        "t.status",
        query.statuses.iter().map(|s| s.as_str()),
    );
    push_in(
        &mut sql,
        "t.priority",
        query.priorities.iter().map(|p| p.as_str()),
    );
    push_in(
        &mut sql,
        "t.category",
        query.categories.iter().map(|c| c.as_str()),
    );
    if query.unassigned {
        sql.push(" AND t.assignee_id IS NULL");
    } else if let Some(assignee) = query.assignee_id {
        sql.push(" AND t.assignee_id = ").push_bind(assignee);
    }
    if let Some(requestor) = query.requestor_id {
        sql.push(" AND t.requestor_id = ").push_bind(requestor);
    }
    let tags: Vec<&str> = query
        .tags
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    if !tags.is_empty() {
        sql.push(" AND t.tags @> ").push_bind(tags).push("::text[]");
    }
    if let Some(environment) = query
        .environment
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        sql.push(" AND lower(t.environment) = lower(")
            .push_bind(environment)
            .push(")");
    }
    if let Some(breached) = query.sla_breached {
        sql.push(" AND t.sla_breach = ").push_bind(breached);
    }
    if let Some(c) = cursor {
        push_keyset(&mut sql, &c, &rank);
    }
    sql.push(match query.sort {
        QueueSort::Newest => " ORDER BY t.created_at DESC, t.id DESC",
        QueueSort::Oldest => " ORDER BY t.created_at ASC, t.id ASC",
        QueueSort::Updated => " ORDER BY t.updated_at DESC, t.created_at DESC, t.id DESC",
        QueueSort::Priority => " ORDER BY t.priority ASC, t.created_at DESC, t.id DESC",
        QueueSort::Relevance => " ORDER BY rank DESC, t.created_at DESC, t.id DESC",
        QueueSort::Due => {
            " ORDER BY sla_next_due(t.status, t.first_response_at, t.response_breach, \
             t.response_due_at, t.due_date), t.created_at, t.id"
        }
    });
    // The page and one more row, which tells whether another page follows (as the app asks).
    sql.push(format!(" LIMIT {}", i64::from(query.limit()) + 1));
    Ok(sql)
}

/// `column IN ('A', 'B')`: our own vocabularies' words, written out as a DBA would.
fn push_in<'a>(
    sql: &mut QueryBuilder<'_, Postgres>,
    column: &str,
    words: impl Iterator<Item = &'a str>,
) {
    let words: Vec<String> = words.map(|w| format!("'{w}'")).collect();
    if !words.is_empty() {
        sql.push(format!(" AND {column} IN ({})", words.join(", ")));
    }
}

fn push_keyset(sql: &mut QueryBuilder<'_, Postgres>, c: &QueueCursor, rank: &str) {
    match (c.sort, c.key) {
        (QueueSort::Oldest, _) => {
            sql.push(" AND (t.created_at, t.id) > (")
                .push_bind(c.created_at)
                .push(", ")
                .push_bind(c.id)
                .push(")");
            return;
        }
        (QueueSort::Updated, SortKey::Updated(at)) => {
            sql.push(" AND (t.updated_at, t.created_at, t.id) < (")
                .push_bind(at)
                .push(", ")
                .push_bind(c.created_at)
                .push(", ")
                .push_bind(c.id)
                .push(")");
            return;
        }
        (QueueSort::Priority, SortKey::Priority(p)) => {
            sql.push(" AND (t.priority > ")
                .push_bind(p.as_str())
                .push(" OR (t.priority = ")
                .push_bind(p.as_str())
                .push(" AND ");
        }
        (QueueSort::Due, SortKey::Due(at)) => {
            sql.push(
                " AND (sla_next_due(t.status, t.first_response_at, t.response_breach, \
                 t.response_due_at, t.due_date), t.created_at, t.id) > (coalesce(",
            )
            .push_bind(at)
            .push(", 'infinity'::timestamptz), ")
            .push_bind(c.created_at)
            .push(", ")
            .push_bind(c.id)
            .push(")");
            return;
        }
        (QueueSort::Relevance, SortKey::Rank(r)) => {
            sql.push(format!(" AND ({rank} < "))
                .push_bind(r)
                .push(format!(" OR ({rank} = "))
                .push_bind(r)
                .push(" AND ");
        }
        _ => {
            sql.push(" AND (t.created_at, t.id) < (")
                .push_bind(c.created_at)
                .push(", ")
                .push_bind(c.id)
                .push(")");
            return;
        }
    }
    sql.push("(t.created_at, t.id) < (")
        .push_bind(c.created_at)
        .push(", ")
        .push_bind(c.id)
        .push(")))");
}

/// A string literal for the SQL text. Only the bench's own search words come here; anything
/// that standard-conforming quoting would not carry unchanged is refused.
fn literal(text: &str) -> anyhow::Result<String> {
    if text.contains(['\0', '\\']) {
        bail!("the bench's search words may not hold NUL or backslashes: {text:?}");
    }
    Ok(format!("'{}'", text.replace('\'', "''")))
}

/// The ids of a floor page, in order, beside whether another page follows: what must agree
/// with the app's page.
pub(super) fn page_ids(rows: &[PgRow], limit: u32) -> anyhow::Result<(Vec<Uuid>, bool)> {
    let ids = rows
        .iter()
        .take(limit as usize)
        .map(|row| row.try_get::<Uuid, _>("id"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((ids, rows.len() > limit as usize))
}

/// The ticket with its comments, history and files, as the actor may see them: one statement
/// with each part a JSON array, the files as two index-driven halves (on the ticket, on its
/// comments). `$1` the ticket, `$2` whether internal notes are shown.
const DETAIL: &str = "\
    SELECT t.id, t.ticket_number, t.title, t.status, t.priority, t.category, t.environment, \
           t.requestor_id, r.first_name || ' ' || r.last_name AS requestor_name, \
           t.assignee_id, a.first_name || ' ' || a.last_name AS assignee_name, \
           t.created_at, t.updated_at, t.description, t.resolution_notes, t.due_date, \
           t.response_due_at, t.first_response_at, t.response_breach, \
           t.resolved_at, t.closed_at, t.tags, t.sla_breach, t.reopen_count, \
           t.status_before_escalation, t.version, \
           (SELECT coalesce(json_agg(x ORDER BY x.created_at, x.id), '[]') FROM ( \
                SELECT c.id, c.user_id, u.first_name || ' ' || u.last_name AS author_name, \
                       c.content, c.is_internal, c.created_at, c.updated_at, c.edit_count \
                FROM comments c LEFT JOIN users u ON u.id = c.user_id \
                WHERE c.ticket_id = t.id AND c.deleted_at IS NULL AND (NOT c.is_internal OR $2) \
           ) x) AS comments, \
           (SELECT coalesce(json_agg(x ORDER BY x.timestamp, x.id), '[]') FROM ( \
                SELECT h.id, h.user_id, u.first_name || ' ' || u.last_name AS actor_name, \
                       h.action, h.field_changed, h.old_value, h.new_value, h.change_reason, \
                       h.timestamp \
                FROM ticket_history h LEFT JOIN users u ON u.id = h.user_id \
                WHERE h.ticket_id = t.id AND (NOT h.is_internal OR $2) \
           ) x) AS history, \
           (SELECT coalesce(json_agg(x ORDER BY x.uploaded_at, x.id), '[]') FROM ( \
                SELECT f.id, f.comment_id, f.file_name, f.file_type, f.file_size, f.file_hash, \
                       f.uploaded_by, u.first_name || ' ' || u.last_name AS uploader_name, \
                       f.uploaded_at \
                FROM (SELECT f.* FROM attachments f \
                      WHERE f.ticket_id = t.id AND NOT f.is_deleted \
                      UNION ALL \
                      SELECT f.* FROM comments c JOIN attachments f ON f.comment_id = c.id \
                      WHERE c.ticket_id = t.id AND c.deleted_at IS NULL \
                        AND (NOT c.is_internal OR $2) AND NOT f.is_deleted) f \
                LEFT JOIN users u ON u.id = f.uploaded_by \
           ) x) AS attachments \
    FROM tickets t \
    JOIN users r ON r.id = t.requestor_id \
    LEFT JOIN users a ON a.id = t.assignee_id \
    WHERE t.id = $1";

/// The detail floor: the row, undecoded.
pub(super) async fn detail(
    conn: &mut PgConnection,
    actor: Actor,
    ticket: Uuid,
) -> anyhow::Result<PgRow> {
    sqlx::query(DETAIL)
        .bind(ticket)
        .bind(permissions::sees_internal_comments(actor))
        .fetch_optional(conn)
        .await?
        .with_context(|| format!("the detail floor found no ticket {ticket}"))
}

/// Refuses a floor that does not give the app's answer (as counts of its parts).
pub(super) fn check_detail(row: &PgRow, app: &TicketDetail) -> anyhow::Result<()> {
    let len = |column: &str| -> anyhow::Result<usize> {
        let value: serde_json::Value = row.try_get(column)?;
        Ok(value.as_array().map_or(0, Vec::len))
    };
    let floor = (len("comments")?, len("history")?, len("attachments")?);
    let app = (app.comments.len(), app.history.len(), app.attachments.len());
    if floor != app {
        bail!(
            "the detail floor's answer differs from the app's: (comments, history, files) \
             {floor:?} vs {app:?}"
        );
    }
    Ok(())
}

/// Creation: the INSERT (the ticket number as `next_ticket_number()` makes it, written out),
/// returning the queue's row for it, waking the queues at commit. The triggers add its SLA,
/// history and the assignee's notifications. `$1` title, `$2` description, `$3` requestor,
/// `$4` assignee.
pub(super) const CREATE: &str = "\
    WITH t AS ( \
        INSERT INTO tickets (ticket_number, title, description, category, priority, status, \
                             requestor_id, assignee_id, environment) \
        SELECT 'TKT-' || to_char(now() AT TIME ZONE 'UTC', 'YYYY') || '-' \
                   || lpad(n::text, greatest(5, length(n::text)), '0'), \
               $1, $2, 'INFRASTRUCTURE', 'P3_MEDIUM', 'OPEN', $3, $4, 'bench' \
        FROM (SELECT nextval('ticket_number_seq') AS n) s \
        RETURNING *) \
    SELECT t.id, t.ticket_number, t.title, t.status, t.priority, t.category, t.environment, \
           t.requestor_id, r.first_name || ' ' || r.last_name AS requestor_name, \
           t.assignee_id, a.first_name || ' ' || a.last_name AS assignee_name, \
           t.created_at, t.updated_at, pg_notify($5, t.id::text) \
    FROM t JOIN users r ON r.id = t.requestor_id LEFT JOIN users a ON a.id = t.assignee_id";

pub(super) async fn create(
    conn: &mut PgConnection,
    title: &str,
    description: &str,
    requestor: Uuid,
    assignee: Uuid,
) -> anyhow::Result<Uuid> {
    let row = sqlx::query(CREATE)
        .bind(title)
        .bind(description)
        .bind(requestor)
        .bind(assignee)
        .bind(TICKET_CHANNEL)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("id")?)
}

/// A status change: the UPDATE on the version seen (waking the queues at commit), then the
/// detail the app returns after it.
pub(super) async fn change_status(
    conn: &mut PgConnection,
    actor: Actor,
    ticket: Uuid,
    version: i32,
    to: &str,
) -> anyhow::Result<PgRow> {
    let applied = sqlx::query(
        "WITH u AS (UPDATE tickets SET status = $3 WHERE id = $1 AND version = $2 RETURNING id) \
         SELECT pg_notify($4, id::text) FROM u",
    )
    .bind(ticket)
    .bind(version)
    .bind(to)
    .bind(TICKET_CHANNEL)
    .fetch_optional(&mut *conn)
    .await?;
    if applied.is_none() {
        bail!("the status floor's ticket {ticket} was not at version {version}");
    }
    detail(conn, actor, ticket).await
}

/// The SLA sweep as one statement: flag the open tickets past their deadline and warn those at
/// 80 % of it, most urgent first, at most a batch each, skipping rows someone holds; then the
/// notifications on the channels each recipient wants (IN_APP and EMAIL unless they chose
/// otherwise, SMS only with a phone number, nobody inactive), each announced at commit: a
/// breach to the assignee and the leads of the requestor's department (else the managers,
/// else the admins), a warning to the assignee or, unassigned, to those leads. Missing
/// responses and the 7-day auto-close run too (data-modifying CTEs run whether or not they
/// are read; the bench lays no response backlog). Returns (the largest batch, notifications
/// written). `$1` the batch.
pub(super) const SWEEP: &str = "\
    WITH flagged AS ( \
        UPDATE tickets SET sla_breach = TRUE, sla_breach_time = due_date \
        WHERE id IN (SELECT id FROM tickets \
                     WHERE NOT sla_breach \
                       AND status NOT IN ('CLOSED', 'RESOLVED', 'PENDING_INFO') \
                       AND due_date <= now() \
                     ORDER BY due_date LIMIT $1 \
                     FOR UPDATE SKIP LOCKED) \
        RETURNING id, ticket_number, title, assignee_id, requestor_id, due_date, priority), \
    responded AS ( \
        UPDATE tickets SET response_breach = TRUE \
        WHERE id IN (SELECT id FROM tickets \
                     WHERE first_response_at IS NULL AND NOT response_breach \
                       AND status NOT IN ('CLOSED', 'RESOLVED', 'PENDING_INFO') \
                       AND response_due_at <= now() \
                     ORDER BY response_due_at LIMIT $1 \
                     FOR UPDATE SKIP LOCKED) \
        RETURNING id, ticket_number, title, assignee_id, requestor_id, response_due_at, priority), \
    warned AS ( \
        UPDATE tickets SET resolution_warned_at = now() \
        WHERE id IN (SELECT id FROM tickets \
                     WHERE resolution_warned_at IS NULL AND NOT sla_breach \
                       AND status NOT IN ('CLOSED', 'RESOLVED', 'PENDING_INFO') \
                       AND resolution_warn_at <= now() \
                     ORDER BY resolution_warn_at LIMIT $1 \
                     FOR UPDATE SKIP LOCKED) \
        RETURNING id, ticket_number, title, assignee_id, requestor_id, due_date, priority), \
    response_warned AS ( \
        UPDATE tickets SET response_warned_at = now() \
        WHERE id IN (SELECT id FROM tickets \
                     WHERE response_warned_at IS NULL AND first_response_at IS NULL \
                       AND NOT response_breach \
                       AND status NOT IN ('CLOSED', 'RESOLVED', 'PENDING_INFO') \
                       AND response_warn_at <= now() \
                     ORDER BY response_warn_at LIMIT $1 \
                     FOR UPDATE SKIP LOCKED) \
        RETURNING id, ticket_number, title, assignee_id, requestor_id, response_due_at, priority), \
    events AS ( \
        SELECT id, assignee_id, requestor_id, priority, 'SLA_BREACH' AS type, TRUE AS leads_too, \
               ticket_number || ' breached its SLA' AS subject, \
               'It was due at ' || to_char(due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') \
                   || ' UTC: ' || title AS message \
        FROM flagged \
        UNION ALL \
        SELECT id, assignee_id, requestor_id, priority, 'SLA_BREACH', TRUE, \
               ticket_number || ' missed its response deadline', \
               'A response was due at ' \
                   || to_char(response_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') \
                   || ' UTC: ' || title \
        FROM responded \
        UNION ALL \
        SELECT id, assignee_id, requestor_id, priority, 'SLA_WARNING', FALSE, \
               ticket_number || ' is due soon', \
               '80 % of its resolution time is used; it is due at ' \
                   || to_char(due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') \
                   || ' UTC: ' || title \
        FROM warned \
        UNION ALL \
        SELECT id, assignee_id, requestor_id, priority, 'SLA_WARNING', FALSE, \
               ticket_number || ' needs a response soon', \
               '80 % of its response time is used; a response is due at ' \
                   || to_char(response_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') \
                   || ' UTC: ' || title \
        FROM response_warned), \
    told AS ( \
        SELECT e.*, e.assignee_id AS user_id FROM events e WHERE e.assignee_id IS NOT NULL \
        UNION ALL \
        SELECT e.*, l.id FROM events e \
        JOIN users r ON r.id = e.requestor_id \
        CROSS JOIN LATERAL ( \
            SELECT x.id FROM ( \
                SELECT u.id, k.tier, min(k.tier) OVER () AS first_tier \
                FROM users u \
                CROSS JOIN LATERAL (SELECT CASE \
                    WHEN u.role = 'TEAM_LEAD' AND u.department = r.department THEN 1 \
                    WHEN u.role = 'MANAGER' THEN 2 WHEN u.role = 'ADMIN' THEN 3 END AS tier) k \
                WHERE u.is_active AND u.status = 'ACTIVE' AND k.tier IS NOT NULL) x \
            WHERE x.tier = x.first_tier) l \
        WHERE (e.leads_too OR e.assignee_id IS NULL) \
          AND l.id IS DISTINCT FROM e.assignee_id), \
    sent AS ( \
        INSERT INTO notifications (user_id, ticket_id, type, channel, subject, message, priority, \
                                   next_attempt_at) \
        SELECT f.user_id, f.id, f.type, c.channel, f.subject, f.message, \
               CASE f.priority WHEN 'P1_CRITICAL' THEN 'URGENT' WHEN 'P2_HIGH' THEN 'HIGH' \
                               WHEN 'P3_MEDIUM' THEN 'NORMAL' ELSE 'LOW' END, \
               CASE WHEN c.channel = 'IN_APP' THEN NULL ELSE CURRENT_TIMESTAMP END \
        FROM told f \
        JOIN users u ON u.id = f.user_id AND u.is_active AND u.status = 'ACTIVE' \
        CROSS JOIN (VALUES ('IN_APP'), ('EMAIL'), ('SLACK'), ('SMS')) AS c(channel) \
        LEFT JOIN notification_preferences p \
               ON p.user_id = f.user_id AND p.event_type = f.type \
              AND p.channel = c.channel \
        WHERE coalesce(p.enabled, c.channel IN ('IN_APP', 'EMAIL')) \
          AND (c.channel <> 'SMS' OR nullif(btrim(u.phone_number), '') IS NOT NULL) \
        RETURNING id, channel), \
    closed AS ( \
        UPDATE tickets SET status = 'CLOSED' \
        WHERE id IN (SELECT id FROM tickets \
                     WHERE status = 'RESOLVED' AND resolved_at <= now() - interval '7 days' \
                     ORDER BY resolved_at LIMIT $1 \
                     FOR UPDATE SKIP LOCKED) \
        RETURNING id) \
    SELECT greatest((SELECT count(*) FROM flagged), (SELECT count(*) FROM responded), \
                    (SELECT count(*) FROM warned), (SELECT count(*) FROM response_warned), \
                    (SELECT count(*) FROM closed)), \
           (SELECT count(pg_notify(CASE WHEN channel = 'IN_APP' THEN 'ticketdesk_notification' \
                                        ELSE 'ticketdesk_outbox' END, id::text)) FROM sent)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::{Priority, Status};
    use crate::domain::user::Role;

    fn engineer() -> Actor {
        Actor {
            id: Uuid::nil(),
            role: Role::DevopsEngineer,
        }
    }

    #[test]
    fn a_search_floor_is_plain_sql_on_the_tables() {
        let query = QueueQuery {
            text: Some("disk full".into()),
            statuses: vec![Status::Open],
            priorities: vec![Priority::P1Critical],
            ..Default::default()
        };
        let sql = queue(engineer(), &query).unwrap().into_sql();
        assert!(
            sql.contains("t.search_vector @@ websearch_to_tsquery('english', 'disk full')"),
            "{sql}"
        );
        assert!(sql.contains("t.status IN ('OPEN')"), "{sql}");
        assert!(!sql.contains("search_tickets"), "{sql}");
        assert!(
            sql.ends_with(" ORDER BY t.created_at DESC, t.id DESC LIMIT 51"),
            "{sql}"
        );
    }

    #[test]
    fn relevance_orders_by_the_rank_of_the_words() {
        let query = QueueQuery {
            text: Some("disk".into()),
            sort: QueueSort::Relevance,
            ..Default::default()
        };
        let sql = queue(engineer(), &query).unwrap().into_sql();
        assert!(
            sql.contains(
                "ts_rank(t.search_vector, websearch_to_tsquery('english', 'disk')) AS rank"
            ),
            "{sql}"
        );
        assert!(sql.contains("ORDER BY rank DESC"), "{sql}");
    }

    #[test]
    fn words_are_quoted_and_backslashes_refused() {
        assert_eq!(literal("it's").unwrap(), "'it''s'");
        assert!(literal("a\\b").is_err());
    }
}
