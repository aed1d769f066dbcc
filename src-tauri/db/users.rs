//! Reading users.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::db::parse_column;
use crate::domain::permissions::Actor;
use crate::domain::user::UserSummary;
use crate::error::{Error, Result};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    username: String,
    display_name: String,
    role: String,
    department: Option<String>,
}

impl TryFrom<UserRow> for UserSummary {
    type Error = Error;
    fn try_from(row: UserRow) -> Result<Self> {
        Ok(UserSummary {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            role: parse_column(&row.role)?,
            department: row.department,
        })
    }
}

const SELECT_USER: &str = "SELECT id, username, first_name || ' ' || last_name AS display_name, \
                           role, department FROM users";

/// Active users, most privileged first, then by name.
pub async fn list_active(db: impl PgExecutor<'_>) -> Result<Vec<UserSummary>> {
    let rows: Vec<UserRow> = sqlx::query_as(&format!(
        "{SELECT_USER} WHERE is_active \
         ORDER BY array_position(ARRAY['ADMIN','MANAGER','TEAM_LEAD','SENIOR_ENGINEER',\
         'DEVOPS_ENGINEER','END_USER']::varchar[], role), first_name, last_name"
    ))
    .fetch_all(db)
    .await?;
    rows.into_iter().map(UserSummary::try_from).collect()
}

/// An active user, or `NotFound`.
pub async fn find_active(db: impl PgExecutor<'_>, id: Uuid) -> Result<UserSummary> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("{SELECT_USER} WHERE id = $1 AND is_active"))
            .bind(id)
            .fetch_optional(db)
            .await?;
    row.ok_or_else(|| Error::NotFound("No active user with that id.".into()))?
        .try_into()
}

pub async fn find_active_by_username(
    db: impl PgExecutor<'_>,
    username: &str,
) -> Result<UserSummary> {
    let row: Option<UserRow> =
        sqlx::query_as(&format!("{SELECT_USER} WHERE username = $1 AND is_active"))
            .bind(username)
            .fetch_optional(db)
            .await?;
    row.ok_or_else(|| Error::NotFound(format!("No active user named {username:?}.")))?
        .try_into()
}

/// The user whose session token the current transaction carries, or None when the token is
/// missing, unknown, expired or revoked.
pub async fn current_actor(db: impl PgExecutor<'_>) -> Result<Option<Actor>> {
    let row: (Option<Uuid>, Option<String>) =
        sqlx::query_as("SELECT current_user_id(), current_user_role()::text")
            .fetch_one(db)
            .await?;
    match row {
        (Some(id), Some(role)) => Ok(Some(Actor {
            id,
            role: parse_column(&role)?,
        })),
        _ => Ok(None),
    }
}

impl From<&UserSummary> for Actor {
    fn from(user: &UserSummary) -> Self {
        Actor {
            id: user.id,
            role: user.role,
        }
    }
}

/// An account an admin creates.
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub role: crate::domain::user::Role,
    pub department: Option<&'a str>,
    pub password: &'a str,
}

/// Creates a user with a password verifier and records it in `audit_logs`, in one transaction.
/// Runs with the owner's connection (CLI), not the desktop role.
pub async fn create_account(pool: &sqlx::PgPool, account: NewAccount<'_>) -> Result<UserSummary> {
    let username = account.username.trim();
    if username.is_empty() || username.chars().count() > 50 {
        return Err(Error::Validation(
            "A username has 1 to 50 characters.".into(),
        ));
    }
    let verifier =
        crate::domain::password::new_verifier(account.password).map_err(Error::Validation)?;
    let mut tx = pool.begin().await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO users (username, email, password_hash, first_name, last_name, role, department, \
                            is_email_verified, last_password_change) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, now()) RETURNING id",
    )
    .bind(username)
    .bind(account.email.trim())
    .bind(verifier)
    .bind(account.first_name.trim())
    .bind(account.last_name.trim())
    .bind(account.role.as_str())
    .bind(account.department)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("users_username_key") => {
            Error::Conflict(format!("The username {username:?} is taken."))
        }
        sqlx::Error::Database(db) if db.constraint() == Some("users_email_key") => {
            Error::Conflict("That email address already has an account.".into())
        }
        sqlx::Error::Database(db) if db.constraint() == Some("chk_email_format") => {
            Error::Validation("That is not an email address.".into())
        }
        _ => Error::from(e),
    })?;
    sqlx::query(
        "INSERT INTO audit_logs (user_id, event_type, event_status, event_message, metadata) \
         VALUES ($1, 'ROLE_CHANGED', 'SUCCESS', 'account created', jsonb_build_object('role', $2::text))",
    )
    .bind(id)
    .bind(account.role.as_str())
    .execute(&mut *tx)
    .await?;
    let user = find_active(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(user)
}
