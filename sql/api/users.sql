-- Active users for pickers and bylines: id, name, role and department (and the login name the
-- app shows for its own user). Nothing a staff directory would add: no email address, phone
-- number or sign-in times (hole 12). p_only: that one user, when active; NULL: all of them,
-- most privileged first, then by name.
CREATE OR REPLACE FUNCTION api.active_users(p_only uuid)
RETURNS TABLE (id uuid, username varchar, display_name text, role varchar, department varchar)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM auth.caller();
    RETURN QUERY
    SELECT u.id, u.username, u.first_name || ' ' || u.last_name, u.role, u.department
    FROM users u
    WHERE u.is_active AND (p_only IS NULL OR u.id = p_only)
    ORDER BY array_position(ARRAY['ADMIN', 'MANAGER', 'TEAM_LEAD', 'SENIOR_ENGINEER',
                                  'DEVOPS_ENGINEER', 'END_USER']::varchar[], u.role),
             u.first_name, u.last_name;
END;
$$;
ALTER FUNCTION api.active_users(uuid) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.active_users(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.active_users(uuid) TO ticketdesk_desktop;

