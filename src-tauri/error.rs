//! The one error type that crosses the IPC boundary, and the internal error it is made from.
//!
//! Use cases return [`Error`]; commands turn it into [`AppError`] (`{ code, message }`), which
//! the UI branches on by `code`. Unexpected details are logged here and never shown.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Stable codes the UI switches on. Renaming one is a breaking change for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    Validation,
    NotFound,
    Conflict,
    Forbidden,
    Unauthenticated,
    Offline,
    Internal,
}

/// What a command returns on failure: a code for the program, a message for the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Errors of the use cases. Every variant but `Unexpected` carries a message fit for users.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unauthenticated(String),
    /// The server is reachable but cannot be used by this build (schema too old or too new).
    #[error("{0}")]
    Incompatible(String),
    /// Stored data failed a check (e.g. a download's checksum); the message says what.
    #[error("{0}")]
    Integrity(String),
    #[error("the database is unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a desktop is told when it renews the session of an account an admin deactivated; it
/// then wipes that account's offline data (`AppState`).
pub const ACCOUNT_DEACTIVATED: &str = "This account has been deactivated; ask an admin.";

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            // A protocol error is a stream cut mid-message (a VPN drop while connecting shows
            // as "unexpected response from SSLRequest"), not anything the user sent: the
            // outbox keeps the work for the next connection rather than asking the user.
            sqlx::Error::Io(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Error::Unavailable(err.into()),
            sqlx::Error::Database(db) => {
                if let Some(friendly) = db.constraint().and_then(friendly_constraint) {
                    return friendly;
                }
                // Conditions our own SQL functions raise, with messages written for people.
                match db.code().as_deref() {
                    Some("42501") => Error::Forbidden(capitalise(db.message())),
                    // A call that brought an ended session (auth.caller_with); not a refused
                    // connection, which shares the code.
                    Some("28000") if db.message() == "your session has ended" => {
                        Error::Unauthenticated(capitalise(db.message()))
                    }
                    Some("28000") if db.message() == "this account has been deactivated" => {
                        Error::Unauthenticated(ACCOUNT_DEACTIVATED.into())
                    }
                    Some("P0002") => Error::NotFound(capitalise(db.message())),
                    Some("22023") => Error::Validation(capitalise(db.message())),
                    // Our optimistic checks (e.g. a policy saved by someone else meanwhile).
                    Some("40001") => Error::Conflict(capitalise(db.message())),
                    Some("23514") if db.constraint().is_none() => {
                        Error::Validation(capitalise(db.message()))
                    }
                    _ => Error::Unexpected(err.into()),
                }
            }
            _ => Error::Unexpected(err.into()),
        }
    }
}

impl From<crate::domain::workflow::Refusal> for Error {
    fn from(refusal: crate::domain::workflow::Refusal) -> Self {
        use crate::domain::workflow::Refusal;
        match refusal {
            Refusal::Forbidden(m) => Error::Forbidden(m),
            Refusal::Invalid(m) => Error::Validation(m),
        }
    }
}

/// Named constraints whose violation is the user's doing, with what to tell them.
fn friendly_constraint(name: &str) -> Option<Error> {
    let validation = |m: &str| Some(Error::Validation(m.to_owned()));
    match name {
        "chk_content_not_empty" => validation("A comment cannot be empty."),
        "chk_category" => validation("Unknown category."),
        "chk_priority" => validation("Unknown priority."),
        "chk_role" => validation("Unknown role."),
        "chk_email_format" => validation("That is not an email address."),
        "tickets_assignee_id_fkey" => validation("The chosen assignee does not exist."),
        "tickets_requestor_id_fkey" => validation("The requestor does not exist."),
        "chk_file_size" | "chk_blob_size" => {
            validation("Attachments must be between 1 byte and 50 MB.")
        }
        "chk_upload_seq" | "chk_upload_chunk_size" => {
            validation("Attachments are limited to 50 MB, sent in parts of at most 1 MiB.")
        }
        "comments_pkey" => Some(Error::Conflict("That comment was already posted.".into())),
        "users_username_key" => Some(Error::Conflict("That username is taken.".into())),
        "users_email_key" => Some(Error::Conflict(
            "That email address already has an account.".into(),
        )),
        _ => None,
    }
}

fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!(
            "{}{}.",
            first.to_uppercase(),
            chars.as_str().trim_end_matches('.')
        ),
        None => String::new(),
    }
}

/// Lets commands use `?` on sqlx calls (e.g. a commit) directly.
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        Error::from(err).into()
    }
}

impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        match err {
            Error::Validation(m) => AppError::new(ErrorCode::Validation, m),
            Error::NotFound(m) => AppError::new(ErrorCode::NotFound, m),
            Error::Conflict(m) => AppError::new(ErrorCode::Conflict, m),
            Error::Forbidden(m) => AppError::new(ErrorCode::Forbidden, m),
            Error::Unauthenticated(m) => AppError::new(ErrorCode::Unauthenticated, m),
            Error::Incompatible(m) => AppError::new(ErrorCode::Offline, m),
            Error::Integrity(m) => {
                tracing::error!(message = m, "integrity check failed");
                AppError::new(ErrorCode::Internal, m)
            }
            Error::Unavailable(cause) => {
                tracing::warn!(error = format!("{cause:#}"), "database unavailable");
                AppError::new(
                    ErrorCode::Offline,
                    "The ticketdesk database is unavailable. Check your connection and retry.",
                )
            }
            Error::Unexpected(cause) => {
                tracing::error!(error = format!("{cause:?}"), "unexpected error");
                AppError::new(
                    ErrorCode::Internal,
                    "Something went wrong on our side; the details are in the app log.",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_error_serialises_to_the_shape_the_ui_expects() {
        let json =
            serde_json::to_value(AppError::new(ErrorCode::NotFound, "No such ticket.")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "code": "not_found", "message": "No such ticket." }),
            "the UI reads exactly these two keys"
        );
    }

    #[test]
    fn unexpected_errors_do_not_leak_their_details() {
        let err: AppError =
            Error::Unexpected(anyhow::anyhow!("relation \"secret_table\" does not exist")).into();
        assert_eq!(err.code, ErrorCode::Internal);
        assert!(
            !err.message.contains("secret_table"),
            "raw SQL errors must never reach the UI"
        );
    }

    #[test]
    fn lost_connections_are_reported_as_offline() {
        let err: AppError = Error::from(sqlx::Error::PoolTimedOut).into();
        assert_eq!(err.code, ErrorCode::Offline);
    }
}
