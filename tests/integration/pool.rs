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
#[sqlx::test]
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
#[sqlx::test]
async fn app_connections_run_without_jit(pool: PgPool) {
    let app = app_pool(&pool).await;
    let jit: String = sqlx::query_scalar("SHOW jit")
        .fetch_one(&app)
        .await
        .unwrap();
    assert_eq!(jit, "off");
    app.close().await;
}
