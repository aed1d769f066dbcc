//! The migrations build exactly what the seed defines. The seed's own DDL (its markdown, kept
//! verbatim in tests/fixtures) is applied to a scratch schema beside the migrated one, and the
//! catalogs of the two are compared: any drift in a table, column, constraint or index fails.

use std::collections::BTreeSet;

use sqlx::PgPool;

/// The seed's SQL blocks that define the schema, in an order PostgreSQL accepts.
fn seed_ddl() -> Vec<String> {
    let markdown = include_str!("../fixtures/seed-database-schema.md");
    let blocks: Vec<String> = markdown
        .split("```sql\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(sql, _)| sql.to_owned()))
        // The schema's tables and indexes; not the maintenance or partitioning examples.
        .filter(|sql| sql.contains("CREATE TABLE") || sql.contains("CREATE INDEX"))
        .filter(|sql| !sql.contains("PARTITION BY") && !sql.contains("VACUUM"))
        .collect();
    // The seed defines sla_policies after tickets, which references it.
    let (policies, others): (Vec<_>, Vec<_>) = blocks
        .into_iter()
        .partition(|sql| sql.contains("CREATE TABLE sla_policies"));
    assert_eq!(policies.len(), 1, "the seed defines sla_policies once");
    policies.into_iter().chain(others).collect()
}

/// Deliberate, documented departures from the seed (see the seed migration's comments).
const ACCEPTED_DIFFERENCES: &[(&str, &str)] = &[
    (
        "- column comments.user_id uuid NOT NULL default=None",
        "+ column comments.user_id uuid NULL default=None",
    ),
    (
        "- column attachments.uploaded_by uuid NOT NULL default=None",
        "+ column attachments.uploaded_by uuid NULL default=None",
    ),
    // sla_calendars_and_warnings: the 80 % warning is a notification type of its own
    (
        "- constraint notifications.chk_notification_type CHECK (((type)::text = ANY ((ARRAY['TICKET_CREATED'::character varying, 'TICKET_ASSIGNED'::character varying, 'STATUS_CHANGED'::character varying, 'COMMENT_ADDED'::character varying, 'ESCALATED'::character varying, 'SLA_BREACH'::character varying, 'RESOLUTION_REQUEST'::character varying, 'TICKET_CLOSED'::character varying])::text[])))",
        "+ constraint notifications.chk_notification_type CHECK (((type)::text = ANY ((ARRAY['TICKET_CREATED'::character varying, 'TICKET_ASSIGNED'::character varying, 'STATUS_CHANGED'::character varying, 'COMMENT_ADDED'::character varying, 'ESCALATED'::character varying, 'SLA_BREACH'::character varying, 'SLA_WARNING'::character varying, 'RESOLUTION_REQUEST'::character varying, 'TICKET_CLOSED'::character varying])::text[])))",
    ),
];

/// What later migrations add to the seed's tables, each on purpose (see the migration named).
const ADDED_BY_LATER_MIGRATIONS: &[&str] = &[
    // trust_boundary: refresh-token families for reuse detection
    "+ column refresh_tokens.family_id uuid NULL default=None",
    "+ column refresh_tokens.session_id uuid NULL default=None",
    "+ constraint refresh_tokens.refresh_tokens_session_id_fkey FOREIGN KEY (session_id) REFERENCES user_sessions(id) ON DELETE CASCADE",
    "+ index idx_refresh_tokens_family CREATE INDEX idx_refresh_tokens_family ON refresh_tokens USING btree (family_id)",
    // account_admin: verification codes expire
    "+ column users.email_verification_expires_at timestamp with time zone NULL default=None",
    // mfa: the step of the last accepted TOTP code, against replays
    "+ column users.mfa_last_step bigint NULL default=None",
    // workflow: reopen count, where an escalation returns to, internal history rows
    "+ column tickets.reopen_count integer NOT NULL default=Some(\"0\")",
    "+ constraint tickets.chk_reopen_count CHECK ((reopen_count >= 0))",
    "+ column tickets.status_before_escalation character varying(30) NULL default=None",
    "+ constraint tickets.chk_status_before_escalation CHECK (((status_before_escalation)::text = ANY ((ARRAY['NEW'::character varying, 'OPEN'::character varying, 'IN_PROGRESS'::character varying, 'PENDING_INFO'::character varying, 'REOPENED'::character varying])::text[])))",
    "+ column ticket_history.is_internal boolean NOT NULL default=Some(\"false\")",
    // notification_delivery: the worker's outbox (when a row may next be tried)
    "+ column notifications.next_attempt_at timestamp with time zone NULL default=None",
    // search_vector: the stored tsvector search matches and ranks on (issue 7)
    "+ column tickets.search_vector tsvector NULL default=Some(\"to_tsvector('english'::regconfig, (((title)::text || ' '::text) || description))\")",
    "+ index idx_tickets_search_vector CREATE INDEX idx_tickets_search_vector ON tickets USING gin (search_vector)",
    // open_work_by_priority: pages of unclosed tickets by priority read only their rows
    "+ index idx_tickets_not_closed_priority CREATE INDEX idx_tickets_not_closed_priority ON tickets USING btree (priority, created_at DESC, id DESC) WHERE ((status)::text <> 'CLOSED'::text)",
    "+ index idx_notifications_outbox CREATE INDEX idx_notifications_outbox ON notifications USING btree (next_attempt_at) WHERE (((status)::text = 'PENDING'::text) AND ((channel)::text <> 'IN_APP'::text))",
    // sla_clock: the time zone a policy's business hours are counted in (SPEC §5)
    "+ column sla_policies.time_zone text NOT NULL default=Some(\"'UTC'::text\")",
    "+ constraint sla_policies.chk_sla_time_zone CHECK (is_time_zone(time_zone))",
    "+ index idx_tickets_sla_due CREATE INDEX idx_tickets_sla_due ON tickets USING btree (due_date) WHERE ((NOT sla_breach) AND ((status)::text <> ALL ((ARRAY['CLOSED'::character varying, 'RESOLVED'::character varying])::text[])))",
    // sla_pauses_and_auto_close: the sweep's auto-close candidates (issue 14)
    "+ index idx_tickets_resolved_at CREATE INDEX idx_tickets_resolved_at ON tickets USING btree (resolved_at) WHERE ((status)::text = 'RESOLVED'::text)",
    // sla_response_deadline: the response deadline, when it was met, whether it was missed
    "+ column tickets.response_due_at timestamp with time zone NULL default=None",
    "+ column tickets.first_response_at timestamp with time zone NULL default=None",
    "+ column tickets.response_breach boolean NOT NULL default=Some(\"false\")",
    "+ index idx_tickets_response_due CREATE INDEX idx_tickets_response_due ON tickets USING btree (response_due_at) WHERE ((first_response_at IS NULL) AND (NOT response_breach) AND ((status)::text <> ALL ((ARRAY['CLOSED'::character varying, 'RESOLVED'::character varying, 'PENDING_INFO'::character varying])::text[])))",
    // sla_calendars_and_warnings: the policy's holiday calendar; the 80 % instants of both
    // deadlines, when each warning went out, and the sweep's candidates for each
    "+ column sla_policies.calendar_id uuid NULL default=None",
    "+ constraint sla_policies.sla_policies_calendar_id_fkey FOREIGN KEY (calendar_id) REFERENCES sla_calendars(id) ON DELETE SET NULL",
    "+ column tickets.resolution_warn_at timestamp with time zone NULL default=None",
    "+ column tickets.resolution_warned_at timestamp with time zone NULL default=None",
    "+ column tickets.response_warn_at timestamp with time zone NULL default=None",
    "+ column tickets.response_warned_at timestamp with time zone NULL default=None",
    "+ index idx_tickets_resolution_warn CREATE INDEX idx_tickets_resolution_warn ON tickets USING btree (resolution_warn_at) WHERE ((resolution_warned_at IS NULL) AND (NOT sla_breach) AND ((status)::text <> ALL ((ARRAY['CLOSED'::character varying, 'RESOLVED'::character varying, 'PENDING_INFO'::character varying])::text[])))",
    "+ index idx_tickets_response_warn CREATE INDEX idx_tickets_response_warn ON tickets USING btree (response_warn_at) WHERE ((response_warned_at IS NULL) AND (first_response_at IS NULL) AND (NOT response_breach) AND ((status)::text <> ALL ((ARRAY['CLOSED'::character varying, 'RESOLVED'::character varying, 'PENDING_INFO'::character varying])::text[])))",
    // sla_queue_order: the queue's "due soonest" order
    "+ index idx_tickets_next_due CREATE INDEX idx_tickets_next_due ON tickets USING btree (sla_next_due(status, first_response_at, response_breach, response_due_at, due_date), created_at, id)",
    // escalation_ladder: when an unacknowledged escalation rises; one open per ticket
    "+ column escalations.next_rise_at timestamp with time zone NULL default=None",
    "+ index idx_escalations_open CREATE UNIQUE INDEX idx_escalations_open ON escalations USING btree (ticket_id) WHERE ((status)::text = ANY ((ARRAY['PENDING'::character varying, 'ACKNOWLEDGED'::character varying])::text[]))",
    "+ index idx_escalations_rise CREATE INDEX idx_escalations_rise ON escalations USING btree (next_rise_at) WHERE ((status)::text = 'PENDING'::text)",
];

/// Tables of our own, beside the seed's (their whole definition is ours).
const TABLES_ADDED_BY_LATER_MIGRATIONS: &[&str] = &[
    // workflow: the transition table, attachment staging and content-addressed storage
    "ticket_transitions",
    "attachment_upload_chunks",
    "attachment_blobs",
    "attachment_blob_chunks",
    // notification_delivery: which events reach a user on which channels
    "notification_preferences",
    // sla_pauses_and_auto_close: every pause of a ticket's SLA clock (issue 14)
    "sla_pauses",
    // sla_calendars_and_warnings: holiday calendars and their days (issue 14)
    "sla_calendars",
    "sla_holidays",
];

async fn describe(pool: &PgPool, schema: &str) -> BTreeSet<String> {
    let strip = |s: String| s.replace(&format!("{schema}."), "");
    let mut out = BTreeSet::new();
    let columns: Vec<(String, String, String, bool, Option<String>)> = sqlx::query_as(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
                pg_get_expr(d.adbin, d.adrelid) \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped \
           AND c.relname <> '_sqlx_migrations'",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, column, ty, not_null, default) in columns {
        let null = if not_null { "NOT NULL" } else { "NULL" };
        out.insert(strip(format!(
            "column {table}.{column} {ty} {null} default={default:?}"
        )));
    }
    let constraints: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.relname::text, k.conname::text, pg_get_constraintdef(k.oid) \
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname <> '_sqlx_migrations'",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, name, def) in constraints {
        out.insert(strip(format!("constraint {table}.{name} {def}")));
    }
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename <> '_sqlx_migrations'",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .unwrap();
    for (name, def) in indexes {
        out.insert(strip(format!("index {name} {def}")).replace(&format!(" ON {schema}."), " ON "));
    }
    out
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn migrations_reproduce_the_seed_schema(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("CREATE SCHEMA seed")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("SET search_path TO seed")
        .execute(&mut *conn)
        .await
        .unwrap();
    for sql in seed_ddl() {
        sqlx::raw_sql(&sql)
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("seed DDL failed: {e}\n{sql}"));
    }
    sqlx::query("RESET search_path")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);

    let seed = describe(&pool, "seed").await;
    let ours = describe(&pool, "public").await;
    let tables: BTreeSet<_> = seed
        .iter()
        .filter_map(|l| l.strip_prefix("column ")?.split('.').next())
        .collect();
    assert_eq!(tables.len(), 12, "the seed has 12 tables: {tables:?}");
    assert!(
        seed.iter().filter(|l| l.starts_with("index ")).count() > 60,
        "the seed's indexes were read"
    );

    let mut differences: BTreeSet<String> =
        seed.difference(&ours).map(|l| format!("- {l}")).collect();
    differences.extend(ours.difference(&seed).map(|l| format!("+ {l}")));
    for table in TABLES_ADDED_BY_LATER_MIGRATIONS {
        let ours: Vec<String> = differences
            .iter()
            .filter(|d| {
                d.starts_with("+ ")
                    && (d.contains(&format!(" {table}.")) || d.contains(&format!(" ON {table} ")))
            })
            .cloned()
            .collect();
        assert!(!ours.is_empty(), "listed table no longer present: {table}");
        for d in ours {
            differences.remove(&d);
        }
    }
    for added in ADDED_BY_LATER_MIGRATIONS {
        assert!(
            differences.remove(*added),
            "listed addition no longer present: {added}"
        );
    }
    for (removed, added) in ACCEPTED_DIFFERENCES {
        assert!(
            differences.remove(*removed),
            "accepted difference no longer present: {removed}"
        );
        assert!(
            differences.remove(*added),
            "accepted difference no longer present: {added}"
        );
    }
    assert!(
        differences.is_empty(),
        "migrations drift from the seed (- seed only, + migrations only):\n{}",
        differences.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn default_sla_policies_match_the_spec(pool: PgPool) {
    let rows: Vec<(String, i32, i32)> = sqlx::query_as(
        "SELECT priority, response_time_minutes, resolution_time_minutes FROM sla_policies \
         WHERE category IS NULL AND is_active ORDER BY priority",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected = [
        ("P1_CRITICAL", 5, 240),
        ("P2_HIGH", 30, 480),
        ("P3_MEDIUM", 120, 1440),
        ("P4_LOW", 1440, 7200),
    ];
    let rows: Vec<(&str, i32, i32)> = rows.iter().map(|(p, r, s)| (p.as_str(), *r, *s)).collect();
    assert_eq!(rows, expected);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn updated_at_follows_every_update(pool: PgPool) {
    let user = crate::helpers::user(&pool, "ada", ticketdesk::domain::user::Role::Admin).await;
    let before: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT updated_at FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    // A separate transaction, so CURRENT_TIMESTAMP has moved on.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let after: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "UPDATE users SET department = 'Ops' WHERE id = $1 RETURNING updated_at",
    )
    .bind(user.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(after > before, "the trigger moved updated_at forward");
}
