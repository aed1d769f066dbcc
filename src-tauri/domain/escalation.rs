//! The escalation ladder as the desktop shows it (issue 15; SPEC §6). The database starts,
//! routes, raises and settles escalations (`sql/escalations/ladder.sql`); what is here only
//! words them: the tray's countdown, and when a snoozed alert comes back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::domain::string_enum;

string_enum! {
    /// What started an escalation (the seed's `chk_escalation_type`).
    EscalationKind {
        Manual => "MANUAL",
        Complexity => "COMPLEXITY",
        SlaBreach => "SLA_BREACH",
        MultipleReopens => "MULTIPLE_REOPENS",
        CriticalPriority => "CRITICAL_PRIORITY",
    }
}

string_enum! {
    /// Where an escalation stands (the seed's `chk_escalation_status`).
    EscalationStatus {
        Pending => "PENDING",
        Acknowledged => "ACKNOWLEDGED",
        Resolved => "RESOLVED",
        Cancelled => "CANCELLED",
    }
}

/// An open escalation: a row of the Escalations view, and the ticket header's "level 2, held
/// by Marco Rossi". The keys are those `auth.escalation_json` writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Escalation {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub ticket_number: String,
    pub title: String,
    /// 1 (team leads) to 5; 3 and above are the admins'.
    pub level: i32,
    pub kind: EscalationKind,
    pub status: EscalationStatus,
    pub reason: String,
    pub escalated_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When it rises a level unless acknowledged; None once acknowledged or at level 5.
    pub next_rise_at: Option<DateTime<Utc>>,
    /// Whom it names (the first of the people its level reaches).
    pub holder_name: Option<String>,
    /// Who escalated it; None when the server did (a breach, a P1, reopens).
    pub from_name: Option<String>,
    /// The signed-in user holds it (it reached them).
    pub mine: bool,
    /// The signed-in user may acknowledge or resolve it.
    pub can_act: bool,
}

/// What the tray needs to know (`api.my_alerts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyAlerts {
    /// Open escalations the user holds.
    pub open_escalations: i64,
    /// Of those, the ones nobody acknowledged yet.
    pub unacknowledged: i64,
    /// The user's open tickets that breached a deadline.
    pub breached: i64,
    /// The user's next deadline, if any.
    pub next: Option<Deadline>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub at: DateTime<Utc>,
    pub ticket_id: Uuid,
    pub ticket_number: String,
    pub kind: DeadlineKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineKind {
    /// The first response is due.
    Response,
    /// The resolution deadline: the ticket breaches its SLA.
    Resolution,
    /// An escalation the user holds rises a level unless acknowledged.
    Rise,
}

impl DeadlineKind {
    /// From `api.my_alerts().next_kind`.
    pub fn parse(kind: &str) -> Option<Self> {
        match kind {
            "response" => Some(Self::Response),
            "resolution" => Some(Self::Resolution),
            "rise" => Some(Self::Rise),
            _ => None,
        }
    }
}

impl MyAlerts {
    /// Something of the user's needs them now: a breach, or an escalation nobody acknowledged.
    pub fn warning(&self) -> bool {
        self.breached > 0 || self.unacknowledged > 0
    }
}

/// The tray's countdown line, e.g. "TKT-2026-00042 breaches in 12 min".
pub fn countdown(deadline: &Deadline, now: DateTime<Utc>) -> String {
    let what = match deadline.kind {
        DeadlineKind::Response => "needs a response",
        DeadlineKind::Resolution => "breaches",
        DeadlineKind::Rise => "escalation rises",
    };
    format!(
        "{} {what} {}",
        deadline.ticket_number,
        time_left(deadline.at - now)
    )
}

/// "in 12 min", rounded up to the minute so that "in 0 min" is never shown before it is due.
fn time_left(left: chrono::TimeDelta) -> String {
    let seconds = left.num_seconds();
    if seconds <= 0 {
        return "now".into();
    }
    let minutes = (seconds + 59) / 60;
    match minutes {
        1 => "in 1 min".into(),
        2..=59 => format!("in {minutes} min"),
        60..=2879 => match (minutes / 60, minutes % 60) {
            (h, 0) => format!("in {h} h"),
            (h, m) => format!("in {h} h {m} min"),
        },
        _ => format!("in {} days", minutes / 1440),
    }
}

/// How long "Snooze 10 min" holds an escalation's alert back. The escalation's rise goes on
/// meanwhile: snoozing only quiets this desktop.
pub const SNOOZE: Duration = Duration::from_secs(10 * 60);

/// The native notification's action ids (org.freedesktop.Notifications) on an escalation.
pub const ACKNOWLEDGE_ACTION: &str = "acknowledge";
pub const SNOOZE_ACTION: &str = "snooze";

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn deadline(kind: DeadlineKind, left: TimeDelta, now: DateTime<Utc>) -> Deadline {
        Deadline {
            at: now + left,
            ticket_id: Uuid::nil(),
            ticket_number: "TKT-2026-00042".into(),
            kind,
        }
    }

    #[test]
    fn the_countdown_names_the_ticket_what_happens_and_when() {
        let now = Utc::now();
        let line = |kind, left| countdown(&deadline(kind, left, now), now);
        assert_eq!(
            line(DeadlineKind::Resolution, TimeDelta::minutes(12)),
            "TKT-2026-00042 breaches in 12 min"
        );
        assert_eq!(
            line(DeadlineKind::Response, TimeDelta::seconds(61)),
            "TKT-2026-00042 needs a response in 2 min"
        );
        assert_eq!(
            line(DeadlineKind::Rise, TimeDelta::seconds(30)),
            "TKT-2026-00042 escalation rises in 1 min"
        );
        assert_eq!(
            line(DeadlineKind::Resolution, TimeDelta::minutes(-3)),
            "TKT-2026-00042 breaches now"
        );
        assert_eq!(
            line(DeadlineKind::Resolution, TimeDelta::minutes(125)),
            "TKT-2026-00042 breaches in 2 h 5 min"
        );
        assert_eq!(
            line(DeadlineKind::Resolution, TimeDelta::hours(3)),
            "TKT-2026-00042 breaches in 3 h"
        );
        assert_eq!(
            line(DeadlineKind::Resolution, TimeDelta::days(3)),
            "TKT-2026-00042 breaches in 3 days"
        );
    }

    #[test]
    fn a_breach_or_an_unacknowledged_escalation_is_a_warning() {
        let calm = MyAlerts {
            open_escalations: 2,
            unacknowledged: 0,
            breached: 0,
            next: None,
        };
        assert!(
            !calm.warning(),
            "acknowledged escalations are not a warning"
        );
        assert!(MyAlerts {
            unacknowledged: 1,
            ..calm.clone()
        }
        .warning());
        assert!(MyAlerts {
            breached: 1,
            ..calm
        }
        .warning());
    }

    #[test]
    fn kinds_and_statuses_are_spelled_as_the_database_does() {
        crate::domain::assert_serde_matches_db(EscalationKind::ALL);
        crate::domain::assert_serde_matches_db(EscalationStatus::ALL);
        assert_eq!(DeadlineKind::parse("rise"), Some(DeadlineKind::Rise));
        assert_eq!(DeadlineKind::parse("other"), None);
    }
}
