//! The notification listener against a real server: wake-ups, catch-up, user switches and
//! rolled-back changes. The sink collects into a channel instead of raising OS notifications
//! (the real-window test covers D-Bus).

use std::time::Duration;

use sqlx::PgPool;
use ticketdesk::domain::notification::NotificationEvent;
use ticketdesk::domain::user::Role;
use ticketdesk::notify::listener::{self, Deliver};
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

use crate::helpers::{create, new_ticket, signed_in};

struct Collect(mpsc::UnboundedSender<NotificationEvent>);

impl Deliver for Collect {
    fn notification(&self, event: NotificationEvent) {
        let _ = self.0.send(event);
    }
    fn ticket_changed(&self, _: Uuid) {}
    fn connection(&self, _: bool) {}
}

async fn next(rx: &mut mpsc::UnboundedReceiver<NotificationEvent>) -> Option<NotificationEvent> {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .ok()
        .flatten()
}

async fn nothing_within(
    rx: &mut mpsc::UnboundedReceiver<NotificationEvent>,
    wait: Duration,
) -> bool {
    tokio::time::timeout(wait, rx.recv()).await.is_err()
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn delivers_missed_then_live_notifications_once(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let missed = create(&lead, new_ticket("While you were away", Some(dev.id)))
        .await
        .unwrap();

    let (tx, mut rx) = mpsc::unbounded_channel();
    // The listener runs on dev's desktop: its pool and session, under row-level security.
    let (who, who_rx) = watch::channel(Some(dev.signed_in.clone()));
    let task = tokio::spawn(listener::run(dev.pool.clone(), who_rx, Collect(tx)));

    let first = next(&mut rx)
        .await
        .expect("the missed notification arrives on start");
    assert_eq!(first.ticket_id, Some(missed.id));

    let live = create(&lead, new_ticket("Just now", Some(dev.id)))
        .await
        .unwrap();
    let second = next(&mut rx).await.expect("the live notification arrives");
    assert_eq!(second.ticket_id, Some(live.id));

    // A change for someone else wakes the listener but delivers nothing to dev.
    let priya = signed_in(&pool, "priya", Role::DevopsEngineer).await;
    create(&lead, new_ticket("For Priya", Some(priya.id)))
        .await
        .unwrap();
    assert!(
        nothing_within(&mut rx, Duration::from_millis(500)).await,
        "nothing for dev, nothing twice"
    );

    // Signing in as someone else on that desktop delivers what waited for the new user.
    who.send_replace(Some(priya.signed_in.clone()));
    let for_priya = next(&mut rx).await.expect("priya's notification on switch");
    assert_eq!(
        for_priya
            .subject
            .as_deref()
            .map(|s| s.ends_with("assigned to you")),
        Some(true)
    );

    drop(who);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the listener stops when the app drops its identity")
        .unwrap();
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_rolled_back_change_notifies_nobody(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (_who, who_rx) = watch::channel(Some(dev.signed_in.clone()));
    tokio::spawn(listener::run(dev.pool.clone(), who_rx, Collect(tx)));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut txn = pool.begin().await.unwrap();
    let ticket: Uuid = sqlx::query_scalar(
        "INSERT INTO tickets (ticket_number, title, description, category, priority, requestor_id) \
         VALUES (next_ticket_number(), 't', 'd', 'OTHER', 'P3_MEDIUM', $1) RETURNING id",
    )
    .bind(dev.id)
    .fetch_one(&mut *txn)
    .await
    .unwrap();
    sqlx::query("INSERT INTO notifications (user_id, ticket_id, type, channel, message) VALUES ($1, $2, 'TICKET_ASSIGNED', 'IN_APP', 'x')")
        .bind(dev.id)
        .bind(ticket)
        .execute(&mut *txn)
        .await
        .unwrap();
    sqlx::query("SELECT pg_notify('ticketdesk_notification', 'x')")
        .execute(&mut *txn)
        .await
        .unwrap();
    txn.rollback().await.unwrap();

    // A forged wake-up outside any change must not produce anything either.
    sqlx::query("SELECT pg_notify('ticketdesk_notification', 'forged')")
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        nothing_within(&mut rx, Duration::from_millis(800)).await,
        "no notification without its change"
    );
}

/// Tells only whether the listener is connected.
struct Online(mpsc::UnboundedSender<bool>);

impl Deliver for Online {
    fn notification(&self, _: NotificationEvent) {}
    fn ticket_changed(&self, _: Uuid) {}
    fn connection(&self, online: bool) {
        let _ = self.0.send(online);
    }
}

/// A server that goes silent (a VPN drop: no reset, no close) is noticed by the heartbeat
/// within seconds, not after TCP's minutes (issue 16, item 5). Printed: how long it took.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_server_that_goes_silent_is_noticed_within_seconds(pool: PgPool) {
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let options = lena.pool.connect_options();
    let upstream = (options.get_host().to_owned(), options.get_port());
    let proxy = crate::exactly_once::FaultProxy::start(upstream, 0, 0, 1).await;
    let desk = crate::exactly_once::proxied_pool(&lena, proxy.port).await;
    let (_session_tx, session_rx) = watch::channel(Some(lena.signed_in.clone()));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let running = tokio::spawn(listener::run(desk, session_rx, Online(tx)));
    let first = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
    assert_eq!(first.ok().flatten(), Some(true), "online first");
    // Control: while the network works, heartbeats pass and nothing says offline.
    let quiet = listener::HEARTBEAT_EVERY * 3;
    assert!(
        tokio::time::timeout(quiet, rx.recv()).await.is_err(),
        "no false alarm over three heartbeats"
    );
    proxy.freeze();
    let frozen_at = std::time::Instant::now();
    let noticed = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await;
    let took = frozen_at.elapsed();
    println!("a silent server noticed after {took:?}");
    assert_eq!(noticed.ok().flatten(), Some(false), "offline noticed");
    assert!(
        took <= listener::HEARTBEAT_EVERY + listener::HEARTBEAT_WAIT + Duration::from_secs(4),
        "within a heartbeat and its wait: {took:?}"
    );
    running.abort();
}
