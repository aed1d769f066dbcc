//! The headless `ticketdesk worker` (SPEC §7, issue 6): delivers the outbox rows (EMAIL, SLACK,
//! SMS notifications) that the database's triggers write, with retries and backoff, and
//! sweeps for SLA breaches (`db::sla`) beside any desktop that does.
//!
//! - `config`   settings from a file and `TICKETDESK_WORKER_*` variables; secrets never logged
//! - `retry`    backoff and what an outcome writes to the row (pure)
//! - `message`  the claimed row and each channel's text (pure)
//! - `channels` SMTP, Slack webhook, SMS gateway
//! - `outbox`   the SQL: claim with a lease, record, release
//!
//! The loop: LISTEN on `ticketdesk_outbox`; claim due rows in one short statement; send them
//! outside any transaction; record each outcome in its own statement; claim again while whole
//! batches come back; then sleep until a NOTIFY, the next row's due time or the poll interval,
//! whichever is first. Any database error drops the session and reconnects with backoff.
//! Several workers may run side by side: SKIP LOCKED and the lease keep them off each other's
//! rows.

pub mod channels;
pub mod config;
pub mod message;
pub mod outbox;
pub mod retry;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::PgPool;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use self::channels::Channels;
pub use self::config::WorkerConfig;
use self::message::{Channel, Outgoing};
use self::retry::Update;

const FIRST_RECONNECT: Duration = Duration::from_millis(250);
const MAX_RECONNECT: Duration = Duration::from_secs(30);

struct Shared {
    pool: PgPool,
    channels: Channels,
    configured: Vec<Channel>,
    config: WorkerConfig,
}

/// Runs until `shutdown` completes: then claims nothing more, finishes (or gives back) what
/// it holds, and returns.
pub async fn run(
    config: WorkerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let channels = Channels::from_config(&config)?;
    let configured = channels.configured();
    if configured.is_empty() {
        anyhow::bail!(
            "no channel is configured: set {p}SMTP_HOST, {p}SLACK_WEBHOOK_URL or {p}SMS_GATEWAY_URL",
            p = config::ENV_PREFIX
        );
    }
    for channel in Channel::ALL {
        if !configured.contains(&channel) {
            tracing::warn!(%channel, "channel not configured: its notifications stay PENDING");
        }
    }
    let options: PgConnectOptions = config
        .database_url
        .expose()
        .parse()
        .context("invalid database URL")?;
    // Lazy: a worker started before its database waits for it like one that lost it.
    let pool = PgPoolOptions::new()
        // The listener's connection, the claims, and the records of the sends in flight.
        .max_connections(config.concurrency as u32 + 2)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy_with(options.application_name("ticketdesk-worker"));
    let shared = Arc::new(Shared {
        pool: pool.clone(),
        channels,
        configured,
        config,
    });

    let (stop_tx, mut stop) = watch::channel(false);
    let signal = tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });

    // The worker sweeps SLAs too, so breaches are flagged with every desktop closed.
    let sweeps = tokio::spawn(crate::db::sla::sweep_every(
        pool.clone(),
        crate::db::sla::SWEEP_EVERY,
    ));
    let mut reconnect = FIRST_RECONNECT;
    let mut told_waiting = false;
    loop {
        match session(&shared, &mut stop, &mut reconnect, &mut told_waiting).await {
            Ok(()) => break,
            Err(_) if stopping(&stop) => break,
            Err(err) => {
                tracing::warn!(
                    error = format!("{err:#}"),
                    retry_in = ?reconnect,
                    "worker cannot use the database; retrying"
                );
                tokio::select! {
                    _ = tokio::time::sleep(reconnect) => {}
                    _ = stop.changed() => break,
                }
                reconnect = (reconnect * 2).min(MAX_RECONNECT);
            }
        }
    }
    tracing::info!("worker stopping");
    signal.abort();
    sweeps.abort();
    shared.channels.shutdown().await;
    pool.close().await;
    Ok(())
}

fn stopping(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow()
}

/// One connection's life: listen, catch up, then wait and deliver until stopped or an error.
async fn session(
    shared: &Arc<Shared>,
    stop: &mut watch::Receiver<bool>,
    reconnect: &mut Duration,
    told_waiting: &mut bool,
) -> anyhow::Result<()> {
    // Connecting may wait out the pool's acquire timeout: a stop must not wait for it.
    let connecting = async {
        let mut listener = PgListener::connect_with(&shared.pool).await?;
        listener.listen(outbox::CHANNEL).await?;
        Ok::<_, sqlx::Error>(listener)
    };
    let mut listener = tokio::select! {
        listener = connecting => listener?,
        _ = stop.changed() => return Ok(()),
    };
    if let Some(problem) = crate::db::schema_state(&shared.pool).await?.problem() {
        anyhow::bail!(problem);
    }
    *reconnect = FIRST_RECONNECT;
    tracing::info!(channels = ?shared.configured, "worker listening for notifications");
    if !*told_waiting {
        *told_waiting = true;
        for (channel, count) in outbox::waiting_elsewhere(&shared.pool, &shared.configured).await? {
            tracing::warn!(%channel, count, "PENDING notifications of a channel this worker does not deliver");
        }
    }
    loop {
        // Everything committed before LISTEN took effect, or missed while it was down.
        drain(shared, stop).await?;
        if stopping(stop) {
            return Ok(());
        }
        let poll = shared.config.poll_interval;
        // A floor, so that a due row another worker is claiming this very moment does not
        // make this loop spin.
        let wait = match outbox::next_due(&shared.pool, &shared.configured).await? {
            Some(due) => due.max(Duration::from_millis(10)).min(poll),
            None => poll,
        };
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || stopping(stop) {
                    return Ok(());
                }
            }
            // The payload is only a wake-up (a forged one costs a claim, nothing more). None:
            // the connection dropped and sqlx reconnected it; draining catches up.
            woken = listener.try_recv() => {
                woken?;
                while listener.next_buffered().is_some() {}
            }
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Claims and sends batch after batch while whole batches come back.
async fn drain(shared: &Arc<Shared>, stop: &watch::Receiver<bool>) -> anyhow::Result<()> {
    let config = &shared.config;
    loop {
        if stopping(stop) {
            return Ok(());
        }
        let batch = outbox::claim(
            &shared.pool,
            &shared.configured,
            config.batch_size,
            config.lease,
        )
        .await
        .context("claiming notifications")?;
        let claimed = batch.len();
        if claimed == 0 {
            return Ok(());
        }
        let claimed_at = Instant::now();
        let permits = Arc::new(Semaphore::new(config.concurrency));
        let mut sends = JoinSet::new();
        for row in batch {
            let shared = Arc::clone(shared);
            let permits = Arc::clone(&permits);
            let stop = stop.clone();
            sends.spawn(async move {
                let _permit = permits.acquire_owned().await;
                deliver(&shared, row, claimed_at, &stop).await;
            });
        }
        while let Some(done) = sends.join_next().await {
            if let Err(err) = done {
                tracing::error!(error = %err, "a send task failed");
            }
        }
        if claimed < config.batch_size as usize {
            return Ok(());
        }
    }
}

/// Sends one claimed row and records the outcome.
async fn deliver(
    shared: &Shared,
    row: Outgoing,
    claimed_at: Instant,
    stop: &watch::Receiver<bool>,
) {
    let config = &shared.config;
    // A send may take up to send_timeout; it must end within the lease, or another worker
    // could take the row meanwhile and send it again.
    if stopping(stop) || claimed_at.elapsed() + config.send_timeout >= config.lease {
        if let Err(err) = outbox::release(&shared.pool, row.id, row.retry_count).await {
            tracing::warn!(id = %row.id, error = %err, "cannot give a notification back; it waits for its lease");
        }
        return;
    }
    let outcome = shared.channels.send(&row).await;
    let update = retry::decide(&outcome, row.retry_count, &config.retry);
    match &update {
        Update::Sent { .. } => {
            tracing::info!(id = %row.id, channel = %row.channel, "notification sent")
        }
        Update::Retry {
            retry_count,
            failed_reason,
            after,
        } => tracing::warn!(
            id = %row.id, channel = %row.channel, attempt = retry_count, reason = %failed_reason,
            retry_in = ?after, "notification not sent; will retry"
        ),
        Update::Failed {
            retry_count,
            failed_reason,
        } => tracing::error!(
            id = %row.id, channel = %row.channel, attempts = retry_count, reason = %failed_reason,
            "notification FAILED"
        ),
    }
    record(shared, &row, &update).await;
}

/// Records an outcome, trying a few times: once sent, losing the record would send it again
/// when the lease runs out.
async fn record(shared: &Shared, row: &Outgoing, update: &Update) {
    let mut wait = Duration::from_millis(200);
    for attempt in 1..=4 {
        match outbox::record(&shared.pool, row.id, row.retry_count, update).await {
            Ok(true) => return,
            Ok(false) => {
                tracing::warn!(id = %row.id, "notification changed since it was claimed; outcome not recorded");
                return;
            }
            Err(err) if attempt < 4 => {
                tracing::warn!(id = %row.id, error = %err, "cannot record an outcome yet");
                tokio::time::sleep(wait).await;
                wait *= 4;
            }
            Err(err) => {
                tracing::error!(id = %row.id, error = %err, "cannot record an outcome; the notification will be tried again after its lease");
            }
        }
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn termination() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No handler could be installed: wait for SIGTERM alone.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}
