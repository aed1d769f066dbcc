use std::collections::HashSet;

use sqlx::PgPool;
use ticketdesk::generate::demo_data;

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
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

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn demo_tickets_have_deadlines_and_past_breaches_are_already_flagged(pool: PgPool) {
    demo_data::load(&pool).await.unwrap();
    let (without_deadline, breached): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE due_date IS NULL OR sla_policy_id IS NULL \
                                   OR response_due_at IS NULL OR resolution_warn_at IS NULL), \
                count(*) FILTER (WHERE sla_breach) FROM tickets",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        without_deadline, 0,
        "every demo ticket has both deadlines and their warning marks, also those loaded with a first response"
    );
    assert!(breached > 0, "a weeks-long demo history has breaches");
    // So the first start raises no burst of breach alerts for weeks-old tickets.
    assert_eq!(ticketdesk::db::sla::sweep(&pool).await.unwrap(), Some(0));
}

/// The demo's backdated history is written in the triggers' format: for each action both
/// write, the JSON keys of a demo row are those of a row the triggers wrote for a ticket
/// created through the app (issue 17: one history format, not a copy per generator).
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn demo_history_has_the_shape_the_triggers_write(pool: PgPool) {
    demo_data::load(&pool).await.unwrap();
    let lead = crate::helpers::signed_in(
        &pool,
        "shape_lead",
        ticketdesk::domain::user::Role::TeamLead,
    )
    .await;
    let engineer = demo_data::user_id("dev");
    let created = crate::helpers::create(
        &lead,
        crate::helpers::new_ticket("Shape of history", Some(engineer)),
    )
    .await
    .unwrap();
    let shapes = |action: &'static str, from_app: bool| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT DISTINCT (SELECT string_agg(k, ',' ORDER BY k) \
                                  FROM jsonb_object_keys(h.new_value::jsonb) k) \
                 FROM ticket_history h \
                 WHERE h.action = $1 AND (h.ticket_id = $2) = $3",
            )
            .bind(action)
            .bind(created.id)
            .bind(from_app)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    for action in ["CREATED", "ASSIGNED"] {
        let app = shapes(action, true).await;
        assert_eq!(app.len(), 1, "the app wrote one {action} row: {app:?}");
        assert_eq!(
            shapes(action, false).await,
            app,
            "demo {action} rows have the keys the trigger writes"
        );
    }
}
