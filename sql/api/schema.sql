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
