//! Per-user notification preferences (SPEC §7): which events reach you on which channels. A
//! choice is stored only once made; until then the database's `notification_default` applies,
//! and the fan-out triggers read the same two places. Through the API only
//! (sql/api/notification_preferences.sql).

use sqlx::PgConnection;

use crate::db::parse_column;
use crate::domain::notification::{
    check_choosable, Channel, NotificationKind, NotificationPreference,
};
use crate::error::{Error, Result};

/// The signed-in user's whole grid: every choosable kind on every channel, defaults filled in.
pub async fn list(conn: &mut PgConnection) -> Result<Vec<NotificationPreference>> {
    let kinds: Vec<&str> = NotificationKind::CHOOSABLE
        .iter()
        .map(|k| k.as_str())
        .collect();
    let channels: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
    let rows = sqlx::query!(
        r#"SELECT kind AS "kind!", channel AS "channel!", enabled AS "enabled!"
           FROM api.notification_preferences($1, $2)"#,
        // Slices of &str; the macro's check wants Vec<String> for a varchar[].
        &kinds as _,
        &channels as _
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(NotificationPreference {
                kind: parse_column(&row.kind)?,
                channel: parse_column(&row.channel)?,
                enabled: row.enabled,
            })
        })
        .collect()
}

/// Stores one choice of the signed-in user (the server takes the user from the session) and
/// returns the whole grid as it now is.
pub async fn set(
    conn: &mut PgConnection,
    choice: NotificationPreference,
) -> Result<Vec<NotificationPreference>> {
    check_choosable(choice.kind).map_err(Error::Validation)?;
    sqlx::query!(
        "SELECT api.set_notification_preference($1, $2, $3)",
        choice.kind.as_str(),
        choice.channel.as_str(),
        choice.enabled
    )
    .execute(&mut *conn)
    .await?;
    list(conn).await
}
