use sqlx::PgPool;
use ticketdesk::domain::permissions::Actor;
use ticketdesk::domain::ticket::{Category, NewTicket, Priority};
use ticketdesk::domain::user::Role;
use uuid::Uuid;

/// Inserts an active user with the given role and returns them as an actor.
pub async fn user(pool: &PgPool, username: &str, role: Role) -> Actor {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO users (username, email, password_hash, first_name, last_name, role) \
         VALUES ($1, $1 || '@example.com', 'not-a-real-hash', initcap($1), 'Tester', $2) RETURNING id",
    )
    .bind(username)
    .bind(role.as_str())
    .fetch_one(pool)
    .await
    .expect("inserting a test user");
    Actor { id, role }
}

pub fn new_ticket(title: &str, assignee: Option<Uuid>) -> NewTicket {
    NewTicket {
        title: title.into(),
        description: "Something is broken and needs a look.".into(),
        priority: Priority::P2High,
        category: Category::NetworkIssue,
        environment: Some("Production".into()),
        assignee_id: assignee,
    }
}

pub async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .expect("counting rows")
}

/// A user who can really sign in with `password`.
pub async fn user_with_password(
    pool: &PgPool,
    username: &str,
    role: Role,
    password: &str,
) -> Actor {
    let actor = user(pool, username, role).await;
    let verifier = ticketdesk::domain::password::new_verifier(password).expect("a valid password");
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(verifier)
        .bind(actor.id)
        .execute(pool)
        .await
        .expect("setting the verifier");
    actor
}
