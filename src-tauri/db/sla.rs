//! The SLA breach sweep (SPEC §5). The deadline itself is set by the database when a ticket is
//! created or re-prioritised (migration `sla_clock`); this runs `api.sla_sweep()` periodically.

use std::time::Duration;

use sqlx::{PgExecutor, PgPool};

use crate::error::Result;

/// How often a desktop or the worker sweeps. Any number of them may: the advisory lock inside
/// `api.sla_sweep()` lets one through at a time and the others return at once.
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// The most tickets one sweep flags; a full batch is followed by another at once.
pub const SWEEP_BATCH: i32 = 500;

/// One sweep (on a pool: in its own transaction): how many tickets it flagged as breached, at
/// most [`SWEEP_BATCH`], or `None` when another process was sweeping at that moment.
pub async fn sweep(conn: impl PgExecutor<'_>) -> Result<Option<i32>> {
    // "?": NULL when another process holds the sweep's lock.
    Ok(
        sqlx::query_scalar!(r#"SELECT api.sla_sweep($1) AS "flagged?""#, SWEEP_BATCH)
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
                Ok(Some(flagged)) if flagged > 0 => {
                    tracing::info!(flagged, "SLA breaches flagged");
                    if flagged < SWEEP_BATCH {
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
