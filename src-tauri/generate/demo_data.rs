//! Realistic demo data: users of every role, ~200 tickets in every status and priority, with
//! comments and history. Deterministic ids make it idempotent: running it twice adds nothing.
//! The statements are in `generate/sql/demo/`.

use anyhow::Context;
use chrono::{Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::ticket::{Category, Priority, Status};
use crate::domain::user::Role;

/// Every demo user's password until sign-in lands (documented in the README).
pub const DEMO_PASSWORD: &str = "ticketdesk-demo";
pub const TICKET_COUNT: usize = 200;

/// username, first, last, role, department
pub const USERS: &[(&str, &str, &str, Role, Option<&str>)] = &[
    ("ada", "Ada", "Okafor", Role::Admin, Some("IT")),
    ("marco", "Marco", "Rossi", Role::Manager, Some("Platform")),
    ("lena", "Lena", "Fischer", Role::TeamLead, Some("Platform")),
    ("tomas", "Tomás", "Silva", Role::TeamLead, Some("Network")),
    (
        "sam",
        "Sam",
        "Patel",
        Role::SeniorEngineer,
        Some("Platform"),
    ),
    (
        "yuki",
        "Yuki",
        "Tanaka",
        Role::SeniorEngineer,
        Some("Network"),
    ),
    (
        "dev",
        "Dev",
        "Sharma",
        Role::DevopsEngineer,
        Some("Platform"),
    ),
    (
        "priya",
        "Priya",
        "Nair",
        Role::DevopsEngineer,
        Some("Platform"),
    ),
    (
        "oleg",
        "Oleg",
        "Ivanov",
        Role::DevopsEngineer,
        Some("Network"),
    ),
    ("erin", "Erin", "Walsh", Role::EndUser, Some("Finance")),
    ("noah", "Noah", "Becker", Role::EndUser, Some("Marketing")),
    ("fatima", "Fatima", "Zahra", Role::EndUser, Some("Sales")),
];

const NAMESPACE: Uuid = Uuid::from_u128(0x7c1c_4f5e_2d0b_4c8e_9a51_3b6f_0e2d_9a10);

pub fn user_id(username: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("user:{username}").as_bytes())
}

fn ticket_id(n: usize) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("ticket:{n}").as_bytes())
}

const SUBJECTS: &[(Category, &[&str])] = &[
    (
        Category::VmIssue,
        &[
            "VM {h} unresponsive after kernel update",
            "Cannot resize VM {h}",
            "VM {h} stuck in provisioning",
        ],
    ),
    (
        Category::NetworkIssue,
        &[
            "Packet loss between {h} and the load balancer",
            "DNS lookups time out on {h}",
            "VPN drops every 10 minutes",
        ],
    ),
    (
        Category::StorageIssue,
        &[
            "Disk /var at 95% on {h}",
            "NFS mount hangs on {h}",
            "Snapshot backup failed for {h}",
        ],
    ),
    (
        Category::DatabaseIssue,
        &[
            "Replication lag on {h} above 5 minutes",
            "Slow queries on {h} since deploy",
            "Connection pool exhausted on {h}",
        ],
    ),
    (
        Category::SecurityIssue,
        &[
            "Expired TLS certificate on {h}",
            "Suspicious SSH logins on {h}",
            "CVE patch needed on {h}",
        ],
    ),
    (
        Category::AccessRequest,
        &[
            "Read access to the {h} dashboards",
            "SSH access to {h} for on-call",
            "Add me to the deploy group for {h}",
        ],
    ),
    (
        Category::Infrastructure,
        &[
            "Terraform drift in {h}",
            "Provision staging copy of {h}",
            "Decommission {h}",
        ],
    ),
    (
        Category::MonitoringAlert,
        &[
            "CPU alert flapping on {h}",
            "Disk latency alert on {h}",
            "Missing metrics from {h}",
        ],
    ),
    (
        Category::Other,
        &[
            "Question about the on-call rota",
            "Request a new Slack channel for {h}",
            "Update runbook for {h}",
        ],
    ),
];
const HOSTS: &[&str] = &[
    "db-01",
    "db-02",
    "web-03",
    "api-gw",
    "k8s-node-7",
    "kafka-2",
    "ci-runner-4",
    "vault",
    "grafana",
    "nfs-1",
];
const ENVIRONMENTS: &[Option<&str>] = &[
    Some("Production"),
    Some("Staging"),
    Some("Development"),
    None,
];
const COMMENTS: &[&str] = &[
    "Looking into it now.",
    "Can you share the exact error message and when it started?",
    "Attached the relevant logs from the last hour.",
    "Rolled back the last change; monitoring.",
    "This is related to the maintenance window on Tuesday.",
    "Confirmed fixed on my side, thanks!",
];

/// A small deterministic generator (xorshift): same data on every machine and every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What loading added (zero on a database that already has the demo data).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub users: u64,
    pub tickets: u64,
}

pub async fn load(pool: &PgPool) -> anyhow::Result<Loaded> {
    let mut tx = pool.begin().await?;
    // The loader writes its own backdated history; the history triggers stand aside for this
    // transaction (honoured only for superuser sessions).
    sqlx::query("SELECT set_config('ticketdesk.bulk_load', 'on', true)")
        .execute(&mut *tx)
        .await?;
    let mut loaded = Loaded::default();
    // One verifier for all demo users keeps loading fast; each real user gets their own salt.
    let hash =
        crate::domain::password::new_verifier(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!(e))?;
    for (username, first, last, role, department) in USERS {
        loaded.users += sqlx::query(include_str!("sql/demo/users.sql"))
            .bind(user_id(username))
            .bind(username)
            .bind(format!("{username}@example.com"))
            .bind(&hash)
            .bind(first)
            .bind(last)
            .bind(role.as_str())
            .bind(department)
            .execute(&mut *tx)
            .await
            .context("inserting demo users")?
            .rows_affected();
    }

    let requestors: Vec<&str> = USERS.iter().map(|u| u.0).collect();
    let engineers: Vec<&str> = USERS
        .iter()
        .filter(|u| u.3.is_engineer())
        .map(|u| u.0)
        .collect();
    let now = Utc::now();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut added = Vec::new();
    for n in 0..TICKET_COUNT {
        // Every status and priority appears: cycle through them, shuffle the rest.
        let status = Status::ALL[n % Status::ALL.len()];
        let priority = Priority::ALL[(n / Status::ALL.len()) % Priority::ALL.len()];
        let (category, subjects) = rng.pick(SUBJECTS);
        let host = rng.pick(HOSTS);
        let title = rng.pick(subjects).replace("{h}", host);
        let requestor = *rng.pick(&requestors);
        let assignee = (status != Status::New).then(|| *rng.pick(&engineers));
        let created_at = now - Duration::minutes(30 + rng.below(60 * 24 * 60) as i64);
        let resolved_at = matches!(status, Status::Resolved | Status::Closed)
            .then(|| created_at + Duration::hours(1 + rng.below(72) as i64));
        // A RESOLVED ticket closes itself after 7 days (the SLA sweep): the demo's were
        // resolved within them, so the first start does not close them all at once.
        let resolved_at = match (status, resolved_at) {
            (Status::Resolved, Some(at)) => Some(at.max(now - Duration::days(6))),
            _ => resolved_at,
        };
        let closed_at = (status == Status::Closed)
            .then(|| resolved_at.unwrap_or(created_at) + Duration::days(1));
        let id = ticket_id(n);
        let impact = if priority == Priority::P1Critical {
            "customers affected"
        } else {
            "internal only"
        };
        let description = format!(
            "{title}.\n\nNoticed by {requestor} at {}. Impact: {impact}. Steps tried so far: \
             restarted the service, checked the dashboards.",
            created_at.format("%Y-%m-%d %H:%M UTC"),
        );
        let inserted = sqlx::query(include_str!("sql/demo/ticket.sql"))
            .bind(id)
            .bind(&title)
            .bind(description)
            .bind(category.as_str())
            .bind(priority.as_str())
            .bind(status.as_str())
            .bind(user_id(requestor))
            .bind(assignee.map(user_id))
            .bind(created_at)
            .bind(resolved_at)
            .bind(closed_at)
            .bind(*rng.pick(ENVIRONMENTS))
            .bind(vec![host.to_string(), category.as_str().to_lowercase()])
            .bind(resolved_at.map(|_| "Root cause found and fixed; see the comments."))
            .execute(&mut *tx)
            .await
            .context("inserting demo tickets")?
            .rows_affected();
        if inserted == 0 {
            continue;
        }
        loaded.tickets += 1;
        added.push(id);
        let comment_count = if status == Status::New {
            0
        } else {
            rng.below(4)
        };
        for c in 0..comment_count {
            let author = if c % 2 == 0 {
                assignee.unwrap_or(requestor)
            } else {
                requestor
            };
            let internal = c % 2 == 0 && rng.below(3) == 0;
            sqlx::query(include_str!("sql/demo/comment.sql"))
                .bind(id)
                .bind(user_id(author))
                .bind(if internal {
                    "Internal: likely the same root cause as last week's incident."
                } else {
                    *rng.pick(COMMENTS)
                })
                .bind(internal)
                .bind(created_at + Duration::minutes(30 + 40 * c as i64))
                .execute(&mut *tx)
                .await
                .context("inserting demo comments")?;
        }
    }
    // Written from the tickets as inserted, in the triggers' format.
    sqlx::query(include_str!("sql/demo/history.sql"))
        .bind(&added)
        .bind(user_id("lena"))
        .execute(&mut *tx)
        .await
        .context("inserting demo history")?;
    sqlx::raw_sql(include_str!("sql/demo/past_breaches.sql"))
        .execute(&mut *tx)
        .await
        .context("flagging the demo's past SLA breaches and warnings")?;
    tx.commit().await?;
    Ok(loaded)
}
