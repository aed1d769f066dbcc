//! The periodic SLA sweep (SPEC §3, §5): breaches, and RESOLVED tickets closed after 7 days.
//! The deadline itself is set by the database when a ticket is created or re-prioritised and
//! moved by pauses (sql/sla/); this runs `api.sla_sweep()` periodically.

use std::time::Duration;

use sqlx::{PgExecutor, PgPool};

use crate::error::Result;

/// How often a desktop or the worker sweeps. Any number of them may: the advisory lock inside
/// `api.sla_sweep()` lets one through at a time and the others return at once.
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// The most tickets one sweep flags, and the most it closes; a full batch is followed by
/// another at once.
pub const SWEEP_BATCH: i32 = 500;

/// One sweep (on a pool: in its own transaction): the larger of how many tickets it flagged as
/// breached and how many it closed, each at most [`SWEEP_BATCH`], or `None` when another
/// process was sweeping at that moment.
pub async fn sweep(conn: impl PgExecutor<'_>) -> Result<Option<i32>> {
    // "?": NULL when another process holds the sweep's lock.
    Ok(
        sqlx::query_scalar!(r#"SELECT api.sla_sweep($1) AS "changed?""#, SWEEP_BATCH)
            .fetch_one(conn)
            .await?,
    )
}

/// Sweeps every `period` for as long as the task lives. A failure (the server away, say) is
/// logged and the next tick tries again.
pub async fn sweep_every(pool: PgPool, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        loop {
            match sweep(&pool).await {
                Ok(Some(changed)) if changed > 0 => {
                    tracing::info!(changed, "SLA sweep flagged or closed tickets");
                    if changed < SWEEP_BATCH {
                        break;
                    }
                }
                Ok(_) => break,
                Err(err) => {
                    tracing::debug!(%err, "SLA sweep skipped");
                    break;
                }
            }
        }
    }
}
