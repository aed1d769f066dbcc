//! The ticket lifecycle of SPEC §3 and who may drive it (SPEC §4): the transition table, the
//! rules for assignment and priority, and the actions a person is offered on a ticket.
//!
//! The database enforces the same table (`ticket_transitions`, checked equal to [`TRANSITIONS`]
//! by an integration test) so that a client which skips these checks is still refused.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use super::permissions::Actor;
use super::string_enum;
use super::user::Role;
use super::vocabulary::Status;

string_enum! {
    /// Who may make one move of the transition table.
    Mover {
        /// Any engineer (`DEVOPS_ENGINEER` and above).
        Engineer => "ENGINEER",
        /// A `TEAM_LEAD`, `MANAGER` or `ADMIN`.
        Lead => "LEAD",
        /// The ticket's requestor, or a lead.
        RequestorOrLead => "REQUESTOR_OR_LEAD",
        /// The ticket's requestor, or any engineer.
        RequestorOrEngineer => "REQUESTOR_OR_ENGINEER",
        /// A senior engineer or above (escalations are theirs to resolve).
        Senior => "SENIOR",
        /// A senior engineer or above, and only back to the status held before escalating.
        SeniorReturn => "SENIOR_RETURN",
    }
}

use Mover::*;
use Status::*;

/// SPEC §3's table: every allowed move and who may make it. Anything absent is refused.
pub const TRANSITIONS: &[(Status, Status, Mover)] = &[
    (New, Open, Engineer),
    (New, InProgress, Engineer),
    (New, PendingInfo, Engineer),
    (New, Closed, Lead),
    (New, Escalated, Engineer),
    (Open, InProgress, Engineer),
    (Open, PendingInfo, Engineer),
    (Open, Resolved, Engineer),
    (Open, Escalated, Engineer),
    (InProgress, Open, Engineer),
    (InProgress, PendingInfo, Engineer),
    (InProgress, Resolved, Engineer),
    (InProgress, Escalated, Engineer),
    (PendingInfo, InProgress, Engineer),
    (PendingInfo, Resolved, Engineer),
    (PendingInfo, Escalated, Engineer),
    (Resolved, Closed, RequestorOrLead),
    (Resolved, Reopened, RequestorOrEngineer),
    (Closed, Reopened, RequestorOrLead),
    (Reopened, Open, Engineer),
    (Reopened, InProgress, Engineer),
    (Reopened, PendingInfo, Engineer),
    (Reopened, Resolved, Engineer),
    (Reopened, Escalated, Engineer),
    (Escalated, New, SeniorReturn),
    (Escalated, Open, SeniorReturn),
    (Escalated, InProgress, SeniorReturn),
    (Escalated, PendingInfo, SeniorReturn),
    (Escalated, Reopened, SeniorReturn),
    (Escalated, Resolved, Senior),
];

/// A closed ticket may be reopened for this long after it closed.
pub const REOPEN_WINDOW_DAYS: i64 = 30;

/// What the rules need to know about a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketState {
    pub status: Status,
    pub requestor_id: Uuid,
    pub assignee_id: Option<Uuid>,
    pub closed_at: Option<DateTime<Utc>>,
    pub status_before_escalation: Option<Status>,
}

fn is_lead(role: Role) -> bool {
    matches!(role, Role::TeamLead | Role::Manager | Role::Admin)
}

fn may_move(mover: Mover, ticket: &TicketState, actor: Actor, to: Status) -> bool {
    let requestor = ticket.requestor_id == actor.id;
    match mover {
        Engineer => actor.role.is_engineer(),
        Lead => is_lead(actor.role),
        RequestorOrLead => requestor || is_lead(actor.role),
        RequestorOrEngineer => requestor || actor.role.is_engineer(),
        Senior => actor.role.is_senior_or_above(),
        SeniorReturn => {
            actor.role.is_senior_or_above() && ticket.status_before_escalation == Some(to)
        }
    }
}

/// Why a change is refused: the person may not make it, or nobody may make it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Forbidden(String),
    Invalid(String),
}

impl Refusal {
    pub fn message(&self) -> &str {
        match self {
            Refusal::Forbidden(m) | Refusal::Invalid(m) => m,
        }
    }
}

/// Why `actor` may not move `ticket` to `to` now, if they may not. `resolution_notes` are
/// what the actor typed (required to resolve).
pub fn check_transition(
    ticket: &TicketState,
    actor: Actor,
    to: Status,
    resolution_notes: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let from = ticket.status;
    let Some(&(_, _, mover)) = TRANSITIONS.iter().find(|(f, t, _)| *f == from && *t == to) else {
        return Err(Refusal::Invalid(format!(
            "A {} ticket cannot move to {}. Allowed from {}: {}.",
            from,
            to,
            from,
            allowed_from(from)
        )));
    };
    if !may_move(mover, ticket, actor, to) {
        return Err(match mover {
            SeniorReturn if actor.role.is_senior_or_above() => Refusal::Invalid(format!(
                "An escalated ticket goes back to {} or to RESOLVED.",
                ticket
                    .status_before_escalation
                    .map_or("its previous status".to_owned(), |s| s.to_string())
            )),
            _ => Refusal::Forbidden(format!(
                "{from} → {to} is for {}.",
                mover_description(mover)
            )),
        });
    }
    if from == Closed && to == Reopened {
        let window_open = ticket
            .closed_at
            .is_none_or(|at| now - at <= Duration::days(REOPEN_WINDOW_DAYS));
        if !window_open {
            return Err(Refusal::Invalid(format!(
                "A ticket closed more than {REOPEN_WINDOW_DAYS} days ago cannot be reopened; \
                 file a new one."
            )));
        }
    }
    if to == Resolved && resolution_notes.is_none_or(|n| n.trim().is_empty()) {
        return Err(Refusal::Invalid(
            "Say how it was resolved: resolution notes are required.".into(),
        ));
    }
    Ok(())
}

fn allowed_from(from: Status) -> String {
    let targets: Vec<&str> = TRANSITIONS
        .iter()
        .filter(|(f, _, _)| *f == from)
        .map(|(_, t, _)| t.as_str())
        .collect();
    if targets.is_empty() {
        "nothing".into()
    } else {
        targets.join(", ")
    }
}

fn mover_description(mover: Mover) -> &'static str {
    match mover {
        Engineer => "engineers",
        Lead => "team leads, managers and admins",
        RequestorOrLead => "the requestor or a team lead, manager or admin",
        RequestorOrEngineer => "the requestor or an engineer",
        Senior | SeniorReturn => "senior engineers and above",
    }
}

/// The statuses `actor` may move `ticket` to now (resolution notes aside).
pub fn allowed_transitions(ticket: &TicketState, actor: Actor, now: DateTime<Utc>) -> Vec<Status> {
    TRANSITIONS
        .iter()
        .filter(|(from, _, _)| *from == ticket.status)
        .map(|(_, to, _)| *to)
        .filter(|to| check_transition(ticket, actor, *to, Some("notes"), now).is_ok())
        .collect()
}

/// What happens to the assignee when a ticket moves: putting an in-progress ticket back to
/// OPEN returns it to the queue (SPEC §3: "OPEN (unassigned)").
pub fn assignee_after_transition(ticket: &TicketState, to: Status) -> Option<Uuid> {
    if ticket.status == InProgress && to == Open {
        None
    } else {
        ticket.assignee_id
    }
}

/// Why `actor` may not give `ticket` to `assignee` (None: unassign), if they may not.
/// `assignee_role` is the new assignee's role.
pub fn check_assignment(
    ticket: &TicketState,
    actor: Actor,
    assignee: Option<(Uuid, Role)>,
) -> Result<(), Refusal> {
    let invalid = |m: &str| Err(Refusal::Invalid(m.to_owned()));
    let forbidden = |m: &str| Err(Refusal::Forbidden(m.to_owned()));
    if matches!(ticket.status, Resolved | Closed) {
        return Err(Refusal::Invalid(format!(
            "A {} ticket is not assigned any more; reopen it first.",
            ticket.status
        )));
    }
    if !actor.role.is_engineer() {
        return forbidden("Only engineers take or assign tickets.");
    }
    match assignee {
        Some((id, _)) if ticket.assignee_id == Some(id) => {
            invalid("The ticket is already assigned to them.")
        }
        Some((_, role)) if !role.is_engineer() => {
            invalid("Tickets can only be assigned to engineers.")
        }
        Some((id, _)) if id == actor.id => Ok(()),
        None if ticket.assignee_id.is_none() => invalid("The ticket is not assigned."),
        None if ticket.assignee_id == Some(actor.id) => Ok(()),
        _ if actor.role.is_senior_or_above() => Ok(()),
        Some(_) => forbidden("Only senior engineers and above assign tickets to others."),
        None => forbidden("Only senior engineers and above unassign someone else."),
    }
}

/// Taking or being given a NEW ticket triages it (SPEC §3: NEW → OPEN "triaged/assigned").
pub fn status_after_assignment(ticket: &TicketState, assignee: Option<Uuid>) -> Status {
    if ticket.status == New && assignee.is_some() {
        Open
    } else {
        ticket.status
    }
}

/// SPEC §4: priority is set by senior engineers and above.
pub fn check_priority_change(actor: Actor) -> Result<(), Refusal> {
    if actor.role.is_senior_or_above() {
        Ok(())
    } else {
        Err(Refusal::Forbidden(
            "Only senior engineers and above change a ticket's priority.".into(),
        ))
    }
}

/// What the detail view offers `actor` on a ticket: only moves that would be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TicketActions {
    pub transitions: Vec<Status>,
    pub can_take: bool,
    pub can_assign_others: bool,
    pub can_unassign: bool,
    pub can_change_priority: bool,
    pub can_comment_internal: bool,
}

pub fn actions(ticket: &TicketState, actor: Actor, now: DateTime<Utc>) -> TicketActions {
    let open_for_assignment = !matches!(ticket.status, Resolved | Closed);
    TicketActions {
        transitions: allowed_transitions(ticket, actor, now),
        can_take: check_assignment(ticket, actor, Some((actor.id, actor.role))).is_ok(),
        can_assign_others: open_for_assignment && actor.role.is_senior_or_above(),
        can_unassign: check_assignment(ticket, actor, None).is_ok(),
        can_change_priority: check_priority_change(actor).is_ok(),
        can_comment_internal: actor.role.is_engineer(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            id: Uuid::new_v4(),
            role,
        }
    }

    fn ticket(status: Status) -> TicketState {
        TicketState {
            status,
            requestor_id: Uuid::new_v4(),
            assignee_id: None,
            closed_at: None,
            status_before_escalation: None,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000, 0).unwrap()
    }

    #[test]
    fn movers_serialise_as_the_database_spells_them() {
        crate::domain::assert_serde_matches_db(Mover::ALL);
    }

    /// Every pair of statuses: allowed exactly when SPEC §3's table lists it (for a lead, who
    /// may make every listed move; escalations return to where they came from).
    #[test]
    fn every_pair_of_statuses_follows_the_table() {
        let spec: &[(Status, &[Status])] = &[
            (New, &[Open, InProgress, PendingInfo, Closed, Escalated]),
            (Open, &[InProgress, PendingInfo, Resolved, Escalated]),
            (InProgress, &[Open, PendingInfo, Resolved, Escalated]),
            (PendingInfo, &[InProgress, Resolved, Escalated]),
            (Resolved, &[Closed, Reopened]),
            (Closed, &[Reopened]),
            (
                Reopened,
                &[Open, InProgress, PendingInfo, Resolved, Escalated],
            ),
        ];
        let lead = actor(Role::TeamLead);
        for (from, allowed) in spec {
            for to in Status::ALL {
                let result = check_transition(&ticket(*from), lead, *to, Some("fixed"), now());
                assert_eq!(
                    result.is_ok(),
                    allowed.contains(to),
                    "{from} → {to}: {result:?}"
                );
            }
        }
        for before in [New, Open, InProgress, PendingInfo, Reopened] {
            let escalated = TicketState {
                status_before_escalation: Some(before),
                ..ticket(Escalated)
            };
            for to in Status::ALL {
                let ok = check_transition(&escalated, lead, *to, Some("fixed"), now()).is_ok();
                assert_eq!(
                    ok,
                    *to == before || *to == Resolved,
                    "ESCALATED({before}) → {to}"
                );
            }
        }
    }

    #[test]
    fn a_refusal_names_the_allowed_moves() {
        let err = check_transition(&ticket(New), actor(Role::Admin), Resolved, Some("x"), now())
            .unwrap_err();
        assert_eq!(
            err.message(),
            "A NEW ticket cannot move to RESOLVED. Allowed from NEW: OPEN, IN_PROGRESS, \
             PENDING_INFO, CLOSED, ESCALATED."
        );
    }

    #[test]
    fn resolving_needs_notes() {
        let eng = actor(Role::DevopsEngineer);
        let t = ticket(InProgress);
        assert!(check_transition(&t, eng, Resolved, None, now()).is_err());
        assert!(check_transition(&t, eng, Resolved, Some("  "), now()).is_err());
        assert!(check_transition(&t, eng, Resolved, Some("rebooted"), now()).is_ok());
    }

    #[test]
    fn requestors_only_confirm_or_reopen_their_own_tickets() {
        let me = actor(Role::EndUser);
        let mine = |status| TicketState {
            requestor_id: me.id,
            ..ticket(status)
        };
        assert_eq!(
            allowed_transitions(&mine(Resolved), me, now()),
            vec![Closed, Reopened]
        );
        assert_eq!(
            allowed_transitions(&mine(Closed), me, now()),
            vec![Reopened]
        );
        for status in [New, Open, InProgress, PendingInfo, Reopened, Escalated] {
            assert!(
                allowed_transitions(&mine(status), me, now()).is_empty(),
                "a requestor cannot move a {status} ticket"
            );
        }
        assert!(
            allowed_transitions(&ticket(Resolved), me, now()).is_empty(),
            "nor someone else's"
        );
    }

    #[test]
    fn closing_unworked_tickets_and_confirming_others_is_for_leads() {
        for role in Role::ALL {
            let a = actor(*role);
            let lead = matches!(role, Role::TeamLead | Role::Manager | Role::Admin);
            assert_eq!(
                check_transition(&ticket(New), a, Closed, None, now()).is_ok(),
                lead,
                "{role} NEW → CLOSED"
            );
            assert_eq!(
                check_transition(&ticket(Resolved), a, Closed, None, now()).is_ok(),
                lead,
                "{role} closes someone else's resolved ticket"
            );
            assert_eq!(
                check_transition(&ticket(Open), a, InProgress, None, now()).is_ok(),
                role.is_engineer(),
                "{role} works a ticket"
            );
            assert_eq!(
                check_transition(&ticket(Resolved), a, Reopened, None, now()).is_ok(),
                role.is_engineer(),
                "{role} reopens someone else's resolved ticket"
            );
        }
    }

    #[test]
    fn reopening_a_closed_ticket_has_a_thirty_day_window() {
        let me = actor(Role::EndUser);
        let closed = |days_ago| TicketState {
            requestor_id: me.id,
            closed_at: Some(now() - Duration::days(days_ago)),
            ..ticket(Closed)
        };
        assert!(check_transition(&closed(30), me, Reopened, None, now()).is_ok());
        let err = check_transition(&closed(31), me, Reopened, None, now()).unwrap_err();
        assert!(err.message().contains("30 days"), "{err:?}");
    }

    #[test]
    fn escalations_are_left_by_seniors_only_back_or_to_resolved() {
        let escalated = TicketState {
            status_before_escalation: Some(InProgress),
            ..ticket(Escalated)
        };
        let dev = actor(Role::DevopsEngineer);
        assert!(check_transition(&escalated, dev, InProgress, None, now()).is_err());
        let senior = actor(Role::SeniorEngineer);
        assert!(check_transition(&escalated, senior, InProgress, None, now()).is_ok());
        let err = check_transition(&escalated, senior, Open, None, now()).unwrap_err();
        assert!(err.message().contains("IN_PROGRESS"), "{err:?}");
        assert!(matches!(
            check_transition(&escalated, dev, InProgress, None, now()),
            Err(Refusal::Forbidden(_))
        ));
        assert!(check_transition(&escalated, senior, Resolved, Some("done"), now()).is_ok());
    }

    #[test]
    fn releasing_an_in_progress_ticket_unassigns_it() {
        let mut t = ticket(InProgress);
        t.assignee_id = Some(Uuid::new_v4());
        assert_eq!(assignee_after_transition(&t, Open), None);
        assert_eq!(assignee_after_transition(&t, PendingInfo), t.assignee_id);
    }

    /// SPEC §4's assignment columns, for every role.
    #[test]
    fn assignment_permission_matrix() {
        let other_engineer = (Uuid::new_v4(), Role::DevopsEngineer);
        for role in Role::ALL {
            let a = actor(*role);
            let t = ticket(Open);
            assert_eq!(
                check_assignment(&t, a, Some((a.id, a.role))).is_ok(),
                role.is_engineer(),
                "{role} takes a ticket"
            );
            assert_eq!(
                check_assignment(&t, a, Some(other_engineer)).is_ok(),
                role.is_senior_or_above(),
                "{role} assigns to another engineer"
            );
            let theirs = TicketState {
                assignee_id: Some(other_engineer.0),
                ..t
            };
            assert_eq!(
                check_assignment(&theirs, a, None).is_ok(),
                role.is_senior_or_above(),
                "{role} unassigns someone else"
            );
            let mine = TicketState {
                assignee_id: Some(a.id),
                ..t
            };
            assert_eq!(
                check_assignment(&mine, a, None).is_ok(),
                role.is_engineer(),
                "{role} lets go of their own ticket"
            );
            assert_eq!(
                check_priority_change(a).is_ok(),
                role.is_senior_or_above(),
                "{role} changes priority"
            );
        }
    }

    #[test]
    fn assignment_refuses_requestors_repeats_and_finished_tickets() {
        let lead = actor(Role::TeamLead);
        let requestor = (Uuid::new_v4(), Role::EndUser);
        assert!(check_assignment(&ticket(Open), lead, Some(requestor)).is_err());
        let dev = (Uuid::new_v4(), Role::DevopsEngineer);
        let assigned = TicketState {
            assignee_id: Some(dev.0),
            ..ticket(Open)
        };
        assert!(check_assignment(&assigned, lead, Some(dev)).is_err());
        assert!(check_assignment(&ticket(Open), lead, None).is_err());
        assert!(check_assignment(&ticket(Closed), lead, Some(dev)).is_err());
    }

    #[test]
    fn assigning_a_new_ticket_triages_it() {
        let t = ticket(New);
        assert_eq!(status_after_assignment(&t, Some(Uuid::new_v4())), Open);
        assert_eq!(
            status_after_assignment(&ticket(InProgress), None),
            InProgress
        );
    }

    #[test]
    fn actions_offer_only_what_would_be_accepted() {
        let dev = actor(Role::DevopsEngineer);
        let offered = actions(&ticket(New), dev, now());
        assert_eq!(
            offered.transitions,
            vec![Open, InProgress, PendingInfo, Escalated]
        );
        assert!(offered.can_take && !offered.can_assign_others && !offered.can_unassign);
        assert!(!offered.can_change_priority && offered.can_comment_internal);
        let requestor = actor(Role::EndUser);
        let theirs = TicketState {
            requestor_id: requestor.id,
            ..ticket(Open)
        };
        let offered = actions(&theirs, requestor, now());
        assert!(offered.transitions.is_empty() && !offered.can_take);
        assert!(!offered.can_comment_internal);
    }
}
