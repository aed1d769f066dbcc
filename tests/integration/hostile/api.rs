//! Issue 13's design, as properties of the catalog: the desktop login reaches data through the
//! `api` schema of functions alone (no privilege on any table), and the functions outside it it
//! may still execute are on a list that only shrinks. Every API function refuses an anonymous
//! caller.

use super::*;

async fn desktop_table_privileges(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT n.nspname || '.' || c.relname || ':' || x.privilege_type \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, \
              aclexplode(c.relacl) x \
         WHERE x.grantee = 'ticketdesk_desktop'::regrole \
         UNION \
         SELECT n.nspname || '.' || c.relname || '.' || a.attname || ':' || x.privilege_type \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(a.attacl) x \
         WHERE x.grantee = 'ticketdesk_desktop'::regrole \
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Functions outside PostgreSQL's own catalog the desktop group may execute (directly or
/// through PUBLIC), extension members (pgcrypto) included, as `schema.name(arguments)`.
async fn desktop_functions(pool: &PgPool, in_api: bool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT n.nspname || '.' || p.proname || '(' \
                || pg_get_function_identity_arguments(p.oid) || ')' \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND (n.nspname = 'api') = $1 \
           AND has_function_privilege('ticketdesk_desktop', p.oid, 'EXECUTE') \
         ORDER BY 1",
    )
    .bind(in_api)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_desktop_executes_the_api_and_holds_nothing_else(pool: PgPool) {
    assert_eq!(
        desktop_table_privileges(&pool).await,
        Vec::<String>::new(),
        "ticketdesk_desktop holds no privilege on any table, view, sequence or column"
    );
    assert_eq!(
        desktop_functions(&pool, false).await,
        Vec::<String>::new(),
        "functions outside api the desktop may execute (pgcrypto's included)"
    );
    let api = desktop_functions(&pool, true).await;
    for expected in [
        "api.queue(p_filter jsonb, p_session text)",
        "api.sign_in_start(p_login text)",
    ] {
        assert!(
            api.iter().any(|f| f == expected),
            "control: the desktop executes {expected}: {api:?}"
        );
    }
    // The tables moved to the API so far are out of reach, LOCK included (hole 4).
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    for table in [
        "notification_preferences",
        "attachment_upload_chunks",
        "notifications",
        "escalations",
        "sla_policies",
        "sla_pauses",
        "_sqlx_migrations",
        "comments",
        "attachments",
        "attachment_blobs",
        "attachment_blob_chunks",
        "ticket_history",
        "ticket_transitions",
        "tickets",
        "users",
    ] {
        for attack in [
            format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"),
            format!("LOCK TABLE {table} IN ACCESS SHARE MODE"),
            format!("EXPLAIN ANALYZE SELECT * FROM {table}"),
            format!("SELECT count(*) FROM {table}"),
        ] {
            let mut tx = conn.begin().await.unwrap();
            assert_denied(
                exec(&mut tx, &attack).await,
                &attack,
                "no privilege on the table (issue 13, hole 4)",
            );
        }
    }
    // Hole 13's helpers, called directly: sla_policy_for() answered with no session,
    // seal_upload() + attachment_sealed() stored 50 MB a call that nothing referenced, and
    // pgcrypto's functions were everyone's. Each is refused; the owner's connection (the
    // control) runs the same call.
    for attack in [
        "SELECT * FROM public.sla_policy_for('P1_CRITICAL', 'OTHER', current_date)",
        "SELECT * FROM public.seal_upload(gen_random_uuid())",
        "SELECT public.attachment_sealed('0', 0)",
        "SELECT public.current_user_id()",
        "SELECT public.digest('x'::text, 'sha256')",
    ] {
        let mut tx = conn.begin().await.unwrap();
        assert_denied(
            exec(&mut tx, attack).await,
            attack,
            "EXECUTE only on api (sql/server/privileges.sql)",
        );
        let mut owner = pool.begin().await.unwrap();
        // (seal_upload itself then refuses the owner, who has no session: "sign in first".)
        if let Err(e) = exec(&mut owner, attack).await {
            assert!(
                !e.to_string().contains("permission denied"),
                "control: the owner may call {attack}: {e}"
            );
        }
    }
    conn.close().await.ok();
    login.remove(&pool).await;
}

/// A call of `function` (a `schema.name(arguments)` from the catalog) with NULL for every
/// argument, cast to its type.
async fn null_call(pool: &PgPool, function: &str) -> String {
    let (name, types): (String, Vec<String>) = sqlx::query_as(
        "SELECT format('%I.%I', n.nspname, p.proname), \
                coalesce(array_agg(format_type(t.oid, NULL) ORDER BY a.i) \
                         FILTER (WHERE t.oid IS NOT NULL), '{}') \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         LEFT JOIN LATERAL unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, i) ON TRUE \
         LEFT JOIN pg_type t ON t.oid = a.t \
         WHERE n.nspname || '.' || p.proname || '(' \
               || pg_get_function_identity_arguments(p.oid) || ')' = $1 \
         GROUP BY 1",
    )
    .bind(function)
    .fetch_one(pool)
    .await
    .unwrap();
    let args: Vec<String> = types.iter().map(|t| format!("NULL::{t}")).collect();
    format!("SELECT {name}({})", args.join(", "))
}

/// API functions a desktop calls before anyone signs in, or with a session that may have ended:
/// the schema check, the sign-in steps, renewing, resuming and ending a session, and redeeming
/// a password-reset code from the sign-in screen. Each answers nothing to a caller without a
/// live session (their own tests show what each refuses).
const BEFORE_SIGN_IN: &[&str] = &[
    "api.schema_version()",
    "api.sign_in_start(p_login text)",
    "api.sign_in_check(p_attempt uuid, p_key bytea, p_device text, p_code text)",
    "api.sign_in_complete(p_attempt uuid)",
    "api.refresh_session(p_refresh text)",
    "api.act_as(p_session text)",
    "api.sign_out()",
    "api.password_reset_complete(p_token text, p_verifier text)",
    // Whoever holds the code read the mailbox; a code only an admin can issue.
    "api.email_verify(p_token text)",
    // Server housekeeping every desktop runs, signed in or not; it acts for nobody.
    "api.sla_sweep(p_batch integer)",
];

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn every_api_function_refuses_an_anonymous_caller(pool: PgPool) {
    // An admin for the control: the admin-only functions refuse anyone else with 42501 too.
    let ada = person(&pool, "ada", Role::Admin).await;
    let functions = desktop_functions(&pool, true).await;
    assert!(
        functions.len() >= 3,
        "control: the API has its functions: {functions:?}"
    );
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let tokens = sign_in(&mut conn, &ada).await;
    for function in functions
        .iter()
        .filter(|f| !BEFORE_SIGN_IN.contains(&f.as_str()))
    {
        let call = null_call(&pool, function).await;
        // Anonymous, and with a session that is not (any longer) one.
        for session in ["", "not-a-session-token"] {
            let mut tx = conn.begin().await.unwrap();
            act_as(&mut tx, session).await;
            assert_denied(
                exec(&mut tx, &call).await,
                &call,
                "auth.caller() at the function's start",
            );
        }
        // Control: signed in, the same call gets past the caller check (it may still refuse
        // its NULL arguments, but not as 'sign in first').
        let mut tx = conn.begin().await.unwrap();
        act_as(&mut tx, &tokens.session).await;
        if let Err(e) = exec(&mut tx, &call).await {
            assert_ne!(
                sqlstate(&e).as_deref(),
                Some("42501"),
                "{call} refused a signed-in caller: {e}"
            );
        }
    }
    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn clearing_the_session_mid_statement_does_not_act_as_nobody(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let tokens = sign_in(&mut conn, &erin).await;
    // Hole 2's trick against the API: the second call of the statement runs with the session
    // cleared. Each call resolves its caller at its start, so the second is anonymous and the
    // whole statement fails: nothing is written in nobody's name.
    let attack = format!(
        "SELECT api.set_notification_preference('ESCALATED', 'EMAIL', g = 1) \
         FROM generate_series(1, 2) g \
         WHERE set_config('ticketdesk.session', CASE WHEN g = 1 THEN '{}' ELSE '' END, true) \
               IS NOT NULL",
        tokens.session
    );
    let mut tx = conn.begin().await.unwrap();
    assert_denied(
        exec(&mut tx, &attack).await,
        "clearing the session between two calls of one statement",
        "auth.caller() in every call",
    );
    tx.rollback().await.unwrap();
    assert_eq!(
        su_count(&pool, "SELECT count(*) FROM notification_preferences").await,
        0
    );
    // Control: the same statement with the session kept writes erin's choice, as erin.
    let kept = attack.replace("ELSE ''", &format!("ELSE '{}'", tokens.session));
    let mut tx = conn.begin().await.unwrap();
    exec(&mut tx, &kept).await.expect("control");
    tx.commit().await.unwrap();
    assert_eq!(
        su_count(
            &pool,
            &format!(
                "SELECT count(*) FROM notification_preferences WHERE user_id = '{}'",
                erin.id()
            )
        )
        .await,
        1
    );
    conn.close().await.ok();
    login.remove(&pool).await;
}

/// The worker login: no table at all, only its outbox functions, the schema check and the
/// sweep; and the desktop may execute none of the outbox functions (they hand out addresses).
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_workers_privileges_are_its_outbox_functions_only(pool: PgPool) {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname || '.' || c.relname || ':' || x.privilege_type \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, \
              aclexplode(c.relacl) x \
         WHERE x.grantee = 'ticketdesk_worker'::regrole \
         UNION \
         SELECT n.nspname || '.' || c.relname || '.' || a.attname || ':' || x.privilege_type \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(a.attacl) x \
         WHERE x.grantee = 'ticketdesk_worker'::regrole",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        tables,
        Vec::<String>::new(),
        "the worker's table privileges"
    );
    let functions: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname || '.' || p.proname FROM pg_proc p \
         JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname IN ('api', 'public', 'auth') \
           AND has_function_privilege('ticketdesk_worker', p.oid, 'EXECUTE') \
         ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        functions,
        [
            "api.outbox_claim",
            "api.outbox_failed",
            "api.outbox_next_due_ms",
            "api.outbox_release",
            "api.outbox_retry",
            "api.outbox_sent",
            "api.outbox_waiting_elsewhere",
            "api.schema_version",
            "api.sla_sweep",
        ]
    );
    let desktop_may: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'api'::regnamespace \
         AND p.proname LIKE 'outbox\\_%' \
         AND has_function_privilege('ticketdesk_desktop', p.oid, 'EXECUTE')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(desktop_may, 0, "a desktop may call an outbox function");
}

/// The ids `api.queue` answers on `conn` for `filter`.
async fn queue_ids(conn: &mut PgConnection, filter: &str) -> Vec<Uuid> {
    let mut tx = conn.begin().await.unwrap();
    let ids = sqlx::query_scalar("SELECT id FROM api.queue($1::jsonb)")
        .bind(filter)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    ids
}

/// The connection's prepared queue shapes, by name and text.
async fn queue_shapes(conn: &mut PgConnection) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT name, statement FROM pg_prepared_statements \
         WHERE name LIKE 'ticketdesk\\_queue\\_%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_statement_squatting_the_queues_prepared_name_is_replaced_not_run(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let ivan = person(&pool, "ivan", Role::EndUser).await;
    let mine = create_ticket(
        &pool,
        erin.actor,
        crate::helpers::new_ticket("erin's", None),
    )
    .await;
    create_ticket(
        &pool,
        ivan.actor,
        crate::helpers::new_ticket("ivan's", None),
    )
    .await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let tokens = sign_in(&mut conn, &erin).await;
    act_as(&mut conn, &tokens.session).await;

    // Control: erin's queue is her ticket, and the shape is now prepared on her connection.
    assert_eq!(queue_ids(&mut conn, "{}").await, vec![mine.id]);
    let shapes = queue_shapes(&mut conn).await;
    assert_eq!(shapes.len(), 1, "{shapes:?}");
    let (name, ours) = shapes[0].clone();

    // The desktop shares the session: it swaps in a statement of that name that answers every
    // ticket (its privileges do not matter to a statement the definer would run).
    exec(&mut conn, &format!("DEALLOCATE \"{name}\""))
        .await
        .unwrap();
    let hostile = format!(
        "PREPARE \"{name}\"(text, uuid) AS SELECT t.id, t.ticket_number, t.title, t.status, \
         t.priority, t.category, t.environment, t.requestor_id, ''::text, t.assignee_id, \
         ''::text, t.created_at, t.updated_at, 0::real FROM public.tickets t"
    );
    exec(&mut conn, &hostile).await.expect("anyone may prepare");
    assert_eq!(
        queue_ids(&mut conn, "{}").await,
        vec![mine.id],
        "the squatter's statement ran as the definer"
    );
    assert_eq!(
        queue_shapes(&mut conn).await,
        vec![(name, ours)],
        "api.queue put its own statement back"
    );
    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_connection_keeps_at_most_64_queue_shapes(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let tokens = sign_in(&mut conn, &erin).await;
    act_as(&mut conn, &tokens.session).await;
    // Every page size is a shape of its own (the LIMIT is part of the plan).
    for rows in 1..=70 {
        queue_ids(&mut conn, &format!("{{\"page_rows\": {rows}}}")).await;
        let kept = queue_shapes(&mut conn).await.len();
        assert!((1..=64).contains(&kept), "after {rows} shapes: {kept} kept");
    }
    // Control: below the cap nothing is forgotten.
    assert_eq!(queue_shapes(&mut conn).await.len(), 70 - 64);
    conn.close().await.ok();
    login.remove(&pool).await;
}
