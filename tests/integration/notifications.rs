use std::collections::HashSet;

use sqlx::PgPool;
use ticketdesk::db::{notifications, tickets};
use ticketdesk::domain::user::Role;

use crate::helpers::{new_ticket, user};

#[sqlx::test]
async fn each_notification_is_claimed_by_exactly_one_desktop(pool: PgPool) {
    let lead = user(&pool, "lena", Role::TeamLead).await;
    let dev = user(&pool, "dev", Role::DevopsEngineer).await;
    for i in 0..30 {
        tickets::create(&pool, lead, new_ticket(&format!("T{i}"), Some(dev.id)))
            .await
            .unwrap();
    }
    // Two desktops of the same user claim at the same time, repeatedly.
    let claim = |pool: PgPool| async move {
        let mut ids = Vec::new();
        for _ in 0..5 {
            ids.extend(
                notifications::claim_undelivered(&pool, dev.id)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|n| n.id),
            );
        }
        ids
    };
    let (a, b) = tokio::join!(claim(pool.clone()), claim(pool.clone()));
    let all: Vec<_> = a.iter().chain(&b).collect();
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 30, "every notification delivered");
    assert_eq!(unique.len(), 30, "none delivered twice");
    let undelivered: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE delivered_at IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(undelivered, 0);
    assert!(
        notifications::claim_undelivered(&pool, dev.id)
            .await
            .unwrap()
            .is_empty(),
        "nothing replays"
    );
}

#[sqlx::test]
async fn claims_only_return_the_callers_notifications(pool: PgPool) {
    let lead = user(&pool, "lena", Role::TeamLead).await;
    let dev = user(&pool, "dev", Role::DevopsEngineer).await;
    let priya = user(&pool, "priya", Role::DevopsEngineer).await;
    let created = tickets::create(&pool, lead, new_ticket("For Priya", Some(priya.id)))
        .await
        .unwrap();
    assert!(notifications::claim_undelivered(&pool, dev.id)
        .await
        .unwrap()
        .is_empty());
    let claimed = notifications::claim_undelivered(&pool, priya.id)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].ticket_id, Some(created.id));
    assert_eq!(
        claimed[0].subject.as_deref(),
        Some(format!("{} assigned to you", created.ticket_number).as_str())
    );
}
