-- The API (issue 13): the schema of functions that is, in the end, all a desktop login may
-- reach. Each function is SECURITY DEFINER with a pinned search_path, resolves the caller once
-- at its start (`auth.caller()`: the session of the transaction, refused when anonymous), and
-- decides server-side everything a client must not choose. The tables keep row-level security
-- as a second wall. Domains move here one at a time; `tests/integration/hostile/api.rs` lists
-- the table privileges the desktop still has, and that list only shrinks.
CREATE SCHEMA IF NOT EXISTS api;
REVOKE ALL ON SCHEMA api FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA api TO ticketdesk_definer;
GRANT USAGE ON SCHEMA api TO ticketdesk_desktop;

-- The signed-in user of the transaction's session and their role, looked up once; an
-- anonymous caller (no session, or an ended one) is refused with 42501. Clears the trusted
-- mark (sql/server/callers.sql), so that what the function writes is checked as the desktop's.
CREATE OR REPLACE FUNCTION auth.caller(OUT user_id uuid, OUT role varchar)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM set_config('ticketdesk.trusted', '', true);
    SELECT a.user_id, a.role INTO user_id, role FROM auth.acting() a;
    IF user_id IS NULL THEN
        RAISE EXCEPTION 'sign in first' USING ERRCODE = 'insufficient_privilege';
    END IF;
END;
$$;
ALTER FUNCTION auth.caller() OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION auth.caller() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.caller() TO ticketdesk_definer;

-- auth.caller() for a call that brings its own session token (a read that is one statement):
-- the token becomes the transaction's session, as api.act_as() would make it, and an unknown
-- or ended one is refused with 28000, so the desktop renews it instead of calling the user
-- forbidden. Without a token, auth.caller().
CREATE OR REPLACE FUNCTION auth.caller_with(p_session text, OUT user_id uuid, OUT role varchar)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF p_session IS NULL THEN
        SELECT c.user_id, c.role INTO user_id, role FROM auth.caller() c;
        RETURN;
    END IF;
    PERFORM set_config('ticketdesk.session', p_session, true);
    PERFORM set_config('ticketdesk.trusted', '', true);
    SELECT a.user_id, a.role INTO user_id, role FROM auth.acting() a;
    IF user_id IS NULL THEN
        RAISE EXCEPTION 'your session has ended' USING ERRCODE = 'invalid_authorization_specification';
    END IF;
END;
$$;
ALTER FUNCTION auth.caller_with(text) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION auth.caller_with(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.caller_with(text) TO ticketdesk_definer;
