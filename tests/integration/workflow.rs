//! The ticket lifecycle on a real server: every use case, the rules the database enforces on
//! its own, and optimistic locking under two concurrent editors.

use std::collections::HashSet;

use sqlx::PgPool;
use ticketdesk::db::comments;
use ticketdesk::db::ticket_changes::{self, Assignment, PriorityChange, StatusChange};
use ticketdesk::domain::ticket::{NewComment, Priority, Status, TicketDetail};
use ticketdesk::domain::user::Role;
use ticketdesk::domain::workflow::{Mover, TRANSITIONS};
use ticketdesk::error::Error;
use uuid::Uuid;

use crate::helpers::{claim, create, detail, new_ticket, signed_in, Desk};

async fn status(
    desk: &Desk,
    t: &TicketDetail,
    to: Status,
    notes: Option<&str>,
) -> Result<TicketDetail, Error> {
    let mut tx = desk.tx().await;
    let change = StatusChange {
        change_id: None,
        ticket_id: t.ticket.id,
        version: t.version,
        to,
        reason: Some(format!("moving to {to}")),
        resolution_notes: notes.map(str::to_owned),
    };
    let d = ticket_changes::change_status(&mut tx, desk.actor(), change).await?;
    tx.commit().await?;
    Ok(d)
}

async fn assign(desk: &Desk, t: &TicketDetail, to: Option<Uuid>) -> Result<TicketDetail, Error> {
    let mut tx = desk.tx().await;
    let change = Assignment {
        change_id: None,
        ticket_id: t.ticket.id,
        version: t.version,
        assignee_id: to,
        reason: None,
    };
    let d = ticket_changes::assign(&mut tx, desk.actor(), change).await?;
    tx.commit().await?;
    Ok(d)
}

async fn comment(desk: &Desk, t: &TicketDetail, text: &str, internal: bool) -> TicketDetail {
    let mut tx = desk.tx().await;
    let input = NewComment {
        id: Uuid::new_v4(),
        ticket_id: t.ticket.id,
        content: text.into(),
        is_internal: internal,
    };
    let d = comments::add(&mut tx, desk.actor(), input).await.unwrap();
    tx.commit().await.unwrap();
    d
}

fn actions(d: &TicketDetail) -> Vec<&str> {
    d.history.iter().map(|h| h.action.as_str()).collect()
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_database_holds_the_same_transition_table_as_the_app(pool: PgPool) {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT from_status, to_status, mover FROM ticket_transitions")
            .fetch_all(&pool)
            .await
            .unwrap();
    let in_db: HashSet<(Status, Status, Mover)> = rows
        .iter()
        .map(|(f, t, m)| (f.parse().unwrap(), t.parse().unwrap(), m.parse().unwrap()))
        .collect();
    let in_app: HashSet<(Status, Status, Mover)> = TRANSITIONS.iter().copied().collect();
    assert_eq!(
        in_db, in_app,
        "ticket_transitions must equal domain::workflow::TRANSITIONS"
    );
}

/// A ticket's whole life: filed, taken, worked, asked about, answered, resolved, confirmed,
/// reopened, escalated and returned — with the fields and history each step leaves.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_ticket_lives_from_new_to_closed_and_back(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let created = create(&erin, new_ticket("Printer on fire", None))
        .await
        .unwrap();
    let t = detail(&dev, created.id).await.unwrap();
    assert_eq!((t.ticket.status, t.version), (Status::New, 1));
    assert!(t.actions.can_take);

    let t = assign(&dev, &t, Some(dev.id)).await.unwrap();
    assert_eq!(
        t.ticket.status,
        Status::Open,
        "taking a NEW ticket triages it"
    );
    assert_eq!(t.ticket.assignee.as_ref().map(|a| a.id), Some(dev.id));
    assert_eq!(t.version, 2);

    let t = status(&dev, &t, Status::InProgress, None).await.unwrap();
    let t = status(&dev, &t, Status::PendingInfo, None).await.unwrap();
    // The requestor answers: the database moves the ticket back to IN_PROGRESS.
    let erins_view = detail(&erin, t.ticket.id).await.unwrap();
    let answered = comment(&erin, &erins_view, "It is the one on floor 2", false).await;
    assert_eq!(answered.ticket.status, Status::InProgress);
    let auto = answered
        .history
        .iter()
        .rev()
        .find(|h| h.action == "STATUS_CHANGED")
        .unwrap();
    assert_eq!(auto.reason.as_deref(), Some("The requestor replied"));
    assert_eq!(auto.actor.as_ref().map(|a| a.id), Some(erin.id));

    let t = detail(&dev, t.ticket.id).await.unwrap();
    let err = status(&dev, &t, Status::Resolved, Some("  "))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    let t = status(&dev, &t, Status::Resolved, Some("Replaced the fuser"))
        .await
        .unwrap();
    assert_eq!(t.resolution_notes.as_deref(), Some("Replaced the fuser"));
    assert!(t.resolved_at.is_some() && t.closed_at.is_none());

    let erins_view = detail(&erin, t.ticket.id).await.unwrap();
    assert_eq!(
        erins_view.actions.transitions,
        [Status::Closed, Status::Reopened]
    );
    let t = status(&erin, &erins_view, Status::Closed, None)
        .await
        .unwrap();
    assert!(t.resolved_at.is_some() && t.closed_at.is_some());

    let t = status(&erin, &t, Status::Reopened, None).await.unwrap();
    assert_eq!(t.reopen_count, 1);
    assert!(
        t.resolved_at.is_none() && t.closed_at.is_none(),
        "reopening clears both"
    );

    let t = detail(&dev, t.ticket.id).await.unwrap();
    let t = status(&dev, &t, Status::InProgress, None).await.unwrap();
    let t = status(&dev, &t, Status::Escalated, None).await.unwrap();
    assert_eq!(t.status_before_escalation, Some(Status::InProgress));
    let t = detail(&lena, t.ticket.id).await.unwrap();
    assert_eq!(
        t.actions.transitions,
        [Status::InProgress, Status::Resolved]
    );
    let t = status(&lena, &t, Status::InProgress, None).await.unwrap();
    assert_eq!(t.status_before_escalation, None);

    assert_eq!(
        actions(&t),
        [
            "CREATED",
            "STATUS_CHANGED", // taking it: NEW → OPEN …
            "ASSIGNED",       // … and the assignee, in the same change
            "STATUS_CHANGED",
            "STATUS_CHANGED",
            "COMMENT_ADDED",
            "STATUS_CHANGED", // the requestor's reply
            "STATUS_CHANGED",
            "FIELD_UPDATED", // resolution notes
            "CLOSED",
            "REOPENED",
            "STATUS_CHANGED",
            "ESCALATED",
            "FIELD_UPDATED", // the ladder: level 1, to whom (issue 15)
            "STATUS_CHANGED",
        ],
        "one history row per change, in order"
    );
    let resolve = t
        .history
        .iter()
        .find(|h| h.new_value.as_deref() == Some("\"RESOLVED\""))
        .unwrap();
    assert_eq!(resolve.old_value.as_deref(), Some("\"IN_PROGRESS\""));
    assert_eq!(resolve.reason.as_deref(), Some("moving to RESOLVED"));
    assert_eq!(resolve.actor.as_ref().map(|a| a.id), Some(dev.id));
}

/// Two engineers open the same ticket; the second to save is told, and nothing of theirs is
/// written over the first one's change.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_stale_edit_is_a_conflict_not_an_overwrite(pool: PgPool) {
    let sam = signed_in(&pool, "sam", Role::SeniorEngineer).await;
    let yuki = signed_in(&pool, "yuki", Role::SeniorEngineer).await;
    let created = create(&sam, new_ticket("Flaky DNS", None)).await.unwrap();
    let sams_view = detail(&sam, created.id).await.unwrap();
    let yukis_view = detail(&yuki, created.id).await.unwrap();

    let after_sam = status(&sam, &sams_view, Status::InProgress, None)
        .await
        .unwrap();
    let err = status(&yuki, &yukis_view, Status::PendingInfo, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict(m) if m.contains(&created.ticket_number)),
        "{err:?}"
    );
    let mut tx = yuki.tx().await;
    let priority = PriorityChange {
        change_id: None,
        ticket_id: created.id,
        version: yukis_view.version,
        priority: Priority::P1Critical,
        reason: None,
    };
    let err = ticket_changes::change_priority(&mut tx, yuki.actor(), priority)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    drop(tx);

    let now = detail(&yuki, created.id).await.unwrap();
    assert_eq!(now.ticket.status, Status::InProgress);
    assert_eq!(now.ticket.priority, Priority::P2High);
    assert_eq!(now.version, after_sam.version);
    // With the fresh version, Yuki's change goes through.
    let retried = status(&yuki, &now, Status::PendingInfo, None)
        .await
        .unwrap();
    assert_eq!(retried.ticket.status, Status::PendingInfo);
}

/// The same race with both writes in flight at once: exactly one wins, whatever the timing.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn two_concurrent_editors_of_one_version_produce_one_change(pool: PgPool) {
    let sam = signed_in(&pool, "sam", Role::SeniorEngineer).await;
    let yuki = signed_in(&pool, "yuki", Role::SeniorEngineer).await;
    let created = create(&sam, new_ticket("Disk latency", None))
        .await
        .unwrap();
    let seen = detail(&sam, created.id).await.unwrap();
    for round in 0..5 {
        let seen = detail(&sam, created.id).await.unwrap();
        // Two different priorities, neither the current one, so both changes are valid alone.
        let targets: Vec<Priority> = Priority::ALL
            .iter()
            .copied()
            .filter(|p| *p != seen.ticket.priority)
            .collect();
        let (a, b) = tokio::join!(
            change_priority_to(&sam, &seen, targets[0]),
            change_priority_to(&yuki, &seen, targets[1]),
        );
        let wins = [&a, &b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(
            wins, 1,
            "round {round}: exactly one editor wins ({a:?} / {b:?})"
        );
        let loser = if a.is_ok() { b } else { a };
        assert!(matches!(loser, Err(Error::Conflict(_))), "{loser:?}");
    }
    let history: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ticket_history WHERE ticket_id = $1 AND action = 'PRIORITY_CHANGED'",
    )
    .bind(seen.ticket.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        history, 5,
        "one history row per winning change, none for the losers"
    );
}

async fn change_priority_to(desk: &Desk, t: &TicketDetail, to: Priority) -> Result<i32, Error> {
    let mut tx = desk.tx().await;
    let change = PriorityChange {
        change_id: None,
        ticket_id: t.ticket.id,
        version: t.version,
        priority: to,
        reason: None,
    };
    let d = ticket_changes::change_priority(&mut tx, desk.actor(), change).await?;
    tx.commit().await?;
    Ok(d.version)
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn two_hundred_concurrent_creations_get_two_hundred_numbers_and_histories(pool: PgPool) {
    let desks = [
        signed_in(&pool, "erin", Role::EndUser).await,
        signed_in(&pool, "dev", Role::DevopsEngineer).await,
        signed_in(&pool, "sam", Role::SeniorEngineer).await,
        signed_in(&pool, "noah", Role::EndUser).await,
    ];
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let desk = desks[i % desks.len()].clone();
        tasks.spawn(async move { create(&desk, new_ticket(&format!("Load {i}"), None)).await });
    }
    let mut numbers = HashSet::new();
    while let Some(created) = tasks.join_next().await {
        let created = created.unwrap().unwrap();
        assert!(
            created.ticket_number.starts_with("TKT-") && created.ticket_number.len() >= 14,
            "{}",
            created.ticket_number
        );
        numbers.insert(created.ticket_number);
    }
    assert_eq!(numbers.len(), 200, "every number unique");
    let created: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ticket_history WHERE action = 'CREATED'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(created, 200, "one CREATED history row per ticket");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn who_may_assign_take_release_and_reprioritise(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let priya = signed_in(&pool, "priya", Role::DevopsEngineer).await;
    let sam = signed_in(&pool, "sam", Role::SeniorEngineer).await;
    let created = create(&erin, new_ticket("VPN drops", None)).await.unwrap();
    let t = detail(&dev, created.id).await.unwrap();

    let err = assign(&dev, &t, Some(priya.id)).await.unwrap_err();
    assert!(
        matches!(err, Error::Forbidden(_)),
        "a devops engineer cannot give it away: {err:?}"
    );
    let err = assign(&sam, &t, Some(erin.id)).await.unwrap_err();
    assert!(
        matches!(err, Error::Validation(_)),
        "requestors are not assignees: {err:?}"
    );
    let erins = detail(&erin, created.id).await.unwrap();
    let err = assign(&erin, &erins, Some(erin.id)).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");

    let t = assign(&sam, &t, Some(priya.id)).await.unwrap();
    let notified = claim(&priya).await;
    assert_eq!(notified.len(), 1, "the new assignee is notified");
    assert_eq!(notified[0].ticket_id, Some(created.id));
    let reassign = t.history.last().unwrap();
    assert_eq!(reassign.action, "ASSIGNED");

    let t = detail(&dev, created.id).await.unwrap();
    let err = assign(&dev, &t, None).await.unwrap_err();
    assert!(
        matches!(err, Error::Forbidden(_)),
        "dev cannot unassign priya: {err:?}"
    );
    let t = detail(&priya, created.id).await.unwrap();
    let t = status(&priya, &t, Status::InProgress, None).await.unwrap();
    // Back to the queue: IN_PROGRESS → OPEN releases the ticket.
    let t = status(&priya, &t, Status::Open, None).await.unwrap();
    assert_eq!(t.ticket.assignee, None);
    assert_eq!(t.history.last().unwrap().action, "REASSIGNED");
    assert_eq!(t.history.last().unwrap().new_value, None, "nobody");
    assert!(t
        .history
        .last()
        .unwrap()
        .old_value
        .as_deref()
        .unwrap()
        .contains(&priya.id.to_string()));

    let err = change_priority_to(&dev, &t, Priority::P1Critical)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    change_priority_to(&sam, &t, Priority::P1Critical)
        .await
        .unwrap();
    let t = detail(&erin, created.id).await.unwrap();
    assert_eq!(t.ticket.priority, Priority::P1Critical);
    // The last row is the escalation the P1 started (issue 15); the change is just before it.
    let change = t
        .history
        .iter()
        .rev()
        .find(|h| h.action == "PRIORITY_CHANGED")
        .unwrap();
    assert_eq!(
        (
            change.action.as_str(),
            change.old_value.as_deref(),
            change.new_value.as_deref()
        ),
        (
            "PRIORITY_CHANGED",
            Some("\"P2_HIGH\""),
            Some("\"P1_CRITICAL\"")
        )
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn only_leads_close_unworked_tickets_and_old_closures_stay_closed(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let lena = signed_in(&pool, "lena", Role::TeamLead).await;
    let created = create(&erin, new_ticket("Duplicate of yesterday's", None))
        .await
        .unwrap();
    let t = detail(&dev, created.id).await.unwrap();
    assert!(!t.actions.transitions.contains(&Status::Closed));
    let err = status(&dev, &t, Status::Closed, None).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    let t = status(&lena, &t, Status::Closed, None).await.unwrap();
    assert!(t.closed_at.is_some() && t.resolved_at.is_none());

    sqlx::query("UPDATE tickets SET closed_at = now() - interval '31 days' WHERE id = $1")
        .bind(created.id)
        .execute(&pool)
        .await
        .unwrap();
    let t = detail(&erin, created.id).await.unwrap();
    assert!(
        t.actions.transitions.is_empty(),
        "the reopen window has passed"
    );
    let err = status(&erin, &t, Status::Reopened, None).await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation(m) if m.contains("30 days")),
        "{err:?}"
    );
}

/// The database refuses what the app would refuse, for a client that skips the app: it may
/// not write the table at all (issue 13), and the API's functions, called straight past the
/// app's own checks, meet the same workflow in the tables' triggers.
#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_database_enforces_the_workflow_on_raw_sql(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let priya = signed_in(&pool, "priya", Role::DevopsEngineer).await;
    let created = create(&erin, new_ticket("Raw SQL", None)).await.unwrap();

    let attempt = |desk: &Desk, sql: String| {
        let desk = desk.clone();
        async move {
            let mut tx = desk.tx().await;
            sqlx::query(&sql)
                .execute(&mut *tx)
                .await
                .map_err(Error::from)
        }
    };
    let id = created.id;
    let priya = priya.id;
    for (desk, sql, expect_forbidden) in [
        // Past the app, into the API: a NEW ticket cannot be resolved, closed by an engineer,
        // given to someone else by a non-senior, reprioritised by a non-senior, or moved by its
        // requestor.
        (&dev, format!("SELECT api.change_ticket_status('{id}', 1, 'RESOLVED', NULL, 'x', '')"), false),
        (&dev, format!("SELECT api.change_ticket_status('{id}', 1, 'CLOSED', NULL, NULL, '')"), true),
        (&dev, format!("SELECT api.assign_ticket('{id}', 1, '{priya}', 'OPEN', '')"), true),
        (&dev, format!("SELECT api.change_ticket_priority('{id}', 1, 'P1_CRITICAL', '')"), true),
        (&erin, format!("SELECT api.change_ticket_status('{id}', 1, 'IN_PROGRESS', NULL, NULL, '')"), true),
        // Past the API, into the table: no privilege at all.
        (&erin, format!("UPDATE tickets SET description = 'rewritten' WHERE id = '{id}'"), true),
        (&dev, format!("UPDATE tickets SET status = 'OPEN', resolved_at = now() - interval '1 year' WHERE id = '{id}'"), true),
        (&erin, "INSERT INTO tickets (ticket_number, title, description, category, priority, status, requestor_id) \
                 VALUES ('TKT-0-00000', 'x', 'x', 'OTHER', 'P3_MEDIUM', 'CLOSED', current_user_id())".to_owned(), true),
    ] {
        let result = attempt(desk, sql.clone()).await;
        match (&result, expect_forbidden) {
            (Err(Error::Forbidden(_)), true) | (Err(Error::Validation(_)), false) => {}
            _ => panic!("`{sql}` gave {result:?}"),
        }
    }
    // Control: the same API moves a ticket when the workflow allows it.
    let moved: bool = {
        let mut tx = dev.tx().await;
        let moved = sqlx::query_scalar(&format!(
            "SELECT api.change_ticket_status('{id}', 1, 'OPEN', NULL, NULL, '')"
        ))
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        tx.rollback().await.unwrap();
        moved
    };
    assert!(
        moved,
        "control: an engineer opens a NEW ticket through the API"
    );
    // Nothing was committed.
    let (status, resolved_at, version): (String, Option<chrono::DateTime<chrono::Utc>>, i32) =
        sqlx::query_as("SELECT status, resolved_at, version FROM tickets WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), resolved_at, version),
        ("NEW", None, 1),
        "nothing was committed"
    );
}
