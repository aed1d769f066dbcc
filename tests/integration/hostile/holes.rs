//! The holes issue 13 found with the desktop credential, one test each (numbered as in the
//! issue). Each failed on the `main` before the fix; each pairs the refusal with a positive
//! control, so that none can pass by everything being broken.

use super::*;

/// The SLA sweep's advisory-lock key (hashtext('ticketdesk.sla_sweep')).
const SWEEP_KEY: i64 = 1936482914;

/// A TOTP secret for `who`, enrolled and enabled directly (the enrolment flow has its tests).
async fn enable_mfa(pool: &PgPool, who: &Person) -> totp_rs::TOTP {
    let secret = b"issue-13-hostile-totp-secret".to_vec();
    sqlx::query("UPDATE users SET mfa_secret = encode($1, 'hex'), mfa_enabled = TRUE, mfa_last_step = NULL WHERE id = $2")
        .bind(&secret)
        .bind(who.id())
        .execute(pool)
        .await
        .unwrap();
    ticketdesk::domain::mfa::totp_for(&secret, &who.username).unwrap()
}

async fn mfa_last_step(pool: &PgPool, who: &Person) -> Option<i64> {
    sqlx::query_scalar("SELECT mfa_last_step FROM users WHERE id = $1")
        .bind(who.id())
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Steps 2 and 3 with a code.
async fn finish_with_code(
    conn: &mut PgConnection,
    attempt: Uuid,
    key: &[u8],
    code: &str,
) -> Option<(String, String)> {
    sqlx::query("SELECT api.sign_in_check($1, $2, NULL, $3)")
        .bind(attempt)
        .bind(key)
        .bind(code)
        .execute(&mut *conn)
        .await
        .expect("sign_in_check answers nothing, and no error");
    sqlx::query_as("SELECT session_token, refresh_token FROM api.sign_in_complete($1)")
        .bind(attempt)
        .fetch_optional(&mut *conn)
        .await
        .unwrap()
}

// 1. ---------------------------------------------------------------- TOTP without the password

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_01_a_totp_code_is_spent_and_tested_only_behind_the_right_key(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let totp = enable_mfa(&pool, &erin).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let code = totp.generate_current().unwrap();

    // The attack: a wrong key with the right code, watching this transaction's statistics.
    let (attempt, _) = start(&mut conn, "erin").await;
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT api.sign_in_check($1, '\\x00', NULL, $2)")
        .bind(attempt)
        .bind(&code)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_denied(
        exec(
            &mut tx,
            "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relid = 'users'::regclass",
        )
        .await,
        "reading this transaction's write statistics",
        "the revoked statistics views",
    );
    tx.rollback().await.unwrap();
    assert_denied(
        exec(
            &mut conn,
            "SELECT pg_stat_get_xact_tuples_updated('users'::regclass)",
        )
        .await,
        "the function under the statistics view",
        "the revoked pg_stat_get_* functions",
    );
    // A wrong key never spends the code, committed or not.
    let (attempt, _) = start(&mut conn, "erin").await;
    assert!(finish_with_code(&mut conn, attempt, &[0u8; 32], &code)
        .await
        .is_none());
    assert_eq!(
        mfa_last_step(&pool, &erin).await,
        None,
        "a code checked behind a wrong key was spent"
    );

    // Control: the right key and the same code sign in, and only then is the code spent.
    let (attempt, _) = start(&mut conn, "erin").await;
    assert!(
        finish_with_code(&mut conn, attempt, &erin.key, &code)
            .await
            .is_some(),
        "control: the right key with the current code signs in"
    );
    assert!(mfa_last_step(&pool, &erin).await.is_some(), "spent now");
    conn.close().await.ok();
    login.remove(&pool).await;
}

// 3. ---------------------------------------------------------------- email verification

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_03_nobody_but_an_admin_issues_an_email_verification_code(pool: PgPool) {
    let admin = person(&pool, "admin", Role::Admin).await;
    let erin = person(&pool, "erin", Role::EndUser).await;
    sqlx::query("UPDATE users SET is_email_verified = FALSE")
        .execute(&pool)
        .await
        .unwrap();
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let verify_erin = format!(
        "SELECT api.email_verify(api.email_verification_issue('{}'))",
        erin.id()
    );

    assert_denied(
        exec(&mut conn, &verify_erin).await,
        "anonymous verification of any account",
        "email_verification_issue's admin check",
    );
    let tokens = sign_in(&mut conn, &erin).await;
    act_as(&mut conn, &tokens.session).await;
    assert_denied(
        exec(&mut conn, &verify_erin).await,
        "erin verifying her own address without reading the mailbox",
        "email_verification_issue's admin check",
    );
    let verified = su_count(&pool, "SELECT count(*) FROM users WHERE is_email_verified").await;
    assert_eq!(verified, 0, "nothing was verified");

    // Control: an admin issues a code, and whoever holds it verifies.
    act_as(&mut conn, "").await;
    let admin_tokens = sign_in(&mut conn, &admin).await;
    act_as(&mut conn, &admin_tokens.session).await;
    exec(&mut conn, &verify_erin)
        .await
        .expect("control: an admin's code verifies");
    let verified = su_count(
        &pool,
        &format!(
            "SELECT count(*) FROM users WHERE is_email_verified AND id = '{}'",
            erin.id()
        ),
    )
    .await;
    assert_eq!(verified, 1);
    conn.close().await.ok();
    login.remove(&pool).await;
}

// 5. and 6. ---------------------------------------------------------------- the shared server

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_05_06_no_desktop_takes_the_sweeps_lock_or_disconnects_the_others(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut attacker = login.connect().await;
    let mut victim = login.connect().await;
    let victim_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut victim)
        .await
        .unwrap();

    for attack in [
        format!("SELECT pg_advisory_lock({SWEEP_KEY})"),
        format!("SELECT pg_try_advisory_lock({SWEEP_KEY})"),
        format!("SELECT pg_advisory_lock_shared({SWEEP_KEY})"),
        format!("SELECT pg_advisory_xact_lock({SWEEP_KEY})"),
        format!("SELECT pg_terminate_backend({victim_pid})"),
        format!("SELECT pg_cancel_backend({victim_pid})"),
        "SELECT count(*) FROM pg_locks".to_string(),
        "SELECT count(*) FROM pg_stat_activity".to_string(),
    ] {
        assert_denied(
            exec(&mut attacker, &attack).await,
            &attack,
            "EXECUTE revoked from PUBLIC",
        );
    }
    // Even signed in.
    let tokens = sign_in(&mut attacker, &erin).await;
    act_as(&mut attacker, &tokens.session).await;
    assert_denied(
        exec(
            &mut attacker,
            &format!("SELECT pg_terminate_backend({victim_pid})"),
        )
        .await,
        "terminating another desktop, signed in",
        "EXECUTE revoked from PUBLIC",
    );

    // Controls: the victim is still connected, and the sweep still takes its lock and runs.
    let alive: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut victim)
        .await
        .expect("control: the other desktop is still connected");
    assert_eq!(alive, 1);
    let swept: Option<i32> = sqlx::query_scalar("SELECT api.sla_sweep(10)")
        .fetch_one(&mut victim)
        .await
        .expect("control: a desktop runs the sweep");
    assert!(swept.is_some(), "control: the sweep took its lock");
    attacker.close().await.ok();
    victim.close().await.ok();
    login.remove(&pool).await;
}

// 7. and 13. ---------------------------------------------------------------- ticket keys

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_07_ticket_numbers_and_ids_are_the_servers_so_nobody_squats_or_probes(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let tokens = sign_in(&mut conn, &w.mallory).await;
    act_as(&mut conn, &tokens.session).await;
    let next: i64 = su_count(&pool, "SELECT last_value FROM ticket_number_seq").await;
    let year = chrono::Utc::now().format("%Y");
    let me = w.mallory.id();
    let number = |n: i64| format!("TKT-{year}-{n:05}");

    // Squatting numbers a little ahead of the sequence.
    let squatted: Vec<String> = (next + 5..next + 8).map(number).collect();
    for chosen in &squatted {
        let squat = format!(
            "INSERT INTO tickets (ticket_number, title, description, category, priority, requestor_id) \
             VALUES ('{chosen}', 'squat', 'x', 'OTHER', 'P3_MEDIUM', '{me}')"
        );
        assert_denied(
            exec(&mut conn, &squat).await,
            "squatting a ticket number",
            "no INSERT on tickets (the API only, which takes no number)",
        );
        exec(
            &mut conn,
            "SELECT api.create_ticket('squat', 'x', 'OTHER', 'P3_MEDIUM', NULL, NULL)",
        )
        .await
        .expect("control: her own ticket is filed, under the server's number");
    }
    let hers: Vec<String> =
        sqlx::query_scalar("SELECT ticket_number FROM tickets WHERE title = 'squat'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(hers.len(), 3);
    assert!(
        hers.iter().all(|n| !squatted.contains(n)),
        "she kept the numbers she chose: {hers:?}"
    );
    // The app's creations walk through the numbers she aimed at.
    for i in 0..8 {
        create_ticket(
            &pool,
            w.eng.actor,
            new_ticket(&format!("After the squat {i}"), None),
        )
        .await;
    }

    // Probing for a ticket she cannot see through a duplicate id: no id can be given at all.
    let probe = format!(
        "INSERT INTO tickets (id, ticket_number, title, description, category, priority, requestor_id) \
         VALUES ('{}', 'TKT-1-1', 'probe', 'x', 'OTHER', 'P3_MEDIUM', '{me}')",
        w.erin_ticket
    );
    assert_denied(
        exec(&mut conn, &probe).await,
        "a duplicate id as an oracle (23505)",
        "no INSERT on tickets",
    );
    conn.close().await.ok();
    login.remove(&pool).await;
}

// 8. ---------------------------------------------------------------- keeping a user out

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_08_without_the_password_nobody_keeps_a_user_out_for_more_than_seconds(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    // The attack: six sign_in_start calls, no key at all.
    for _ in 0..6 {
        start(&mut conn, "erin").await;
    }
    // The back-off is seconds, not the 15 minutes the lock was.
    let wait: f64 = su_count_f64(
        &pool,
        &format!(
            "SELECT coalesce(extract(epoch FROM account_locked_until - now()), 0)::float8 \
             FROM users WHERE id = '{}'",
            erin.id()
        ),
    )
    .await;
    assert!(
        (0.0..=30.0).contains(&wait),
        "a user is kept out for {wait} s by six keyless starts"
    );
    // Inside the back-off even the right key is refused (so guessing stays slow)…
    let (attempt, _) = start(&mut conn, "erin").await;
    assert!(
        finish(&mut conn, Some(attempt), &erin.key, None)
            .await
            .is_none(),
        "an attempt made during the back-off is refused"
    );
    // …and after it erin signs in, without an admin.
    tokio::time::sleep(Duration::from_secs_f64(wait + 0.2)).await;
    sign_in(&mut conn, &erin).await;
    conn.close().await.ok();
    login.remove(&pool).await;
}

async fn su_count_f64(pool: &PgPool, sql: &str) -> f64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

// 9. ---------------------------------------------------------------- plans past row-level security

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_09_no_plan_or_statistic_reads_past_what_a_requestor_may_see(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let tokens = sign_in(&mut conn, &w.erin).await;
    act_as(&mut conn, &tokens.session).await;
    let mine: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM api.queue('{}')")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        mine,
        vec![w.erin_ticket],
        "control: erin's queue is her ticket"
    );
    // "Rows Removed by Filter" counted the rows row-level security hid; with a leakproof
    // operator on an index, a plan's row counts spelled out a file hash she may not see.
    for attack in [
        "EXPLAIN ANALYZE SELECT * FROM tickets",
        "EXPLAIN ANALYZE SELECT * FROM tickets WHERE title < 'M'",
        "EXPLAIN ANALYZE SELECT * FROM comments WHERE is_internal",
        "EXPLAIN ANALYZE SELECT * FROM attachments WHERE file_hash < '8'",
        "EXPLAIN SELECT * FROM users",
    ] {
        assert_denied(
            exec(&mut conn, attack).await,
            attack,
            "no privilege on any table: only the API's functions",
        );
    }
    // The plan of an API call is a function scan of what the function returned: her row.
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT * FROM api.queue('{}')",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("Function Scan on queue"), "{plan}");
    assert!(plan.contains("rows=1 "), "{plan}");
    assert!(!plan.contains("Removed"), "{plan}");
    conn.close().await.ok();
    login.remove(&pool).await;
}

// 10. ---------------------------------------------------------------- deleted content

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_10_a_deleted_comment_and_its_files_are_unreadable(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let tokens = sign_in(&mut conn, &w.eng).await;
    act_as(&mut conn, &tokens.session).await;
    // A file on the public comment, stored for real, so its content exists.
    let upload = stage_upload(&mut conn, b"the deleted comment's file").await;
    let file: Uuid = sqlx::query_scalar(&format!(
        "SELECT api.attach_file('{upload}', '{}', '{}', 'y.txt', 'text/plain')",
        w.erin_ticket, w.public_comment
    ))
    .fetch_one(&mut conn)
    .await
    .expect("the engineer attaches a file to his public comment");
    let in_detail = format!(
        "SELECT (SELECT count(*) FROM json_array_elements(d.comments) c \
                 WHERE c->>'id' = '{comment}') \
              + (SELECT count(*) FROM json_array_elements(d.attachments) f \
                 WHERE f->>'id' = '{file}') \
         FROM api.ticket_detail('{ticket}') d",
        comment = w.public_comment,
        ticket = w.erin_ticket
    );
    let content = format!("SELECT count(*) FROM api.attachment_content('{file}')");
    assert_eq!(
        count(&mut conn, &in_detail).await,
        2,
        "control: shown before deletion"
    );
    assert_eq!(
        count(&mut conn, &content).await,
        1,
        "control: downloadable before deletion"
    );

    let deleted: bool = sqlx::query_scalar(&format!(
        "SELECT api.delete_comment('{}')",
        w.public_comment
    ))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(deleted, "its author deletes the comment");
    assert_eq!(
        count(&mut conn, &in_detail).await,
        0,
        "the detail still shows it"
    );
    assert_eq!(
        count(&mut conn, &content).await,
        0,
        "its file is still downloadable"
    );
    for attack in [
        "SELECT content FROM comments WHERE deleted_at IS NOT NULL",
        "SELECT data FROM attachment_blob_chunks",
    ] {
        assert_denied(
            exec(&mut conn, attack).await,
            attack,
            "no grant on comments or stored files (the API only)",
        );
    }
    conn.close().await.ok();
    login.remove(&pool).await;
}

// 11. ---------------------------------------------------------------- forged escalations

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_11_no_desktop_writes_an_escalation(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let tokens = sign_in(&mut conn, &w.eng).await;
    act_as(&mut conn, &tokens.session).await;
    assert_eq!(
        su_count(&pool, "SELECT count(*) FROM escalations").await,
        1,
        "control: there is an escalation on erin's ticket to attack"
    );
    assert_denied(
        exec(&mut conn, "SELECT count(*) FROM escalations").await,
        "reading escalations directly",
        "no grant on escalations (the API will show them, issue 15)",
    );
    let forged = format!(
        "INSERT INTO escalations (ticket_id, from_user_id, to_user_id, reason, escalation_type, \
                                  status, acknowledged_at, escalated_at) \
         VALUES ('{}', '{}', '{}', 'forged', 'MANUAL', 'ACKNOWLEDGED', now(), now() - interval '1 day')",
        w.erin_ticket,
        w.mallory.id(),
        w.erin.id()
    );
    assert_denied(
        exec(&mut conn, &forged).await,
        "a forged escalation",
        "no INSERT grant on escalations",
    );
    assert_denied(
        exec(
            &mut conn,
            &format!(
                "UPDATE escalations SET to_user_id = '{}', status = 'ACKNOWLEDGED'",
                w.erin.id()
            ),
        )
        .await,
        "rerouting or acknowledging someone else's escalation",
        "no UPDATE grant on escalations",
    );
    let to_erin = su_count(
        &pool,
        &format!(
            "SELECT count(*) FROM notifications WHERE user_id = '{}' AND type = 'ESCALATION'",
            w.erin.id()
        ),
    )
    .await;
    assert_eq!(to_erin, 0, "erin was told of a forged escalation");
    conn.close().await.ok();
    login.remove(&pool).await;
}

// 12. ---------------------------------------------------------------- staff directory

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_12_a_requestor_reads_names_not_a_staff_directory(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let tokens = sign_in(&mut conn, &w.mallory).await;
    act_as(&mut conn, &tokens.session).await;
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT jsonb_object_keys(to_jsonb(u)) FROM api.active_users(NULL) u ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        columns,
        ["department", "display_name", "id", "role", "username"],
        "names, roles and departments for pickers and bylines, nothing more"
    );
    assert!(
        count(&mut conn, "SELECT count(*) FROM api.active_users(NULL)").await >= 3,
        "control: every active user is listed"
    );
    for column in ["email", "phone_number", "last_login", "first_name"] {
        assert_denied(
            exec(&mut conn, &format!("SELECT {column} FROM users")).await,
            &format!("harvesting users.{column}"),
            "no privilege on users",
        );
    }
    conn.close().await.ok();
    login.remove(&pool).await;
}

// 13. ---------------------------------------------------------------- the lower ones

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_13_known_and_unknown_logins_get_salts_alike_in_any_case(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let lower = start(&mut conn, "erin").await.1.salt;
    let upper = start(&mut conn, "ERIN").await.1.salt;
    assert_eq!(lower, erin.params.salt, "control: erin's own salt");
    assert_eq!(
        lower, upper,
        "a known login's salt changed with its case, an unknown one's never does"
    );
    let lower = start(&mut conn, "nobody").await.1.salt;
    let upper = start(&mut conn, "NOBODY").await.1.salt;
    assert_eq!(lower, upper, "an unknown login answers alike in any case");
    assert_ne!(lower, erin.params.salt);
    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_13_no_row_counts_or_storage_dates_without_a_session(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    for attack in [
        "SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'tickets'",
        "SELECT n_tup_ins FROM pg_stat_all_tables WHERE relname = 'users'",
        "SELECT heap_blks_read FROM pg_statio_user_tables",
        "SELECT pg_stat_get_live_tuples('tickets'::regclass)",
    ] {
        assert_denied(
            exec(&mut conn, attack).await,
            attack,
            "the revoked statistics",
        );
    }
    let tokens = sign_in(&mut conn, &w.eng).await;
    act_as(&mut conn, &tokens.session).await;
    for attack in [
        "SELECT created_at FROM attachment_blobs",
        "SELECT count(file_size) FROM attachment_blobs",
    ] {
        assert_denied(
            exec(&mut conn, attack).await,
            "when someone first stored a file, or whether",
            "no grant on attachment_blobs (files are read through the API)",
        );
    }
    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn hole_13_desktop_logins_get_a_connection_limit_and_server_side_timeouts(pool: PgPool) {
    let name = format!("td_limits_{}", Uuid::new_v4().simple());
    ticketdesk::db::desktop_login::create(&pool, &name)
        .await
        .unwrap();
    let (limit, config): (i32, Option<Vec<String>>) =
        sqlx::query_as("SELECT rolconnlimit, rolconfig FROM pg_roles WHERE rolname = $1")
            .bind(&name)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(limit, 60);
    let config = config.unwrap_or_default();
    for setting in [
        "statement_timeout=30s",
        "lock_timeout=10s",
        "idle_in_transaction_session_timeout=60s",
    ] {
        assert!(
            config.iter().any(|c| c == setting),
            "{setting} in {config:?}"
        );
    }
    ticketdesk::db::desktop_login::set_connection_limit(&pool, &name, 5)
        .await
        .unwrap();
    let limit: i32 = sqlx::query_scalar("SELECT rolconnlimit FROM pg_roles WHERE rolname = $1")
        .bind(&name)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(limit, 5);
    sqlx::query(&format!("DROP ROLE \"{name}\""))
        .execute(&pool)
        .await
        .unwrap();
}
