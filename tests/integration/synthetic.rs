//! `ticketdesk demo-data --scale N` (issue 7): the synthetic load keeps every invariant the
//! triggers and constraints would have kept, has the shapes the benchmark relies on, leaves
//! the schema as it found it, and is idempotent.

use sqlx::PgPool;
use ticketdesk::domain::user::Role;
use ticketdesk::generate::demo_data;
use ticketdesk::generate::synthetic::{self, Options};

use crate::helpers;

/// Synthetic tickets only (the demo data's 200 follow their own rules).
const SYNTHETIC: &str = "t.id BETWEEN '5d170001-0000-4000-8000-000000000000' \
                         AND '5d170001-0000-4000-8000-ffffffffffff'";

async fn generate(pool: &PgPool, scale: u64, batch: u64) -> synthetic::Generated {
    let mut lines = Vec::new();
    let report = synthetic::generate(pool, Options { scale, batch }, &mut |line: &str| {
        lines.push(line.to_owned())
    })
    .await
    .expect("generating synthetic data");
    assert!(!lines.is_empty(), "progress is reported");
    report
}

async fn i64_of(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn f64_of(pool: &PgPool, sql: &str) -> f64 {
    sqlx::query_scalar::<_, f64>(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn indexes(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT indexname::text, indexdef FROM pg_indexes \
         WHERE schemaname IN ('public', 'auth') ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Zero rows breaking `sql`'s condition (a `count(*)` of violations).
async fn none(pool: &PgPool, what: &str, sql: &str) {
    let violations = i64_of(pool, sql).await;
    assert_eq!(violations, 0, "{what}: {violations} violation(s)");
}

/// Every invariant a trigger, constraint or foreign key would have kept.
async fn check_invariants(pool: &PgPool) {
    // Foreign keys were not checked during the load: check every one now.
    let foreign_keys: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT k.conrelid::regclass::text, quote_ident(a.attname), \
                k.confrelid::regclass::text, quote_ident(af.attname) \
         FROM pg_constraint k \
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] \
         JOIN pg_attribute af ON af.attrelid = k.confrelid AND af.attnum = k.confkey[1] \
         WHERE k.contype = 'f' AND cardinality(k.conkey) = 1 \
           AND k.connamespace = 'public'::regnamespace",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(foreign_keys.len() >= 15, "the schema's foreign keys");
    for (child, column, parent, key) in &foreign_keys {
        none(
            pool,
            &format!("{child}.{column} → {parent}.{key}"),
            &format!(
                "SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})"
            ),
        )
        .await;
    }

    // The workflow's invariants (SPEC §3, the workflow migration's triggers).
    none(
        pool,
        "closed tickets were resolved, with notes, in order",
        &format!(
            "SELECT count(*) FROM tickets t WHERE {SYNTHETIC} AND t.status = 'CLOSED' \
             AND NOT (t.closed_at IS NOT NULL AND t.resolved_at IS NOT NULL \
                      AND coalesce(btrim(t.resolution_notes), '') <> '' \
                      AND t.created_at <= t.resolved_at AND t.resolved_at <= t.closed_at \
                      AND t.closed_at <= now())"
        ),
    )
    .await;
    none(
        pool,
        "resolved tickets have resolved_at and notes, not closed_at",
        &format!(
            "SELECT count(*) FROM tickets t WHERE {SYNTHETIC} AND t.status = 'RESOLVED' \
             AND NOT (t.resolved_at IS NOT NULL AND t.closed_at IS NULL \
                      AND coalesce(btrim(t.resolution_notes), '') <> '')"
        ),
    )
    .await;
    none(
        pool,
        "open tickets have neither resolved_at nor closed_at",
        &format!(
            "SELECT count(*) FROM tickets t WHERE {SYNTHETIC} \
             AND t.status NOT IN ('RESOLVED', 'CLOSED') \
             AND (t.resolved_at IS NOT NULL OR t.closed_at IS NOT NULL)"
        ),
    )
    .await;
    none(
        pool,
        "only NEW tickets are unassigned",
        &format!(
            "SELECT count(*) FROM tickets t WHERE {SYNTHETIC} \
             AND (t.status = 'NEW') <> (t.assignee_id IS NULL)"
        ),
    )
    .await;
    none(
        pool,
        "assignees are engineers",
        &format!(
            "SELECT count(*) FROM tickets t JOIN users u ON u.id = t.assignee_id \
             WHERE {SYNTHETIC} AND u.role = 'END_USER'"
        ),
    )
    .await;
    none(
        pool,
        "escalated tickets (only they) know where they return to",
        &format!(
            "SELECT count(*) FROM tickets t WHERE {SYNTHETIC} \
             AND (t.status = 'ESCALATED') <> (t.status_before_escalation IS NOT NULL)"
        ),
    )
    .await;
    none(
        pool,
        "timestamps are in order",
        &format!(
            "SELECT count(*) FROM tickets t WHERE {SYNTHETIC} \
             AND NOT (t.created_at <= t.updated_at AND t.updated_at <= now() \
                      AND t.created_at > now() - interval '1100 days')"
        ),
    )
    .await;
    none(
        pool,
        "SLA policy and due date as ticket creation picks them",
        &format!(
            "SELECT count(*) FROM tickets t LEFT JOIN sla_policies s ON s.id = t.sla_policy_id \
             WHERE {SYNTHETIC} AND NOT (s.id IS NOT NULL AND t.due_date > t.created_at \
                                        AND (s.category IS NULL OR s.category = t.category) \
                                        AND t.sla_breach = (t.sla_breach_time IS NOT NULL))"
        ),
    )
    .await;

    // History: what the triggers would have written, row for row.
    none(
        pool,
        "one CREATED row per ticket, at its creation",
        &format!(
            "SELECT count(*) FROM tickets t WHERE {SYNTHETIC} AND 1 <> \
             (SELECT count(*) FROM ticket_history h WHERE h.ticket_id = t.id \
              AND h.action = 'CREATED' AND h.timestamp = t.created_at \
              AND (h.new_value::jsonb ->> 'ticketNumber') = t.ticket_number)"
        ),
    )
    .await;
    none(
        pool,
        "the last status change ends at the ticket's status",
        &format!(
            "SELECT count(*) FROM tickets t WHERE {SYNTHETIC} AND to_jsonb(t.status)::text <> \
             coalesce((SELECT h.new_value FROM ticket_history h \
                       WHERE h.ticket_id = t.id AND h.field_changed = 'status' \
                       ORDER BY h.timestamp DESC, h.id DESC LIMIT 1), \
                      (SELECT to_jsonb(h.new_value::jsonb ->> 'status')::text \
                       FROM ticket_history h WHERE h.ticket_id = t.id AND h.action = 'CREATED'))"
        ),
    )
    .await;
    none(
        pool,
        "version counts the updates, reopen_count the reopenings",
        &format!(
            "SELECT count(*) FROM tickets t WHERE {SYNTHETIC} AND \
             (t.version <> 1 + (SELECT count(*) FROM ticket_history h WHERE h.ticket_id = t.id \
                                AND h.action IN ('STATUS_CHANGED', 'PRIORITY_CHANGED', \
                                                 'REASSIGNED', 'CLOSED', 'REOPENED', 'ESCALATED')) \
              OR t.reopen_count <> (SELECT count(*) FROM ticket_history h \
                                    WHERE h.ticket_id = t.id AND h.action = 'REOPENED'))"
        ),
    )
    .await;
    none(
        pool,
        "resolved_at and closed_at are the times of those moves",
        &format!(
            "SELECT count(*) FROM tickets t WHERE {SYNTHETIC} AND ( \
               (t.resolved_at IS NOT NULL AND t.resolved_at <> \
                 (SELECT max(h.timestamp) FROM ticket_history h WHERE h.ticket_id = t.id \
                  AND h.field_changed = 'status' AND h.new_value = '\"RESOLVED\"')) \
               OR (t.closed_at IS NOT NULL AND t.closed_at <> \
                 (SELECT h.timestamp FROM ticket_history h WHERE h.ticket_id = t.id \
                  AND h.action = 'CLOSED')))"
        ),
    )
    .await;
    none(
        pool,
        "the current assignee is the last one assigned",
        &format!(
            "SELECT count(*) FROM tickets t WHERE {SYNTHETIC} AND t.assignee_id IS NOT NULL \
             AND t.assignee_id::text <> (SELECT h.new_value::jsonb ->> 'id' \
                 FROM ticket_history h WHERE h.ticket_id = t.id \
                 AND h.field_changed = 'assignee_id' ORDER BY h.timestamp DESC LIMIT 1)"
        ),
    )
    .await;
    none(
        pool,
        "one COMMENT_ADDED row per comment, by its author, internal as the comment",
        &format!(
            "SELECT count(*) FROM comments c JOIN tickets t ON t.id = c.ticket_id \
             WHERE {SYNTHETIC} AND NOT EXISTS ( \
               SELECT 1 FROM ticket_history h WHERE h.ticket_id = c.ticket_id \
               AND h.action = 'COMMENT_ADDED' \
               AND (h.new_value::jsonb ->> 'commentId') = c.id::text \
               AND h.user_id = c.user_id AND h.is_internal = c.is_internal \
               AND h.timestamp = c.created_at)"
        ),
    )
    .await;
    none(
        pool,
        "no COMMENT_ADDED row without its comment",
        &format!(
            "SELECT count(*) FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id \
             WHERE {SYNTHETIC} AND h.action = 'COMMENT_ADDED' AND NOT EXISTS ( \
               SELECT 1 FROM comments c WHERE c.id::text = h.new_value::jsonb ->> 'commentId')"
        ),
    )
    .await;
    none(
        pool,
        "one ATTACHMENT_ADDED row per attachment",
        "SELECT (SELECT count(*) FROM ticket_history WHERE action = 'ATTACHMENT_ADDED') \
              - (SELECT count(*) FROM attachments)",
    )
    .await;
    none(
        pool,
        "attachments name a stored file of their size, as sealed uploads do",
        "SELECT count(*) FROM attachments a LEFT JOIN attachment_blobs b \
                ON b.file_hash = a.file_hash AND b.file_size = a.file_size \
         WHERE b.file_hash IS NULL \
            OR a.file_path <> 'postgres:attachment_blobs/' || a.file_hash \
            OR (SELECT sum(length(data)) FROM attachment_blob_chunks k \
                WHERE k.file_hash = a.file_hash) <> a.file_size",
    )
    .await;
    none(
        pool,
        "history happens between a ticket's creation and now",
        &format!(
            "SELECT count(*) FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id \
             WHERE {SYNTHETIC} AND NOT (h.timestamp >= t.created_at AND h.timestamp <= now())"
        ),
    )
    .await;
    none(
        pool,
        "internal comments come from engineers",
        "SELECT count(*) FROM comments c JOIN users u ON u.id = c.user_id \
         WHERE c.is_internal AND u.role = 'END_USER'",
    )
    .await;
    none(
        pool,
        "in-app notifications as the app leaves them",
        "SELECT count(*) FROM notifications n WHERE n.channel <> 'IN_APP' \
            OR n.next_attempt_at IS NOT NULL OR n.delivered_at IS NULL \
            OR (n.status = 'READ') <> (n.read_at IS NOT NULL) \
            OR n.status NOT IN ('READ', 'DELIVERED') OR n.read_at > now()",
    )
    .await;
    none(
        pool,
        "ticket numbers are unique and below the sequence",
        "SELECT count(*) FROM tickets \
         WHERE split_part(ticket_number, '-', 3)::bigint > \
               (SELECT last_value FROM ticket_number_seq)",
    )
    .await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn synthetic_data_has_realistic_shapes_and_keeps_every_invariant(pool: PgPool) {
    let before = indexes(&pool).await;
    let report = generate(&pool, 2_000, 700).await;
    assert_eq!(report.existing, 0);
    assert_eq!(report.tickets, 2_000);
    assert_eq!(report.demo.tickets, demo_data::TICKET_COUNT as u64);
    assert!(
        report.indexes_rebuilt >= 30,
        "the load dropped and re-created the indexes: {}",
        report.indexes_rebuilt
    );
    assert_eq!(
        indexes(&pool).await,
        before,
        "every index is back, as it was"
    );

    let synthetic = i64_of(
        &pool,
        &format!("SELECT count(*) FROM tickets t WHERE {SYNTHETIC}"),
    )
    .await;
    assert_eq!(synthetic, 2_000);
    check_invariants(&pool).await;

    // Status mix: ~85 % closed, every status present.
    let closed = f64_of(
        &pool,
        &format!("SELECT avg((status = 'CLOSED')::int)::float8 FROM tickets t WHERE {SYNTHETIC}"),
    )
    .await;
    assert!((0.80..=0.90).contains(&closed), "closed share {closed:.3}");
    let statuses = i64_of(
        &pool,
        &format!("SELECT count(DISTINCT status) FROM tickets t WHERE {SYNTHETIC}"),
    )
    .await;
    assert_eq!(statuses, 8, "every status");
    let priorities = i64_of(
        &pool,
        &format!("SELECT count(DISTINCT priority) FROM tickets t WHERE {SYNTHETIC}"),
    )
    .await;
    assert_eq!(priorities, 4, "every priority");
    let categories = i64_of(
        &pool,
        &format!("SELECT count(DISTINCT category) FROM tickets t WHERE {SYNTHETIC}"),
    )
    .await;
    assert_eq!(categories, 9, "every category");

    // ~5 comments and ~10 history rows per ticket, skewed.
    let per_ticket = |sql: &'static str| {
        let pool = pool.clone();
        async move { f64_of(&pool, sql).await }
    };
    let comments = per_ticket(
        "SELECT (SELECT count(*) FROM comments c JOIN tickets t ON t.id = c.ticket_id \
                 WHERE t.id BETWEEN '5d170001-0000-4000-8000-000000000000' \
                                AND '5d170001-0000-4000-8000-ffffffffffff')::float8 / 2000",
    )
    .await;
    assert!(
        (4.0..=6.0).contains(&comments),
        "comments per ticket {comments:.2}"
    );
    let history = per_ticket(
        "SELECT (SELECT count(*) FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id \
                 WHERE t.id BETWEEN '5d170001-0000-4000-8000-000000000000' \
                                AND '5d170001-0000-4000-8000-ffffffffffff')::float8 / 2000",
    )
    .await;
    assert!(
        (9.0..=13.0).contains(&history),
        "history per ticket {history:.2}"
    );
    let (few, many): (i64, i64) = sqlx::query_as(&format!(
        "SELECT count(*) FILTER (WHERE n <= 3), count(*) FILTER (WHERE n >= 15) \
         FROM (SELECT (SELECT count(*) FROM comments c WHERE c.ticket_id = t.id) AS n \
               FROM tickets t WHERE {SYNTHETIC}) s"
    ))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        few > 800 && many > 20,
        "skewed: {few} with ≤3, {many} with ≥15"
    );
    let notifications = f64_of(&pool, "SELECT count(*)::float8 / 2000 FROM notifications").await;
    assert!(
        (0.6..=1.2).contains(&notifications),
        "notifications per ticket {notifications:.2}"
    );
    let read = f64_of(
        &pool,
        "SELECT avg((read_at IS NOT NULL)::int)::float8 FROM notifications",
    )
    .await;
    assert!(read > 0.75, "most notifications read: {read:.2}");
    let attachments = i64_of(&pool, "SELECT count(*) FROM attachments").await;
    assert!(
        (20..=150).contains(&attachments),
        "a few per cent of tickets have a file: {attachments}"
    );

    // Three years, denser lately.
    let (oldest_year, last_year): (i64, i64) = sqlx::query_as(&format!(
        "SELECT count(*) FILTER (WHERE created_at < now() - interval '730 days'), \
                count(*) FILTER (WHERE created_at >= now() - interval '365 days') \
         FROM tickets t WHERE {SYNTHETIC}"
    ))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        oldest_year > 200 && last_year > oldest_year * 3 / 2,
        "oldest year {oldest_year}, last year {last_year}"
    );

    // The search words: common, but not everywhere.
    let share = |query: &'static str, column: &'static str| {
        let pool = pool.clone();
        async move {
            f64_of(
                &pool,
                &format!(
                    "SELECT avg((to_tsvector('english', {column}) \
                                 @@ plainto_tsquery('english', '{query}'))::int)::float8 \
                     FROM tickets t WHERE {SYNTHETIC}"
                ),
            )
            .await
        }
    };
    let disk_titles = share("disk", "title").await;
    assert!(
        (0.02..=0.20).contains(&disk_titles),
        "\"disk\" in {disk_titles:.3} of titles"
    );
    let disk = share("disk", "title || ' ' || description").await;
    assert!(
        (0.08..=0.40).contains(&disk),
        "\"disk\" in {disk:.3} of tickets"
    );
    let disk_full = share("disk full", "title || ' ' || description").await;
    assert!(
        disk_full > 0.005 && disk_full < disk / 2.0,
        "\"disk full\" in {disk_full:.3} of tickets"
    );
    let (shortest, longest): (i32, i32) = sqlx::query_as(&format!(
        "SELECT min(array_length(regexp_split_to_array(description, '\\s+'), 1)), \
                max(array_length(regexp_split_to_array(description, '\\s+'), 1)) \
         FROM tickets t WHERE {SYNTHETIC}"
    ))
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        shortest >= 15 && longest <= 120,
        "descriptions of {shortest}..{longest} words"
    );

    // Users: a few hundred, every role, the demo users among them.
    let roles = i64_of(&pool, "SELECT count(DISTINCT role) FROM users").await;
    assert_eq!(roles, 6, "every role");
    let users = i64_of(&pool, "SELECT count(*) FROM users").await;
    assert!(users >= 400, "a few hundred users: {users}");
    let dev = demo_data::user_id("dev");
    let dev_share = f64_of(
        &pool,
        &format!(
            "SELECT avg((assignee_id = '{dev}')::int)::float8 FROM tickets t \
             WHERE {SYNTHETIC} AND assignee_id IS NOT NULL"
        ),
    )
    .await;
    assert!(
        (0.002..=0.04).contains(&dev_share),
        "dev's share of assigned tickets {dev_share:.4}"
    );

    // The sequence continues after the load.
    let next: String = sqlx::query_scalar("SELECT next_ticket_number()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let taken = i64_of(
        &pool,
        &format!(
            "SELECT count(*) FROM tickets WHERE split_part(ticket_number, '-', 3) = \
             split_part('{next}', '-', 3)"
        ),
    )
    .await;
    assert_eq!(taken, 0, "{next} is a new number");

    // Triggers are back: a ticket made through the app gets its history and notification.
    let lead = helpers::signed_in(&pool, "synthetic_lead", Role::TeamLead).await;
    let created = helpers::create(
        &lead,
        helpers::new_ticket("Disk full on db-07 after the synthetic load", Some(dev)),
    )
    .await
    .expect("creating a ticket after the load");
    let written = i64_of(
        &pool,
        &format!(
            "SELECT count(*) FROM ticket_history WHERE ticket_id = '{}' \
             AND action IN ('CREATED', 'ASSIGNED')",
            created.id
        ),
    )
    .await;
    assert_eq!(written, 2, "the history triggers ran");
    let notified = i64_of(
        &pool,
        &format!(
            "SELECT count(*) FROM notifications WHERE ticket_id = '{}' AND user_id = '{dev}' \
             AND type = 'TICKET_ASSIGNED'",
            created.id
        ),
    )
    .await;
    assert!(notified >= 1, "the notification triggers ran");
    assert_ne!(
        created.ticket_number, next,
        "numbers keep coming from the sequence"
    );

    // `ticketdesk bench` signs in as dev; lena is a team lead.
    let desk = helpers::desktop_pool(&pool).await;
    for username in ["dev", "lena"] {
        ticketdesk::db::auth::sign_in(
            &desk,
            username,
            demo_data::DEMO_PASSWORD,
            None,
            Some("test"),
        )
        .await
        .unwrap_or_else(|e| panic!("{username} signs in: {e:?}"));
    }
    let lena_role: String = sqlx::query_scalar("SELECT role FROM users WHERE username = 'lena'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(lena_role, "TEAM_LEAD");
    let synthetic_user: String = sqlx::query_scalar(
        "SELECT username FROM users WHERE id = '5d170000-0000-4000-8000-000000000064'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    ticketdesk::db::auth::sign_in(
        &desk,
        &synthetic_user,
        demo_data::DEMO_PASSWORD,
        None,
        Some("test"),
    )
    .await
    .expect("synthetic users sign in with the demo password");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn synthetic_data_is_idempotent_and_only_adds_what_is_missing(pool: PgPool) {
    let before = indexes(&pool).await;
    let first = generate(&pool, 300, 100_000).await;
    assert_eq!((first.existing, first.tickets), (0, 300));
    let comments = helpers::count(&pool, "comments").await;
    let history = helpers::count(&pool, "ticket_history").await;

    let again = generate(&pool, 300, 100_000).await;
    assert_eq!((again.existing, again.tickets, again.users), (300, 0, 0));
    assert_eq!(
        (again.comments, again.history, again.notifications),
        (0, 0, 0)
    );
    assert_eq!(helpers::count(&pool, "comments").await, comments);
    assert_eq!(helpers::count(&pool, "ticket_history").await, history);

    let fewer = generate(&pool, 100, 100_000).await;
    assert_eq!((fewer.existing, fewer.tickets), (300, 0), "never removes");

    // 150 more on top of 500 tickets: the indexes stay and take the new rows.
    let more = generate(&pool, 450, 60).await;
    assert_eq!((more.existing, more.tickets, more.users), (300, 150, 0));
    assert_eq!(more.indexes_rebuilt, 0);
    assert_eq!(
        helpers::count(&pool, "tickets").await,
        demo_data::TICKET_COUNT as i64 + 450
    );
    assert_eq!(indexes(&pool).await, before);
    check_invariants(&pool).await;
    let duplicates = i64_of(
        &pool,
        "SELECT count(*) - count(DISTINCT split_part(ticket_number, '-', 3)) FROM tickets",
    )
    .await;
    assert_eq!(duplicates, 0, "ticket numbers never repeat");

    // A run interrupted after it dropped the indexes left them missing: the next one, with
    // nothing to add, re-creates them from the migrations.
    sqlx::raw_sql("DROP INDEX idx_tickets_fulltext; DROP INDEX idx_history_ticket;")
        .execute(&pool)
        .await
        .unwrap();
    let repair = generate(&pool, 450, 100_000).await;
    assert_eq!((repair.existing, repair.tickets), (450, 0));
    assert_eq!(repair.indexes_rebuilt, 2);
    assert_eq!(indexes(&pool).await, before);
}
