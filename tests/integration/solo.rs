//! Solo mode for real: initdb, start, connect, stop, start again with the data kept.

use sqlx::Connection;
use ticketdesk::solo::{SoloCluster, DATABASE_NAME};

#[tokio::test]
async fn solo_cluster_initialises_starts_stops_and_keeps_data() {
    // Directly under /tmp: when the tests run as root the server runs as `postgres`, which
    // must be able to reach the directory.
    let dir = std::path::PathBuf::from(format!("/tmp/ticketdesk-solo-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let cluster = SoloCluster::ensure_running(&dir)
        .await
        .expect("first start initialises the cluster");
    assert!(cluster.started_here());
    let mut conn = sqlx::PgConnection::connect(&cluster.url(DATABASE_NAME))
        .await
        .unwrap();
    sqlx::raw_sql("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let again = SoloCluster::ensure_running(&dir).await.unwrap();
    assert!(
        !again.started_here(),
        "a running cluster is reused, not started twice"
    );
    assert_eq!(
        again.url(DATABASE_NAME),
        cluster.url(DATABASE_NAME),
        "same port and credentials"
    );

    cluster.stop().await.unwrap();
    assert!(
        sqlx::PgConnection::connect(&cluster.url(DATABASE_NAME))
            .await
            .is_err(),
        "stopped means stopped"
    );

    let restarted = SoloCluster::ensure_running(&dir).await.unwrap();
    assert!(restarted.started_here());
    let mut conn = sqlx::PgConnection::connect(&restarted.url(DATABASE_NAME))
        .await
        .unwrap();
    let kept: i32 = sqlx::query_scalar("SELECT v FROM kept")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(kept, 42, "data survives a restart");
    conn.close().await.unwrap();

    let wrong_password = restarted
        .url(DATABASE_NAME)
        .replacen("ticketdesk:", "ticketdesk:x", 1);
    assert!(
        sqlx::PgConnection::connect(&wrong_password).await.is_err(),
        "the cluster requires its password"
    );

    restarted.stop_if_started_here().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
