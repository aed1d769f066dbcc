//! The names of the events the backend sends the window: one list, which the UI's listeners in
//! `ui/src/lib/api.ts` are checked against (`commands::contract`).

/// A notification was claimed for the signed-in user (payload: `NotificationEvent`).
pub const NOTIFICATION: &str = "notification";
/// A ticket changed on some desktop (payload: its id).
pub const TICKETS_CHANGED: &str = "tickets-changed";
/// The live connection went up or down (payload: bool).
pub const CONNECTION: &str = "connection";
/// The offline outbox changed (payload: the whole list of `OutboxEntry`).
pub const OUTBOX: &str = "outbox";
/// Open this ticket: a click on a native notification or a tray item (payload: its id).
pub const OPEN_TICKET: &str = "open-ticket";

/// A `ticketdesk://` link is waiting (no payload): the window takes it with `take_ticket_link`.
pub const LINK_OPENED: &str = "link-opened";

pub const ALL: [&str; 6] = [
    NOTIFICATION,
    TICKETS_CHANGED,
    CONNECTION,
    OUTBOX,
    OPEN_TICKET,
    LINK_OPENED,
];
