//! "Why this deadline?" (issue 14, item 5): the database walks a ticket's SLA time step by step
//! (`sql/sla/deadline.sql`, the same walk that set the deadline) and returns the steps; this
//! words them for a person. Nothing here computes a deadline, so nothing here can drift from
//! the one that is stored.

use chrono::{Datelike, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What `api.ticket_sla` returns: the policy, and each deadline's walk. Times are local to the
/// policy's zone.
#[derive(Debug, Clone, Deserialize)]
pub struct SlaWalk {
    pub policy: PolicyTerms,
    pub paused_since: Option<NaiveDateTime>,
    pub deadlines: Vec<DeadlineWalk>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PolicyTerms {
    pub name: String,
    pub business_hours_only: bool,
    pub start_hour: u32,
    pub end_hour: u32,
    pub include_weekends: bool,
    pub time_zone: String,
    pub calendar: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DeadlineWalk {
    /// `response` or `resolution`.
    pub kind: String,
    pub minutes: i64,
    /// None: the ticket has no such deadline (e.g. loaded without one).
    pub state: Option<SlaState>,
    pub met_at: Option<NaiveDateTime>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Step {
    pub kind: StepKind,
    pub from_local: NaiveDateTime,
    pub to_local: NaiveDateTime,
    pub minutes: i64,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Counted,
    Closed,
    Holiday,
    Paused,
    Due,
}

/// Where a deadline stands, as the queue's SLA column and the ticket colour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SlaState {
    /// Time left, under 80 % used.
    Ok,
    /// 80 % of the time used (the sweep has warned, or is about to).
    Warning,
    Breached,
    /// The ticket waits for its requestor: the clock stands still.
    Paused,
    /// Met in time.
    Met,
}

/// Something the SLA clock did, for the ticket's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SlaEvent {
    pub kind: SlaEventKind,
    pub at: chrono::DateTime<chrono::Utc>,
    /// `response` or `resolution`, for the events about one deadline.
    pub deadline: Option<String>,
    /// How long a pause took, in business minutes (on `resumed`).
    pub minutes: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SlaEventKind {
    ResponseMet,
    Paused,
    Resumed,
    Warning,
    Breach,
}

impl std::str::FromStr for SlaState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map_err(|_| format!("unknown SLA state {s:?}"))
    }
}

/// One deadline, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DeadlineExplanation {
    /// `response` or `resolution`.
    pub kind: String,
    pub state: Option<SlaState>,
    /// "Wed 23 Dec 15:10", local to the policy's zone.
    pub due: String,
    /// The whole "why" as one sentence: policy; each step; due.
    pub summary: String,
    /// The same, a line per step.
    pub steps: Vec<String>,
}

/// A ticket's SLA, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SlaExplanation {
    pub policy: String,
    /// "24 h in business hours Mon–Fri 09:00–17:00 Europe/Berlin, holidays of Germany".
    pub terms: String,
    /// "Paused since Tue 1 Dec 10:00 (pending info): the deadlines move when it resumes".
    pub paused: Option<String>,
    pub deadlines: Vec<DeadlineExplanation>,
}

/// An SLA policy as managers keep it (the seed's `sla_policies`, plus its time zone and
/// holiday calendar). The database validates every field (`api.save_sla_policy`): the desktop,
/// the CLI and a hostile `psql` meet the same rules and the same messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SlaPolicy {
    /// None: a new policy.
    pub id: Option<uuid::Uuid>,
    pub name: String,
    pub description: Option<String>,
    pub priority: crate::domain::vocabulary::Priority,
    /// None: every category.
    pub category: Option<crate::domain::vocabulary::Category>,
    pub response_time_minutes: i32,
    pub resolution_time_minutes: i32,
    pub business_hours_only: bool,
    pub business_start_hour: i32,
    pub business_end_hour: i32,
    pub include_weekends: bool,
    pub time_zone: String,
    pub calendar_id: Option<uuid::Uuid>,
    /// Read only: the calendar's name.
    #[serde(default)]
    pub calendar_name: Option<String>,
    pub is_active: bool,
    pub effective_from: chrono::NaiveDate,
    pub effective_until: Option<chrono::NaiveDate>,
    /// The version read; a save with an older one is refused (someone else saved meanwhile).
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A named calendar of closed days, assignable to policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HolidayCalendar {
    /// None: a new calendar.
    pub id: Option<uuid::Uuid>,
    pub name: String,
    pub description: Option<String>,
    pub holidays: Vec<Holiday>,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Holiday {
    pub day: chrono::NaiveDate,
    pub label: Option<String>,
}

/// Words a walk.
pub fn explain(walk: &SlaWalk) -> SlaExplanation {
    SlaExplanation {
        policy: walk.policy.name.clone(),
        terms: terms(&walk.policy, None),
        paused: walk.paused_since.map(|at| {
            format!(
                "Paused since {} (pending info): the deadlines move by the paused time when it resumes",
                moment(at)
            )
        }),
        deadlines: walk
            .deadlines
            .iter()
            .map(|d| explain_deadline(&walk.policy, d))
            .collect(),
    }
}

fn explain_deadline(policy: &PolicyTerms, deadline: &DeadlineWalk) -> DeadlineExplanation {
    let steps = step_lines(&deadline.steps);
    let due = deadline
        .steps
        .iter()
        .find(|s| s.kind == StepKind::Due)
        .map(|s| moment(s.to_local))
        .unwrap_or_default();
    let mut parts = vec![format!(
        "policy {}: {}",
        policy.name,
        terms(policy, Some(deadline.minutes))
    )];
    parts.extend(steps.iter().cloned());
    DeadlineExplanation {
        kind: deadline.kind.clone(),
        state: deadline.state,
        due,
        summary: parts.join("; "),
        steps,
    }
}

/// "8 h in business hours Mon–Fri 09:00–17:00 Europe/Berlin" (with `minutes`), or without.
fn terms(policy: &PolicyTerms, minutes: Option<i64>) -> String {
    let time = minutes
        .map(|m| format!("{} ", duration(m)))
        .unwrap_or_default();
    if !policy.business_hours_only {
        return format!("{time}around the clock");
    }
    let days = if policy.include_weekends {
        "Mon–Sun"
    } else {
        "Mon–Fri"
    };
    let holidays = match (&policy.calendar, minutes) {
        (Some(calendar), None) => format!(", holidays of {calendar}"),
        _ => String::new(),
    };
    format!(
        "{time}in business hours {days} {:02}:00–{:02}:00 {}{holidays}",
        policy.start_hour, policy.end_hour, policy.time_zone
    )
}

/// One line per step; consecutive closed days become one line ("Sat 19 Dec–Sun 20 Dec closed").
fn step_lines(steps: &[Step]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut i = 0;
    while i < steps.len() {
        let step = &steps[i];
        // A stretch under a minute (a pause undone at once, a start at closing time) says
        // nothing a person needs.
        if matches!(step.kind, StepKind::Counted | StepKind::Paused) && step.minutes == 0 {
            i += 1;
            continue;
        }
        match step.kind {
            StepKind::Closed => {
                let mut last = step;
                while let Some(next) = steps.get(i + 1) {
                    if next.kind != StepKind::Closed || next.from_local != last.to_local {
                        break;
                    }
                    last = next;
                    i += 1;
                }
                if std::ptr::eq(last, step) {
                    lines.push(format!("{} closed", day(step.from_local)));
                } else {
                    lines.push(format!(
                        "{}–{} closed",
                        day(step.from_local),
                        day(last.from_local)
                    ));
                }
            }
            StepKind::Holiday => lines.push(match &step.label {
                Some(label) => format!("{} holiday ({label})", day(step.from_local)),
                None => format!("{} holiday", day(step.from_local)),
            }),
            StepKind::Counted => lines.push(format!(
                "{} counted {}",
                stretch(step.from_local, step.to_local),
                duration(step.minutes)
            )),
            StepKind::Paused => lines.push(format!(
                "paused {} while pending info ({})",
                duration(step.minutes),
                stretch(step.from_local, step.to_local)
            )),
            StepKind::Due => lines.push(format!("due {}", moment(step.to_local))),
        }
        i += 1;
    }
    lines
}

/// "Fri 18 Dec"
fn day(at: NaiveDateTime) -> String {
    format!("{} {} {}", at.format("%a"), at.day(), at.format("%b"))
}

/// "Fri 18 Dec 15:10"
fn moment(at: NaiveDateTime) -> String {
    format!("{} {:02}:{:02}", day(at), at.hour(), at.minute())
}

/// "Fri 18 Dec 15:10–17:00", or across days "Fri 18 Dec 22:00 – Sat 19 Dec 06:00".
fn stretch(from: NaiveDateTime, to: NaiveDateTime) -> String {
    if from.date() == to.date() {
        format!("{}–{:02}:{:02}", moment(from), to.hour(), to.minute())
    } else if to.time() == chrono::NaiveTime::MIN
        && to.date() == from.date().succ_opt().unwrap_or(to.date())
    {
        format!("{}–24:00", moment(from))
    } else {
        format!("{} – {}", moment(from), moment(to))
    }
}

/// "50 min", "8 h", "2 h 05 min".
pub fn duration(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(m: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, m, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    fn step(kind: StepKind, from: NaiveDateTime, to: NaiveDateTime, minutes: i64) -> Step {
        Step {
            kind,
            from_local: from,
            to_local: to,
            minutes,
            label: None,
        }
    }

    fn berlin() -> PolicyTerms {
        PolicyTerms {
            name: "P2 High".into(),
            business_hours_only: true,
            start_hour: 9,
            end_hour: 17,
            include_weekends: false,
            time_zone: "Europe/Berlin".into(),
            calendar: Some("Germany".into()),
        }
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration(50), "50 min");
        assert_eq!(duration(480), "8 h");
        assert_eq!(duration(125), "2 h 05 min");
        assert_eq!(duration(0), "0 min");
    }

    #[test]
    fn a_walk_reads_as_the_issue_describes_it() {
        let mut christmas_eve = step(StepKind::Holiday, at(12, 24, 0, 0), at(12, 25, 0, 0), 0);
        christmas_eve.label = Some("Christmas Eve".into());
        let walk = SlaWalk {
            policy: berlin(),
            paused_since: None,
            deadlines: vec![DeadlineWalk {
                kind: "resolution".into(),
                minutes: 480,
                state: Some(SlaState::Ok),
                met_at: None,
                steps: vec![
                    step(StepKind::Counted, at(12, 18, 16, 10), at(12, 18, 17, 0), 50),
                    step(StepKind::Closed, at(12, 19, 0, 0), at(12, 20, 0, 0), 0),
                    step(StepKind::Closed, at(12, 20, 0, 0), at(12, 21, 0, 0), 0),
                    step(StepKind::Counted, at(12, 21, 9, 0), at(12, 21, 10, 0), 60),
                    step(StepKind::Paused, at(12, 21, 10, 0), at(12, 21, 12, 5), 125),
                    step(StepKind::Counted, at(12, 21, 12, 5), at(12, 21, 17, 0), 295),
                    step(StepKind::Counted, at(12, 22, 9, 0), at(12, 22, 10, 15), 75),
                    christmas_eve,
                    step(StepKind::Due, at(12, 18, 16, 10), at(12, 22, 10, 15), 480),
                ],
            }],
        };
        let explained = explain(&walk);
        assert_eq!(
            explained.terms,
            "in business hours Mon–Fri 09:00–17:00 Europe/Berlin, holidays of Germany"
        );
        let resolution = &explained.deadlines[0];
        assert_eq!(resolution.due, "Tue 22 Dec 10:15");
        assert_eq!(
            resolution.summary,
            "policy P2 High: 8 h in business hours Mon–Fri 09:00–17:00 Europe/Berlin; \
             Fri 18 Dec 16:10–17:00 counted 50 min; Sat 19 Dec–Sun 20 Dec closed; \
             Mon 21 Dec 09:00–10:00 counted 1 h; \
             paused 2 h 05 min while pending info (Mon 21 Dec 10:00–12:05); \
             Mon 21 Dec 12:05–17:00 counted 4 h 55 min; Tue 22 Dec 09:00–10:15 counted 1 h 15 min; \
             Thu 24 Dec holiday (Christmas Eve); due Tue 22 Dec 10:15"
        );
        assert_eq!(explained.paused, None);
    }

    #[test]
    fn a_lone_closed_day_and_a_round_the_clock_stretch() {
        let lines = step_lines(&[
            step(StepKind::Paused, at(12, 18, 17, 24), at(12, 18, 17, 24), 0),
            step(StepKind::Closed, at(12, 19, 0, 0), at(12, 20, 0, 0), 0),
            step(StepKind::Counted, at(12, 20, 22, 0), at(12, 21, 6, 0), 480),
            step(StepKind::Counted, at(12, 21, 6, 0), at(12, 22, 0, 0), 1080),
        ]);
        assert_eq!(
            lines,
            [
                "Sat 19 Dec closed",
                "Sun 20 Dec 22:00 – Mon 21 Dec 06:00 counted 8 h",
                "Mon 21 Dec 06:00–24:00 counted 18 h",
            ]
        );
        let mut around = berlin();
        around.business_hours_only = false;
        assert_eq!(terms(&around, Some(240)), "4 h around the clock");
    }

    #[test]
    fn a_paused_ticket_says_its_deadlines_move_when_it_resumes() {
        let walk = SlaWalk {
            policy: berlin(),
            paused_since: Some(at(12, 1, 10, 0)),
            deadlines: vec![],
        };
        assert_eq!(
            explain(&walk).paused.as_deref(),
            Some("Paused since Tue 1 Dec 10:00 (pending info): the deadlines move by the paused time when it resumes")
        );
    }

    #[test]
    fn the_walk_of_the_database_deserialises() {
        let walk: SlaWalk = serde_json::from_value(serde_json::json!({
            "policy": {"name": "P3", "business_hours_only": true, "start_hour": 9, "end_hour": 17,
                       "include_weekends": false, "time_zone": "UTC", "calendar": null},
            "created_at": "2026-12-18T15:10:00",
            "paused_since": null,
            "deadlines": [{"kind": "response", "minutes": 120, "state": "met",
                           "met_at": "2026-12-18T15:30:00", "breached": false,
                           "steps": [{"kind": "due", "from_local": "2026-12-18T15:10:00",
                                      "to_local": "2026-12-21T09:10:00", "minutes": 120,
                                      "label": null}]}]
        }))
        .unwrap();
        assert_eq!(walk.deadlines[0].state, Some(SlaState::Met));
        assert_eq!(explain(&walk).deadlines[0].due, "Mon 21 Dec 09:10");
    }
}
