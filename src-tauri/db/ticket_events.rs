//! Who hears about a change to a ticket (SPEC §7): the notification rows a change writes, in
//! the change's own transaction, so there is never one without the other. Nobody is notified
//! of their own action.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::{notifications, users};
use crate::domain::permissions::Actor;
use crate::domain::ticket::{Status, TicketSummary};
use crate::error::Result;

struct Event<'a> {
    kind: &'static str,
    subject: String,
    message: String,
    ticket: &'a TicketSummary,
}

async fn send(tx: &mut PgConnection, actor: Actor, to: Uuid, event: Event<'_>) -> Result<()> {
    if to == actor.id {
        return Ok(());
    }
    notifications::create_in_app(
        &mut *tx,
        notifications::NewInApp {
            user_id: to,
            ticket_id: event.ticket.id,
            kind: event.kind,
            subject: event.subject,
            message: event.message,
            priority: event.ticket.priority.notification_priority(),
        },
    )
    .await?;
    Ok(())
}

async fn name_of(tx: &mut PgConnection, actor: Actor) -> Result<String> {
    Ok(users::find_active(&mut *tx, actor.id).await?.display_name)
}

/// The ticket is now `assignee`'s.
pub async fn assigned(
    tx: &mut PgConnection,
    actor: Actor,
    ticket: &TicketSummary,
    assignee: Uuid,
) -> Result<()> {
    if assignee == actor.id {
        return Ok(());
    }
    let who = name_of(tx, actor).await?;
    let event = Event {
        kind: "TICKET_ASSIGNED",
        subject: format!("{} assigned to you", ticket.ticket_number),
        message: format!("{who} assigned you: {}", ticket.title),
        ticket,
    };
    send(tx, actor, assignee, event).await
}

/// The ticket was taken from `previous` (given to someone else, or back to the queue).
pub async fn unassigned(
    tx: &mut PgConnection,
    actor: Actor,
    ticket: &TicketSummary,
    previous: Uuid,
) -> Result<()> {
    if previous == actor.id {
        return Ok(());
    }
    let who = name_of(tx, actor).await?;
    let now_with = ticket
        .assignee
        .as_ref()
        .map_or("back to the queue".to_owned(), |a| {
            format!("to {}", a.display_name)
        });
    let event = Event {
        kind: "TICKET_ASSIGNED",
        subject: format!("{} is no longer yours", ticket.ticket_number),
        message: format!("{who} moved it {now_with}: {}", ticket.title),
        ticket,
    };
    send(tx, actor, previous, event).await
}

/// The requestor hears of every move of their ticket.
pub async fn status_changed(
    tx: &mut PgConnection,
    actor: Actor,
    ticket: &TicketSummary,
    from: Status,
) -> Result<()> {
    if ticket.requestor.id == actor.id {
        return Ok(());
    }
    let who = name_of(tx, actor).await?;
    let event = Event {
        kind: if ticket.status == Status::Closed {
            "TICKET_CLOSED"
        } else {
            "STATUS_CHANGED"
        },
        subject: format!("{} is now {}", ticket.ticket_number, ticket.status),
        message: format!(
            "{who} moved it from {from} to {}: {}",
            ticket.status, ticket.title
        ),
        ticket,
    };
    send(tx, actor, ticket.requestor.id, event).await
}

/// The requestor (public comments only: internal notes are not theirs to know of) and the
/// assignee hear of a new comment.
pub async fn commented(
    tx: &mut PgConnection,
    actor: Actor,
    ticket: &TicketSummary,
    is_internal: bool,
) -> Result<()> {
    let who = name_of(tx, actor).await?;
    let mut recipients = Vec::new();
    if !is_internal {
        recipients.push(ticket.requestor.id);
    }
    if let Some(assignee) = &ticket.assignee {
        if !recipients.contains(&assignee.id) {
            recipients.push(assignee.id);
        }
    }
    for to in recipients {
        let event = Event {
            kind: "COMMENT_ADDED",
            subject: format!(
                "{} on {}",
                if is_internal {
                    "Internal note"
                } else {
                    "New comment"
                },
                ticket.ticket_number
            ),
            message: format!("{who} commented on: {}", ticket.title),
            ticket,
        };
        send(tx, actor, to, event).await?;
    }
    Ok(())
}
