use std::collections::HashSet;

use sqlx::PgPool;
use ticketdesk::domain::user::Role;

use crate::helpers::{claim, create, new_ticket, signed_in};

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn each_notification_is_claimed_by_exactly_one_desktop(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    for i in 0..30 {
        create(&lead, new_ticket(&format!("T{i}"), Some(dev.id)))
            .await
            .unwrap();
    }
    // Two desktops of the same user (two sessions, two connections) claim at the same time.
    let second_desk = {
        let tokens = ticketdesk::db::auth::sign_in(
            &dev.pool,
            "dev",
            crate::helpers::DESK_PASSWORD,
            None,
            None,
        )
        .await
        .unwrap();
        crate::helpers::Desk {
            signed_in: ticketdesk::db::auth::SignedIn {
                tokens,
                ..dev.signed_in.clone()
            },
            ..dev.clone()
        }
    };
    let claim_repeatedly = |desk: crate::helpers::Desk| async move {
        let mut ids = Vec::new();
        for _ in 0..5 {
            ids.extend(claim(&desk).await.into_iter().map(|n| n.id));
        }
        ids
    };
    let (a, b) = tokio::join!(claim_repeatedly(dev.clone()), claim_repeatedly(second_desk));
    let all: Vec<_> = a.iter().chain(&b).collect();
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 30, "every notification delivered");
    assert_eq!(unique.len(), 30, "none delivered twice");
    let undelivered: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE channel = 'IN_APP' AND delivered_at IS NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(undelivered, 0);
    assert!(claim(&dev).await.is_empty(), "nothing replays");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn claims_only_return_the_callers_notifications(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let priya = signed_in(&pool, "priya", Role::DevopsEngineer).await;
    let created = create(&lead, new_ticket("For Priya", Some(priya.id)))
        .await
        .unwrap();
    assert!(claim(&dev).await.is_empty());
    let claimed = claim(&priya).await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].ticket_id, Some(created.id));
    assert_eq!(
        claimed[0].subject.as_deref(),
        Some(format!("{} assigned to you", created.ticket_number).as_str())
    );
}
