//! Database logins for desktops: members of `ticketdesk_desktop`, the least-privileged role
//! that row-level security and the definer functions are written for.

use anyhow::{bail, Context};
use rand::distributions::{Alphanumeric, DistString};
use sqlx::PgPool;

/// Creates (or resets the password of) a login in `ticketdesk_desktop`; returns the password.
pub async fn create(pool: &PgPool, name: &str) -> anyhow::Result<String> {
    if name.is_empty()
        || name.len() > 63
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        bail!("a login name has 1 to 63 letters, digits or underscores");
    }
    let password = Alphanumeric.sample_string(&mut rand::thread_rng(), 32);
    let mut tx = pool.begin().await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
    // Identifiers cannot be bound as parameters: `name` is checked above and quoted here;
    // the password is alphanumeric by construction.
    let verb = if exists { "ALTER" } else { "CREATE" };
    sqlx::query(&format!(
        "{verb} ROLE \"{name}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{password}'"
    ))
    .execute(&mut *tx)
    .await
    .context("creating the desktop login (run this as the database owner)")?;
    sqlx::query(&format!("GRANT ticketdesk_desktop TO \"{name}\""))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(password)
}
