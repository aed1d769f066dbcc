//! The queue's search, filters and keyset paging, against a real database.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use ticketdesk::domain::ticket::{
    Category, NewTicket, Priority, QueueQuery, QueueSort, Status, TicketSummary,
};
use ticketdesk::domain::user::Role;
use ticketdesk::error::Error;
use uuid::Uuid;

use crate::helpers::{create, queue, signed_in, Desk};

/// A ticket with the given text and fields, created by `desk` through the app's code.
async fn ticket(
    desk: &Desk,
    title: &str,
    description: &str,
    priority: Priority,
    category: Category,
    environment: Option<&str>,
    assignee: Option<Uuid>,
) -> Uuid {
    create(
        desk,
        NewTicket {
            id: None,
            title: title.into(),
            description: description.into(),
            priority,
            category,
            environment: environment.map(str::to_owned),
            assignee_id: assignee,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("creating {title:?}: {e:?}"))
    .id
}

/// A plain ticket for paging tests.
async fn plain(desk: &Desk, title: &str, description: &str, priority: Priority) -> Uuid {
    ticket(
        desk,
        title,
        description,
        priority,
        Category::Other,
        None,
        None,
    )
    .await
}

/// Sets a ticket's timestamps as a superuser, with triggers off (so `updated_at` is not reset
/// and nothing else is touched).
async fn set_times(pool: &PgPool, id: Uuid, created_at: DateTime<Utc>, updated_at: DateTime<Utc>) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    let done = sqlx::query("UPDATE tickets SET created_at = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(created_at)
        .bind(updated_at)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
    tx.commit().await.unwrap();
}

/// The ids one (large) page of the queue returns, in order.
async fn ids(desk: &Desk, query: QueueQuery) -> Vec<Uuid> {
    let page = queue(
        desk,
        &QueueQuery {
            limit: Some(200),
            ..query
        },
    )
    .await
    .unwrap_or_else(|e| panic!("querying the queue: {e:?}"));
    assert!(page.next_cursor.is_none(), "everything fits in one page");
    page.tickets.iter().map(|t| t.id).collect()
}

/// The same ids as a set, for filters whose order does not matter.
async fn id_set(desk: &Desk, query: QueueQuery) -> HashSet<Uuid> {
    let ids = ids(desk, query).await;
    let set: HashSet<Uuid> = ids.iter().copied().collect();
    assert_eq!(set.len(), ids.len(), "no ticket is listed twice");
    set
}

fn set(ids: &[Uuid]) -> HashSet<Uuid> {
    ids.iter().copied().collect()
}

fn text(t: &str) -> QueueQuery {
    QueueQuery {
        text: Some(t.into()),
        ..Default::default()
    }
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn text_search_matches_title_and_description_in_web_search_syntax(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let jammed = plain(
        &dev,
        "Printer jammed on floor three",
        "Paper is stuck in the tray.",
        Priority::P3Medium,
    )
    .await;
    let queue_stalled = plain(
        &dev,
        "Email outage",
        "Mail is down, and the printer queue is stalled as well.",
        Priority::P2High,
    )
    .await;
    let unrelated = plain(
        &dev,
        "Disk full on db-01",
        "The volume holding /var is at 100 percent.",
        Priority::P1Critical,
    )
    .await;

    assert_eq!(
        id_set(&dev, QueueQuery::default()).await,
        set(&[jammed, queue_stalled, unrelated]),
        "no text: everything"
    );
    assert_eq!(
        id_set(&dev, text("printer")).await,
        set(&[jammed, queue_stalled]),
        "one ticket has the word in its title, the other in its description"
    );
    assert_eq!(
        id_set(&dev, text("jammed")).await,
        set(&[jammed]),
        "a word only in a title"
    );
    assert_eq!(
        id_set(&dev, text("stalled")).await,
        set(&[queue_stalled]),
        "a word only in a description"
    );
    assert_eq!(
        id_set(&dev, text("Printers")).await,
        set(&[jammed, queue_stalled]),
        "English stemming and case folding apply"
    );
    assert_eq!(
        id_set(&dev, text("kangaroo")).await,
        HashSet::new(),
        "a word in no ticket matches none"
    );
    assert_eq!(
        id_set(&dev, text("printer -jammed")).await,
        set(&[queue_stalled]),
        "-word excludes tickets containing it"
    );
    assert_eq!(
        id_set(&dev, text("printer paper")).await,
        set(&[jammed]),
        "several words must all be present"
    );
    assert_eq!(
        id_set(&dev, text("\"printer queue\"")).await,
        set(&[queue_stalled]),
        "a quoted phrase matches adjacent words"
    );
    assert_eq!(
        id_set(&dev, text("\"queue printer\"")).await,
        HashSet::new(),
        "a phrase in the wrong order does not match"
    );
    assert_eq!(
        id_set(&dev, text("jammed or volume")).await,
        set(&[jammed, unrelated]),
        "`or` between words matches either"
    );
    assert_eq!(
        id_set(&dev, text("   ")).await,
        set(&[jammed, queue_stalled, unrelated]),
        "blank text does not filter"
    );
    // Web-search syntax never fails on what people type, stray operators included.
    for typed in [
        "printer's",
        "printer & | ! :*",
        "(printer",
        "\"printer",
        "-",
        "or",
        "'; DROP TABLE tickets; --",
    ] {
        queue(&dev, &text(typed))
            .await
            .unwrap_or_else(|e| panic!("searching {typed:?}: {e:?}"));
    }
    assert_eq!(
        id_set(&dev, text("printer & | ! :*")).await,
        set(&[jammed, queue_stalled]),
        "operator characters are not operators"
    );
    let err = queue(&dev, &text(&"x".repeat(501))).await.unwrap_err();
    assert!(
        matches!(err, Error::Validation(_)),
        "search text over 500 characters: {err:?}"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn every_filter_alone_and_with_search_text(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let dev2 = signed_in(&pool, "sam", Role::SeniorEngineer).await;
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let noah = signed_in(&pool, "noah", Role::EndUser).await;

    // OPEN (assigned), P1, network, Production, tags {vpn, urgent}.
    let t1 = ticket(
        &lead,
        "Router reboot loop",
        "Core router restarts every hour.",
        Priority::P1Critical,
        Category::NetworkIssue,
        Some("Production"),
        Some(dev.id),
    )
    .await;
    // NEW, P3, VM, Staging, tags {vpn}, SLA breached.
    let t2 = ticket(
        &lead,
        "Router firmware upgrade",
        "Schedule the firmware rollout.",
        Priority::P3Medium,
        Category::VmIssue,
        Some("Staging"),
        None,
    )
    .await;
    // NEW, P2, access, "production" in lower case, tags {urgent}; Erin's.
    let t3 = ticket(
        &erin,
        "Laptop cannot reach router",
        "My laptop drops off the office network.",
        Priority::P2High,
        Category::AccessRequest,
        Some("production"),
        None,
    )
    .await;
    // IN_PROGRESS (set below), P4, storage, no environment, no tags; Noah's.
    let t4 = ticket(
        &noah,
        "Disk full",
        "The shared drive is out of space.",
        Priority::P4Low,
        Category::StorageIssue,
        None,
        None,
    )
    .await;
    // OPEN (assigned to Sam), P2, database, PRODUCTION, tags {vpn, urgent, db}, SLA breached.
    let t5 = ticket(
        &lead,
        "Database slow behind router",
        "Queries time out through the new router.",
        Priority::P2High,
        Category::DatabaseIssue,
        Some("PRODUCTION"),
        Some(dev2.id),
    )
    .await;

    for (id, tags) in [
        (t1, vec!["vpn", "urgent"]),
        (t2, vec!["vpn"]),
        (t3, vec!["urgent"]),
        (t5, vec!["vpn", "urgent", "db"]),
    ] {
        sqlx::query("UPDATE tickets SET tags = $2 WHERE id = $1")
            .bind(id)
            .bind(tags)
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE tickets SET sla_breach = TRUE, sla_breach_time = now() WHERE id = ANY($1)")
        .bind(vec![t2, t5])
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE tickets SET status = 'IN_PROGRESS' WHERE id = $1")
        .bind(t4)
        .execute(&pool)
        .await
        .unwrap();

    let all = set(&[t1, t2, t3, t4, t5]);
    assert_eq!(id_set(&dev, QueueQuery::default()).await, all);

    // Each filter alone.
    let cases: Vec<(&str, QueueQuery, HashSet<Uuid>)> = vec![
        (
            "statuses NEW",
            QueueQuery {
                statuses: vec![Status::New],
                ..Default::default()
            },
            set(&[t2, t3]),
        ),
        (
            "statuses OPEN or IN_PROGRESS",
            QueueQuery {
                statuses: vec![Status::Open, Status::InProgress],
                ..Default::default()
            },
            set(&[t1, t4, t5]),
        ),
        (
            "statuses CLOSED",
            QueueQuery {
                statuses: vec![Status::Closed],
                ..Default::default()
            },
            set(&[]),
        ),
        (
            "priorities P2",
            QueueQuery {
                priorities: vec![Priority::P2High],
                ..Default::default()
            },
            set(&[t3, t5]),
        ),
        (
            "priorities P1 or P4",
            QueueQuery {
                priorities: vec![Priority::P1Critical, Priority::P4Low],
                ..Default::default()
            },
            set(&[t1, t4]),
        ),
        (
            "categories network",
            QueueQuery {
                categories: vec![Category::NetworkIssue],
                ..Default::default()
            },
            set(&[t1]),
        ),
        (
            "categories storage or database",
            QueueQuery {
                categories: vec![Category::StorageIssue, Category::DatabaseIssue],
                ..Default::default()
            },
            set(&[t4, t5]),
        ),
        (
            "assignee dev",
            QueueQuery {
                assignee_id: Some(dev.id),
                ..Default::default()
            },
            set(&[t1]),
        ),
        (
            "assignee nobody has",
            QueueQuery {
                assignee_id: Some(lead.id),
                ..Default::default()
            },
            set(&[]),
        ),
        (
            "unassigned",
            QueueQuery {
                unassigned: true,
                ..Default::default()
            },
            set(&[t2, t3, t4]),
        ),
        (
            "unassigned wins over an assignee",
            QueueQuery {
                unassigned: true,
                assignee_id: Some(dev.id),
                ..Default::default()
            },
            set(&[t2, t3, t4]),
        ),
        (
            "requestor erin",
            QueueQuery {
                requestor_id: Some(erin.id),
                ..Default::default()
            },
            set(&[t3]),
        ),
        (
            "requestor lena",
            QueueQuery {
                requestor_id: Some(lead.id),
                ..Default::default()
            },
            set(&[t1, t2, t5]),
        ),
        (
            "tag vpn",
            QueueQuery {
                tags: vec!["vpn".into()],
                ..Default::default()
            },
            set(&[t1, t2, t5]),
        ),
        (
            "tags vpn and urgent (all must be present)",
            QueueQuery {
                tags: vec!["vpn".into(), "urgent".into()],
                ..Default::default()
            },
            set(&[t1, t5]),
        ),
        (
            "tags are trimmed and blank ones ignored",
            QueueQuery {
                tags: vec![" urgent ".into(), "  ".into()],
                ..Default::default()
            },
            set(&[t1, t3, t5]),
        ),
        (
            "a tag no ticket has",
            QueueQuery {
                tags: vec!["vpn".into(), "nope".into()],
                ..Default::default()
            },
            set(&[]),
        ),
        (
            "environment, any case",
            QueueQuery {
                environment: Some("pRoDuCtIoN".into()),
                ..Default::default()
            },
            set(&[t1, t3, t5]),
        ),
        (
            "environment, trimmed",
            QueueQuery {
                environment: Some("  staging ".into()),
                ..Default::default()
            },
            set(&[t2]),
        ),
        (
            "blank environment does not filter",
            QueueQuery {
                environment: Some("  ".into()),
                ..Default::default()
            },
            all.clone(),
        ),
        (
            "SLA breached",
            QueueQuery {
                sla_breached: Some(true),
                ..Default::default()
            },
            set(&[t2, t5]),
        ),
        (
            "SLA not breached",
            QueueQuery {
                sla_breached: Some(false),
                ..Default::default()
            },
            set(&[t1, t3, t4]),
        ),
    ];
    for (name, query, expected) in cases {
        assert_eq!(id_set(&dev, query).await, expected, "filter: {name}");
    }

    // With text: "router" is in t1, t2, t3 and t5 (t4 never matches).
    let router = || QueueQuery {
        text: Some("router".into()),
        ..Default::default()
    };
    assert_eq!(id_set(&dev, router()).await, set(&[t1, t2, t3, t5]));
    let cases: Vec<(&str, QueueQuery, HashSet<Uuid>)> = vec![
        (
            "text + statuses NEW",
            QueueQuery {
                statuses: vec![Status::New],
                ..router()
            },
            set(&[t2, t3]),
        ),
        (
            "text + statuses IN_PROGRESS",
            QueueQuery {
                statuses: vec![Status::InProgress],
                ..router()
            },
            set(&[]),
        ),
        (
            "text + priorities P2",
            QueueQuery {
                priorities: vec![Priority::P2High],
                ..router()
            },
            set(&[t3, t5]),
        ),
        (
            "text + categories VM",
            QueueQuery {
                categories: vec![Category::VmIssue],
                ..router()
            },
            set(&[t2]),
        ),
        (
            "text + assignee sam",
            QueueQuery {
                assignee_id: Some(dev2.id),
                ..router()
            },
            set(&[t5]),
        ),
        (
            "text + unassigned",
            QueueQuery {
                unassigned: true,
                ..router()
            },
            set(&[t2, t3]),
        ),
        (
            "text + requestor erin",
            QueueQuery {
                requestor_id: Some(erin.id),
                ..router()
            },
            set(&[t3]),
        ),
        (
            "text + requestor noah",
            QueueQuery {
                requestor_id: Some(noah.id),
                ..router()
            },
            set(&[]),
        ),
        (
            "text + tags vpn and urgent",
            QueueQuery {
                tags: vec!["urgent".into(), "vpn".into()],
                ..router()
            },
            set(&[t1, t5]),
        ),
        (
            "text + environment production",
            QueueQuery {
                environment: Some("production".into()),
                ..router()
            },
            set(&[t1, t3, t5]),
        ),
        (
            "text + SLA breached",
            QueueQuery {
                sla_breached: Some(true),
                ..router()
            },
            set(&[t2, t5]),
        ),
        (
            "text + many filters at once",
            QueueQuery {
                environment: Some("Production".into()),
                priorities: vec![Priority::P2High, Priority::P1Critical],
                tags: vec!["urgent".into()],
                sla_breached: Some(false),
                ..router()
            },
            set(&[t1, t3]),
        ),
        (
            "text + many filters, narrowed to one",
            QueueQuery {
                environment: Some("production".into()),
                priorities: vec![Priority::P2High],
                unassigned: true,
                ..router()
            },
            set(&[t3]),
        ),
        (
            "excluding text + filter",
            QueueQuery {
                text: Some("router -firmware -laptop".into()),
                tags: vec!["vpn".into()],
                ..Default::default()
            },
            set(&[t1, t5]),
        ),
    ];
    for (name, query, expected) in cases {
        assert_eq!(id_set(&dev, query).await, expected, "filter: {name}");
    }
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn requestors_only_ever_find_their_own_tickets(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let noah = signed_in(&pool, "noah", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let erins = plain(
        &erin,
        "Printer offline",
        "The printer by my desk is offline.",
        Priority::P3Medium,
    )
    .await;
    let noahs = plain(
        &noah,
        "Printer toner",
        "The printer needs toner.",
        Priority::P2High,
    )
    .await;
    let devs = plain(
        &dev,
        "Printer driver",
        "Roll out the driver.",
        Priority::P4Low,
    )
    .await;

    assert_eq!(ids(&erin, QueueQuery::default()).await, vec![erins]);
    assert_eq!(ids(&erin, text("printer")).await, vec![erins]);
    assert_eq!(
        ids(&erin, text("toner")).await,
        Vec::<Uuid>::new(),
        "a word only in Noah's ticket finds nothing for Erin"
    );
    for other in [noah.id, dev.id] {
        assert_eq!(
            ids(
                &erin,
                QueueQuery {
                    requestor_id: Some(other),
                    ..Default::default()
                }
            )
            .await,
            Vec::<Uuid>::new(),
            "filtering on someone else's requestor id shows Erin nothing"
        );
        assert_eq!(
            ids(
                &erin,
                QueueQuery {
                    requestor_id: Some(other),
                    ..text("printer")
                }
            )
            .await,
            Vec::<Uuid>::new(),
            "nor does searching with it"
        );
    }
    assert_eq!(
        ids(
            &erin,
            QueueQuery {
                requestor_id: Some(erin.id),
                statuses: vec![Status::New],
                priorities: Priority::ALL.to_vec(),
                ..text("printer")
            }
        )
        .await,
        vec![erins]
    );
    assert_eq!(
        ids(
            &erin,
            QueueQuery {
                sort: QueueSort::Relevance,
                ..text("printer or toner or driver")
            }
        )
        .await,
        vec![erins],
        "every order keeps to her own tickets"
    );
    assert_eq!(
        ids(
            &noah,
            QueueQuery {
                sort: QueueSort::Priority,
                ..Default::default()
            }
        )
        .await,
        vec![noahs]
    );
    assert_eq!(
        id_set(&dev, text("printer")).await,
        set(&[erins, noahs, devs]),
        "engineers find everybody's"
    );
    assert_eq!(
        ids(
            &dev,
            QueueQuery {
                requestor_id: Some(noah.id),
                ..text("printer")
            }
        )
        .await,
        vec![noahs]
    );
}

/// Pages through `query` `limit` rows at a time, calling `between` after each page but the
/// last; returns every row in the order delivered and the number of pages.
async fn page_through<F, Fut>(
    desk: &Desk,
    query: &QueueQuery,
    limit: u32,
    mut between: F,
) -> (Vec<TicketSummary>, usize)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = queue(
            desk,
            &QueueQuery {
                limit: Some(limit),
                after: after.clone(),
                ..query.clone()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("page {} of {:?}: {e:?}", pages + 1, query.sort));
        pages += 1;
        assert!(
            page.tickets.len() <= limit as usize,
            "a page holds at most `limit` rows"
        );
        seen.extend(page.tickets);
        match page.next_cursor {
            Some(cursor) => {
                assert_eq!(
                    seen.len(),
                    pages * limit as usize,
                    "only a full page has a next page"
                );
                after = Some(cursor);
                between(pages).await;
            }
            None => break,
        }
        assert!(pages < 100, "paging must end");
    }
    (seen, pages)
}

/// One seeded ticket: what the expected orders are computed from.
#[derive(Clone, Debug)]
struct Seeded {
    id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    priority: Priority,
    /// How often the search word occurs in it.
    hits: usize,
    /// Its next SLA deadline (None: nothing pending).
    next_due: Option<DateTime<Utc>>,
}

fn priority_rank(p: Priority) -> u8 {
    match p {
        Priority::P1Critical => 1,
        Priority::P2High => 2,
        Priority::P3Medium => 3,
        Priority::P4Low => 4,
    }
}

const WORD: &str = "zeppelin";

/// 14 tickets with controlled timestamps (with ties on created_at and on updated_at),
/// mixed priorities, and 0 to 4 occurrences of `WORD` (2 tickets have none).
async fn seed_for_paging(pool: &PgPool, dev: &Desk) -> Vec<Seeded> {
    let base = DateTime::parse_from_rfc3339("2026-01-10T12:00:00.123456Z")
        .unwrap()
        .with_timezone(&Utc);
    let priorities = [
        Priority::P2High,
        Priority::P1Critical,
        Priority::P4Low,
        Priority::P2High,
        Priority::P3Medium,
        Priority::P1Critical,
        Priority::P2High,
        Priority::P4Low,
        Priority::P3Medium,
        Priority::P2High,
        Priority::P1Critical,
        Priority::P2High,
        Priority::P3Medium,
        Priority::P2High,
    ];
    let hits = [1, 3, 0, 2, 1, 4, 2, 1, 3, 1, 0, 2, 1, 2];
    // Minutes before `base`: 3 and 4 share a created_at; so do 0 and 9, which also share
    // priority, occurrence count and updated_at, so only the id orders them in every sort.
    let created_offsets = [0, 5, 10, 20, 20, 30, 35, 40, 50, 0, 60, 65, 70, 80];
    // updated_at: several tickets share one, to exercise the tie-breakers.
    let updated_offsets = [1, 1, 3, 3, 3, 0, 7, 2, 2, 1, 1, 4, 4, 6];
    let mut seeded = Vec::new();
    for i in 0..priorities.len() {
        let mut description = format!("Paging ticket number {i}.");
        for _ in 0..hits[i] {
            description.push_str(&format!(" The {WORD} again."));
        }
        let id = plain(dev, &format!("Paging {i}"), &description, priorities[i]).await;
        let created_at = base - Duration::minutes(created_offsets[i]);
        let updated_at = base + Duration::hours(updated_offsets[i]);
        set_times(pool, id, created_at, updated_at).await;
        let next_due: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT nullif(sla_next_due(status, first_response_at, response_breach, \
                                        response_due_at, due_date), 'infinity') \
             FROM tickets WHERE id = $1",
        )
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
        seeded.push(Seeded {
            id,
            created_at,
            updated_at,
            priority: priorities[i],
            hits: hits[i],
            next_due,
        });
    }
    seeded
}

fn newest_first(a: &Seeded, b: &Seeded) -> std::cmp::Ordering {
    (b.created_at, b.id).cmp(&(a.created_at, a.id))
}

fn expected(seeded: &[Seeded], sort: QueueSort) -> Vec<Uuid> {
    let mut rows: Vec<Seeded> = seeded.to_vec();
    match sort {
        QueueSort::Newest => rows.sort_by(newest_first),
        QueueSort::Oldest => rows.sort_by_key(|r| (r.created_at, r.id)),
        QueueSort::Updated => rows.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then_with(|| newest_first(a, b))
        }),
        QueueSort::Priority => rows.sort_by(|a, b| {
            priority_rank(a.priority)
                .cmp(&priority_rank(b.priority))
                .then_with(|| newest_first(a, b))
        }),
        QueueSort::Due => rows.sort_by_key(|r| {
            (
                r.next_due.unwrap_or(DateTime::<Utc>::MAX_UTC),
                r.created_at,
                r.id,
            )
        }),
        QueueSort::Relevance => {
            rows.retain(|r| r.hits > 0);
            rows.sort_by(|a, b| b.hits.cmp(&a.hits).then_with(|| newest_first(a, b)))
        }
    }
    rows.into_iter().map(|r| r.id).collect()
}

fn assert_once_each(seen: &[Uuid], expected: &[Uuid], sort: QueueSort) {
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(
        unique.len(),
        seen.len(),
        "{sort}: a row was repeated across pages"
    );
    assert_eq!(
        seen, expected,
        "{sort}: the pages put together must be the full order, no row lost or repeated"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn keyset_paging_in_every_order_loses_and_repeats_nothing(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let seeded = seed_for_paging(&pool, &dev).await;
    assert_eq!(
        ids(&dev, text("paging")).await.len(),
        seeded.len(),
        "every seeded ticket says 'paging'"
    );

    for sort in [
        QueueSort::Newest,
        QueueSort::Oldest,
        QueueSort::Updated,
        QueueSort::Priority,
        QueueSort::Due,
    ] {
        let want = expected(&seeded, sort);
        let query = QueueQuery {
            sort,
            ..Default::default()
        };
        assert_eq!(ids(&dev, query.clone()).await, want, "{sort}: one big page");
        for limit in [1, 3, 4, 14] {
            let (seen, pages) = page_through(&dev, &query, limit, |_| async {}).await;
            let seen: Vec<Uuid> = seen.iter().map(|t| t.id).collect();
            assert_once_each(&seen, &want, sort);
            assert_eq!(
                pages,
                want.len().div_ceil(limit as usize),
                "{sort} by {limit}: the last full page says there is no next one"
            );
        }
        // The same order with search text (which adds a rank column) pages the same.
        let with_text = QueueQuery {
            text: Some("paging".into()),
            ..query
        };
        let (seen, _) = page_through(&dev, &with_text, 4, |_| async {}).await;
        let seen: Vec<Uuid> = seen.iter().map(|t| t.id).collect();
        assert_once_each(&seen, &want, sort);
    }

    // RELEVANCE: more occurrences rank higher; equal counts tie and fall back to newest first.
    let want = expected(&seeded, QueueSort::Relevance);
    assert_eq!(want.len(), 12, "two tickets do not mention the word");
    let query = QueueQuery {
        sort: QueueSort::Relevance,
        ..text(WORD)
    };
    assert_eq!(
        ids(&dev, query.clone()).await,
        want,
        "relevance: one big page"
    );
    for limit in [1, 2, 3, 5] {
        let (seen, _) = page_through(&dev, &query, limit, |_| async {}).await;
        let seen: Vec<Uuid> = seen.iter().map(|t| t.id).collect();
        assert_once_each(&seen, &want, QueueSort::Relevance);
    }
    // Relevance with a filter on top.
    let p2 = QueueQuery {
        priorities: vec![Priority::P2High],
        ..query.clone()
    };
    let want_p2: Vec<Uuid> = want
        .iter()
        .copied()
        .filter(|id| {
            seeded
                .iter()
                .any(|s| s.id == *id && s.priority == Priority::P2High)
        })
        .collect();
    let (seen, _) = page_through(&dev, &p2, 2, |_| async {}).await;
    let seen: Vec<Uuid> = seen.iter().map(|t| t.id).collect();
    assert_once_each(&seen, &want_p2, QueueSort::Relevance);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn newest_and_priority_pages_survive_tickets_created_between_pages(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let seeded = seed_for_paging(&pool, &dev).await;
    let original: HashSet<Uuid> = seeded.iter().map(|s| s.id).collect();

    for sort in [QueueSort::Newest, QueueSort::Priority] {
        let want = expected(&seeded, sort);
        let query = QueueQuery {
            sort,
            ..Default::default()
        };
        let made = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (seen, pages) = page_through(&dev, &query, 4, |page| {
            let dev = dev.clone();
            let made = made.clone();
            async move {
                // New tickets of every priority, created now (newer than every seeded one).
                for p in Priority::ALL {
                    let id = plain(
                        &dev,
                        &format!("Arrived after page {page}"),
                        "Created while paging.",
                        *p,
                    )
                    .await;
                    made.lock().unwrap().push(id);
                }
            }
        })
        .await;
        assert!(
            pages >= 4,
            "{sort}: several pages, so tickets arrived between them"
        );
        let made: HashSet<Uuid> = made.lock().unwrap().iter().copied().collect();
        assert!(!made.is_empty());
        let seen_ids: Vec<Uuid> = seen.iter().map(|t| t.id).collect();
        let originals: Vec<Uuid> = seen_ids
            .iter()
            .copied()
            .filter(|id| original.contains(id))
            .collect();
        assert_once_each(&originals, &want, sort);
        let unique: HashSet<_> = seen_ids.iter().collect();
        assert_eq!(unique.len(), seen_ids.len(), "{sort}: nothing seen twice");
        assert!(
            seen_ids
                .iter()
                .all(|id| original.contains(id) || made.contains(id)),
            "{sort}: only known tickets"
        );
        if sort == QueueSort::Newest {
            assert!(
                seen_ids.iter().all(|id| original.contains(id)),
                "newest first: rows created meanwhile land before the cursor, on no later page"
            );
        } else {
            // Newer rows of a priority not yet reached are met later, in their place; rows of
            // priorities already passed are not. Either way the delivered order stays sorted.
            let key = |t: &TicketSummary| {
                (
                    priority_rank(t.priority),
                    std::cmp::Reverse((t.created_at, t.id)),
                )
            };
            assert!(
                seen.windows(2).all(|w| key(&w[0]) < key(&w[1])),
                "priority: the delivered rows are in priority order"
            );
        }
        // Clean slate for the next order: drop what was created meanwhile.
        sqlx::query("DELETE FROM tickets WHERE id = ANY($1)")
            .bind(made.into_iter().collect::<Vec<_>>())
            .execute(&pool)
            .await
            .unwrap();
    }
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn cursors_belong_to_their_order_and_relevance_needs_text(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    for i in 0..3 {
        plain(
            &dev,
            &format!("Balloon {i}"),
            &"balloon ".repeat(i + 1),
            Priority::P2High,
        )
        .await;
    }
    let mut cursors = Vec::new();
    for sort in QueueSort::ALL {
        let page = queue(
            &dev,
            &QueueQuery {
                sort: *sort,
                limit: Some(1),
                ..text("balloon")
            },
        )
        .await
        .unwrap();
        let cursor = page
            .next_cursor
            .unwrap_or_else(|| panic!("{sort}: more than one page"));
        // The cursor works for its own order.
        queue(
            &dev,
            &QueueQuery {
                sort: *sort,
                limit: Some(1),
                after: Some(cursor.clone()),
                ..text("balloon")
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{sort}: its own cursor is accepted: {e:?}"));
        cursors.push((*sort, cursor));
    }
    for (made_for, cursor) in &cursors {
        for sort in QueueSort::ALL {
            if sort == made_for {
                continue;
            }
            let err = queue(
                &dev,
                &QueueQuery {
                    sort: *sort,
                    after: Some(cursor.clone()),
                    ..text("balloon")
                },
            )
            .await
            .unwrap_err();
            assert!(
                matches!(err, Error::Validation(_)),
                "a {made_for} cursor used for {sort} is a validation error: {err:?}"
            );
        }
    }

    for blank in [None, Some(""), Some("   ")] {
        let err = queue(
            &dev,
            &QueueQuery {
                sort: QueueSort::Relevance,
                text: blank.map(str::to_owned),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, Error::Validation(_)),
            "relevance without text ({blank:?}) is a validation error: {err:?}"
        );
    }
}

/// The bench prints the plan of a slow page: the statement `api.queue()` runs inside, with the
/// page's values, as the session's user would get it. Only the owner may see plans.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_plan_inside_a_queue_page_is_shown_to_the_owner_only(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let end_user = signed_in(&pool, "erin", Role::EndUser).await;
    ticket(
        &dev,
        "Disk full on build agent",
        "The disk filled up overnight.",
        Priority::P2High,
        Category::Infrastructure,
        None,
        None,
    )
    .await;
    let query = QueueQuery {
        text: Some("disk".into()),
        sort: QueueSort::Relevance,
        ..Default::default()
    };
    let plan_as = |desk: Desk| {
        let pool = pool.clone();
        let query = query.clone();
        async move {
            let mut owner = pool.acquire().await.unwrap();
            sqlx::query("SELECT set_config('ticketdesk.session', $1, false)")
                .bind(&desk.signed_in.tokens.session_token)
                .execute(&mut *owner)
                .await
                .unwrap();
            ticketdesk::db::tickets::queue_plan(&mut owner, &query)
                .await
                .unwrap()
        }
    };
    let engineers = plan_as(dev.clone()).await;
    assert!(engineers.contains("search_vector @@"), "{engineers}");
    assert!(engineers.contains("ts_rank"), "{engineers}");
    assert!(!engineers.contains("requestor_id ="), "{engineers}");
    let requestors = plan_as(end_user).await;
    assert!(requestors.contains("requestor_id ="), "{requestors}");

    let mut desktop = dev.pool.acquire().await.unwrap();
    let refused = ticketdesk::db::tickets::queue_plan(&mut desktop, &query)
        .await
        .expect_err("a desktop may not see plans");
    assert!(matches!(refused, Error::Forbidden(_)), "{refused:?}");
}

/// The desktop's queue is one statement bringing its session token (no transaction around it):
/// the page is the same one a transaction acting for the session gets, and an unknown or
/// signed-out token is "session ended" (which the desktop renews), never someone's page.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_one_statement_queue_acts_for_the_token_it_brings(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let erins = plain(&erin, "Printer offline", "By my desk.", Priority::P3Medium).await;
    let devs = plain(&dev, "Printer driver", "Roll it out.", Priority::P4Low).await;

    let by_token = |page: ticketdesk::domain::ticket::QueuePage| {
        page.tickets.iter().map(|t| t.id).collect::<Vec<_>>()
    };
    let mut tx = dev.tx().await;
    let in_transaction = ticketdesk::db::tickets::queue(&mut tx, &QueueQuery::default())
        .await
        .unwrap();
    drop(tx);
    assert_eq!(
        by_token(queue(&dev, &QueueQuery::default()).await.unwrap()),
        vec![devs, erins]
    );
    assert_eq!(
        by_token(in_transaction),
        vec![devs, erins],
        "control: the same page through api.act_as"
    );
    assert_eq!(
        by_token(queue(&erin, &QueueQuery::default()).await.unwrap()),
        vec![erins],
        "the token's user decides what is seen"
    );

    for token in ["not-a-session".to_owned(), String::new()] {
        let err =
            ticketdesk::db::tickets::queue_for_session(&erin.pool, &token, &QueueQuery::default())
                .await
                .expect_err("an unknown token lists nothing");
        assert!(
            matches!(err, Error::Unauthenticated(_)),
            "{token:?}: {err:?}"
        );
    }
    ticketdesk::db::auth::sign_out(&pool, &erin.signed_in.tokens.session_token)
        .await
        .unwrap();
    let err = queue(&erin, &QueueQuery::default())
        .await
        .expect_err("a signed-out token lists nothing");
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
}
