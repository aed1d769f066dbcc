//! `ticketdesk bench`: times the queue, search and detail use cases through the functions the
//! Tauri commands call (a session transaction, the use case, the commit), beside their floor:
//! the very same SQL statement run bare on the owner's connection (no session, no row-level
//! security, no mapping), in the same run. `--notify` measures notification latency instead
//! (see `notify_latency`).

mod notify_latency;

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use sqlx::{Executor, PgPool};

use crate::app::Backend;
use crate::config::{self, DatabaseTarget};
use crate::db::{self, auth};
use crate::domain::permissions::Actor;
use crate::domain::ticket::{QueueQuery, QueueSort, Status};
use crate::error::Error;
use crate::solo;

/// The demo engineer whose desk is measured.
const BENCH_USER: &str = "dev";

struct Case {
    name: String,
    query: QueueQuery,
}

pub async fn run(samples: usize, notify: bool) -> anyhow::Result<()> {
    let target = config::resolve(None)?;
    let backend = Backend::open(&target).await.map_err(anyhow_from)?;
    // Two connections: the notification floor listens on one and notifies on the other.
    let owner = match &target {
        DatabaseTarget::Solo { dir } => {
            let cluster = solo::SoloCluster::ensure_running(dir).await?;
            db::connect(&cluster.url(solo::DATABASE_NAME), 2).await?
        }
        DatabaseTarget::Team { url } => db::connect(url, 2).await?,
    };
    let result = if notify {
        notify_latency::measure(&backend.pool, &owner, samples).await
    } else {
        measure(&backend.pool, &owner, samples).await
    };
    owner.close().await;
    backend.close().await;
    result
}

async fn measure(desk: &PgPool, owner: &PgPool, samples: usize) -> anyhow::Result<()> {
    let tokens = auth::sign_in(
        desk,
        BENCH_USER,
        db::demo_data::DEMO_PASSWORD,
        None,
        Some("bench"),
    )
    .await
    .map_err(anyhow_from)
    .context("signing in as the demo engineer (run `ticketdesk demo-data` first)")?;
    let session = tokens.session_token;
    let actor = {
        let mut tx = auth::begin_as(desk, &session).await.map_err(anyhow_from)?;
        db::users::current_actor(&mut *tx)
            .await
            .map_err(anyhow_from)?
            .context("the bench session resolved to nobody")?
    };
    let tickets: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets")
        .fetch_one(owner)
        .await?;
    if tickets == 0 {
        bail!("no tickets to measure: run `ticketdesk demo-data` first");
    }
    println!("ticketdesk bench: {tickets} tickets, {samples} samples per case, as {BENCH_USER}");
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9} {:>7}",
        "case", "p50 ms", "p99 ms", "floor p50", "floor p99", "ratio"
    );

    let (deep_cursor, pages) = cursor_after_pages(desk, &session, actor, 10).await?;
    let cases = [
        Case {
            name: "queue: first page (newest)".into(),
            query: QueueQuery::default(),
        },
        Case {
            name: "queue: open work by priority".into(),
            query: QueueQuery {
                statuses: vec![Status::Open, Status::InProgress],
                sort: QueueSort::Priority,
                ..Default::default()
            },
        },
        Case {
            name: format!("queue: page {} (keyset)", pages + 1),
            query: QueueQuery {
                after: deep_cursor,
                ..Default::default()
            },
        },
        Case {
            name: "search: \"disk\" newest first".into(),
            query: QueueQuery {
                text: Some("disk".into()),
                ..Default::default()
            },
        },
        Case {
            name: "search: \"disk full\" by relevance".into(),
            query: QueueQuery {
                text: Some("disk full".into()),
                sort: QueueSort::Relevance,
                ..Default::default()
            },
        },
    ];
    for case in &cases {
        let mut app = Vec::with_capacity(samples);
        let mut floor = Vec::with_capacity(samples);
        let mut bare = owner.acquire().await?;
        // Warm both paths (plans, caches) before timing.
        for round in 0..samples + 5 {
            let started = Instant::now();
            let mut tx = auth::begin_as(desk, &session).await.map_err(anyhow_from)?;
            db::tickets::queue(&mut tx, actor, &case.query)
                .await
                .map_err(anyhow_from)?;
            tx.commit().await?;
            let app_time = started.elapsed();

            let mut sql = db::tickets::queue_sql(actor, &case.query).map_err(anyhow_from)?;
            let started = Instant::now();
            let persistent = db::tickets::queue_plan_is_reusable(&case.query);
            bare.fetch_all(sql.build().persistent(persistent)).await?;
            let floor_time = started.elapsed();
            if round >= 5 {
                app.push(app_time);
                floor.push(floor_time);
            }
        }
        report(&case.name, &mut app, Some(&mut floor));
    }

    let ticket_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM tickets ORDER BY created_at DESC LIMIT 1")
            .fetch_one(owner)
            .await?;
    let mut detail = Vec::with_capacity(samples);
    for round in 0..samples + 5 {
        let started = Instant::now();
        let mut tx = auth::begin_as(desk, &session).await.map_err(anyhow_from)?;
        db::tickets::detail(&mut tx, actor, ticket_id)
            .await
            .map_err(anyhow_from)?;
        tx.commit().await?;
        if round >= 5 {
            detail.push(started.elapsed());
        }
    }
    report("ticket detail", &mut detail, None);
    println!("rerun: ticketdesk bench --samples {samples}");
    Ok(())
}

/// The cursor after up to `pages` pages of the default queue (fewer when the queue is shorter),
/// and how many pages that is, so a deep page can be timed.
async fn cursor_after_pages(
    desk: &PgPool,
    session: &str,
    actor: Actor,
    pages: usize,
) -> anyhow::Result<(Option<String>, usize)> {
    let mut after = None;
    let mut walked = 0;
    for _ in 0..pages {
        let mut tx = auth::begin_as(desk, session).await.map_err(anyhow_from)?;
        let page = db::tickets::queue(
            &mut tx,
            actor,
            &QueueQuery {
                after: after.clone(),
                ..Default::default()
            },
        )
        .await
        .map_err(anyhow_from)?;
        tx.commit().await?;
        match page.next_cursor {
            Some(next) => {
                after = Some(next);
                walked += 1;
            }
            None => break,
        }
    }
    Ok((after, walked))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn report(name: &str, app: &mut [Duration], floor: Option<&mut [Duration]>) {
    app.sort();
    let (p50, p99) = (percentile(app, 0.5), percentile(app, 0.99));
    match floor {
        Some(floor) => {
            floor.sort();
            let (f50, f99) = (percentile(floor, 0.5), percentile(floor, 0.99));
            println!(
                "{name:<34} {p50:>9.2} {p99:>9.2} {f50:>9.2} {f99:>9.2} {:>6.1}x",
                p50 / f50
            );
        }
        None => println!(
            "{name:<34} {p50:>9.2} {p99:>9.2} {:>9} {:>9} {:>7}",
            "—", "—", "—"
        ),
    }
}

fn anyhow_from(err: Error) -> anyhow::Error {
    anyhow::anyhow!(crate::error::AppError::from(err))
}
