use std::collections::HashSet;

use sqlx::PgPool;
use ticketdesk::db::demo_data;

#[sqlx::test]
async fn demo_data_covers_every_role_status_and_priority_and_is_idempotent(pool: PgPool) {
    let first = demo_data::load(&pool).await.unwrap();
    assert_eq!(first.users, demo_data::USERS.len() as u64);
    assert_eq!(first.tickets, demo_data::TICKET_COUNT as u64);

    let second = demo_data::load(&pool).await.unwrap();
    assert_eq!(
        second,
        demo_data::Loaded::default(),
        "a second run adds nothing"
    );
    assert_eq!(
        crate::helpers::count(&pool, "tickets").await,
        demo_data::TICKET_COUNT as i64
    );

    let set = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_all(&pool)
                .await
                .unwrap()
                .into_iter()
                .collect::<HashSet<_>>()
        }
    };
    assert_eq!(
        set("SELECT DISTINCT role FROM users").await.len(),
        6,
        "every role"
    );
    assert_eq!(
        set("SELECT DISTINCT status FROM tickets").await.len(),
        8,
        "every status"
    );
    assert_eq!(
        set("SELECT DISTINCT priority FROM tickets").await.len(),
        4,
        "every priority"
    );
    let comments = crate::helpers::count(&pool, "comments").await;
    let history = crate::helpers::count(&pool, "ticket_history").await;
    assert!(comments > 100, "comments spread over tickets: {comments}");
    assert!(history >= 200 * 2, "history for every ticket: {history}");
    let inconsistent: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tickets WHERE (status IN ('RESOLVED','CLOSED')) <> (resolved_at IS NOT NULL) \
         OR (status = 'CLOSED') <> (closed_at IS NOT NULL)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(inconsistent, 0, "resolved_at/closed_at match the status");
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        hash.starts_with("$tdv1$m=19456,t=2,p=1$"),
        "OWASP Argon2id parameters: {hash}"
    );
}
