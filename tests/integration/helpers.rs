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
        id: None,
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

/// A signed-in desktop, as the app runs it: a pool connected with a least-privileged
/// desktop login (so row-level security applies) and a session token from a real sign-in.
#[derive(Clone)]
pub struct Desk {
    pub id: Uuid,
    pub role: Role,
    pub pool: PgPool,
    pub signed_in: ticketdesk::db::auth::SignedIn,
}

pub const DESK_PASSWORD: &str = "correct horse battery";

impl Desk {
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id,
            role: self.role,
        }
    }

    /// A transaction in this desk's session.
    pub async fn tx(&self) -> sqlx::Transaction<'static, sqlx::Postgres> {
        ticketdesk::db::auth::begin_as(&self.pool, &self.signed_in.tokens.session_token)
            .await
            .expect("opening a session transaction")
    }
}

/// A pool connected as a fresh login in `ticketdesk_desktop`, to the test's database.
pub async fn desktop_pool(pool: &PgPool) -> PgPool {
    let name = format!("desk_{}", Uuid::new_v4().simple());
    let password = ticketdesk::db::desktop_login::create(pool, &name)
        .await
        .expect("creating a desktop login");
    let url = ticketdesk::config::database_url_for(pool, &name, &password)
        .await
        .expect("building its URL");
    PgPool::connect(&url)
        .await
        .expect("connecting as the desktop login")
}

/// A user with a password, signed in through the real two-step sign-in on a desktop pool.
pub async fn signed_in(pool: &PgPool, username: &str, role: Role) -> Desk {
    let actor = user_with_password(pool, username, role, DESK_PASSWORD).await;
    let desk_pool = desktop_pool(pool).await;
    let tokens =
        ticketdesk::db::auth::sign_in(&desk_pool, username, DESK_PASSWORD, None, Some("test"))
            .await
            .expect("signing in");
    let mut tx = ticketdesk::db::auth::begin_as(&desk_pool, &tokens.session_token)
        .await
        .expect("acting as the new session");
    let user = ticketdesk::db::users::find_active(&mut *tx, actor.id)
        .await
        .expect("the user exists");
    tx.commit().await.unwrap();
    Desk {
        id: actor.id,
        role,
        pool: desk_pool,
        signed_in: ticketdesk::db::auth::SignedIn { user, tokens },
    }
}

pub async fn create(
    desk: &Desk,
    input: NewTicket,
) -> ticketdesk::error::Result<ticketdesk::domain::ticket::TicketSummary> {
    let mut tx = desk.tx().await;
    let created = ticketdesk::db::tickets::create(&mut tx, desk.actor(), input).await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn queue(
    desk: &Desk,
    query: &ticketdesk::domain::ticket::QueueQuery,
) -> ticketdesk::error::Result<ticketdesk::domain::ticket::QueuePage> {
    // The desktop's path: one statement bringing the session (list_queue).
    ticketdesk::db::tickets::queue_for_session(
        &desk.pool,
        &desk.signed_in.tokens.session_token,
        query,
    )
    .await
}

pub async fn detail(
    desk: &Desk,
    id: Uuid,
) -> ticketdesk::error::Result<ticketdesk::domain::ticket::TicketDetail> {
    let mut tx = desk.tx().await;
    ticketdesk::db::tickets::detail(&mut tx, desk.actor(), id).await
}

pub async fn claim(desk: &Desk) -> Vec<ticketdesk::domain::notification::NotificationEvent> {
    let mut tx = desk.tx().await;
    let claimed = ticketdesk::db::notifications::claim_undelivered(&mut *tx)
        .await
        .expect("claiming");
    tx.commit().await.expect("committing the claim");
    claimed
}

/// Whom the API takes the connection's current session for (`None`: nobody). The desktop
/// login may call only `api.*`, so this asks the API itself rather than an internal helper.
pub async fn acting_user(conn: &mut sqlx::PgConnection) -> Option<Uuid> {
    sqlx::query_scalar::<_, Option<Uuid>>(
        "SELECT user_id FROM api.act_as(coalesce(current_setting('ticketdesk.session', true), ''))",
    )
    .fetch_optional(conn)
    .await
    .unwrap()
    .flatten()
}
