//! Which database this desktop uses: the organisation's server (team mode) or a private
//! cluster on this machine (solo mode, the default).

use std::path::PathBuf;

pub const DATABASE_URL_ENV: &str = "TICKETDESK_DATABASE_URL";

#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Team { url: String },
    Solo { dir: PathBuf },
}

impl std::fmt::Debug for DatabaseTarget {
    // Never print the password of a team URL.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseTarget::Team { url } => write!(f, "Team({})", redact(url)),
            DatabaseTarget::Solo { dir } => write!(f, "Solo({})", dir.display()),
        }
    }
}

/// The settings store (tauri-plugin-store, in the app's data directory): `databaseUrl`, the
/// start-at-login choice and each user's open ticket.
pub const SETTINGS_STORE: &str = "settings.json";
/// The environment wins over the settings store; nothing configured means solo mode.
pub fn resolve(stored_url: Option<String>) -> anyhow::Result<DatabaseTarget> {
    let env_url = std::env::var(DATABASE_URL_ENV).ok();
    match env_url.or(stored_url).filter(|u| !u.trim().is_empty()) {
        Some(url) => Ok(DatabaseTarget::Team { url }),
        None => Ok(DatabaseTarget::Solo {
            dir: crate::solo::default_dir()?,
        }),
    }
}

/// The URL with its password replaced, for logs and messages.
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((credentials, host)) => {
                let user = credentials.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}:***@{host}")
            }
            None => url.to_owned(),
        },
        None => "<unparseable URL>".to_owned(),
    }
}

/// The URL of the database `pool` is connected to, with another login's credentials.
pub async fn database_url_for(
    pool: &sqlx::PgPool,
    user: &str,
    password: &str,
) -> anyhow::Result<String> {
    let (database, host, port): (String, Option<String>, Option<i32>) = sqlx::query_as(
        "SELECT current_database()::text, host(inet_server_addr()), inet_server_port()",
    )
    .fetch_one(pool)
    .await?;
    let host = host.unwrap_or_else(|| "localhost".into());
    let port = port.unwrap_or(5432);
    Ok(format!(
        "postgres://{user}:{password}@{host}:{port}/{database}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_the_password_only() {
        assert_eq!(
            redact("postgres://desk:s3cr%40t@db.example:5432/ticketdesk"),
            "postgres://desk:***@db.example:5432/ticketdesk"
        );
        assert_eq!(
            redact("postgres://db.example/ticketdesk"),
            "postgres://db.example/ticketdesk"
        );
        let target = DatabaseTarget::Team {
            url: "postgres://u:hunter2@h/d".into(),
        };
        assert!(!format!("{target:?}").contains("hunter2"));
    }
}
