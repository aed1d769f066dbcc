//! A desktop must recognise a server schema it does not fit, in both directions.

use sqlx::PgPool;
use ticketdesk::backend::Backend;
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

/// One home per SQL object (issue 13): every function of ours, every trigger and every policy
/// on the migrated database is created by exactly one file under `sql/`, which is therefore the
/// definition to read and to change; a definition left behind in a migration fails here.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn every_function_trigger_and_policy_has_one_home_under_sql(pool: PgPool) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<(&str, String)> = db::schema_objects::paths()
        // A file that drops a function first creates it without OR REPLACE.
        .map(|path| {
            let text = std::fs::read_to_string(root.join(path)).unwrap();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            (
                path,
                text.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"),
            )
        })
        .collect();
    let homes = |needle: &str| -> Vec<&str> {
        files
            .iter()
            .filter(|(_, text)| text.contains(needle))
            .map(|(path, _)| *path)
            .collect()
    };
    let functions: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname || '.' || p.proname FROM pg_proc p \
         JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname IN ('api', 'auth', 'public') \
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass \
                           AND d.objid = p.oid AND d.deptype = 'e')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let triggers: Vec<String> =
        sqlx::query_scalar("SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal")
            .fetch_all(&pool)
            .await
            .unwrap();
    let policies: Vec<(String, String)> =
        sqlx::query_as("SELECT policyname::text, tablename::text FROM pg_policies")
            .fetch_all(&pool)
            .await
            .unwrap();
    // Controls: the catalog queries find what the schema is known to have.
    assert!(functions.contains(&"public.tickets_workflow".to_owned()));
    assert!(triggers.contains(&"trg_tickets_workflow".to_owned()));
    assert!(policies.contains(&("tickets_select".to_owned(), "tickets".to_owned())));

    let mut homeless = Vec::new();
    let objects = functions
        .iter()
        .map(|f| format!("FUNCTION {f}("))
        .map(|f| f.replacen("FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
        .chain(triggers.iter().map(|t| format!("TRIGGER {t} ")))
        .chain(
            policies
                .iter()
                .map(|(p, t)| format!("CREATE POLICY {p} ON {t} ")),
        );
    for needle in objects {
        let found = homes(&needle);
        if found.len() != 1 {
            homeless.push(format!("{needle} in {found:?}"));
        }
    }
    assert_eq!(
        homeless,
        Vec::<String>::new(),
        "objects without exactly one home under sql/"
    );
}

/// The About dialog's server half, as a desktop login reads it (issue 18): the newest
/// versioned migration (not the repeatable step's placeholder) and PostgreSQL's version.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_desktop_reads_the_schema_and_postgres_versions_for_about(pool: PgPool) {
    let desktop = crate::helpers::desktop_pool(&pool).await;
    let (schema, postgres) = db::server_versions(&desktop).await.unwrap();
    let newest = db::MIGRATOR
        .iter()
        .map(|m| m.version)
        .filter(|v| *v != db::schema_objects::VERSION)
        .max();
    assert_eq!(schema, newest);
    let expected: u32 = sqlx::query_scalar::<_, String>("SHOW server_version_num")
        .fetch_one(&pool)
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(postgres, Some(expected));
    assert!(ticketdesk::domain::about::postgres_version(expected)
        .starts_with(&(expected / 10_000).to_string()));
}
