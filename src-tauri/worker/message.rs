//! A claimed outbox row and what each channel makes of it. Pure: no IO.

use uuid::Uuid;

use super::retry::SendError;
use crate::domain::link::ticket_link;

/// The channels the worker delivers (IN_APP is the desktops').
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Slack,
    Sms,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Slack, Channel::Sms];

    /// The value of `notifications.channel`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "EMAIL",
            Channel::Slack => "SLACK",
            Channel::Sms => "SMS",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a notification goes to, as the worker may read them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    /// `is_active` and status ACTIVE: an account closed since the change hears nothing.
    pub active: bool,
}

impl Recipient {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name.trim(), self.last_name.trim())
            .trim()
            .to_owned()
    }
}

/// One claimed row with what is needed to send it.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub id: Uuid,
    pub channel: Channel,
    /// `notifications.type`, e.g. TICKET_ASSIGNED.
    pub kind: String,
    pub subject: Option<String>,
    pub message: String,
    pub priority: String,
    /// Failed attempts so far.
    pub retry_count: i32,
    pub ticket_number: Option<String>,
    pub ticket_title: Option<String>,
    /// None when the user row is gone.
    pub recipient: Option<Recipient>,
}

impl Outgoing {
    /// The recipient, if they may still be told anything.
    pub fn active_recipient(&self) -> Result<&Recipient, SendError> {
        match &self.recipient {
            Some(r) if r.active => Ok(r),
            Some(_) => Err(SendError::Permanent("recipient account is inactive".into())),
            None => Err(SendError::Permanent("recipient no longer exists".into())),
        }
    }

    /// The stored subject, or one made from the type.
    pub fn subject(&self) -> String {
        match self.subject.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => s.to_owned(),
            _ => {
                let kind = self.kind.replace('_', " ").to_lowercase();
                match &self.ticket_number {
                    Some(number) => format!("{number}: {kind}"),
                    None => format!("ticketdesk: {kind}"),
                }
            }
        }
    }
}

/// The recipient's email address, or why there is none.
pub fn email_address(n: &Outgoing) -> Result<&str, SendError> {
    let recipient = n.active_recipient()?;
    match recipient.email.as_deref().map(str::trim) {
        Some(address) if !address.is_empty() => Ok(address),
        _ => Err(SendError::Permanent(
            "recipient has no email address".into(),
        )),
    }
}

/// The recipient's phone number (as stored, trimmed), or why there is none.
pub fn phone_number(n: &Outgoing) -> Result<&str, SendError> {
    let recipient = n.active_recipient()?;
    match recipient.phone_number.as_deref().map(str::trim) {
        Some(phone) if !phone.is_empty() => Ok(phone),
        _ => Err(SendError::Permanent("recipient has no phone number".into())),
    }
}

/// The plain-text body of the email.
pub fn email_body(n: &Outgoing) -> String {
    let greeting = match n.recipient.as_ref().map(|r| r.first_name.trim()) {
        Some(name) if !name.is_empty() => format!("Hello {name},"),
        _ => "Hello,".to_owned(),
    };
    let mut body = format!("{greeting}\n\n{}\n", n.message.trim());
    if let (Some(number), Some(title)) = (&n.ticket_number, &n.ticket_title) {
        body.push_str(&format!("\nTicket {number}: {title}\n"));
        body.push_str(&format!("Open it in ticketdesk: {}\n", ticket_link(number)));
    }
    if n.priority == "URGENT" || n.priority == "HIGH" {
        body.push_str(&format!("Priority: {}\n", n.priority.to_lowercase()));
    }
    body.push_str(
        "\n-- \nticketdesk. You receive this because of your notification settings; \
         change them in the app.\n",
    );
    body
}

/// The Slack message text (mrkdwn): the subject in bold, then the message, for whom.
pub fn slack_text(n: &Outgoing) -> String {
    let mut text = format!(
        "*{}*\n{}",
        slack_escape(&n.subject()),
        slack_escape(n.message.trim())
    );
    // The link as plain text: Slack makes links of web addresses only.
    if let Some(number) = &n.ticket_number {
        text.push_str(&format!(
            "\n{} · {}",
            slack_escape(number),
            slack_escape(&ticket_link(number))
        ));
    }
    if let Some(recipient) = &n.recipient {
        text.push_str(&format!("\n_for {}_", slack_escape(&recipient.name())));
    }
    text
}

/// Slack reads `<…>` as links and mentions and `&` as an entity: escape them.
pub fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Longest SMS text sent: two concatenated GSM segments' worth.
pub const MAX_SMS_CHARS: usize = 300;

/// The SMS text: subject and message on one short line.
pub fn sms_text(n: &Outgoing) -> String {
    let text = format!("{}: {}", n.subject(), n.message.trim());
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    super::retry::truncate(&text, MAX_SMS_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing() -> Outgoing {
        Outgoing {
            id: Uuid::nil(),
            channel: Channel::Email,
            kind: "TICKET_ASSIGNED".into(),
            subject: Some("TD-0042 assigned to you".into()),
            message: "Lena Lead assigned you: Disk <full> & slow".into(),
            priority: "HIGH".into(),
            retry_count: 0,
            ticket_number: Some("TD-0042".into()),
            ticket_title: Some("Disk <full> & slow".into()),
            recipient: Some(Recipient {
                first_name: "Dev".into(),
                last_name: "Ops".into(),
                email: Some(" dev@example.com ".into()),
                phone_number: Some("+15550100".into()),
                active: true,
            }),
        }
    }

    #[test]
    fn channels_round_trip_and_in_app_is_not_ours() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("IN_APP"), None);
    }

    #[test]
    fn email() {
        let n = outgoing();
        assert_eq!(n.subject(), "TD-0042 assigned to you");
        assert_eq!(email_address(&n), Ok("dev@example.com"));
        let body = email_body(&n);
        assert!(body.starts_with("Hello Dev,\n\nLena Lead assigned you: Disk <full> & slow\n"));
        assert!(body.contains(
            "Ticket TD-0042: Disk <full> & slow\nOpen it in ticketdesk: ticketdesk://ticket/TD-0042\n"
        ));
        assert!(body.contains("Priority: high"));
    }

    #[test]
    fn a_missing_subject_is_made_from_the_type() {
        let mut n = outgoing();
        n.subject = Some("  ".into());
        assert_eq!(n.subject(), "TD-0042: ticket assigned");
        n.ticket_number = None;
        n.subject = None;
        assert_eq!(n.subject(), "ticketdesk: ticket assigned");
    }

    #[test]
    fn slack_escapes_markup() {
        let text = slack_text(&outgoing());
        assert_eq!(
            text,
            "*TD-0042 assigned to you*\nLena Lead assigned you: Disk &lt;full&gt; &amp; slow\n\
             TD-0042 · ticketdesk://ticket/TD-0042\n_for Dev Ops_"
        );
    }

    #[test]
    fn sms_is_one_short_line() {
        let mut n = outgoing();
        assert_eq!(
            sms_text(&n),
            "TD-0042 assigned to you: Lena Lead assigned you: Disk <full> & slow"
        );
        n.message = format!("line one\n\nline   two {}", "x".repeat(400));
        let text = sms_text(&n);
        assert!(text.contains("line one line two"));
        assert_eq!(text.chars().count(), MAX_SMS_CHARS);
        assert_eq!(phone_number(&n), Ok("+15550100"));
    }

    #[test]
    fn nowhere_to_send_is_permanent() {
        let mut n = outgoing();
        let r = n.recipient.as_mut().unwrap();
        r.phone_number = Some("  ".into());
        r.email = None;
        assert!(matches!(phone_number(&n), Err(SendError::Permanent(_))));
        assert!(matches!(email_address(&n), Err(SendError::Permanent(_))));
        n.recipient.as_mut().unwrap().active = false;
        assert_eq!(
            phone_number(&n),
            Err(SendError::Permanent("recipient account is inactive".into()))
        );
        n.recipient = None;
        assert!(matches!(email_address(&n), Err(SendError::Permanent(_))));
    }
}
