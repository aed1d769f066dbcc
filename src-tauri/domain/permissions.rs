//! SPEC §4 as functions. The database will enforce the same rules (accounts issue); these give
//! the user a clear reason before a query is ever sent.

use uuid::Uuid;

use super::user::Role;

/// The person a use case acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: Uuid,
    pub role: Role,
}

/// Whether the actor sees every ticket or only the ones they requested.
pub fn sees_all_tickets(actor: Actor) -> bool {
    actor.role.is_engineer()
}

/// Internal notes are never shown to requestors, not even by count.
pub fn sees_internal_comments(actor: Actor) -> bool {
    actor.role.is_engineer()
}

/// SPEC §4: only admins manage users and roles.
pub fn check_manage_users(actor: Actor) -> Result<(), String> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err("Only an admin may manage users.".into())
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

    #[test]
    fn only_admins_manage_users() {
        for role in Role::ALL {
            assert_eq!(
                check_manage_users(actor(*role)).is_ok(),
                *role == Role::Admin,
                "{role}"
            );
        }
    }

    #[test]
    fn requestors_see_only_their_own_tickets_and_no_internal_notes() {
        assert!(!sees_all_tickets(actor(Role::EndUser)));
        assert!(!sees_internal_comments(actor(Role::EndUser)));
        assert!(sees_all_tickets(actor(Role::DevopsEngineer)));
        assert!(sees_internal_comments(actor(Role::DevopsEngineer)));
    }
}
