//! Who hears about which change (SPEC §7), and the notification centre: every event writes its
//! rows in the change's transaction, nobody hears of their own action, internal notes stay
//! with engineers.

use sqlx::PgPool;
use ticketdesk::db::comments;
use ticketdesk::db::notifications;
use ticketdesk::db::ticket_changes::{self, Assignment, StatusChange};
use ticketdesk::domain::notification::NotificationQuery;
use ticketdesk::domain::ticket::{NewComment, Status};
use ticketdesk::domain::user::Role;
use ticketdesk::error::Error;
use uuid::Uuid;

use crate::helpers::{claim, create, detail, new_ticket, signed_in, Desk};

/// (kind, subject) of what `desk` has been sent since the last look.
async fn heard(desk: &Desk) -> Vec<(String, String)> {
    claim(desk)
        .await
        .into_iter()
        .map(|n| (n.kind, n.subject.unwrap_or_default()))
        .collect()
}

async fn assign(desk: &Desk, ticket: Uuid, to: Option<Uuid>) {
    let seen = detail(desk, ticket).await.unwrap();
    let mut tx = desk.tx().await;
    let change = Assignment {
        change_id: None,
        ticket_id: ticket,
        version: seen.version,
        assignee_id: to,
        reason: None,
    };
    ticket_changes::assign(&mut tx, desk.actor(), change)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn move_to(desk: &Desk, ticket: Uuid, to: Status, notes: Option<&str>) {
    let seen = detail(desk, ticket).await.unwrap();
    let mut tx = desk.tx().await;
    let change = StatusChange {
        change_id: None,
        ticket_id: ticket,
        version: seen.version,
        to,
        reason: None,
        resolution_notes: notes.map(str::to_owned),
    };
    ticket_changes::change_status(&mut tx, desk.actor(), change)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn comment(desk: &Desk, ticket: Uuid, internal: bool) {
    let mut tx = desk.tx().await;
    let input = NewComment {
        id: Uuid::new_v4(),
        ticket_id: ticket,
        content: "a comment".into(),
        is_internal: internal,
    };
    comments::add(&mut tx, desk.actor(), input).await.unwrap();
    tx.commit().await.unwrap();
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn assignment_reaches_the_new_and_the_previous_assignee_not_the_actor(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let priya = signed_in(&pool, "priya", Role::DevopsEngineer).await;
    let sam = signed_in(&pool, "sam", Role::SeniorEngineer).await;
    let t = create(&erin, new_ticket("Certificate", None))
        .await
        .unwrap();
    let number = t.ticket_number.clone();

    assign(&dev, t.id, Some(dev.id)).await;
    assert!(
        heard(&dev).await.is_empty(),
        "taking a ticket notifies nobody of it"
    );
    let requestor = heard(&erin).await;
    assert_eq!(
        requestor,
        [("STATUS_CHANGED".to_owned(), format!("{number} is now OPEN"))]
    );

    assign(&sam, t.id, Some(priya.id)).await;
    assert_eq!(
        heard(&priya).await,
        [(
            "TICKET_ASSIGNED".to_owned(),
            format!("{number} assigned to you")
        )]
    );
    assert_eq!(
        heard(&dev).await,
        [(
            "TICKET_ASSIGNED".to_owned(),
            format!("{number} is no longer yours")
        )]
    );
    assert!(heard(&sam).await.is_empty(), "the actor hears nothing");

    // Released back to the queue by someone else: the previous assignee hears of it.
    move_to(&priya, t.id, Status::InProgress, None).await;
    heard(&erin).await;
    move_to(&sam, t.id, Status::Open, None).await;
    assert_eq!(
        heard(&priya).await,
        [(
            "TICKET_ASSIGNED".to_owned(),
            format!("{number} is no longer yours")
        )]
    );
    assert_eq!(
        heard(&erin).await,
        [("STATUS_CHANGED".to_owned(), format!("{number} is now OPEN"))]
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn comments_reach_the_requestor_and_assignee_and_internal_notes_only_engineers(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let priya = signed_in(&pool, "priya", Role::DevopsEngineer).await;
    let t = create(&erin, new_ticket("Comments", None)).await.unwrap();
    assign(&dev, t.id, Some(dev.id)).await;
    heard(&erin).await;

    comment(&priya, t.id, false).await;
    assert_eq!(
        heard(&erin).await.len(),
        1,
        "the requestor hears of a public comment"
    );
    assert_eq!(heard(&dev).await.len(), 1, "and the assignee");
    comment(&priya, t.id, true).await;
    assert!(
        heard(&erin).await.is_empty(),
        "an internal note never reaches the requestor"
    );
    assert_eq!(
        heard(&dev).await[0].1,
        format!("Internal note on {}", t.ticket_number)
    );
    comment(&erin, t.id, false).await;
    assert!(heard(&erin).await.is_empty(), "not of her own comment");
    assert_eq!(heard(&dev).await[0].0, "COMMENT_ADDED");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_requestor_hears_of_moves_and_closing_but_not_of_her_own(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let t = create(&erin, new_ticket("Moves", None)).await.unwrap();
    assign(&dev, t.id, Some(dev.id)).await;
    move_to(&dev, t.id, Status::Resolved, Some("fixed")).await;
    let kinds: Vec<_> = heard(&erin).await.into_iter().map(|h| h.0).collect();
    assert_eq!(kinds, ["STATUS_CHANGED", "STATUS_CHANGED"]);
    move_to(&erin, t.id, Status::Closed, None).await;
    assert!(
        heard(&erin).await.is_empty(),
        "closing it herself tells her nothing"
    );
    move_to(&erin, t.id, Status::Reopened, None).await;
    assert!(
        heard(&dev).await.is_empty(),
        "the assignee is not told of status moves by default"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_rolled_back_change_notifies_nobody(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let sam = signed_in(&pool, "sam", Role::SeniorEngineer).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let t = create(&erin, new_ticket("Rolled back", None))
        .await
        .unwrap();
    let seen = detail(&sam, t.id).await.unwrap();
    let mut tx = sam.tx().await;
    let change = Assignment {
        change_id: None,
        ticket_id: t.id,
        version: seen.version,
        assignee_id: Some(dev.id),
        reason: None,
    };
    ticket_changes::assign(&mut tx, sam.actor(), change)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert!(heard(&dev).await.is_empty());
    assert!(heard(&erin).await.is_empty());
    assert_eq!(crate::helpers::count(&pool, "notifications").await, 0);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_centre_lists_pages_and_marks_read(pool: PgPool) {
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    for i in 0..5 {
        create(&lena, new_ticket(&format!("Centre {i}"), Some(dev.id)))
            .await
            .unwrap();
    }
    let list = |query: NotificationQuery| {
        let dev = dev.clone();
        async move {
            let mut tx = dev.tx().await;
            notifications::list(&mut tx, &query).await
        }
    };
    let first = list(NotificationQuery {
        limit: Some(3),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(first.unread, 5);
    assert_eq!(first.items.len(), 3);
    assert!(
        first.items[0].created_at >= first.items[2].created_at,
        "newest first"
    );
    assert!(first.items[0]
        .ticket_number
        .as_deref()
        .unwrap()
        .starts_with("TKT-"));
    let rest = list(NotificationQuery {
        limit: Some(3),
        before: first.next_cursor.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(rest.items.len(), 2);
    assert_eq!(rest.next_cursor, None);

    let mut tx = dev.tx().await;
    let unread = notifications::mark_read(&mut tx, first.items[0].id)
        .await
        .unwrap();
    assert_eq!(unread, 4);
    assert_eq!(
        notifications::mark_read(&mut tx, first.items[0].id)
            .await
            .unwrap(),
        4,
        "again is harmless"
    );
    tx.commit().await.unwrap();
    let unread_only = list(NotificationQuery {
        unread_only: true,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(unread_only.items.len(), 4);
    assert!(unread_only.items.iter().all(|n| n.read_at.is_none()));

    // Lena cannot mark dev's notification read: to her it does not exist.
    let mut tx = lena.tx().await;
    let err = notifications::mark_read(&mut tx, first.items[1].id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    drop(tx);

    let mut tx = dev.tx().await;
    assert_eq!(notifications::mark_all_read(&mut tx).await.unwrap(), 0);
    tx.commit().await.unwrap();
    let after = list(NotificationQuery::default()).await.unwrap();
    assert_eq!(after.unread, 0);
    assert!(after.items.iter().all(|n| n.read_at.is_some()));
    let err = list(NotificationQuery {
        before: Some("nonsense".into()),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
}
