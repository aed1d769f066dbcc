//! Exactly-once delivery of in-app notifications (SPEC §7, issue 6) against real servers:
//! several running desktops of one user, a desktop that was closed, and a PostgreSQL server
//! that restarts under a running listener. What counts is the table: every in-app notification
//! of the user ends up with `delivered_at` set and reached a sink exactly once.
//!
//! (A rolled-back change notifying nobody is covered in `listener.rs`.)

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use ticketdesk::db::auth::SignedIn;
use ticketdesk::db::ticket_changes::{self, Assignment};
use ticketdesk::domain::notification::NotificationEvent;
use ticketdesk::domain::ticket::NewTicket;
use ticketdesk::domain::user::Role;
use ticketdesk::notify::listener::{self, Deliver};
use ticketdesk::solo::{SoloCluster, DATABASE_NAME};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::helpers::{create, desktop_pool, detail, new_ticket, signed_in, Desk, DESK_PASSWORD};

// ------------------------------------------------------------------------------------ sinks

#[derive(Debug)]
enum Heard {
    Notification(NotificationEvent),
    Online(bool),
}

/// Makes a listener stop inside its sink: the next notification it hands over holds it there
/// until the test lets go (multi-threaded runtimes only: it waits in `block_in_place`).
#[derive(Clone, Default)]
struct Pause(Arc<Mutex<Option<std::sync::mpsc::Receiver<()>>>>);

impl Pause {
    /// The listener blocks in its next `notification` until the returned sender is dropped.
    fn arm(&self) -> std::sync::mpsc::Sender<()> {
        let (tx, rx) = std::sync::mpsc::channel();
        *self.0.lock().unwrap() = Some(rx);
        tx
    }

    fn hold_if_armed(&self) {
        let armed = self.0.lock().unwrap().take();
        if let Some(rx) = armed {
            // Hands this worker's other tasks to another thread while the listener waits.
            tokio::task::block_in_place(|| {
                let _ = rx.recv_timeout(Duration::from_secs(20));
            });
        }
    }
}

/// Records what one desktop's listener hands over, tagged with the desktop.
struct Ear {
    desktop: usize,
    tx: mpsc::UnboundedSender<(usize, Instant, Heard)>,
    pause: Pause,
}

impl Deliver for Ear {
    fn notification(&self, event: NotificationEvent) {
        let _ = self
            .tx
            .send((self.desktop, Instant::now(), Heard::Notification(event)));
        self.pause.hold_if_armed();
    }
    fn ticket_changed(&self, _: Uuid) {}
    fn connection(&self, online: bool) {
        let _ = self
            .tx
            .send((self.desktop, Instant::now(), Heard::Online(online)));
    }
}

/// Running listeners and everything they reported, in order.
struct Desktops {
    tx: mpsc::UnboundedSender<(usize, Instant, Heard)>,
    rx: mpsc::UnboundedReceiver<(usize, Instant, Heard)>,
    running: Vec<(watch::Sender<Option<SignedIn>>, JoinHandle<()>)>,
    delivered: Vec<(usize, NotificationEvent)>,
    online: Vec<(usize, Instant, bool)>,
}

impl Desktops {
    fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            tx,
            rx,
            running: Vec::new(),
            delivered: Vec::new(),
            online: Vec::new(),
        }
    }

    /// Starts a listener on `pool` acting as `who`, as the app does on start, and returns its
    /// number once it listens.
    async fn start(&mut self, pool: &PgPool, who: Option<SignedIn>, pause: Pause) -> usize {
        let desktop = self.running.len();
        let (who_tx, who_rx) = watch::channel(who);
        let sink = Ear {
            desktop,
            tx: self.tx.clone(),
            pause,
        };
        let task = tokio::spawn(listener::run(pool.clone(), who_rx, sink));
        self.running.push((who_tx, task));
        self.wait_until("the listener to connect", Duration::from_secs(10), |d| {
            d.online_of(desktop).first() == Some(&true)
        })
        .await;
        desktop
    }

    fn who(&self, desktop: usize) -> &watch::Sender<Option<SignedIn>> {
        &self.running[desktop].0
    }

    /// Records one report; false if none came within `wait`.
    async fn record_one(&mut self, wait: Duration) -> bool {
        match tokio::time::timeout(wait, self.rx.recv()).await {
            Ok(Some((desktop, at, heard))) => {
                match heard {
                    Heard::Notification(event) => self.delivered.push((desktop, event)),
                    Heard::Online(online) => self.online.push((desktop, at, online)),
                }
                true
            }
            _ => false,
        }
    }

    /// Records reports until `done`; false if it did not come to that `within`.
    async fn try_wait_until(&mut self, within: Duration, done: impl Fn(&Self) -> bool) -> bool {
        let deadline = Instant::now() + within;
        while !done(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || !self.record_one(left).await && !done(self) {
                return false;
            }
        }
        true
    }

    async fn wait_until(&mut self, what: &str, within: Duration, done: impl Fn(&Self) -> bool) {
        if !self.try_wait_until(within, done).await {
            panic!(
                "timed out after {within:?} waiting for {what}; delivered {} ({:?}), \
                     connection reports {:?}",
                self.delivered.len(),
                self.tickets(),
                self.online_of_all(),
            );
        }
    }

    async fn wait_for_deliveries(&mut self, count: usize) {
        self.wait_until(
            &format!("{count} deliveries"),
            Duration::from_secs(15),
            |d| d.delivered.len() >= count,
        )
        .await;
    }

    /// Records whatever else arrives until nothing has for `quiet`.
    async fn settle(&mut self, quiet: Duration) {
        while self.record_one(quiet).await {}
    }

    fn ids(&self) -> Vec<Uuid> {
        self.delivered.iter().map(|(_, e)| e.id).collect()
    }

    fn tickets(&self) -> Vec<Option<Uuid>> {
        self.delivered.iter().map(|(_, e)| e.ticket_id).collect()
    }

    fn has_ticket(&self, ticket: Uuid) -> bool {
        self.delivered
            .iter()
            .any(|(_, e)| e.ticket_id == Some(ticket))
    }

    fn online_of(&self, desktop: usize) -> Vec<bool> {
        self.online
            .iter()
            .filter(|(d, _, _)| *d == desktop)
            .map(|(_, _, online)| *online)
            .collect()
    }

    /// How long after `since` the desktop first reported itself offline.
    fn offline_since(&self, desktop: usize, since: Instant) -> Option<Duration> {
        self.online
            .iter()
            .find(|(d, at, online)| *d == desktop && !online && *at >= since)
            .map(|(_, at, _)| *at - since)
    }

    fn online_of_all(&self) -> Vec<(usize, bool)> {
        self.online.iter().map(|(d, _, o)| (*d, *o)).collect()
    }

    /// Closes every desktop (drops its identity) and waits for the listeners to end.
    async fn stop(self) {
        for (who, task) in self.running {
            drop(who);
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("a listener stops when the app drops its identity")
                .expect("the listener task did not panic");
        }
    }
}

// ------------------------------------------------------------------------------ the truth

/// (id, delivered?) of every in-app notification of `user`, read as the owner.
async fn in_app_for(owner: &PgPool, user: Uuid) -> Vec<(Uuid, bool)> {
    sqlx::query_as(
        "SELECT id, delivered_at IS NOT NULL FROM notifications \
         WHERE user_id = $1 AND channel = 'IN_APP' ORDER BY created_at, id",
    )
    .bind(user)
    .fetch_all(owner)
    .await
    .expect("reading the notifications as the owner")
}

/// Every in-app notification of `user` was delivered (`delivered_at`) and handed to a sink
/// exactly once, and nothing else was; returns how many there are.
async fn assert_exactly_once(owner: &PgPool, user: Uuid, delivered: &[Uuid]) -> usize {
    let rows = in_app_for(owner, user).await;
    let mut times: HashMap<Uuid, usize> = HashMap::new();
    for id in delivered {
        *times.entry(*id).or_default() += 1;
    }
    let twice: Vec<_> = times.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let in_table: HashSet<Uuid> = rows.iter().map(|(id, _)| *id).collect();
    let handed: HashSet<Uuid> = delivered.iter().copied().collect();
    let never: Vec<_> = in_table.difference(&handed).collect();
    assert!(never.is_empty(), "never delivered: {never:?}");
    let unknown: Vec<_> = handed.difference(&in_table).collect();
    assert!(
        unknown.is_empty(),
        "delivered but not the user's: {unknown:?}"
    );
    let unmarked: Vec<_> = rows.iter().filter(|(_, done)| !done).collect();
    assert!(unmarked.is_empty(), "delivered_at not set: {unmarked:?}");
    rows.len()
}

// ------------------------------------------------------------------------------ desktops

/// Another desktop of the same user: the given pool and a sign-in of its own.
async fn sign_in_on(pool: PgPool, account: &Desk) -> Desk {
    let username = &account.signed_in.user.username;
    let tokens = ticketdesk::db::auth::sign_in(&pool, username, DESK_PASSWORD, None, Some("test"))
        .await
        .expect("signing in again");
    Desk {
        id: account.id,
        role: account.role,
        pool,
        signed_in: SignedIn {
            user: account.signed_in.user.clone(),
            tokens,
        },
    }
}

/// The same user on another machine: its own database login, its own session.
async fn sign_in_again(owner: &PgPool, account: &Desk) -> Desk {
    sign_in_on(desktop_pool(owner).await, account).await
}

async fn assign(desk: &Desk, ticket: Uuid, to: Uuid) {
    let seen = detail(desk, ticket).await.expect("the ticket");
    let mut tx = desk.tx().await;
    let change = Assignment {
        change_id: None,
        ticket_id: ticket,
        version: seen.version,
        assignee_id: Some(to),
        reason: None,
    };
    ticket_changes::assign(&mut tx, desk.actor(), change)
        .await
        .expect("assigning");
    tx.commit().await.expect("committing the assignment");
}

// ------------------------------------------------------------------------- same database

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn every_assignment_reaches_exactly_one_of_a_users_running_desktops(pool: PgPool) {
    const N: usize = 40;
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let dev_elsewhere = sign_in_again(&pool, &dev).await;
    let mut tickets = Vec::new();
    for i in 0..N {
        let t = create(&lead, new_ticket(&format!("Disk full on node {i}"), None))
            .await
            .unwrap();
        tickets.push(t.id);
    }

    let mut desktops = Desktops::new();
    // Two machines of dev, each with its own login and session…
    desktops
        .start(&dev.pool, Some(dev.signed_in.clone()), Pause::default())
        .await;
    desktops
        .start(
            &dev_elsewhere.pool,
            Some(dev_elsewhere.signed_in.clone()),
            Pause::default(),
        )
        .await;
    // …and a third listener sharing the first one's session on a pool of its own.
    let third = desktop_pool(&pool).await;
    desktops
        .start(&third, Some(dev.signed_in.clone()), Pause::default())
        .await;

    // The lead assigns all of them to dev at once.
    let started = Instant::now();
    let writes: Vec<_> = tickets
        .iter()
        .map(|&ticket| {
            let lead = lead.clone();
            let dev_id = dev.id;
            tokio::spawn(async move { assign(&lead, ticket, dev_id).await })
        })
        .collect();
    for write in writes {
        write.await.expect("an assignment task");
    }
    assert_eq!(
        in_app_for(&pool, dev.id).await.len(),
        N,
        "one in-app notification per assignment"
    );

    desktops.wait_for_deliveries(N).await;
    let delivered_in = started.elapsed();
    desktops.settle(Duration::from_millis(700)).await;
    assert_eq!(desktops.delivered.len(), N, "nothing delivered twice");
    assert_eq!(assert_exactly_once(&pool, dev.id, &desktops.ids()).await, N);
    let delivered_tickets: HashSet<Uuid> = desktops.tickets().into_iter().flatten().collect();
    assert_eq!(
        delivered_tickets,
        tickets.iter().copied().collect(),
        "one per assigned ticket"
    );
    let per_desktop: Vec<usize> = (0..3)
        .map(|d| desktops.delivered.iter().filter(|(x, _)| *x == d).count())
        .collect();
    eprintln!("{N} assignments delivered in {delivered_in:?}, per desktop {per_desktop:?}");
    desktops.stop().await;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn what_arrived_while_closed_is_delivered_once_on_start_and_never_again(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let mut missed = HashSet::new();
    for i in 0..5 {
        let t = create(
            &lead,
            new_ticket(&format!("Overnight alert {i}"), Some(dev.id)),
        )
        .await
        .unwrap();
        missed.insert(t.id);
    }
    let waiting = in_app_for(&pool, dev.id).await;
    assert_eq!(waiting.len(), 5);
    assert!(waiting.iter().all(|(_, delivered)| !delivered));

    // The app starts: what was missed arrives, once.
    let mut first = Desktops::new();
    first
        .start(&dev.pool, Some(dev.signed_in.clone()), Pause::default())
        .await;
    first.wait_for_deliveries(5).await;
    first.settle(Duration::from_millis(500)).await;
    assert_eq!(
        first
            .tickets()
            .into_iter()
            .flatten()
            .collect::<HashSet<_>>(),
        missed
    );
    assert_eq!(assert_exactly_once(&pool, dev.id, &first.ids()).await, 5);
    let stamps = delivered_at(&pool, dev.id).await;
    let first_ids = first.ids();
    first.stop().await;

    // Closed, and started again later (a new sign-in on a new pool): nothing is replayed.
    // Anything replayed would be claimed no later than an assignment made after the start.
    let dev_later = sign_in_again(&pool, &dev).await;
    let mut again = Desktops::new();
    again
        .start(
            &dev_later.pool,
            Some(dev_later.signed_in.clone()),
            Pause::default(),
        )
        .await;
    let fresh = create(&lead, new_ticket("After the restart", Some(dev.id)))
        .await
        .unwrap();
    again.wait_for_deliveries(1).await;
    again.settle(Duration::from_millis(700)).await;
    assert_eq!(
        again.tickets(),
        vec![Some(fresh.id)],
        "only the new one, nothing replayed"
    );

    // The first desktop's session starts once more too: still nothing old.
    let mut third = Desktops::new();
    third
        .start(&dev.pool, Some(dev.signed_in.clone()), Pause::default())
        .await;
    third.settle(Duration::from_millis(500)).await;
    assert!(third.delivered.is_empty(), "{:?}", third.tickets());

    let everything: Vec<Uuid> = first_ids.into_iter().chain(again.ids()).collect();
    assert_eq!(assert_exactly_once(&pool, dev.id, &everything).await, 6);
    let later = delivered_at(&pool, dev.id).await;
    for (id, at) in &stamps {
        assert_eq!(later.get(id), Some(at), "delivered_at kept for {id}");
    }
    again.stop().await;
    third.stop().await;
}

async fn delivered_at(owner: &PgPool, user: Uuid) -> HashMap<Uuid, chrono::DateTime<chrono::Utc>> {
    let rows: Vec<(Uuid, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "SELECT id, delivered_at FROM notifications \
         WHERE user_id = $1 AND channel = 'IN_APP' AND delivered_at IS NOT NULL",
    )
    .bind(user)
    .fetch_all(owner)
    .await
    .unwrap();
    rows.into_iter().collect()
}

// ----------------------------------------------------------------- a server that restarts

/// A private cluster the test may stop and start (the shared test server must stay up for the
/// tests running beside this one). Stopped and removed on drop, also when an assertion fails.
struct PrivateServer {
    dir: PathBuf,
    cluster: SoloCluster,
    owner_url: String,
    finished: bool,
}

impl PrivateServer {
    async fn start(name: &str) -> Self {
        // Directly under /tmp: as root the server runs as `postgres`, which must reach it.
        let dir = PathBuf::from(format!("/tmp/td-delivery-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cluster = SoloCluster::ensure_running(&dir)
            .await
            .expect("starting a private cluster");
        let owner_url = cluster.url(DATABASE_NAME);
        Self {
            dir,
            cluster,
            owner_url,
            finished: false,
        }
    }

    /// The owner's pool on the migrated ticketdesk database.
    async fn owner(&self) -> PgPool {
        let owner = PgPool::connect(&self.owner_url).await.unwrap();
        ticketdesk::db::migrate(&owner).await.expect("migrating");
        owner
    }

    /// A desktop of `account` as the solo app runs it: the desktop login and the app's own pool
    /// (its size and timeouts), with a sign-in of its own.
    async fn app_desktop(&self, owner: &PgPool, account: &Desk) -> Desk {
        let url = self.cluster.desktop_url(owner).await.unwrap();
        let pool = ticketdesk::db::connect(&url, ticketdesk::db::DEFAULT_POOL_SIZE)
            .await
            .unwrap();
        sign_in_on(pool, account).await
    }

    async fn stop(&self) {
        self.cluster.stop().await.expect("stopping the server");
    }

    async fn start_again(&mut self) {
        self.cluster = SoloCluster::ensure_running(&self.dir)
            .await
            .expect("starting the server again");
        assert!(self.cluster.started_here());
        assert_eq!(
            self.cluster.url(DATABASE_NAME),
            self.owner_url,
            "same port and credentials after a restart"
        );
    }

    async fn finish(mut self) {
        self.finished = true;
        let _ = self.cluster.stop().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // A failed assertion unwinds through here inside the test's runtime: stop the server
        // on a runtime of its own, on a thread of its own.
        let cluster = self.cluster.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to stop the server");
            let _ = runtime.block_on(cluster.stop());
        })
        .join();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `create` that fails instead of panicking when the server is away.
async fn try_create(desk: &Desk, input: NewTicket) -> ticketdesk::error::Result<()> {
    let session = &desk.signed_in.tokens.session_token;
    let mut tx = ticketdesk::db::auth::begin_as(&desk.pool, session).await?;
    ticketdesk::db::tickets::create(&mut tx, desk.actor(), input).await?;
    tx.commit().await?;
    Ok(())
}

async fn login_of(pool: &PgPool) -> String {
    sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_mid_stream_loses_nothing_and_repeats_nothing() {
    let begun = Instant::now();
    let mut server = PrivateServer::start("restart").await;
    let owner = server.owner().await;
    let lead = signed_in(&owner, "lena", Role::TeamLead).await;
    let account = signed_in(&owner, "dev", Role::DevopsEngineer).await;
    let dev = server.app_desktop(&owner, &account).await;
    let mut desktops = Desktops::new();
    let desk = desktops
        .start(&dev.pool, Some(dev.signed_in.clone()), Pause::default())
        .await;

    // 1. Live.
    for i in 0..5 {
        create(&lead, new_ticket(&format!("Live {i}"), Some(dev.id)))
            .await
            .unwrap();
    }
    desktops.wait_for_deliveries(5).await;

    // 2. Mid-stream: the lead keeps assigning while the server stops and starts again under
    //    the connected listener. What was in flight may fail; what committed must arrive once.
    let writing = Arc::new(AtomicBool::new(true));
    let writer = tokio::spawn({
        let (lead, writing, dev_id) = (lead.clone(), writing.clone(), dev.id);
        async move {
            let (mut ok, mut failed) = (0, 0);
            while writing.load(Ordering::Relaxed) {
                match try_create(&lead, new_ticket(&format!("Stream {ok}"), Some(dev_id))).await {
                    Ok(_) => ok += 1,
                    Err(_) => failed += 1,
                }
            }
            (ok, failed)
        }
    });
    desktops.wait_for_deliveries(10).await;
    let stopped = Instant::now();
    server.stop().await;
    server.start_again().await;
    let restarted_in = stopped.elapsed();
    desktops
        .wait_until("offline, then online again", Duration::from_secs(15), |d| {
            d.online_of(desk).windows(2).any(|w| w == [false, true])
        })
        .await;
    let offline_after = desktops.offline_since(desk, stopped);
    let delivered_before = desktops.delivered.len();
    desktops
        .wait_until(
            "deliveries after the restart",
            Duration::from_secs(10),
            |d| d.delivered.len() >= delivered_before + 3,
        )
        .await;
    writing.store(false, Ordering::Relaxed);
    let (written, failed) = writer.await.unwrap();
    let total = in_app_for(&owner, dev.id).await.len();
    desktops.wait_for_deliveries(total).await;
    eprintln!(
        "restart 1: server down and up in {restarted_in:?}, listener offline reported \
         {offline_after:?} after the stop; writer {written} ok / {failed} failed"
    );

    // 3. Deterministic: the desktop's login may not connect across a second restart, so the
    //    listener is certainly away while more is assigned on the restarted server. Those wait
    //    in the table and arrive once when it is let back in.
    let login = login_of(&dev.pool).await;
    sqlx::query(&format!("ALTER ROLE \"{login}\" NOLOGIN"))
        .execute(&owner)
        .await
        .unwrap();
    let reports_before = desktops.online_of(desk).len();
    let stopped = Instant::now();
    server.stop().await;
    server.start_again().await;
    let restarted_in = stopped.elapsed();
    let mut away = HashSet::new();
    for i in 0..5 {
        let t = create(&lead, new_ticket(&format!("While away {i}"), Some(dev.id)))
            .await
            .unwrap();
        away.insert(t.id);
    }
    let undelivered = in_app_for(&owner, dev.id)
        .await
        .into_iter()
        .filter(|(_, delivered)| !delivered)
        .count();
    assert_eq!(undelivered, 5, "made while the listener was away");
    desktops
        .wait_until(
            "the listener to report its failed reconnects",
            Duration::from_secs(15),
            |d| d.online_of(desk)[reports_before..].contains(&false),
        )
        .await;
    assert!(!away.iter().any(|t| desktops.has_ticket(*t)));
    eprintln!(
        "restart 2: server down and up in {restarted_in:?}, listener offline reported {:?} \
         after the stop",
        desktops.offline_since(desk, stopped)
    );
    sqlx::query(&format!("ALTER ROLE \"{login}\" LOGIN"))
        .execute(&owner)
        .await
        .unwrap();
    desktops
        .wait_until(
            "what was assigned while away",
            Duration::from_secs(15),
            |d| away.iter().all(|t| d.has_ticket(*t)),
        )
        .await;
    assert_eq!(desktops.online_of(desk).last(), Some(&true));

    // 4. Live again.
    for i in 0..3 {
        create(&lead, new_ticket(&format!("Back {i}"), Some(dev.id)))
            .await
            .unwrap();
    }
    let total = in_app_for(&owner, dev.id).await.len();
    desktops.wait_for_deliveries(total).await;
    desktops.settle(Duration::from_millis(700)).await;
    assert_eq!(
        assert_exactly_once(&owner, dev.id, &desktops.ids()).await,
        total
    );
    let online = desktops.online_of(desk);
    assert_eq!(online.first(), Some(&true));
    assert_eq!(online.last(), Some(&true));
    assert!(
        online.windows(2).any(|w| w == [false, true]),
        "offline, then online: {online:?}"
    );
    eprintln!(
        "{total} notifications, each delivered once; connection reports {online:?}; \
         {:?} in all",
        begun.elapsed()
    );

    desktops.stop().await;
    for pool in [&dev.pool, &lead.pool, &account.pool, &owner] {
        pool.close().await;
    }
    server.finish().await;
}

/// Signing in while the listener waits for a lost server must not cost it its `LISTEN`: an
/// assignment committed after the sign-in's claim has to wake the desktop like any other.
///
/// A regression test: sqlx's `PgListener` reconnects by itself inside `try_recv`
/// (`eager_reconnect`, on by default) and reported the loss only once reconnected. The sign-in
/// won the `select!` in `notify/listener.rs`, cancelling `try_recv` mid-reconnect; the next
/// `try_recv` listened again *silently*, so the listener neither reported `connection(false)`
/// nor claimed what committed in between. The listener now turns eager reconnection off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_while_the_server_is_away_keeps_the_wake_ups() {
    let mut server = PrivateServer::start("signin").await;
    let owner = server.owner().await;
    let lead = signed_in(&owner, "lena", Role::TeamLead).await;
    let account = signed_in(&owner, "dev", Role::DevopsEngineer).await;
    let dev = server.app_desktop(&owner, &account).await;
    let pause = Pause::default();
    let mut desktops = Desktops::new();
    // Signed out at first: the desktop listens but has nobody to claim for.
    let desk = desktops.start(&dev.pool, None, pause.clone()).await;
    let waiting = create(&lead, new_ticket("Waiting for dev", Some(dev.id)))
        .await
        .unwrap();

    // The server goes away under the idle listener, and dev signs in meanwhile.
    server.stop().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let release = pause.arm();
    desktops.who(desk).send_replace(Some(dev.signed_in.clone()));
    server.start_again().await;

    // The sign-in's claim hands over what waited; the listener is held right after it…
    desktops
        .wait_until(
            "what waited for the sign-in",
            Duration::from_secs(15),
            |d| d.has_ticket(waiting.id),
        )
        .await;
    // …and something is assigned before it goes back to listening.
    let meanwhile = create(&lead, new_ticket("Assigned meanwhile", Some(dev.id)))
        .await
        .unwrap();
    drop(release);
    let arrived = desktops
        .try_wait_until(Duration::from_secs(8), |d| d.has_ticket(meanwhile.id))
        .await;
    let rows = in_app_for(&owner, dev.id).await;
    assert!(
        arrived,
        "the assignment made meanwhile never arrived (waited 8 s); in the table: {rows:?} \
         (id, delivered); connection reports {:?}",
        desktops.online_of(desk)
    );
    desktops.settle(Duration::from_millis(500)).await;
    assert_exactly_once(&owner, dev.id, &desktops.ids()).await;

    desktops.stop().await;
    for pool in [&dev.pool, &lead.pool, &account.pool, &owner] {
        pool.close().await;
    }
    server.finish().await;
}
