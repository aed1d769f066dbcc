//! PostgreSQL access: the pool, migrations and the schema-version check. One submodule per
//! aggregate holds its SQL; every multi-statement use case runs in one transaction.

pub mod accounts;
pub mod attachments;
pub mod auth;
pub mod comments;
pub mod demo_data;
pub mod desktop_login;
pub mod notification_preferences;
pub mod notifications;
pub mod sla;
pub mod synthetic;
pub mod ticket_changes;
pub mod tickets;
pub mod users;

use std::time::Duration;

use anyhow::Context;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// SPEC §12: each desktop keeps a small pool; the listener has its own connection.
pub const DEFAULT_POOL_SIZE: u32 = 2;

/// How long a pooled connection may sit idle before it is checked on its way out.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    let options: PgConnectOptions = url.parse().context("invalid database URL")?;
    // No JIT: our statements are short OLTP reads and writes, and the planner's cost threshold
    // let it compile a 1M-row queue query for 29 ms of emission that saved nothing (issue 7).
    let options = options
        .application_name("ticketdesk")
        .options([("jit", "off")]);
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings every idle connection before handing it out: a round trip per command.
        // Only one idle for a while is pinged now (the server may have restarted meanwhile);
        // one that served the previous command a moment ago is used as it is.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_WHEN_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .context("cannot connect to the database")
}

/// Parses a VARCHAR column holding one of our closed vocabularies. The CHECK constraints make a
/// failure a bug (or a newer schema), never the user's doing.
pub(crate) fn parse_column<T: std::str::FromStr<Err = String>>(
    text: &str,
) -> crate::error::Result<T> {
    text.parse()
        .map_err(|e: String| crate::error::Error::Unexpected(anyhow::anyhow!(e)))
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .context("cannot apply the database migrations")
}

/// How the server's schema compares with the one this build of ticketdesk expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    UpToDate,
    /// The server lacks migrations this build has: an admin runs `ticketdesk migrate`.
    Behind {
        missing: Vec<i64>,
    },
    /// The server has migrations this build does not know: this desktop must be updated.
    Ahead {
        unknown: Vec<i64>,
    },
}

impl SchemaState {
    /// A message for a person, or None when the schema fits.
    pub fn problem(&self) -> Option<String> {
        match self {
            SchemaState::UpToDate => None,
            SchemaState::Behind { missing } => Some(format!(
                "The server's database schema is older than this ticketdesk ({} migration(s) \
                 missing). Ask an admin to run `ticketdesk migrate`.",
                missing.len()
            )),
            SchemaState::Ahead { unknown } => Some(format!(
                "The server's database schema is newer than this ticketdesk ({} migration(s) \
                 it does not know). Update ticketdesk before connecting.",
                unknown.len()
            )),
        }
    }
}

pub async fn schema_state(pool: &PgPool) -> anyhow::Result<SchemaState> {
    let table_exists: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(pool)
            .await?;
    let applied: Vec<i64> = if table_exists {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    let known: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    let unknown: Vec<i64> = applied
        .iter()
        .copied()
        .filter(|v| !known.contains(v))
        .collect();
    if !unknown.is_empty() {
        return Ok(SchemaState::Ahead { unknown });
    }
    let missing: Vec<i64> = known.into_iter().filter(|v| !applied.contains(v)).collect();
    Ok(if missing.is_empty() {
        SchemaState::UpToDate
    } else {
        SchemaState::Behind { missing }
    })
}
