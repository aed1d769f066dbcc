//! One home per SQL object (issue 13): every function, trigger, view, policy and grant has one
//! current definition in a file under `sql/`, named after what it does. Versioned migrations
//! (`migrations/`) keep tables, columns, indexes and data moves; the files here are applied
//! after them on every `migrate`, all of them, idempotently, in one transaction — the
//! repeatable-migration pattern of Flyway (`R__` scripts) or Liquibase's `runOnChange`.
//!
//! They ride on sqlx's migrator as its last migration, [`VERSION`], which `db::migrate` forgets
//! before each run so that it is applied again. Its checksum in `_sqlx_migrations` is then the
//! checksum of the files that are live on the server, and a desktop built from other files sees
//! the difference (`db::schema_state`). Tests get the same migrator, so they run against
//! exactly what a server runs.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType};

/// Sorts after every dated migration (`YYYYMMDDhhmmss`).
pub const VERSION: i64 = 99_999_999_999_999;

/// The files in `FILES`, each with its text.
macro_rules! sql_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../", $path)))),*]
    };
}

/// In the order they are applied: a file may use what an earlier one defines. The last two are
/// the row-level policies and the privileges the logins end with, whatever a file above granted.
const FILES: &[(&str, &str)] = sql_files![
    "sql/server/hardening.sql",
    "sql/server/callers.sql",
    "sql/api/schema.sql",
    "sql/auth/tokens.sql",
    "sql/auth/acting.sql",
    "sql/auth/totp.sql",
    "sql/server/updated_at.sql",
    "sql/tickets/workflow.sql",
    "sql/tickets/history_format.sql",
    "sql/tickets/history.sql",
    "sql/comments/checks.sql",
    "sql/attachments/sealing.sql",
    "sql/notifications/fan_out.sql",
    "sql/sla/deadline.sql",
    "sql/sla/pauses.sql",
    "sql/auth/sign_in.sql",
    "sql/auth/email_verification.sql",
    "sql/tickets/creation.sql",
    "sql/comments/after_insert.sql",
    "sql/escalations/ladder.sql",
    "sql/sla/sweep.sql",
    "sql/api/notification_preferences.sql",
    "sql/api/uploads.sql",
    "sql/api/notifications.sql",
    "sql/api/schema_version.sql",
    "sql/api/comments.sql",
    "sql/api/ticket_detail.sql",
    "sql/api/attachments.sql",
    "sql/api/ticket_changes.sql",
    "sql/api/outbox.sql",
    "sql/api/queue.sql",
    "sql/api/users.sql",
    "sql/api/sessions.sql",
    "sql/api/mfa.sql",
    "sql/api/accounts.sql",
    "sql/api/sla.sql",
    "sql/server/row_security.sql",
    "sql/server/privileges.sql",
];

/// The repeatable files as one migration, each introduced by its path.
pub fn migration() -> Migration {
    let mut sql = String::new();
    for (path, text) in FILES {
        sql.push_str("-- ================================================================ ");
        sql.push_str(path);
        sql.push('\n');
        sql.push_str(text);
        sql.push('\n');
    }
    Migration::new(
        VERSION,
        Cow::Borrowed("repeatable: every definition under sql/"),
        MigrationType::Simple,
        Cow::Owned(sql),
        false,
    )
}

/// The paths, for tests and the README's map.
pub fn paths() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(path, _)| *path)
}
