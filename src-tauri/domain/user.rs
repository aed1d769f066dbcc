//! Who people are to ticketdesk: roles, and the view of a user the UI gets.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::string_enum;

string_enum! {
    /// The seed's `users.role` values, from least to most privileged.
    Role {
        EndUser => "END_USER",
        DevopsEngineer => "DEVOPS_ENGINEER",
        SeniorEngineer => "SENIOR_ENGINEER",
        TeamLead => "TEAM_LEAD",
        Manager => "MANAGER",
        Admin => "ADMIN",
    }
}

impl Role {
    /// Engineers and above work tickets; requestors only file and follow them.
    pub fn is_engineer(self) -> bool {
        self != Role::EndUser
    }

    /// SPEC §4: assigning to others and changing priority start at senior engineer.
    pub fn is_senior_or_above(self) -> bool {
        matches!(
            self,
            Role::SeniorEngineer | Role::TeamLead | Role::Manager | Role::Admin
        )
    }
}

/// A user as a list or a header shows them (kept on disk too: who was signed in, for starting
/// while the server is away).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UserSummary {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub department: Option<String>,
}

/// A reference to a user inside another record (requestor, assignee, author).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UserRef {
    pub id: Uuid,
    pub display_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_serialise_as_the_database_spells_them() {
        crate::domain::assert_serde_matches_db(Role::ALL);
    }

    #[test]
    fn only_requestors_are_not_engineers() {
        let engineers: Vec<_> = Role::ALL.iter().filter(|r| r.is_engineer()).collect();
        assert_eq!(engineers.len(), 5);
        assert!(!Role::EndUser.is_engineer());
    }

    #[test]
    fn seniority_starts_at_senior_engineer() {
        assert!(!Role::EndUser.is_senior_or_above());
        assert!(!Role::DevopsEngineer.is_senior_or_above());
        assert!(Role::SeniorEngineer.is_senior_or_above());
        assert!(Role::Admin.is_senior_or_above());
    }
}
