//! Links that open a ticket in the app: `ticketdesk://ticket/TKT-2026-00042` (issue 18). The
//! desktop entry registers the scheme; the worker puts such a link in email and Slack messages.

/// The URL scheme ticketdesk handles (also in `tauri.conf.json`, `plugins.deep-link`).
pub const SCHEME: &str = "ticketdesk";

/// The link that opens ticket `number` in the app.
pub fn ticket_link(number: &str) -> String {
    format!("{SCHEME}://ticket/{number}")
}

/// Whether `text` is a ticket number as the database writes them: `TKT-<year>-<5+ digits>`.
pub fn is_ticket_number(text: &str) -> bool {
    let mut parts = text.split('-');
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("TKT"), Some(year), Some(serial), None) if digits(year, 4, 4) && digits(serial, 5, 12)
    )
}

/// The ticket number a `ticketdesk://` link names, or why it names none. Case-insensitive in
/// the number (`tkt-2026-00042` opens TKT-2026-00042); a trailing slash is allowed.
pub fn parse_ticket_link(link: &str) -> Result<String, String> {
    let link = link.trim();
    let invalid = || {
        format!("“{link}” is not a ticketdesk ticket link (ticketdesk://ticket/TKT-2026-00042).")
    };
    let rest = link
        .split_once("://")
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case(SCHEME))
        .map(|(_, rest)| rest)
        .ok_or_else(invalid)?;
    let (kind, number) = rest.split_once('/').ok_or_else(invalid)?;
    if !kind.eq_ignore_ascii_case("ticket") {
        return Err(invalid());
    }
    // A link pasted from a message may carry a query or fragment; the number is all we read.
    let number = number
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_ascii_uppercase();
    if is_ticket_number(&number) {
        Ok(number)
    } else {
        Err(invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_link_round_trips() {
        let link = ticket_link("TKT-2026-00042");
        assert_eq!(link, "ticketdesk://ticket/TKT-2026-00042");
        assert_eq!(parse_ticket_link(&link).as_deref(), Ok("TKT-2026-00042"));
    }

    #[test]
    fn links_are_read_leniently_where_users_would_expect() {
        for link in [
            "ticketdesk://ticket/tkt-2026-00042",
            "TicketDesk://Ticket/TKT-2026-00042/",
            " ticketdesk://ticket/TKT-2026-00042?from=slack ",
            "ticketdesk://ticket/TKT-2026-00042#comments",
        ] {
            assert_eq!(
                parse_ticket_link(link).as_deref(),
                Ok("TKT-2026-00042"),
                "{link}"
            );
        }
        assert_eq!(
            parse_ticket_link("ticketdesk://ticket/TKT-2027-1234567").as_deref(),
            Ok("TKT-2027-1234567")
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_expected_form() {
        for link in [
            "",
            "TKT-2026-00042",
            "https://ticket/TKT-2026-00042",
            "ticketdesk://tickets/TKT-2026-00042",
            "ticketdesk://ticket/",
            "ticketdesk://ticket/TKT-2026-0042",
            "ticketdesk://ticket/TKT-26-00042",
            "ticketdesk://ticket/TKT-2026-00042-1",
            "ticketdesk://ticket/TKT-2026-00042/comments",
            "ticketdesk://ticket/TKT-2026-0004x",
            "ticketdesk://ticket/../TKT-2026-00042",
        ] {
            let err = parse_ticket_link(link).expect_err(link);
            assert!(err.contains("ticketdesk://ticket/TKT-2026-00042"), "{err}");
        }
    }
}
