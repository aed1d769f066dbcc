//! Synthetic data at benchmark scale (issue 7): `ticketdesk demo-data --scale N` adds N tickets
//! with ~5 comments and ~10 history rows each (skewed: most tickets few, some many), a few
//! hundred users in every role, ~1 in-app notification per ticket and a few attachments, on top
//! of the demo data (so `ticketdesk bench` still signs in as `dev` and `lena`).
//!
//! How it stays fast: set-based `INSERT … SELECT` over `generate_series`, 100,000 tickets a
//! batch, on two connections of the owner (superuser) so both cores work; in each batch's
//! transaction `session_replication_role = replica` (no triggers, no foreign-key checks, no
//! pg_notify storm), `synchronous_commit = off` and no JIT. For a load that at least doubles
//! the tickets, the non-constraint indexes of the bulk tables are dropped first and re-created
//! afterwards by re-running the migrations' own `CREATE INDEX` statements (each checked against
//! its `pg_get_indexdef` from before), the GIN index on one connection while the rest build on
//! the other; then `VACUUM (ANALYZE)`.
//!
//! Because no trigger runs, this module writes what the triggers would have: every history row
//! (CREATED, ASSIGNED, STATUS_CHANGED, …, one COMMENT_ADDED per comment and one
//! ATTACHMENT_ADDED per attachment, through the triggers' own format functions in
//! `sql/tickets/history_format.sql`), `version`, `reopen_count`,
//! `resolved_at`/`closed_at`, `status_before_escalation`; rows reference existing users and
//! tickets by construction (an integration test checks every foreign key). A trigger that fires
//! on insert into one of these tables and that this module does not know stops the generator:
//! teach it what the trigger does first.
//!
//! Everything synthetic has a deterministic id in a range of its own (the last 48 bits count),
//! so ids grow with insertion order (cheap primary-key inserts) and a second run knows what is
//! there: it adds only the tickets that are missing to reach N, or nothing. Each batch commits
//! on its own; a run that stops half-way leaves whole batches, and the next run adds the rest
//! and re-creates any migration index still missing.
//!
//! The statements are in `generate/sql/synthetic/`, one a file; `render` fills in what comes
//! from the constants here (id ranges, word lists). The vocabulary is in `generate/data/`.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::user::Role;
use crate::generate::demo_data;

/// Tickets per statement.
pub const DEFAULT_BATCH: u64 = 100_000;
/// Synthetic users beside the 12 demo users.
pub const USER_COUNT: usize = 400;
/// Distinct attachment files (attachments share them, as content-addressed storage does).
const BLOB_COUNT: i64 = 300;

// Each kind of synthetic row owns an id range: `<prefix>-<48-bit counter>`.
const USER_PREFIX: &str = "5d170000-0000-4000-8000-";
const TICKET_PREFIX: &str = "5d170001-0000-4000-8000-";
const COMMENT_PREFIX: &str = "5d170002-0000-4000-8000-";
const HISTORY_PREFIX: &str = "5d170003-0000-4000-8000-";
const NOTIFICATION_PREFIX: &str = "5d170004-0000-4000-8000-";
const ATTACHMENT_PREFIX: &str = "5d170005-0000-4000-8000-";
const COUNTER_MASK: u128 = 0xffff_ffff_ffff;
/// History rows per ticket: slots 0–15 lifecycle, 16+j comment j, 240+ attachments.
const HISTORY_SLOTS: i64 = 256;
const MAX_COMMENTS: i64 = 150;

/// The tables the load writes with triggers off, and the insert triggers whose work it does
/// itself. Any other insert trigger on them makes the generator refuse to run.
const LOADED_TABLES: &[&str] = &[
    "users",
    "tickets",
    "comments",
    "ticket_history",
    "notifications",
    "attachments",
    "attachment_blobs",
    "attachment_blob_chunks",
];
const KNOWN_INSERT_TRIGGERS: &[&str] = &[
    // Ids and numbers: the loader writes its own (a block of the sequence, see below), which
    // the trigger keeps for anyone but a desktop.
    "trg_tickets_a_server_keys",
    "trg_tickets_check_insert",
    // The SLA policy and deadline: written by the loader (`syn_sla`), business hours spread
    // evenly over the week rather than counted day by day.
    "trg_tickets_check_insert_sla",
    "trg_tickets_history_insert",
    "trg_tickets_notify_insert",
    // The escalation a P1 starts (issue 15): the loader writes none, so synthetic P1 tickets
    // carry no escalation; the bench does not measure the ladder yet.
    "trg_tickets_ladder_insert",
    "trg_comments_check_insert",
    "trg_comments_after_insert",
    "trg_comments_notify_insert",
    "trg_attachments_check_insert",
    "trg_attachments_history",
];
/// Their non-constraint indexes are dropped for a large load and re-created after it.
const REINDEXED_TABLES: &[&str] = &["tickets", "comments", "ticket_history", "notifications"];
/// A transaction's first statement: triggers (and with them foreign-key checks and pg_notify)
/// off, and the history triggers told to stand aside.
const BULK_LOAD: &str = "SET LOCAL session_replication_role = replica; \
                         SELECT set_config('ticketdesk.bulk_load', 'on', true);";

/// The vocabulary, most frequent first: English function words (as in real text; the
/// `english` text-search configuration drops most of them), then DevOps terms, then common
/// English words. Word rank r is drawn with P(r) ≈ 1/(r·ln V) (Zipf-like): "disk" (rank ~65)
/// lands in roughly one ticket in ten, "full" likewise, both together in a few per cent.
const COMMON_WORDS: &str = include_str!("data/common_words.txt");
const FILLER_WORDS: &str = include_str!("data/filler_words.txt");

/// The vocabulary in rank order, without duplicates (about 2,000 words).
pub fn vocabulary() -> Vec<&'static str> {
    let mut seen = std::collections::HashSet::new();
    COMMON_WORDS
        .split_whitespace()
        .chain(FILLER_WORDS.split_whitespace())
        .filter(|w| seen.insert(*w))
        .collect()
}

const FIRST_NAMES: &[&str] = &[
    "Amelia", "Ben", "Carla", "Daniel", "Elena", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Kira",
    "Liam", "Maya", "Nils", "Olivia", "Pablo", "Quinn", "Rosa", "Stefan", "Tara", "Umar", "Vera",
    "Wei", "Xenia", "Yusuf", "Zoe", "Aisha", "Bruno", "Chloe", "Diego", "Emma", "Farid", "Greta",
    "Hana", "Ivan", "Julia", "Kofi", "Lucia", "Mateo", "Nora",
];
const LAST_NAMES: &[&str] = &[
    "Adams",
    "Baker",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fernandez",
    "Garcia",
    "Hoffmann",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Novak",
    "Oliveira",
    "Petrov",
    "Quint",
    "Ruiz",
    "Schmidt",
    "Takahashi",
    "Underwood",
    "Vargas",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zimmermann",
    "Andersson",
    "Brown",
    "Chen",
    "Dimitrov",
    "Evans",
    "Fischer",
    "Gomez",
    "Horvat",
    "Iqbal",
    "Jansen",
    "Kim",
    "Lopez",
    "Mensah",
    "Nakamura",
];
const END_USER_DEPARTMENTS: &[&str] = &[
    "Finance",
    "Marketing",
    "Sales",
    "HR",
    "Legal",
    "Support",
    "Product",
    "Design",
    "Operations",
    "Research",
];
const STAFF_DEPARTMENTS: &[&str] = &["Platform", "Network", "Storage", "Security", "Data", "SRE"];

/// How a comment starts; the rest is vocabulary.
const COMMENT_OPENERS: &[&str] = &[
    "Looking into it now.",
    "Can you share the exact error message?",
    "Attached the relevant logs from the last hour.",
    "Rolled back the last change; monitoring.",
    "This looks related to the maintenance window.",
    "Confirmed fixed on my side, thanks!",
    "Still seeing this on our end.",
    "Escalating to the platform team.",
    "Restarted the service, watching the dashboards.",
    "Any update on this?",
    "Raised the limit as a stopgap.",
    "Root cause identified:",
    "Workaround applied:",
    "Could you try again now?",
    "Not reproducible on staging.",
    "Adding the on-call engineer.",
    "Waiting on the vendor.",
    "Change request filed.",
    "Patched and redeployed.",
    "Monitoring for another 24 hours.",
    "Same issue happened last week.",
    "Checked the logs:",
    "Grafana shows",
    "The alert fired again overnight.",
    "Users report",
    "Ran the runbook steps.",
    "Cleaned up old files.",
    "Need approval from the service owner.",
    "Thanks for the quick response.",
    "Closing the loop:",
];
const RESOLUTION_NOTES: &[&str] = &[
    "Root cause found and fixed; see the comments.",
    "Expanded the volume and cleaned up old logs.",
    "Rotated the certificate and reloaded the service.",
    "Rolled back the faulty deploy.",
    "Restarted the stuck pods and added an alert.",
    "Granted access per the approved request.",
    "Fixed the DNS record and flushed the caches.",
    "Tuned the query and added an index.",
    "Replaced the failed disk; the array rebuilt.",
    "Increased the connection pool size.",
    "Applied the vendor patch.",
    "Updated the firewall rule.",
    "Duplicate of an existing ticket.",
    "Could not reproduce; closed after the requestor confirmed.",
    "Corrected the configuration in the repository.",
    "Scaled the service out and enabled autoscaling.",
];
/// Topic phrases per category (eight each): titles and descriptions carry one.
const TOPICS: &[(&str, [&str; 8])] = &[
    (
        "VM_ISSUE",
        [
            "vm unresponsive",
            "vm stuck provisioning",
            "hypervisor",
            "kernel panic",
            "vm resize",
            "snapshot revert",
            "vm clock drift",
            "vm boot loop",
        ],
    ),
    (
        "NETWORK_ISSUE",
        [
            "packet loss",
            "dns timeout",
            "vpn drops",
            "latency spike",
            "firewall rule",
            "load balancer",
            "bgp flap",
            "mtu mismatch",
        ],
    ),
    (
        "STORAGE_ISSUE",
        [
            "disk full",
            "disk latency",
            "nfs mount",
            "volume full",
            "backup failed",
            "snapshot failed",
            "inode exhaustion",
            "disk failure",
        ],
    ),
    (
        "DATABASE_ISSUE",
        [
            "replication lag",
            "slow query",
            "connection pool",
            "deadlock",
            "database migration",
            "vacuum",
            "failover",
            "table bloat",
        ],
    ),
    (
        "SECURITY_ISSUE",
        [
            "certificate expired",
            "ssh login",
            "cve patch",
            "vulnerability scan",
            "suspicious traffic",
            "mfa reset",
            "secret rotation",
            "waf block",
        ],
    ),
    (
        "ACCESS_REQUEST",
        [
            "access request",
            "vpn access",
            "ssh access",
            "dashboard access",
            "group membership",
            "password reset",
            "repository access",
            "sso login",
        ],
    ),
    (
        "INFRASTRUCTURE",
        [
            "terraform drift",
            "provision",
            "decommission",
            "capacity planning",
            "dns record",
            "certificate renewal",
            "cluster upgrade",
            "new environment",
        ],
    ),
    (
        "MONITORING_ALERT",
        [
            "cpu alert",
            "disk usage alert",
            "memory alert",
            "alert flapping",
            "missing metrics",
            "healthcheck failing",
            "error rate alert",
            "latency alert",
        ],
    ),
    (
        "OTHER",
        [
            "question",
            "runbook update",
            "oncall rota",
            "documentation",
            "meeting",
            "feedback",
            "license renewal",
            "laptop setup",
        ],
    ),
];
const HOSTS: &[&str] = &[
    "db",
    "web",
    "api",
    "k8s-node",
    "kafka",
    "ci-runner",
    "vault",
    "grafana",
    "nfs",
    "redis",
    "es",
    "lb",
    "mq",
    "app",
];
const SERVICES: &[&str] = &[
    "checkout",
    "payments",
    "auth",
    "search",
    "api-gateway",
    "billing",
    "reporting",
    "email",
    "cdn",
    "ci",
    "monitoring",
    "data-warehouse",
];
const CATEGORIES: &[&str] = &[
    "VM_ISSUE",
    "NETWORK_ISSUE",
    "STORAGE_ISSUE",
    "DATABASE_ISSUE",
    "SECURITY_ISSUE",
    "ACCESS_REQUEST",
    "INFRASTRUCTURE",
    "MONITORING_ALERT",
    "OTHER",
];

/// `--scale` and how many tickets go into one statement.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub scale: u64,
    pub batch: u64,
}

impl Options {
    pub fn new(scale: u64) -> Self {
        Options {
            scale,
            batch: DEFAULT_BATCH,
        }
    }
}

/// What one run did.
#[derive(Debug, Default)]
pub struct Generated {
    pub demo: demo_data::Loaded,
    /// Synthetic tickets found before the run.
    pub existing: u64,
    pub users: u64,
    pub tickets: u64,
    pub comments: u64,
    pub history: u64,
    pub notifications: u64,
    pub attachments: u64,
    /// Indexes dropped before the load and re-created after it (0: kept, the load was small).
    pub indexes_rebuilt: usize,
    /// Wall time of each phase, in order.
    pub phases: Vec<(String, Duration)>,
}

/// The id of synthetic row `counter` in the range `prefix` (see the constants above).
fn synthetic_id(prefix: &str, counter: u64) -> Uuid {
    Uuid::parse_str(&format!("{prefix}{counter:012x}")).expect("a well-formed synthetic id")
}

/// The same in SQL, for a bigint expression.
fn sql_id(prefix: &str, counter: &str) -> String {
    format!("('{prefix}' || lpad(to_hex({counter}), 12, '0'))::uuid")
}

/// `template` (a file under `sql/`) with each `{{name}}` replaced by its value. Panics on a
/// placeholder without a value or a value without a placeholder: a typo fails the first run.
fn render(template: &'static str, vars: &[(&str, &str)]) -> String {
    let file = template.lines().next().unwrap_or_default();
    let mut out = String::with_capacity(template.len() * 2);
    let mut used = vec![false; vars.len()];
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .unwrap_or_else(|| panic!("an unclosed {{{{ in {file}"));
        let name = &after[..end];
        let i = vars
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no value for {{{{{name}}}}} in {file}"));
        used[i] = true;
        out.push_str(vars[i].1);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    if let Some(i) = used.iter().position(|u| !u) {
        panic!("{{{{{}}}}} is not in {file}", vars[i].0);
    }
    out
}

/// The id of synthetic user `i` (0-based).
pub fn user_id(i: usize) -> Uuid {
    synthetic_id(USER_PREFIX, i as u64)
}

/// The id of synthetic ticket `n` (1-based).
pub fn ticket_id(n: u64) -> Uuid {
    synthetic_id(TICKET_PREFIX, n)
}

/// The range of synthetic ticket ids (inclusive).
pub fn ticket_id_range() -> (Uuid, Uuid) {
    (ticket_id(0), ticket_id(COUNTER_MASK as u64))
}

fn user_role(i: usize) -> Role {
    match i {
        0..=3 => Role::Admin,
        4..=10 => Role::Manager,
        11..=22 => Role::TeamLead,
        23..=44 => Role::SeniorEngineer,
        45..=99 => Role::DevopsEngineer,
        _ => Role::EndUser,
    }
}

fn sql_text_array(items: &[&str]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| format!("'{}'", s.replace('\'', "''")))
        .collect();
    format!("ARRAY[{}]", quoted.join(", "))
}

/// Generates up to `options.scale` synthetic tickets (and what goes with them) on top of the
/// demo data, reporting progress lines through `progress`. Needs a superuser connection (the
/// solo cluster's, or the owner's in team mode): only a superuser may switch triggers off.
pub async fn generate(
    pool: &PgPool,
    options: Options,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Generated> {
    let started = Instant::now();
    let mut report = Generated::default();
    let superuser: bool =
        sqlx::query_scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(pool)
            .await?;
    if !superuser {
        bail!(
            "the synthetic data generator switches triggers off and needs a superuser \
             connection (solo mode, or a superuser TICKETDESK_DATABASE_URL)"
        );
    }

    let phase = Instant::now();
    report.demo = demo_data::load(pool)
        .await
        .context("loading the demo data")?;
    report.phases.push(("demo data".into(), phase.elapsed()));
    progress(&format!(
        "demo data: {} user(s) and {} ticket(s) added",
        report.demo.users, report.demo.tickets
    ));
    check_triggers(pool).await?;

    // Two connections of their own (session settings, temporary tables), so that both cores
    // work. Their statements run for seconds by design: no slow-statement warnings.
    let connect_options = (*pool.connect_options())
        .clone()
        .disable_statement_logging();
    let mut a = connect(&connect_options).await?;
    let mut b = connect(&connect_options).await?;
    let result = run(&mut a, &mut b, options, &mut report, progress).await;
    let closed = (a.close().await, b.close().await);
    result?;
    closed.0?;
    closed.1?;
    report.phases.push(("total".into(), started.elapsed()));
    Ok(report)
}

async fn connect(options: &sqlx::postgres::PgConnectOptions) -> anyhow::Result<PgConnection> {
    let mut conn = PgConnection::connect_with(options)
        .await
        .context("connecting for the load")?;
    // JIT compiling these large expressions costs far more than it saves.
    sqlx::raw_sql(
        "SET temp_buffers = '256MB'; SET jit = off; SET synchronous_commit = off; \
         SET work_mem = '256MB'; SET maintenance_work_mem = '1GB';",
    )
    .execute(&mut conn)
    .await?;
    Ok(conn)
}

async fn run(
    a: &mut PgConnection,
    b: &mut PgConnection,
    options: Options,
    report: &mut Generated,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    let mut jobs = missing_indexes(a).await?;
    if !jobs.is_empty() {
        progress(&format!(
            "{} index(es) the migrations define are missing (an interrupted run?): they are \
             re-created after the load",
            jobs.len()
        ));
    }
    prepare_session(a).await?;
    let plan = setup(a, options, report, progress).await?;
    if let Some(plan) = &plan {
        prepare_session(b).await?;
        let phase = Instant::now();
        load_batches(a, b, plan, options.batch.max(1), report, progress).await?;
        report.phases.push(("load".into(), phase.elapsed()));
        let parallel = plan.to_add > options.batch.max(1);
        if !plan.dropped.is_empty() && parallel {
            // Two connections appended to each primary key at two places: the lower one's
            // pages were split half-full. Rebuilt compact, from the catalog (unchanged).
            jobs.extend(constraint_indexes(a).await?);
        }
        jobs.extend(plan.dropped.iter().cloned().map(IndexJob::Create));
    }
    if !jobs.is_empty() {
        let phase = Instant::now();
        report.indexes_rebuilt = jobs.len();
        build_indexes(a, b, jobs, progress).await?;
        report
            .phases
            .push(("create indexes".into(), phase.elapsed()));
    }
    if plan.is_some() {
        // Hint bits, the visibility map (index-only scans) and statistics now, not during
        // the first benchmark (autovacuum would come for these inserts anyway).
        let phase = Instant::now();
        vacuum(a, b, progress).await?;
        report
            .phases
            .push(("vacuum analyze".into(), phase.elapsed()));
    }
    Ok(())
}

/// Refuses to run when an insert trigger on a loaded table is one this module does not know:
/// with triggers off, its work would silently be missing.
async fn check_triggers(pool: &PgPool) -> anyhow::Result<()> {
    let triggers: Vec<(String, String)> =
        sqlx::query_as(include_str!("sql/synthetic/insert_triggers.sql"))
            .bind(LOADED_TABLES)
            .fetch_all(pool)
            .await?;
    let unknown: Vec<String> = triggers
        .into_iter()
        .filter(|(_, name)| !KNOWN_INSERT_TRIGGERS.contains(&name.as_str()))
        .map(|(table, name)| format!("{name} on {table}"))
        .collect();
    if !unknown.is_empty() {
        bail!(
            "the synthetic data generator loads with triggers off and does not know what these \
             insert triggers do: {}. Teach src-tauri/generate/synthetic.rs to write what they would, \
             then add them to KNOWN_INSERT_TRIGGERS",
            unknown.join(", ")
        );
    }
    Ok(())
}

struct Pools {
    end_users: Vec<Uuid>,
    /// Engineers who work tickets, weighted by role (repeated entries), with display names.
    assignable: Vec<Uuid>,
    assignable_names: Vec<String>,
    /// Team leads and managers: triage, reassignment, priority, closing.
    leads: Vec<Uuid>,
    lead_names: Vec<String>,
}

/// What the batches share: the range of this run and who takes part.
struct Plan {
    first_n: u64,
    to_add: u64,
    first_number: i64,
    now: DateTime<Utc>,
    pools: Pools,
    dropped: Vec<DroppedIndex>,
}

/// One transaction: counts what is there, adds the users, reserves the ticket numbers and
/// drops the indexes (when the load is large). None when there is nothing to add.
async fn setup(
    conn: &mut PgConnection,
    options: Options,
    report: &mut Generated,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<Option<Plan>> {
    let phase = Instant::now();
    let mut tx = conn.begin().await?;
    sqlx::raw_sql(BULK_LOAD).execute(&mut *tx).await?;
    // No ticket may take a number between our reservation and its end (readers go on).
    sqlx::raw_sql(
        "LOCK TABLE users, tickets, comments, ticket_history, notifications, attachments \
         IN SHARE ROW EXCLUSIVE MODE",
    )
    .execute(&mut *tx)
    .await?;

    let (low, high) = ticket_id_range();
    let (existing, last): (i64, Option<Uuid>) =
        sqlx::query_as(include_str!("sql/synthetic/existing.sql"))
            .bind(low)
            .bind(high)
            .fetch_one(&mut *tx)
            .await?;
    report.existing = existing as u64;
    if report.existing >= options.scale {
        progress(&format!(
            "the database already has {existing} synthetic ticket(s) (--scale {}): nothing \
             to add",
            options.scale
        ));
        tx.rollback().await?;
        return Ok(None);
    }
    let to_add = options.scale - report.existing;
    // Ids continue after the highest (an interrupted run may have left gaps).
    let first_n = last.map_or(0, |id| (id.as_u128() & COUNTER_MASK) as u64) + 1;
    if existing > 0 {
        progress(&format!(
            "the database has {existing} synthetic ticket(s): adding the {to_add} missing to \
             reach {}",
            options.scale
        ));
    }
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *tx)
        .await?;

    report.users = insert_users(&mut tx, now).await?;
    let pools = load_pools(&mut tx).await?;
    progress(&format!(
        "users: {} added ({} requestors, {} engineer slots, {} leads)",
        report.users,
        pools.end_users.len(),
        pools.assignable.len(),
        pools.leads.len()
    ));

    // Ticket numbers: reserve a block of the sequence, so next_ticket_number() continues after.
    let first_number: i64 = sqlx::query_scalar("SELECT nextval('ticket_number_seq')")
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("SELECT setval('ticket_number_seq', $1, true)")
        .bind(first_number + to_add as i64 - 1)
        .execute(&mut *tx)
        .await?;

    // The attachment files, stored once each as the server stores sealed uploads.
    sqlx::query(include_str!("sql/synthetic/attachment_blobs.sql"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(include_str!("sql/synthetic/attachment_blob_chunks.sql"))
        .execute(&mut *tx)
        .await?;

    // A load that at least doubles the tickets is faster with the indexes built afterwards.
    let tickets_before: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets")
        .fetch_one(&mut *tx)
        .await?;
    let dropped = if to_add as i64 >= tickets_before {
        let (dropped, kept) = drop_indexes(&mut tx).await?;
        progress(&format!(
            "dropped {} index(es) of {}; they are re-created after the load from their \
             migrations{}",
            dropped.len(),
            REINDEXED_TABLES.join(", "),
            if kept > 0 {
                format!(" ({kept} not made by a migration stay)")
            } else {
                String::new()
            }
        ));
        dropped
    } else {
        progress(&format!(
            "adding {to_add} to {tickets_before} tickets: indexes kept"
        ));
        Vec::new()
    };
    tx.commit().await?;
    report.phases.push(("setup".into(), phase.elapsed()));
    Ok(Some(Plan {
        first_n,
        to_add,
        first_number,
        now,
        pools,
        dropped,
    }))
}

/// The statements of a batch, their shared inputs, and the running totals.
struct Load<'p> {
    plan: &'p Plan,
    batch: u64,
    vocabulary: Vec<String>,
    phrases: Vec<String>,
    plan_sql: String,
    comment_plan_sql: String,
    comments_sql: String,
    attachment_plan_sql: String,
    history_sql: String,
    notifications_sql: String,
    next: Cell<u64>,
    done: Cell<u64>,
    totals: RefCell<[u64; 5]>,
    started: Instant,
}

/// Batches of `batch` tickets, each in a transaction of its own, shared out between the two
/// connections (a batch that committed stays: a rerun adds what is missing).
async fn load_batches(
    a: &mut PgConnection,
    b: &mut PgConnection,
    plan: &Plan,
    batch: u64,
    report: &mut Generated,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    let words = vocabulary();
    let phrases = phrases(&words);
    let load = Load {
        plan,
        batch,
        vocabulary: words.into_iter().map(String::from).collect(),
        phrases,
        plan_sql: plan_sql(),
        comment_plan_sql: comment_plan_sql(),
        comments_sql: comments_sql(),
        attachment_plan_sql: attachment_plan_sql(),
        history_sql: history_sql(),
        notifications_sql: notifications_sql(),
        next: Cell::new(0),
        done: Cell::new(0),
        totals: RefCell::new([0; 5]),
        started: Instant::now(),
    };
    let progress = RefCell::new(progress);
    let outcome = tokio::try_join!(
        batch_worker(a, &load, &progress),
        batch_worker(b, &load, &progress)
    );
    let [tickets, comments, history, notifications, attachments] = *load.totals.borrow();
    report.tickets += tickets;
    report.comments += comments;
    report.history += history;
    report.notifications += notifications;
    report.attachments += attachments;
    outcome?;
    Ok(())
}

async fn batch_worker(
    conn: &mut PgConnection,
    load: &Load<'_>,
    progress: &RefCell<&mut dyn FnMut(&str)>,
) -> anyhow::Result<()> {
    let plan = load.plan;
    let end = plan.first_n + plan.to_add;
    loop {
        let k = load.next.get();
        let lo = plan.first_n + k * load.batch;
        if lo >= end {
            return Ok(());
        }
        load.next.set(k + 1);
        let hi = (lo + load.batch).min(end) - 1;
        let counts = load_batch(conn, load, lo, hi).await?;
        let line = {
            let mut totals = load.totals.borrow_mut();
            for (total, count) in totals.iter_mut().zip(counts) {
                *total += count;
            }
            load.done.set(load.done.get() + counts[0]);
            format!(
                "tickets {}/{}, comments {}, history {}, notifications {} ({:.1} s)",
                load.done.get(),
                plan.to_add,
                totals[1],
                totals[2],
                totals[3],
                load.started.elapsed().as_secs_f64()
            )
        };
        (progress.borrow_mut())(&line);
    }
}

/// Tickets `lo..=hi` and everything that goes with them, in one transaction; returns the
/// rows added: tickets, comments, history, notifications, attachments.
async fn load_batch(
    conn: &mut PgConnection,
    load: &Load<'_>,
    lo: u64,
    hi: u64,
) -> anyhow::Result<[u64; 5]> {
    let plan = load.plan;
    let mut tx = conn.begin().await?;
    // Triggers (and with them foreign-key checks and pg_notify) off for this transaction:
    // what they would have written is written here.
    sqlx::raw_sql(BULK_LOAD).execute(&mut *tx).await?;
    sqlx::query(&load.plan_sql)
        .bind(&load.vocabulary)
        .bind(lo as i64)
        .bind(hi as i64)
        .bind(plan.first_n as i64)
        .bind(plan.to_add as i64)
        .bind(plan.first_number)
        .bind(plan.now)
        .bind(&plan.pools.end_users)
        .bind(&plan.pools.assignable)
        .bind(&plan.pools.assignable_names)
        .bind(&plan.pools.leads)
        .bind(&plan.pools.lead_names)
        .bind(&load.phrases)
        .execute(&mut *tx)
        .await
        .context("planning tickets")?;
    let tickets = sqlx::query(TICKETS_SQL)
        .execute(&mut *tx)
        .await
        .context("inserting tickets")?
        .rows_affected();
    sqlx::query(&load.comment_plan_sql)
        .bind(&plan.pools.assignable)
        .execute(&mut *tx)
        .await
        .context("planning comments")?;
    let comments = sqlx::query(&load.comments_sql)
        .bind(&load.vocabulary)
        .bind(plan.now)
        .bind(&load.phrases)
        .execute(&mut *tx)
        .await
        .context("inserting comments")?
        .rows_affected();
    sqlx::query(&load.attachment_plan_sql)
        .execute(&mut *tx)
        .await
        .context("planning attachments")?;
    let attachments = sqlx::query(ATTACHMENTS_SQL)
        .execute(&mut *tx)
        .await
        .context("inserting attachments")?
        .rows_affected();
    let history = sqlx::query(&load.history_sql)
        .execute(&mut *tx)
        .await
        .context("inserting history")?
        .rows_affected();
    let notifications = sqlx::query(&load.notifications_sql)
        .bind(plan.now)
        .execute(&mut *tx)
        .await
        .context("inserting notifications")?
        .rows_affected();
    tx.commit().await.context("committing a batch")?;
    Ok([tickets, comments, history, notifications, attachments])
}

async fn insert_users(conn: &mut PgConnection, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let verifier = crate::domain::password::new_verifier(demo_data::DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!(e))?;
    let mut ids = Vec::with_capacity(USER_COUNT);
    let mut usernames = Vec::with_capacity(USER_COUNT);
    let mut firsts = Vec::with_capacity(USER_COUNT);
    let mut lasts = Vec::with_capacity(USER_COUNT);
    let mut roles = Vec::with_capacity(USER_COUNT);
    let mut departments = Vec::with_capacity(USER_COUNT);
    let mut phones: Vec<Option<String>> = Vec::with_capacity(USER_COUNT);
    let mut created = Vec::with_capacity(USER_COUNT);
    let mut last_login: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(USER_COUNT);
    for i in 0..USER_COUNT {
        // Distinct (first, last) pairs for i < 1,600.
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = LAST_NAMES[(i / FIRST_NAMES.len() + i) % LAST_NAMES.len()];
        let role = user_role(i);
        ids.push(user_id(i));
        usernames.push(format!("{}.{}", first.to_lowercase(), last.to_lowercase()));
        firsts.push(first.to_string());
        lasts.push(last.to_string());
        roles.push(role.as_str().to_string());
        departments.push(if role == Role::EndUser {
            END_USER_DEPARTMENTS[(i * 7) % END_USER_DEPARTMENTS.len()]
        } else {
            STAFF_DEPARTMENTS[(i * 5) % STAFF_DEPARTMENTS.len()]
        });
        phones.push((i % 3 == 0).then(|| format!("+1555{:07}", 1_000_000 + i * 7919 % 8_999_999)));
        created.push(now - chrono::Duration::days(1_100 + (i as i64 * 37) % 300));
        last_login.push((i % 5 != 4).then(|| now - chrono::Duration::hours((i as i64 * 13) % 400)));
    }
    let added = sqlx::query(include_str!("sql/synthetic/users.sql"))
        .bind(&ids)
        .bind(&usernames)
        .bind(&firsts)
        .bind(&lasts)
        .bind(&phones)
        .bind(&departments)
        .bind(&roles)
        .bind(&created)
        .bind(&verifier)
        .bind(&last_login)
        .execute(&mut *conn)
        .await
        .context("inserting synthetic users")?
        .rows_affected();
    Ok(added)
}

/// Who files, works and triages the synthetic tickets: the demo users and the synthetic users
/// that exist (a name taken by a real user skips that synthetic user).
async fn load_pools(conn: &mut PgConnection) -> anyhow::Result<Pools> {
    let mut ids: Vec<Uuid> = demo_data::USERS
        .iter()
        .map(|u| demo_data::user_id(u.0))
        .collect();
    ids.extend((0..USER_COUNT).map(user_id));
    let rows: Vec<(Uuid, String, String)> = sqlx::query_as(include_str!("sql/synthetic/pools.sql"))
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut pools = Pools {
        end_users: Vec::new(),
        assignable: Vec::new(),
        assignable_names: Vec::new(),
        leads: Vec::new(),
        lead_names: Vec::new(),
    };
    for (id, role, name) in rows {
        let role: Role = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
        let weight = match role {
            Role::DevopsEngineer => 3,
            Role::SeniorEngineer => 2,
            Role::TeamLead => 1,
            _ => 0,
        };
        for _ in 0..weight {
            pools.assignable.push(id);
            pools.assignable_names.push(name.clone());
        }
        match role {
            Role::EndUser => pools.end_users.push(id),
            Role::TeamLead | Role::Manager => {
                pools.leads.push(id);
                pools.lead_names.push(name);
            }
            _ => {}
        }
    }
    if pools.end_users.is_empty() || pools.assignable.is_empty() || pools.leads.is_empty() {
        bail!("no requestors, engineers or leads to give synthetic tickets to");
    }
    Ok(pools)
}

/// An index re-created after the load: where, its name, the migration statement that made it
/// (re-run as is: `pg_get_indexdef` output re-parses into a different expression tree for
/// `IN (…)` predicates), and `pg_get_indexdef` before it was dropped, to check the new one
/// against (None: it was already missing).
#[derive(Clone)]
struct DroppedIndex {
    table: String,
    name: String,
    statement: String,
    definition: Option<String>,
}

enum IndexJob {
    Create(DroppedIndex),
    /// A constraint's index, rebuilt from the catalog.
    Reindex {
        table: String,
        name: String,
    },
}

impl IndexJob {
    fn names(&self) -> (&str, &str) {
        match self {
            IndexJob::Create(index) => (&index.table, &index.name),
            IndexJob::Reindex { table, name } => (table, name),
        }
    }

    /// Longest first, so that two connections finish together: the full-text GIN index
    /// (not built in parallel by PostgreSQL 15), then by table size.
    fn weight(&self) -> u32 {
        let (table, _) = self.names();
        let gin =
            matches!(self, IndexJob::Create(i) if i.statement.to_ascii_uppercase().contains("GIN"));
        let table = match table {
            "ticket_history" => 4,
            "comments" => 3,
            "tickets" => 2,
            _ => 1,
        };
        if gin {
            100
        } else {
            table
        }
    }
}

/// `CREATE INDEX` statements of the embedded migrations by index name (the last one wins;
/// `DROP INDEX` and `ALTER INDEX … RENAME TO` are followed).
pub fn migration_index_statements() -> std::collections::HashMap<String, String> {
    let mut statements = std::collections::HashMap::new();
    let unquote = |name: &str| {
        let name = name.rsplit('.').next().unwrap_or(name);
        name.trim_matches('"').to_string()
    };
    for migration in crate::db::MIGRATOR.iter() {
        if migration.migration_type.is_down_migration() {
            continue;
        }
        let code: String = migration
            .sql
            .lines()
            .map(|line| line.split("--").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        for statement in code.split(';') {
            let statement = statement.trim();
            let words: Vec<String> = statement
                .split_whitespace()
                .take(8)
                .map(|w| w.to_ascii_uppercase())
                .collect();
            let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
            let raw: Vec<&str> = statement.split_whitespace().collect();
            if word(0) == "CREATE"
                && (word(1) == "INDEX" || (word(1) == "UNIQUE" && word(2) == "INDEX"))
            {
                let mut at = if word(1) == "INDEX" { 2 } else { 3 };
                if word(at) == "CONCURRENTLY" {
                    at += 1;
                }
                if word(at) == "IF" && word(at + 1) == "NOT" && word(at + 2) == "EXISTS" {
                    at += 3;
                }
                if let Some(name) = raw.get(at).filter(|n| !n.eq_ignore_ascii_case("ON")) {
                    let name = unquote(name.split('(').next().unwrap_or(name));
                    statements.insert(name, statement.to_string());
                }
            } else if word(0) == "DROP" && word(1) == "INDEX" {
                let names = statement
                    .splitn(3, char::is_whitespace)
                    .nth(2)
                    .unwrap_or("");
                for name in names.split(',') {
                    let name = name
                        .split_whitespace()
                        .rfind(|w| {
                            !["IF", "EXISTS", "CONCURRENTLY", "CASCADE", "RESTRICT"]
                                .contains(&w.to_ascii_uppercase().as_str())
                        })
                        .unwrap_or("");
                    statements.remove(&unquote(name));
                }
            } else if word(0) == "ALTER" && word(1) == "INDEX" {
                let (from, to) = if word(2) == "IF" { (5, 8) } else { (2, 5) };
                if word(from + 1) == "RENAME" && word(from + 2) == "TO" {
                    if let (Some(old), Some(new)) = (raw.get(from), raw.get(to)) {
                        if let Some(text) = statements.remove(&unquote(old)) {
                            statements.insert(unquote(new), text);
                        }
                    }
                }
            }
        }
    }
    statements
}

/// Drops the non-constraint indexes of the bulk tables that a migration made (others stay).
async fn drop_indexes(conn: &mut PgConnection) -> anyhow::Result<(Vec<DroppedIndex>, usize)> {
    let found: Vec<(String, String, String)> =
        sqlx::query_as(include_str!("sql/synthetic/migration_indexes.sql"))
            .bind(REINDEXED_TABLES)
            .fetch_all(&mut *conn)
            .await?;
    let statements = migration_index_statements();
    let mut kept = 0;
    let mut dropped = Vec::new();
    for (table, name, definition) in found {
        let Some(statement) = statements.get(&name) else {
            kept += 1;
            continue;
        };
        sqlx::raw_sql(&format!(
            "DROP INDEX public.\"{}\"",
            name.replace('"', "\"\"")
        ))
        .execute(&mut *conn)
        .await
        .with_context(|| format!("dropping index {name}"))?;
        dropped.push(DroppedIndex {
            table,
            name,
            statement: statement.clone(),
            definition: Some(definition),
        });
    }
    Ok((dropped, kept))
}

/// Migration-made indexes of the bulk tables that are missing (a run interrupted after it
/// dropped them): re-created with the others.
async fn missing_indexes(conn: &mut PgConnection) -> anyhow::Result<Vec<IndexJob>> {
    let present: Vec<String> =
        sqlx::query_scalar("SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'")
            .fetch_all(&mut *conn)
            .await?;
    let mut missing: Vec<IndexJob> = migration_index_statements()
        .into_iter()
        .filter(|(name, _)| !present.contains(name))
        .filter_map(|(name, statement)| {
            let table = index_table(&statement)?;
            if !REINDEXED_TABLES.contains(&table.as_str()) {
                return None;
            }
            Some(IndexJob::Create(DroppedIndex {
                table,
                name,
                statement,
                definition: None,
            }))
        })
        .collect();
    missing.sort_by(|x, y| x.names().1.cmp(y.names().1));
    Ok(missing)
}

/// The table a `CREATE INDEX … ON [ONLY] table …` statement names.
fn index_table(statement: &str) -> Option<String> {
    let mut words = statement.split_whitespace();
    words.find(|w| w.eq_ignore_ascii_case("ON"))?;
    let mut table = words.next()?;
    if table.eq_ignore_ascii_case("ONLY") {
        table = words.next()?;
    }
    let table = table.split('(').next()?;
    Some(table.rsplit('.').next()?.trim_matches('"').to_string())
}

/// The primary-key and unique indexes of the bulk tables.
async fn constraint_indexes(conn: &mut PgConnection) -> anyhow::Result<Vec<IndexJob>> {
    let found: Vec<(String, String)> =
        sqlx::query_as(include_str!("sql/synthetic/constraint_indexes.sql"))
            .bind(REINDEXED_TABLES)
            .fetch_all(&mut *conn)
            .await?;
    Ok(found
        .into_iter()
        .map(|(table, name)| IndexJob::Reindex { table, name })
        .collect())
}

/// Builds the indexes on both connections, longest first.
async fn build_indexes(
    a: &mut PgConnection,
    b: &mut PgConnection,
    mut jobs: Vec<IndexJob>,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    jobs.sort_by_key(|job| std::cmp::Reverse(job.weight()));
    let total = jobs.len();
    let queue = RefCell::new(VecDeque::from(jobs));
    let done = Cell::new(0);
    let progress = RefCell::new(progress);
    tokio::try_join!(
        index_worker(a, &queue, &done, total, &progress),
        index_worker(b, &queue, &done, total, &progress)
    )?;
    Ok(())
}

async fn index_worker(
    conn: &mut PgConnection,
    queue: &RefCell<VecDeque<IndexJob>>,
    done: &Cell<usize>,
    total: usize,
    progress: &RefCell<&mut dyn FnMut(&str)>,
) -> anyhow::Result<()> {
    loop {
        let Some(job) = queue.borrow_mut().pop_front() else {
            return Ok(());
        };
        let one = Instant::now();
        match &job {
            IndexJob::Create(index) => {
                sqlx::raw_sql(&index.statement)
                    .execute(&mut *conn)
                    .await
                    .with_context(|| format!("re-creating index {}", index.name))?;
                let definition: Option<String> =
                    sqlx::query_scalar(include_str!("sql/synthetic/index_definition.sql"))
                        .bind(&index.name)
                        .fetch_optional(&mut *conn)
                        .await?;
                if let Some(before) = &index.definition {
                    if definition.as_ref() != Some(before) {
                        bail!(
                            "index {} came back as {:?}, not {:?}",
                            index.name,
                            definition,
                            before
                        );
                    }
                }
            }
            IndexJob::Reindex { name, .. } => {
                sqlx::raw_sql(&format!(
                    "REINDEX INDEX public.\"{}\"",
                    name.replace('"', "\"\"")
                ))
                .execute(&mut *conn)
                .await
                .with_context(|| format!("rebuilding index {name}"))?;
            }
        }
        done.set(done.get() + 1);
        let (table, name) = job.names();
        let verb = match job {
            IndexJob::Create(_) => "index",
            IndexJob::Reindex { .. } => "reindex",
        };
        (progress.borrow_mut())(&format!(
            "{verb} {}/{total} {name} on {table} ({:.1} s)",
            done.get(),
            one.elapsed().as_secs_f64()
        ));
    }
}

/// `VACUUM (ANALYZE)` of the loaded tables, on both connections, largest first.
async fn vacuum(
    a: &mut PgConnection,
    b: &mut PgConnection,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<()> {
    let queue = RefCell::new(VecDeque::from(vec![
        "ticket_history",
        "tickets",
        "comments",
        "notifications",
        "attachments",
        "users",
    ]));
    let progress = RefCell::new(progress);
    tokio::try_join!(
        vacuum_worker(a, &queue, &progress),
        vacuum_worker(b, &queue, &progress)
    )?;
    Ok(())
}

async fn vacuum_worker(
    conn: &mut PgConnection,
    queue: &RefCell<VecDeque<&str>>,
    progress: &RefCell<&mut dyn FnMut(&str)>,
) -> anyhow::Result<()> {
    loop {
        let Some(table) = queue.borrow_mut().pop_front() else {
            return Ok(());
        };
        let one = Instant::now();
        sqlx::raw_sql(&format!("VACUUM (ANALYZE) public.{table}"))
            .execute(&mut *conn)
            .await
            .with_context(|| format!("vacuuming {table}"))?;
        (progress.borrow_mut())(&format!(
            "vacuum analyze {table} ({:.1} s)",
            one.elapsed().as_secs_f64()
        ));
    }
}

/// The session's temporary tables: the SLA to apply per (priority, category), the attachment
/// files, and the per-batch plans (emptied at each commit).
async fn prepare_session(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::raw_sql(&syn_sla_sql())
        .execute(&mut *conn)
        .await
        .context("choosing SLA policies")?;
    sqlx::raw_sql(&syn_blob_sql())
        .execute(&mut *conn)
        .await
        .context("making attachment files")?;
    sqlx::raw_sql(include_str!("sql/synthetic/syn_batch.sql"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn syn_sla_sql() -> String {
    render(
        include_str!("sql/synthetic/syn_sla.sql"),
        &[("categories", &sql_text_array(CATEGORIES))],
    )
}

fn syn_blob_sql() -> String {
    render(
        include_str!("sql/synthetic/syn_blob.sql"),
        &[("blob_count", &BLOB_COUNT.to_string())],
    )
}

/// `count` Zipf-distributed words (`count` must name a column of the current row, so that
/// PostgreSQL draws them per row). `v.w` is the vocabulary as `name[]`: fixed-width elements,
/// so a subscript is O(1) (on `text[]` it walks the array).
fn zipf_words(count: &str) -> String {
    format!(
        "array_to_string(ARRAY(SELECT (v.w[floor(exp(random() * v.lnw))::int])::text \
                               FROM generate_series(1, {count})), ' ')"
    )
}

/// `count` phrases drawn uniformly from `v.p` (see `phrases`), some ending a sentence: text
/// with the vocabulary's Zipf frequencies at a third of the draws.
fn zipf_phrases(count: &str) -> String {
    format!(
        "array_to_string(ARRAY(SELECT (v.p[1 + floor(random() * v.np)::int])::text \
                                      || CASE WHEN random() < 0.2 THEN '.' ELSE '' END \
                               FROM generate_series(1, {count})), ' ')"
    )
}

/// The vocabulary ($1) and the phrase pool (`$phrases`) as `name[]`, once per statement.
fn vocabulary_cte(phrases: usize) -> String {
    format!(
        "WITH v AS MATERIALIZED (SELECT $1::text[]::name[] AS w, \
                                        ln(cardinality($1::text[]) + 1) AS lnw, \
                                        ${phrases}::text[]::name[] AS p, \
                                        cardinality(${phrases}::text[]) AS np) "
    )
}

/// Phrases in the pool descriptions and comments are made of.
const PHRASE_COUNT: usize = 65_536;

/// A pool of 2–4-word phrases, each word drawn with the Zipf-like rank distribution
/// (rank = ⌊e^(u·ln(V+1))⌋), each at most 63 bytes (a `name`). Deterministic.
pub fn phrases(vocabulary: &[&str]) -> Vec<String> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let ln = ((vocabulary.len() + 1) as f64).ln();
    let mut pool = Vec::with_capacity(PHRASE_COUNT);
    while pool.len() < PHRASE_COUNT {
        let words = 2 + (next() * 3.0) as usize;
        let phrase: Vec<&str> = (0..words)
            .map(|_| {
                let rank = (next() * ln).exp() as usize;
                vocabulary[rank.clamp(1, vocabulary.len()) - 1]
            })
            .collect();
        let phrase = phrase.join(" ");
        if phrase.len() <= 63 {
            pool.push(phrase);
        }
    }
    pool
}

/// Plans one batch of tickets into `syn_plan` (see the file). The conditions on who works the
/// ticket nest in each other and are used several times per row: SQL has no macro, and a
/// stage of their own would cost a projection per row.
fn plan_sql() -> String {
    let pre = "(c.status <> 'NEW' AND c.staff AND c.r_pre < 0.5)";
    let assignee_k =
        format!("CASE WHEN c.status = 'NEW' THEN NULL WHEN {pre} THEN c.st_k ELSE c.as_k END");
    let reassigned = format!(
        "(c.status <> 'NEW' AND NOT {pre} AND c.r_reassign < 0.08 \
          AND ($9::uuid[])[c.first_k] <> ($9::uuid[])[c.as_k])"
    );
    let first_k = format!("CASE WHEN {reassigned} THEN c.first_k ELSE {assignee_k} END");
    let prio_changed = format!("(c.status <> 'NEW' AND NOT {pre} AND c.r_pc < 0.03)");
    let topics: Vec<String> = TOPICS
        .iter()
        .map(|(category, phrases)| {
            format!(
                "WHEN '{category}' THEN ({})[1 + floor(f.r_topic * 8)::int]",
                sql_text_array(phrases)
            )
        })
        .collect();
    render(
        include_str!("sql/synthetic/plan.sql"),
        &[
            ("vocabulary", &vocabulary_cte(13)),
            ("ticket_id", &sql_id(TICKET_PREFIX, "f.n")),
            ("pre", pre),
            ("assignee_k", &assignee_k),
            ("reassigned", &reassigned),
            ("first_k", &first_k),
            ("prio_changed", &prio_changed),
            ("max_comments", &MAX_COMMENTS.to_string()),
            ("hosts", &sql_text_array(HOSTS)),
            ("host_count", &HOSTS.len().to_string()),
            ("services", &sql_text_array(SERVICES)),
            ("notes", &sql_text_array(RESOLUTION_NOTES)),
            ("topics", &topics.join(" ")),
            ("title_words", &zipf_words("f.title_words")),
            ("description_words", &zipf_phrases("f.desc_phrases")),
        ],
    )
}

const TICKETS_SQL: &str = include_str!("sql/synthetic/tickets.sql");

fn comment_plan_sql() -> String {
    render(
        include_str!("sql/synthetic/comment_plan.sql"),
        &[
            (
                "comment_id",
                &sql_id(COMMENT_PREFIX, &format!("x.n * {HISTORY_SLOTS} + x.j")),
            ),
            ("opener_count", &COMMENT_OPENERS.len().to_string()),
        ],
    )
}

fn comments_sql() -> String {
    render(
        include_str!("sql/synthetic/comments.sql"),
        &[
            ("vocabulary", &vocabulary_cte(3)),
            ("openers", &sql_text_array(COMMENT_OPENERS)),
            ("words", &zipf_phrases("c.nphrases")),
        ],
    )
}

fn attachment_plan_sql() -> String {
    render(
        include_str!("sql/synthetic/attachment_plan.sql"),
        &[
            ("attachment_id", &sql_id(ATTACHMENT_PREFIX, "x.n * 16 + 1")),
            ("blob_count", &BLOB_COUNT.to_string()),
        ],
    )
}

const ATTACHMENTS_SQL: &str = include_str!("sql/synthetic/attachments.sql");

fn history_sql() -> String {
    render(
        include_str!("sql/synthetic/history.sql"),
        &[
            ("history_id", &sql_id(HISTORY_PREFIX, "e.k")),
            ("history_slots", &HISTORY_SLOTS.to_string()),
        ],
    )
}

fn notifications_sql() -> String {
    render(
        include_str!("sql/synthetic/notifications.sql"),
        &[("notification_id", &sql_id(NOTIFICATION_PREFIX, "x.n"))],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_is_zipf_ranked_with_the_search_words_common() {
        let words = vocabulary();
        assert!((1_900..=2_200).contains(&words.len()), "{}", words.len());
        let rank = |w: &str| words.iter().position(|x| *x == w).unwrap() + 1;
        // P(rank r) ≈ 1/(r·ln V): "disk" and "full" are frequent but far from the top.
        assert!((40..=120).contains(&rank("disk")), "{}", rank("disk"));
        assert!((40..=120).contains(&rank("full")), "{}", rank("full"));
        assert!(rank("kubernetes") < 200 && rank("certificate") < 200);
    }

    #[test]
    fn phrases_fit_a_name_and_are_deterministic() {
        let words = vocabulary();
        let pool = phrases(&words);
        assert_eq!(pool.len(), PHRASE_COUNT);
        assert!(pool.iter().all(|p| p.len() <= 63 && !p.is_empty()));
        assert_eq!(pool, phrases(&words));
    }

    #[test]
    fn index_statements_come_from_the_migrations_verbatim() {
        let statements = migration_index_statements();
        let overdue = &statements["idx_tickets_overdue"];
        assert!(
            overdue.contains("WHERE status NOT IN ('CLOSED', 'RESOLVED')"),
            "{overdue}"
        );
        assert_eq!(index_table(overdue).as_deref(), Some("tickets"));
        assert!(statements["idx_tickets_fulltext"].contains("USING GIN"));
        assert_eq!(
            index_table(&statements["idx_notifications_outbox"]).as_deref(),
            Some("notifications")
        );
        let on_bulk_tables = statements
            .values()
            .filter(|s| index_table(s).is_some_and(|t| REINDEXED_TABLES.contains(&t.as_str())))
            .count();
        assert!(on_bulk_tables >= 35, "{on_bulk_tables}");
    }

    #[test]
    fn every_template_is_filled_in() {
        let statements = [
            plan_sql(),
            comment_plan_sql(),
            comments_sql(),
            attachment_plan_sql(),
            history_sql(),
            notifications_sql(),
            syn_sla_sql(),
            syn_blob_sql(),
        ];
        for sql in &statements {
            assert!(!sql.contains("{{") && !sql.contains("}}"), "{sql}");
        }
        // The history goes through the triggers' format (sql/tickets/history_format.sql).
        assert!(!history_sql().contains("jsonb_build_object"));
        assert!(history_sql().contains("auth.history_created_value("));
    }

    #[test]
    #[should_panic(expected = "no value for {{typo}}")]
    fn a_placeholder_without_a_value_panics() {
        render("-- test\nSELECT {{typo}}", &[]);
    }

    #[test]
    #[should_panic(expected = "{{unused}} is not in -- test")]
    fn a_value_without_a_placeholder_panics() {
        render("-- test\nSELECT 1", &[("unused", "2")]);
    }

    #[test]
    fn synthetic_ids_count_in_their_range() {
        let (low, high) = ticket_id_range();
        assert!(low < ticket_id(1) && ticket_id(1) < ticket_id(1_000_000));
        assert!(ticket_id(1_000_000) < high);
        assert_eq!(ticket_id(255).as_u128() & COUNTER_MASK, 255);
        assert!(user_id(399) < low);
    }
}
