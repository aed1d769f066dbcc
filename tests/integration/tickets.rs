use std::collections::HashSet;

use sqlx::PgPool;
use ticketdesk::domain::ticket::{QueueQuery, Status};
use ticketdesk::domain::user::Role;
use ticketdesk::error::Error;

use crate::helpers::{count, create, detail, new_ticket, queue, signed_in, Desk};

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn creating_an_assigned_ticket_writes_ticket_history_and_notification(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;

    let created = create(&lead, new_ticket("VPN is down", Some(dev.id)))
        .await
        .expect("a lead may assign to an engineer");

    let number = &created.ticket_number;
    let year = chrono::Utc::now().format("%Y").to_string();
    assert!(
        number.starts_with(&format!("TKT-{year}-")),
        "{number} has the TKT-<year>- prefix"
    );
    let digits = &number[9..];
    assert!(
        digits.len() >= 5 && digits.chars().all(|c| c.is_ascii_digit()),
        "{number} ends in 5+ digits"
    );
    assert_eq!(
        created.status,
        Status::Open,
        "an assigned ticket is triaged, so OPEN"
    );
    assert_eq!(created.assignee.as_ref().map(|a| a.id), Some(dev.id));
    assert_eq!(created.requestor.id, lead.id);

    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM ticket_history WHERE ticket_id = $1 ORDER BY timestamp",
    )
    .bind(created.id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        ["CREATED", "ASSIGNED"],
        "history keeps the order it was written in"
    );
    let assigned: String = sqlx::query_scalar(
        "SELECT new_value FROM ticket_history WHERE ticket_id = $1 AND action = 'ASSIGNED'",
    )
    .bind(created.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    let assigned: serde_json::Value =
        serde_json::from_str(&assigned).expect("history values are JSON");
    assert_eq!(assigned["id"], serde_json::json!(dev.id));
    assert_eq!(assigned["displayName"], "Dev Tester");

    let (recipient, kind, channel, delivered): (
        uuid::Uuid,
        String,
        String,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = sqlx::query_as(
        "SELECT user_id, type, channel, delivered_at FROM notifications WHERE ticket_id = $1",
    )
    .bind(created.id)
    .fetch_one(&pool)
    .await
    .expect("exactly one notification for the assignee");
    assert_eq!(
        (recipient, kind.as_str(), channel.as_str()),
        (dev.id, "TICKET_ASSIGNED", "IN_APP")
    );
    assert!(delivered.is_none(), "nobody has seen it yet");

    let policy: Option<uuid::Uuid> =
        sqlx::query_scalar("SELECT sla_policy_id FROM tickets WHERE id = $1")
            .bind(created.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(policy.is_some(), "the default P2 policy applies");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn taking_a_ticket_yourself_does_not_notify_you(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    create(&dev, new_ticket("Mine", Some(dev.id)))
        .await
        .unwrap();
    assert_eq!(count(&pool, "notifications").await, 0);
    assert_eq!(count(&pool, "ticket_history").await, 2);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn refused_creations_write_nothing(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let other = signed_in(&pool, "priya", Role::DevopsEngineer).await;
    let requestor = signed_in(&pool, "erin", Role::EndUser).await;

    let err = create(&dev, new_ticket("Assign to a peer", Some(other.id)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Forbidden(_)),
        "engineers may not assign to others: {err:?}"
    );

    let err = create(&dev, new_ticket("   ", None)).await.unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");

    let err = create(&dev, new_ticket("To a requestor", Some(requestor.id)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(_)),
        "requestors cannot be assignees, whoever asks: {err:?}"
    );

    let err = create(&dev, new_ticket("Ghost", Some(uuid::Uuid::new_v4())))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(_)),
        "unknown assignee: {err:?}"
    );

    for table in ["tickets", "ticket_history", "notifications"] {
        assert_eq!(count(&pool, table).await, 0, "{table} must be untouched");
    }
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn concurrent_creations_get_unique_numbers(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let dev = dev.clone();
        tasks.push(tokio::spawn(async move {
            create(&dev, new_ticket(&format!("Parallel {i}"), None))
                .await
                .map(|t| t.ticket_number)
        }));
    }
    let mut numbers = HashSet::new();
    for task in tasks {
        numbers.insert(task.await.unwrap().expect("every creation succeeds"));
    }
    assert_eq!(numbers.len(), 40, "no two tickets share a number");
    assert_eq!(count(&pool, "ticket_history").await, 40);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn queue_pages_by_keyset_without_losing_or_repeating_rows(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    for i in 0..25 {
        create(&dev, new_ticket(&format!("Ticket {i}"), None))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = queue(
            &dev,
            &QueueQuery {
                limit: Some(10),
                after,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        pages += 1;
        seen.extend(page.tickets.iter().map(|t| (t.created_at, t.id)));
        if pages == 1 {
            // Rows created between pages land before the cursor and must not shift later pages.
            create(&dev, new_ticket("Arrived meanwhile", None))
                .await
                .unwrap();
        }
        match page.next_cursor {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 25, "every original ticket exactly once");
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_bad_cursor_is_a_validation_error(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let err = queue(
        &dev,
        &QueueQuery {
            after: Some("garbage".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
}

/// Two requestors (Erin, Noah) and an engineer (Dev) signed in, and a ticket Erin filed.
async fn erins_ticket(
    pool: &PgPool,
) -> (Desk, Desk, Desk, ticketdesk::domain::ticket::TicketSummary) {
    let erin = signed_in(pool, "erin", Role::EndUser).await;
    let noah = signed_in(pool, "noah", Role::EndUser).await;
    let dev = signed_in(pool, "dev", Role::DevopsEngineer).await;
    let erins = create(&erin, new_ticket("Erin's laptop", None))
        .await
        .unwrap();
    (erin, noah, dev, erins)
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn requestors_see_only_their_tickets_and_no_internal_notes(pool: PgPool) {
    let (erin, noah, dev, erins) = erins_ticket(&pool).await;
    let noahs = create(&noah, new_ticket("Noah's VPN", None)).await.unwrap();
    sqlx::query(
        "INSERT INTO comments (ticket_id, user_id, content, is_internal) VALUES \
         ($1, $2, 'public reply', FALSE), ($1, $2, 'internal note', TRUE)",
    )
    .bind(erins.id)
    .bind(dev.id)
    .execute(&pool)
    .await
    .unwrap();

    let erin_queue = queue(&erin, &QueueQuery::default()).await.unwrap();
    let ids: Vec<_> = erin_queue.tickets.iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![erins.id], "Erin sees only her own ticket");
    let dev_queue = queue(&dev, &QueueQuery::default()).await.unwrap();
    assert_eq!(dev_queue.tickets.len(), 2, "engineers see all tickets");

    let erin_view = detail(&erin, erins.id).await.unwrap();
    let contents: Vec<_> = erin_view
        .comments
        .iter()
        .map(|c| c.content.as_str())
        .collect();
    assert_eq!(
        contents,
        ["public reply"],
        "internal notes are hidden from requestors"
    );
    let dev_view = detail(&dev, erins.id).await.unwrap();
    assert_eq!(dev_view.comments.len(), 2);
    let actions = |d: &ticketdesk::domain::ticket::TicketDetail| {
        d.history
            .iter()
            .map(|h| h.action.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        actions(&dev_view),
        ["CREATED", "COMMENT_ADDED", "COMMENT_ADDED"],
        "the database writes a history row per comment"
    );
    assert_eq!(
        actions(&erin_view),
        ["CREATED", "COMMENT_ADDED"],
        "history does not count internal notes for requestors either"
    );
    assert_eq!(
        dev_view.description,
        "Something is broken and needs a look."
    );

    let err = detail(&erin, noahs.id).await.unwrap_err();
    assert!(
        matches!(err, Error::NotFound(_)),
        "another requestor's ticket does not exist for Erin"
    );
}

/// A `ticketdesk://ticket/TKT-…` link's number as the desktop resolves it (issue 18).
async fn by_number(
    desk: &crate::helpers::Desk,
    number: &str,
) -> ticketdesk::error::Result<uuid::Uuid> {
    let mut tx = desk.tx().await;
    ticketdesk::db::tickets::id_by_number(&mut tx, number).await
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_link_resolves_only_to_a_ticket_its_user_may_see(pool: PgPool) {
    let (erin, noah, dev, erins) = erins_ticket(&pool).await;

    // Control: the requestor and staff reach it, also typed in lower case with spaces.
    assert_eq!(
        by_number(&erin, &erins.ticket_number).await.unwrap(),
        erins.id
    );
    let sloppy = format!(" {} ", erins.ticket_number.to_lowercase());
    assert_eq!(by_number(&dev, &sloppy).await.unwrap(), erins.id);

    // Another requestor is told what a number that does not exist tells.
    let hidden = by_number(&noah, &erins.ticket_number).await.unwrap_err();
    let missing = by_number(&noah, "TKT-1999-00001").await.unwrap_err();
    for err in [&hidden, &missing] {
        assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    }
    assert_eq!(
        hidden.to_string().replace(&erins.ticket_number, "N"),
        missing.to_string().replace("TKT-1999-00001", "N"),
        "the answer does not tell a hidden ticket from a missing one"
    );
}
