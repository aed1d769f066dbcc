//! The hostile client (SPEC §8, "the database is the trust boundary"): someone holding a
//! desktop's database credential — a login in `ticketdesk_desktop` — and a raw SQL connection.
//! Every test opens such a login of its own, attacks through a plain `PgConnection` (not our data
//! layer), and pairs each denial with a positive control showing the same query works for someone
//! allowed, so the suite cannot pass by everything being denied. Seeding goes through the
//! superuser pool of `#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]`, which also checks the outcome in the database.
//!
//! Tests named after a hole fail while the hole is open; their message says what got through.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use ticketdesk::db::{auth, tickets};
use ticketdesk::domain::password::{derive_key, new_verifier, KdfParams};
use ticketdesk::domain::permissions::Actor;
use ticketdesk::domain::user::Role;
use ticketdesk::error::Error;
use uuid::Uuid;

use crate::helpers::{new_ticket, user};

mod api;
mod holes;

/// The caller's own notifications, as the API lists them.
/// The tickets the session may see, as its queue lists them (the desktop reads no table).
const QUEUE_IDS: &str = "SELECT id FROM api.queue('{}')";
const QUEUE_COUNT: &str = "SELECT count(*) FROM api.queue('{}')";

const OWN_NOTIFICATIONS: &str = "SELECT id FROM api.notifications(false, NULL, NULL, 100)";

/// What an internal comment says; no END_USER may ever read it, not even in an error message.
const INTERNAL_SECRET: &str = "INTERNAL ONLY: the payroll database password is hunter2";

// ---------------------------------------------------------------- the attacker's login

/// A database login of its own, cluster-wide, so named uniquely (tests run in parallel).
struct Login {
    role: String,
    options: PgConnectOptions,
}

impl Login {
    /// A desktop credential: a member of `ticketdesk_desktop`, as every desktop has.
    async fn desktop(pool: &PgPool) -> Self {
        Self::create(pool, true).await
    }

    /// A login that is not a desktop: only what PUBLIC may do.
    async fn outsider(pool: &PgPool) -> Self {
        Self::create(pool, false).await
    }

    async fn create(pool: &PgPool, in_group: bool) -> Self {
        let role = format!("td_hostile_{}", Uuid::new_v4().simple());
        let password = Uuid::new_v4().simple().to_string();
        let group = if in_group {
            " IN ROLE ticketdesk_desktop"
        } else {
            ""
        };
        sqlx::query(&format!(
            "CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'{group}"
        ))
        .execute(pool)
        .await
        .expect("creating the attacker's login");
        let database: String = sqlx::query_scalar("SELECT current_database()")
            .fetch_one(pool)
            .await
            .unwrap();
        let options = pool
            .connect_options()
            .as_ref()
            .clone()
            .username(&role)
            .password(&password)
            .database(&database);
        Self { role, options }
    }

    async fn connect(&self) -> PgConnection {
        PgConnection::connect_with(&self.options)
            .await
            .expect("the login connects to the test database")
    }

    async fn pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(2)
            .connect_with(self.options.clone())
            .await
            .expect("a pool on the login")
    }

    /// Best effort: a role whose backend is still exiting may not drop yet; leftovers are
    /// harmless (they own nothing outside the test database).
    async fn remove(self, pool: &PgPool) {
        for _ in 0..10 {
            let _ = sqlx::query(&format!("DROP OWNED BY \"{}\"", self.role))
                .execute(pool)
                .await;
            if sqlx::query(&format!("DROP ROLE IF EXISTS \"{}\"", self.role))
                .execute(pool)
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

// ---------------------------------------------------------------- people and their data

/// A user with a real verifier, and the key their desktop would derive from their password.
struct Person {
    actor: Actor,
    username: String,
    password: String,
    params: KdfParams,
    key: Vec<u8>,
}

impl Person {
    fn id(&self) -> Uuid {
        self.actor.id
    }
}

async fn person(pool: &PgPool, username: &str, role: Role) -> Person {
    let actor = user(pool, username, role).await;
    let password = format!("{username} correct horse battery");
    let verifier = new_verifier(&password).expect("a valid password");
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&verifier)
        .bind(actor.id)
        .execute(pool)
        .await
        .unwrap();
    let params = verifier_params(&verifier);
    let key = derive_key(&password, &params).unwrap().to_vec();
    Person {
        actor,
        username: username.into(),
        password,
        params,
        key,
    }
}

/// `$tdv1$m=<KiB>,t=<iterations>,p=<lanes>$<salt>$<digest>` → the parameters to derive with.
fn verifier_params(verifier: &str) -> KdfParams {
    let parts: Vec<&str> = verifier.split('$').collect();
    let costs: Vec<u32> = parts[2]
        .split(',')
        .map(|kv| kv.split_once('=').unwrap().1.parse().unwrap())
        .collect();
    KdfParams {
        salt: parts[3].into(),
        m_cost_kib: costs[0],
        t_cost: costs[1],
        p_cost: costs[2],
    }
}

/// An engineer, two END_USERs (erin, the victim; mallory, the attacker's own account), a
/// ticket each, and on erin's ticket an internal and a public comment, an attachment on each
/// of them, an escalation and a notification each for erin and the engineer.
struct World {
    eng: Person,
    erin: Person,
    mallory: Person,
    erin_ticket: Uuid,
    eng_ticket: Uuid,
    mallory_ticket: Uuid,
    internal_comment: Uuid,
    public_comment: Uuid,
    ticket_attachment: Uuid,
    internal_attachment: Uuid,
    erin_notification: Uuid,
    eng_notification: Uuid,
}

async fn world(pool: &PgPool) -> World {
    let eng = person(pool, "eng", Role::DevopsEngineer).await;
    let erin = person(pool, "erin", Role::EndUser).await;
    let mallory = person(pool, "mallory", Role::EndUser).await;
    let erin_ticket = create_ticket(pool, erin.actor, new_ticket("Erin's laptop VPN", None))
        .await
        .id;
    let eng_ticket = create_ticket(pool, eng.actor, new_ticket("Rotate DB creds", None))
        .await
        .id;
    let mallory_ticket = create_ticket(pool, mallory.actor, new_ticket("Mallory's", None))
        .await
        .id;
    let comment = |internal: bool, content: &'static str| {
        sqlx::query_scalar::<_, Uuid>(
            "INSERT INTO comments (ticket_id, user_id, content, is_internal) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(erin_ticket)
        .bind(eng.id())
        .bind(content)
        .bind(internal)
        .fetch_one(pool)
    };
    let internal_comment = comment(true, INTERNAL_SECRET).await.unwrap();
    let public_comment = comment(false, "We are looking into it.").await.unwrap();
    let attachment = |ticket: Option<Uuid>, comment: Option<Uuid>, name: &'static str| {
        sqlx::query_scalar::<_, Uuid>(
            "INSERT INTO attachments (file_name, file_type, file_size, file_path, ticket_id, \
                                      comment_id, uploaded_by) \
             VALUES ($1, 'text/plain', 10, 'store/blob', $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(ticket)
        .bind(comment)
        .bind(eng.id())
        .fetch_one(pool)
    };
    let ticket_attachment = attachment(Some(erin_ticket), None, "vpn.log")
        .await
        .unwrap();
    let internal_attachment = attachment(None, Some(internal_comment), "creds.txt")
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO escalations (ticket_id, from_user_id, reason, escalation_type) \
         VALUES ($1, $2, 'needs a lead', 'MANUAL')",
    )
    .bind(erin_ticket)
    .bind(eng.id())
    .execute(pool)
    .await
    .unwrap();
    let notification = |to: Uuid, ticket: Uuid| {
        sqlx::query_scalar::<_, Uuid>(
            "INSERT INTO notifications (user_id, ticket_id, type, channel, message) \
             VALUES ($1, $2, 'COMMENT_ADDED', 'IN_APP', 'New comment') RETURNING id",
        )
        .bind(to)
        .bind(ticket)
        .fetch_one(pool)
    };
    let erin_notification = notification(erin.id(), erin_ticket).await.unwrap();
    let eng_notification = notification(eng.id(), eng_ticket).await.unwrap();
    // The comments above told Erin through the triggers too; keep one known row per person.
    sqlx::query("DELETE FROM notifications WHERE id <> ALL($1)")
        .bind(vec![erin_notification, eng_notification])
        .execute(pool)
        .await
        .unwrap();
    World {
        eng,
        erin,
        mallory,
        erin_ticket,
        eng_ticket,
        mallory_ticket,
        internal_comment,
        public_comment,
        ticket_attachment,
        internal_attachment,
        erin_notification,
        eng_notification,
    }
}

/// Creates a ticket through the app's use case, in a committed transaction of the owner (so the
/// seed is not itself subject to RLS).
async fn create_ticket(
    pool: &PgPool,
    actor: Actor,
    input: ticketdesk::domain::ticket::NewTicket,
) -> ticketdesk::domain::ticket::TicketSummary {
    let mut tx = pool.begin().await.unwrap();
    // The API files a ticket for the session's user: give the owner's transaction one of the
    // actor's (issue 13). The owner is no desktop, so the triggers trust it as before.
    let session: String = sqlx::query_scalar(
        "SELECT session_token FROM auth.open_session($1, 'seed', gen_random_uuid())",
    )
    .bind(actor.id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query("SELECT set_config('ticketdesk.session', $1, true)")
        .bind(&session)
        .execute(&mut *tx)
        .await
        .unwrap();
    let created = tickets::create(&mut tx, actor, input)
        .await
        .expect("creating a ticket");
    tx.commit().await.unwrap();
    created
}

// ---------------------------------------------------------------- sign-in, as the desktop does it

#[derive(Debug)]
struct Tokens {
    session: String,
    refresh: String,
}

/// Step 1 alone (commits the attempt unless `conn` is inside a transaction).
async fn start(conn: &mut PgConnection, login: &str) -> (Uuid, KdfParams) {
    let (attempt, salt, m, t, p): (Uuid, String, i32, i32, i32) = sqlx::query_as(
        "SELECT attempt_id, salt, m_cost, t_cost, p_cost FROM api.sign_in_start($1)",
    )
    .bind(login)
    .fetch_one(&mut *conn)
    .await
    .expect("sign_in_start is callable by the desktop role and always answers");
    let params = KdfParams {
        salt,
        m_cost_kib: m as u32,
        t_cost: t as u32,
        p_cost: p as u32,
    };
    (attempt, params)
}

/// Steps 2 and 3 as the app runs them (check the key, then complete), on the same connection:
/// `None` is a refused sign-in. Inside one transaction, step 3 never acts on step 2's verdict.
async fn finish(
    conn: &mut PgConnection,
    attempt: Option<Uuid>,
    key: &[u8],
    device: Option<&str>,
) -> Option<Tokens> {
    sqlx::query("SELECT api.sign_in_check($1, $2, $3)")
        .bind(attempt)
        .bind(key)
        .bind(device)
        .execute(&mut *conn)
        .await
        .expect("sign_in_check answers nothing, and no error");
    sqlx::query_as::<_, (String, String)>(
        "SELECT session_token, refresh_token FROM api.sign_in_complete($1)",
    )
    .bind(attempt)
    .fetch_optional(&mut *conn)
    .await
    .expect("sign_in_complete answers with rows, not errors")
    .map(|(session, refresh)| Tokens { session, refresh })
}

/// The legitimate sign-in (start, check, complete: three transactions) with the real password.
async fn sign_in(conn: &mut PgConnection, who: &Person) -> Tokens {
    let (attempt, params) = start(conn, &who.username).await;
    assert_eq!(
        params, who.params,
        "sign_in_start hands out the user's own salt and costs"
    );
    finish(conn, Some(attempt), &who.key, Some("desktop"))
        .await
        .unwrap_or_else(|| panic!("{} signs in with the real password", who.username))
}

/// Acts for the holder of `token` from now on (the attacker may set it for the whole session;
/// the app sets it per transaction). `""` is anonymous.
async fn act_as(conn: &mut PgConnection, token: &str) {
    sqlx::query("SELECT set_config('ticketdesk.session', $1, false)")
        .bind(token)
        .execute(&mut *conn)
        .await
        .unwrap();
}

async fn whoami(conn: &mut PgConnection) -> Option<Uuid> {
    crate::helpers::acting_user(conn).await
}

// ---------------------------------------------------------------- raw SQL and its outcomes

/// Stages a one-part upload as the current session's user; returns its id.
async fn stage_upload(conn: &mut PgConnection, data: &[u8]) -> Uuid {
    let upload = Uuid::new_v4();
    sqlx::query("SELECT api.stage_upload_chunk($1, 0, $2)")
        .bind(upload)
        .bind(data)
        .execute(&mut *conn)
        .await
        .expect("a signed-in user stages an upload");
    upload
}

/// How the app attaches a file since issue 13: one API call that seals `upload` and attaches it
/// to `ticket` in the caller's name.
fn api_attachment_sql(upload: Uuid, ticket: Uuid) -> String {
    format!("SELECT api.attach_file('{upload}', '{ticket}', NULL, 'x.txt', 'text/plain')")
}

/// One statement (so one transaction) that seals `upload` and attaches it to `ticket` in the
/// name of `by` (an SQL expression), past the API: refused since the desktop can neither seal
/// nor insert attachment rows itself.
fn sealed_attachment_sql(upload: Uuid, ticket: Uuid, by: &str) -> String {
    format!(
        "WITH s AS MATERIALIZED (SELECT * FROM seal_upload('{upload}')) \
         INSERT INTO attachments (file_name, file_type, file_size, file_path, file_hash, ticket_id, uploaded_by) \
         SELECT 'x.txt', 'text/plain', s.file_size, 'store/x', s.file_hash, '{ticket}', {by} FROM s"
    )
}

async fn exec(conn: &mut PgConnection, sql: &str) -> Result<u64, sqlx::Error> {
    sqlx::query(sql)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
}

/// What the connection can count with `sql`. A table it has no privilege on at all (the API's
/// tables, issue 13) reads as nothing: 42501 is counted as 0, a stronger "no" than RLS's.
async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    match sqlx::query_scalar(sql).fetch_one(&mut *conn).await {
        Ok(n) => n,
        Err(e) if sqlstate(&e).as_deref() == Some("42501") => 0,
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// The ids the connection can read with `sql` (none from a table it has no privilege on).
async fn ids(conn: &mut PgConnection, sql: &str) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = match sqlx::query_scalar(sql).fetch_all(&mut *conn).await {
        Ok(ids) => ids,
        Err(e) if sqlstate(&e).as_deref() == Some("42501") => Vec::new(),
        Err(e) => panic!("{sql}: {e}"),
    };
    ids.sort();
    ids
}

async fn su_count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn sqlstate(err: &sqlx::Error) -> Option<String> {
    err.as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned())
}

/// The statement must fail with SQLSTATE 42501 (insufficient privilege — also what a violated
/// RLS `WITH CHECK` raises). `why` names what should stop it.
#[track_caller]
fn assert_denied<T: std::fmt::Debug>(result: Result<T, sqlx::Error>, attack: &str, why: &str) {
    match result {
        Err(e) if sqlstate(&e).as_deref() == Some("42501") => {}
        other => {
            panic!("attack `{attack}` should be refused by {why} (SQLSTATE 42501), got {other:?}")
        }
    }
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

/// Row counts of every table an injection could hurt, and whether each still exists.
async fn database_fingerprint(pool: &PgPool) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for table in [
        "users",
        "tickets",
        "comments",
        "attachments",
        "ticket_history",
        "notifications",
        "escalations",
        "sla_policies",
        "user_sessions",
        "refresh_tokens",
        "password_resets",
        "auth.sign_in_attempts",
    ] {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(table)
            .fetch_one(pool)
            .await
            .unwrap();
        assert!(exists, "table {table} still exists");
        out.push((
            table.to_string(),
            su_count(pool, &format!("SELECT count(*) FROM {table}")).await,
        ));
    }
    let roles: Vec<(String, String, i32)> =
        sqlx::query_as("SELECT username, role, failed_login_attempts FROM users ORDER BY username")
            .fetch_all(pool)
            .await
            .unwrap();
    for (username, role, failed) in roles {
        out.push((format!("{username}:{role}:failed"), failed.into()));
    }
    out
}

const INJECTIONS: [&str; 14] = [
    "' OR '1'='1",
    "' OR '1'='1' --",
    "' OR 1=1 --",
    "admin'--",
    "admin' --",
    "admin'/*",
    "admin\" --",
    "'; DROP TABLE users; --",
    "'; UPDATE users SET role = 'ADMIN'; --",
    "' UNION SELECT gen_random_uuid(), 'x', 1, 1, 1 --",
    "$$; DROP TABLE tickets; $$",
    "%",
    "_____",
    "\\'; TRUNCATE audit_logs; --",
];

// ================================================================ privileges of the role itself

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn desktop_login_is_not_superuser_has_no_bypassrls_and_cannot_create_or_alter_objects(
    pool: PgPool,
) {
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;

    let (member, definer, superuser, bypassrls, createrole, createdb): (
        bool,
        bool,
        bool,
        bool,
        bool,
        bool,
    ) = sqlx::query_as(
        "SELECT pg_has_role(current_user, 'ticketdesk_desktop', 'MEMBER'), \
                pg_has_role(current_user, 'ticketdesk_definer', 'MEMBER'), \
                rolsuper, rolbypassrls, rolcreaterole, rolcreatedb \
         FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(
        member,
        "control: the login is a desktop (member of ticketdesk_desktop)"
    );
    assert!(
        !definer,
        "a desktop is not a member of ticketdesk_definer (which bypasses RLS)"
    );
    assert!(
        !superuser && !bypassrls && !createrole && !createdb,
        "no dangerous attributes"
    );
    let (group_super, group_bypass): (bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'ticketdesk_desktop'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(!group_super && !group_bypass, "nor does the group role");

    // The desktop reaches no table (only the API's functions), and every table keeps FORCE'd
    // row-level security, owned by someone else, as a second wall.
    let reachable: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c \
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm') \
           AND (has_table_privilege('ticketdesk_desktop', c.oid, 'SELECT, INSERT, UPDATE, DELETE') \
                OR has_any_column_privilege('ticketdesk_desktop', c.oid, 'SELECT, UPDATE'))",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        reachable,
        Vec::<String>::new(),
        "tables the desktop reaches"
    );
    let unguarded: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c \
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') \
           AND (NOT c.relrowsecurity OR NOT c.relforcerowsecurity \
                OR pg_has_role('ticketdesk_desktop', c.relowner, 'MEMBER')) \
           AND c.relname <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        unguarded.is_empty(),
        "tables without forced RLS or owned by the desktop: {unguarded:?}"
    );
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace \
         AND relkind = 'r' AND relforcerowsecurity",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        tables >= 12,
        "control: the seed's tables are there, guarded ({tables})"
    );

    for (attack, why) in [
        ("CREATE TABLE public.hostile_t (x int)", "no CREATE on schema public"),
        ("CREATE VIEW public.hostile_v AS SELECT 1", "no CREATE on schema public"),
        (
            "CREATE FUNCTION public.hostile_f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'",
            "no CREATE on schema public",
        ),
        (
            "CREATE FUNCTION auth.hostile_f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "no privilege on schema auth",
        ),
        ("CREATE SCHEMA hostile", "no CREATE on the database"),
        ("ALTER TABLE public.tickets DISABLE ROW LEVEL SECURITY", "ownership (tickets is not the desktop's)"),
        ("ALTER TABLE public.tickets NO FORCE ROW LEVEL SECURITY", "ownership"),
        ("DROP POLICY tickets_select ON public.tickets", "ownership"),
        ("ALTER FUNCTION api.sign_in_start(text) SECURITY INVOKER", "ownership"),
        (
            "ALTER FUNCTION api.sign_in_start(text) SET search_path = pg_temp, public",
            "ownership",
        ),
        ("GRANT ticketdesk_definer TO CURRENT_USER", "no ADMIN option on ticketdesk_definer"),
        ("ALTER ROLE CURRENT_USER BYPASSRLS", "only superusers grant BYPASSRLS"),
        ("ALTER ROLE CURRENT_USER SUPERUSER", "only superusers grant SUPERUSER"),
    ] {
        assert_denied(exec(&mut conn, attack).await, attack, why);
    }
    // Ticket numbers are the server's (issue 13): the desktop can neither reset the sequence
    // nor burn numbers from it.
    for attack in [
        "SELECT setval('ticket_number_seq', 1)",
        "SELECT nextval('ticket_number_seq')",
        "SELECT next_ticket_number()",
    ] {
        assert_denied(
            exec(&mut conn, attack).await,
            attack,
            "no grant on ticket_number_seq or next_ticket_number()",
        );
    }
    exec_pool(&pool, "SELECT nextval('ticket_number_seq')").await;
    // Control: the same DDL works for the owner.
    exec_pool(&pool, "CREATE TABLE public.hostile_t (x int)").await;
    exec_pool(&pool, "DROP TABLE public.hostile_t").await;

    conn.close().await.ok();
    login.remove(&pool).await;
}

async fn exec_pool(pool: &PgPool, sql: &str) {
    sqlx::query(sql)
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn definer_functions_are_not_executable_by_public_so_an_outsider_login_cannot_sign_in(
    pool: PgPool,
) {
    person(&pool, "erin", Role::EndUser).await;

    let definers: Vec<(String, bool, bool)> = sqlx::query_as(
        "SELECT p.oid::regprocedure::text, \
                p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a \
                                            WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'), \
                EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) c \
                        WHERE c LIKE 'search\\_path=%') \
         FROM pg_proc p \
         WHERE p.prosecdef \
           AND p.pronamespace IN ('api'::regnamespace, 'public'::regnamespace, 'auth'::regnamespace)",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        definers
            .iter()
            .any(|(f, _, _)| f.starts_with("api.sign_in_start")),
        "control: the catalog query finds the definer functions: {definers:?}"
    );
    for (function, public_execute, pinned) in &definers {
        assert!(
            !public_execute,
            "{function}: EXECUTE must be revoked from PUBLIC"
        );
        assert!(
            pinned,
            "{function}: SECURITY DEFINER needs a pinned search_path"
        );
    }

    // An outsider, given USAGE on the schema so only the function's EXECUTE privilege stands
    // between it and the call.
    let outsider = Login::outsider(&pool).await;
    exec_pool(
        &pool,
        &format!("GRANT USAGE ON SCHEMA api, public TO \"{}\"", outsider.role),
    )
    .await;
    let mut conn = outsider.connect().await;
    for attack in [
        "SELECT * FROM api.sign_in_start('erin')",
        "SELECT api.sign_in_check(gen_random_uuid(), '\\x00'::bytea, NULL)",
        "SELECT * FROM api.sign_in_complete(gen_random_uuid())",
        "SELECT * FROM api.refresh_session('x')",
        "SELECT api.sign_out()",
        "SELECT public.current_user_id()",
    ] {
        assert_denied(
            exec(&mut conn, attack).await,
            attack,
            "EXECUTE revoked from PUBLIC (outsider is not in ticketdesk_desktop)",
        );
    }
    assert_eq!(
        su_count(&pool, "SELECT count(*) FROM auth.sign_in_attempts").await,
        0,
        "the outsider recorded no attempt"
    );

    // Control: a desktop login may call it.
    let desktop = Login::desktop(&pool).await;
    let mut desk = desktop.connect().await;
    start(&mut desk, "erin").await;
    assert_eq!(
        su_count(&pool, "SELECT count(*) FROM auth.sign_in_attempts").await,
        1
    );

    conn.close().await.ok();
    desk.close().await.ok();
    outsider.remove(&pool).await;
    desktop.remove(&pool).await;
}

// ================================================================ acting as someone else

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn identity_cannot_be_switched_by_set_role_session_authorization_user_id_settings_or_forged_tokens(
    pool: PgPool,
) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let owner: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&pool)
        .await
        .unwrap();

    for attack in [
        format!("SET ROLE \"{owner}\""),
        "SET ROLE ticketdesk_definer".into(),
        format!("SET SESSION AUTHORIZATION \"{owner}\""),
        "SELECT set_config('role', 'ticketdesk_definer', false)".into(),
    ] {
        assert_denied(
            exec(&mut conn, &attack).await,
            &attack,
            "role membership (the desktop is a member of ticketdesk_desktop only)",
        );
    }
    // Control: the owner may switch; the desktop may only become its own group.
    let mut tx = pool.begin().await.unwrap();
    exec(&mut tx, "SET LOCAL ROLE ticketdesk_definer")
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    exec(&mut conn, "SET ROLE ticketdesk_desktop")
        .await
        .unwrap();
    exec(&mut conn, "RESET ROLE").await.unwrap();

    // Settings that look like an identity are ignored: only a session token counts.
    for setting in ["ticketdesk.user_id", "ticketdesk.user", "ticketdesk.role"] {
        let value = if setting == "ticketdesk.role" {
            "ADMIN".to_string()
        } else {
            w.eng.id().to_string()
        };
        sqlx::query("SELECT set_config($1, $2, false)")
            .bind(setting)
            .bind(&value)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    assert_eq!(
        whoami(&mut conn).await,
        None,
        "a user-id setting is not an identity"
    );
    assert_eq!(
        count(&mut conn, QUEUE_COUNT).await,
        0,
        "RLS: no session, no tickets"
    );

    // Forged, guessed, or stolen-but-hashed session tokens.
    let real = sign_in(&mut conn, &w.eng).await;
    let stored_hash: String =
        sqlx::query_scalar("SELECT session_token FROM user_sessions WHERE user_id = $1")
            .bind(w.eng.id())
            .fetch_one(&pool)
            .await
            .unwrap();
    let forged = [
        String::new(),
        "null".into(),
        w.eng.id().to_string(),
        stored_hash.clone(),
        Uuid::new_v4().simple().to_string() + &Uuid::new_v4().simple().to_string(),
        real.session.to_uppercase(),
        format!("{} ", real.session),
        real.session[..63].to_string(),
        real.refresh.clone(),
        "' OR '1'='1".into(),
        format!("{}' OR '1'='1", real.session),
    ];
    for token in &forged {
        act_as(&mut conn, token).await;
        assert_eq!(
            whoami(&mut conn).await,
            None,
            "forged token {token:?} resolves to nobody"
        );
        assert_eq!(
            count(&mut conn, QUEUE_COUNT).await,
            0,
            "forged token {token:?}: RLS shows no tickets"
        );
    }
    // Control: the real token is the engineer, who sees every ticket.
    act_as(&mut conn, &real.session).await;
    assert_eq!(whoami(&mut conn).await, Some(w.eng.id()));
    assert_eq!(count(&mut conn, QUEUE_COUNT).await, 3);

    // The app's per-transaction setting does not outlive its transaction.
    act_as(&mut conn, "").await;
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('ticketdesk.session', $1, true)")
        .bind(&real.session)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        whoami(&mut tx).await,
        Some(w.eng.id()),
        "control: inside the transaction"
    );
    tx.commit().await.unwrap();
    assert_eq!(whoami(&mut conn).await, None, "after it, anonymous again");

    conn.close().await.ok();
    login.remove(&pool).await;
}

// ================================================================ reading without a session

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn without_a_session_rls_returns_no_row_of_any_table_but_sign_in_is_callable(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let reads = [QUEUE_COUNT, "SELECT count(*) FROM api.active_users(NULL)"];
    for read in reads {
        assert_denied(
            exec(&mut conn, read).await,
            read,
            "auth.caller(): sign in first",
        );
    }
    // Notifications are read through the API only, which refuses an anonymous caller.
    assert_denied(
        exec(
            &mut conn,
            "SELECT * FROM api.notifications(false, NULL, NULL, 10)",
        )
        .await,
        "anonymous read of notifications",
        "auth.caller()",
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) FROM users WHERE username = 'erin'"
        )
        .await,
        0,
        "anonymous cannot even probe a username"
    );
    // Control: the sign-in functions work anonymously, and once signed in every table answers.
    let tokens = sign_in(&mut conn, &w.eng).await;
    act_as(&mut conn, &tokens.session).await;
    for read in reads {
        assert!(
            count(&mut conn, read).await > 0,
            "control: a signed-in engineer: {read}"
        );
    }
    assert!(
        count(
            &mut conn,
            "SELECT count(*) FROM api.notifications(false, NULL, NULL, 10)"
        )
        .await
            > 0,
        "control: a signed-in engineer reads their notifications"
    );
    // Comments, files and history through the ticket detail: nothing anonymously, all of it
    // signed in.
    let detail = format!(
        "SELECT (json_array_length(comments) + json_array_length(attachments) \
                 + json_array_length(history))::bigint FROM api.ticket_detail('{}')",
        w.erin_ticket
    );
    assert!(count(&mut conn, &detail).await > 0, "control: the detail");
    act_as(&mut conn, "").await;
    assert_denied(
        exec(&mut conn, &detail).await,
        "anonymous ticket detail",
        "auth.caller()",
    );
    conn.close().await.ok();
    login.remove(&pool).await;
}

// ================================================================ secrets

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn password_hashes_mfa_secrets_and_tokens_are_unreadable_even_from_an_engineer_session(
    pool: PgPool,
) {
    let w = world(&pool).await;
    // Mallory has MFA on (so her secret is stored); erin has a pending verification token.
    exec_pool(
        &pool,
        "UPDATE users SET mfa_enabled = TRUE, mfa_secret = '3132333435363738393031323334353637383930' \
         WHERE username = 'mallory'",
    )
    .await;
    exec_pool(
        &pool,
        "UPDATE users SET email_verification_token = 'verify-me-secret' WHERE username = 'erin'",
    )
    .await;
    sqlx::query(
        "INSERT INTO password_resets (user_id, token, expires_at) \
         VALUES ($1, 'reset-token-hash', now() + interval '1 hour')",
    )
    .bind(w.erin.id())
    .execute(&pool)
    .await
    .unwrap();
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    sign_in(&mut conn, &w.erin).await; // leaves a session, refresh token and audit row
    let tokens = sign_in(&mut conn, &w.eng).await;
    act_as(&mut conn, &tokens.session).await;

    for attack in [
        "SELECT password_hash FROM users",
        "SELECT mfa_secret FROM users",
        "SELECT email_verification_token FROM users",
        "SELECT failed_login_attempts, account_locked_until FROM users",
        "SELECT * FROM users",
        "SELECT u FROM users u",
        "SELECT row_to_json(u) FROM users u",
        "SELECT id FROM users WHERE password_hash LIKE '$tdv1$%'",
        "SELECT count(*) FROM users WHERE mfa_secret IS NOT NULL",
        "SELECT id FROM users ORDER BY password_hash",
    ] {
        assert_denied(
            exec(&mut conn, attack).await,
            attack,
            "column privileges (users grants SELECT on non-secret columns only)",
        );
    }
    for attack in [
        "SELECT * FROM user_sessions",
        "SELECT count(*) FROM user_sessions",
        "SELECT * FROM refresh_tokens",
        "SELECT * FROM password_resets",
        "SELECT * FROM audit_logs",
        "SELECT * FROM pg_statistic",
    ] {
        assert_denied(
            exec(&mut conn, attack).await,
            attack,
            "no grant on the table",
        );
    }
    for attack in [
        "SELECT * FROM auth.sign_in_attempts",
        "SELECT * FROM auth.server_secret",
        "SELECT auth.token_hash('x')",
    ] {
        assert_denied(
            exec(&mut conn, attack).await,
            attack,
            "no USAGE on schema auth",
        );
    }
    assert_denied(
        exec(&mut conn, "SELECT pg_read_file('postmaster.opts')").await,
        "pg_read_file",
        "superuser-only function",
    );

    // Planner statistics would leak most-common values: pg_stats hides columns without SELECT
    // privilege and tables under RLS.
    exec_pool(&pool, "ANALYZE users").await;
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) FROM pg_stats WHERE tablename = 'users'"
        )
        .await,
        0,
        "pg_stats shows nothing of users to the desktop"
    );
    assert_eq!(
        su_count(
            &pool,
            "SELECT count(*) FROM pg_stats WHERE tablename = 'users' AND attname = 'password_hash'"
        )
        .await,
        1,
        "control: the statistics exist"
    );

    // Control: the same session reads the non-secret columns of every user, the owner the secrets.
    let names: Vec<String> =
        sqlx::query_scalar("SELECT username FROM api.active_users(NULL) ORDER BY username")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(names, ["eng", "erin", "mallory"]);
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE username = 'erin'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(hash.starts_with("$tdv1$"));
    // What sign_in_start hands out is the salt and costs, never the digest.
    let (_, params) = start(&mut conn, "erin").await;
    assert_eq!(params.salt, hash.split('$').nth(3).unwrap());
    assert!(!format!("{params:?}").contains(hash.split('$').nth(4).unwrap()));

    conn.close().await.ok();
    login.remove(&pool).await;
}

// ================================================================ rows the user may not see

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn end_user_sees_only_own_tickets_and_no_internal_comment_not_even_by_count(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let erin = sign_in(&mut conn, &w.erin).await;
    let mallory = sign_in(&mut conn, &w.mallory).await;
    let eng = sign_in(&mut conn, &w.eng).await;

    // Comments, files and history are read through the ticket detail of the API (issue 13);
    // these ask it for each of the three tickets.
    let all = format!(
        "unnest(ARRAY['{}', '{}', '{}']::uuid[]) AS t(id), api.ticket_detail(t.id) d",
        w.erin_ticket, w.eng_ticket, w.mallory_ticket
    );
    let comments_seen =
        format!("SELECT (c->>'id')::uuid FROM {all}, json_array_elements(d.comments) c");
    let files_seen =
        format!("SELECT (f->>'id')::uuid FROM {all}, json_array_elements(d.attachments) f");
    let history_tickets =
        format!("SELECT DISTINCT d.id FROM {all} WHERE json_array_length(d.history) > 0");

    // Erin, requestor of the ticket with the internal comment.
    act_as(&mut conn, &erin.session).await;
    assert_eq!(
        ids(&mut conn, QUEUE_IDS).await,
        [w.erin_ticket],
        "tickets_select: own only"
    );
    assert_eq!(
        ids(&mut conn, &comments_seen).await,
        [w.public_comment],
        "the detail hides the internal comment on her own ticket"
    );
    for direct in [
        "SELECT count(*) FROM comments WHERE is_internal".to_string(),
        format!(
            "SELECT count(*) FROM comments WHERE id = '{}'",
            w.internal_comment
        ),
        "SELECT count(*) FROM attachments".to_string(),
        "SELECT count(*) FROM ticket_history".to_string(),
    ] {
        assert_denied(
            exec(&mut conn, &direct).await,
            &direct,
            "no grant on comments, files or history (the API only)",
        );
    }
    assert_eq!(
        ids(&mut conn, &files_seen).await,
        [w.ticket_attachment],
        "the detail hides the internal comment's attachment"
    );
    assert_eq!(
        ids(&mut conn, &history_tickets).await,
        [w.erin_ticket],
        "history: own tickets"
    );
    assert_eq!(
        ids(&mut conn, OWN_NOTIFICATIONS).await,
        [w.erin_notification],
        "api.notifications: one's own"
    );

    // Mallory, another END_USER: none of erin's data.
    act_as(&mut conn, &mallory.session).await;
    assert_eq!(ids(&mut conn, QUEUE_IDS).await, [w.mallory_ticket]);
    assert_eq!(ids(&mut conn, &comments_seen).await.len(), 0);
    assert_eq!(ids(&mut conn, &files_seen).await.len(), 0);
    assert_eq!(ids(&mut conn, &history_tickets).await, [w.mallory_ticket]);
    assert_eq!(ids(&mut conn, OWN_NOTIFICATIONS).await.len(), 0);
    let direct = format!(
        "SELECT count(*) FROM tickets WHERE id = '{}'",
        w.erin_ticket
    );
    assert_eq!(count(&mut conn, &direct).await, 0, "not even by id");

    // Control: the engineer sees everything, but only their own notifications.
    act_as(&mut conn, &eng.session).await;
    assert_eq!(
        ids(&mut conn, QUEUE_IDS).await,
        sorted(vec![w.erin_ticket, w.eng_ticket, w.mallory_ticket])
    );
    assert_eq!(
        ids(&mut conn, &comments_seen).await,
        sorted(vec![w.internal_comment, w.public_comment])
    );
    assert_eq!(
        ids(&mut conn, &files_seen).await,
        sorted(vec![w.ticket_attachment, w.internal_attachment])
    );
    assert_eq!(
        ids(&mut conn, &history_tickets).await,
        sorted(vec![w.erin_ticket, w.eng_ticket, w.mallory_ticket])
    );
    assert_eq!(
        ids(&mut conn, OWN_NOTIFICATIONS).await,
        [w.eng_notification]
    );

    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_failing_cast_cannot_leak_hidden_rows_through_its_error_message(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let erin = sign_in(&mut conn, &w.erin).await;
    let mallory = sign_in(&mut conn, &w.mallory).await;
    let eng = sign_in(&mut conn, &w.eng).await;
    let leak_comment =
        "SELECT count(*) FROM comments WHERE CASE WHEN is_internal THEN content::int ELSE 0 END > 0";
    let leak_ticket = format!(
        "SELECT count(*) FROM tickets \
         WHERE CASE WHEN requestor_id = '{}' THEN title::int ELSE 0 END > 0",
        w.erin.id()
    );

    act_as(&mut conn, &erin.session).await;
    assert_eq!(
        count(&mut conn, leak_comment).await,
        0,
        "RLS quals run before the (non-leakproof) cast: no internal row reaches it"
    );
    act_as(&mut conn, &mallory.session).await;
    assert_denied(
        exec(&mut conn, &leak_ticket).await,
        &leak_ticket,
        "no grant on tickets (the API only)",
    );

    // Comments and tickets are out of every desktop's direct reach now (issue 13), the
    // engineer's included; what the engineer may see comes through the API.
    act_as(&mut conn, &eng.session).await;
    assert_denied(
        exec(&mut conn, leak_comment).await,
        leak_comment,
        "no grant on comments (the API only)",
    );
    assert_denied(
        exec(&mut conn, &leak_ticket).await,
        &leak_ticket,
        "no grant on tickets (the API only)",
    );
    let titles: Vec<String> = sqlx::query_scalar("SELECT title FROM api.queue('{}')")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(
        titles.iter().any(|t| t == "Erin's laptop VPN"),
        "control: the engineer reads erin's ticket through the API: {titles:?}"
    );

    conn.close().await.ok();
    login.remove(&pool).await;
}

// ================================================================ writing as someone else

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn inserts_in_someone_elses_name_or_into_unseen_tickets_fail_rls_with_check(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let mallory = sign_in(&mut conn, &w.mallory).await;
    let eng = sign_in(&mut conn, &w.eng).await;
    let (me, erin, mine, theirs) = (w.mallory.id(), w.erin.id(), w.mallory_ticket, w.erin_ticket);
    act_as(&mut conn, &mallory.session).await;
    // An attachment must name a file sealed in its own transaction, so each statement seals a
    // freshly staged upload: what refuses the attacks below is then row-level security.
    let mut uploads = Vec::new();
    for _ in 0..3 {
        uploads.push(stage_upload(&mut conn, b"x").await);
    }
    let mut attachment = |ticket: Uuid, by: &str| {
        let upload = uploads
            .pop()
            .expect("one staged upload per attachment statement");
        sealed_attachment_sql(upload, ticket, by)
    };

    for (attack, why) in [
        (
            format!(
                "INSERT INTO tickets (ticket_number, title, description, category, priority, requestor_id) \
                 VALUES ('TKT-0-00000', 'Forged', 'x', 'OTHER', 'P3_MEDIUM', '{erin}')"
            ),
            "tickets_insert (requestor_id = current_user_id())",
        ),
        (
            format!("INSERT INTO comments (ticket_id, user_id, content) VALUES ('{mine}', '{erin}', 'forged')"),
            "comments_insert (user_id = current_user_id())",
        ),
        (
            format!("INSERT INTO comments (ticket_id, user_id, content) VALUES ('{mine}', NULL, 'anonymous')"),
            "comments_insert (a NULL author is not the current user)",
        ),
        (
            format!("INSERT INTO comments (ticket_id, user_id, content) VALUES ('{theirs}', '{me}', 'into an unseen ticket')"),
            "comments_insert (the ticket must be visible)",
        ),
        (
            format!(
                "INSERT INTO comments (ticket_id, user_id, content, is_internal) \
                 VALUES ('{mine}', '{me}', 'fake internal', TRUE)"
            ),
            "comments_insert (internal comments are engineers' only)",
        ),
        (
            format!("INSERT INTO ticket_history (ticket_id, user_id, action) VALUES ('{mine}', '{erin}', 'CLOSED')"),
            "no INSERT grant on ticket_history (only triggers write it)",
        ),
        (
            format!("INSERT INTO ticket_history (ticket_id, user_id, action) VALUES ('{mine}', '{me}', 'CLOSED')"),
            "no INSERT grant on ticket_history, not even in one's own name",
        ),
        (attachment(mine, &format!("'{erin}'")), "attachments_insert (uploaded_by = current_user_id())"),
        (attachment(theirs, &format!("'{me}'")), "attachments_insert (the ticket must be visible)"),
        (
            format!("INSERT INTO escalations (ticket_id, reason, escalation_type) VALUES ('{mine}', 'x', 'MANUAL')"),
            "escalations_write (engineers only)",
        ),
        (
            format!(
                "INSERT INTO notifications (user_id, ticket_id, type, channel, message) \
                 VALUES ('{}', '{theirs}', 'COMMENT_ADDED', 'IN_APP', 'phish')",
                w.eng.id()
            ),
            "no INSERT grant on notifications (only the database's triggers write them)",
        ),
        (
            format!(
                "INSERT INTO notifications (user_id, ticket_id, type, channel, message) \
                 VALUES ('{}', '{mine}', 'COMMENT_ADDED', 'IN_APP', 'phish')",
                w.eng.id()
            ),
            "no INSERT grant on notifications, not even about one's own ticket",
        ),
    ] {
        assert_denied(exec(&mut conn, &attack).await, &attack, why);
    }
    // Anonymous: no current user, so no insert passes.
    act_as(&mut conn, "").await;
    let anonymous = format!(
        "INSERT INTO tickets (ticket_number, title, description, category, priority, requestor_id) \
         VALUES ('TKT-0-00000', 'Anon', 'x', 'OTHER', 'P3_MEDIUM', '{erin}')"
    );
    assert_denied(
        exec(&mut conn, &anonymous).await,
        &anonymous,
        "tickets_insert (no session)",
    );
    // An engineer cannot file in someone else's name either.
    act_as(&mut conn, &eng.session).await;
    let as_erin = anonymous.replace("'Anon'", "'By eng as erin'");
    assert_denied(exec(&mut conn, &as_erin).await, &as_erin, "tickets_insert");

    // Controls: the same statements in one's own name, on one's own ticket.
    act_as(&mut conn, &mallory.session).await;
    let own = [
        "SELECT id FROM api.create_ticket('Mine', 'x', 'OTHER', 'P3_MEDIUM', NULL, NULL)"
            .to_string(),
        format!("SELECT api.add_comment(gen_random_uuid(), '{mine}', 'mine', false)"),
        api_attachment_sql(uploads.pop().expect("a staged upload"), mine),
    ];
    for sql in &own {
        assert_eq!(exec(&mut conn, sql).await.unwrap(), 1, "control: {sql}");
    }
    act_as(&mut conn, &eng.session).await;
    let internal = format!("SELECT api.add_comment(gen_random_uuid(), '{theirs}', 'note', true)");
    assert_eq!(
        exec(&mut conn, &internal).await.unwrap(),
        1,
        "control: an engineer writes internal notes"
    );

    let forged = su_count(
        &pool,
        "SELECT (SELECT count(*) FROM tickets WHERE title IN ('Forged', 'Anon', 'By eng as erin')) \
              + (SELECT count(*) FROM comments WHERE content IN ('forged', 'anonymous', 'into an unseen ticket', 'fake internal'))",
    )
    .await;
    assert_eq!(forged, 0, "nothing forged reached the tables");

    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn ticket_history_and_audit_logs_cannot_be_updated_deleted_or_truncated(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let eng = sign_in(&mut conn, &w.eng).await;
    let history_before = su_count(&pool, "SELECT count(*) FROM ticket_history").await;
    let audit_before = su_count(&pool, "SELECT count(*) FROM audit_logs").await;
    assert!(
        history_before > 0 && audit_before > 0,
        "control: there is history and audit to attack"
    );

    for session in [eng.session.as_str(), ""] {
        act_as(&mut conn, session).await;
        for (attack, why) in [
            (
                "UPDATE ticket_history SET new_value = '\"rewritten\"'",
                "no UPDATE grant on ticket_history",
            ),
            (
                "DELETE FROM ticket_history",
                "no DELETE grant on ticket_history",
            ),
            (
                "TRUNCATE ticket_history",
                "no TRUNCATE grant on ticket_history",
            ),
            (
                "UPDATE audit_logs SET event_status = 'SUCCESS'",
                "no grant on audit_logs",
            ),
            ("DELETE FROM audit_logs", "no grant on audit_logs"),
            ("TRUNCATE audit_logs", "no grant on audit_logs"),
            (
                "INSERT INTO audit_logs (event_type, event_status) VALUES ('LOGIN', 'SUCCESS')",
                "no grant on audit_logs",
            ),
            ("DELETE FROM tickets", "no DELETE grant on tickets"),
            (
                "DELETE FROM comments",
                "no DELETE grant on comments (soft delete only)",
            ),
            (
                "DELETE FROM notifications",
                "no DELETE grant on notifications",
            ),
            ("DELETE FROM user_sessions", "no grant on user_sessions"),
        ] {
            assert_denied(exec(&mut conn, attack).await, attack, why);
        }
    }
    assert_eq!(
        su_count(&pool, "SELECT count(*) FROM ticket_history").await,
        history_before
    );
    assert_eq!(
        su_count(&pool, "SELECT count(*) FROM audit_logs").await,
        audit_before
    );

    // Control: history is readable (through the ticket detail, issue 13), and grows only
    // through the changes it records.
    act_as(&mut conn, &eng.session).await;
    let readable = format!(
        "SELECT sum(json_array_length(d.history))::bigint \
         FROM unnest(ARRAY['{}', '{}', '{}']::uuid[]) t(id), api.ticket_detail(t.id) d",
        w.erin_ticket, w.eng_ticket, w.mallory_ticket
    );
    assert_eq!(count(&mut conn, &readable).await, history_before);
    let forged = format!(
        "INSERT INTO ticket_history (ticket_id, user_id, action) VALUES ('{}', '{}', 'COMMENT_ADDED')",
        w.eng_ticket,
        w.eng.id()
    );
    assert_denied(
        exec(&mut conn, &forged).await,
        &forged,
        "no INSERT grant on ticket_history",
    );
    let comment = format!(
        "SELECT api.add_comment(gen_random_uuid(), '{}', 'looking', false)",
        w.eng_ticket
    );
    assert_eq!(exec(&mut conn, &comment).await.unwrap(), 1);
    assert_eq!(
        count(&mut conn, &readable).await,
        history_before + 1,
        "the comment's trigger wrote its history row"
    );

    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_end_user_cannot_change_other_peoples_tickets_comments_notifications_or_roles(
    pool: PgPool,
) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let erin = sign_in(&mut conn, &w.erin).await;
    let mallory = sign_in(&mut conn, &w.mallory).await;
    let eng = sign_in(&mut conn, &w.eng).await;

    act_as(&mut conn, &mallory.session).await;
    for (attack, why) in [
        (
            format!(
                "UPDATE tickets SET title = 'pwned' WHERE id = '{}'",
                w.erin_ticket
            ),
            "tickets_update USING (not her ticket)",
        ),
        (
            "UPDATE tickets SET title = 'pwned' WHERE title <> 'Mallory''s'".into(),
            "tickets_update USING",
        ),
    ] {
        assert_denied(
            exec(&mut conn, &attack).await,
            &attack,
            &format!("no UPDATE on tickets (the API only), and before it {why}"),
        );
    }
    for (attack, why) in [
        (
            format!(
                "UPDATE tickets SET requestor_id = '{}' WHERE id = '{}'",
                w.erin.id(),
                w.mallory_ticket
            ),
            "tickets_update WITH CHECK (requestor stays the current user)",
        ),
        (
            format!(
                "UPDATE users SET role = 'ADMIN' WHERE id = '{}'",
                w.mallory.id()
            ),
            "no UPDATE grant on users",
        ),
        (
            "UPDATE notifications SET message = 'phish'".into(),
            "no grant on notifications (the API only)",
        ),
        (
            "UPDATE notifications SET read_at = now()".into(),
            "no grant on notifications (the API only)",
        ),
        (
            "UPDATE attachments SET file_path = '/etc/passwd'".into(),
            "no grant on attachments (the API only)",
        ),
        (
            "UPDATE comments SET content = 'pwned'".into(),
            "no grant on comments (the API only)",
        ),
    ] {
        assert_denied(exec(&mut conn, &attack).await, &attack, why);
    }
    // Someone else's notification is as unknown as one that does not exist (no oracle).
    let mark_erins = format!(
        "SELECT api.mark_notification_read('{}')",
        w.erin_notification
    );
    let unknown = exec(&mut conn, &mark_erins).await.unwrap_err();
    assert_eq!(sqlstate(&unknown).as_deref(), Some("P0002"), "{unknown}");
    let mark_none = format!("SELECT api.mark_notification_read('{}')", Uuid::new_v4());
    let none = exec(&mut conn, &mark_none).await.unwrap_err();
    assert_eq!(none.to_string(), unknown.to_string(), "the same answer");
    assert_eq!(
        su_count(
            &pool,
            &format!(
                "SELECT count(*) FROM notifications WHERE id = '{}' AND read_at IS NULL",
                w.erin_notification
            )
        )
        .await,
        1,
        "erin's notification is still unread"
    );
    act_as(&mut conn, &erin.session).await;
    let steal = format!(
        "SELECT api.edit_comment('{}', 0, 'pwned')",
        w.public_comment
    );
    let stolen: bool = sqlx::query_scalar(&steal)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(!stolen, "erin cannot edit the engineer's comment she sees");

    // Controls: each may change their own rows.
    let read = format!(
        "SELECT api.mark_notification_read('{}')",
        w.erin_notification
    );
    exec(&mut conn, &read)
        .await
        .expect("control: erin marks her notification read");
    act_as(&mut conn, &mallory.session).await;
    let rename = format!(
        "UPDATE tickets SET title = 'Mallory, renamed' WHERE id = '{}'",
        w.mallory_ticket
    );
    assert_denied(
        exec(&mut conn, &rename).await,
        &rename,
        "tickets_workflow (requestors only confirm or reopen)",
    );
    exec_pool(
        &pool,
        &format!(
            "UPDATE tickets SET status = 'RESOLVED', resolution_notes = 'fixed' WHERE id = '{}'",
            w.mallory_ticket
        ),
    )
    .await;
    let version = su_count(
        &pool,
        &format!(
            "SELECT version::bigint FROM tickets WHERE id = '{}'",
            w.mallory_ticket
        ),
    )
    .await;
    let confirm = format!(
        "SELECT api.change_ticket_status('{}', {version}, 'CLOSED', NULL, NULL, '')",
        w.mallory_ticket
    );
    let confirmed: bool = sqlx::query_scalar(&confirm)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(
        confirmed,
        "control: mallory confirms her own resolved ticket"
    );
    act_as(&mut conn, &eng.session).await;
    let edit = format!(
        "SELECT api.edit_comment('{}', 0, 'edited')",
        w.public_comment
    );
    let edited: bool = sqlx::query_scalar(&edit)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(edited, "control: the author edits his comment");

    let (title, requestor): (String, Uuid) =
        sqlx::query_as("SELECT title, requestor_id FROM tickets WHERE id = $1")
            .bind(w.erin_ticket)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (title.as_str(), requestor),
        ("Erin's laptop VPN", w.erin.id())
    );
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
        .bind(w.mallory.id())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(role, "END_USER");

    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_end_user_cannot_move_her_comment_or_file_into_a_ticket_she_cannot_see(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let mallory = sign_in(&mut conn, &w.mallory).await;
    act_as(&mut conn, &mallory.session).await;
    let (me, mine, theirs) = (w.mallory.id(), w.mallory_ticket, w.erin_ticket);
    let comment = Uuid::new_v4();
    let posted: bool =
        sqlx::query_scalar("SELECT api.add_comment($1, $2, 'planted by mallory', false)")
            .bind(comment)
            .bind(mine)
            .fetch_one(&mut conn)
            .await
            .expect("control: mallory comments on her own ticket");
    assert!(posted);
    let upload = stage_upload(&mut conn, b"MZ").await;
    exec(&mut conn, &api_attachment_sql(upload, mine))
        .await
        .expect("control: mallory attaches to her own ticket");
    let edited: bool =
        sqlx::query_scalar("SELECT api.edit_comment($1, 0, 'planted by mallory (edited)')")
            .bind(comment)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(edited, "control: she may edit her comment");

    // The tables themselves are out of reach (issue 13), with or without a WHERE clause.
    let moved = format!("UPDATE comments SET ticket_id = '{theirs}' WHERE id = '{comment}'");
    assert_denied(
        exec(&mut conn, &moved).await,
        &moved,
        "no grant on comments (the API only)",
    );

    // Without one, only comments_update / attachments_update WITH CHECK apply — and they do
    // not ask whether the new ticket is visible (comments_insert does).
    let comment_move = exec(
        &mut conn,
        &format!("UPDATE comments SET ticket_id = '{theirs}'"),
    )
    .await;
    let attachment_move = exec(
        &mut conn,
        &format!("UPDATE attachments SET ticket_id = '{theirs}'"),
    )
    .await;
    let planted = su_count(
        &pool,
        &format!(
            "SELECT (SELECT count(*) FROM comments WHERE ticket_id = '{theirs}' AND user_id = '{me}') \
                  + (SELECT count(*) FROM attachments WHERE ticket_id = '{theirs}' AND uploaded_by = '{me}')"
        ),
    )
    .await;
    // Clean up before the verdict, so a failing run leaves no login behind.
    conn.close().await.ok();
    login.remove(&pool).await;
    assert_eq!(
        planted, 0,
        "HOLE: END_USER mallory moved her own comment ({comment_move:?}) and attachment \
         ({attachment_move:?}) into erin's ticket, which she cannot see, with \
         `UPDATE comments SET ticket_id = '<erin's ticket>'` (no WHERE clause, so the SELECT \
         policy is not applied to the new row). comments_update's WITH CHECK only requires \
         user_id = current_user_id(), and attachments_update has no WITH CHECK (its USING \
         uploaded_by = current_user_id() is reused); neither repeats the \
         `EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id)` that comments_insert / \
         attachments_insert require. Ticket ids are broadcast on the ticketdesk_ticket channel."
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_engineer_cannot_reattribute_a_ticket_to_another_requestor(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let eng = sign_in(&mut conn, &w.eng).await;
    act_as(&mut conn, &eng.session).await;
    let forged = format!(
        "INSERT INTO tickets (ticket_number, title, description, category, priority, requestor_id) \
         VALUES ('TKT-0-00000', 'Please give eng admin rights', 'x', 'ACCESS_REQUEST', 'P2_HIGH', '{}')",
        w.erin.id()
    );
    assert_denied(
        exec(&mut conn, &forged).await,
        &forged,
        "tickets_insert (requestor_id = current_user_id())",
    );
    let ticket: Uuid = sqlx::query_scalar(
        "SELECT id FROM api.create_ticket('Please give eng admin rights', 'x', 'ACCESS_REQUEST', \
                                          'P2_HIGH', NULL, NULL)",
    )
    .fetch_one(&mut conn)
    .await
    .expect("control: the engineer files a ticket in his own name");

    let reattribute = exec(
        &mut conn,
        &format!(
            "UPDATE tickets SET requestor_id = '{}' WHERE id = '{ticket}'",
            w.erin.id()
        ),
    )
    .await;
    let requestor: Uuid = sqlx::query_scalar("SELECT requestor_id FROM tickets WHERE id = $1")
        .bind(ticket)
        .fetch_one(&pool)
        .await
        .unwrap();
    // Clean up before the verdict, so a failing run leaves no login behind.
    conn.close().await.ok();
    login.remove(&pool).await;
    assert_eq!(
        requestor,
        w.eng.id(),
        "HOLE: a DEVOPS_ENGINEER made a ticket appear filed by erin ({reattribute:?}): \
         tickets_insert refuses requestor_id <> current_user_id(), but tickets_update's WITH CHECK \
         is `current_user_is_engineer() OR requestor_id = current_user_id()`, so any engineer may \
         set requestor_id (and every other column) of any ticket to anyone — the insert check is \
         bypassed in two steps."
    );
}

// ================================================================ lockout

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn checking_the_key_in_the_attempts_own_transaction_never_signs_in(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;

    for round in 0..3 {
        let mut tx = conn.begin().await.unwrap();
        let (attempt, _) = start(&mut tx, "erin").await;
        let row = finish(&mut tx, Some(attempt), &erin.key, None).await;
        assert!(
            row.is_none(),
            "round {round}: BEGIN; sign_in_start; sign_in_check + sign_in_complete(correct key); ROLLBACK must not \
             sign in (an attempt created in its own transaction never matches)"
        );
        tx.rollback().await.unwrap();
    }
    // Committing does not help either: the check is refused, the attempt is spent.
    let mut tx = conn.begin().await.unwrap();
    let (attempt, _) = start(&mut tx, "erin").await;
    assert!(finish(&mut tx, Some(attempt), &erin.key, None)
        .await
        .is_none());
    tx.commit().await.unwrap();
    assert!(
        finish(&mut conn, Some(attempt), &erin.key, None)
            .await
            .is_none(),
        "the attempt was spent by the refused check"
    );

    // Control: the same key, checked in a later transaction, signs in.
    sign_in(&mut conn, &erin).await;
    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn made_up_foreign_expired_or_null_attempt_ids_never_sign_in(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let mallory = person(&pool, "mallory", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;

    for attempt in [Some(Uuid::new_v4()), Some(Uuid::nil()), None] {
        assert!(
            finish(&mut conn, attempt, &erin.key, None).await.is_none(),
            "made-up attempt {attempt:?} with erin's real key: no such committed attempt"
        );
    }
    // An attempt is bound to the login it was started for.
    let (mallorys, _) = start(&mut conn, "mallory").await;
    assert!(
        finish(&mut conn, Some(mallorys), &erin.key, None)
            .await
            .is_none(),
        "erin's key against mallory's attempt"
    );
    let (erins, _) = start(&mut conn, "erin").await;
    assert!(
        finish(&mut conn, Some(erins), &mallory.key, None)
            .await
            .is_none(),
        "mallory's key against erin's attempt"
    );
    // Attempts expire after two minutes.
    let (old, _) = start(&mut conn, "erin").await;
    sqlx::query(
        "UPDATE auth.sign_in_attempts SET created_at = now() - interval '3 minutes' WHERE id = $1",
    )
    .bind(old)
    .execute(&pool)
    .await
    .unwrap();
    assert!(
        finish(&mut conn, Some(old), &erin.key, None)
            .await
            .is_none(),
        "expired attempt"
    );
    assert_eq!(
        su_count(&pool, "SELECT count(*) FROM user_sessions").await,
        0,
        "no session was opened"
    );

    // Control: a fresh attempt with the real key.
    sign_in(&mut conn, &erin).await;
    sign_in(&mut conn, &mallory).await;
    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_finished_attempt_cannot_be_reused(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;

    let (attempt, _) = start(&mut conn, "erin").await;
    assert!(
        finish(&mut conn, Some(attempt), &erin.key, None)
            .await
            .is_some(),
        "control: the real key signs in once"
    );
    assert!(
        finish(&mut conn, Some(attempt), &erin.key, None)
            .await
            .is_none(),
        "a successful attempt is spent (finished_at set)"
    );
    let (attempt, _) = start(&mut conn, "erin").await;
    assert!(finish(&mut conn, Some(attempt), &[0u8; 32], None)
        .await
        .is_none());
    assert!(
        finish(&mut conn, Some(attempt), &erin.key, None)
            .await
            .is_none(),
        "a failed (committed) attempt is spent: no second guess"
    );
    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_rolled_back_check_reveals_nothing_so_every_informative_guess_costs_an_attempt(
    pool: PgPool,
) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    sign_in(&mut conn, &erin).await; // control: the real key works

    // One committed attempt, then many checks rolled back: with the wrong keys and with the
    // right one the answer is the same (nothing), because only a later transaction learns
    // the verdict of a committed check.
    let (attempt, _) = start(&mut conn, "erin").await;
    for guess in 0..20u8 {
        let key: Vec<u8> = if guess == 7 {
            erin.key.to_vec()
        } else {
            vec![guess; 32]
        };
        let mut tx = conn.begin().await.unwrap();
        assert!(
            finish(&mut tx, Some(attempt), &key, None).await.is_none(),
            "guess {guess}: a check and its completion in one transaction reveal nothing"
        );
        tx.rollback().await.unwrap();
    }
    // Committing a wrong check spends the attempt: the right key cannot be tried on it.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT api.sign_in_check($1, $2, NULL)")
        .bind(attempt)
        .bind(&[0u8; 32][..])
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let after = finish(&mut conn, Some(attempt), &erin.key, None).await;
    let failed: i32 = sqlx::query_scalar("SELECT failed_login_attempts FROM users WHERE id = $1")
        .bind(erin.id())
        .fetch_one(&pool)
        .await
        .unwrap();
    conn.close().await.ok();
    login.remove(&pool).await;
    assert!(
        after.is_none(),
        "the committed wrong check spent the attempt"
    );
    assert_eq!(
        failed, 1,
        "the attempt was counted when it started and stays counted"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn five_failures_throttle_the_account_even_when_every_check_is_rolled_back(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let mallory = person(&pool, "mallory", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    sign_in(&mut conn, &erin).await; // control: works before, and resets the count

    for guess in 0..5u8 {
        let (attempt, _) = start(&mut conn, "erin").await;
        let mut tx = conn.begin().await.unwrap();
        assert!(finish(&mut tx, Some(attempt), &[guess; 32], None)
            .await
            .is_none());
        tx.rollback().await.unwrap();
    }
    let failed: i32 = sqlx::query_scalar("SELECT failed_login_attempts FROM users WHERE id = $1")
        .bind(erin.id())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        failed, 5,
        "each committed sign_in_start counted a failure; ROLLBACK undid none"
    );

    // The rolled-back failures started the back-off; it lasts a second at first, so stretch it
    // to keep the check below independent of how busy the machine is.
    let throttled: bool = sqlx::query_scalar(
        "UPDATE users SET account_locked_until = account_locked_until + interval '30 seconds' \
         WHERE id = $1 RETURNING account_locked_until IS NOT NULL",
    )
    .bind(erin.id())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(throttled, "five rolled-back failures started the back-off");
    for login_name in ["erin", "ERIN@example.com"] {
        let (attempt, _) = start(&mut conn, login_name).await;
        assert!(
            finish(&mut conn, Some(attempt), &erin.key, None)
                .await
                .is_none(),
            "throttled: the real key via {login_name:?} is refused during the back-off"
        );
    }
    let audited = su_count(
        &pool,
        &format!(
            "SELECT count(*) FROM audit_logs WHERE user_id = '{}' AND event_type = 'ACCOUNT_LOCKED'",
            erin.id()
        ),
    )
    .await;
    assert!(audited >= 1, "the back-off is audited");

    // Control: the refusal is the lock, not a broken sign-in — an unlocked user still signs in.
    sign_in(&mut conn, &mallory).await;
    conn.close().await.ok();
    login.remove(&pool).await;
}

// ================================================================ SQL injection on the sign-in path

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn sql_injection_through_the_login_neither_signs_in_nor_changes_anything(pool: PgPool) {
    let admin = person(&pool, "admin", Role::Admin).await;
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let mut before = database_fingerprint(&pool).await;
    before
        .iter_mut()
        .find(|(t, _)| t == "auth.sign_in_attempts")
        .unwrap()
        .1 = 0;

    let long = format!("{}' OR '1'='1", "a".repeat(300));
    for payload in INJECTIONS.iter().copied().chain([long.as_str()]) {
        let (attempt, params) = start(&mut conn, payload).await;
        let user: Option<Uuid> =
            sqlx::query_scalar("SELECT user_id FROM auth.sign_in_attempts WHERE id = $1")
                .bind(attempt)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(
            user, None,
            "login {payload:?} matched no user (compared as a value)"
        );
        assert_ne!(
            params.salt, admin.params.salt,
            "{payload:?} got a fake salt, not admin's"
        );
        for key in [&admin.key, &erin.key] {
            assert!(
                finish(&mut conn, Some(attempt), key, Some(payload))
                    .await
                    .is_none(),
                "login {payload:?} does not sign in"
            );
        }
    }
    // Through the app's own sign-in too.
    let desktop = login.pool().await;
    for payload in ["admin'--", "' OR '1'='1"] {
        let err = auth::sign_in(&desktop, payload, &admin.password, None, None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Unauthenticated(_)),
            "{payload:?}: {err:?}"
        );
    }
    desktop.close().await;

    let mut after = database_fingerprint(&pool).await;
    // The only change allowed: the recorded (failed) attempts themselves.
    let attempts = after
        .iter_mut()
        .find(|(t, _)| t == "auth.sign_in_attempts")
        .unwrap();
    assert!(attempts.1 >= INJECTIONS.len() as i64);
    attempts.1 = 0;
    assert_eq!(
        after, before,
        "tables exist, counts, roles and failure counters unchanged"
    );

    // Control: the real login and key sign in through the same calls.
    let (attempt, _) = start(&mut conn, "admin").await;
    let user: Option<Uuid> =
        sqlx::query_scalar("SELECT user_id FROM auth.sign_in_attempts WHERE id = $1")
            .bind(attempt)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(user, Some(admin.id()));
    assert!(finish(&mut conn, Some(attempt), &admin.key, None)
        .await
        .is_some());

    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn sql_injection_through_the_device_is_stored_as_inert_text(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let users_before = su_count(&pool, "SELECT count(*) FROM users").await;

    for payload in INJECTIONS {
        // A failed check records the device in the audit log, as data.
        let (attempt, _) = start(&mut conn, "erin").await;
        assert!(finish(&mut conn, Some(attempt), &[7u8; 32], Some(payload))
            .await
            .is_none());
        // Control: with the real key the sign-in succeeds; the device is just a label.
        let (attempt, _) = start(&mut conn, "erin").await;
        let tokens = finish(&mut conn, Some(attempt), &erin.key, Some(payload))
            .await
            .unwrap_or_else(|| panic!("device {payload:?}: the real key still signs in"));
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT device_info FROM user_sessions \
             WHERE session_token = encode(sha256(convert_to($1, 'UTF8')), 'hex')",
        )
        .bind(&tokens.session)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(stored.as_deref(), Some(payload), "stored verbatim");
        let audited = sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM audit_logs WHERE event_type = 'LOGIN_FAILED' AND metadata->>'device' = $1",
        )
        .bind(payload)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            audited, 1,
            "the failed attempt's device is audited verbatim"
        );
    }
    database_fingerprint(&pool).await; // every table still exists
    assert_eq!(
        su_count(&pool, "SELECT count(*) FROM users").await,
        users_before
    );
    let role: String = sqlx::query_scalar("SELECT role FROM users WHERE username = 'erin'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(role, "END_USER");

    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn sql_injection_through_the_refresh_token_refreshes_nothing(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let tokens = sign_in(&mut conn, &erin).await;
    let stored_hash: String = sqlx::query_scalar("SELECT token FROM refresh_tokens")
        .fetch_one(&pool)
        .await
        .unwrap();
    let before = database_fingerprint(&pool).await;

    let prefixed = format!("{}' OR '1'='1", tokens.refresh);
    for payload in INJECTIONS.iter().copied().chain([
        stored_hash.as_str(),
        prefixed.as_str(),
        "",
        tokens.session.as_str(),
    ]) {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT session_token, refresh_token FROM api.refresh_session($1)")
                .bind(payload)
                .fetch_optional(&mut conn)
                .await
                .unwrap();
        assert!(row.is_none(), "refresh token {payload:?} refreshes nothing");
    }
    assert_eq!(
        database_fingerprint(&pool).await,
        before,
        "tables and counts unchanged"
    );
    assert_eq!(
        su_count(
            &pool,
            "SELECT count(*) FROM refresh_tokens WHERE is_revoked OR last_used_at IS NOT NULL"
        )
        .await,
        0,
        "no token was used or revoked"
    );

    // Control: the real refresh token rotates into a working session.
    let (session, _): (String, String) =
        sqlx::query_as("SELECT session_token, refresh_token FROM api.refresh_session($1)")
            .bind(&tokens.refresh)
            .fetch_one(&mut conn)
            .await
            .expect("the real refresh token refreshes");
    act_as(&mut conn, &session).await;
    assert_eq!(whoami(&mut conn).await, Some(erin.id()));

    conn.close().await.ok();
    login.remove(&pool).await;
}

// ================================================================ side channels

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn notify_payloads_carry_only_ids_that_rls_then_guards(pool: PgPool) {
    let lead = user(&pool, "lena", Role::TeamLead).await;
    let dev = user(&pool, "dev", Role::DevopsEngineer).await;
    let login = Login::desktop(&pool).await;
    let desktop = login.pool().await;
    let mut listener = PgListener::connect_with(&desktop).await.unwrap();
    listener
        .listen_all([
            tickets::TICKET_CHANNEL,
            ticketdesk::db::notifications::CHANNEL,
        ])
        .await
        .unwrap();

    let title = "Payroll DB password rotated to hunter2";
    let created = create_ticket(&pool, lead, new_ticket(title, Some(dev.id))).await;
    let notification: Uuid =
        sqlx::query_scalar("SELECT id FROM notifications WHERE ticket_id = $1")
            .bind(created.id)
            .fetch_one(&pool)
            .await
            .unwrap();

    let mut got = Vec::new();
    while got.len() < 2 {
        let n = tokio::time::timeout(Duration::from_secs(5), listener.recv())
            .await
            .expect("control: the desktop login hears both wake-ups")
            .unwrap();
        got.push((n.channel().to_string(), n.payload().to_string()));
    }
    got.sort();
    assert_eq!(
        got,
        [
            (
                ticketdesk::db::notifications::CHANNEL.to_string(),
                notification.to_string()
            ),
            (tickets::TICKET_CHANNEL.to_string(), created.id.to_string()),
        ],
        "payloads are bare ids"
    );
    for (_, payload) in &got {
        assert!(!payload.contains("Payroll") && !payload.contains(&created.ticket_number));
    }
    // What an id is worth without a session: nothing.
    let mut conn = login.connect().await;
    let probe = format!("SELECT count(*) FROM tickets WHERE id = '{}'", created.id);
    assert_eq!(
        count(&mut conn, &probe).await,
        0,
        "RLS: the id opens nothing anonymously"
    );

    drop(listener);
    desktop.close().await;
    conn.close().await.ok();
    login.remove(&pool).await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn another_desktops_tokens_never_show_in_pg_stat_activity(pool: PgPool) {
    let erin = person(&pool, "erin", Role::EndUser).await;
    let login = Login::desktop(&pool).await;
    // Another desktop on the same shared login, through the app's own data layer.
    let desktop = login.pool().await;
    let tokens = auth::sign_in(&desktop, "erin", &erin.password, None, Some("laptop"))
        .await
        .expect("control: the app signs in");
    let mut conn = login.connect().await;
    // Issue 13: another connection of the shared login no longer reads pg_stat_activity at all;
    // what it showed is checked from the owner's side, filtered to this login.
    assert_denied(
        exec(&mut conn, "SELECT count(*) FROM pg_stat_activity").await,
        "reading pg_stat_activity",
        "the revoked statistics views",
    );
    // Both ways the app opens a session's transaction: the listener's, and every command's.
    let tx = auth::begin_as(&desktop, &tokens.session_token)
        .await
        .unwrap();
    assert_no_token_in_activity(&pool, &login.role, &tokens, "ticketdesk.session").await;
    tx.rollback().await.unwrap();
    let (tx, actor) = auth::begin_acting(&desktop, &tokens.session_token)
        .await
        .unwrap();
    assert_eq!(
        actor.map(|a| a.id),
        Some(erin.id()),
        "control: acting as erin"
    );
    assert_no_token_in_activity(&pool, &login.role, &tokens, "act_as").await;
    tx.rollback().await.unwrap();
    desktop.close().await;
    conn.close().await.ok();
    login.remove(&pool).await;
}

/// What pg_stat_activity shows of the login's connections (read by the owner: the login
/// itself may not): the desktop's statement (`control` is part of it), never its tokens.
async fn assert_no_token_in_activity(
    pool: &PgPool,
    login: &str,
    tokens: &auth::SessionTokens,
    control: &str,
) {
    let queries: Vec<String> =
        sqlx::query_scalar("SELECT coalesce(query, '') FROM pg_stat_activity WHERE usename = $1")
            .bind(login)
            .fetch_all(pool)
            .await
            .unwrap();
    assert!(
        queries.iter().any(|q| q.contains(control)),
        "control: the other desktop's SQL text is readable: {queries:?}"
    );
    for q in &queries {
        assert!(
            !q.contains(&tokens.session_token) && !q.contains(&tokens.refresh_token),
            "a token appears in pg_stat_activity: {q}"
        );
    }
}

// ================================================================ pg_temp shadowing

/// The attacker's temporary `users`, shadowing public.users inside the definer functions: their
/// search_path (`pg_catalog, public`) does not list pg_temp, so PostgreSQL searches it FIRST for
/// relation names. Readable by the definer role because its owner, the attacker, grants it.
async fn shadow_users_for_sign_in(
    conn: &mut PgConnection,
    victim: &Person,
    verifier: &str,
) -> Result<Option<Tokens>, sqlx::Error> {
    exec(
        conn,
        "CREATE TEMP TABLE users (id uuid, username varchar(50), email varchar(255), \
         password_hash varchar(255), is_active boolean, role varchar(30), \
         failed_login_attempts int, account_locked_until timestamptz, last_login timestamptz)",
    )
    .await?;
    exec(conn, "GRANT ALL ON pg_temp.users TO PUBLIC").await?;
    sqlx::query("INSERT INTO pg_temp.users VALUES ($1, $2, $3, $4, TRUE, 'ADMIN', 0, NULL, NULL)")
        .bind(victim.id())
        .bind(&victim.username)
        .bind(format!("{}@example.com", victim.username))
        .bind(verifier)
        .execute(&mut *conn)
        .await?;
    let (attempt, salt): (Uuid, String) =
        sqlx::query_as("SELECT attempt_id, salt FROM api.sign_in_start($1)")
            .bind(&victim.username)
            .fetch_one(&mut *conn)
            .await?;
    let key = derive_key(
        "attacker-chosen password",
        &KdfParams {
            salt,
            ..verifier_params(verifier)
        },
    )
    .unwrap();
    sqlx::query("SELECT api.sign_in_check($1, $2, NULL)")
        .bind(attempt)
        .bind(&key[..])
        .execute(&mut *conn)
        .await?;
    sqlx::query_as::<_, (String, String)>(
        "SELECT session_token, refresh_token FROM api.sign_in_complete($1)",
    )
    .bind(attempt)
    .fetch_optional(&mut *conn)
    .await
    .map(|row| row.map(|(session, refresh)| Tokens { session, refresh }))
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn temp_tables_cannot_shadow_users_to_mint_a_session(pool: PgPool) {
    let admin = person(&pool, "admin", Role::Admin).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    sign_in(&mut conn, &admin).await; // control: only the real password is supposed to do this
    conn.close().await.ok();

    let mut conn = login.connect().await;
    let verifier = new_verifier("attacker-chosen password").unwrap();
    let outcome = shadow_users_for_sign_in(&mut conn, &admin, &verifier).await;
    let mut verdict = String::from("stopped");
    if let Ok(Some(tokens)) = &outcome {
        // A fresh connection has no temp table: the token is a real session in public.user_sessions.
        let mut fresh = login.connect().await;
        act_as(&mut fresh, &tokens.session).await;
        let who = crate::helpers::acting_user(&mut fresh).await;
        verdict = format!("fresh connection: the API acts as {who:?}");
        fresh.close().await.ok();
    }
    let sessions = su_count(
        &pool,
        &format!(
            "SELECT count(*) FROM user_sessions WHERE user_id = '{}'",
            admin.id()
        ),
    )
    .await;
    // Clean up before the verdict, so a failing run leaves no login behind.
    conn.close().await.ok();
    login.remove(&pool).await;
    assert!(
        matches!(outcome, Err(_) | Ok(None)) && sessions == 1,
        "HOLE: without admin's password, the attacker ran `CREATE TEMP TABLE users (…); GRANT ALL \
         ON pg_temp.users TO PUBLIC; INSERT INTO pg_temp.users VALUES (<admin's id>, 'admin', …, \
         <verifier of a password the attacker chose>, …)`, then sign_in_start('admin') and \
         sign_in_check + sign_in_complete(<attempt>, <key of that password>) — and got a real ADMIN session \
         ({verdict}; admin now has {sessions} sessions). The SECURITY DEFINER functions pin \
         `search_path = pg_catalog, public` without pg_temp, and PostgreSQL then searches the \
         caller's temporary schema FIRST for relations: `users`, `user_sessions`, `audit_logs` in \
         sign_in_start / sign_in_check / current_user_id / current_user_role resolve to the \
         attacker's temp tables (ticketdesk_desktop, through PUBLIC, has TEMPORARY on the \
         database). Fix: `SET search_path = pg_catalog, public, pg_temp` (or schema-qualify every \
         relation) and/or REVOKE TEMPORARY ON DATABASE FROM PUBLIC. outcome: {outcome:?}"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn temp_tables_cannot_forge_a_session_without_signing_in(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let eng = sign_in(&mut conn, &w.eng).await;
    act_as(&mut conn, &eng.session).await;
    let internal_seen = format!(
        "SELECT count(*) FROM api.ticket_detail('{}') d, json_array_elements(d.comments) c \
         WHERE (c->>'is_internal')::boolean",
        w.erin_ticket
    );
    assert_eq!(
        count(&mut conn, &internal_seen).await,
        1,
        "control: the engineer's real session sees the internal comment"
    );
    conn.close().await.ok();

    let mut conn = login.connect().await; // anonymous
    let setup = [
        "CREATE TEMP TABLE users (id uuid, role varchar(30), is_active boolean)".to_string(),
        "CREATE TEMP TABLE user_sessions (user_id uuid, session_token varchar(255), \
         is_active boolean, expires_at timestamptz)"
            .into(),
        "GRANT SELECT ON pg_temp.users, pg_temp.user_sessions TO PUBLIC".into(),
        format!(
            "INSERT INTO pg_temp.users VALUES ('{}', 'ADMIN', TRUE)",
            w.erin.id()
        ),
        format!(
            "INSERT INTO pg_temp.user_sessions VALUES ('{}', \
             encode(sha256(convert_to('forged', 'UTF8')), 'hex'), TRUE, 'infinity')",
            w.erin.id()
        ),
    ];
    let mut setup_errors = Vec::new();
    for sql in &setup {
        if let Err(e) = exec(&mut conn, sql).await {
            setup_errors.push(e.to_string());
        }
    }
    act_as(&mut conn, "forged").await;
    let who: Option<Uuid> = sqlx::query_scalar("SELECT public.current_user_id()")
        .fetch_one(&mut conn)
        .await
        .unwrap_or(None);
    let internal =
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM public.comments WHERE is_internal")
            .fetch_one(&mut conn)
            .await
            .unwrap_or(0)
            + sqlx::query_scalar::<_, i64>(&internal_seen)
                .fetch_one(&mut conn)
                .await
                .unwrap_or(0);
    let as_erin = exec(
        &mut conn,
        &format!(
            "INSERT INTO public.comments (ticket_id, user_id, content) \
             VALUES ('{}', '{}', 'written by the attacker as erin')",
            w.erin_ticket,
            w.erin.id()
        ),
    )
    .await;
    // Clean up before the verdict, so a failing run leaves no login behind.
    conn.close().await.ok();
    login.remove(&pool).await;
    assert!(
        who.is_none() && internal == 0 && as_erin.is_err(),
        "HOLE: with NO sign-in, temp tables `users (id, role, is_active)` and `user_sessions \
         (user_id, session_token, is_active, expires_at)` holding (erin, 'ADMIN') and \
         sha256('forged'), plus set_config('ticketdesk.session', 'forged'), made \
         current_user_id() = {who:?} (erin), current_user_is_engineer() true: the anonymous \
         attacker read {internal} internal comment(s) and inserted a comment as erin \
         ({as_erin:?}). current_user_id()/current_user_role() are SECURITY DEFINER with \
         `search_path = pg_catalog, public`, so unqualified `user_sessions`/`users` resolve to \
         pg_temp first; every RLS policy trusts them. setup errors: {setup_errors:?}"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_end_user_cannot_raise_her_role_with_a_temp_users_table(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let mallory = sign_in(&mut conn, &w.mallory).await;
    act_as(&mut conn, &mallory.session).await;
    assert_eq!(
        count(&mut conn, QUEUE_COUNT).await,
        1,
        "control: her own ticket"
    );
    assert_eq!(
        count(&mut conn, "SELECT count(*) FROM comments WHERE is_internal").await,
        0
    );

    let setup = [
        "CREATE TEMP TABLE users (id uuid, role varchar(30), is_active boolean)".to_string(),
        "GRANT SELECT ON pg_temp.users TO PUBLIC".into(),
        format!(
            "INSERT INTO pg_temp.users VALUES ('{}', 'ADMIN', TRUE)",
            w.mallory.id()
        ),
    ];
    for sql in &setup {
        let _ = exec(&mut conn, sql).await;
    }
    let role: Option<String> = sqlx::query_scalar("SELECT public.current_user_role()")
        .fetch_one(&mut conn)
        .await
        .unwrap_or(None);
    let tickets_seen = sqlx::query_scalar::<_, i64>(QUEUE_COUNT)
        .fetch_one(&mut conn)
        .await
        .unwrap_or(0);
    let internal =
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM public.comments WHERE is_internal")
            .fetch_one(&mut conn)
            .await
            .unwrap_or(0);
    // Clean up before the verdict, so a failing run leaves no login behind.
    conn.close().await.ok();
    login.remove(&pool).await;
    assert!(
        tickets_seen <= 1 && internal == 0,
        "HOLE: END_USER mallory, signed in for real, created `TEMP TABLE users (id, role, \
         is_active)` with (her id, 'ADMIN') and became current_user_role() = {role:?}: she now \
         sees {tickets_seen} tickets and {internal} internal comment(s). current_user_role() \
         (SECURITY DEFINER, search_path = pg_catalog, public) reads the unqualified `users`, \
         which resolves to pg_temp.users first."
    );
}

/// Attachment content: a desktop never writes stored files directly, cannot read or seal
/// someone else's staged upload, and cannot name stored content it did not upload (which
/// would confirm that someone stored a given file, and attach it to any ticket).
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn stored_files_cannot_be_forged_read_from_staging_or_claimed_by_hash(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let eng = sign_in(&mut conn, &w.eng).await;
    let mallory = sign_in(&mut conn, &w.mallory).await;

    // The engineer stores a file the honest way.
    act_as(&mut conn, &eng.session).await;
    let secret = stage_upload(&mut conn, b"db password: hunter2").await;
    let eng_staged = stage_upload(&mut conn, b"half-sent").await;
    let eng_ticket = w.eng_ticket;
    exec(&mut conn, &api_attachment_sql(secret, eng_ticket))
        .await
        .expect("control: the engineer attaches a file");
    let hash: String = sqlx::query_scalar(
        "SELECT file_hash FROM attachments WHERE ticket_id = $1 AND file_name = 'x.txt'",
    )
    .bind(eng_ticket)
    .fetch_one(&pool)
    .await
    .unwrap();

    act_as(&mut conn, &mallory.session).await;
    let me = w.mallory.id();
    let mine = w.mallory_ticket;
    for (attack, why) in [
        (
            format!("INSERT INTO attachment_blobs (file_hash, file_size, chunk_count) VALUES ('{}', 1, 1)", "0".repeat(64)),
            "no INSERT grant on attachment_blobs",
        ),
        (
            format!("INSERT INTO attachment_blob_chunks (file_hash, seq, data) VALUES ('{hash}', 1, 'evil')"),
            "no INSERT grant on attachment_blob_chunks",
        ),
        (
            format!("UPDATE attachment_blob_chunks SET data = 'evil' WHERE file_hash = '{hash}'"),
            "no UPDATE grant on attachment_blob_chunks",
        ),
        (
            format!("DELETE FROM attachment_blobs WHERE file_hash = '{hash}'"),
            "no DELETE grant on attachment_blobs",
        ),
        (
            format!(
                "INSERT INTO attachments (file_name, file_type, file_size, file_path, file_hash, ticket_id, uploaded_by) \
                 VALUES ('stolen.txt', 'text/plain', 20, 'x', '{hash}', '{mine}', '{me}')"
            ),
            "attachments_check_insert (only a file sealed in this transaction)",
        ),
        (
            "UPDATE ticket_transitions SET mover = 'ENGINEER'".to_owned(),
            "no UPDATE grant on ticket_transitions",
        ),
    ] {
        assert_denied(exec(&mut conn, &attack).await, &attack, why);
    }
    assert_eq!(
        count(
            &mut conn,
            &format!("SELECT count(*) FROM attachment_blob_chunks WHERE file_hash = '{hash}'")
        )
        .await,
        0,
        "mallory cannot read a file on a ticket she cannot see"
    );
    assert_denied(
        exec(
            &mut conn,
            &format!(
                "SELECT count(*) FROM attachment_upload_chunks WHERE upload_id = '{eng_staged}'"
            ),
        )
        .await,
        "reading someone else's staged upload",
        "no grant on the staging table (issue 13)",
    );
    let seal = sqlx::query("SELECT api.attach_file($1, $2, NULL, 'stolen.txt', 'text/plain')")
        .bind(eng_staged)
        .bind(w.mallory_ticket)
        .execute(&mut conn)
        .await;
    assert_eq!(
        seal.as_ref().err().and_then(sqlstate).as_deref(),
        Some("P0002"),
        "attaching someone else's upload finds nothing: {seal:?}"
    );
    assert_denied(
        sqlx::query("SELECT * FROM seal_upload($1)")
            .bind(eng_staged)
            .execute(&mut conn)
            .await,
        "sealing past the API",
        "no EXECUTE on seal_upload (issue 13)",
    );
    // Bulk loading (no history) is for superuser sessions; a desktop asking for it is ignored.
    let history_before = su_count(&pool, "SELECT count(*) FROM ticket_history").await;
    sqlx::query("SELECT set_config('ticketdesk.bulk_load', 'on', false)")
        .execute(&mut conn)
        .await
        .unwrap();
    exec(
        &mut conn,
        &format!("SELECT api.add_comment(gen_random_uuid(), '{mine}', 'quiet?', false)"),
    )
    .await
    .unwrap();
    assert_eq!(
        su_count(&pool, "SELECT count(*) FROM ticket_history").await,
        history_before + 1,
        "the comment still left its history row"
    );
    let blob_content: Vec<u8> =
        sqlx::query_scalar("SELECT data FROM attachment_blob_chunks WHERE file_hash = $1")
            .bind(&hash)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        blob_content, b"db password: hunter2",
        "the stored file is untouched"
    );
    conn.close().await.ok();
    login.remove(&pool).await;
}

/// api.queue() runs as the definer (so the full-text index can serve a search); it must still
/// return only tickets the caller may see.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn search_through_the_queue_finds_only_visible_tickets(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let eng = sign_in(&mut conn, &w.eng).await;
    let mallory = sign_in(&mut conn, &w.mallory).await;
    // Every world ticket has the description "Something is broken and needs a look."
    act_as(&mut conn, &mallory.session).await;
    assert_eq!(
        ids(&mut conn, FIND_BROKEN).await,
        vec![w.mallory_ticket],
        "an END_USER finds only her own tickets"
    );
    act_as(&mut conn, &eng.session).await;
    assert_eq!(
        ids(&mut conn, FIND_BROKEN).await,
        sorted(vec![w.erin_ticket, w.eng_ticket, w.mallory_ticket]),
        "control: an engineer finds every ticket"
    );
    act_as(&mut conn, "").await;
    assert_denied(
        exec(&mut conn, FIND_BROKEN).await,
        "an anonymous search",
        "auth.caller()",
    );
    conn.close().await.ok();
    login.remove(&pool).await;
}

/// api.queue() builds its statement inside a definer function: what a caller passes is only
/// ever a value of the typed filter, and an order, a page size or a filter name it does not
/// know is refused.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_queue_takes_values_never_sql(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let mallory = sign_in(&mut conn, &w.mallory).await;
    act_as(&mut conn, &mallory.session).await;
    for (filter, refusal) in [
        (r#"{"sort": "NEWEST; SELECT 1"}"#, "unknown order"),
        (r#"{"page_rows": 100000}"#, "is not a page"),
        (
            r#"{"search": "broken", "sort": "RELEVANCE", "evil": 1}"#,
            "unknown filter evil",
        ),
        (r#"{"sort": "RELEVANCE"}"#, "needs search text"),
        (r#"[]"#, "JSON object"),
    ] {
        let err = sqlx::query("SELECT * FROM api.queue($1::jsonb)")
            .bind(filter)
            .fetch_all(&mut conn)
            .await
            .expect_err(filter);
        assert_eq!(sqlstate(&err).as_deref(), Some("22023"), "{filter}: {err}");
        assert!(err.to_string().contains(refusal), "{filter}: {err}");
    }
    let injected: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM api.queue($1::jsonb)")
        .bind(r#"{"search": "broken", "environment": "x') OR TRUE OR (lower('x"}"#)
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert!(
        injected.is_empty(),
        "an environment filter that reads like SQL matches no environment"
    );
    assert_eq!(
        ids(&mut conn, FIND_BROKEN).await,
        vec![w.mallory_ticket],
        "control: the same search, honest, finds her ticket"
    );
    conn.close().await.ok();
    login.remove(&pool).await;
}

const FIND_BROKEN: &str = r#"SELECT id FROM api.queue('{"search": "broken"}')"#;

/// api.queue(filter, session) brings its own token: a forged or empty token is refused (28000,
/// "session ended") even on a connection whose transaction already acts for someone, and the
/// token, not the connection's earlier session, decides what is seen.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_queue_acts_only_for_the_token_it_brings(pool: PgPool) {
    let w = world(&pool).await;
    let login = Login::desktop(&pool).await;
    let mut conn = login.connect().await;
    let eng = sign_in(&mut conn, &w.eng).await;
    let mallory = sign_in(&mut conn, &w.mallory).await;
    const WITH_TOKEN: &str = r#"SELECT id FROM api.queue('{"search": "broken"}', $1)"#;
    let as_token = |token: String| sqlx::query_scalar::<_, Uuid>(WITH_TOKEN).bind(token);

    for forged in ["forged-token", "", &eng.session[..eng.session.len() - 1]] {
        let mut tx = conn.begin().await.unwrap();
        // The transaction acts for the engineer: a bad token must not fall back to that.
        sqlx::query("SELECT * FROM api.act_as($1)")
            .bind(&eng.session)
            .execute(&mut *tx)
            .await
            .unwrap();
        let err = as_token(forged.to_owned())
            .fetch_all(&mut *tx)
            .await
            .expect_err("a forged token lists nothing");
        assert_eq!(
            sqlstate(&err).as_deref(),
            Some("28000"),
            "{forged:?}: {err}"
        );
    }
    let mut mine = as_token(mallory.session.clone())
        .fetch_all(&mut conn)
        .await
        .unwrap();
    mine.sort();
    assert_eq!(
        mine,
        vec![w.mallory_ticket],
        "mallory's token: her ticket only"
    );
    let mut all = as_token(eng.session.clone())
        .fetch_all(&mut conn)
        .await
        .unwrap();
    all.sort();
    assert_eq!(
        all,
        sorted(vec![w.erin_ticket, w.eng_ticket, w.mallory_ticket]),
        "control: the engineer's token finds every ticket"
    );
    conn.close().await.ok();
    login.remove(&pool).await;
}
