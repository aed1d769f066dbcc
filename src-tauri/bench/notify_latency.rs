//! `ticketdesk bench --notify`: how long from an assignment committed to the native `Notify`
//! call seen on the D-Bus session bus, through the app's own path (the trigger's row and
//! `pg_notify`, the listener's claim in the recipient's session, notify-rust on a blocking
//! thread). The bus is watched with `dbus-monitor`, whose timestamps are wall-clock, like the
//! commit's. Beside it, the floor: a bare `NOTIFY` → `LISTEN` round trip on the same server.
//!
//! Each round the lead gives one ticket to the engineer, waits for the `Notify`, and the
//! engineer hands it back himself (nobody is told of their own action), so the demo data ends
//! as it began, but for history rows. Then the same for escalations (issue 15): the engineer
//! escalates one of his tickets, the lead's desktop raises it; the lead resolves it and returns
//! the ticket.

use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

use super::{anyhow_from, Table, NOTIFY_TARGET};
use crate::db::ticket_changes::{self, Assignment};
use crate::db::{self, auth};
use crate::domain::notification::NotificationEvent;
use crate::domain::permissions::Actor;
use crate::notify::desktop::{native_notification, raises_native};
use crate::notify::listener::{self, Deliver};

const ASSIGNER: &str = "lena";
const RECIPIENT: &str = "dev";
const WARM_UP: usize = 5;
/// Longer than any healthy round: the listener's backoff starts at 250 ms.
const ROUND_TIMEOUT: Duration = Duration::from_secs(10);

/// The desktop's native half, without a window: what `DesktopAlerts` does for a notification.
struct NativeOnly;

impl Deliver for NativeOnly {
    fn notification(&self, event: NotificationEvent) {
        if raises_native(&event.kind) {
            tokio::task::spawn_blocking(move || {
                if let Err(err) = native_notification(&event).show() {
                    tracing::warn!(%err, "native notification failed");
                }
            });
        }
    }
    fn ticket_changed(&self, _: Uuid) {}
    fn connection(&self, _: bool) {}
}

struct Desk {
    actor: Actor,
    signed_in: auth::SignedIn,
}

async fn sign_in(pool: &PgPool, username: &str) -> anyhow::Result<Desk> {
    let (tokens, actor) = super::sign_in_demo(pool, username).await?;
    let mut tx = auth::begin_as(pool, &tokens.session_token)
        .await
        .map_err(anyhow_from)?;
    let user = db::users::find_active(&mut *tx, actor.id)
        .await
        .map_err(anyhow_from)?;
    tx.commit().await?;
    Ok(Desk {
        actor,
        signed_in: auth::SignedIn { user, tokens },
    })
}

async fn assign(pool: &PgPool, by: &Desk, ticket: Uuid, to: Option<Uuid>) -> anyhow::Result<()> {
    let mut tx = auth::begin_as(pool, &by.signed_in.tokens.session_token)
        .await
        .map_err(anyhow_from)?;
    let version: i32 = sqlx::query_scalar("SELECT version FROM api.ticket_state($1)")
        .bind(ticket)
        .fetch_one(&mut *tx)
        .await?;
    let change = Assignment {
        change_id: None,
        ticket_id: ticket,
        version,
        assignee_id: to,
        reason: None,
    };
    ticket_changes::assign(&mut tx, by.actor, change)
        .await
        .map_err(anyhow_from)?;
    tx.commit().await?;
    Ok(())
}

/// A `Notify` call as `dbus-monitor` printed it: when the bus saw it, and its summary.
struct BusNotify {
    at: f64,
    summary: String,
}

/// Starts `dbus-monitor` on the session bus and hands over each `Notify` call it prints.
async fn watch_bus() -> anyhow::Result<(tokio::process::Child, mpsc::UnboundedReceiver<BusNotify>)>
{
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        bail!("no D-Bus session bus: run under `dbus-run-session --` (and a display for the notification daemon)");
    }
    let mut child = tokio::process::Command::new("dbus-monitor")
        .args([
            "--monitor",
            "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting dbus-monitor (Debian package dbus)")?;
    let stdout = child.stdout.take().context("dbus-monitor's output")?;
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        // The call's header carries the time; its fourth string argument is the summary
        // (app_name, replaces_id, app_icon, summary, body, …).
        let mut current: Option<(f64, usize)> = None;
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(at) = parse_header(&line) {
                current = Some((at, 0));
            } else if let Some((at, strings)) = current.as_mut() {
                if let Some(text) = line.trim().strip_prefix("string \"") {
                    *strings += 1;
                    if *strings == 3 {
                        let summary = text.trim_end_matches('"').to_owned();
                        let _ = tx.send(BusNotify { at: *at, summary });
                        current = None;
                    }
                }
            }
        }
    });
    Ok((child, rx))
}

/// The time of a `Notify` method call header line of dbus-monitor.
fn parse_header(line: &str) -> Option<f64> {
    if !line.starts_with("method call ") || !line.contains("member=Notify") {
        return None;
    }
    let time = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("time="))?;
    time.parse().ok()
}

fn now_epoch() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// A ticket the lead may give the engineer: open, unassigned, not the engineer's own request.
async fn pick_ticket(owner: &PgPool, recipient: Uuid) -> anyhow::Result<(Uuid, String)> {
    sqlx::query_as(
        "SELECT id, ticket_number FROM tickets \
         WHERE assignee_id IS NULL AND status IN ('NEW', 'OPEN', 'REOPENED') \
           AND requestor_id <> $1 \
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(recipient)
    .fetch_optional(owner)
    .await?
    .context("no unassigned open ticket to measure with: run `ticketdesk demo-data` first")
}

pub async fn measure(
    desk: &PgPool,
    owner: &PgPool,
    samples: usize,
    report: &std::path::Path,
) -> anyhow::Result<()> {
    let (mut monitor, mut bus) = watch_bus().await?;
    let lead = sign_in(desk, ASSIGNER).await?;
    let engineer = sign_in(desk, RECIPIENT).await?;
    let (ticket, number) = pick_ticket(owner, engineer.actor.id).await?;

    // The engineer's desktop: the app's listener in his session, raising native notifications.
    let mut assigned = {
        let expected = format!("{number} assigned to you");
        let listening = listen_as(desk, &engineer, &mut bus).await;
        let mut times = Vec::with_capacity(samples);
        for round in 0..samples + WARM_UP {
            assign(desk, &lead, ticket, Some(engineer.actor.id)).await?;
            let seen = seen_on_bus(&mut bus, &expected, now_epoch()).await?;
            if round >= WARM_UP {
                times.push(seen);
            }
            assign(desk, &engineer, ticket, None).await?;
        }
        listening.abort();
        times
    };

    // The lead's desktop: the engineer escalates one of his tickets (MANUAL, level 1 is the
    // lead of his department); the lead then resolves the escalation and returns the ticket.
    let (escalated, escalated_number) = pick_escalation_ticket(owner, engineer.actor.id).await?;
    let mut escalations = {
        let expected = format!("{escalated_number} escalated to you (level 1)");
        let listening = listen_as(desk, &lead, &mut bus).await;
        let mut times = Vec::with_capacity(samples);
        for round in 0..samples + WARM_UP {
            let before = escalate(desk, &engineer, escalated, round).await?;
            let seen = seen_on_bus(&mut bus, &expected, now_epoch()).await?;
            if round >= WARM_UP {
                times.push(seen);
            }
            settle(desk, &lead, escalated, &before).await?;
        }
        listening.abort();
        times
    };
    let _ = monitor.kill().await;

    let mut floor = notify_listen_floor(owner, samples).await?;
    let mut table = Table::new(format!(
        "ticketdesk bench --notify: {samples} assignments of {number} by {ASSIGNER} to \
         {RECIPIENT}; {samples} escalations of {escalated_number} by {RECIPIENT} to {ASSIGNER}"
    ));
    table.add(
        "assignment committed → D-Bus Notify",
        &mut assigned,
        Some(&mut floor.clone()),
        Some(NOTIFY_TARGET),
    );
    table.add(
        "escalation committed → D-Bus Notify",
        &mut escalations,
        Some(&mut floor),
        Some(NOTIFY_TARGET),
    );
    table.note("floor: a bare NOTIFY → LISTEN round trip on the same server");
    table.note(&format!(
        "rerun: dbus-run-session -- ticketdesk bench --notify --samples {samples} (under a display, e.g. xvfb-run)"
    ));
    table.write(report)?;
    Ok(())
}

/// Starts the app's listener in `desk`'s session, lets it deliver whatever waited, and drops
/// what the bus saw meanwhile, so old notifications do not count.
async fn listen_as(
    pool: &PgPool,
    desk: &Desk,
    bus: &mut mpsc::UnboundedReceiver<BusNotify>,
) -> tokio::task::JoinHandle<()> {
    let (session, session_rx) = watch::channel(Some(desk.signed_in.clone()));
    let pool = pool.clone();
    let listening = tokio::spawn(async move {
        let _session = session; // the listener runs while its session sender lives
        listener::run(pool, session_rx, NativeOnly).await;
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    while bus.try_recv().is_ok() {}
    listening
}

/// How long after `committed` the bus saw a `Notify` with `expected` as its summary.
async fn seen_on_bus(
    bus: &mut mpsc::UnboundedReceiver<BusNotify>,
    expected: &str,
    committed: f64,
) -> anyhow::Result<Duration> {
    let seen = tokio::time::timeout(ROUND_TIMEOUT, async {
        loop {
            match bus.recv().await {
                Some(call) if call.summary == expected => return Some(call.at),
                Some(_) => continue,
                None => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
    .context("no Notify call on the session bus within 10 s (is a notification daemon such as dunst installed, with a display?)")?;
    Ok(Duration::from_secs_f64((seen - committed).max(0.0)))
}

/// One of the engineer's open tickets, not escalated, in a department whose lead is not him.
async fn pick_escalation_ticket(owner: &PgPool, engineer: Uuid) -> anyhow::Result<(Uuid, String)> {
    sqlx::query_as(
        "SELECT t.id, t.ticket_number FROM tickets t \
         WHERE t.assignee_id = $1 AND t.status IN ('OPEN', 'IN_PROGRESS') \
           AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.ticket_id = t.id \
                           AND e.status IN ('PENDING', 'ACKNOWLEDGED')) \
         ORDER BY t.created_at DESC LIMIT 1",
    )
    .bind(engineer)
    .fetch_optional(owner)
    .await?
    .context("the engineer has no open ticket to escalate: run `ticketdesk demo-data` first")
}

/// The engineer escalates the ticket; returns the status it had, to return it to.
async fn escalate(pool: &PgPool, by: &Desk, ticket: Uuid, round: usize) -> anyhow::Result<String> {
    let mut tx = auth::begin_as(pool, &by.signed_in.tokens.session_token)
        .await
        .map_err(anyhow_from)?;
    let (version, status): (i32, String) =
        sqlx::query_as("SELECT version, status::text FROM api.ticket_state($1)")
            .bind(ticket)
            .fetch_one(&mut *tx)
            .await?;
    let escalated: bool = sqlx::query_scalar("SELECT api.escalate_ticket($1, $2, 'MANUAL', $3)")
        .bind(ticket)
        .bind(version)
        .bind(format!("bench round {round}"))
        .fetch_one(&mut *tx)
        .await?;
    if !escalated {
        bail!("the engineer could not escalate the bench's ticket");
    }
    tx.commit().await?;
    Ok(status)
}

/// The lead resolves the escalation and returns the ticket to `status`.
async fn settle(pool: &PgPool, by: &Desk, ticket: Uuid, status: &str) -> anyhow::Result<()> {
    let mut tx = auth::begin_as(pool, &by.signed_in.tokens.session_token)
        .await
        .map_err(anyhow_from)?;
    let escalation = db::escalations::list(&mut tx)
        .await
        .map_err(anyhow_from)?
        .into_iter()
        .find(|e| e.ticket_id == ticket)
        .context("the lead does not see the bench's escalation")?;
    db::escalations::resolve(&mut tx, escalation.id, "bench: settled")
        .await
        .map_err(anyhow_from)?;
    let version: i32 = sqlx::query_scalar("SELECT version FROM api.ticket_state($1)")
        .bind(ticket)
        .fetch_one(&mut *tx)
        .await?;
    ticket_changes::change_status(
        &mut tx,
        by.actor,
        ticket_changes::StatusChange {
            change_id: None,
            ticket_id: ticket,
            version,
            to: status.parse().map_err(anyhow::Error::msg)?,
            reason: None,
            resolution_notes: None,
        },
    )
    .await
    .map_err(anyhow_from)?;
    tx.commit().await?;
    Ok(())
}

/// A bare `NOTIFY` sent on one connection until `LISTEN` on another receives it.
async fn notify_listen_floor(owner: &PgPool, samples: usize) -> anyhow::Result<Vec<Duration>> {
    const CHANNEL: &str = "ticketdesk_bench_floor";
    let mut listener = PgListener::connect_with(owner).await?;
    listener.listen(CHANNEL).await?;
    let mut floor = Vec::with_capacity(samples);
    for round in 0..samples + WARM_UP {
        let started = Instant::now();
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(round.to_string())
            .execute(owner)
            .await?;
        tokio::time::timeout(ROUND_TIMEOUT, listener.recv())
            .await
            .context("the floor's NOTIFY never arrived")??;
        if round >= WARM_UP {
            floor.push(started.elapsed());
        }
    }
    Ok(floor)
}

#[cfg(test)]
mod tests {
    use super::parse_header;

    #[test]
    fn reads_the_time_of_a_notify_call() {
        let line = "method call time=1764108000.123456 sender=:1.7 -> destination=:1.8 serial=9 \
                    path=/org/freedesktop/Notifications; interface=org.freedesktop.Notifications; \
                    member=Notify";
        assert_eq!(parse_header(line), Some(1764108000.123456));
        assert_eq!(parse_header("method return time=1.0 sender=:1.8"), None);
        assert_eq!(
            parse_header("method call time=2.0 sender=:1.7 member=GetCapabilities"),
            None
        );
    }
}
