//! In-app notifications: written by the database's triggers in the transaction of the change
//! that causes them (see migrations/…_notification_delivery.sql), then claimed exactly once by
//! one of the recipient's running desktops. Read and marked through the API only
//! (sql/api/notifications.sql), which takes the user from the session.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::domain::notification::{
    NotificationEvent, NotificationItem, NotificationPage, NotificationQuery,
};
use crate::error::Result;

/// Channel on which a committed notification wakes desktops. The payload is only the row id:
/// anyone may LISTEN, so it carries nothing a desktop would not re-read from the table.
pub const CHANNEL: &str = "ticketdesk_notification";

/// Marks every undelivered in-app notification of `user_id` delivered and returns them, oldest
/// first. Rows another desktop is claiming are skipped and rows it already claimed no longer
/// match, so each notification is returned to exactly one caller.
pub async fn claim_undelivered(db: impl PgExecutor<'_>) -> Result<Vec<NotificationEvent>> {
    // A function's columns infer as nullable; "!" and "?" keep the struct's types.
    Ok(sqlx::query_as!(
        NotificationEvent,
        r#"SELECT id AS "id!", ticket_id AS "ticket_id?", kind AS "kind!", subject AS "subject?",
                  message AS "message!"
           FROM api.claim_notifications()"#
    )
    .fetch_all(db)
    .await?)
}

const CENTRE_DEFAULT_LIMIT: u32 = 30;
const CENTRE_MAX_LIMIT: u32 = 100;

/// The signed-in user's in-app notifications (row-level security shows only theirs).
pub async fn list(conn: &mut PgConnection, query: &NotificationQuery) -> Result<NotificationPage> {
    let limit = query
        .limit
        .unwrap_or(CENTRE_DEFAULT_LIMIT)
        .clamp(1, CENTRE_MAX_LIMIT);
    let before = query
        .before
        .as_deref()
        .map(decode_cursor)
        .transpose()
        .map_err(crate::error::Error::Validation)?;
    let mut items: Vec<NotificationItem> = sqlx::query_as!(
        NotificationItem,
        r#"SELECT id AS "id!", ticket_id AS "ticket_id?", ticket_number AS "ticket_number?",
                  kind AS "kind!", subject AS "subject?", message AS "message!",
                  priority AS "priority!", created_at AS "created_at!", read_at AS "read_at?"
           FROM api.notifications($1, $2, $3, $4)"#,
        query.unread_only,
        before.map(|b| b.0),
        before.map(|b| b.1),
        limit as i32 + 1
    )
    .fetch_all(&mut *conn)
    .await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items
            .last()
            .map(|n| format!("{}_{}", n.created_at.timestamp_micros(), n.id.simple()))
    } else {
        None
    };
    Ok(NotificationPage {
        items,
        unread: unread_count(&mut *conn).await?,
        next_cursor,
    })
}

fn decode_cursor(text: &str) -> std::result::Result<(DateTime<Utc>, Uuid), String> {
    let invalid = || "Invalid notification cursor; start again from the newest.".to_owned();
    let (micros, id) = text.split_once('_').ok_or_else(invalid)?;
    let at = micros
        .parse()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(invalid)?;
    Ok((at, Uuid::parse_str(id).map_err(|_| invalid())?))
}

pub async fn unread_count(conn: &mut PgConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar!(r#"SELECT api.unread_notifications() AS "unread!""#)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Marks one notification read (again is harmless); returns the unread count after.
pub async fn mark_read(conn: &mut PgConnection, id: Uuid) -> Result<i64> {
    Ok(
        sqlx::query_scalar!(r#"SELECT api.mark_notification_read($1) AS "unread!""#, id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

pub async fn mark_all_read(conn: &mut PgConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar!(r#"SELECT api.mark_all_notifications_read() AS "unread!""#)
            .fetch_one(&mut *conn)
            .await?,
    )
}
