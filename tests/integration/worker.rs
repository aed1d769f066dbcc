//! The headless worker (SPEC §7, issue 6) against the real PostgreSQL, connected as a real
//! `ticketdesk_worker` login (so the role's grants are proven to suffice), delivering to local
//! sinks only: a minimal SMTP server below and wiremock HTTP servers for Slack and the SMS
//! gateway. Notifications are made the real way: a ticket assigned to someone, fanned out by
//! the database's triggers according to the assignee's preferences.
//!
//! Every test runs the worker with a 60 s poll interval, so a prompt delivery shows that
//! LISTEN (or the next-due timer, for retries) woke it, not polling.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection, PgPool};
use ticketdesk::db::desktop_login::{self, LoginGroup};
use ticketdesk::domain::user::Role;
use ticketdesk::worker::{self, WorkerConfig};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::{create, new_ticket, signed_in, user};

const SENDER: &str = "desk@example.test";
const SLACK_PATH: &str = "/services/T000/B000/hook-secret-42";
const GATEWAY_TOKEN: &str = "gw-token-secret-42";

// ------------------------------------------------------------------------------ SMTP sink

/// One message as the SMTP sink received it.
#[derive(Clone, Debug)]
struct Mail {
    from: String,
    to: Vec<String>,
    data: String,
}

impl Mail {
    /// A header's value (unfolded), matched case-insensitively.
    fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(v) = value.as_mut() {
                    v.push_str(line);
                }
                continue;
            }
            if value.is_some() {
                break;
            }
            if let Some((key, rest)) = line.split_once(':') {
                if key.eq_ignore_ascii_case(name) {
                    value = Some(rest.trim().to_owned());
                }
            }
        }
        value
    }

    fn body(&self) -> &str {
        self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b)
    }
}

/// A minimal SMTP server (RFC 5321's EHLO/MAIL/RCPT/DATA/RSET/NOOP/QUIT, no extensions) that
/// accepts everything and keeps it. Written here rather than taken from a crate: it is ~70
/// lines, runs on the test's own runtime, and records exactly what the assertions need.
struct SmtpSink {
    port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    accept: JoinHandle<()>,
}

impl SmtpSink {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&mails);
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(smtp_session(stream, Arc::clone(&kept)));
            }
        });
        Self {
            port,
            mails,
            accept,
        }
    }

    fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("smtp_host", "127.0.0.1".into()),
            ("smtp_port", self.port.to_string()),
            ("smtp_security", "none".into()),
            ("smtp_from", format!("ticketdesk <{SENDER}>")),
        ]
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

fn angle_address(text: &str) -> String {
    let start = text.find('<').map_or(0, |i| i + 1);
    let end = text[start..].find('>').map_or(text.len(), |i| start + i);
    text[start..end].to_owned()
}

async fn smtp_session(stream: TcpStream, mails: Arc<Mutex<Vec<Mail>>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            "250 sink.test"
        } else if upper.starts_with("MAIL FROM:") {
            from = angle_address(&command);
            to.clear();
            "250 2.1.0 OK"
        } else if upper.starts_with("RCPT TO:") {
            to.push(angle_address(&command));
            "250 2.1.5 OK"
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if read.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                // Dot-unstuffing (RFC 5321 4.5.2).
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            mails.lock().unwrap().push(Mail {
                from: from.clone(),
                to: std::mem::take(&mut to),
                data,
            });
            "250 2.0.0 queued"
        } else if upper == "RSET" || upper == "NOOP" {
            "250 2.0.0 OK"
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            "502 5.5.2 not implemented"
        };
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
}

// ------------------------------------------------------------------------------ HTTP sinks

/// Slack and SMS endpoints on one local server; the settings that point a worker at them.
fn http_settings(server: &MockServer) -> Vec<(&'static str, String)> {
    vec![
        ("slack_webhook_url", format!("{}{SLACK_PATH}", server.uri())),
        ("sms_gateway_url", format!("{}/sms", server.uri())),
        ("sms_gateway_token", GATEWAY_TOKEN.into()),
    ]
}

async fn answer(server: &MockServer, at: &str, response: ResponseTemplate, times: Option<u64>) {
    let mock = Mock::given(method("POST")).and(path(at));
    let mock = match times {
        // Tried first while it lasts.
        Some(n) => mock
            .respond_with(response)
            .up_to_n_times(n)
            .with_priority(1),
        None => mock.respond_with(response).with_priority(2),
    };
    mock.mount(server).await;
}

async fn requests_to(server: &MockServer, at: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == at)
        .collect()
}

fn idempotency_key(request: &Request) -> Uuid {
    request
        .headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("every request names its notification")
}

// ------------------------------------------------------------------------------ the worker

/// A fresh login in `ticketdesk_worker`, made as `ticketdesk create-worker-login` makes it;
/// returns its name and URL.
async fn worker_login(pool: &PgPool) -> (String, String) {
    let name = format!("wrk_{}", Uuid::new_v4().simple());
    let password = desktop_login::create_in(pool, &name, LoginGroup::Worker)
        .await
        .expect("creating a worker login");
    let url = ticketdesk::config::database_url_for(pool, &name, &password)
        .await
        .expect("its URL");
    (name, url)
}

/// Test settings: millisecond backoff, a poll interval long enough never to matter.
fn config(url: &str, settings: Vec<(&'static str, String)>) -> WorkerConfig {
    let mut pairs = vec![
        ("database_url", url.to_owned()),
        ("backoff_base", "20ms".into()),
        ("backoff_max", "80ms".into()),
        ("poll_interval", "60s".into()),
        ("send_timeout", "5s".into()),
        ("lease", "60s".into()),
    ];
    pairs.extend(settings);
    WorkerConfig::from_pairs(pairs).expect("a valid test configuration")
}

struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

fn start(config: WorkerConfig) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(worker::run(config, async move {
        let _ = stopped.await;
    }));
    Running {
        stop: Some(stop),
        task,
    }
}

impl Running {
    /// Stops the worker as SIGTERM would, and checks it stops cleanly and promptly.
    async fn stop(mut self) {
        drop(self.stop.take());
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .expect("the worker stops within 10 s")
            .expect("the worker did not panic")
            .expect("the worker stops without error");
    }
}

/// Waits until `login` has a connection in LISTEN: from then on a NOTIFY reaches it.
async fn wait_listening(owner: &PgPool, login: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listening: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND query ILIKE 'LISTEN%'",
        )
        .bind(login)
        .fetch_one(owner)
        .await
        .unwrap();
        if listening > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the worker never listened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ------------------------------------------------------------------------------ the outbox

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    id: Uuid,
    user_id: Uuid,
    channel: String,
    status: String,
    retry_count: i32,
    failed_reason: Option<String>,
    external_id: Option<String>,
    sent_at: Option<chrono::DateTime<chrono::Utc>>,
    delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Row {
    fn is(&self, channel: &str, status: &str) -> bool {
        self.channel == channel && self.status == status
    }
}

async fn rows_of(owner: &PgPool) -> Vec<Row> {
    sqlx::query_as(
        "SELECT id, user_id, channel, status, retry_count, failed_reason, external_id, sent_at, \
                delivered_at, next_attempt_at \
         FROM notifications ORDER BY created_at, channel",
    )
    .fetch_all(owner)
    .await
    .unwrap()
}

/// Waits (up to `within`) until the table satisfies `done`; returns its rows.
async fn wait_rows(
    owner: &PgPool,
    what: &str,
    within: Duration,
    done: impl Fn(&[Row]) -> bool,
) -> Vec<Row> {
    let deadline = Instant::now() + within;
    loop {
        let rows = rows_of(owner).await;
        if done(&rows) {
            return rows;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn one<'a>(rows: &'a [Row], user: Uuid, channel: &str) -> &'a Row {
    let mut found = rows
        .iter()
        .filter(|r| r.user_id == user && r.channel == channel);
    let row = found.next().unwrap_or_else(|| panic!("no {channel} row"));
    assert!(found.next().is_none(), "one {channel} row");
    row
}

/// Turns `channel` on for assignments (what the preferences screen writes).
async fn prefer(owner: &PgPool, user: Uuid, channel: &str) {
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, event_type, channel, enabled) \
         VALUES ($1, 'TICKET_ASSIGNED', $2, TRUE)",
    )
    .bind(user)
    .bind(channel)
    .execute(owner)
    .await
    .unwrap();
}

async fn set_phone(owner: &PgPool, user: Uuid, phone: Option<&str>) {
    sqlx::query("UPDATE users SET phone_number = $2 WHERE id = $1")
        .bind(user)
        .bind(phone)
        .execute(owner)
        .await
        .unwrap();
}

// ================================================================================== tests

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_assignment_is_emailed_to_the_assignee_and_recorded_as_sent(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = user(&pool, "dev", Role::DevopsEngineer).await;
    // Slack too: this worker has no Slack, so that row must be left alone.
    prefer(&pool, dev.id, "SLACK").await;
    let smtp = SmtpSink::start().await;
    let (login, url) = worker_login(&pool).await;
    let running = start(config(&url, smtp.settings()));
    wait_listening(&pool, &login).await;

    let asked = Instant::now();
    let ticket = create(&lead, new_ticket("Disk full on db-1", Some(dev.id)))
        .await
        .unwrap();
    let rows = wait_rows(&pool, "the email", Duration::from_secs(10), |rows| {
        rows.iter().any(|r| r.is("EMAIL", "SENT"))
    })
    .await;
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "woken by NOTIFY, not the 60 s poll"
    );

    let email = one(&rows, dev.id, "EMAIL");
    assert_eq!(email.retry_count, 0);
    assert_eq!(email.failed_reason, None);
    assert!(email.sent_at.is_some());
    assert_eq!(email.next_attempt_at, None);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let mail = &mails[0];
    assert_eq!(mail.from, SENDER);
    assert_eq!(mail.to, ["dev@example.com"]);
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some(format!("{} assigned to you", ticket.ticket_number).as_str())
    );
    assert!(mail.header("To").unwrap().contains("<dev@example.com>"));
    assert_eq!(
        mail.header("Message-ID"),
        email.external_id,
        "external_id is the Message-ID sent"
    );
    assert!(
        email
            .external_id
            .as_deref()
            .unwrap()
            .contains(&email.id.to_string()),
        "the Message-ID is the notification's own, the same on every retry"
    );
    let link = format!("ticketdesk://ticket/{}", ticket.ticket_number);
    assert!(
        mail.body()
            .contains(&format!("Open it in ticketdesk: {link}")),
        "the mail carries the ticket's link (issue 18): {}",
        mail.body()
    );
    assert!(
        mail.body()
            .contains("Lena Tester assigned you: Disk full on db-1"),
        "{}",
        mail.body()
    );

    // Not configured here: still PENDING, untried; the in-app row is the desktops' business.
    let slack = one(&rows, dev.id, "SLACK");
    assert_eq!(
        (
            slack.status.as_str(),
            slack.retry_count,
            &slack.failed_reason
        ),
        ("PENDING", 0, &None)
    );
    let in_app = one(&rows, dev.id, "IN_APP");
    assert_eq!(
        (in_app.status.as_str(), in_app.delivered_at),
        ("PENDING", None)
    );

    running.stop().await;
    // Nothing was sent twice, before or while stopping.
    assert_eq!(smtp.mails().len(), 1);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn slack_and_sms_sinks_that_fail_twice_are_retried_with_backoff_until_they_answer(
    pool: PgPool,
) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = user(&pool, "dev", Role::DevopsEngineer).await;
    prefer(&pool, dev.id, "SLACK").await;
    prefer(&pool, dev.id, "SMS").await;
    set_phone(&pool, dev.id, Some("+15550100")).await;

    let http = MockServer::start().await;
    answer(&http, SLACK_PATH, ResponseTemplate::new(500), Some(2)).await;
    answer(
        &http,
        SLACK_PATH,
        ResponseTemplate::new(200).set_body_string("ok"),
        None,
    )
    .await;
    answer(&http, "/sms", ResponseTemplate::new(503), Some(2)).await;
    answer(
        &http,
        "/sms",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "gw-7"})),
        None,
    )
    .await;
    let (login, url) = worker_login(&pool).await;
    let running = start(config(&url, http_settings(&http)));
    wait_listening(&pool, &login).await;

    let ticket = create(&lead, new_ticket("Pager storm", Some(dev.id)))
        .await
        .unwrap();
    let rows = wait_rows(&pool, "Slack and SMS", Duration::from_secs(15), |rows| {
        rows.iter().any(|r| r.is("SLACK", "SENT")) && rows.iter().any(|r| r.is("SMS", "SENT"))
    })
    .await;
    running.stop().await;

    let slack = one(&rows, dev.id, "SLACK");
    let sms = one(&rows, dev.id, "SMS");
    for row in [slack, sms] {
        assert_eq!(row.retry_count, 2, "two failures before success: {row:?}");
        assert_eq!(row.failed_reason, None, "cleared on success");
        assert_eq!(row.next_attempt_at, None);
        assert!(row.sent_at.is_some());
    }
    assert_eq!(slack.external_id, None, "Slack webhooks answer no id");
    assert_eq!(sms.external_id.as_deref(), Some("gw-7"));

    let to_slack = requests_to(&http, SLACK_PATH).await;
    assert_eq!(to_slack.len(), 3);
    for request in &to_slack {
        assert_eq!(idempotency_key(request), slack.id);
        let body: serde_json::Value = request.body_json().unwrap();
        let text = body["text"].as_str().unwrap();
        assert!(
            text.starts_with(&format!("*{} assigned to you*", ticket.ticket_number)),
            "{text}"
        );
        assert!(
            text.contains("Lena Tester assigned you: Pager storm"),
            "{text}"
        );
        let number = &ticket.ticket_number;
        assert!(
            text.contains(&format!("{number} · ticketdesk://ticket/{number}")),
            "the Slack message carries the ticket's link beside its number: {text}"
        );
    }
    let to_gateway = requests_to(&http, "/sms").await;
    assert_eq!(to_gateway.len(), 3);
    for request in &to_gateway {
        assert_eq!(idempotency_key(request), sms.id);
        assert_eq!(
            request.headers.get("authorization").unwrap(),
            &format!("Bearer {GATEWAY_TOKEN}")
        );
        let body: serde_json::Value = request.body_json().unwrap();
        assert_eq!(body["to"], "+15550100");
        assert_eq!(
            body["message"],
            format!(
                "{} assigned to you: Lena Tester assigned you: Pager storm",
                ticket.ticket_number
            )
        );
    }
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn failures_end_as_failed_after_the_last_attempt_or_at_once_when_permanent(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = user(&pool, "dev", Role::DevopsEngineer).await;
    prefer(&pool, dev.id, "SLACK").await;
    prefer(&pool, dev.id, "SMS").await;
    set_phone(&pool, dev.id, Some("+15550100")).await;
    // ops has an SMS row, then loses the phone number before the worker gets to it.
    let ops = user(&pool, "ops", Role::DevopsEngineer).await;
    prefer(&pool, ops.id, "SMS").await;
    set_phone(&pool, ops.id, Some("+15550199")).await;
    create(&lead, new_ticket("Always down", Some(dev.id)))
        .await
        .unwrap();
    create(&lead, new_ticket("Nobody to text", Some(ops.id)))
        .await
        .unwrap();
    set_phone(&pool, ops.id, None).await;

    let http = MockServer::start().await;
    answer(&http, "/sms", ResponseTemplate::new(500), None).await;
    answer(&http, SLACK_PATH, ResponseTemplate::new(400), None).await;
    let (_, url) = worker_login(&pool).await;
    let mut settings = http_settings(&http);
    settings.push(("max_attempts", "3".into()));
    // Started after the rows were written: it catches up on what it missed.
    let running = start(config(&url, settings));

    let rows = wait_rows(
        &pool,
        "three FAILED rows",
        Duration::from_secs(15),
        |rows| rows.iter().filter(|r| r.status == "FAILED").count() == 3,
    )
    .await;
    // Long enough for a wrongly scheduled retry (backoff ≤ 80 ms) to show.
    tokio::time::sleep(Duration::from_millis(400)).await;
    running.stop().await;
    let state = |rows: &[Row]| -> Vec<(Uuid, String, i32)> {
        rows.iter()
            .map(|r| (r.id, r.status.clone(), r.retry_count))
            .collect()
    };
    assert_eq!(
        state(&rows),
        state(&rows_of(&pool).await),
        "FAILED is final"
    );

    let sms = one(&rows, dev.id, "SMS");
    assert_eq!(sms.status, "FAILED");
    assert_eq!(sms.retry_count, 3, "max_attempts tries");
    assert_eq!(
        sms.failed_reason.as_deref(),
        Some("SMS gateway: HTTP 500 Internal Server Error")
    );
    assert_eq!(sms.next_attempt_at, None);
    assert_eq!(sms.sent_at, None);

    let slack = one(&rows, dev.id, "SLACK");
    assert_eq!(slack.status, "FAILED", "a 400 is final");
    assert_eq!(slack.retry_count, 1);
    assert_eq!(
        slack.failed_reason.as_deref(),
        Some("Slack: HTTP 400 Bad Request")
    );

    let no_phone = one(&rows, ops.id, "SMS");
    assert_eq!(no_phone.status, "FAILED");
    assert_eq!(no_phone.retry_count, 1);
    assert_eq!(
        no_phone.failed_reason.as_deref(),
        Some("recipient has no phone number")
    );

    let to_gateway = requests_to(&http, "/sms").await;
    assert_eq!(to_gateway.len(), 3, "no try after the last");
    assert!(to_gateway.iter().all(|r| idempotency_key(r) == sms.id));
    assert_eq!(requests_to(&http, SLACK_PATH).await.len(), 1);
    // The email rows (no SMTP configured) are untouched.
    assert!(rows
        .iter()
        .filter(|r| r.channel == "EMAIL")
        .all(|r| r.status == "PENDING" && r.retry_count == 0));
    for row in &rows {
        let reason = row.failed_reason.as_deref().unwrap_or_default();
        assert!(
            !reason.contains("hook-secret") && !reason.contains(GATEWAY_TOKEN),
            "no secret in {reason}"
        );
    }
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn two_workers_side_by_side_send_every_notification_exactly_once(pool: PgPool) {
    const TICKETS: usize = 30;
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = user(&pool, "dev", Role::DevopsEngineer).await;
    prefer(&pool, dev.id, "SLACK").await;

    // Each worker its own login and sinks, so the sinks also tell who sent what.
    let mut workers = Vec::new();
    for _ in 0..2 {
        let smtp = SmtpSink::start().await;
        let http = MockServer::start().await;
        answer(
            &http,
            SLACK_PATH,
            ResponseTemplate::new(200)
                .set_body_string("ok")
                .set_delay(Duration::from_millis(15)),
            None,
        )
        .await;
        let (login, url) = worker_login(&pool).await;
        let mut settings = smtp.settings();
        settings.extend(http_settings(&http));
        settings.push(("batch_size", "4".into()));
        settings.push(("concurrency", "2".into()));
        let running = start(config(&url, settings));
        workers.push((login, smtp, http, running));
    }
    for (login, ..) in &workers {
        wait_listening(&pool, login).await;
    }

    for i in 0..TICKETS {
        create(
            &lead,
            new_ticket(&format!("Node {i} unreachable"), Some(dev.id)),
        )
        .await
        .unwrap();
    }
    let rows = wait_rows(&pool, "every row sent", Duration::from_secs(60), |rows| {
        rows.iter()
            .filter(|r| r.channel != "IN_APP" && r.status == "SENT")
            .count()
            == 2 * TICKETS
    })
    .await;
    // A late duplicate would show up now.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut emails: HashMap<String, usize> = HashMap::new();
    let mut posts: HashMap<Uuid, usize> = HashMap::new();
    let mut shares = Vec::new();
    for (_, smtp, http, running) in workers {
        running.stop().await;
        let mails = smtp.mails();
        let slack = requests_to(&http, SLACK_PATH).await;
        shares.push((mails.len(), slack.len()));
        for mail in mails {
            assert_eq!(mail.to, ["dev@example.com"]);
            *emails
                .entry(mail.header("Message-ID").unwrap())
                .or_default() += 1;
        }
        for request in slack {
            *posts.entry(idempotency_key(&request)).or_default() += 1;
        }
    }
    let email_rows: Vec<&Row> = rows.iter().filter(|r| r.channel == "EMAIL").collect();
    let slack_rows: Vec<&Row> = rows.iter().filter(|r| r.channel == "SLACK").collect();
    assert_eq!((email_rows.len(), slack_rows.len()), (TICKETS, TICKETS));
    assert_eq!(emails.len(), TICKETS, "{emails:?}");
    assert_eq!(posts.len(), TICKETS, "{posts:?}");
    for row in email_rows {
        let id = row.external_id.as_deref().unwrap();
        assert_eq!(emails.get(id), Some(&1), "email {id} sent exactly once");
        assert_eq!(row.retry_count, 0);
    }
    for row in slack_rows {
        assert_eq!(
            posts.get(&row.id),
            Some(&1),
            "Slack post {} exactly once",
            row.id
        );
    }
    // Both took part (each saw every NOTIFY and raced for the rows).
    eprintln!("(emails, slack posts) per worker: {shares:?}");
    assert!(
        shares.iter().all(|(mails, posts)| mails + posts > 0),
        "both workers delivered some: {shares:?}"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_worker_comes_back_after_its_connections_are_killed(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = user(&pool, "dev", Role::DevopsEngineer).await;
    let smtp = SmtpSink::start().await;
    let (login, url) = worker_login(&pool).await;
    let running = start(config(&url, smtp.settings()));
    wait_listening(&pool, &login).await;

    // The database goes away under it (as far as this login can tell).
    let killed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
          WHERE usename = $1) AS k",
    )
    .bind(&login)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(killed >= 1);
    create(&lead, new_ticket("After the outage", Some(dev.id)))
        .await
        .unwrap();
    wait_rows(
        &pool,
        "the email after reconnecting",
        Duration::from_secs(15),
        |rows| rows.iter().any(|r| r.is("EMAIL", "SENT")),
    )
    .await;
    wait_listening(&pool, &login).await;
    running.stop().await;
    assert_eq!(smtp.mails().len(), 1);
}

// ================================================================================ hostile

async fn denied(conn: &mut PgConnection, sql: &str) {
    match sqlx::query(sql).execute(&mut *conn).await {
        Err(sqlx::Error::Database(e)) => assert_eq!(
            e.code().as_deref(),
            Some("42501"),
            "{sql}: expected permission denied, got {e}"
        ),
        other => panic!("{sql}: expected permission denied, got {other:?}"),
    }
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_worker_login_sees_only_the_outbox_and_may_change_only_delivery_columns(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = user(&pool, "dev", Role::DevopsEngineer).await;
    create(&lead, new_ticket("Secret outage", Some(dev.id)))
        .await
        .unwrap();
    let (login, url) = worker_login(&pool).await;
    let mut conn = PgConnection::connect(&url).await.unwrap();

    let (member, desktop, definer, dangerous): (bool, bool, bool, bool) = sqlx::query_as(
        "SELECT pg_has_role(current_user, 'ticketdesk_worker', 'MEMBER'), \
                pg_has_role(current_user, 'ticketdesk_desktop', 'MEMBER'), \
                pg_has_role(current_user, 'ticketdesk_definer', 'MEMBER'), \
                rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb \
         FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(member && !desktop && !definer && !dangerous);

    // The outbox through the API (issue 13): the in-app rows do not exist for it.
    let in_app_as_owner: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notifications WHERE channel = 'IN_APP'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(in_app_as_owner >= 1, "control: there is an in-app row");
    let waiting: Vec<(String, i64)> =
        sqlx::query_as("SELECT channel, waiting FROM api.outbox_waiting_elsewhere('{}')")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(waiting, [("EMAIL".to_string(), 1)], "the EMAIL row only");
    let claimed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM api.outbox_claim('{IN_APP}', 10, 1000)")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(claimed, 0, "in-app rows are never claimed");
    // Nor may it call what the desktop calls.
    denied(
        &mut conn,
        "SELECT * FROM api.notifications(false, NULL, NULL, 10)",
    )
    .await;

    // No table at all: secrets, content and the outbox's columns are out of reach.
    for attack in [
        "SELECT count(*) FROM notifications",
        "UPDATE notifications SET status = 'READ' WHERE channel = 'IN_APP'",
        "SELECT first_name, email FROM users",
        "SELECT ticket_number FROM tickets",
        "SELECT password_hash FROM users",
        "SELECT * FROM users",
        "SELECT mfa_secret FROM users",
        "SELECT description FROM tickets",
        "SELECT * FROM comments",
        "SELECT * FROM user_sessions",
        "SELECT * FROM notification_preferences",
        "UPDATE notifications SET message = 'click here: evil.example'",
        "UPDATE notifications SET subject = 'pwned'",
        "UPDATE notifications SET user_id = user_id",
        "UPDATE notifications SET channel = 'EMAIL'",
        "UPDATE users SET email = 'attacker@example.com'",
        "INSERT INTO notifications (user_id, type, channel, message) \
         SELECT user_id, type, channel, 'forged' FROM notifications",
        "DELETE FROM notifications",
    ] {
        denied(&mut conn, attack).await;
    }
    let message: String =
        sqlx::query_scalar("SELECT message FROM notifications WHERE channel = 'EMAIL'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(message.contains("Secret outage"), "unchanged: {message}");
    conn.close().await.unwrap();

    // The login maker keeps the roles apart.
    let desk = format!("desk_{}", Uuid::new_v4().simple());
    desktop_login::create(&pool, &desk).await.unwrap();
    let err = desktop_login::create_in(&pool, &desk, LoginGroup::Worker)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another ticketdesk role"), "{err}");
    for group in ["ticketdesk_worker", "ticketdesk_definer"] {
        assert!(desktop_login::create_in(&pool, group, LoginGroup::Worker)
            .await
            .is_err());
    }
    let owner: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&pool)
        .await
        .unwrap();
    let err = desktop_login::create_in(&pool, &owner, LoginGroup::Worker)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("privileged"), "{err}");
    // Resetting a worker login's password is fine.
    desktop_login::create_in(&pool, &login, LoginGroup::Worker)
        .await
        .unwrap();
}
