//! The queue's first page under load: 1, 8 and 32 clients at once, each a tokio task with its
//! own connection (a pool of that many), each transaction the desktop path of `list_queue`
//! (`db::tickets::queue_for_session`: one statement bringing the bench user's session). Then
//! its floor the same way: the plain SQL on as many owner connections. Each client count runs
//! for [`WINDOW`] or [`MAX_TRANSACTIONS`], whichever ends first, after every client has warmed
//! its connection; then the pools are closed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::Barrier;

use super::{anyhow_from, floors, percentile, Table, WARM_UP};
use crate::db;
use crate::domain::permissions::Actor;
use crate::domain::ticket::QueueQuery;

pub(super) const CLIENTS: [u32; 3] = [1, 8, 32];
/// How long each client count runs.
const WINDOW: Duration = Duration::from_secs(3);
/// And at most this many transactions in all.
const MAX_TRANSACTIONS: usize = 20_000;

/// One client count's run.
struct Load {
    transactions: usize,
    per_second: f64,
    p50: f64,
    p99: f64,
}

pub(super) async fn measure(
    table: &mut Table,
    desk_url: &str,
    owner_url: &str,
    session: &str,
    actor: Actor,
) -> anyhow::Result<()> {
    table.section(
        &format!(
            "queue, first page, concurrent clients ({} s or {MAX_TRANSACTIONS} transactions each)",
            WINDOW.as_secs()
        ),
        &[
            "clients",
            "transactions",
            "tx/s",
            "p50 ms",
            "p99 ms",
            "floor tx/s",
            "floor p50",
            "floor p99",
        ],
    );
    for clients in CLIENTS {
        let desk = db::connect(desk_url, clients).await?;
        let pool = desk.clone();
        let session = Arc::<str>::from(session);
        let app = drive(clients, move || {
            let desk = pool.clone();
            let session = session.clone();
            async move {
                db::tickets::queue_for_session(&desk, &session, &QueueQuery::default())
                    .await
                    .map_err(anyhow_from)?;
                Ok(())
            }
        })
        .await
        .with_context(|| format!("the queue from {clients} clients"));
        desk.close().await;
        let app = app?;

        let owner = db::connect(owner_url, clients).await?;
        let pool = owner.clone();
        let floor = drive(clients, move || {
            let owner = pool.clone();
            async move {
                let query = QueueQuery::default();
                let mut sql = floors::queue(actor, &query)?;
                sql.build().fetch_all(&owner).await?;
                Ok(())
            }
        })
        .await
        .with_context(|| format!("the queue's floor from {clients} clients"));
        owner.close().await;
        let floor = floor?;
        table.section_row(vec![
            clients.to_string(),
            app.transactions.to_string(),
            format!("{:.0}", app.per_second),
            format!("{:.2}", app.p50),
            format!("{:.2}", app.p99),
            format!("{:.0}", floor.per_second),
            format!("{:.2}", floor.p50),
            format!("{:.2}", floor.p99),
        ]);
    }
    Ok(())
}

/// Runs `transaction` from `clients` tasks at once: each warms up, all start together, and each
/// goes on until the window closes or the transactions run out. Latency of each transaction,
/// and transactions per second of wall time for all of them.
async fn drive<F, Fut>(clients: u32, transaction: F) -> anyhow::Result<Load>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let start = Arc::new(Barrier::new(clients as usize + 1));
    let left = Arc::new(AtomicUsize::new(MAX_TRANSACTIONS));
    let mut tasks = Vec::with_capacity(clients as usize);
    for _ in 0..clients {
        let transaction = transaction.clone();
        let start = start.clone();
        let left = left.clone();
        tasks.push(tokio::spawn(async move {
            // Warm this client's connection (its prepared statements and plans) first.
            let mut warm = Ok(());
            for _ in 0..WARM_UP {
                warm = transaction().await;
                if warm.is_err() {
                    break;
                }
            }
            start.wait().await;
            warm?;
            let deadline = Instant::now() + WINDOW;
            let mut latencies = Vec::new();
            while Instant::now() < deadline
                && left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
            {
                let started = Instant::now();
                transaction().await?;
                latencies.push(started.elapsed());
            }
            Ok::<_, anyhow::Error>((latencies, Instant::now()))
        }));
    }
    start.wait().await;
    let began = Instant::now();
    let mut latencies = Vec::new();
    let mut ended = began;
    for task in tasks {
        let (mine, done) = task.await.context("a client task panicked")??;
        latencies.extend(mine);
        ended = ended.max(done);
    }
    anyhow::ensure!(!latencies.is_empty(), "no transaction completed");
    latencies.sort();
    let wall = (ended - began).as_secs_f64();
    Ok(Load {
        transactions: latencies.len(),
        per_second: latencies.len() as f64 / wall,
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
    })
}
