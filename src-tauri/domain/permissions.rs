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

/// Why an assignment at creation is refused, if it is.
pub fn check_assign_on_create(
    actor: Actor,
    assignee_id: Uuid,
    assignee_role: Role,
) -> Result<(), String> {
    if !assignee_role.is_engineer() {
        return Err("Tickets can only be assigned to engineers.".into());
    }
    if assignee_id == actor.id {
        return if actor.role.is_engineer() {
            Ok(())
        } else {
            Err("Only engineers can take tickets.".into())
        };
    }
    if actor.role.is_senior_or_above() {
        Ok(())
    } else {
        Err("Only senior engineers and above can assign tickets to others.".into())
    }
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
    fn seniors_and_above_assign_to_other_engineers() {
        for role in [
            Role::SeniorEngineer,
            Role::TeamLead,
            Role::Manager,
            Role::Admin,
        ] {
            assert_eq!(
                check_assign_on_create(actor(role), Uuid::new_v4(), Role::DevopsEngineer),
                Ok(()),
                "{role} may assign to others"
            );
        }
    }

    #[test]
    fn engineers_may_take_but_not_assign_to_others() {
        let me = actor(Role::DevopsEngineer);
        assert_eq!(
            check_assign_on_create(me, me.id, Role::DevopsEngineer),
            Ok(())
        );
        assert!(check_assign_on_create(me, Uuid::new_v4(), Role::DevopsEngineer).is_err());
    }

    #[test]
    fn requestors_can_neither_take_nor_assign_nor_be_assigned() {
        let me = actor(Role::EndUser);
        assert!(check_assign_on_create(me, me.id, Role::EndUser).is_err());
        assert!(check_assign_on_create(me, Uuid::new_v4(), Role::DevopsEngineer).is_err());
        assert!(check_assign_on_create(actor(Role::Admin), Uuid::new_v4(), Role::EndUser).is_err());
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
