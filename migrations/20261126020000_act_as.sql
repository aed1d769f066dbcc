-- One round trip fewer on every command (issue 7): act_as() sets the transaction's session and
-- says who it is in one call, where the desktop sent set_config() and then asked
-- current_user_id() and current_user_role(). The token travels as a bound parameter, never in
-- the statement's text (pg_stat_activity shows that text to every login).
-- Runs as the caller: it grants nothing that set_config() and the two functions do not.
CREATE FUNCTION public.act_as(p_session text) RETURNS TABLE (user_id uuid, role varchar)
LANGUAGE sql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT set_config('ticketdesk.session', p_session, true);
    SELECT public.current_user_id(), public.current_user_role();
$$;
REVOKE ALL ON FUNCTION public.act_as(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.act_as(text) TO ticketdesk_desktop;
