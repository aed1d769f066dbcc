//! Reading users.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::db::parse_column;
use crate::domain::permissions::Actor;
use crate::domain::user::UserSummary;
use crate::error::{Error, Result};

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

/// Active users, most privileged first, then by name: names, roles and departments for pickers
/// and bylines (`api.active_users`).
pub async fn list_active(db: impl PgExecutor<'_>) -> Result<Vec<UserSummary>> {
    // A function's columns infer as nullable; "!" and "?" keep UserRow's types.
    let rows: Vec<UserRow> = sqlx::query_as!(
        UserRow,
        r#"SELECT id AS "id!", username AS "username!", display_name AS "display_name!",
                  role AS "role!", department AS "department?"
           FROM api.active_users(NULL)"#
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(UserSummary::try_from).collect()
}

/// An active user, or `NotFound`.
pub async fn find_active(db: impl PgExecutor<'_>, id: Uuid) -> Result<UserSummary> {
    let row: Option<UserRow> = sqlx::query_as!(
        UserRow,
        r#"SELECT id AS "id!", username AS "username!", display_name AS "display_name!",
                  role AS "role!", department AS "department?"
           FROM api.active_users($1)"#,
        id
    )
    .fetch_optional(db)
    .await?;
    row.ok_or_else(|| Error::NotFound("No active user with that id.".into()))?
        .try_into()
}

/// An active user by login name, for the server administrator's commands (`ticketdesk
/// reset-password`, `unlock`), which run on the owner's connection.
pub async fn find_active_by_username(
    db: impl PgExecutor<'_>,
    username: &str,
) -> Result<UserSummary> {
    let row: Option<UserRow> = sqlx::query_as!(
        UserRow,
        r#"SELECT id AS "id!", username AS "username!",
                  first_name || ' ' || last_name AS "display_name!", role AS "role!",
                  department AS "department?"
           FROM users WHERE username = $1 AND is_active"#,
        username
    )
    .fetch_optional(db)
    .await?;
    row.ok_or_else(|| Error::NotFound(format!("No active user named {username:?}.")))?
        .try_into()
}

impl From<&UserSummary> for Actor {
    fn from(user: &UserSummary) -> Self {
        Actor {
            id: user.id,
            role: user.role,
        }
    }
}
