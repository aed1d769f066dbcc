//! The SLA clock (deadlines the database sets) and the breach sweep (SPEC §5).

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgPool;
use ticketdesk::db::ticket_changes::PriorityChange;
use ticketdesk::db::ticket_changes::StatusChange;
use ticketdesk::domain::ticket::{Priority, Status};
use ticketdesk::domain::user::Role;
use uuid::Uuid;

use crate::helpers::{claim, create, detail, new_ticket, signed_in, Desk};

async fn sla_of(pool: &PgPool, ticket: Uuid) -> (Option<String>, DateTime<Utc>, DateTime<Utc>) {
    sqlx::query_as(
        "SELECT p.name, t.due_date, t.created_at FROM tickets t \
         LEFT JOIN sla_policies p ON p.id = t.sla_policy_id WHERE t.id = $1",
    )
    .bind(ticket)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The deadline `minutes` after `start` under the named policy.
async fn deadline(
    pool: &PgPool,
    policy: &str,
    start: DateTime<Utc>,
    minutes: i32,
) -> DateTime<Utc> {
    sqlx::query_scalar("SELECT sla_deadline($1, $2, p, '{}') FROM sla_policies p WHERE p.name = $3")
        .bind(start)
        .bind(minutes)
        .bind(policy)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

const P3: &str = "P3 medium (default)";

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_new_ticket_gets_its_policy_and_deadline(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    // P2 runs around the clock: 8 hours of wall-clock time.
    let ticket = create(&dev, new_ticket("VPN down", None)).await.unwrap();
    let (policy, due, created) = sla_of(&pool, ticket.id).await;
    assert_eq!(policy.as_deref(), Some("P2 high (default)"));
    assert_eq!(due - created, chrono::TimeDelta::hours(8));

    // A category's own policy beats the catch-all.
    sqlx::query(
        "INSERT INTO sla_policies (name, priority, category, response_time_minutes, \
                                   resolution_time_minutes, effective_from, business_hours_only) \
         VALUES ('P2 network', 'P2_HIGH', 'NETWORK_ISSUE', 10, 60, DATE '2025-01-01', FALSE)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let ticket = create(&dev, new_ticket("Switch flapping", None))
        .await
        .unwrap();
    let (policy, due, created) = sla_of(&pool, ticket.id).await;
    assert_eq!(policy.as_deref(), Some("P2 network"));
    assert_eq!(due - created, chrono::TimeDelta::hours(1));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn business_hours_count_only_working_time(pool: PgPool) {
    // P3: 9–17 on weekdays, UTC. Friday 16:30 plus one hour is Monday 9:30.
    let friday = utc(2026, 11, 27, 16, 30);
    assert_eq!(
        deadline(&pool, P3, friday, 60).await,
        utc(2026, 11, 30, 9, 30)
    );
    // Before opening on a Saturday: the clock starts on Monday at 9.
    let saturday = utc(2026, 11, 28, 8, 0);
    assert_eq!(
        deadline(&pool, P3, saturday, 30).await,
        utc(2026, 11, 30, 9, 30)
    );
    // 24 business hours from Monday 9:00 are three working days: Wednesday 17:00.
    let monday = utc(2026, 11, 30, 9, 0);
    assert_eq!(
        deadline(&pool, P3, monday, 1440).await,
        utc(2026, 12, 2, 17, 0)
    );
    // Exactly at closing time the next minute falls on the next working day.
    let closing = utc(2026, 11, 30, 17, 0);
    assert_eq!(
        deadline(&pool, P3, closing, 1).await,
        utc(2026, 12, 1, 9, 1)
    );

    // With weekends, Saturday counts.
    sqlx::query("UPDATE sla_policies SET include_weekends = TRUE WHERE name = $1")
        .bind(P3)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        deadline(&pool, P3, friday, 60).await,
        utc(2026, 11, 28, 9, 30)
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn business_hours_are_local_to_the_policys_time_zone(pool: PgPool) {
    sqlx::query("UPDATE sla_policies SET time_zone = 'Europe/Berlin' WHERE name = $1")
        .bind(P3)
        .execute(&pool)
        .await
        .unwrap();
    // 07:00 UTC is 08:00 in Berlin (winter): the day opens at 9 Berlin = 08:00 UTC.
    let early = utc(2026, 11, 26, 7, 0);
    assert_eq!(
        deadline(&pool, P3, early, 60).await,
        utc(2026, 11, 26, 9, 0)
    );
    // Across the switch to summer time (29 March 2026): Friday 16:30 Berlin (15:30 UTC)
    // plus an hour is Monday 9:30 Berlin, now 07:30 UTC.
    let before_switch = utc(2026, 3, 27, 15, 30);
    assert_eq!(
        deadline(&pool, P3, before_switch, 60).await,
        utc(2026, 3, 30, 7, 30)
    );

    let refused =
        sqlx::query("UPDATE sla_policies SET time_zone = 'Mars/Olympus_Mons' WHERE name = $1")
            .bind(P3)
            .execute(&pool)
            .await
            .expect_err("an unknown time zone is refused");
    assert_eq!(
        refused.as_database_error().and_then(|e| e.constraint()),
        Some("chk_sla_time_zone")
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_desktop_cannot_choose_its_own_deadline(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let far: DateTime<Utc> = utc(2099, 1, 1, 0, 0);
    let p4_policy: Uuid =
        sqlx::query_scalar("SELECT id FROM sla_policies WHERE priority = 'P4_LOW'")
            .fetch_one(&pool)
            .await
            .unwrap();
    // The table is out of reach (issue 13), and the API takes no deadline or policy.
    for sql in [
        "INSERT INTO tickets (ticket_number, title, description, category, priority, status, \
                              requestor_id, sla_policy_id, due_date) \
         VALUES ('TKT-0-00000', 'Mine', 'Later', 'NETWORK_ISSUE', 'P1_CRITICAL', 'NEW', $1, \
                 $3, $2)",
        "UPDATE tickets SET due_date = $2, sla_breach = TRUE, sla_policy_id = $3 \
         WHERE requestor_id = $1",
    ] {
        let mut tx = dev.tx().await;
        let denied = sqlx::query(sql)
            .bind(dev.id)
            .bind(far)
            .bind(p4_policy)
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert_eq!(
            denied.as_database_error().and_then(|e| e.code()).as_deref(),
            Some("42501"),
            "{sql}"
        );
    }
    let mut tx = dev.tx().await;
    let id: Uuid = sqlx::query_scalar(
        "SELECT id FROM api.create_ticket('Mine', 'Later', 'NETWORK_ISSUE', 'P1_CRITICAL', NULL, NULL)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (policy, due, created) = sla_of(&pool, id).await;
    assert_eq!(policy.as_deref(), Some("P1 critical (default)"));
    assert_eq!(due - created, chrono::TimeDelta::hours(4));
    let breached: bool = sqlx::query_scalar("SELECT sla_breach FROM tickets WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!breached);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_priority_change_moves_the_deadline(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let ticket = create(&lead, new_ticket("Database slow", None))
        .await
        .unwrap();
    let mut tx = lead.tx().await;
    ticketdesk::db::ticket_changes::change_priority(
        &mut tx,
        lead.actor(),
        PriorityChange {
            change_id: None,
            ticket_id: ticket.id,
            version: 1,
            priority: Priority::P1Critical,
            reason: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (policy, due, created) = sla_of(&pool, ticket.id).await;
    assert_eq!(policy.as_deref(), Some("P1 critical (default)"));
    assert_eq!(due - created, chrono::TimeDelta::hours(4));
}

/// Moves a ticket's deadline (as the owner: no desktop may) to `minutes` from now.
/// Ages a ticket so that its resolution deadline is `minutes` from now: as if it had been
/// created that much earlier (its clock is walked again from creation when a pause ends).
async fn due_in(pool: &PgPool, ticket: Uuid, minutes: i64) {
    sqlx::query(
        "UPDATE tickets SET created_at = created_at + d.shift, due_date = due_date + d.shift, \
                resolution_warn_at = resolution_warn_at + d.shift \
         FROM (SELECT id, now() + make_interval(mins => $2) - due_date AS shift FROM tickets) d \
         WHERE tickets.id = $1 AND d.id = tickets.id",
    )
    .bind(ticket)
    .bind(minutes as i32)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_sweep_flags_each_breach_once_and_tells_the_assignee(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let late = create(&lead, new_ticket("Late", Some(dev.id)))
        .await
        .unwrap();
    let on_time = create(&lead, new_ticket("On time", Some(dev.id)))
        .await
        .unwrap();
    let resolved = create(&lead, new_ticket("Done", Some(dev.id)))
        .await
        .unwrap();
    due_in(&pool, late.id, -1).await;
    // 200 min left of 480: not yet at the 80 % warning either.
    due_in(&pool, on_time.id, 200).await;
    due_in(&pool, resolved.id, -1).await;
    sqlx::query("UPDATE tickets SET status = 'RESOLVED', resolution_notes = 'Fixed' WHERE id = $1")
        .bind(resolved.id)
        .execute(&pool)
        .await
        .unwrap();
    claim(&dev).await; // the assignments

    // Swept from the assignee's own desktop: still told, the sweep acts for nobody.
    let flagged = ticketdesk::db::sla::sweep(&dev.pool).await.unwrap();
    assert_eq!(flagged, Some(1));
    let (breached, at, due): (bool, Option<DateTime<Utc>>, DateTime<Utc>) =
        sqlx::query_as("SELECT sla_breach, sla_breach_time, due_date FROM tickets WHERE id = $1")
            .bind(late.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(breached);
    assert_eq!(at, Some(due), "the breach time is the deadline missed");
    let told = claim(&dev).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].kind, "SLA_BREACH");
    assert_eq!(told[0].ticket_id, Some(late.id));

    // Once: the next sweep finds nothing new.
    assert_eq!(ticketdesk::db::sla::sweep(&pool).await.unwrap(), Some(0));
    assert!(claim(&dev).await.is_empty());
    let flagged: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM tickets WHERE sla_breach")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(flagged, vec![late.id]);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn one_sweep_runs_at_a_time(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let mut first = pool.begin().await.unwrap();
    assert_eq!(
        ticketdesk::db::sla::sweep(&mut *first).await.unwrap(),
        Some(0)
    );
    // The first sweep's transaction holds the lock: another desktop's returns at once.
    assert_eq!(ticketdesk::db::sla::sweep(&dev.pool).await.unwrap(), None);
    first.commit().await.unwrap();
    assert_eq!(
        ticketdesk::db::sla::sweep(&dev.pool).await.unwrap(),
        Some(0)
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_periodic_sweep_flags_a_breach_without_being_asked(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let ticket = create(&dev, new_ticket("Overdue", Some(dev.id)))
        .await
        .unwrap();
    due_in(&pool, ticket.id, -5).await;
    let sweeps = tokio::spawn(ticketdesk::db::sla::sweep_every(
        dev.pool.clone(),
        Duration::from_millis(50),
    ));
    let mut breached = false;
    for _ in 0..100 {
        breached = sqlx::query_scalar("SELECT sla_breach FROM tickets WHERE id = $1")
            .bind(ticket.id)
            .fetch_one(&pool)
            .await
            .unwrap();
        if breached {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sweeps.abort();
    assert!(breached, "flagged within five seconds");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn sweeps_go_in_batches_and_skip_tickets_being_saved(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let mut overdue = Vec::new();
    for minutes in [-30, -20, -10] {
        let ticket = create(&dev, new_ticket("Overdue", None)).await.unwrap();
        due_in(&pool, ticket.id, minutes).await;
        overdue.push(ticket.id);
    }
    let breached = |pool: PgPool| async move {
        sqlx::query_scalar::<_, Uuid>("SELECT id FROM tickets WHERE sla_breach ORDER BY due_date")
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    // Someone is saving the most overdue ticket right now: the sweep does not wait for them.
    let mut saving = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE")
        .bind(overdue[0])
        .execute(&mut *saving)
        .await
        .unwrap();
    let batch_of_one: Option<i32> = sqlx::query_scalar("SELECT api.sla_sweep(1)")
        .fetch_one(&dev.pool)
        .await
        .unwrap();
    assert_eq!(batch_of_one, Some(1));
    assert_eq!(
        breached(pool.clone()).await,
        vec![overdue[1]],
        "most overdue unlocked first"
    );
    assert_eq!(
        ticketdesk::db::sla::sweep(&dev.pool).await.unwrap(),
        Some(1)
    );
    assert_eq!(breached(pool.clone()).await, overdue[1..].to_vec());
    saving.commit().await.unwrap();
    assert_eq!(
        ticketdesk::db::sla::sweep(&dev.pool).await.unwrap(),
        Some(1)
    );
    assert_eq!(breached(pool.clone()).await, overdue);
}

/// Moves `ticket` to `to` through the app's status change, at its current version.
async fn move_to(desk: &Desk, ticket: Uuid, to: Status, notes: Option<&str>) {
    let version = detail(desk, ticket).await.unwrap().version;
    let mut tx = desk.tx().await;
    let change = StatusChange {
        change_id: None,
        ticket_id: ticket,
        version,
        to,
        reason: None,
        resolution_notes: notes.map(str::to_owned),
    };
    ticketdesk::db::ticket_changes::change_status(&mut tx, desk.actor(), change)
        .await
        .unwrap_or_else(|e| panic!("moving to {to}: {e:?}"));
    tx.commit().await.unwrap();
}

/// A ticket's pauses as the owner sees them: (business minutes, still open).
async fn pauses(pool: &PgPool, ticket: Uuid) -> Vec<(Option<i32>, bool)> {
    sqlx::query_as(
        "SELECT business_minutes, ended_at IS NULL FROM sla_pauses \
         WHERE ticket_id = $1 ORDER BY started_at",
    )
    .bind(ticket)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Business minutes between two instants under the named policy (the pause's measure).
async fn business_minutes(
    pool: &PgPool,
    policy: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> i32 {
    sqlx::query_scalar(
        "SELECT sla_business_minutes($1, $2, p) FROM sla_policies p WHERE p.name = $3",
    )
    .bind(from)
    .bind(to)
    .bind(policy)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn business_minutes_count_what_the_deadline_counts(pool: PgPool) {
    // P3: 9-17 on weekdays, UTC. Friday 16:00 to Monday 10:00: one hour each side.
    assert_eq!(
        business_minutes(
            &pool,
            P3,
            utc(2026, 11, 27, 16, 0),
            utc(2026, 11, 30, 10, 0)
        )
        .await,
        120
    );
    // Spanning closing time on a weekday, and nothing at all over a weekend.
    assert_eq!(
        business_minutes(
            &pool,
            P3,
            utc(2026, 11, 30, 16, 30),
            utc(2026, 12, 1, 9, 15)
        )
        .await,
        45
    );
    assert_eq!(
        business_minutes(&pool, P3, utc(2026, 11, 28, 8, 0), utc(2026, 11, 29, 20, 0)).await,
        0
    );
    // Backwards is nothing; around the clock (P2) is wall-clock minutes.
    assert_eq!(
        business_minutes(&pool, P3, utc(2026, 12, 1, 12, 0), utc(2026, 12, 1, 10, 0)).await,
        0
    );
    assert_eq!(
        business_minutes(
            &pool,
            "P2 high (default)",
            utc(2026, 11, 28, 8, 0),
            utc(2026, 11, 28, 10, 5)
        )
        .await,
        125
    );
    // The inverse of the deadline: the deadline of N minutes is N business minutes away.
    let start = utc(2026, 11, 27, 15, 10);
    let due = deadline(&pool, P3, start, 600).await;
    assert_eq!(business_minutes(&pool, P3, start, due).await, 600);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn asking_for_information_pauses_the_clock_and_the_deadline_moves_by_the_pause(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    // P2 runs around the clock, so the pause's business time is its wall-clock time.
    let waiting = create(&lead, new_ticket("Which VPN profile?", Some(dev.id)))
        .await
        .unwrap();
    let working = create(&lead, new_ticket("Disk alarms", Some(dev.id)))
        .await
        .unwrap();
    move_to(&dev, waiting.id, Status::PendingInfo, None).await;
    assert_eq!(
        pauses(&pool, waiting.id).await,
        vec![(None, true)],
        "a pause opens"
    );
    assert!(
        pauses(&pool, working.id).await.is_empty(),
        "control: no pause without PENDING_INFO"
    );

    // Both past their deadline: the paused one is not a breach, the working one is.
    due_in(&pool, waiting.id, -1).await;
    due_in(&pool, working.id, -1).await;
    assert_eq!(ticketdesk::db::sla::sweep(&pool).await.unwrap(), Some(1));
    let breached: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM tickets WHERE sla_breach")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(breached, vec![working.id], "a paused ticket never breaches");

    // The pause began 2 h 05 min ago, before the deadline (now - 1 min): leaving it moves the
    // deadline by exactly that.
    sqlx::query(
        "UPDATE sla_pauses SET started_at = now() - interval '125 minutes' \
         WHERE ticket_id = $1",
    )
    .bind(waiting.id)
    .execute(&pool)
    .await
    .unwrap();
    let (_, due_before, _) = sla_of(&pool, waiting.id).await;
    move_to(&dev, waiting.id, Status::InProgress, None).await;
    assert_eq!(pauses(&pool, waiting.id).await, vec![(Some(125), false)]);
    let (_, due_after, _) = sla_of(&pool, waiting.id).await;
    let paused: chrono::TimeDelta = sqlx::query_scalar::<_, sqlx::postgres::types::PgInterval>(
        "SELECT ended_at - started_at FROM sla_pauses WHERE ticket_id = $1",
    )
    .bind(waiting.id)
    .fetch_one(&pool)
    .await
    .map(|i| chrono::TimeDelta::microseconds(i.microseconds))
    .unwrap();
    assert!(paused >= chrono::TimeDelta::minutes(125) && paused < chrono::TimeDelta::minutes(126));
    assert_eq!(due_after - due_before, paused, "moved by exactly the pause");
    // The timeline says the deadline moved, and why, by whom.
    let moved: Vec<(Option<Uuid>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT user_id, new_value, change_reason FROM ticket_history \
         WHERE ticket_id = $1 AND field_changed = 'due_date'",
    )
    .bind(waiting.id)
    .fetch_all(&pool)
    .await
    .unwrap();
    let shown = format!("\"{}\"", due_after.format("%Y-%m-%d %H:%M UTC"));
    assert_eq!(
        moved,
        vec![(
            Some(dev.id),
            Some(shown),
            Some("SLA clock paused 2 h 05 min while pending info".to_owned())
        )]
    );
    assert_eq!(
        ticketdesk::db::sla::sweep(&pool).await.unwrap(),
        Some(0),
        "resumed with time left: no breach"
    );

    // A later priority change recomputes from creation and keeps the pause.
    let mut tx = lead.tx().await;
    ticketdesk::db::ticket_changes::change_priority(
        &mut tx,
        lead.actor(),
        PriorityChange {
            change_id: None,
            ticket_id: waiting.id,
            version: detail(&lead, waiting.id).await.unwrap().version,
            priority: Priority::P1Critical,
            reason: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // P1's 4 h ended long before the pause began (8 h 01 min after creation), so the pause
    // moves nothing: the walk from creation reaches the deadline first.
    let (policy, due, created) = sla_of(&pool, waiting.id).await;
    assert_eq!(policy.as_deref(), Some("P1 critical (default)"));
    assert_eq!(due - created, chrono::TimeDelta::minutes(4 * 60));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_deadline_passed_before_the_pause_does_not_move(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let late = create(&lead, new_ticket("Late already", Some(dev.id)))
        .await
        .unwrap();
    due_in(&pool, late.id, -30).await;
    move_to(&dev, late.id, Status::PendingInfo, None).await;
    sqlx::query("UPDATE sla_pauses SET started_at = now() - interval '10 minutes'")
        .execute(&pool)
        .await
        .unwrap();
    let (_, due_before, _) = sla_of(&pool, late.id).await;
    move_to(&dev, late.id, Status::InProgress, None).await;
    let (_, due_after, _) = sla_of(&pool, late.id).await;
    assert_eq!(due_after, due_before, "waiting cannot undo a breach");
    let moved: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ticket_history WHERE field_changed = 'due_date'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(moved, 0, "no deadline moved, none said to");
    assert_eq!(
        pauses(&pool, late.id).await,
        vec![(Some(10), false)],
        "the pause is still recorded"
    );
    assert_eq!(ticketdesk::db::sla::sweep(&pool).await.unwrap(), Some(1));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn resolved_tickets_close_themselves_after_seven_days(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let old = create(&lead, new_ticket("Fixed last week", Some(dev.id)))
        .await
        .unwrap();
    let recent = create(&lead, new_ticket("Fixed this week", Some(dev.id)))
        .await
        .unwrap();
    for t in [old.id, recent.id] {
        move_to(&dev, t, Status::InProgress, None).await;
        move_to(&dev, t, Status::Resolved, Some("Replaced the disk")).await;
    }
    for (t, days) in [(old.id, 8), (recent.id, 6)] {
        sqlx::query(
            "UPDATE tickets SET resolved_at = now() - make_interval(days => $2) WHERE id = $1",
        )
        .bind(t)
        .bind(days)
        .execute(&pool)
        .await
        .unwrap();
    }
    assert_eq!(
        ticketdesk::db::sla::sweep(&dev.pool).await.unwrap(),
        Some(1)
    );
    let statuses: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, status FROM tickets WHERE id = ANY($1) ORDER BY created_at")
            .bind(vec![old.id, recent.id])
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        statuses,
        vec![
            (old.id, "CLOSED".to_owned()),
            (recent.id, "RESOLVED".to_owned())
        ],
        "only the ticket resolved over 7 days ago closes"
    );
    let (by, reason): (Option<Uuid>, Option<String>) = sqlx::query_as(
        "SELECT user_id, change_reason FROM ticket_history \
         WHERE ticket_id = $1 AND action = 'CLOSED'",
    )
    .bind(old.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        by, None,
        "closed by the server, not by the desktop that swept"
    );
    assert!(
        reason
            .as_deref()
            .unwrap_or_default()
            .contains("resolved 7 days ago"),
        "the history says why: {reason:?}"
    );
    assert_eq!(
        ticketdesk::db::sla::sweep(&pool).await.unwrap(),
        Some(0),
        "once"
    );
}

async fn comment(desk: &Desk, ticket: Uuid, internal: bool) {
    let mut tx = desk.tx().await;
    let input = ticketdesk::domain::ticket::NewComment {
        id: Uuid::new_v4(),
        ticket_id: ticket,
        content: "a comment".into(),
        is_internal: internal,
    };
    ticketdesk::db::comments::add(&mut tx, desk.actor(), input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// (response deadline, first response, response breached) as the owner sees them.
async fn response_of(
    pool: &PgPool,
    ticket: Uuid,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>, bool) {
    sqlx::query_as(
        "SELECT response_due_at, first_response_at, response_breach FROM tickets WHERE id = $1",
    )
    .bind(ticket)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_response_is_the_first_public_word_or_move_of_someone_else(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    // P2 runs around the clock: the response is due 30 minutes after creation.
    let by_comment = create(&erin, new_ticket("VPN drops", None)).await.unwrap();
    let by_move = create(&erin, new_ticket("VPN slow", None)).await.unwrap();
    let (due, responded, breached) = response_of(&pool, by_comment.id).await;
    let (_, _, created) = sla_of(&pool, by_comment.id).await;
    assert_eq!(
        due.map(|d| d - created),
        Some(chrono::TimeDelta::minutes(30))
    );
    assert_eq!((responded, breached), (None, false));

    // Not a response: the requestor's own comment, an engineer's internal note.
    comment(&erin, by_comment.id, false).await;
    comment(&dev, by_comment.id, true).await;
    assert_eq!(response_of(&pool, by_comment.id).await.1, None);
    // The engineer's public comment is.
    comment(&dev, by_comment.id, false).await;
    let (_, responded, breached) = response_of(&pool, by_comment.id).await;
    assert!(
        responded.is_some(),
        "a public comment by an engineer is the response"
    );
    assert!(!breached, "in time");

    // A status change by an engineer is a response too; the requestor's own move is not.
    move_to(&dev, by_move.id, Status::InProgress, None).await;
    let (_, responded, _) = response_of(&pool, by_move.id).await;
    assert!(
        responded.is_some(),
        "an engineer's status change is the response"
    );
    let first = responded;
    comment(&dev, by_move.id, false).await;
    assert_eq!(
        response_of(&pool, by_move.id).await.1,
        first,
        "the first response stays"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_missing_response_is_flagged_once_and_the_assignee_told(pool: PgPool) {
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let silent = create(&lead, new_ticket("Nobody answered", Some(dev.id)))
        .await
        .unwrap();
    let answered = create(&lead, new_ticket("Answered", Some(dev.id)))
        .await
        .unwrap();
    comment(&dev, answered.id, false).await;
    for t in [silent.id, answered.id] {
        sqlx::query(
            "UPDATE tickets SET response_due_at = now() - interval '1 minute' WHERE id = $1",
        )
        .bind(t)
        .execute(&pool)
        .await
        .unwrap();
    }
    claim(&dev).await; // the assignments
    assert_eq!(ticketdesk::db::sla::sweep(&pool).await.unwrap(), Some(1));
    assert!(
        response_of(&pool, silent.id).await.2,
        "no response by the deadline: breached"
    );
    assert!(
        !response_of(&pool, answered.id).await.2,
        "control: answered in time"
    );
    let told = claim(&dev).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].kind, "SLA_BREACH");
    assert_eq!(told[0].ticket_id, Some(silent.id));
    let subject = told[0].subject.clone().unwrap_or_default();
    assert!(subject.contains("response deadline"), "{subject}");
    assert_eq!(
        ticketdesk::db::sla::sweep(&pool).await.unwrap(),
        Some(0),
        "once"
    );
    assert!(claim(&dev).await.is_empty());
}
