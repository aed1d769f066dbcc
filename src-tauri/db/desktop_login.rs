//! Database logins for desktops and workers: each a member of one least-privileged group role,
//! `ticketdesk_desktop` (what row-level security and the definer functions are written for) or
//! `ticketdesk_worker` (the outbox and the addresses it goes to, nothing else).

use anyhow::{bail, Context};
use rand::distributions::{Alphanumeric, DistString};
use sqlx::PgPool;

/// The group role a login is made a member of; its grants are all the login has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginGroup {
    /// `ticketdesk create-desktop-login`
    Desktop,
    /// `ticketdesk create-worker-login`
    Worker,
}

impl LoginGroup {
    pub fn role(self) -> &'static str {
        match self {
            LoginGroup::Desktop => "ticketdesk_desktop",
            LoginGroup::Worker => "ticketdesk_worker",
        }
    }

    /// How many connections one login may hold at once (`CONNECTION LIMIT`), so that a hostile
    /// holder of a desktop credential cannot take every connection the server has: a desktop
    /// uses 3 (a pool of 2 and its listener), so 60 serves 20 desktops sharing a login.
    /// `--connection-limit` sets another.
    pub fn default_connection_limit(self) -> u32 {
        match self {
            LoginGroup::Desktop => 60,
            LoginGroup::Worker => 8,
        }
    }

    fn what(self) -> &'static str {
        match self {
            LoginGroup::Desktop => "desktop",
            LoginGroup::Worker => "worker",
        }
    }
}

/// Roles a login must never be, nor already belong to (the definer bypasses RLS).
const GROUP_ROLES: [&str; 3] = [
    "ticketdesk_desktop",
    "ticketdesk_worker",
    "ticketdesk_definer",
];

/// Creates (or resets the password of) a login in `ticketdesk_desktop`; returns the password.
pub async fn create(pool: &PgPool, name: &str) -> anyhow::Result<String> {
    create_in(pool, name, LoginGroup::Desktop).await
}

/// Creates (or resets the password of) a login in `group`; returns the password.
///
/// An existing role is only reset if it is an ordinary login: never a group role, a
/// superuser or role admin, the role running this, or a member of another ticketdesk group
/// (a desktop login must not quietly become a worker too, or the reverse).
pub async fn create_in(pool: &PgPool, name: &str, group: LoginGroup) -> anyhow::Result<String> {
    if name.is_empty()
        || name.len() > 63
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        bail!("a login name has 1 to 63 letters, digits or underscores");
    }
    if GROUP_ROLES.contains(&name) {
        bail!("{name} is a group role; choose another name for the login");
    }
    let what = group.what();
    let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 32);
    let mut tx = pool.begin().await?;
    let others: Vec<&str> = GROUP_ROLES
        .into_iter()
        .filter(|g| *g != group.role())
        .collect();
    let existing: Option<(bool, bool)> = sqlx::query_as(
        "SELECT r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolname = current_user, \
                EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid \
                         WHERE m.member = r.oid AND g.rolname = ANY($2)) \
         FROM pg_roles r WHERE r.rolname = $1",
    )
    .bind(name)
    .bind(&others)
    .fetch_optional(&mut *tx)
    .await?;
    match existing {
        Some((true, _)) => bail!("refusing to turn the privileged role {name} into a {what} login"),
        Some((_, true)) => {
            bail!("{name} already belongs to another ticketdesk role; choose another name")
        }
        _ => {}
    }
    // Identifiers cannot be bound as parameters: `name` is checked above and quoted here;
    // the password is alphanumeric by construction.
    let verb = if existing.is_some() {
        "ALTER"
    } else {
        "CREATE"
    };
    sqlx::query(&format!(
        "{verb} ROLE \"{name}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{password}'"
    ))
    .execute(&mut *tx)
    .await
    .with_context(|| format!("creating the {what} login (run this as the database owner)"))?;
    sqlx::query(&format!("GRANT {} TO \"{name}\"", group.role()))
        .execute(&mut *tx)
        .await
        .with_context(|| format!("granting {} (run `ticketdesk migrate` first)", group.role()))?;
    // Defaults for every session of the login, so a stuck or hostile client cannot hold locks
    // or a backend for long. A client can still SET them lower or higher for its own session
    // (they are user-settable in PostgreSQL); a team server adds what no client can change
    // with PgBouncer's query_timeout and idle_transaction_timeout (see the README).
    for setting in SERVER_SIDE_TIMEOUTS {
        sqlx::query(&format!("ALTER ROLE \"{name}\" SET {setting}"))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(&format!(
        "ALTER ROLE \"{name}\" CONNECTION LIMIT {}",
        group.default_connection_limit()
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(password)
}

/// The per-login session defaults `create_in` sets (documented in the README).
pub const SERVER_SIDE_TIMEOUTS: [&str; 3] = [
    "statement_timeout = '30s'",
    "lock_timeout = '10s'",
    "idle_in_transaction_session_timeout = '60s'",
];

/// Changes how many connections a login made by `create_in` may hold at once.
pub async fn set_connection_limit(pool: &PgPool, name: &str, limit: u32) -> anyhow::Result<()> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || limit > 10_000 {
        bail!("a login name has letters, digits or underscores; a limit is at most 10000");
    }
    sqlx::query(&format!("ALTER ROLE \"{name}\" CONNECTION LIMIT {limit}"))
        .execute(pool)
        .await
        .with_context(|| format!("setting the connection limit of {name}"))?;
    Ok(())
}
