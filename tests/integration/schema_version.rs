//! A desktop must recognise a server schema it does not fit, in both directions.

use sqlx::PgPool;
use ticketdesk::app::Backend;
use ticketdesk::config::DatabaseTarget;
use ticketdesk::db::{self, SchemaState};
use ticketdesk::error::Error;

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_migrated_server_is_up_to_date(pool: PgPool) {
    assert_eq!(
        db::schema_state(&pool).await.unwrap(),
        SchemaState::UpToDate
    );
}

#[sqlx::test(migrations = false)]
async fn an_unmigrated_server_is_behind(pool: PgPool) {
    let state = db::schema_state(&pool).await.unwrap();
    let SchemaState::Behind { missing } = &state else {
        panic!("expected Behind, got {state:?}")
    };
    assert_eq!(
        missing.len(),
        db::MIGRATOR.iter().count(),
        "every migration is missing"
    );
    assert!(
        state.problem().unwrap().contains("ticketdesk migrate"),
        "tells the admin what to run"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_server_migrated_by_a_newer_ticketdesk_is_ahead_and_refused(pool: PgPool) {
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99991231000000, 'from the future', TRUE, '\\x00'::bytea, 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let state = db::schema_state(&pool).await.unwrap();
    assert_eq!(
        state,
        SchemaState::Ahead {
            unknown: vec![99991231000000]
        }
    );
    assert!(
        state.problem().unwrap().contains("newer"),
        "says the app must be updated"
    );

    // The desktop refuses to use it, with that message, instead of failing later.
    let url = connect_url(&pool).await;
    let err = Backend::open(&DatabaseTarget::Team { url })
        .await
        .err()
        .expect("refused");
    let Error::Incompatible(message) = err else {
        panic!("expected Incompatible, got {err:?}")
    };
    assert!(message.contains("Update ticketdesk"), "{message}");
}

/// The URL of the per-test database: DATABASE_URL with the test database's name.
async fn connect_url(pool: &PgPool) -> String {
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pool)
        .await
        .unwrap();
    let base = std::env::var("DATABASE_URL").expect("the test run exports DATABASE_URL");
    let (server, _) = base.rsplit_once('/').expect("URL has a database part");
    format!("{server}/{name}")
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_server_whose_sql_definitions_come_from_another_build_is_reported(pool: PgPool) {
    sqlx::query("UPDATE _sqlx_migrations SET checksum = '\\x00'::bytea WHERE version = $1")
        .bind(db::schema_objects::VERSION)
        .execute(&pool)
        .await
        .unwrap();
    let state = db::schema_state(&pool).await.unwrap();
    assert_eq!(state, SchemaState::Different);
    assert!(state.problem().unwrap().contains("ticketdesk migrate"));

    // `migrate` applies this build's definitions again, whatever the server had.
    db::migrate(&pool).await.unwrap();
    assert_eq!(
        db::schema_state(&pool).await.unwrap(),
        SchemaState::UpToDate
    );
}

/// Every file under sql/ is applied (a new file cannot be forgotten in schema_objects' list),
/// and every listed file exists.
#[test]
fn every_file_under_sql_is_in_the_repeatable_step() {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "sql") {
                let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
                found.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql"),
        &mut found,
    );
    found.sort();
    let mut listed: Vec<String> = db::schema_objects::paths().map(String::from).collect();
    listed.sort();
    assert_eq!(found, listed);
}
