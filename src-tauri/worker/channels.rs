//! Sending one notification on its channel: EMAIL over SMTP (lettre), SLACK to an incoming
//! webhook and SMS to an HTTP gateway (reqwest). Every send is bounded by `send_timeout`, and
//! every error becomes a short [`SendError`] without the secret URL, token or password.
//!
//! The SMS gateway contract: `POST <sms_gateway_url>` with `Content-Type: application/json`,
//! body `{"to": "<phone number as stored>", "message": "<text>"}`, `Authorization: Bearer
//! <token>` when a token is configured and `Idempotency-Key: <notification id>` (the same on
//! every retry of one notification). Any 2xx is success; a JSON answer with an `id` (string or
//! number) is kept as `external_id`. 408, 429 and 5xx are retried; other 4xx fail the row.
//! Slack webhooks get `{"text": …}` and the same `Idempotency-Key` header.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::config::{Secret, SmsConfig, SmtpConfig, SmtpSecurity, WorkerConfig};
use super::message::{self, Channel, Outgoing};
use super::retry::{truncate, SendError, Sent};

pub struct Channels {
    email: Option<Email>,
    slack: Option<Slack>,
    sms: Option<Sms>,
    timeout: Duration,
}

struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

struct Slack {
    http: reqwest::Client,
    webhook_url: Secret,
}

struct Sms {
    http: reqwest::Client,
    config: SmsConfig,
}

impl Channels {
    pub fn from_config(config: &WorkerConfig) -> anyhow::Result<Self> {
        let timeout = config.send_timeout;
        let http = || {
            reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout.min(Duration::from_secs(10)))
                // A webhook that redirects is misconfigured; following it would send the
                // message (and the token) somewhere else.
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("ticketdesk-worker/", env!("CARGO_PKG_VERSION")))
                .build()
        };
        Ok(Self {
            email: config
                .email
                .as_ref()
                .map(|smtp| smtp_transport(smtp, timeout))
                .transpose()?,
            slack: match &config.slack {
                Some(slack) => Some(Slack {
                    http: http()?,
                    webhook_url: slack.webhook_url.clone(),
                }),
                None => None,
            },
            sms: match &config.sms {
                Some(sms) => Some(Sms {
                    http: http()?,
                    config: sms.clone(),
                }),
                None => None,
            },
            timeout,
        })
    }

    /// The channels this worker delivers; rows of the others stay PENDING.
    pub fn configured(&self) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .filter(|c| match c {
                Channel::Email => self.email.is_some(),
                Channel::Slack => self.slack.is_some(),
                Channel::Sms => self.sms.is_some(),
            })
            .collect()
    }

    /// Sends one notification, within the send timeout.
    pub async fn send(&self, n: &Outgoing) -> Result<Sent, SendError> {
        let sending = async {
            match n.channel {
                Channel::Email => match &self.email {
                    Some(email) => email.send(n).await,
                    None => Err(not_configured(n.channel)),
                },
                Channel::Slack => match &self.slack {
                    Some(slack) => slack.send(n).await,
                    None => Err(not_configured(n.channel)),
                },
                Channel::Sms => match &self.sms {
                    Some(sms) => sms.send(n).await,
                    None => Err(not_configured(n.channel)),
                },
            }
        };
        match tokio::time::timeout(self.timeout, sending).await {
            Ok(outcome) => outcome,
            Err(_) => Err(SendError::Transient(format!(
                "{}: timed out after {:?}",
                n.channel, self.timeout
            ))),
        }
    }

    /// Closes pooled SMTP connections politely (QUIT).
    pub async fn shutdown(&self) {
        if let Some(email) = &self.email {
            email.transport.shutdown().await;
        }
    }
}

/// Never reached: only configured channels are claimed.
fn not_configured(channel: Channel) -> SendError {
    SendError::Transient(format!("{channel} is not configured on this worker"))
}

fn smtp_transport(smtp: &SmtpConfig, timeout: Duration) -> anyhow::Result<Email> {
    let builder = match smtp.security {
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)?,
    };
    let mut builder = builder.port(smtp.port).timeout(Some(timeout));
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
    }
    Ok(Email {
        transport: builder.build(),
        from: smtp.from.clone(),
    })
}

impl Email {
    async fn send(&self, n: &Outgoing) -> Result<Sent, SendError> {
        let address = message::email_address(n)?;
        let to = address
            .parse()
            .map(|email| Mailbox::new(n.recipient.as_ref().map(|r| r.name()), email))
            .map_err(|_| SendError::Permanent("recipient email address is invalid".into()))?;
        // The Message-ID is ours and the same on every retry of this notification, so the
        // receiving side can tell a repeat; it is also the row's external_id.
        let message_id = format!("<{}@{}>", n.id, self.from.email.domain());
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(n.subject())
            .message_id(Some(message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(message::email_body(n))
            .map_err(|e| SendError::Permanent(format!("cannot build the email: {e}")))?;
        match self.transport.send(email).await {
            Ok(_) => Ok(Sent {
                external_id: Some(message_id),
            }),
            Err(err) => Err(classify_smtp(&err)),
        }
    }
}

/// 5xx answers are permanent (the server refuses this message or recipient), except the
/// authentication ones: those are this worker's configuration, not the message's fault.
fn classify_smtp(err: &lettre::transport::smtp::Error) -> SendError {
    let reason = truncate(&format!("SMTP: {err}"), 160);
    let auth = err
        .status()
        .is_some_and(|code| matches!(code.to_string().as_str(), "530" | "534" | "535" | "538"));
    if err.is_permanent() && !auth {
        SendError::Permanent(reason)
    } else {
        SendError::Transient(reason)
    }
}

impl Slack {
    async fn send(&self, n: &Outgoing) -> Result<Sent, SendError> {
        n.active_recipient()?;
        let body = serde_json::json!({ "text": message::slack_text(n) });
        let response = self
            .http
            .post(self.webhook_url.expose())
            .header("Idempotency-Key", n.id.to_string())
            .json(&body)
            .send()
            .await
            .map_err(|e| http_error("Slack", &e))?;
        classify_http("Slack", response.status().as_u16())?;
        Ok(Sent { external_id: None })
    }
}

impl Sms {
    async fn send(&self, n: &Outgoing) -> Result<Sent, SendError> {
        let to = message::phone_number(n)?;
        let body = serde_json::json!({ "to": to, "message": message::sms_text(n) });
        let mut request = self
            .http
            .post(self.config.gateway_url.expose())
            .header("Idempotency-Key", n.id.to_string())
            .json(&body);
        if let Some(token) = &self.config.token {
            request = request.bearer_auth(token.expose());
        }
        let response = request
            .send()
            .await
            .map_err(|e| http_error("SMS gateway", &e))?;
        classify_http("SMS gateway", response.status().as_u16())?;
        // The body is optional: a gateway that answers 2xx without JSON still sent it.
        let answer: Option<serde_json::Value> = response.json().await.ok();
        Ok(Sent {
            external_id: answer.as_ref().and_then(response_id),
        })
    }
}

/// `{"id": "…"}` or `{"id": 123}` in a gateway's answer.
pub fn response_id(answer: &serde_json::Value) -> Option<String> {
    match answer.get("id")? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What an HTTP status means for the row: 2xx sent; 408, 429 and 5xx worth a retry; any
/// other 4xx (and a redirect, which is not followed) final.
pub fn classify_http(what: &str, status: u16) -> Result<(), SendError> {
    let reason = || {
        let phrase = reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        format!("{what}: HTTP {status} {phrase}")
            .trim_end()
            .to_owned()
    };
    match status {
        200..=299 => Ok(()),
        408 | 429 => Err(SendError::Transient(reason())),
        300..=499 => Err(SendError::Permanent(reason())),
        _ => Err(SendError::Transient(reason())),
    }
}

/// A request that got no answer. The URL is left out: a webhook's URL is its secret.
fn http_error(what: &str, err: &reqwest::Error) -> SendError {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "cannot connect"
    } else if err.is_request() {
        "request failed"
    } else {
        "failed"
    };
    // The innermost cause says most ("Connection refused"); no layer of the chain holds the
    // URL, only reqwest's own message does.
    let mut cause = std::error::Error::source(err);
    let mut innermost = None;
    while let Some(c) = cause {
        innermost = Some(c);
        cause = c.source();
    }
    let detail = innermost.map(|c| format!(" ({c})")).unwrap_or_default();
    let text = format!("{what}: {kind}{detail}");
    SendError::Transient(truncate(&text, 160))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_statuses() {
        assert_eq!(classify_http("Slack", 200), Ok(()));
        assert_eq!(classify_http("Slack", 204), Ok(()));
        assert_eq!(
            classify_http("SMS gateway", 500),
            Err(SendError::Transient(
                "SMS gateway: HTTP 500 Internal Server Error".into()
            ))
        );
        for status in [408, 429, 502, 503] {
            assert!(
                matches!(classify_http("x", status), Err(SendError::Transient(_))),
                "{status}"
            );
        }
        for status in [301, 400, 401, 403, 404, 410, 422] {
            assert!(
                matches!(classify_http("x", status), Err(SendError::Permanent(_))),
                "{status}"
            );
        }
        assert_eq!(
            classify_http("x", 599),
            Err(SendError::Transient("x: HTTP 599".into()))
        );
    }

    #[test]
    fn gateway_ids() {
        use serde_json::json;
        assert_eq!(response_id(&json!({"id": "abc"})), Some("abc".into()));
        assert_eq!(response_id(&json!({"id": 42})), Some("42".into()));
        assert_eq!(response_id(&json!({"id": ""})), None);
        assert_eq!(response_id(&json!({"status": "ok"})), None);
        assert_eq!(response_id(&json!("ok")), None);
    }
}
