-- Who the transaction acts for (moved from migrations trust_boundary, session_lookup and
-- account_admin, issue 13, unchanged): the session token set per transaction resolves to one
-- active user, once per statement; the row-level policies and the triggers ask these.

CREATE OR REPLACE FUNCTION auth.acting(OUT user_id uuid, OUT role character varying)
 RETURNS record
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    -- auth.token_hash(), inlined: as a SQL function with its own search_path it was planned
    -- at every call, which cost more than the lookup itself (45 µs of 84).
    SELECT s.user_id, u.role INTO user_id, role
    FROM user_sessions s JOIN users u ON u.id = s.user_id
    WHERE s.session_token = encode(sha256(convert_to(
              nullif(current_setting('ticketdesk.session', true), ''), 'UTF8')), 'hex')
      AND s.is_active AND s.expires_at > now() AND u.is_active;
END;
$function$;
ALTER FUNCTION auth.acting() OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION public.current_user_id()
 RETURNS uuid
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    RETURN (auth.acting()).user_id;
END;
$function$;
ALTER FUNCTION public.current_user_id() OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION public.current_user_role()
 RETURNS character varying
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    RETURN (auth.acting()).role;
END;
$function$;
ALTER FUNCTION public.current_user_role() OWNER TO ticketdesk_definer;

-- Engineers and above (SPEC §4): see every ticket and internal comments.
CREATE OR REPLACE FUNCTION public.current_user_is_engineer()
 RETURNS boolean
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    RETURN coalesce((auth.acting()).role <> 'END_USER', false);
END;
$function$;
ALTER FUNCTION public.current_user_is_engineer() OWNER TO ticketdesk_definer;

-- Who may administer accounts: an ADMIN's session, or the owner's own connection (the CLI
-- run by whoever holds the superuser credential). Desktop logins are never superusers.
CREATE OR REPLACE FUNCTION auth.caller_is_admin()
 RETURNS boolean
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
    SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
        OR coalesce(public.current_user_role() = 'ADMIN', false);
$function$;
ALTER FUNCTION auth.caller_is_admin() OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION auth.require_admin()
 RETURNS void
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    IF NOT auth.caller_is_admin() THEN
        RAISE EXCEPTION 'only an admin may manage accounts' USING ERRCODE = 'insufficient_privilege';
    END IF;
END;
$function$;
ALTER FUNCTION auth.require_admin() OWNER TO ticketdesk_definer;
