//! Work sent again after a lost reply is stored once (issue 16, item 3): a ticket or comment
//! carries the id the desktop chose, and the server files it once per id and caller. A fault-
//! injecting TCP proxy between the desktop's pool and the server cuts connections at random
//! points (before a request reaches the server, or after it ran but before its reply came
//! back, COMMIT's included) while tickets and comments are submitted and retried.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use ticketdesk::domain::ticket::NewComment;
use ticketdesk::domain::user::Role;
use ticketdesk::error::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

use crate::helpers::{create, detail, new_ticket, signed_in, Desk};

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_resent_ticket_is_filed_once_and_a_guessed_id_tells_nothing(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let noah = signed_in(&pool, "noah", Role::EndUser).await;
    let id = Uuid::new_v4();
    let mut ticket = new_ticket("Printer on fire", None);
    ticket.id = Some(id);
    let first = create(&erin, ticket.clone()).await.unwrap();
    assert_eq!(first.id, id, "the desktop's id is the ticket's");
    // The reply was lost; the desktop sends it again: the same ticket, not a second one.
    let again = create(&erin, ticket.clone()).await.unwrap();
    assert_eq!((again.id, &again.ticket_number), (id, &first.ticket_number));
    let filed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tickets WHERE title = 'Printer on fire'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(filed, 1);

    // Hostile: noah reuses erin's id. He is not told it is taken (no error), gets his own
    // ticket under a fresh id, and erin's is untouched and still hidden from him.
    let mut guess = new_ticket("Noah's own request", None);
    guess.id = Some(id);
    let noahs = create(&noah, guess).await.unwrap();
    assert_ne!(noahs.id, id);
    assert_eq!(noahs.title, "Noah's own request");
    assert_eq!(noahs.requestor.id, noah.id);
    assert!(matches!(
        detail(&noah, id).await.unwrap_err(),
        Error::NotFound(_)
    ));
    assert_eq!(
        detail(&erin, id).await.unwrap().ticket.title,
        "Printer on fire"
    );
    // Control: a free id is kept for noah too.
    let free = Uuid::new_v4();
    let mut fresh = new_ticket("Noah's second", None);
    fresh.id = Some(free);
    assert_eq!(create(&noah, fresh).await.unwrap().id, free);
}

/// What the proxy did: how many connections it cut, and where.
#[derive(Debug, Default, Clone, Copy)]
pub struct Cuts {
    /// A request dropped before it reached the server.
    pub before_send: u32,
    /// A reply dropped after the server ran the request, before the COMMIT was sent.
    pub reply_lost: u32,
    /// COMMIT's reply dropped: the work is stored, the desktop cannot know.
    pub commit_reply_lost: u32,
}

impl Cuts {
    pub fn total(&self) -> u32 {
        self.before_send + self.reply_lost + self.commit_reply_lost
    }
}

struct FaultState {
    /// Cuts still to make; none once it reaches zero.
    budget: u32,
    /// Chance of a cut at each forwarded chunk, in percent.
    percent: u64,
    rng: u64,
    done: Cuts,
    /// Silent: nothing more is forwarded either way and nothing is closed, as when a VPN
    /// drops or a laptop sleeps (a stopped server would close its connections instead).
    frozen: bool,
}

/// A COMMIT's reply is cut this often (percent): the window client ids exist for.
const COMMIT_REPLY_PERCENT: u64 = 35;

impl FaultState {
    fn cut_now(&mut self, percent: u64) -> bool {
        if self.budget == 0 {
            return false;
        }
        // xorshift64: reproducible from the seed the test prints.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        if self.rng % 100 < percent {
            self.budget -= 1;
            true
        } else {
            false
        }
    }
}

/// A TCP proxy to `upstream` that cuts connections at random chunk boundaries, both ways.
pub struct FaultProxy {
    pub port: u16,
    state: Arc<Mutex<FaultState>>,
}

impl FaultProxy {
    pub async fn start(upstream: (String, u16), budget: u32, percent: u64, seed: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(FaultState {
            budget,
            percent,
            rng: seed | 1,
            done: Cuts::default(),
            frozen: false,
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = match TcpStream::connect((upstream.0.as_str(), upstream.1)).await {
                    Ok(server) => server,
                    Err(err) => {
                        eprintln!("fault proxy: cannot reach {upstream:?}: {err}");
                        continue;
                    }
                };
                tokio::spawn(pump(client, server, shared.clone()));
            }
        });
        FaultProxy { port, state }
    }

    /// From now on the network is silent (see `FaultState::frozen`).
    pub fn freeze(&self) {
        self.state.lock().unwrap().frozen = true;
    }

    pub fn cuts(&self) -> Cuts {
        self.state.lock().unwrap().done
    }

    pub fn budget_left(&self) -> u32 {
        self.state.lock().unwrap().budget
    }
}

/// Forwards both ways until either side closes or the dice say cut: then both close, the
/// chunk in hand undelivered. It watches for COMMIT (sqlx sends it as a simple query) to cut
/// the reply to it more often than others.
async fn pump(mut client: TcpStream, mut server: TcpStream, state: Arc<Mutex<FaultState>>) {
    let (mut from_client, mut to_client) = client.split();
    let (mut from_server, mut to_server) = server.split();
    let mut up = vec![0u8; 16 * 1024];
    let mut down = vec![0u8; 16 * 1024];
    let mut commit_sent = false;
    loop {
        tokio::select! {
            read = from_client.read(&mut up) => {
                let Ok(n @ 1..) = read else { return };
                if state.lock().unwrap().frozen {
                    return std::future::pending().await;
                }
                {
                    let mut s = state.lock().unwrap();
                    let percent = s.percent;
                    if s.cut_now(percent) {
                        s.done.before_send += 1;
                        return;
                    }
                }
                commit_sent = up[..n].windows(7).any(|w| w == b"COMMIT\0");
                if to_server.write_all(&up[..n]).await.is_err() { return; }
            }
            read = from_server.read(&mut down) => {
                let Ok(n @ 1..) = read else { return };
                if state.lock().unwrap().frozen {
                    return std::future::pending().await;
                }
                {
                    let mut s = state.lock().unwrap();
                    let percent = if commit_sent { COMMIT_REPLY_PERCENT } else { s.percent };
                    if s.cut_now(percent) {
                        if commit_sent {
                            s.done.commit_reply_lost += 1;
                        } else {
                            s.done.reply_lost += 1;
                        }
                        return;
                    }
                }
                commit_sent = false;
                if to_client.write_all(&down[..n]).await.is_err() { return; }
            }
        }
    }
}

/// The desktop's pool, through the proxy.
pub async fn proxied_pool(desk: &Desk, port: u16) -> PgPool {
    let options = (*desk.pool.connect_options()).clone().port(port);
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options)
}

/// Runs `op` until it succeeds, again after every failure of the connection (a lost reply
/// included: the caller cannot tell whether it ran). Any other failure is a bug.
async fn until_sent<T, F, Fut>(what: &str, mut op: F) -> (T, u32)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ticketdesk::error::Result<T>>,
{
    let mut last = None;
    for attempt in 0..200 {
        let result = op().await;
        if let Err(err) = &result {
            last = Some(format!("{err}"));
            if std::env::var_os("FAULT_DEBUG").is_some() {
                eprintln!("{what} attempt {attempt}: {err}");
            }
        }
        match result {
            Ok(value) => return (value, attempt),
            Err(Error::Unavailable(_)) => {}
            // A cut inside the protocol can surface as a protocol error rather than I/O.
            Err(Error::Unexpected(err))
                if format!("{err:#}").contains("protocol")
                    || format!("{err:#}").contains("connection") => {}
            Err(other) => panic!("{what}: {other:?}"),
        }
    }
    panic!("{what}: not sent after 200 attempts; the last failure: {last:?}");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn fifty_tickets_and_a_hundred_comments_through_a_hundred_cuts_arrive_once_in_order(
    pool: PgPool,
) {
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let options = lena.pool.connect_options();
    let upstream = (options.get_host().to_owned(), options.get_port());
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    println!("fault proxy seed {seed}, upstream {upstream:?}");
    let proxy = FaultProxy::start(upstream, 100, 5, seed).await;
    let desk = proxied_pool(&lena, proxy.port).await;
    let token = lena.signed_in.tokens.session_token.clone();
    let actor = lena.actor();

    let started = std::time::Instant::now();
    let mut retries = 0;
    let mut tickets = Vec::new();
    let mut comments = Vec::new();
    for i in 0..50 {
        let id = Uuid::new_v4();
        let (_, tries) = until_sent(&format!("ticket {i}"), || {
            let (desk, token) = (desk.clone(), token.clone());
            let mut input = new_ticket(&format!("Exactly once #{i:02}"), None);
            input.id = Some(id);
            async move {
                let mut tx = ticketdesk::db::auth::begin_as(&desk, &token).await?;
                let created = ticketdesk::db::tickets::create(&mut tx, actor, input);
                let created = created.await?;
                tx.commit().await?;
                Ok(created)
            }
        })
        .await;
        retries += tries;
        tickets.push(id);
        for c in 0..2 {
            let comment = NewComment {
                id: Uuid::new_v4(),
                ticket_id: id,
                content: format!("Comment {c} on #{i:02}"),
                is_internal: false,
            };
            comments.push(comment.id);
            let (_, tries) = until_sent(&format!("comment {c} on {i}"), || {
                let (desk, token, comment) = (desk.clone(), token.clone(), comment.clone());
                async move {
                    let mut tx = ticketdesk::db::auth::begin_as(&desk, &token).await?;
                    ticketdesk::db::comments::add(&mut tx, actor, comment).await?;
                    tx.commit().await?;
                    Ok(())
                }
            })
            .await;
            retries += tries;
        }
    }
    let elapsed = started.elapsed();
    let cuts = proxy.cuts();
    println!(
        "150 submissions in {elapsed:?}: {} cuts before send, {} replies lost before COMMIT, \
         {} COMMIT replies lost, {retries} resends",
        cuts.before_send, cuts.reply_lost, cuts.commit_reply_lost
    );
    assert_eq!(proxy.budget_left(), 0, "all 100 cuts happened: {cuts:?}");
    assert_eq!(cuts.total(), 100);
    assert!(
        cuts.before_send > 0 && cuts.reply_lost > 0 && cuts.commit_reply_lost > 0,
        "every kind of cut: {cuts:?}"
    );

    // The server: exactly the 50 tickets and 100 comments, each once, in the order sent.
    let filed: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM tickets WHERE title LIKE 'Exactly once #%' ORDER BY created_at, title",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(filed, tickets, "each ticket once, in order");
    let posted: Vec<Uuid> = sqlx::query_scalar(
        "SELECT c.id FROM comments c JOIN tickets t ON t.id = c.ticket_id \
         WHERE t.title LIKE 'Exactly once #%' ORDER BY c.created_at, c.content",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(posted, comments, "each comment once, in order");
}

/// The control: the same proxy, but each resend with a fresh id (what a desktop without
/// client ids would do). Some replies are lost after their COMMIT, so comments are stored
/// twice: the cuts do hit the window the ids close.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn without_client_ids_the_same_cuts_store_duplicates(pool: PgPool) {
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let ticket = create(&lena, new_ticket("Control", None)).await.unwrap();
    let options = lena.pool.connect_options();
    let upstream = (options.get_host().to_owned(), options.get_port());
    let proxy = FaultProxy::start(upstream, 100, 5, 0x5EED).await;
    let desk = proxied_pool(&lena, proxy.port).await;
    let token = lena.signed_in.tokens.session_token.clone();
    let actor = lena.actor();
    for i in 0..60 {
        until_sent(&format!("control comment {i}"), || {
            let (desk, token) = (desk.clone(), token.clone());
            let comment = NewComment {
                id: Uuid::new_v4(), // fresh on every attempt
                ticket_id: ticket.id,
                content: format!("Control {i}"),
                is_internal: false,
            };
            async move {
                let mut tx = ticketdesk::db::auth::begin_as(&desk, &token).await?;
                ticketdesk::db::comments::add(&mut tx, actor, comment).await?;
                tx.commit().await?;
                Ok(())
            }
        })
        .await;
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM comments WHERE ticket_id = $1")
        .bind(ticket.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    println!(
        "60 comments without client ids through {:?}: {stored} stored",
        proxy.cuts()
    );
    assert!(
        stored > 60,
        "lost replies after COMMIT make duplicates: {stored}"
    );
}
