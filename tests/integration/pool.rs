//! The app's own pool (`db::connect`), as a desktop gets it.

use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

async fn app_pool(pool: &PgPool) -> PgPool {
    let name = format!("desk_{}", Uuid::new_v4().simple());
    let password = ticketdesk::db::desktop_login::create(pool, &name)
        .await
        .unwrap();
    let url = ticketdesk::config::database_url_for(pool, &name, &password)
        .await
        .unwrap();
    ticketdesk::db::connect(&url, 1).await.unwrap()
}

/// Connections are not pinged before every use (a round trip per command), but one that sat
/// idle is checked, so a connection the server dropped meanwhile is replaced, not handed out.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_connection_the_server_dropped_while_idle_is_replaced(pool: PgPool) {
    let app = app_pool(&pool).await;
    let first: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&app)
        .await
        .unwrap();
    let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1, 5000)")
        .bind(first)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(ended, "control: the server ended the app's connection");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let second: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&app)
        .await
        .expect("the dropped connection is replaced");
    assert_ne!(first, second);
    app.close().await;
}

/// Short OLTP statements gain nothing from JIT; on a 1M-ticket queue query it cost 29 ms.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn app_connections_run_without_jit(pool: PgPool) {
    let app = app_pool(&pool).await;
    let jit: String = sqlx::query_scalar("SHOW jit")
        .fetch_one(&app)
        .await
        .unwrap();
    assert_eq!(jit, "off");
    app.close().await;
}

/// A read ends by dropping its transaction (`end_read`): the ROLLBACK goes out with the
/// pool's release check. The next command on that very connection must start clean: its own
/// transaction, its own session, nothing of the last user's.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_read_ended_without_commit_leaves_nothing_to_the_next_command(pool: PgPool) {
    use ticketdesk::domain::user::Role;
    let first = crate::helpers::signed_in(&pool, "first", Role::DevopsEngineer).await;
    let second = crate::helpers::signed_in(&pool, "second", Role::EndUser).await;
    let app = app_pool(&pool).await; // one connection: the next command gets the same one
    let pid_and_tx = "SELECT pg_backend_pid(), txid_current()";

    let (mut tx, actor) =
        ticketdesk::db::auth::begin_acting(&app, &first.signed_in.tokens.session_token)
            .await
            .unwrap();
    assert_eq!(actor.map(|a| a.id), Some(first.id));
    let (pid, read_tx): (i32, i64) = sqlx::query_as(pid_and_tx)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    ticketdesk::db::auth::end_read(tx);

    let (mut tx, actor) =
        ticketdesk::db::auth::begin_acting(&app, &second.signed_in.tokens.session_token)
            .await
            .unwrap();
    assert_eq!(actor.map(|a| a.id), Some(second.id));
    let (same_pid, next_tx): (i32, i64) = sqlx::query_as(pid_and_tx)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(same_pid, pid, "control: the same connection");
    assert_ne!(next_tx, read_tx, "a transaction of its own");
    let acting: Option<Uuid> = crate::helpers::acting_user(&mut tx).await;
    assert_eq!(acting, Some(second.id));
    tx.commit().await.unwrap();

    // Without a session of its own, a statement sees nobody: the ended read's is gone.
    let nobody: Option<Uuid> = crate::helpers::acting_user(&mut app.acquire().await.unwrap()).await;
    assert_eq!(nobody, None);
    app.close().await;
}
