//! What a draft is keyed by, and how much of one is kept (issue 16; SPEC §9). A draft is
//! whatever the form holds, as the UI's JSON; the key says which form (and which ticket).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

/// A kept draft as the UI gets it back: the form's fields, and when they were saved ("Draft
/// restored from 10:42").
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SavedDraft {
    pub body: serde_json::Value,
    pub saved_at: DateTime<Utc>,
}

/// The forms whose text is kept as it is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DraftKey {
    /// The new-ticket form (all its fields).
    NewTicket,
    /// A ticket's comment box.
    Comment(Uuid),
    /// A ticket's resolution notes.
    Resolve(Uuid),
    /// A ticket's escalation reason.
    Escalate(Uuid),
}

/// A draft's JSON may be at most this long: a description of 50,000 characters (the comment
/// limit) with every character four bytes, and the other fields.
pub const DRAFT_MAX_BYTES: usize = 256 * 1024;

impl fmt::Display for DraftKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DraftKey::NewTicket => f.write_str("new-ticket"),
            DraftKey::Comment(id) => write!(f, "comment:{id}"),
            DraftKey::Resolve(id) => write!(f, "resolve:{id}"),
            DraftKey::Escalate(id) => write!(f, "escalate:{id}"),
        }
    }
}

impl FromStr for DraftKey {
    type Err = String;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        if key == "new-ticket" {
            return Ok(DraftKey::NewTicket);
        }
        let unknown = || format!("unknown draft {key:?}");
        let (form, ticket) = key.split_once(':').ok_or_else(unknown)?;
        let ticket = Uuid::parse_str(ticket).map_err(|_| unknown())?;
        match form {
            "comment" => Ok(DraftKey::Comment(ticket)),
            "resolve" => Ok(DraftKey::Resolve(ticket)),
            "escalate" => Ok(DraftKey::Escalate(ticket)),
            _ => Err(unknown()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_nothing_else_is_a_key() {
        let ticket = Uuid::new_v4();
        for key in [
            DraftKey::NewTicket,
            DraftKey::Comment(ticket),
            DraftKey::Resolve(ticket),
            DraftKey::Escalate(ticket),
        ] {
            assert_eq!(key.to_string().parse::<DraftKey>(), Ok(key));
        }
        assert_eq!(
            format!("comment:{ticket}").parse(),
            Ok(DraftKey::Comment(ticket))
        );
        for bad in [
            "",
            "new-ticket:x",
            "comment",
            "comment:",
            "comment:not-a-uuid",
            &format!("other:{ticket}"),
            "../../etc/passwd",
        ] {
            assert!(bad.parse::<DraftKey>().is_err(), "{bad:?}");
        }
    }
}
