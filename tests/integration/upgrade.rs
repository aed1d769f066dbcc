//! Never break a database that exists: a database made by an earlier `main` (kept as a
//! `pg_dump` in tests/fixtures/upgrade/, with demo data and what its users did) upgrades with
//! every row intact, and its users carry on. Each fixture's README says how it was made.

use std::collections::BTreeMap;

use sqlx::PgPool;
use ticketdesk::db::{self, SchemaState};

/// main at 2026-12-04 (dad3ab7): issue 7 landed, before issue 13's API.
const MAIN_2026_12_04: &str = include_str!("../fixtures/upgrade/main-2026-12-04.sql");

/// The group roles are cluster-wide and the dump's grants name them: made here as the first
/// migration makes them, since this test may be the first to run on a fresh cluster.
const GROUP_ROLES: &str = "DO $$ BEGIN \
    BEGIN CREATE ROLE ticketdesk_desktop NOLOGIN; \
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; \
    BEGIN CREATE ROLE ticketdesk_definer NOLOGIN BYPASSRLS; \
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; \
    BEGIN CREATE ROLE ticketdesk_worker NOLOGIN; \
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; \
    END $$;";

/// Per table (schemas public and auth, but not sqlx's bookkeeping): its columns as the old
/// schema had them, its row count, and an md5 over every row of those columns.
async fn fingerprint(
    pool: &PgPool,
    columns: Option<&BTreeMap<String, Vec<String>>>,
) -> BTreeMap<String, (Vec<String>, i64, String)> {
    let tables: Vec<(String, Vec<String>)> = sqlx::query_as(
        "SELECT format('%I.%I', c.table_schema, c.table_name), \
                array_agg(format('%I', c.column_name)::text ORDER BY c.ordinal_position) \
         FROM information_schema.columns c \
         JOIN information_schema.tables t USING (table_schema, table_name) \
         WHERE c.table_schema IN ('public', 'auth') AND t.table_type = 'BASE TABLE' \
           AND c.table_name <> '_sqlx_migrations' \
         GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for (table, now) in tables {
        let cols = match columns {
            Some(old) => match old.get(&table) {
                Some(cols) => cols.clone(),
                None => continue, // a table the upgrade added
            },
            None => now,
        };
        let list = cols.join(", ");
        let (rows, digest): (i64, Option<String>) = sqlx::query_as(&format!(
            "SELECT count(*), md5(string_agg(r::text, E'\\n' ORDER BY r::text)) \
             FROM (SELECT ROW({list}) AS r FROM {table}) x"
        ))
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{table}: {e}"));
        out.insert(table, (cols, rows, digest.unwrap_or_default()));
    }
    out
}

#[sqlx::test(migrations = false)]
async fn a_database_made_by_the_previous_main_upgrades_with_every_row_intact(pool: PgPool) {
    sqlx::raw_sql(GROUP_ROLES).execute(&pool).await.unwrap();
    // On a connection of its own, closed after: the dump changes session settings
    // (search_path, row_security) that must not leak into the pool.
    let mut conn = pool.acquire().await.unwrap();
    sqlx::raw_sql(MAIN_2026_12_04)
        .execute(&mut *conn)
        .await
        .expect("the fixture restores");
    conn.close().await.unwrap();
    assert!(
        matches!(
            db::schema_state(&pool).await.unwrap(),
            SchemaState::Behind { .. }
        ),
        "control: the fixture predates this build"
    );
    let before = fingerprint(&pool, None).await;
    assert!(
        before["public.tickets"].1 >= 200 && before["public.users"].1 >= 12,
        "control: the fixture holds the demo data"
    );
    let old_columns: BTreeMap<String, Vec<String>> = before
        .iter()
        .map(|(table, (cols, _, _))| (table.clone(), cols.clone()))
        .collect();

    db::migrate(&pool).await.expect("the upgrade applies");
    assert_eq!(
        db::schema_state(&pool).await.unwrap(),
        SchemaState::UpToDate
    );
    let after = fingerprint(&pool, Some(&old_columns)).await;
    for (table, (_, rows, digest)) in &before {
        let (_, rows_after, digest_after) = after
            .get(table)
            .unwrap_or_else(|| panic!("{table} is gone after the upgrade"));
        assert_eq!(rows, rows_after, "{table}: row count changed");
        assert_eq!(digest, digest_after, "{table}: rows changed");
    }

    // Migrating again changes nothing and is still up to date (the sql/ step is repeatable).
    db::migrate(&pool).await.expect("a second migrate applies");
    assert_eq!(
        db::schema_state(&pool).await.unwrap(),
        SchemaState::UpToDate
    );
    assert_eq!(fingerprint(&pool, Some(&old_columns)).await, after);

    // Issue 14's backfills: open tickets got their response deadline and, from their history
    // and comments, their first response; tickets waiting for information an open pause.
    let (open, with_deadline, responded, waiting, paused): (i64, i64, i64, i64, i64) =
        sqlx::query_as(
            "SELECT count(*) FILTER (WHERE status NOT IN ('CLOSED', 'RESOLVED')), \
                    count(response_due_at) FILTER (WHERE status NOT IN ('CLOSED', 'RESOLVED')), \
                    count(first_response_at), \
                    count(*) FILTER (WHERE status = 'PENDING_INFO'), \
                    (SELECT count(*) FROM sla_pauses WHERE ended_at IS NULL) \
             FROM tickets",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        open > 0 && waiting > 0,
        "control: the fixture has open and waiting tickets"
    );
    assert_eq!(
        with_deadline, open,
        "every open ticket has a response deadline"
    );
    assert!(responded > 0, "first responses found in the history");
    assert_eq!(paused, waiting, "one open pause per waiting ticket");
    // The 80 % marks (sla_calendars_and_warnings): every open ticket not yet breached has its
    // resolution mark, and a mark already past counts as warned, so no burst of old warnings.
    let (unmarked, unwarned_past): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE resolution_warn_at IS NULL AND NOT sla_breach \
                                   AND status NOT IN ('CLOSED', 'RESOLVED')), \
                count(*) FILTER (WHERE resolution_warn_at <= now() AND resolution_warned_at IS NULL) \
         FROM tickets",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        unmarked, 0,
        "every open, unbreached ticket has its warning mark"
    );
    assert_eq!(unwarned_past, 0, "past marks count as warned");

    // The demo users carry on: a desktop signs in and reads the queue it had.
    let desk = crate::helpers::desktop_pool(&pool).await;
    let tokens = ticketdesk::db::auth::sign_in(
        &desk,
        "lena",
        ticketdesk::generate::demo_data::DEMO_PASSWORD,
        None,
        Some("upgrade"),
    )
    .await
    .expect("lena signs in with her demo password after the upgrade");
    let mut tx = ticketdesk::db::auth::begin_as(&desk, &tokens.session_token)
        .await
        .unwrap();
    let page: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM api.queue('{"page_rows": 201}')"#)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        page,
        before["public.tickets"].1.min(201),
        "a lead's queue shows every ticket"
    );
    tx.rollback().await.unwrap();
    desk.close().await;
}
