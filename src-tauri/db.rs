//! PostgreSQL access: the pool, migrations and the schema-version check. One submodule per
//! aggregate holds its SQL; every multi-statement use case runs in one transaction.

pub mod accounts;
pub mod attachments;
pub mod auth;
pub mod comments;
pub mod desktop_login;
pub mod escalations;
pub mod notification_preferences;
pub mod notifications;
pub mod schema_objects;
pub mod sla;
pub mod ticket_changes;
pub mod tickets;
pub mod users;

use std::sync::LazyLock;
use std::time::Duration;

use anyhow::Context;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};

/// The versioned migrations in `migrations/`, embedded in the binary.
static VERSIONED: Migrator = sqlx::migrate!("./migrations");

/// What `migrate` applies: the versioned migrations, then every definition under `sql/` (see
/// `schema_objects`). Tests name it in `#[sqlx::test(migrator = …)]`, so they run on exactly
/// what a migrated server has.
pub static MIGRATOR: LazyLock<Migrator> = LazyLock::new(|| {
    let mut migrations = VERSIONED.migrations.to_vec();
    migrations.push(schema_objects::migration());
    Migrator {
        migrations: migrations.into(),
        ..Migrator::DEFAULT
    }
});

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
    // The repeatable step is applied again on every run: forgetting its row makes it pending.
    // Should the run then fail, the next one applies it; a concurrent run waits on sqlx's lock.
    let table_exists: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(pool)
            .await?;
    if table_exists {
        sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
            .bind(schema_objects::VERSION)
            .execute(pool)
            .await?;
    }
    MIGRATOR
        .run(pool)
        .await
        .context("cannot apply the database migrations")
}

/// The migrations the server has applied, with their checksums: through `api.schema_version()`
/// (all a desktop login may read), or, on a server from before the API, from sqlx's table.
async fn applied_migrations(pool: &PgPool) -> anyhow::Result<Vec<(i64, Vec<u8>)>> {
    match sqlx::query_as("SELECT version, checksum FROM api.schema_version()")
        .fetch_all(pool)
        .await
    {
        Ok(rows) => return Ok(rows),
        // 3F000: no api schema yet; 42883: no such function yet.
        Err(sqlx::Error::Database(e))
            if matches!(e.code().as_deref(), Some("3F000") | Some("42883")) => {}
        Err(e) => return Err(e.into()),
    }
    let table_exists: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(pool)
            .await?;
    if !table_exists {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version",
    )
    .fetch_all(pool)
    .await?)
}

/// The newest versioned migration the server has applied (the repeatable step left out), and
/// its PostgreSQL version as the server announced it when the connection started.
pub async fn server_versions(pool: &PgPool) -> anyhow::Result<(Option<i64>, Option<u32>)> {
    let schema = applied_migrations(pool)
        .await?
        .into_iter()
        .map(|(version, _)| version)
        .filter(|version| *version != schema_objects::VERSION)
        .max();
    let postgres = pool.acquire().await?.server_version_num();
    Ok((schema, postgres))
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
    /// Same migrations, but the server's functions and policies (`sql/`) come from another
    /// build: one of the two is out of date, and a hash cannot tell which.
    Different,
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
            SchemaState::Different => Some(
                "The server's database functions come from another version of ticketdesk. \
                 Ask an admin to run `ticketdesk migrate` with the version your team uses, or \
                 update ticketdesk."
                    .into(),
            ),
        }
    }
}

pub async fn schema_state(pool: &PgPool) -> anyhow::Result<SchemaState> {
    let rows = applied_migrations(pool).await?;
    let applied: Vec<i64> = rows.iter().map(|(version, _)| *version).collect();
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
    if !missing.is_empty() {
        return Ok(SchemaState::Behind { missing });
    }
    let ours = MIGRATOR
        .iter()
        .find(|m| m.version == schema_objects::VERSION)
        .map(|m| m.checksum.as_ref());
    let theirs = rows
        .iter()
        .find(|(version, _)| *version == schema_objects::VERSION)
        .map(|(_, checksum)| checksum.as_slice());
    Ok(if ours == theirs {
        SchemaState::UpToDate
    } else {
        SchemaState::Different
    })
}
