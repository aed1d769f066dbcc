//! In-app notifications: written in the transaction of the change that causes them, then
//! claimed exactly once by one of the recipient's running desktops.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgExecutor};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::Result;

/// Channel on which a committed notification wakes desktops. The payload is only the row id:
/// anyone may LISTEN, so it carries nothing a desktop would not re-read from the table.
pub const CHANNEL: &str = "ticketdesk_notification";

pub struct NewInApp {
    pub user_id: Uuid,
    pub ticket_id: Uuid,
    pub kind: &'static str,
    pub subject: String,
    pub message: String,
    pub priority: &'static str,
}

/// Writes the notification and queues its wake-up; both take effect when `tx` commits.
pub async fn create_in_app(tx: &mut PgConnection, n: NewInApp) -> Result<Uuid> {
    // The id is made here, not RETURNed: the writer may not read a notification meant for
    // someone else (row-level security), so INSERT … RETURNING would be refused.
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO notifications (id, user_id, ticket_id, type, channel, subject, message, priority) \
         VALUES ($1, $2, $3, $4, 'IN_APP', $5, $6, $7)",
    )
    .bind(id)
    .bind(n.user_id)
    .bind(n.ticket_id)
    .bind(n.kind)
    .bind(&n.subject)
    .bind(&n.message)
    .bind(n.priority)
    .execute(&mut *tx)
    .await?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(id)
}

/// A notification as the desktop shows it (also the payload of the UI's `notification` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NotificationEvent {
    pub id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub subject: Option<String>,
    pub message: String,
}

/// Marks every undelivered in-app notification of `user_id` delivered and returns them, oldest
/// first. Rows another desktop is claiming are skipped and rows it already claimed no longer
/// match, so each notification is returned to exactly one caller.
pub async fn claim_undelivered(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<Vec<NotificationEvent>> {
    #[derive(sqlx::FromRow)]
    struct Claimed {
        #[sqlx(flatten)]
        event: NotificationEvent,
        created_at: DateTime<Utc>,
    }
    let mut claimed: Vec<Claimed> = sqlx::query_as(
        "UPDATE notifications SET delivered_at = CURRENT_TIMESTAMP, status = 'DELIVERED' \
         WHERE id IN (SELECT id FROM notifications \
                      WHERE user_id = $1 AND channel = 'IN_APP' AND delivered_at IS NULL \
                      FOR UPDATE SKIP LOCKED) \
         RETURNING id, ticket_id, subject, message, created_at",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    claimed.sort_by_key(|c| (c.created_at, c.event.id));
    Ok(claimed.into_iter().map(|c| c.event).collect())
}
