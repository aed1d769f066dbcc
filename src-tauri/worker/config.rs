//! The worker's configuration: a flat set of keys, read from an optional TOML or JSON file and
//! from `TICKETDESK_WORKER_<KEY>` environment variables (the environment wins). Parsing and
//! checking is pure ([`WorkerConfig::from_pairs`]); only [`load`] touches the file system and
//! the environment.
//!
//! Secrets (the database password, the SMTP password, the Slack webhook URL, the SMS gateway
//! URL and token) are held in types whose `Debug` never shows them, so the whole configuration
//! can be logged.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use lettre::message::Mailbox;

use super::retry::{Backoff, RetryPolicy};

/// Every environment variable is this prefix and the upper-cased key.
pub const ENV_PREFIX: &str = "TICKETDESK_WORKER_";

/// Every key the file and the environment may set.
pub const KEYS: &[&str] = &[
    "database_url",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "smtp_password",
    "smtp_from",
    "slack_webhook_url",
    "sms_gateway_url",
    "sms_gateway_token",
    "max_attempts",
    "backoff_base",
    "backoff_max",
    "batch_size",
    "concurrency",
    "lease",
    "poll_interval",
    "send_timeout",
];

/// A value that must never reach a log: `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A PostgreSQL URL; `Debug` hides its password (see [`crate::config::redact`]).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::config::redact(&self.0))
    }
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text: only for a relay on a trusted network, and never with a password.
    None,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl SmtpSecurity {
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::None => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
        }
    }
}

impl std::str::FromStr for SmtpSecurity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(SmtpSecurity::None),
            "starttls" => Ok(SmtpSecurity::StartTls),
            "tls" => Ok(SmtpSecurity::Tls),
            other => Err(format!(
                "smtp_security is none, starttls or tls, not {other:?}"
            )),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The sender, e.g. `ticketdesk <desk@example.com>`.
    pub from: Mailbox,
}

#[derive(Clone, Debug)]
pub struct SlackConfig {
    /// The incoming-webhook URL: whoever knows it can post to the channel.
    pub webhook_url: Secret,
}

#[derive(Clone, Debug)]
pub struct SmsConfig {
    /// Secret too: gateways often carry a key in the URL.
    pub gateway_url: Secret,
    /// Sent as `Authorization: Bearer <token>` when set.
    pub token: Option<Secret>,
}

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    pub database_url: DatabaseUrl,
    /// A channel left out leaves its rows PENDING.
    pub email: Option<SmtpConfig>,
    pub slack: Option<SlackConfig>,
    pub sms: Option<SmsConfig>,
    pub retry: RetryPolicy,
    /// Rows claimed per statement.
    pub batch_size: u32,
    /// Sends in flight at once within a batch.
    pub concurrency: usize,
    /// How long a claimed row is this worker's before another may take it.
    pub lease: Duration,
    /// The longest wait between two looks at the outbox without a NOTIFY.
    pub poll_interval: Duration,
    /// The limit on one SMTP or HTTP send (connecting included).
    pub send_timeout: Duration,
}

impl WorkerConfig {
    /// Builds and checks a configuration from `key = value` pairs (as the file and the
    /// environment give them). Unknown keys are an error: a typo must not silently leave a
    /// default in place.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> anyhow::Result<Self>
    where
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut map = BTreeMap::new();
        for (key, value) in pairs {
            let key = key.as_ref().trim().to_ascii_lowercase();
            if !KEYS.contains(&key.as_str()) {
                bail!(
                    "unknown worker setting {key:?} (known: {})",
                    KEYS.join(", ")
                );
            }
            let value: String = value.into();
            if !value.trim().is_empty() {
                map.insert(key, value);
            }
        }
        Self::from_map(&map)
    }

    fn from_map(map: &BTreeMap<String, String>) -> anyhow::Result<Self> {
        let get = |key: &str| map.get(key).map(|v| v.trim().to_owned());
        let database_url = get("database_url").ok_or_else(|| {
            anyhow!(
                "no database: set {ENV_PREFIX}DATABASE_URL (or {})",
                crate::config::DATABASE_URL_ENV
            )
        })?;
        database_url
            .parse::<sqlx::postgres::PgConnectOptions>()
            .map_err(|_| anyhow!("database_url is not a valid PostgreSQL URL"))?;

        let retry = RetryPolicy {
            max_attempts: number(map, "max_attempts", 5, 1, 100)?,
            backoff: Backoff {
                base: duration(map, "backoff_base", Duration::from_secs(30))?,
                max: duration(map, "backoff_max", Duration::from_secs(3600))?,
            },
        };
        if retry.backoff.max < retry.backoff.base {
            bail!("backoff_max must not be shorter than backoff_base");
        }
        let config = WorkerConfig {
            database_url: DatabaseUrl(database_url),
            email: smtp(map)?,
            slack: get("slack_webhook_url")
                .map(|url| {
                    http_url("slack_webhook_url", &url)?;
                    Ok::<_, anyhow::Error>(SlackConfig {
                        webhook_url: Secret(url),
                    })
                })
                .transpose()?,
            sms: sms(map)?,
            retry,
            batch_size: number(map, "batch_size", 20, 1, 1000)?,
            concurrency: number(map, "concurrency", 4, 1, 64)? as usize,
            lease: duration(map, "lease", Duration::from_secs(300))?,
            poll_interval: duration(map, "poll_interval", Duration::from_secs(30))?,
            send_timeout: duration(map, "send_timeout", Duration::from_secs(30))?,
        };
        if config.lease <= config.send_timeout {
            bail!("lease must be longer than send_timeout, or a slow send could be repeated");
        }
        Ok(config)
    }
}

fn smtp(map: &BTreeMap<String, String>) -> anyhow::Result<Option<SmtpConfig>> {
    let get = |key: &str| map.get(key).map(|v| v.trim().to_owned());
    let Some(host) = get("smtp_host") else {
        if let Some(key) = map.keys().find(|k| k.starts_with("smtp_")) {
            bail!("{key} is set but smtp_host is not");
        }
        return Ok(None);
    };
    let security: SmtpSecurity = match get("smtp_security") {
        Some(text) => text.parse().map_err(|e: String| anyhow!(e))?,
        None => SmtpSecurity::StartTls,
    };
    let port = match get("smtp_port") {
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| anyhow!("smtp_port is a port number, not {text:?}"))?,
        None => security.default_port(),
    };
    let from: Mailbox = get("smtp_from")
        .ok_or_else(|| anyhow!("smtp_from (the sender address) is required with smtp_host"))?
        .parse()
        .map_err(|_| {
            anyhow!("smtp_from is not an email address (e.g. \"ticketdesk <desk@example.com>\")")
        })?;
    // The password is kept as given: spaces may belong to it.
    let password = map
        .get("smtp_password")
        .filter(|p| !p.is_empty())
        .map(Secret::new);
    let username = get("smtp_username");
    if username.is_some() != password.is_some() {
        bail!("smtp_username and smtp_password go together");
    }
    if password.is_some() && security == SmtpSecurity::None {
        bail!("refusing to send the SMTP password unencrypted: use smtp_security starttls or tls");
    }
    Ok(Some(SmtpConfig {
        host,
        port,
        security,
        username,
        password,
        from,
    }))
}

fn sms(map: &BTreeMap<String, String>) -> anyhow::Result<Option<SmsConfig>> {
    let token = map
        .get("sms_gateway_token")
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(Secret::new);
    let Some(url) = map.get("sms_gateway_url").map(|u| u.trim().to_owned()) else {
        if token.is_some() {
            bail!("sms_gateway_token is set but sms_gateway_url is not");
        }
        return Ok(None);
    };
    http_url("sms_gateway_url", &url)?;
    Ok(Some(SmsConfig {
        gateway_url: Secret(url),
        token,
    }))
}

/// An http(s) URL; plain http only to this machine (a local relay or a test sink), since the
/// request carries a secret URL or token and the message.
fn http_url(key: &str, text: &str) -> anyhow::Result<()> {
    // The error must not echo the URL: it may be the secret itself.
    let url = reqwest::Url::parse(text).map_err(|_| anyhow!("{key} is not a URL"))?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => bail!("{key} must use https (plain http only to localhost)"),
        _ => bail!("{key} must be an https URL"),
    }
}

fn number(
    map: &BTreeMap<String, String>,
    key: &str,
    default: u32,
    min: u32,
    max: u32,
) -> anyhow::Result<u32> {
    match map.get(key) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| anyhow!("{key} is a whole number from {min} to {max}, not {text:?}")),
    }
}

fn duration(
    map: &BTreeMap<String, String>,
    key: &str,
    default: Duration,
) -> anyhow::Result<Duration> {
    match map.get(key) {
        None => Ok(default),
        Some(text) => parse_duration(text)
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                anyhow!("{key} is a positive duration such as 500ms, 30s, 5m or 1h, not {text:?}")
            }),
    }
}

/// `500ms`, `30s`, `5m`, `1h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let millis = match unit.trim() {
        "ms" => Some(n),
        "" | "s" => n.checked_mul(1000),
        "m" | "min" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        _ => None,
    }?;
    Some(Duration::from_millis(millis))
}

/// Reads the configuration: the file (if any), then the environment over it. The database
/// URL falls back to `TICKETDESK_DATABASE_URL` when neither sets it.
pub fn load(file: Option<&Path>) -> anyhow::Result<WorkerConfig> {
    let mut pairs = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let json = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            parse_file(&text, json).with_context(|| format!("in {}", path.display()))?
        }
        None => BTreeMap::new(),
    };
    for key in KEYS {
        let var = format!("{ENV_PREFIX}{}", key.to_ascii_uppercase());
        if let Ok(value) = std::env::var(&var) {
            if !value.trim().is_empty() {
                pairs.insert((*key).to_owned(), value);
            }
        }
    }
    if !pairs.contains_key("database_url") {
        if let Ok(url) = std::env::var(crate::config::DATABASE_URL_ENV) {
            pairs.insert("database_url".into(), url);
        }
    }
    WorkerConfig::from_pairs(pairs)
}

/// A flat table of keys: strings, numbers and booleans (all taken as text).
pub fn parse_file(text: &str, json: bool) -> anyhow::Result<BTreeMap<String, String>> {
    let mut pairs = BTreeMap::new();
    if json {
        let value: serde_json::Value = serde_json::from_str(text).context("invalid JSON")?;
        let serde_json::Value::Object(object) = value else {
            bail!("the file holds one JSON object of settings");
        };
        for (key, value) in object {
            let text = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => bail!("{key}: a setting is a string or a number"),
            };
            pairs.insert(key, text);
        }
    } else {
        let table: toml::Table = text.parse().context("invalid TOML")?;
        for (key, value) in table {
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(n) => n.to_string(),
                toml::Value::Float(n) => n.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => bail!("{key}: a setting is a string or a number"),
            };
            pairs.insert(key, text);
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: &str = "postgres://worker:db-pass-s3cret@db.example:5432/ticketdesk";

    fn full() -> WorkerConfig {
        WorkerConfig::from_pairs([
            ("database_url", DB),
            ("smtp_host", "smtp.example.com"),
            ("smtp_username", "desk"),
            ("smtp_password", "smtp-pass-s3cret"),
            ("smtp_from", "ticketdesk <desk@example.com>"),
            (
                "slack_webhook_url",
                "https://hooks.slack.com/services/T000/B000/webhook-s3cret",
            ),
            (
                "sms_gateway_url",
                "https://sms.example.com/send?key=url-key-s3cret",
            ),
            ("sms_gateway_token", "gateway-token-s3cret"),
        ])
        .unwrap()
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let config = full();
        for shown in [format!("{config:?}"), format!("{config:#?}")] {
            for secret in [
                "db-pass-s3cret",
                "smtp-pass-s3cret",
                "webhook-s3cret",
                "hooks.slack.com/services",
                "url-key-s3cret",
                "gateway-token-s3cret",
            ] {
                assert!(!shown.contains(secret), "{secret} leaked in {shown}");
            }
            // What is not secret is still there to help whoever reads the log.
            assert!(shown.contains("smtp.example.com"), "{shown}");
            assert!(shown.contains("worker:***@db.example"), "{shown}");
        }
    }

    #[test]
    fn defaults_follow_the_issue() {
        let config = full();
        let email = config.email.unwrap();
        assert_eq!(email.security, SmtpSecurity::StartTls);
        assert_eq!(email.port, 587);
        assert_eq!(email.from.email.to_string(), "desk@example.com");
        assert_eq!(config.retry.max_attempts, 5);
        assert_eq!(config.retry.backoff.base, Duration::from_secs(30));
        assert_eq!(config.retry.backoff.max, Duration::from_secs(3600));
        assert_eq!(config.lease, Duration::from_secs(300));
        assert_eq!(config.poll_interval, Duration::from_secs(30));
        assert_eq!(config.batch_size, 20);
    }

    #[test]
    fn channels_are_optional_and_checked() {
        let bare = WorkerConfig::from_pairs([("database_url", DB)]).unwrap();
        assert!(bare.email.is_none() && bare.slack.is_none() && bare.sms.is_none());

        let tls = WorkerConfig::from_pairs([
            ("database_url", DB),
            ("smtp_host", "smtp.example.com"),
            ("smtp_security", "TLS"),
            ("smtp_from", "desk@example.com"),
        ])
        .unwrap();
        assert_eq!(tls.email.unwrap().port, 465);

        for (pairs, why) in [
            (vec![("smtp_host", "h")], "smtp_from"),
            (vec![("smtp_from", "desk@example.com")], "smtp_host"),
            (
                vec![
                    ("smtp_host", "h"),
                    ("smtp_from", "desk@example.com"),
                    ("smtp_security", "none"),
                    ("smtp_username", "u"),
                    ("smtp_password", "p"),
                ],
                "unencrypted",
            ),
            (
                vec![
                    ("smtp_host", "h"),
                    ("smtp_from", "desk@example.com"),
                    ("smtp_username", "u"),
                ],
                "go together",
            ),
            (
                vec![("smtp_host", "h"), ("smtp_from", "not an address")],
                "smtp_from",
            ),
            (
                vec![("slack_webhook_url", "http://hooks.slack.com/x")],
                "https",
            ),
            (vec![("sms_gateway_token", "t")], "sms_gateway_url"),
            (vec![("max_attempts", "0")], "max_attempts"),
            (vec![("lease", "10s"), ("send_timeout", "10s")], "lease"),
            (vec![("backoff_base", "2h")], "backoff_max"),
            (vec![("poll_interval", "soon")], "poll_interval"),
            (vec![("smtp_hots", "h")], "unknown"),
        ] {
            let mut all = vec![("database_url", DB)];
            all.extend(pairs);
            let err = WorkerConfig::from_pairs(all).unwrap_err().to_string();
            assert!(err.contains(why), "{why}: {err}");
        }
        let err = WorkerConfig::from_pairs([("smtp_host", "h")]).unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"), "{err}");
        // An error about a secret URL does not repeat it.
        let err = WorkerConfig::from_pairs([
            ("database_url", DB),
            ("slack_webhook_url", "ftp://hooks/webhook-s3cret"),
        ])
        .unwrap_err();
        assert!(!err.to_string().contains("webhook-s3cret"));
    }

    #[test]
    fn plain_http_is_allowed_to_this_machine_only() {
        for url in [
            "http://127.0.0.1:9/slack",
            "http://localhost/x",
            "http://[::1]:8080/",
        ] {
            WorkerConfig::from_pairs([("database_url", DB), ("slack_webhook_url", url)])
                .unwrap_or_else(|e| panic!("{url}: {e}"));
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration(" 5m "), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1.5s"), None);
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration("99999999999999999999h"), None);
    }

    #[test]
    fn files_in_toml_and_json() {
        let toml = parse_file(
            "database_url = \"postgres://h/d\"\nsmtp_host = \"mx\"\nsmtp_port = 2525\n\
             smtp_from = \"desk@example.com\"\nbatch_size = 7\n",
            false,
        )
        .unwrap();
        assert_eq!(toml["smtp_port"], "2525");
        let config = WorkerConfig::from_pairs(toml).unwrap();
        assert_eq!(config.batch_size, 7);
        assert_eq!(config.email.unwrap().port, 2525);

        let json = parse_file(
            r#"{"database_url": "postgres://h/d", "max_attempts": 3}"#,
            true,
        )
        .unwrap();
        assert_eq!(
            WorkerConfig::from_pairs(json).unwrap().retry.max_attempts,
            3
        );

        assert!(parse_file("[smtp]\nhost = \"h\"\n", false).is_err());
        assert!(parse_file("[1, 2]", true).is_err());
    }
}
