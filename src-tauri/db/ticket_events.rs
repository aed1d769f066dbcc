//! Who hears about a change to a ticket (SPEC §7): the notification rows a change writes, in
//! the change's own transaction, so there is never one without the other. Nobody is notified
//! of their own action.
//!
//! One [`Notices`] serves one use case, so the actor's name is looked up once however many
//! people hear of the change (an assignment can tell the new and the previous assignee and the
//! requestor).

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

/// The notices of one change made by `actor`.
pub struct Notices {
    actor: Actor,
    actor_name: Option<String>,
}

impl Notices {
    pub fn by(actor: Actor) -> Self {
        Self {
            actor,
            actor_name: None,
        }
    }

    /// The actor's display name, read on first need only.
    async fn who(&mut self, tx: &mut PgConnection) -> Result<String> {
        if self.actor_name.is_none() {
            self.actor_name = Some(
                users::find_active(&mut *tx, self.actor.id)
                    .await?
                    .display_name,
            );
        }
        Ok(self.actor_name.clone().unwrap_or_default())
    }

    /// The ticket is now `assignee`'s.
    pub async fn assigned(
        &mut self,
        tx: &mut PgConnection,
        ticket: &TicketSummary,
        assignee: Uuid,
    ) -> Result<()> {
        if assignee == self.actor.id {
            return Ok(());
        }
        let who = self.who(tx).await?;
        let event = Event {
            kind: "TICKET_ASSIGNED",
            subject: format!("{} assigned to you", ticket.ticket_number),
            message: format!("{who} assigned you: {}", ticket.title),
            ticket,
        };
        send(tx, self.actor, assignee, event).await
    }

    /// The ticket was taken from `previous` (given to someone else, or back to the queue).
    pub async fn unassigned(
        &mut self,
        tx: &mut PgConnection,
        ticket: &TicketSummary,
        previous: Uuid,
    ) -> Result<()> {
        if previous == self.actor.id {
            return Ok(());
        }
        let who = self.who(tx).await?;
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
        send(tx, self.actor, previous, event).await
    }

    /// The requestor hears of every move of their ticket.
    pub async fn status_changed(
        &mut self,
        tx: &mut PgConnection,
        ticket: &TicketSummary,
        from: Status,
    ) -> Result<()> {
        if ticket.requestor.id == self.actor.id {
            return Ok(());
        }
        let who = self.who(tx).await?;
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
        send(tx, self.actor, ticket.requestor.id, event).await
    }

    /// The requestor (public comments only: internal notes are not theirs to know of) and the
    /// assignee hear of a new comment.
    pub async fn commented(
        &mut self,
        tx: &mut PgConnection,
        ticket: &TicketSummary,
        is_internal: bool,
    ) -> Result<()> {
        let who = self.who(tx).await?;
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
            send(tx, self.actor, to, event).await?;
        }
        Ok(())
    }
}
