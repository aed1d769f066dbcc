//! Notification preferences and the database's fan-out (SPEC §7): which rows a change writes
//! depends on each recipient's choices; choices are private; only the triggers write
//! notifications.

use sqlx::PgPool;
use ticketdesk::db::notification_preferences;
use ticketdesk::domain::notification::NotificationPreference;
use ticketdesk::domain::notification::{Channel, NotificationKind};
use ticketdesk::domain::user::Role;
use ticketdesk::error::Error;
use uuid::Uuid;

use crate::helpers::{create, new_ticket, signed_in, Desk};

async fn grid(desk: &Desk) -> Vec<NotificationPreference> {
    let mut tx = desk.tx().await;
    notification_preferences::list(&mut tx).await.unwrap()
}

async fn choose(
    desk: &Desk,
    kind: NotificationKind,
    channel: Channel,
    enabled: bool,
) -> ticketdesk::error::Result<Vec<NotificationPreference>> {
    let mut tx = desk.tx().await;
    let choice = NotificationPreference {
        kind,
        channel,
        enabled,
    };
    let grid = notification_preferences::set(&mut tx, choice).await?;
    tx.commit().await?;
    Ok(grid)
}

fn enabled(grid: &[NotificationPreference], kind: NotificationKind, channel: Channel) -> bool {
    grid.iter()
        .find(|p| p.kind == kind && p.channel == channel)
        .unwrap_or_else(|| panic!("{kind} on {channel} is in the grid"))
        .enabled
}

/// (type, channel) of the notifications written for `user` about `ticket`, sorted.
async fn written(pool: &PgPool, user: Uuid, ticket: Uuid) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT type, channel FROM notifications WHERE user_id = $1 AND ticket_id = $2 \
         ORDER BY type, channel",
    )
    .bind(user)
    .bind(ticket)
    .fetch_all(pool)
    .await
    .unwrap()
}

fn rows(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut rows: Vec<_> = expected
        .iter()
        .map(|(t, c)| (t.to_string(), c.to_string()))
        .collect();
    rows.sort();
    rows
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn defaults_are_in_app_for_everything_and_email_for_what_lands_on_you(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let grid = grid(&dev).await;
    assert_eq!(
        grid.len(),
        NotificationKind::CHOOSABLE.len() * Channel::ALL.len(),
        "one cell per choosable kind and channel"
    );
    for kind in NotificationKind::CHOOSABLE {
        assert!(enabled(&grid, *kind, Channel::InApp), "{kind} in the app");
        assert_eq!(
            enabled(&grid, *kind, Channel::Email),
            kind.interrupts(),
            "{kind} by email"
        );
        assert!(!enabled(&grid, *kind, Channel::Slack));
        assert!(!enabled(&grid, *kind, Channel::Sms));
    }

    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let t = create(&lead, new_ticket("Defaults", Some(dev.id)))
        .await
        .unwrap();
    assert_eq!(
        written(&pool, dev.id, t.id).await,
        rows(&[("TICKET_ASSIGNED", "IN_APP"), ("TICKET_ASSIGNED", "EMAIL")])
    );
    let outbox: (String, bool) = sqlx::query_as(
        "SELECT status, next_attempt_at IS NOT NULL FROM notifications \
         WHERE user_id = $1 AND channel = 'EMAIL'",
    )
    .bind(dev.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        outbox,
        ("PENDING".to_owned(), true),
        "the email waits in the outbox, due now"
    );
    assert!(
        written(&pool, lead.id, t.id).await.is_empty(),
        "the actor hears nothing on any channel"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn choices_decide_which_channels_a_change_writes(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    choose(
        &dev,
        NotificationKind::TicketAssigned,
        Channel::Email,
        false,
    )
    .await
    .unwrap();
    let grid = choose(&dev, NotificationKind::TicketAssigned, Channel::Slack, true)
        .await
        .unwrap();
    assert!(!enabled(
        &grid,
        NotificationKind::TicketAssigned,
        Channel::Email
    ));
    assert!(enabled(
        &grid,
        NotificationKind::TicketAssigned,
        Channel::Slack
    ));
    assert!(
        enabled(&grid, NotificationKind::Escalated, Channel::Email),
        "other cells keep their defaults"
    );
    // SMS chosen without a phone number on the account: nothing to send it to.
    choose(&dev, NotificationKind::TicketAssigned, Channel::Sms, true)
        .await
        .unwrap();

    let first = create(&lead, new_ticket("Chosen channels", Some(dev.id)))
        .await
        .unwrap();
    assert_eq!(
        written(&pool, dev.id, first.id).await,
        rows(&[("TICKET_ASSIGNED", "IN_APP"), ("TICKET_ASSIGNED", "SLACK")])
    );

    sqlx::query("UPDATE users SET phone_number = '+4912345678' WHERE id = $1")
        .bind(dev.id)
        .execute(&pool)
        .await
        .unwrap();
    choose(
        &dev,
        NotificationKind::TicketAssigned,
        Channel::InApp,
        false,
    )
    .await
    .unwrap();
    let second = create(&lead, new_ticket("With a phone", Some(dev.id)))
        .await
        .unwrap();
    assert_eq!(
        written(&pool, dev.id, second.id).await,
        rows(&[("TICKET_ASSIGNED", "SLACK"), ("TICKET_ASSIGNED", "SMS")]),
        "in-app turned off, SMS now has a number"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn only_kinds_that_are_sent_can_be_chosen(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let refused = choose(
        &dev,
        NotificationKind::ResolutionRequest,
        Channel::Email,
        true,
    )
    .await;
    assert!(matches!(refused, Err(Error::Validation(_))), "{refused:?}");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn choices_are_private_to_their_owner(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let priya = signed_in(&pool, "priya", Role::DevopsEngineer).await;
    choose(&priya, NotificationKind::CommentAdded, Channel::Slack, true)
        .await
        .unwrap();

    // dev's session, raw SQL: the table is out of reach (issue 13: only the API's functions,
    // which take no user id), so priya's row can be neither read, written nor locked.
    for sql in [
        "SELECT count(*) FROM notification_preferences",
        "UPDATE notification_preferences SET enabled = FALSE",
        "LOCK TABLE notification_preferences IN ACCESS EXCLUSIVE MODE",
    ] {
        let mut tx = dev.tx().await;
        let code = sqlx::query(sql)
            .execute(&mut *tx)
            .await
            .unwrap_err()
            .as_database_error()
            .and_then(|e| e.code().map(|c| c.into_owned()));
        assert_eq!(code.as_deref(), Some("42501"), "{sql}");
    }

    let mut tx = dev.tx().await;
    let forged = sqlx::query(
        "INSERT INTO notification_preferences (user_id, event_type, channel, enabled) \
         VALUES ($1, 'TICKET_ASSIGNED', 'IN_APP', FALSE)",
    )
    .bind(priya.id)
    .execute(&mut *tx)
    .await;
    let code = forged
        .unwrap_err()
        .as_database_error()
        .and_then(|e| e.code().map(|c| c.into_owned()));
    assert_eq!(code.as_deref(), Some("42501"), "no INSERT on the table");
    tx.rollback().await.unwrap();

    assert!(enabled(
        &grid(&priya).await,
        NotificationKind::CommentAdded,
        Channel::Slack
    ));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_escalation_tells_whoever_it_names(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    let t = create(&erin, new_ticket("Needs a lead", None))
        .await
        .unwrap();
    // Escalations are the server's to route (issue 15): level 1 is the team lead of the
    // requestor's department, the ticket being unassigned.
    sqlx::query("UPDATE users SET department = 'Payments' WHERE id = ANY($1)")
        .bind([erin.id, lead.id])
        .execute(&pool)
        .await
        .unwrap();
    let mut tx = dev.tx().await;
    let escalated: bool = sqlx::query_scalar(
        "SELECT api.escalate_ticket($1, (SELECT version FROM api.ticket_state($1)), 'MANUAL', \
                                    'customer is down')",
    )
    .bind(t.id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(escalated);
    assert_eq!(
        written(&pool, lead.id, t.id).await,
        rows(&[("ESCALATED", "IN_APP"), ("ESCALATED", "EMAIL")])
    );
    let claimed = crate::helpers::claim(&lead).await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        claimed[0].subject.as_deref(),
        Some(format!("{} escalated to you (level 1)", t.ticket_number).as_str())
    );
    assert!(claimed[0].message.contains("customer is down"));
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_desktop_cannot_mark_its_outbox_rows_sent(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let lead = signed_in(&pool, "lena", Role::TeamLead).await;
    create(&lead, new_ticket("Outbox", Some(dev.id)))
        .await
        .unwrap();
    // The table is out of reach (issue 13); the API marks the caller's in-app rows only.
    let mut tx = dev.tx().await;
    let denied = sqlx::query("UPDATE notifications SET status = 'DELIVERED', read_at = now()")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(
        denied.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("42501")
    );
    drop(tx);
    let mut tx = dev.tx().await;
    let unread = ticketdesk::db::notifications::mark_all_read(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(unread, 0);
    let in_app: String =
        sqlx::query_scalar("SELECT status FROM notifications WHERE channel = 'IN_APP'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(in_app, "READ", "control: dev's in-app row is marked");
    let email: String =
        sqlx::query_scalar("SELECT status FROM notifications WHERE channel = 'EMAIL'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(email, "PENDING", "the worker's row is untouched");
}
