//! One `LISTEN` connection per running desktop. On every (re)connect it first listens, then
//! claims what was missed, so nothing committed in between falls through the gap. It never
//! holds a transaction open: each claim is one short transaction on the pool.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

use crate::db::auth::{self, SignedIn};
use crate::db::{notifications, tickets};
use crate::domain::notification::NotificationEvent;

/// Where the listener hands what it learns. The desktop raises native notifications and tells
/// the UI; tests collect into a channel.
pub trait Deliver: Send + Sync + 'static {
    /// A notification claimed for the user this desktop acts as; called once per notification.
    fn notification(&self, event: NotificationEvent);
    /// Some ticket changed somewhere: views may refresh.
    fn ticket_changed(&self, ticket_id: Uuid);
    /// The listener connection went up or down.
    fn connection(&self, online: bool);
}

/// At most this long between reconnect attempts: the outbox and missed notifications go soon
/// after the server is back, and a hundred desktops retrying cost the server ten failed
/// connection attempts a second while it is down.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// How often the listener asks the server whether it is still there, and how long it waits for
/// the answer. A server that stopped closes the connection at once, but one behind a VPN that
/// dropped (or a laptop lid that closed) just goes silent, and TCP would notice only after many
/// minutes: this bounds the desktop's "Offline" to about 5 s (issue 16, item 5).
pub const HEARTBEAT_EVERY: Duration = Duration::from_millis(2500);
pub const HEARTBEAT_WAIT: Duration = Duration::from_millis(2500);

/// Runs until the session sender is dropped (the app is closing). Reconnects with exponential backoff.
pub async fn run(pool: PgPool, mut session: watch::Receiver<Option<SignedIn>>, sink: impl Deliver) {
    let mut backoff = Duration::from_millis(250);
    loop {
        match listen(&pool, &mut session, &sink, &mut backoff).await {
            Ok(()) => return,
            // The app closed the pool on its way out.
            Err(_) if pool.is_closed() => return,
            Err(err) => {
                tracing::warn!(
                    error = format!("{err:#}"),
                    ?backoff,
                    "notification listener lost its connection"
                );
                sink.connection(false);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

async fn listen(
    pool: &PgPool,
    session: &mut watch::Receiver<Option<SignedIn>>,
    sink: &impl Deliver,
    backoff: &mut Duration,
) -> anyhow::Result<()> {
    let mut listener = PgListener::connect_with(pool).await?;
    // sqlx would reconnect inside `try_recv` by itself, silently re-listening without the
    // catch-up claim below (and without telling the UI it was offline): a loss must come back
    // here instead, so every reconnect claims what was missed meanwhile.
    listener.eager_reconnect(false);
    listener
        .listen_all([notifications::CHANNEL, tickets::TICKET_CHANNEL])
        .await?;
    *backoff = Duration::from_millis(250);
    sink.connection(true);
    let signed_in = session.borrow_and_update().clone();
    deliver_claimed(pool, signed_in, sink).await?;
    loop {
        tokio::select! {
            message = listener.try_recv() => {
                let Some(message) = message? else {
                    anyhow::bail!("the LISTEN connection closed");
                };
                if message.channel() == tickets::TICKET_CHANNEL {
                    if let Ok(id) = message.payload().parse() {
                        sink.ticket_changed(id);
                    }
                } else {
                    // The payload is only a wake-up: a forged one costs a query, nothing more.
                    let signed_in = session.borrow().clone();
                    deliver_claimed(pool, signed_in, sink).await?;
                }
            }
            changed = session.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
                let signed_in = session.borrow_and_update().clone();
                deliver_claimed(pool, signed_in, sink).await?;
            }
            _ = tokio::time::sleep(HEARTBEAT_EVERY) => {
                // Notifications that arrive meanwhile wait in the listener's buffer.
                let answer = sqlx::query("SELECT 1").execute(&mut listener);
                match tokio::time::timeout(HEARTBEAT_WAIT, answer).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(err)) => return Err(err.into()),
                    Err(_) => anyhow::bail!("the server did not answer within {HEARTBEAT_WAIT:?}"),
                }
            }
        }
    }
}

/// Claims in the signed-in user's own session: row-level security lets a desktop claim only
/// its user's notifications.
async fn deliver_claimed(
    pool: &PgPool,
    signed_in: Option<SignedIn>,
    sink: &impl Deliver,
) -> anyhow::Result<()> {
    let Some(signed_in) = signed_in else {
        return Ok(());
    };
    let mut tx = auth::begin_as(pool, &signed_in.tokens.session_token).await?;
    let claimed = notifications::claim_undelivered(&mut *tx).await?;
    tx.commit().await?;
    for event in claimed {
        sink.notification(event);
    }
    Ok(())
}
