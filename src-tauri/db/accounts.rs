//! Account administration and self-service codes, through the server's definer functions
//! (migrations/…_account_admin.sql), which check that the caller is an admin and audit.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::db::parse_column;
use crate::domain::account::{AccountChange, AccountView, NewAccount};
use crate::domain::password;
use crate::error::{Error, Result};

pub async fn list(conn: &mut PgConnection) -> Result<Vec<AccountView>> {
    struct Row {
        id: Uuid,
        username: String,
        email: String,
        display_name: String,
        role: String,
        department: Option<String>,
        is_active: bool,
        account_locked_until: Option<DateTime<Utc>>,
        failed_login_attempts: i32,
        is_email_verified: bool,
        mfa_enabled: bool,
    }
    // A function's columns infer as nullable: "!" and "?" keep the types as declared above.
    let rows: Vec<Row> = sqlx::query_as!(
        Row,
        r#"SELECT id AS "id!", username AS "username!", email AS "email!",
                  display_name AS "display_name!", role AS "role!", department AS "department?",
                  is_active AS "is_active!", account_locked_until AS "account_locked_until?",
                  failed_login_attempts AS "failed_login_attempts!",
                  is_email_verified AS "is_email_verified!", mfa_enabled AS "mfa_enabled!"
           FROM api.admin_list_accounts()"#
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(AccountView {
                id: r.id,
                username: r.username,
                email: r.email,
                display_name: r.display_name,
                role: parse_column(&r.role)?,
                department: r.department,
                is_active: r.is_active,
                locked_until: r.account_locked_until,
                failed_sign_ins: r.failed_login_attempts,
                email_verified: r.is_email_verified,
                mfa_enabled: r.mfa_enabled,
            })
        })
        .collect()
}

/// Creates an account with a password verifier derived here (Argon2id, off the runtime).
pub async fn create(conn: &mut PgConnection, account: NewAccount) -> Result<Uuid> {
    let username = account.username.trim().to_owned();
    if username.is_empty() || username.chars().count() > 50 {
        return Err(Error::Validation(
            "A username has 1 to 50 characters.".into(),
        ));
    }
    let (first, last) = (account.first_name.trim(), account.last_name.trim());
    if first.is_empty() || last.is_empty() {
        return Err(Error::Validation(
            "An account needs a first and a last name.".into(),
        ));
    }
    let verifier = verifier_for(account.password).await?;
    let department = account
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let id = sqlx::query_scalar!(
        r#"SELECT api.admin_create_user($1, $2, $3, $4, $5, $6, $7) AS "id!""#,
        &username,
        account.email.trim(),
        first,
        last,
        account.role.as_str(),
        department,
        verifier
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn update(conn: &mut PgConnection, user: Uuid, change: AccountChange) -> Result<()> {
    let department = change
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    sqlx::query!(
        "SELECT api.admin_update_user($1, $2, $3, $4)",
        user,
        change.role.as_str(),
        department,
        change.is_active
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn unlock(conn: &mut PgConnection, user: Uuid) -> Result<()> {
    sqlx::query!("SELECT api.admin_unlock($1)", user)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A one-hour, single-use reset code for `user`, to hand over out of band.
pub async fn issue_reset(conn: &mut PgConnection, user: Uuid) -> Result<String> {
    Ok(
        sqlx::query_scalar!(r#"SELECT api.password_reset_issue($1) AS "code!""#, user)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Sets a new password with a reset code; needs no session. Every session of the user ends.
pub async fn complete_reset(pool: &PgPool, code: &str, new_password: &str) -> Result<()> {
    let code = code.trim();
    if code.is_empty() {
        return Err(Error::Validation(
            "Enter the reset code you were given.".into(),
        ));
    }
    let verifier = verifier_for(new_password.to_owned()).await?;
    let done: bool = sqlx::query_scalar!(
        r#"SELECT api.password_reset_complete($1, $2) AS "done!""#,
        code,
        verifier
    )
    .fetch_one(pool)
    .await?;
    if done {
        Ok(())
    } else {
        Err(Error::Validation(
            "That reset code is unknown, used or expired.".into(),
        ))
    }
}

pub async fn issue_email_verification(conn: &mut PgConnection, user: Uuid) -> Result<String> {
    Ok(sqlx::query_scalar!(
        r#"SELECT api.email_verification_issue($1) AS "code!""#,
        user
    )
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn verify_email(pool: &PgPool, code: &str) -> Result<bool> {
    Ok(
        sqlx::query_scalar!(r#"SELECT api.email_verify($1) AS "verified!""#, code.trim())
            .fetch_one(pool)
            .await?,
    )
}

async fn verifier_for(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || password::new_verifier(&password))
        .await
        .map_err(|e| Error::Unexpected(e.into()))?
        .map_err(Error::Validation)
}
