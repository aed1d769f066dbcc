-- Who a write is made for, as the tables' triggers see it (issue 13). The desktop checks in
-- the triggers (workflow moves, who may assign, what a requestor may touch, stamping) apply to:
--   * a desktop login writing a table itself (current_user), while it still may, and
--   * an API function a desktop login called: inside the SECURITY DEFINER function
--     current_user is ticketdesk_definer, but session_user is still the desktop's login, which
--     no SET ROLE or definer changes.
-- Trusted server code running in a desktop's transaction (the SLA sweep, the automatic move
-- when a requestor replies) marks its own statements with the transaction-local setting
-- `ticketdesk.trusted` and clears it after. A client could set that setting too, but it only
-- matters inside an API function, and every API function clears it at its start
-- (auth.caller()); a desktop writing a table directly is checked whatever it says.
CREATE OR REPLACE FUNCTION public.is_desktop_caller() RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_has_role(current_user, 'ticketdesk_desktop', 'MEMBER')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN true;
    END IF;
    RETURN pg_has_role(session_user, 'ticketdesk_desktop', 'MEMBER')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
       AND coalesce(current_setting('ticketdesk.trusted', true), '') <> 'on';
END;
$$;

-- Runs `p_sql`-free trusted sections: sets the mark and returns what it was, for restoring.
CREATE OR REPLACE FUNCTION auth.trust_begin() RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_was text := coalesce(current_setting('ticketdesk.trusted', true), '');
BEGIN
    PERFORM set_config('ticketdesk.trusted', 'on', true);
    RETURN v_was;
END;
$$;
CREATE OR REPLACE FUNCTION auth.trust_end(p_was text) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM set_config('ticketdesk.trusted', coalesce(p_was, ''), true);
END;
$$;
ALTER FUNCTION auth.trust_begin() OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.trust_end(text) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION auth.trust_begin(), auth.trust_end(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.trust_begin(), auth.trust_end(text) TO ticketdesk_definer;

-- Inside an API function the tables' triggers run as ticketdesk_definer, so it executes what
-- they call (the workflow's helpers were granted to the desktop only).
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ticketdesk_definer;
