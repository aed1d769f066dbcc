//! The escalation ladder (issue 15): every type starts one server-side, routing by level with
//! fallback, one open per ticket, the rise when nobody acknowledges, acknowledge / resolve /
//! cancel, and a desktop that can forge none of it.

use sqlx::PgPool;
use ticketdesk::domain::ticket::{Priority, Status};
use ticketdesk::domain::user::Role;
use uuid::Uuid;

use crate::helpers::{create, detail, new_ticket, signed_in, Desk};

/// The ticket's escalations, oldest first: (level, type, status, to whom).
async fn ladder(pool: &PgPool, ticket: Uuid) -> Vec<(i32, String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT e.escalation_level, e.escalation_type::text, e.status::text, u.username::text \
         FROM escalations e LEFT JOIN users u ON u.id = e.to_user_id \
         WHERE e.ticket_id = $1 ORDER BY e.escalated_at, e.id",
    )
    .bind(ticket)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Who was told of the ticket's escalation in the app, by username.
async fn told(pool: &PgPool, ticket: Uuid) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT u.username::text FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.ticket_id = $1 AND n.type = 'ESCALATED' AND n.channel = 'IN_APP' \
         ORDER BY n.created_at, u.username",
    )
    .bind(ticket)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn department(pool: &PgPool, ids: &[Uuid], name: &str) {
    sqlx::query("UPDATE users SET department = $2 WHERE id = ANY($1)")
        .bind(ids)
        .bind(name)
        .execute(pool)
        .await
        .unwrap();
}

async fn escalate(
    desk: &Desk,
    ticket: Uuid,
    kind: &str,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = desk.tx().await;
    let done: bool = sqlx::query_scalar(
        "SELECT api.escalate_ticket($1, (SELECT version FROM api.ticket_state($1)), $2, $3)",
    )
    .bind(ticket)
    .bind(kind)
    .bind(reason)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done)
}

async fn call_bool(
    desk: &Desk,
    sql: &str,
    id: Uuid,
    notes: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let mut tx = desk.tx().await;
    let mut q = sqlx::query_scalar(sql).bind(id);
    if let Some(notes) = notes {
        q = q.bind(notes);
    }
    let done: bool = q.fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(done)
}

async fn open_escalation(pool: &PgPool, ticket: Uuid) -> Uuid {
    sqlx::query_scalar(
        "SELECT id FROM escalations WHERE ticket_id = $1 AND status IN ('PENDING', 'ACKNOWLEDGED')",
    )
    .bind(ticket)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn make_due_to_rise(pool: &PgPool, ticket: Uuid) {
    sqlx::query(
        "UPDATE escalations SET next_rise_at = now() - interval '1 minute' WHERE ticket_id = $1",
    )
    .bind(ticket)
    .execute(pool)
    .await
    .unwrap();
}

struct Org {
    erin: Desk,
    dev: Desk,
    lena: Desk,
    marco: Desk,
}

/// erin (requestor) and lena (team lead) in Payments, dev an engineer, marco a manager.
async fn org(pool: &PgPool) -> Org {
    let org = Org {
        erin: signed_in(pool, "erin", Role::EndUser).await,
        dev: signed_in(pool, "dev", Role::DevopsEngineer).await,
        lena: signed_in(pool, "lena", Role::TeamLead).await,
        marco: signed_in(pool, "marco", Role::Manager).await,
    };
    department(pool, &[org.erin.id, org.lena.id], "Payments").await;
    org
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_p1_escalates_at_creation_and_a_second_trigger_raises_it_not_stacks(pool: PgPool) {
    let o = org(&pool).await;
    let mut p1 = new_ticket("Checkout is down", None);
    p1.priority = Priority::P1Critical;
    let t = create(&o.erin, p1).await.unwrap();
    assert_eq!(
        ladder(&pool, t.id).await,
        [(
            1,
            "CRITICAL_PRIORITY".into(),
            "PENDING".into(),
            Some("lena".into())
        )],
        "level 1: the lead of the requestor's department (unassigned)"
    );
    assert_eq!(told(&pool, t.id).await, ["lena"]);
    // A manual escalation on top raises it to level 2 (the manager), one escalation still.
    assert!(escalate(&o.dev, t.id, "MANUAL", "customers are calling")
        .await
        .unwrap());
    assert_eq!(
        ladder(&pool, t.id).await,
        [(
            2,
            "CRITICAL_PRIORITY".into(),
            "PENDING".into(),
            Some("marco".into())
        )]
    );
    assert_eq!(told(&pool, t.id).await, ["lena", "marco"]);
    let reason: Option<String> = sqlx::query_scalar(
        "SELECT change_reason FROM ticket_history WHERE ticket_id = $1 \
         AND field_changed = 'escalation_level' ORDER BY timestamp DESC LIMIT 1",
    )
    .bind(t.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        reason.as_deref(),
        Some("Dev Tester escalated it (customers are calling)")
    );
    // A P2 does not escalate by itself (control).
    let p2 = create(&o.erin, new_ticket("Slow page", None))
        .await
        .unwrap();
    assert!(ladder(&pool, p2.id).await.is_empty());
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn manual_complexity_priority_reopens_and_breach_each_start_one(pool: PgPool) {
    let o = org(&pool).await;
    // MANUAL and COMPLEXITY through the Escalate action, with a required reason.
    let a = create(&o.erin, new_ticket("Manual", None)).await.unwrap();
    let b = create(&o.erin, new_ticket("Complex", None)).await.unwrap();
    let refused = escalate(&o.dev, a.id, "MANUAL", "  ").await.unwrap_err();
    assert_eq!(
        refused
            .as_database_error()
            .and_then(|e| e.code())
            .as_deref(),
        Some("22023")
    );
    assert!(escalate(&o.dev, a.id, "MANUAL", "stuck").await.unwrap());
    assert!(escalate(&o.dev, b.id, "COMPLEXITY", "needs a DBA")
        .await
        .unwrap());
    assert_eq!(ladder(&pool, a.id).await[0].1, "MANUAL");
    assert_eq!(ladder(&pool, b.id).await[0].1, "COMPLEXITY");
    let from: Option<Uuid> =
        sqlx::query_scalar("SELECT from_user_id FROM escalations WHERE ticket_id = $1")
            .bind(a.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(from, Some(o.dev.id), "the server records who escalated");
    // A requestor may not escalate.
    let c = create(&o.erin, new_ticket("Mine", None)).await.unwrap();
    let denied = escalate(&o.erin, c.id, "MANUAL", "please")
        .await
        .unwrap_err();
    assert_eq!(
        denied.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("42501")
    );

    // CRITICAL_PRIORITY when raised to P1.
    let mut tx = o.lena.tx().await;
    ticketdesk::db::ticket_changes::change_priority(
        &mut tx,
        o.lena.actor(),
        ticketdesk::db::ticket_changes::PriorityChange {
            change_id: None,
            ticket_id: c.id,
            version: detail(&o.lena, c.id).await.unwrap().version,
            priority: Priority::P1Critical,
            reason: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ladder(&pool, c.id).await[0].1, "CRITICAL_PRIORITY");

    // MULTIPLE_REOPENS on the third reopen (two earlier reopens loaded by the owner).
    let d = create(&o.erin, new_ticket("Keeps coming back", None))
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE tickets SET reopen_count = 2, status = 'CLOSED', closed_at = now(), \
                 resolved_at = now(), resolution_notes = 'Fixed' WHERE id = $1",
    )
    .bind(d.id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let version = detail(&o.erin, d.id).await.unwrap().version;
    let mut tx = o.erin.tx().await;
    ticketdesk::db::ticket_changes::change_status(
        &mut tx,
        o.erin.actor(),
        ticketdesk::db::ticket_changes::StatusChange {
            change_id: None,
            ticket_id: d.id,
            version,
            to: Status::Reopened,
            reason: Some("broken again".into()),
            resolution_notes: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ladder(&pool, d.id).await[0].1, "MULTIPLE_REOPENS");

    // SLA_BREACH from the sweep.
    let e = create(&o.erin, new_ticket("Overdue", None)).await.unwrap();
    sqlx::query("UPDATE tickets SET due_date = now() - interval '1 minute' WHERE id = $1")
        .bind(e.id)
        .execute(&pool)
        .await
        .unwrap();
    ticketdesk::db::sla::sweep(&pool).await.unwrap();
    assert_eq!(ladder(&pool, e.id).await[0].1, "SLA_BREACH");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn routing_falls_back_upward_and_never_to_the_escalator(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let ada = signed_in(&pool, "ada", Role::Admin).await;
    department(&pool, &[erin.id, lena.id], "Payments").await;
    // lena escalates: she is the only lead and never her own target; no manager: the admin.
    let t = create(&erin, new_ticket("Lead escalates", None))
        .await
        .unwrap();
    assert!(escalate(&lena, t.id, "MANUAL", "over my head")
        .await
        .unwrap());
    assert_eq!(
        ladder(&pool, t.id).await,
        [(3, "MANUAL".into(), "PENDING".into(), Some("ada".into()))]
    );
    // Control: someone else escalating reaches lena at level 1.
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let u = create(&erin, new_ticket("Dev escalates", None))
        .await
        .unwrap();
    assert!(escalate(&dev, u.id, "MANUAL", "help").await.unwrap());
    assert_eq!(ladder(&pool, u.id).await[0].3.as_deref(), Some("lena"));
    let _ = ada;
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_unacknowledged_escalation_rises_once_per_step_and_acknowledging_stops_it(pool: PgPool) {
    let o = org(&pool).await;
    let t = create(&o.erin, new_ticket("Pager storm", None))
        .await
        .unwrap();
    assert!(escalate(&o.dev, t.id, "MANUAL", "pages every minute")
        .await
        .unwrap());
    let rise_in: f64 = sqlx::query_scalar(
        "SELECT (extract(epoch FROM next_rise_at - escalated_at) / 60)::float8 FROM escalations WHERE ticket_id = $1",
    )
    .bind(t.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        (59.0..61.0).contains(&rise_in),
        "P2's threshold, 60 min: {rise_in}"
    );
    // Not yet due: nothing rises.
    ticketdesk::db::sla::sweep(&pool).await.unwrap();
    assert_eq!(ladder(&pool, t.id).await[0].0, 1);
    // Due: two sweeps race, it rises exactly one level.
    make_due_to_rise(&pool, t.id).await;
    let (a, b) = tokio::join!(
        ticketdesk::db::sla::sweep(&pool),
        ticketdesk::db::sla::sweep(&o.dev.pool)
    );
    a.unwrap();
    b.unwrap();
    ticketdesk::db::sla::sweep(&pool).await.unwrap();
    assert_eq!(
        ladder(&pool, t.id).await,
        [(2, "MANUAL".into(), "PENDING".into(), Some("marco".into()))]
    );
    assert_eq!(told(&pool, t.id).await, ["lena", "marco"]);

    // An engineer may not acknowledge it; a lead may not at level 2; the manager may.
    let id = open_escalation(&pool, t.id).await;
    let ack = "SELECT api.acknowledge_escalation($1)";
    assert!(!call_bool(&o.dev, ack, id, None).await.unwrap());
    assert!(!call_bool(&o.lena, ack, id, None).await.unwrap());
    assert!(call_bool(&o.marco, ack, id, None).await.unwrap());
    make_due_to_rise(&pool, t.id).await;
    ticketdesk::db::sla::sweep(&pool).await.unwrap();
    assert_eq!(
        ladder(&pool, t.id).await,
        [(
            2,
            "MANUAL".into(),
            "ACKNOWLEDGED".into(),
            Some("marco".into())
        )],
        "acknowledged: it no longer rises"
    );

    // Resolving needs notes; then it is settled and said so.
    let resolve = "SELECT api.resolve_escalation($1, $2)";
    let refused = call_bool(&o.marco, resolve, id, Some(" "))
        .await
        .unwrap_err();
    assert_eq!(
        refused
            .as_database_error()
            .and_then(|e| e.code())
            .as_deref(),
        Some("22023")
    );
    assert!(call_bool(&o.marco, resolve, id, Some("Paging rule fixed"))
        .await
        .unwrap());
    let (status, notes): (String, Option<String>) =
        sqlx::query_as("SELECT status::text, resolution_notes FROM escalations WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), notes.as_deref()),
        ("RESOLVED", Some("Paging rule fixed"))
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn resolving_the_ticket_resolves_its_escalation_and_closing_cancels_it(pool: PgPool) {
    let o = org(&pool).await;
    let mut p1 = new_ticket("Database down", Some(o.dev.id));
    p1.priority = Priority::P1Critical;
    let t = create(&o.lena, p1).await.unwrap();
    assert_eq!(ladder(&pool, t.id).await[0].2, "PENDING");
    let version = detail(&o.dev, t.id).await.unwrap().version;
    let mut tx = o.dev.tx().await;
    ticketdesk::db::ticket_changes::change_status(
        &mut tx,
        o.dev.actor(),
        ticketdesk::db::ticket_changes::StatusChange {
            change_id: None,
            ticket_id: t.id,
            version,
            to: Status::Resolved,
            reason: None,
            resolution_notes: Some("Failed over".into()),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (status, notes): (String, Option<String>) = sqlx::query_as(
        "SELECT status::text, resolution_notes FROM escalations WHERE ticket_id = $1",
    )
    .bind(t.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(status, "RESOLVED");
    assert_eq!(
        notes.as_deref(),
        Some("The ticket was resolved: Failed over")
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_desktop_cannot_forge_redirect_or_acknowledge_for_someone_else(pool: PgPool) {
    let o = org(&pool).await;
    let t = create(&o.erin, new_ticket("Target", None)).await.unwrap();
    for sql in [
        "INSERT INTO escalations (ticket_id, from_user_id, to_user_id, reason, escalation_type, \
                                  escalation_level) \
         SELECT $1, NULL, NULL, 'forged', 'MANUAL', 5",
        "UPDATE escalations SET to_user_id = NULL, escalation_level = 5 WHERE ticket_id = $1",
        "UPDATE escalations SET status = 'ACKNOWLEDGED' WHERE ticket_id = $1",
        "DELETE FROM escalations WHERE ticket_id = $1",
    ] {
        let mut tx = o.dev.tx().await;
        let denied = sqlx::query(sql)
            .bind(t.id)
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert_eq!(
            denied.as_database_error().and_then(|e| e.code()).as_deref(),
            Some("42501"),
            "{sql}"
        );
    }
    // Positive control: the API starts it, routed by the server, from the caller.
    assert!(escalate(&o.dev, t.id, "MANUAL", "real").await.unwrap());
    assert_eq!(ladder(&pool, t.id).await[0].3.as_deref(), Some("lena"));
    // The API names no target or level; acknowledging someone else's: false, nothing changes.
    let id = open_escalation(&pool, t.id).await;
    assert!(
        !call_bool(&o.erin, "SELECT api.acknowledge_escalation($1)", id, None)
            .await
            .unwrap()
    );
    assert_eq!(ladder(&pool, t.id).await[0].2, "PENDING");
    assert!(
        call_bool(&o.lena, "SELECT api.acknowledge_escalation($1)", id, None)
            .await
            .unwrap()
    );
    // The list: leads and above only.
    let mut tx = o.dev.tx().await;
    let refused = sqlx::query("SELECT * FROM api.escalations()")
        .fetch_all(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(
        refused
            .as_database_error()
            .and_then(|e| e.code())
            .as_deref(),
        Some("42501")
    );
    drop(tx);
    let mut tx = o.lena.tx().await;
    let listed: Vec<Uuid> = ticketdesk::db::escalations::list(&mut tx)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(listed, [id]);
}

/// The channels `user` got the ticket's escalation on.
async fn channels(pool: &PgPool, user: Uuid, ticket: Uuid) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT channel::text FROM notifications WHERE user_id = $1 AND ticket_id = $2 \
         AND type = 'ESCALATED' ORDER BY channel",
    )
    .bind(user)
    .bind(ticket)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn level_three_and_above_use_every_channel_the_admin_has(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let ada = signed_in(&pool, "ada", Role::Admin).await;
    department(&pool, &[erin.id, lena.id], "Payments").await;
    // Both turned escalation email off; ada has a phone.
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, event_type, channel, enabled) \
         SELECT unnest($1::uuid[]), 'ESCALATED', 'EMAIL', FALSE",
    )
    .bind([lena.id, ada.id])
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE users SET phone_number = '+49 30 1234567' WHERE id = $1")
        .bind(ada.id)
        .execute(&pool)
        .await
        .unwrap();
    let t = create(&erin, new_ticket("Outage", None)).await.unwrap();
    assert!(escalate(&dev, t.id, "MANUAL", "nobody answers")
        .await
        .unwrap());
    // Level 1, the lead: her choice holds (control).
    assert_eq!(channels(&pool, lena.id, t.id).await, ["IN_APP"]);
    // No manager: the rise goes to level 3, the admin, on every channel she has.
    make_due_to_rise(&pool, t.id).await;
    ticketdesk::db::sla::sweep(&pool).await.unwrap();
    assert_eq!(ladder(&pool, t.id).await[0].0, 3);
    assert_eq!(
        channels(&pool, ada.id, t.id).await,
        ["EMAIL", "IN_APP", "SLACK", "SMS"]
    );
}

/// The ticket's notifications to `user` in the app: (kind, subject).
async fn centre(pool: &PgPool, user: Uuid, ticket: Uuid) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT type::text, subject FROM notifications WHERE user_id = $1 AND ticket_id = $2 \
         AND channel = 'IN_APP' ORDER BY created_at",
    )
    .bind(user)
    .bind(ticket)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_new_unassigned_p1_or_p2_reaches_the_departments_leads_once(pool: PgPool) {
    let o = org(&pool).await;
    // An unassigned P2: lena hears of it in her centre (not a native alert).
    let p2 = create(&o.erin, new_ticket("Payments slow", None))
        .await
        .unwrap();
    assert_eq!(
        centre(&pool, o.lena.id, p2.id).await,
        [(
            "TICKET_CREATED".to_owned(),
            format!("New unassigned P2: {}", p2.ticket_number)
        )]
    );
    assert!(!ticketdesk::notify::desktop::raises_native(
        "TICKET_CREATED"
    ));
    // An unassigned P1: natively, once, as its escalation; no second triage row.
    let mut p1 = new_ticket("Payments down", None);
    p1.priority = Priority::P1Critical;
    let p1 = create(&o.erin, p1).await.unwrap();
    let kinds: Vec<String> = centre(&pool, o.lena.id, p1.id)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(kinds, ["ESCALATED"]);
    assert!(ticketdesk::notify::desktop::raises_native("ESCALATED"));
    // Controls: assigned at creation, or a P3, tells no lead; a lead filing one is not told of
    // her own action.
    let assigned = create(&o.lena, new_ticket("Assigned", Some(o.dev.id)))
        .await
        .unwrap();
    let mut p3 = new_ticket("Minor", None);
    p3.priority = Priority::P3Medium;
    let p3 = create(&o.erin, p3).await.unwrap();
    let own = create(&o.lena, new_ticket("Lena's own", None))
        .await
        .unwrap();
    for t in [assigned.id, p3.id, own.id] {
        assert!(centre(&pool, o.lena.id, t).await.is_empty());
    }
    let _ = &o.marco;
}

/// The desktop's view of an open escalation: the list row and the ticket header agree, name
/// the holder, and say whether the caller holds it and may act; requestors see none.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_list_and_the_ticket_header_show_level_holder_and_who_may_act(pool: PgPool) {
    use ticketdesk::domain::escalation::{EscalationKind, EscalationStatus};
    let o = org(&pool).await;
    let t = create(&o.erin, new_ticket("Build farm offline", None))
        .await
        .unwrap();
    assert!(escalate(&o.dev, t.id, "COMPLEXITY", "needs the CI owner")
        .await
        .unwrap());
    let mut tx = o.lena.tx().await;
    let listed = ticketdesk::db::escalations::list(&mut tx).await.unwrap();
    drop(tx);
    assert_eq!(listed.len(), 1);
    let row = &listed[0];
    assert_eq!(
        (row.ticket_id, row.level, row.kind, row.status),
        (
            t.id,
            1,
            EscalationKind::Complexity,
            EscalationStatus::Pending
        )
    );
    assert_eq!(row.holder_name.as_deref(), Some("Lena Tester"));
    assert_eq!(row.from_name.as_deref(), Some("Dev Tester"));
    assert_eq!(row.reason, "needs the CI owner");
    assert!(row.mine && row.can_act, "lena holds level 1 and may act");
    assert!(row.next_rise_at.is_some() && row.acknowledged_at.is_none());
    // The header: the same escalation, from each person's side.
    let for_lena = detail(&o.lena, t.id).await.unwrap().escalation.unwrap();
    assert_eq!(&for_lena, row);
    let for_marco = detail(&o.marco, t.id).await.unwrap().escalation.unwrap();
    assert!(
        !for_marco.mine && for_marco.can_act,
        "a manager may act on level 1 without holding it"
    );
    let for_dev = detail(&o.dev, t.id).await.unwrap().escalation.unwrap();
    assert!(!for_dev.mine && !for_dev.can_act, "an engineer may not");
    assert_eq!(
        detail(&o.erin, t.id).await.unwrap().escalation,
        None,
        "the requestor sees no escalation (control: staff above do)"
    );
}

/// The native notification's actions: Acknowledge knows only the ticket; Snooze asks again
/// later whether the escalation still waits for this user.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn acknowledging_by_ticket_from_the_notification_and_whether_it_still_waits(pool: PgPool) {
    use ticketdesk::db::escalations::{acknowledge_ticket, waits_for_me};
    let o = org(&pool).await;
    let t = create(&o.erin, new_ticket("Backups failing", None))
        .await
        .unwrap();
    let quiet = create(&o.erin, new_ticket("Nothing escalated", None))
        .await
        .unwrap();
    assert!(escalate(&o.dev, t.id, "MANUAL", "third night in a row")
        .await
        .unwrap());
    let waits = |desk: &Desk, ticket: Uuid| {
        let desk = desk.clone();
        async move {
            let mut tx = desk.tx().await;
            waits_for_me(&mut tx, ticket).await.unwrap()
        }
    };
    assert!(
        waits(&o.lena, t.id).await,
        "it waits for lena, who holds it"
    );
    assert!(
        !waits(&o.marco, t.id).await,
        "not for marco: level 2 was not reached"
    );
    assert!(
        !waits(&o.lena, quiet.id).await,
        "nothing open on the other ticket"
    );
    // Hostile: an engineer, a requestor, and a ticket with nothing open are refused alike,
    // and nothing changes.
    for (desk, ticket) in [(&o.dev, t.id), (&o.erin, t.id), (&o.lena, quiet.id)] {
        let mut tx = desk.tx().await;
        let refused = acknowledge_ticket(&mut tx, ticket).await.unwrap_err();
        assert!(
            matches!(refused, ticketdesk::error::Error::NotFound(_)),
            "{refused:?}"
        );
    }
    assert_eq!(ladder(&pool, t.id).await[0].2, "PENDING");
    // Positive control: the holder acknowledges from the notification.
    let mut tx = o.lena.tx().await;
    acknowledge_ticket(&mut tx, t.id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ladder(&pool, t.id).await[0].2, "ACKNOWLEDGED");
    assert!(
        !waits(&o.lena, t.id).await,
        "acknowledged: a snoozed alert stays quiet"
    );
    // A second press says it was acknowledged already.
    let mut tx = o.lena.tx().await;
    let again = acknowledge_ticket(&mut tx, t.id).await.unwrap_err();
    assert!(
        again.to_string().contains("acknowledged already"),
        "{again}"
    );
}

/// The tray's figures: escalations held and unacknowledged, breaches, and the next deadline,
/// whichever of an SLA deadline and an escalation's rise is sooner.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn my_alerts_count_what_i_hold_and_find_my_next_deadline(pool: PgPool) {
    use ticketdesk::db::escalations::my_alerts;
    use ticketdesk::domain::escalation::DeadlineKind;
    let o = org(&pool).await;
    let alerts = |desk: &Desk| {
        let desk = desk.clone();
        async move {
            let mut tx = desk.tx().await;
            my_alerts(&mut tx).await.unwrap()
        }
    };
    let calm = alerts(&o.lena).await;
    assert_eq!(
        (calm.open_escalations, calm.unacknowledged, calm.breached),
        (0, 0, 0)
    );
    // dev's ticket, due in 90 minutes; another of his, breached.
    let due = create(&o.lena, new_ticket("Due soon", Some(o.dev.id)))
        .await
        .unwrap();
    let late = create(&o.lena, new_ticket("Late", Some(o.dev.id)))
        .await
        .unwrap();
    sqlx::query(
        "UPDATE tickets SET due_date = now() + interval '90 minutes', first_response_at = now(), \
                            sla_breach = (id = $2) \
         WHERE id IN ($1, $2)",
    )
    .bind(due.id)
    .bind(late.id)
    .execute(&pool)
    .await
    .unwrap();
    let dev = alerts(&o.dev).await;
    assert_eq!(dev.breached, 1);
    assert!(dev.warning());
    let next = dev.next.unwrap();
    assert_eq!(
        (next.ticket_id, next.kind),
        (due.id, DeadlineKind::Resolution),
        "the breached one has no deadline ahead; the other does"
    );
    // lena holds an escalation rising in 60 min: sooner than nothing of hers.
    assert!(escalate(&o.dev, due.id, "MANUAL", "stuck").await.unwrap());
    let lena = alerts(&o.lena).await;
    assert_eq!(
        (lena.open_escalations, lena.unacknowledged, lena.breached),
        (1, 1, 0)
    );
    assert_eq!(lena.next.as_ref().unwrap().kind, DeadlineKind::Rise);
    assert!(lena.warning());
    // marco holds nothing (control: the manager is above, not reached).
    assert_eq!(alerts(&o.marco).await.open_escalations, 0);
    // Acknowledged: still held, no longer a warning, and no rise ahead.
    let id = open_escalation(&pool, due.id).await;
    assert!(
        call_bool(&o.lena, "SELECT api.acknowledge_escalation($1)", id, None)
            .await
            .unwrap()
    );
    let lena = alerts(&o.lena).await;
    assert_eq!((lena.open_escalations, lena.unacknowledged), (1, 0));
    assert!(!lena.warning());
    assert_eq!(lena.next, None);
}

/// A new trigger on an acknowledged escalation raises it and it waits again: the breach (or
/// here the P1) after an acknowledgement is news for the level above.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_new_trigger_raises_an_acknowledged_escalation_and_it_waits_again(pool: PgPool) {
    let o = org(&pool).await;
    let t = create(&o.erin, new_ticket("Checkout errors", None))
        .await
        .unwrap();
    assert!(escalate(&o.dev, t.id, "MANUAL", "5xx on checkout")
        .await
        .unwrap());
    let id = open_escalation(&pool, t.id).await;
    assert!(
        call_bool(&o.lena, "SELECT api.acknowledge_escalation($1)", id, None)
            .await
            .unwrap()
    );
    assert_eq!(
        ladder(&pool, t.id).await,
        [(
            1,
            "MANUAL".into(),
            "ACKNOWLEDGED".into(),
            Some("lena".into())
        )]
    );
    // Raised to P1 by the lead: the same escalation rises to the manager and waits again.
    let version = detail(&o.lena, t.id).await.unwrap().version;
    let mut tx = o.lena.tx().await;
    ticketdesk::db::ticket_changes::change_priority(
        &mut tx,
        o.lena.actor(),
        ticketdesk::db::ticket_changes::PriorityChange {
            change_id: None,
            ticket_id: t.id,
            version,
            priority: Priority::P1Critical,
            reason: Some("all checkouts failing now".into()),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        ladder(&pool, t.id).await,
        [(2, "MANUAL".into(), "PENDING".into(), Some("marco".into()))],
        "one escalation, raised, not a second one"
    );
    let (acknowledged, rises): (bool, bool) = sqlx::query_as(
        "SELECT acknowledged_at IS NOT NULL, next_rise_at IS NOT NULL FROM escalations WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (acknowledged, rises),
        (false, true),
        "it waits and rises again"
    );
    assert!(told(&pool, t.id).await.contains(&"marco".to_owned()));
}

/// Acknowledging (and settling) an escalation wakes every desktop's views of the ticket, so
/// another lead's Escalations screen and the ticket header follow without a reload.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn acknowledging_wakes_the_other_desktops_views(pool: PgPool) {
    let o = org(&pool).await;
    let t = create(&o.erin, new_ticket("VPN flaps", None))
        .await
        .unwrap();
    assert!(escalate(&o.dev, t.id, "MANUAL", "every hour")
        .await
        .unwrap());
    let mut listener = sqlx::postgres::PgListener::connect_with(&pool)
        .await
        .unwrap();
    listener
        .listen(ticketdesk::db::tickets::TICKET_CHANNEL)
        .await
        .unwrap();
    let id = open_escalation(&pool, t.id).await;
    // Control: a refused acknowledgement changes nothing and wakes nobody.
    assert!(
        !call_bool(&o.erin, "SELECT api.acknowledge_escalation($1)", id, None)
            .await
            .unwrap()
    );
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), listener.recv())
            .await
            .is_err(),
        "nothing to reload"
    );
    assert!(
        call_bool(&o.lena, "SELECT api.acknowledge_escalation($1)", id, None)
            .await
            .unwrap()
    );
    let woke = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
        .await
        .expect("a wake-up within 5 s")
        .unwrap();
    assert_eq!(woke.payload(), t.id.to_string());
}
