-- A signed-in desktop's session: acting as it in a transaction, renewing it with the refresh
-- token (rotation: a reused refresh token revokes its whole family), and signing out. These are
-- session steps, callable without a live session (each answers nothing to a caller without one).

-- Acts as the session for the rest of the transaction; returns who that is (no row: nobody).
CREATE OR REPLACE FUNCTION api.act_as(p_session text)
 RETURNS TABLE(user_id uuid, role character varying)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    PERFORM set_config('ticketdesk.session', p_session, true);
    RETURN QUERY SELECT a.user_id, a.role FROM auth.acting() a;
END;
$function$;

-- A new session for a refresh token that is live and unused; nothing otherwise.
CREATE OR REPLACE FUNCTION api.refresh_session(p_refresh text)
 RETURNS TABLE(session_token text, refresh_token text, expires_at timestamp with time zone)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_old refresh_tokens%ROWTYPE;
BEGIN
    SELECT * INTO v_old FROM refresh_tokens WHERE token = auth.token_hash(p_refresh) FOR UPDATE;
    IF v_old.id IS NULL THEN
        RETURN;
    END IF;
    -- Deactivated (which also revoked its tokens): said plainly to whoever holds one of the
    -- account's own refresh tokens, so its desktop wipes the account's offline data (issue 16,
    -- item 2). A token that matches nothing learns nothing.
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = v_old.user_id AND is_active) THEN
        RAISE EXCEPTION 'this account has been deactivated'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    IF v_old.is_revoked OR v_old.last_used_at IS NOT NULL THEN
        UPDATE refresh_tokens SET is_revoked = TRUE, revoked_at = coalesce(revoked_at, now())
        WHERE family_id = v_old.family_id;
        UPDATE user_sessions SET is_active = FALSE
        WHERE id IN (SELECT r.session_id FROM refresh_tokens r WHERE r.family_id = v_old.family_id);
        PERFORM auth.audit(v_old.user_id, 'LOGOUT', 'BLOCKED',
                           'refresh token reused: every session of its family revoked');
        RETURN;
    END IF;
    IF v_old.expires_at <= now() THEN
        RETURN;
    END IF;
    UPDATE refresh_tokens SET last_used_at = now() WHERE id = v_old.id;
    UPDATE user_sessions SET is_active = FALSE WHERE id = v_old.session_id;
    RETURN QUERY SELECT * FROM auth.open_session(v_old.user_id, v_old.device_info, v_old.family_id);
END;
$function$;

-- Ends the transaction's session and revokes its refresh tokens.
CREATE OR REPLACE FUNCTION api.sign_out()
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_session user_sessions%ROWTYPE;
BEGIN
    SELECT * INTO v_session FROM user_sessions
    WHERE session_token = auth.token_hash(nullif(current_setting('ticketdesk.session', true), ''))
      AND is_active;
    IF v_session.id IS NULL THEN
        RETURN;
    END IF;
    UPDATE user_sessions SET is_active = FALSE WHERE id = v_session.id;
    UPDATE refresh_tokens SET is_revoked = TRUE, revoked_at = now()
    WHERE family_id IN (SELECT family_id FROM refresh_tokens WHERE session_id = v_session.id);
    PERFORM auth.audit(v_session.user_id, 'LOGOUT', 'SUCCESS', 'signed out');
END;
$function$;

ALTER FUNCTION api.act_as(text) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.refresh_session(text) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.sign_out() OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.act_as(text),
    api.refresh_session(text),
    api.sign_out() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.act_as(text),
    api.refresh_session(text),
    api.sign_out() TO ticketdesk_desktop;
