//! Sign-in, sessions and refresh tokens, through the server's SECURITY DEFINER functions
//! (migrations/…_trust_boundary.sql). Tokens travel only as bind parameters: every desktop
//! shares one database login and could read another's SQL text in pg_stat_activity.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::domain::password::{self, KdfParams};
use crate::domain::permissions::Actor;
use crate::error::{Error, Result};

/// What a successful sign-in or refresh yields. The session token goes into every
/// transaction; the refresh token is kept to sign in again silently.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionTokens {
    pub session_token: String,
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for SessionTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTokens")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// One message for every failure, so it reveals neither whether the login exists nor whether
/// the account is throttled.
pub const SIGN_IN_FAILED: &str = "Sign-in failed: wrong username, password or authentication \
     code, or too many failures in a row (wait up to 30 seconds).";

/// Three steps, three transactions: the first commits the attempt (it counts as failed until
/// sign-in succeeds), the key is derived here and checked by the server, and a last step
/// opens the session if the committed check matched.
pub async fn sign_in(
    pool: &PgPool,
    login: &str,
    password: &str,
    mfa_code: Option<&str>,
    device: Option<&str>,
) -> Result<SessionTokens> {
    let login = login.trim();
    if login.is_empty() || password.is_empty() {
        return Err(Error::Validation(
            "Enter your username (or email) and password.".into(),
        ));
    }
    if login.chars().count() > 255 || password.chars().count() > password::PASSWORD_MAX_CHARS {
        return Err(Error::Unauthenticated(SIGN_IN_FAILED.into()));
    }
    // A function's columns infer as nullable; "!" and "?" keep the types as they were.
    let start = sqlx::query!(
        r#"SELECT attempt_id AS "attempt_id!", salt AS "salt!", m_cost AS "m_cost!",
                  t_cost AS "t_cost!", p_cost AS "p_cost!"
           FROM api.sign_in_start($1)"#,
        login
    )
    .fetch_one(pool)
    .await?;
    let attempt: Uuid = start.attempt_id;
    let params = KdfParams {
        salt: start.salt,
        m_cost_kib: u32::try_from(start.m_cost).unwrap_or(u32::MAX),
        t_cost: u32::try_from(start.t_cost).unwrap_or(u32::MAX),
        p_cost: u32::try_from(start.p_cost).unwrap_or(u32::MAX),
    };
    let password = password.to_owned();
    let key = tokio::task::spawn_blocking(move || password::derive_key(&password, &params))
        .await
        .map_err(|e| Error::Unexpected(e.into()))?
        .map_err(|e| Error::Unexpected(anyhow::anyhow!(e)))?;
    // Step 2 records the verdict without revealing it; step 3, in a later transaction, acts on
    // it. Each statement here is its own (autocommitted) transaction.
    sqlx::query!(
        "SELECT api.sign_in_check($1, $2, $3, $4)",
        attempt,
        &key[..],
        device,
        mfa_code.map(str::trim)
    )
    .execute(pool)
    .await?;
    let tokens = sqlx::query_as!(
        SessionTokens,
        r#"SELECT session_token AS "session_token!", refresh_token AS "refresh_token!",
                  expires_at AS "expires_at!"
           FROM api.sign_in_complete($1)"#,
        attempt
    )
    .fetch_optional(pool)
    .await?;
    tokens.ok_or_else(|| Error::Unauthenticated(SIGN_IN_FAILED.into()))
}

/// Rotates the refresh token. A token used twice revokes its whole family.
pub async fn refresh(pool: &PgPool, refresh_token: &str) -> Result<SessionTokens> {
    let tokens = sqlx::query_as!(
        SessionTokens,
        r#"SELECT session_token AS "session_token!", refresh_token AS "refresh_token!",
                  expires_at AS "expires_at!"
           FROM api.refresh_session($1)"#,
        refresh_token
    )
    .fetch_optional(pool)
    .await?;
    tokens.ok_or_else(|| Error::Unauthenticated("Your session has ended; sign in again.".into()))
}

pub async fn sign_out(pool: &PgPool, session_token: &str) -> Result<()> {
    let mut tx = begin_as(pool, session_token).await?;
    sqlx::query!("SELECT api.sign_out()")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A transaction acting for the holder of `session_token`: row-level security resolves the
/// user from it. `set_config(…, true)` is local to the transaction, so it works through
/// PgBouncer's transaction pooling and never leaks to the next user of the connection.
pub async fn begin_as<'c>(pool: &PgPool, session_token: &str) -> Result<Transaction<'c, Postgres>> {
    let mut tx = pool.begin().await?;
    // fetch_one, not execute: query! has no execute for a statement that returns a value.
    sqlx::query!(
        "SELECT set_config('ticketdesk.session', $1, true)",
        session_token
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(tx)
}

/// `begin_as`, and who the session belongs to (None: expired, revoked or unknown), in one
/// round trip (migration `session_lookup`).
pub async fn begin_acting<'c>(
    pool: &PgPool,
    session_token: &str,
) -> Result<(Transaction<'c, Postgres>, Option<Actor>)> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        r#"SELECT user_id AS "user_id?", role::text AS "role?" FROM api.act_as($1)"#,
        session_token
    )
    .fetch_one(&mut *tx)
    .await?;
    let actor = match (row.user_id, row.role) {
        (Some(id), Some(role)) => Some(Actor {
            id,
            role: crate::db::parse_column(&role)?,
        }),
        _ => None,
    };
    Ok((tx, actor))
}

/// Ends a transaction that only read. Dropped, it queues its ROLLBACK, which sqlx sends with
/// the check it makes when the connection goes back to the pool, after the command has
/// answered: one round trip fewer than a COMMIT on the path of every read (issue 7).
pub fn end_read(tx: Transaction<'_, Postgres>) {
    drop(tx);
}

/// A signed-in desktop: who, and the tokens that prove it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub user: crate::domain::user::UserSummary,
    pub tokens: SessionTokens,
}

/// Whether the signed-in user has two-factor authentication on.
pub async fn mfa_status(conn: &mut sqlx::PgConnection) -> Result<bool> {
    Ok(
        sqlx::query_scalar!(r#"SELECT api.mfa_status() AS "enabled!""#)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Starts enrolment for the signed-in user: a new secret, stored by the server, returned once
/// as the URI to scan. MFA is required at sign-in only after [`mfa_confirm`].
pub async fn mfa_begin(
    conn: &mut sqlx::PgConnection,
    account: &str,
) -> Result<crate::domain::mfa::MfaEnrolment> {
    let (secret, enrolment) = crate::domain::mfa::new_enrolment(account)
        .map_err(|e| Error::Unexpected(anyhow::anyhow!(e)))?;
    sqlx::query!("SELECT api.mfa_enrol_begin($1)", secret)
        .execute(&mut *conn)
        .await?;
    Ok(enrolment)
}

/// Turns MFA on with a code from the authenticator; false when the code does not match.
pub async fn mfa_confirm(conn: &mut sqlx::PgConnection, code: &str) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT api.mfa_enrol_confirm($1) AS "confirmed!""#,
        code.trim()
    )
    .fetch_one(&mut *conn)
    .await?)
}

/// Turns MFA off with a current code; false when the code does not match.
pub async fn mfa_disable(conn: &mut sqlx::PgConnection, code: &str) -> Result<bool> {
    Ok(
        sqlx::query_scalar!(r#"SELECT api.mfa_disable($1) AS "disabled!""#, code.trim())
            .fetch_one(&mut *conn)
            .await?,
    )
}
