//! The offline outbox sent to a real server (issue 16, item 3): in order, each item once
//! through lost connections and lost replies, a change resent after its COMMIT answered as
//! applied (not as a conflict with itself), a refusal kept for the user with the server's
//! reason, and work that waits for its parent.

use std::time::Instant;

use chrono::Utc;
use sqlx::PgPool;
use ticketdesk::db::auth;
use ticketdesk::domain::outbox::{OutboxState, Work};
use ticketdesk::domain::permissions::Actor;
use ticketdesk::domain::ticket::{NewComment, Priority, PriorityChange, Status, StatusChange};
use ticketdesk::domain::user::Role;
use ticketdesk::error::Error;
use ticketdesk::local::store::LocalStore;
use ticketdesk::offline::{self, Drained};
use uuid::Uuid;

use crate::exactly_once::{proxied_pool, FaultProxy};
use crate::helpers::{create, detail, new_ticket, signed_in, Desk};

/// A fresh local store in a directory of its own.
async fn temp_store() -> (LocalStore, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("ticketdesk-outbox-{}", Uuid::new_v4()));
    let path = ticketdesk::local::store::path_for(&dir, Uuid::new_v4());
    (LocalStore::open(&path).await.unwrap(), dir)
}

/// What the app's sender does for one pass: transactions acting for the session on `pool`.
async fn drain_as(store: &LocalStore, pool: &PgPool, token: &str) -> Drained {
    offline::drain(store, || async {
        let (tx, actor) = auth::begin_acting(pool, token).await?;
        let actor: Actor = actor.ok_or_else(|| Error::Unauthenticated("ended".into()))?;
        Ok((tx, actor))
    })
    .await
    .expect("the local store works")
}

async fn put(store: &LocalStore, work: Work) -> Uuid {
    let work = work.stamp();
    store.put(&work, Utc::now()).await.unwrap().id
}

fn comment(ticket_id: Uuid, content: String) -> Work {
    Work::AddComment(NewComment {
        id: Uuid::new_v4(),
        ticket_id,
        content,
        is_internal: false,
    })
}

fn status(ticket_id: Uuid, version: i32, to: Status, notes: Option<&str>) -> Work {
    Work::ChangeStatus(StatusChange {
        change_id: None,
        ticket_id,
        version,
        to,
        reason: None,
        resolution_notes: notes.map(str::to_owned),
    })
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_offline_outbox_of_fifty_tickets_and_a_hundred_comments_arrives_once_in_order_through_a_hundred_cuts(
    pool: PgPool,
) {
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let (store, dir) = temp_store().await;
    // Done offline: ticket i, then two comments on it (they must wait for it).
    let mut tickets = Vec::new();
    let mut comments = Vec::new();
    for i in 0..50 {
        let mut input = new_ticket(&format!("Outbox #{i:02}"), None);
        input.id = Some(Uuid::new_v4());
        let id = put(&store, Work::CreateTicket(input)).await;
        tickets.push(id);
        for c in 0..2 {
            comments.push(put(&store, comment(id, format!("Comment {c} on #{i:02}"))).await);
        }
    }
    assert_eq!(store.outbox().await.unwrap().len(), 150);

    let options = lena.pool.connect_options();
    let upstream = (options.get_host().to_owned(), options.get_port());
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    println!("fault proxy seed {seed}");
    let proxy = FaultProxy::start(upstream, 100, 5, seed).await;
    let desk = proxied_pool(&lena, proxy.port).await;
    let token = lena.signed_in.tokens.session_token.clone();

    // The app passes over the outbox whenever the connection comes back; here, at once.
    let started = Instant::now();
    let (mut passes, mut sent) = (0, 0);
    while !store.outbox().await.unwrap().is_empty() {
        passes += 1;
        assert!(passes < 500, "the outbox does not drain");
        let drained = drain_as(&store, &desk, &token).await;
        assert_eq!(
            drained.needs_you,
            0,
            "a lost connection never asks the user: {:?}",
            store.outbox().await.unwrap().first()
        );
        sent += drained.sent;
    }
    let cuts = proxy.cuts();
    println!(
        "outbox of 150 drained in {:?} over {passes} passes: {} cuts before send, {} replies \
         lost before COMMIT, {} COMMIT replies lost",
        started.elapsed(),
        cuts.before_send,
        cuts.reply_lost,
        cuts.commit_reply_lost
    );
    assert_eq!(sent, 150);
    assert_eq!(proxy.budget_left(), 0, "all 100 cuts happened: {cuts:?}");
    assert!(
        cuts.before_send > 0 && cuts.reply_lost > 0 && cuts.commit_reply_lost > 0,
        "every kind of cut: {cuts:?}"
    );
    let filed: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM tickets WHERE title LIKE 'Outbox #%' ORDER BY created_at, title",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(filed, tickets, "each ticket once, in the order done");
    let posted: Vec<Uuid> = sqlx::query_scalar(
        "SELECT c.id FROM comments c JOIN tickets t ON t.id = c.ticket_id \
         WHERE t.title LIKE 'Outbox #%' ORDER BY c.created_at, c.content",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        posted, comments,
        "each comment once, after its ticket, in order"
    );
    store.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}

/// The figure issue 16 asks for: from the server being back to an outbox of 50 items sent.
/// The first pass meets the server away (nothing sent, nothing lost); the second is the one
/// after the reconnect.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_outbox_of_fifty_waits_while_the_server_is_away_and_drains_when_it_is_back(
    pool: PgPool,
) {
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let (store, dir) = temp_store().await;
    let ticket = create(&lena, new_ticket("Long outage", None))
        .await
        .unwrap();
    for i in 0..25 {
        put(
            &store,
            Work::CreateTicket(new_ticket(&format!("Away #{i:02}"), None)),
        )
        .await;
        put(
            &store,
            comment(ticket.id, format!("Still down, check {i:02}")),
        )
        .await;
    }
    // Away: a port nothing listens on.
    let away = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        proxied_pool(&lena, port).await
    };
    let token = lena.signed_in.tokens.session_token.clone();
    let drained = drain_as(&store, &away, &token).await;
    assert_eq!(
        drained,
        Drained {
            sent: 0,
            needs_you: 0,
            interrupted: true
        }
    );
    assert_eq!(store.outbox().await.unwrap().len(), 50, "all kept");

    let back = lena.pool.clone();
    let started = Instant::now();
    let drained = drain_as(&store, &back, &token).await;
    let took = started.elapsed();
    println!("reconnect to an outbox of 50 drained: {took:?}");
    assert_eq!((drained.sent, drained.needs_you), (50, 0));
    assert!(store.outbox().await.unwrap().is_empty());
    let comments: i64 = sqlx::query_scalar("SELECT count(*) FROM comments WHERE ticket_id = $1")
        .bind(ticket.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(comments, 25);
    store.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}

async fn history_rows(pool: &PgPool, ticket: Uuid, field: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM ticket_history WHERE ticket_id = $1 AND field_changed = $2",
    )
    .bind(ticket)
    .bind(field)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn change_status(desk: &Desk, change: StatusChange) -> ticketdesk::error::Result<i32> {
    let mut tx = desk.tx().await;
    let detail =
        ticketdesk::db::ticket_changes::change_status(&mut tx, desk.actor(), change).await?;
    tx.commit().await?;
    Ok(detail.version)
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_change_resent_after_its_commit_is_applied_once_and_a_reused_id_tells_nothing(
    pool: PgPool,
) {
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let marco = signed_in(&pool, "marco", Role::TeamLead).await;
    let ticket = create(&lena, new_ticket("Resent change", Some(lena.id)))
        .await
        .unwrap();
    let version = detail(&lena, ticket.id).await.unwrap().version;
    let change_id = Uuid::new_v4();
    let start = StatusChange {
        change_id: Some(change_id),
        ticket_id: ticket.id,
        version,
        to: Status::InProgress,
        reason: None,
        resolution_notes: None,
    };
    let after = change_status(&lena, start.clone()).await.unwrap();
    assert_eq!(after, version + 1);
    let moves = history_rows(&pool, ticket.id, "status").await;
    // The reply was lost; the outbox sends the same change again: answered as applied, with
    // the ticket as it is, and nothing written twice.
    let again = change_status(&lena, start.clone()).await.unwrap();
    assert_eq!(again, version + 1, "applied once");
    assert_eq!(
        history_rows(&pool, ticket.id, "status").await,
        moves,
        "no second history row"
    );

    // Control: without an id, the same stale change is the conflict it always was.
    let mut stale = start.clone();
    stale.change_id = None;
    assert!(matches!(
        change_status(&lena, stale).await.unwrap_err(),
        Error::Conflict(_)
    ));

    // Hostile: marco reuses lena's change id. It is not his receipt, so he is not told it was
    // applied (that would say the id exists) and his own change is judged on its own: a stale
    // version is a conflict, a current one applies.
    let mut reused = start.clone();
    reused.to = Status::PendingInfo;
    assert!(matches!(
        change_status(&marco, reused.clone()).await.unwrap_err(),
        Error::Conflict(_)
    ));
    let mut tx = marco.tx().await;
    let told: bool = sqlx::query_scalar("SELECT api.change_applied($1)")
        .bind(change_id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert!(!told, "another user's receipt is not visible");
    drop(tx);
    reused.version = version + 1;
    assert_eq!(change_status(&marco, reused).await.unwrap(), version + 2);
    let mut tx = lena.tx().await;
    let mine: bool = sqlx::query_scalar("SELECT api.change_applied($1)")
        .bind(change_id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert!(mine, "control: lena's own receipt is");
    drop(tx);
    // The receipts are reached only through that function: the table itself is not the
    // desktop's to read (the control above is the function answering).
    let mut tx = marco.tx().await;
    let direct = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM auth.change_receipts")
        .fetch_one(&mut *tx)
        .await
        .unwrap_err();
    assert!(direct.to_string().contains("permission denied"), "{direct}");
    drop(tx);
    // Priority and assignment keep receipts the same way.
    let priority = PriorityChange {
        change_id: Some(Uuid::new_v4()),
        ticket_id: ticket.id,
        version: version + 2,
        priority: Priority::P1Critical,
        reason: None,
    };
    for _ in 0..2 {
        let mut tx = lena.tx().await;
        ticketdesk::db::ticket_changes::change_priority(&mut tx, lena.actor(), priority.clone())
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(history_rows(&pool, ticket.id, "priority").await, 1);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_refused_change_needs_you_with_the_reason_holds_back_its_ticket_only_and_retries_on_top(
    pool: PgPool,
) {
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let marco = signed_in(&pool, "marco", Role::TeamLead).await;
    let ticket = create(&lena, new_ticket("Moved meanwhile", Some(lena.id)))
        .await
        .unwrap();
    let seen = detail(&lena, ticket.id).await.unwrap().version;
    let (store, dir) = temp_store().await;
    // Offline, lena starts work on the ticket and comments; she also files a new ticket.
    let change = put(&store, status(ticket.id, seen, Status::InProgress, None)).await;
    let note = put(&store, comment(ticket.id, "Looking now".into())).await;
    let other = put(&store, Work::CreateTicket(new_ticket("Unrelated", None))).await;
    // Meanwhile marco changed the ticket on the server.
    change_status(
        &marco,
        StatusChange {
            change_id: None,
            ticket_id: ticket.id,
            version: seen,
            to: Status::PendingInfo,
            reason: None,
            resolution_notes: None,
        },
    )
    .await
    .unwrap();

    let token = lena.signed_in.tokens.session_token.clone();
    let drained = drain_as(&store, &lena.pool, &token).await;
    assert_eq!((drained.sent, drained.needs_you), (1, 1), "{drained:?}");
    let items = store.outbox().await.unwrap();
    let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
    assert_eq!(
        ids,
        [change, note],
        "the new ticket went; the comment waits behind the refusal"
    );
    assert_eq!(items[0].state, OutboxState::NeedsYou);
    let reason = items[0].reason.clone().unwrap();
    assert!(reason.contains("changed by someone else"), "{reason}");
    assert_eq!(items[1].state, OutboxState::Pending);
    assert!(!detail(&lena, other).await.unwrap().ticket.title.is_empty());

    // "Retry on top": the change now names the current version, and goes with the comment.
    let mut work = items[0].work().unwrap();
    work.rebase(detail(&lena, ticket.id).await.unwrap().version);
    store
        .retry(change, Some(&serde_json::to_string(&work).unwrap()))
        .await
        .unwrap();
    let drained = drain_as(&store, &lena.pool, &token).await;
    assert_eq!((drained.sent, drained.needs_you), (2, 0), "{drained:?}");
    let now = detail(&lena, ticket.id).await.unwrap();
    assert_eq!(now.ticket.status, Status::InProgress);
    assert_eq!(now.comments.last().unwrap().content, "Looking now");
    store.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_comment_on_a_ticket_created_offline_goes_after_it_with_its_real_number(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let (store, dir) = temp_store().await;
    let mut input = new_ticket("VPN drops every hour", None);
    input.id = Some(Uuid::new_v4());
    // Queued the other way round on purpose would be a bug in the UI; the store keeps the
    // order done, and the ticket was done first.
    let ticket = put(&store, Work::CreateTicket(input)).await;
    put(&store, comment(ticket, "It happened again at 10:42".into())).await;
    let token = erin.signed_in.tokens.session_token.clone();
    let drained = drain_as(&store, &erin.pool, &token).await;
    assert_eq!((drained.sent, drained.needs_you), (2, 0));
    let filed = detail(&erin, ticket).await.unwrap();
    assert!(
        filed.ticket.ticket_number.starts_with("TKT-"),
        "{}",
        filed.ticket.ticket_number
    );
    assert_eq!(filed.comments.len(), 1);
    assert_eq!(filed.comments[0].content, "It happened again at 10:42");
    // A form that is wrong is refused before it is queued, not when it is sent.
    let empty = Work::AddComment(NewComment {
        id: Uuid::new_v4(),
        ticket_id: ticket,
        content: "   ".into(),
        is_internal: false,
    });
    assert!(empty.check().is_err());
    assert!(comment(ticket, "fine".into()).check().is_ok(), "control");
    store.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}
