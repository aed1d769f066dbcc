//! The whole SLA clock (issue 14): the one walk behind every deadline (holidays, pauses,
//! weekends, zones), the 80 % warning and the breach reaching the right people once, policies
//! and calendars kept by managers only, and the "why" that is the walk itself.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sqlx::PgPool;
use ticketdesk::domain::sla::{Holiday, HolidayCalendar, SlaPolicy, SlaState, StepKind};
use ticketdesk::domain::ticket::{Category, Priority, Status};
use ticketdesk::domain::user::Role;
use ticketdesk::error::Error;
use uuid::Uuid;

use crate::helpers::{create, detail, new_ticket, signed_in, Desk};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// A policy written by the owner (the tests' fixture, not the API under test).
async fn policy(pool: &PgPool, name: &str, zone: &str, hours_only: bool, weekends: bool) {
    sqlx::query(
        "INSERT INTO sla_policies (name, priority, response_time_minutes, resolution_time_minutes, \
                                   business_hours_only, include_weekends, time_zone, is_active) \
         VALUES ($1, 'P4_LOW', 1, 2, $3, $4, $2, FALSE)",
    )
    .bind(name)
    .bind(zone)
    .bind(hours_only)
    .bind(weekends)
    .execute(pool)
    .await
    .unwrap();
}

async fn with_calendar(pool: &PgPool, policy: &str, days: &[(NaiveDate, &str)]) {
    let calendar: Uuid =
        sqlx::query_scalar("INSERT INTO sla_calendars (name) VALUES ($1) RETURNING id")
            .bind(format!("{policy} holidays"))
            .fetch_one(pool)
            .await
            .unwrap();
    for (day, label) in days {
        sqlx::query("INSERT INTO sla_holidays (calendar_id, day, label) VALUES ($1, $2, $3)")
            .bind(calendar)
            .bind(day)
            .bind(label)
            .execute(pool)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE sla_policies SET calendar_id = $1 WHERE name = $2")
        .bind(calendar)
        .bind(policy)
        .execute(pool)
        .await
        .unwrap();
}

/// The deadline `minutes` after `start` under the named policy, skipping `pauses`.
async fn due(
    pool: &PgPool,
    policy: &str,
    start: DateTime<Utc>,
    minutes: i32,
    pauses: &[(DateTime<Utc>, DateTime<Utc>)],
) -> DateTime<Utc> {
    let (from, to): (Vec<_>, Vec<_>) = pauses.iter().copied().unzip();
    sqlx::query_scalar(
        "SELECT sla_deadline($1, $2, p, \
                (SELECT coalesce(range_agg(tstzrange(s, e)), '{}') \
                 FROM unnest($4::timestamptz[], $5::timestamptz[]) AS x(s, e))) \
         FROM sla_policies p WHERE p.name = $3",
    )
    .bind(start)
    .bind(minutes)
    .bind(policy)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_walk_skips_holidays_weekends_and_pauses_in_local_hours(pool: PgPool) {
    policy(&pool, "Berlin", "Europe/Berlin", true, false).await;
    policy(&pool, "New York", "America/New_York", true, false).await;
    policy(&pool, "Every day", "UTC", true, true).await;
    policy(&pool, "Around the clock", "UTC", false, true).await;
    with_calendar(&pool, "Berlin", &[(day(2026, 12, 25), "Christmas Day")]).await;
    with_calendar(&pool, "Around the clock", &[(day(2026, 12, 4), "Ignored")]).await;

    // A holiday on a Friday: Thu 16:00–17:00 counts, Fri is closed, then the weekend; Mon
    // 09:00–10:00 (all Berlin time, UTC+1 in winter).
    assert_eq!(
        due(&pool, "Berlin", utc(2026, 12, 24, 15, 0), 120, &[]).await,
        utc(2026, 12, 28, 9, 0)
    );
    // A pause across closing time and the weekend: Fri 14:00–16:00, paused until Mon 10:00,
    // then 3 h.
    assert_eq!(
        due(
            &pool,
            "Berlin",
            utc(2026, 12, 4, 13, 0),
            300,
            &[(utc(2026, 12, 4, 15, 0), utc(2026, 12, 7, 9, 0))]
        )
        .await,
        utc(2026, 12, 7, 12, 0)
    );
    // Several pauses in one day: 09–10, 10:30–11, 12:00–14:30.
    assert_eq!(
        due(
            &pool,
            "Berlin",
            utc(2026, 12, 1, 8, 0),
            240,
            &[
                (utc(2026, 12, 1, 9, 0), utc(2026, 12, 1, 9, 30)),
                (utc(2026, 12, 1, 10, 0), utc(2026, 12, 1, 11, 0)),
            ]
        )
        .await,
        utc(2026, 12, 1, 13, 30)
    );
    // A pause longer than the time left: 30 min before it, 30 min after it.
    assert_eq!(
        due(
            &pool,
            "Berlin",
            utc(2026, 12, 1, 8, 0),
            60,
            &[(utc(2026, 12, 1, 8, 30), utc(2026, 12, 1, 15, 30))]
        )
        .await,
        utc(2026, 12, 1, 16, 0)
    );
    // Summer time starts on different Sundays; the day after still opens at 9 local.
    assert_eq!(
        due(&pool, "Berlin", utc(2027, 3, 26, 15, 0), 120, &[]).await,
        utc(2027, 3, 29, 8, 0),
        "Berlin: Fri 16:00 CET + 1 h, Mon 09:00–10:00 CEST"
    );
    assert_eq!(
        due(&pool, "New York", utc(2027, 3, 12, 21, 0), 120, &[]).await,
        utc(2027, 3, 15, 14, 0),
        "New York: Fri 16:00 EST + 1 h, Mon 09:00–10:00 EDT"
    );
    // Weekends count with include_weekends.
    assert_eq!(
        due(&pool, "Every day", utc(2026, 12, 4, 16, 0), 120, &[]).await,
        utc(2026, 12, 5, 10, 0)
    );
    // Around the clock: every minute but the pauses; holidays are for business hours.
    assert_eq!(
        due(
            &pool,
            "Around the clock",
            utc(2026, 12, 4, 16, 0),
            240,
            &[(utc(2026, 12, 4, 17, 0), utc(2026, 12, 4, 18, 0))]
        )
        .await,
        utc(2026, 12, 4, 21, 0)
    );

    // The explanation is the same walk: its steps for the holiday case, in order.
    let steps: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT w.kind, w.label FROM sla_policies p, \
                LATERAL sla_walk($1, 120, p, '{}', NULL, true) w \
         WHERE p.name = 'Berlin' ORDER BY w.kind = 'due', w.from_at",
    )
    .bind(utc(2026, 12, 24, 15, 0))
    .fetch_all(&pool)
    .await
    .unwrap();
    let kinds: Vec<&str> = steps.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["counted", "holiday", "closed", "closed", "counted", "due"]
    );
    assert_eq!(steps[1].1.as_deref(), Some("Christmas Day"));
}

/// Ages a ticket by `minutes`: its creation and every instant move back together, as if it
/// had been created that much earlier.
async fn age(pool: &PgPool, ticket: Uuid, minutes: i32) {
    sqlx::query(
        "UPDATE tickets SET created_at = created_at - make_interval(mins => $2), \
                due_date = due_date - make_interval(mins => $2), \
                response_due_at = response_due_at - make_interval(mins => $2), \
                resolution_warn_at = resolution_warn_at - make_interval(mins => $2), \
                response_warn_at = response_warn_at - make_interval(mins => $2), \
                first_response_at = first_response_at - make_interval(mins => $2) \
         WHERE id = $1",
    )
    .bind(ticket)
    .bind(minutes)
    .execute(pool)
    .await
    .unwrap();
}

/// Who got which SLA notification on the desktop channel, by username, in a stable order.
async fn told(pool: &PgPool, ticket: Uuid) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT u.username::text, n.type::text FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.ticket_id = $1 AND n.channel = 'IN_APP' AND n.type LIKE 'SLA_%' \
         ORDER BY n.type, u.username",
    )
    .bind(ticket)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn in_department(pool: &PgPool, ids: &[Uuid], department: &str) {
    sqlx::query("UPDATE users SET department = $2 WHERE id = ANY($1)")
        .bind(ids)
        .bind(department)
        .execute(pool)
        .await
        .unwrap();
}

async fn sweep_twice_at_once(pool: &PgPool, other: &PgPool) {
    let (a, b) = tokio::join!(
        ticketdesk::db::sla::sweep(pool),
        ticketdesk::db::sla::sweep(other)
    );
    a.unwrap();
    b.unwrap();
    ticketdesk::db::sla::sweep(pool).await.unwrap();
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_warning_then_the_breach_each_reach_their_people_once(pool: PgPool) {
    let requestor = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let lead = signed_in(&pool, "tom", Role::TeamLead).await;
    let other_lead = signed_in(&pool, "olga", Role::TeamLead).await;
    in_department(&pool, &[requestor.id, lead.id], "Payments").await;
    in_department(&pool, &[other_lead.id], "Search").await;
    let ticket = create(&requestor, new_ticket("Checkout errors", None))
        .await
        .unwrap();
    // Dev takes it and answers (the response), so only the resolution clock runs.
    take(&dev, ticket.id).await;
    move_to(&dev, ticket.id, Status::InProgress).await;

    // P2: 8 h around the clock. At 6 h 10 min, 77 %: nothing.
    age(&pool, ticket.id, 370).await;
    sweep_twice_at_once(&pool, &dev.pool).await;
    assert_eq!(told(&pool, ticket.id).await, []);
    // At 6 h 30 min, 81 %: the assignee is warned, once, whatever races.
    age(&pool, ticket.id, 20).await;
    sweep_twice_at_once(&pool, &dev.pool).await;
    sweep_twice_at_once(&pool, &dev.pool).await;
    assert_eq!(
        told(&pool, ticket.id).await,
        [("dev".to_owned(), "SLA_WARNING".to_owned())],
        "the assignee, not the leads, while someone has it"
    );
    let warned: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT resolution_warned_at FROM tickets WHERE id = $1")
            .bind(ticket.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(warned.is_some());
    // Past the deadline: the breach tells the assignee and the requestor's department's lead
    // (not the other department's), once.
    age(&pool, ticket.id, 120).await;
    sweep_twice_at_once(&pool, &dev.pool).await;
    sweep_twice_at_once(&pool, &dev.pool).await;
    assert_eq!(
        told(&pool, ticket.id).await,
        [
            ("dev".to_owned(), "SLA_BREACH".to_owned()),
            ("tom".to_owned(), "SLA_BREACH".to_owned()),
            ("dev".to_owned(), "SLA_WARNING".to_owned()),
        ]
    );
    // It arrives on the desktop as a native-alert kind.
    let kinds: Vec<String> = crate::helpers::claim(&dev)
        .await
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert!(kinds.contains(&"SLA_WARNING".to_owned()), "{kinds:?}");
    assert!(ticketdesk::notify::desktop::raises_native("SLA_WARNING"));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_unassigned_ticket_warns_its_departments_leads_else_managers_else_admins(pool: PgPool) {
    let requestor = signed_in(&pool, "erin", Role::EndUser).await;
    let admin = signed_in(&pool, "ada", Role::Admin).await;
    in_department(&pool, &[requestor.id], "Payments").await;
    let mut tickets = Vec::new();
    for title in ["No lead yet", "A manager now", "A lead now"] {
        tickets.push(
            create(&requestor, new_ticket(title, None))
                .await
                .unwrap()
                .id,
        );
    }
    let warn_now = |ticket: Uuid| {
        let pool = pool.clone();
        async move {
            // 81 % of P2's 8 h, and of its 30 min response time too.
            age(&pool, ticket, 390).await;
            ticketdesk::db::sla::sweep(&pool).await.unwrap();
            told(&pool, ticket)
                .await
                .into_iter()
                .filter(|(_, kind)| kind == "SLA_WARNING")
                .map(|(who, _)| who)
                .collect::<Vec<_>>()
        }
    };
    let _ = admin;
    // Nobody leads Payments and there is no manager: the admins. (By then the 30 min
    // response time has passed too: that is a breach, not a warning.)
    assert_eq!(warn_now(tickets[0]).await, ["ada"]);
    let manager = signed_in(&pool, "max", Role::Manager).await;
    assert_eq!(warn_now(tickets[1]).await, ["max"]);
    let lead = signed_in(&pool, "tom", Role::TeamLead).await;
    let elsewhere = signed_in(&pool, "olga", Role::TeamLead).await;
    in_department(&pool, &[lead.id], "Payments").await;
    in_department(&pool, &[elsewhere.id], "Search").await;
    assert_eq!(warn_now(tickets[2]).await, ["tom"]);
    let _ = manager;
}

async fn take(desk: &Desk, ticket: Uuid) {
    let mut tx = desk.tx().await;
    ticketdesk::db::ticket_changes::assign(
        &mut tx,
        desk.actor(),
        ticketdesk::db::ticket_changes::Assignment {
            change_id: None,
            ticket_id: ticket,
            version: detail(desk, ticket).await.unwrap().version,
            assignee_id: Some(desk.id),
            reason: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn move_to(desk: &Desk, ticket: Uuid, to: Status) {
    let version = detail(desk, ticket).await.unwrap().version;
    let mut tx = desk.tx().await;
    ticketdesk::db::ticket_changes::change_status(
        &mut tx,
        desk.actor(),
        ticketdesk::db::ticket_changes::StatusChange {
            change_id: None,
            ticket_id: ticket,
            version,
            to,
            reason: None,
            resolution_notes: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("moving to {to}: {e:?}"));
    tx.commit().await.unwrap();
}

async fn policies(desk: &Desk) -> Vec<SlaPolicy> {
    let mut tx = desk.tx().await;
    ticketdesk::db::sla::policies(&mut tx).await.unwrap()
}

async fn save_policy(desk: &Desk, policy: &SlaPolicy) -> Result<Uuid, Error> {
    let mut tx = desk.tx().await;
    let id = ticketdesk::db::sla::save_policy(&mut tx, policy).await?;
    tx.commit().await?;
    Ok(id)
}

async fn save_calendar(desk: &Desk, calendar: &HolidayCalendar) -> Result<Uuid, Error> {
    let mut tx = desk.tx().await;
    let id = ticketdesk::db::sla::save_calendar(&mut tx, calendar).await?;
    tx.commit().await?;
    Ok(id)
}

fn p3(all: &[SlaPolicy]) -> SlaPolicy {
    all.iter()
        .find(|p| p.priority == Priority::P3Medium)
        .cloned()
        .unwrap()
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_calendar_or_policy_change_walks_open_tickets_again_and_says_so(pool: PgPool) {
    let manager = signed_in(&pool, "max", Role::Manager).await;
    let requestor = signed_in(&pool, "erin", Role::EndUser).await;
    let mut medium = new_ticket("Slow builds", None);
    medium.priority = Priority::P3Medium;
    let open = create(&requestor, medium.clone()).await.unwrap();
    let done = create(&requestor, medium).await.unwrap();
    sqlx::query("UPDATE tickets SET status = 'CLOSED' WHERE id = $1")
        .bind(done.id)
        .execute(&pool)
        .await
        .unwrap();
    let due_of = |id: Uuid| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, DateTime<Utc>>("SELECT due_date FROM tickets WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let before = due_of(open.id).await;
    let closed_before = due_of(done.id).await;

    // A calendar with the deadline's day as a holiday, then given to P3.
    let holiday = before.date_naive();
    let calendar_id = save_calendar(
        &manager,
        &HolidayCalendar {
            id: None,
            name: "Ops holidays".into(),
            description: None,
            holidays: vec![Holiday {
                day: holiday,
                label: Some("Company day".into()),
            }],
            updated_at: None,
        },
    )
    .await
    .unwrap();
    let mut policy = p3(&policies(&manager).await);
    policy.calendar_id = Some(calendar_id);
    save_policy(&manager, &policy).await.unwrap();
    let moved = due_of(open.id).await;
    assert!(
        moved > before,
        "the holiday pushes the deadline: {before} → {moved}"
    );
    assert_eq!(
        due_of(done.id).await,
        closed_before,
        "closed tickets keep theirs"
    );
    let reasons: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT change_reason FROM ticket_history WHERE ticket_id = $1 AND field_changed = 'due_date' \
         ORDER BY timestamp",
    )
    .bind(open.id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        reasons,
        [Some(
            "SLA policy \"P3 medium (default)\" changed".to_owned()
        )]
    );

    // The calendar loses the day: back to the first deadline, and the history says why.
    let mut calendar = {
        let mut tx = manager.tx().await;
        ticketdesk::db::sla::calendars(&mut tx)
            .await
            .unwrap()
            .remove(0)
    };
    assert_eq!(calendar.holidays.len(), 1);
    calendar.holidays.clear();
    save_calendar(&manager, &calendar).await.unwrap();
    assert_eq!(due_of(open.id).await, before);
    let last: Option<String> = sqlx::query_scalar(
        "SELECT change_reason FROM ticket_history WHERE ticket_id = $1 AND field_changed = 'due_date' \
         ORDER BY timestamp DESC LIMIT 1",
    )
    .bind(open.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        last.as_deref(),
        Some("Holiday calendar \"Ops holidays\" changed")
    );
    // Saving with the version read before is refused: someone (this very save) changed it.
    assert!(matches!(
        save_calendar(&manager, &calendar).await,
        Err(Error::Conflict(_))
    ));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn only_managers_and_admins_keep_policies_and_bad_ones_are_refused_with_reasons(
    pool: PgPool,
) {
    let engineer = signed_in(&pool, "dev", Role::SeniorEngineer).await;
    let lead = signed_in(&pool, "tom", Role::TeamLead).await;
    let manager = signed_in(&pool, "max", Role::Manager).await;
    let admin = signed_in(&pool, "ada", Role::Admin).await;
    let mut fresh = p3(&policies(&engineer).await);
    fresh.id = None;
    fresh.updated_at = None;
    fresh.name = "P3 weekend shift".into();
    fresh.category = Some(Category::DatabaseIssue);
    for desk in [&engineer, &lead] {
        assert!(
            matches!(save_policy(desk, &fresh).await, Err(Error::Forbidden(_))),
            "{:?} may not",
            desk.role
        );
        let calendar = HolidayCalendar {
            id: None,
            name: "Mine".into(),
            description: None,
            holidays: vec![],
            updated_at: None,
        };
        assert!(matches!(
            save_calendar(desk, &calendar).await,
            Err(Error::Forbidden(_))
        ));
    }
    // Positive controls: a manager and an admin may.
    save_policy(&manager, &fresh).await.unwrap();
    let mut another = fresh.clone();
    another.category = Some(Category::SecurityIssue);
    save_policy(&admin, &another).await.unwrap();

    let refused = |change: fn(&mut SlaPolicy)| {
        let mut policy = fresh.clone();
        policy.category = Some(Category::MonitoringAlert);
        change(&mut policy);
        let manager = &manager;
        async move {
            match save_policy(manager, &policy).await {
                Err(Error::Validation(message)) => message,
                other => panic!("expected a validation error, got {other:?}"),
            }
        }
    };
    assert_eq!(
        refused(|p| p.response_time_minutes = -5).await,
        "The response time must be a positive number of minutes."
    );
    assert_eq!(
        refused(|p| p.resolution_time_minutes = 10).await,
        "The resolution time must be longer than the response time."
    );
    assert_eq!(
        refused(|p| p.business_end_hour = 9).await,
        "The end hour (9) must be after the start hour (9)."
    );
    assert_eq!(
        refused(|p| p.time_zone = "Mars/Olympus".into()).await,
        "Unknown time zone \"Mars/Olympus\"."
    );
    // The same priority and category, overlapping days: the first save's policy is in the way.
    let overlapping = refused(|p| p.category = Some(Category::DatabaseIssue)).await;
    assert!(
        overlapping.starts_with("It overlaps policy \"P3 weekend shift\""),
        "{overlapping}"
    );
    // Control: ending the first one the day before lets the second start.
    let mut first = policies(&manager)
        .await
        .into_iter()
        .find(|p| p.category == Some(Category::DatabaseIssue))
        .unwrap();
    first.effective_until = Some(first.effective_from);
    save_policy(&manager, &first).await.unwrap();
    let mut next = fresh.clone();
    next.effective_from = first.effective_from.succ_opt().unwrap();
    save_policy(&manager, &next).await.unwrap();
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_desktop_cannot_write_deadlines_pauses_policies_or_calendars(pool: PgPool) {
    let manager = signed_in(&pool, "max", Role::Manager).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let ticket = create(&manager, new_ticket("Pager storm", Some(dev.id)))
        .await
        .unwrap();
    for sql in [
        "UPDATE tickets SET due_date = now() + interval '1 year', response_due_at = NULL, \
                resolution_warned_at = now() WHERE id = $1",
        "INSERT INTO sla_pauses (ticket_id, started_at, ended_at, business_minutes) \
         VALUES ($1, now() - interval '1 year', now(), 525600)",
        "UPDATE sla_policies SET resolution_time_minutes = 999999 WHERE $1 IS NOT NULL",
        "INSERT INTO sla_calendars (name) SELECT 'Mine' WHERE $1 IS NOT NULL",
        "INSERT INTO sla_holidays (calendar_id, day) \
         SELECT id, CURRENT_DATE FROM sla_calendars WHERE $1 IS NOT NULL",
    ] {
        let mut tx = manager.tx().await;
        let denied = sqlx::query(sql)
            .bind(ticket.id)
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert_eq!(
            denied.as_database_error().and_then(|e| e.code()).as_deref(),
            Some("42501"),
            "{sql}"
        );
    }
    // Positive controls, through the API: a pause comes from asking for information, a
    // policy from the manager's save.
    move_to(&dev, ticket.id, Status::InProgress).await;
    move_to(&dev, ticket.id, Status::PendingInfo).await;
    let paused: i64 = sqlx::query_scalar("SELECT count(*) FROM sla_pauses WHERE ticket_id = $1")
        .bind(ticket.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(paused, 1);
    let mut policy = p3(&policies(&manager).await);
    policy.resolution_time_minutes += 60;
    save_policy(&manager, &policy).await.unwrap();
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_why_is_the_walk_that_set_the_deadline(pool: PgPool) {
    let requestor = signed_in(&pool, "erin", Role::EndUser).await;
    let stranger = signed_in(&pool, "sam", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let ticket = create(&requestor, new_ticket("VPN drops", None))
        .await
        .unwrap();
    take(&dev, ticket.id).await;
    age(&pool, ticket.id, 120).await;
    move_to(&dev, ticket.id, Status::PendingInfo).await;
    sqlx::query("UPDATE sla_pauses SET started_at = now() - interval '65 minutes'")
        .execute(&pool)
        .await
        .unwrap();
    move_to(&dev, ticket.id, Status::InProgress).await;

    let walk_of = |desk: &Desk| {
        let desk_pool = desk.pool.clone();
        let token = desk.signed_in.tokens.session_token.clone();
        async move {
            let mut tx = ticketdesk::db::auth::begin_as(&desk_pool, &token)
                .await
                .unwrap();
            ticketdesk::db::sla::walk(&mut tx, ticket.id).await.unwrap()
        }
    };
    let walk = walk_of(&requestor).await.expect("her own ticket");
    let stored: DateTime<Utc> = sqlx::query_scalar("SELECT due_date FROM tickets WHERE id = $1")
        .bind(ticket.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let resolution = walk
        .deadlines
        .iter()
        .find(|d| d.kind == "resolution")
        .unwrap();
    let due_step = resolution
        .steps
        .iter()
        .find(|s| s.kind == StepKind::Due)
        .unwrap();
    // The policy's zone is UTC: the walk's end is the stored deadline, to the second.
    assert_eq!(
        due_step.to_local.and_utc().timestamp(),
        stored.timestamp(),
        "the explanation's deadline is the stored one"
    );
    assert_eq!(resolution.state, Some(SlaState::Ok));
    let explained = ticketdesk::domain::sla::explain(&walk);
    let summary = &explained.deadlines[1].summary;
    assert!(
        summary.starts_with("policy P2 high (default): 8 h around the clock; "),
        "{summary}"
    );
    assert!(
        summary.contains("paused 1 h 05 min while pending info"),
        "{summary}"
    );
    let response = &explained.deadlines[0];
    assert_eq!(
        response.state,
        Some(SlaState::Met),
        "dev's move was the response"
    );
    // Another requestor learns nothing, as if the ticket did not exist.
    assert!(walk_of(&stranger).await.is_none());
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_queue_shows_the_next_deadline_and_sorts_due_soonest(pool: PgPool) {
    use ticketdesk::domain::ticket::{QueueQuery, QueueSort};
    let requestor = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let mut ids = Vec::new();
    for (title, priority) in [
        ("Low", Priority::P4Low),
        ("Critical", Priority::P1Critical),
        ("High", Priority::P2High),
        ("Done", Priority::P1Critical),
    ] {
        let mut ticket = new_ticket(title, None);
        ticket.priority = priority;
        ids.push(create(&requestor, ticket).await.unwrap().id);
    }
    let (low, critical, high, done) = (ids[0], ids[1], ids[2], ids[3]);
    sqlx::query("UPDATE tickets SET status = 'CLOSED' WHERE id = $1")
        .bind(done)
        .execute(&pool)
        .await
        .unwrap();
    // The critical one is answered: its next deadline is the resolution (4 h), which is later
    // than the high one's response (30 min).
    take(&dev, critical).await;
    move_to(&dev, critical, Status::InProgress).await;
    // The high one has used 81 % of its response time: warning.
    age(&pool, high, 25).await;

    let page = |after: Option<String>| {
        let dev = &dev;
        async move {
            crate::helpers::queue(
                dev,
                &QueueQuery {
                    sort: QueueSort::Due,
                    limit: Some(2),
                    after,
                    ..QueueQuery::default()
                },
            )
            .await
            .unwrap()
        }
    };
    let first = page(None).await;
    let order: Vec<Uuid> = first.tickets.iter().map(|t| t.id).collect();
    assert_eq!(order, [high, critical], "soonest first");
    let high_sla = first.tickets[0].sla.clone().unwrap();
    assert_eq!(high_sla.deadline, "response");
    assert_eq!(high_sla.state, SlaState::Warning);
    let critical_sla = first.tickets[1].sla.clone().unwrap();
    assert_eq!(critical_sla.deadline, "resolution");
    assert_eq!(critical_sla.state, SlaState::Ok);
    // The keyset carries on: the P4's response (1 business day), then the closed one, last.
    let second = page(first.next_cursor).await;
    let order: Vec<Uuid> = second.tickets.iter().map(|t| t.id).collect();
    assert_eq!(order, [low, done]);
    assert_eq!(
        second.tickets[1].sla.as_ref().map(|s| s.state),
        Some(SlaState::Met),
        "closed in time"
    );
    assert!(second.next_cursor.is_none());
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_cli_keeps_calendars_and_policies_through_the_same_api(pool: PgPool) {
    use ticketdesk::cli::sla::{run, SlaAction};
    let password = crate::helpers::DESK_PASSWORD;
    crate::helpers::user_with_password(&pool, "max", Role::Manager, password).await;
    crate::helpers::user_with_password(&pool, "dev", Role::DevopsEngineer, password).await;
    let dir = std::env::temp_dir().join(format!("ticketdesk-sla-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("calendar.json");
    std::fs::write(
        &file,
        r#"{"id": null, "name": "Germany", "description": null, "updated_at": null,
            "holidays": [{"day": "2026-12-24", "label": "Christmas Eve"}]}"#,
    )
    .unwrap();
    let save = SlaAction::SaveCalendar { file: file.clone() };

    // An engineer is refused by the database, with its words.
    let refused = run(&pool, "dev", password, None, save.clone())
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "Only managers and admins may change SLA policies and calendars."
    );
    // The manager may; the list shows it.
    let saved = run(&pool, "max", password, None, save).await.unwrap();
    assert!(saved.starts_with("saved calendar "), "{saved}");
    let listed = run(
        &pool,
        "max",
        password,
        None,
        SlaAction::Calendars { json: false },
    )
    .await
    .unwrap();
    assert_eq!(listed, "Germany (1 days)\n  Thu 2026-12-24 Christmas Eve");

    // A bad policy: the server's message, nothing stored.
    let mut policy: serde_json::Value = serde_json::from_str(
        &run(
            &pool,
            "max",
            password,
            None,
            SlaAction::Policies { json: true },
        )
        .await
        .unwrap(),
    )
    .unwrap();
    let mut p3 = policy
        .as_array_mut()
        .unwrap()
        .iter()
        .find(|p| p["priority"] == "P3_MEDIUM")
        .unwrap()
        .clone();
    p3["time_zone"] = "Mars/Olympus".into();
    let bad = dir.join("policy.json");
    std::fs::write(&bad, p3.to_string()).unwrap();
    let refused = run(
        &pool,
        "max",
        password,
        None,
        SlaAction::SavePolicy { file: bad },
    )
    .await
    .unwrap_err();
    assert_eq!(refused.to_string(), "Unknown time zone \"Mars/Olympus\".");
    let zones: Vec<String> = sqlx::query_scalar("SELECT time_zone FROM sla_policies")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(zones.iter().all(|z| z == "UTC"), "{zones:?}");
    // Control: the same policy with a real zone is saved.
    p3["time_zone"] = "Europe/Berlin".into();
    let good = dir.join("policy-ok.json");
    std::fs::write(&good, p3.to_string()).unwrap();
    run(
        &pool,
        "max",
        password,
        None,
        SlaAction::SavePolicy { file: good },
    )
    .await
    .unwrap();
    let listed = run(
        &pool,
        "max",
        password,
        None,
        SlaAction::Policies { json: false },
    )
    .await
    .unwrap();
    assert!(
        listed.contains("P3 medium (default) · P3_MEDIUM · all categories · response 2 h, resolution 24 h · Mon–Fri 09:00–17:00 Europe/Berlin"),
        "{listed}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
