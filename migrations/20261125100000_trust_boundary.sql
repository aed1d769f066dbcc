-- The database as the trust boundary (SPEC §8). Every desktop connects with a login that is a
-- member of `ticketdesk_desktop`; assume anyone can point psql at the server with it. With that
-- credential alone nobody can read secrets, read rows the signed-in user may not see, act as
-- someone else, rewrite history or audit, or bypass lockout. What enforces it:
--   * privileges: the desktop role owns nothing, may not create objects, has no grant on the
--     token tables, and sees only the non-secret columns of `users`;
--   * row-level security on every table it can reach, keyed on the signed-in user, which
--     `current_user_id()` resolves from an opaque session token the desktop sets per
--     transaction (`set_config('ticketdesk.session', $1, true)`) — never from a user id;
--   * SECURITY DEFINER functions, pinned search_path, EXECUTE revoked from PUBLIC, for sign-in
--     and session lifecycle; they run as `ticketdesk_definer`, which bypasses RLS. Sign-in
--     takes three transactions (start, check, complete) so that no rolled-back step can hide
--     a counted attempt or reveal a verdict.
-- Migrations must run as a superuser (roles are cluster-wide and BYPASSRLS needs one).

-- ---------------------------------------------------------------- roles
-- Roles are cluster-wide: several databases (tests, staging) may create them at once, so a
-- concurrent creation is not an error.
DO $$
BEGIN
    BEGIN
        CREATE ROLE ticketdesk_desktop NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        -- Owns the definer functions; never logs in.
        CREATE ROLE ticketdesk_definer NOLOGIN BYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
END;
$$;
-- Desktops' own logins are members (`CREATE ROLE desk LOGIN PASSWORD '…' IN ROLE
-- ticketdesk_desktop` and `ALTER ROLE desk SET role = ticketdesk_desktop`, see
-- `ticketdesk create-desktop-login`); grants go to the group.

REVOKE ALL ON SCHEMA public FROM PUBLIC;
-- Temporary tables could shadow ours in any function whose search_path reaches pg_temp; the
-- definer functions pin pg_temp last, and nobody but the owner needs temporary tables.
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END;
$$;
GRANT USAGE ON SCHEMA public TO ticketdesk_desktop, ticketdesk_definer;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT ALL ON ALL TABLES IN SCHEMA public TO ticketdesk_definer;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ticketdesk_definer;

-- ---------------------------------------------------------------- what only the server keeps
CREATE SCHEMA auth;
REVOKE ALL ON SCHEMA auth FROM PUBLIC;
GRANT USAGE ON SCHEMA auth TO ticketdesk_definer;

-- A per-database secret: fake salts for unknown logins are derived from it, so probing
-- usernames through sign_in_start learns nothing.
CREATE TABLE auth.server_secret (
    id      boolean PRIMARY KEY DEFAULT TRUE CHECK (id),
    secret  bytea NOT NULL
);
INSERT INTO auth.server_secret (secret)
VALUES (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

-- First step of sign-in. Committed before the key is checked, so a failed attempt counts even
-- when the caller rolls back the transaction that checks it.
CREATE TABLE auth.sign_in_attempts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid REFERENCES users(id) ON DELETE CASCADE,
    login       text NOT NULL,
    created_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    finished_xid xid8,
    key_matched boolean,
    device      text,
    completed_at timestamptz
);
CREATE INDEX idx_sign_in_attempts_created ON auth.sign_in_attempts (created_at);
GRANT ALL ON ALL TABLES IN SCHEMA auth TO ticketdesk_definer;

-- Refresh tokens rotate; all tokens descending from one sign-in share a family, and presenting
-- a used one revokes the whole family (RFC 9700 reuse detection).
ALTER TABLE refresh_tokens ADD COLUMN family_id uuid;
ALTER TABLE refresh_tokens ADD COLUMN session_id uuid REFERENCES user_sessions(id) ON DELETE CASCADE;
CREATE INDEX idx_refresh_tokens_family ON refresh_tokens (family_id);

-- ---------------------------------------------------------------- who is signed in
-- Only a hash of the session token is stored; the token itself lives in the desktop's memory
-- and in each transaction's setting.
CREATE FUNCTION auth.token_hash(token text) RETURNS varchar
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT encode(sha256(convert_to(token, 'UTF8')), 'hex')::varchar;
$$;

CREATE FUNCTION public.current_user_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT s.user_id
    FROM user_sessions s JOIN users u ON u.id = s.user_id
    WHERE s.session_token = auth.token_hash(nullif(current_setting('ticketdesk.session', true), ''))
      AND s.is_active AND s.expires_at > now() AND u.is_active;
$$;

CREATE FUNCTION public.current_user_role() RETURNS varchar
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT u.role FROM users u WHERE u.id = public.current_user_id();
$$;

-- Engineers and above (SPEC §4): see every ticket and internal comments.
CREATE FUNCTION public.current_user_is_engineer() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce(public.current_user_role() <> 'END_USER', false);
$$;

-- ---------------------------------------------------------------- audit
CREATE FUNCTION auth.audit(p_user uuid, p_type text, p_status text, p_message text,
                           p_metadata jsonb DEFAULT NULL) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    INSERT INTO audit_logs (user_id, event_type, event_status, event_message, metadata)
    VALUES (p_user, p_type, p_status, p_message, p_metadata);
$$;

-- ---------------------------------------------------------------- sessions and lockout
-- A new session and refresh token (of family p_family) for p_user; returns both tokens, which
-- exist nowhere else: only their hashes are stored.
CREATE FUNCTION auth.open_session(p_user uuid, p_device text, p_family uuid)
RETURNS TABLE (session_token text, refresh_token text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_session uuid;
    v_token text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
    v_refresh text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
BEGIN
    INSERT INTO user_sessions (user_id, session_token, device_info, expires_at)
    VALUES (p_user, auth.token_hash(v_token), p_device, now() + interval '12 hours')
    RETURNING id INTO v_session;
    INSERT INTO refresh_tokens (user_id, token, expires_at, device_info, family_id, session_id)
    VALUES (p_user, auth.token_hash(v_refresh), now() + interval '30 days', p_device,
            p_family, v_session);
    RETURN QUERY SELECT v_token, v_refresh, now() + interval '12 hours';
END;
$$;

-- Five failures without a success lock the account for 15 minutes (audited once).
CREATE FUNCTION auth.lock_after_five_failures(p_user uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    UPDATE users SET account_locked_until = now() + interval '15 minutes'
    WHERE id = p_user AND failed_login_attempts >= 5 AND account_locked_until IS NULL;
    IF FOUND THEN
        PERFORM auth.audit(p_user, 'ACCOUNT_LOCKED', 'WARNING',
                           'locked for 15 minutes after 5 failed sign-ins');
    END IF;
END;
$$;

-- ---------------------------------------------------------------- sign-in
-- Password verifiers: the desktop derives key = Argon2id(password, salt, m, t, p) and the
-- server stores only sha256(key), in users.password_hash as
--   $tdv1$m=<KiB>,t=<iterations>,p=<lanes>$<salt base64>$<sha256(key) hex>
-- Cracking a stolen verifier still costs one Argon2id per guess; no hash ever leaves the server.
CREATE FUNCTION auth.verifier_part(verifier text, part int) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT split_part(verifier, '$', part + 1);
$$;

-- The minimum cost the server accepts for a verifier (OWASP: m = 19 MiB, t = 2, p = 1).
CREATE FUNCTION auth.verifier_is_strong(verifier text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    params text[] := regexp_match(auth.verifier_part(verifier, 2), '^m=(\d+),t=(\d+),p=(\d+)$');
BEGIN
    RETURN auth.verifier_part(verifier, 1) = 'tdv1' AND params IS NOT NULL
        AND params[1]::int >= 19456 AND params[2]::int >= 2 AND params[3]::int >= 1
        AND length(auth.verifier_part(verifier, 3)) >= 16
        AND auth.verifier_part(verifier, 4) ~ '^[0-9a-f]{64}$';
END;
$$;

-- Step 1: what the desktop needs to derive the key. Records (and commits, in the caller's
-- transaction, which must end before step 2) an attempt that counts as failed until step 2
-- succeeds. Unknown logins get a stable fake salt and the default parameters.
CREATE FUNCTION public.sign_in_start(p_login text)
RETURNS TABLE (attempt_id uuid, salt text, m_cost int, t_cost int, p_cost int)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user users%ROWTYPE;
    v_attempt uuid;
    v_params text[];
BEGIN
    IF p_login IS NULL OR length(p_login) > 255 THEN
        p_login := coalesce(left(p_login, 255), '');
    END IF;
    SELECT * INTO v_user FROM users
    WHERE (username = p_login OR lower(email) = lower(p_login)) AND is_active
    LIMIT 1;

    INSERT INTO auth.sign_in_attempts (user_id, login) VALUES (v_user.id, p_login)
    RETURNING id INTO v_attempt;

    IF v_user.id IS NOT NULL THEN
        -- A lock that has run out starts a fresh count.
        UPDATE users SET failed_login_attempts = 0, account_locked_until = NULL
        WHERE id = v_user.id AND account_locked_until <= now();
        -- Checked here as well as in step 3, because step 3's writes can be rolled back by the
        -- caller and these cannot.
        PERFORM auth.lock_after_five_failures(v_user.id);
        -- Counted now, undone on success: rolling back step 2 cannot erase it.
        UPDATE users SET failed_login_attempts = failed_login_attempts + 1
        WHERE id = v_user.id
        RETURNING * INTO v_user;
    END IF;

    IF v_user.id IS NOT NULL AND auth.verifier_is_strong(v_user.password_hash) THEN
        v_params := regexp_match(auth.verifier_part(v_user.password_hash, 2), '^m=(\d+),t=(\d+),p=(\d+)$');
        RETURN QUERY SELECT v_attempt, auth.verifier_part(v_user.password_hash, 3),
                            v_params[1]::int, v_params[2]::int, v_params[3]::int;
    ELSE
        RETURN QUERY SELECT v_attempt,
            rtrim(encode(substring(sha256((SELECT secret FROM auth.server_secret)
                                          || convert_to(lower(p_login), 'UTF8')) FROM 1 FOR 16),
                         'base64'), '='),
            19456, 2, 1;
    END IF;
END;
$$;

-- Step 2: check the derived key, and reveal nothing. The verdict is stored with the attempt;
-- only step 3, in a later transaction, acts on it. So a caller who rolls step 2 back learns
-- nothing, and every guess that teaches something costs a committed attempt (step 1).
CREATE FUNCTION public.sign_in_check(p_attempt uuid, p_key bytea, p_device text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user users%ROWTYPE;
    v_matched boolean := false;
BEGIN
    SELECT u.* INTO v_user FROM auth.sign_in_attempts a JOIN users u ON u.id = a.user_id
    WHERE a.id = p_attempt AND u.is_active;
    IF v_user.id IS NOT NULL THEN
        v_matched := (v_user.account_locked_until IS NULL OR v_user.account_locked_until <= now())
            AND auth.verifier_is_strong(v_user.password_hash)
            AND p_key IS NOT NULL
            AND encode(sha256(p_key), 'hex') = auth.verifier_part(v_user.password_hash, 4);
    END IF;
    -- An attempt created in this very transaction never matches: otherwise a caller could
    -- count, check and roll back, over and over.
    UPDATE auth.sign_in_attempts a
    SET finished_at = clock_timestamp(), finished_xid = pg_current_xact_id(),
        key_matched = v_matched AND a.created_xid <> pg_current_xact_id(),
        device = left(p_device, 500)
    WHERE a.id = p_attempt AND a.finished_at IS NULL
      AND a.created_at > now() - interval '2 minutes';
END;
$$;

-- Step 3: act on the verdict of a step 2 committed earlier. On success opens a session and a
-- refresh-token family and returns both tokens (they exist nowhere else: only their hashes
-- are stored). On failure returns no row; the message the desktop shows does not say whether
-- the login exists or is locked.
CREATE FUNCTION public.sign_in_complete(p_attempt uuid)
RETURNS TABLE (session_token text, refresh_token text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_attempt auth.sign_in_attempts%ROWTYPE;
    v_user users%ROWTYPE;
BEGIN
    UPDATE auth.sign_in_attempts a SET completed_at = clock_timestamp()
    WHERE a.id = p_attempt AND a.finished_at IS NOT NULL AND a.completed_at IS NULL
      AND a.finished_xid <> pg_current_xact_id()
      AND a.created_at > now() - interval '2 minutes'
    RETURNING * INTO v_attempt;
    IF v_attempt.id IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO v_user FROM users WHERE id = v_attempt.user_id AND is_active;
    IF v_user.id IS NULL THEN
        RETURN;
    END IF;
    IF NOT v_attempt.key_matched OR v_user.account_locked_until > now() THEN
        PERFORM auth.lock_after_five_failures(v_user.id);
        PERFORM auth.audit(v_user.id, 'LOGIN_FAILED',
                           CASE WHEN v_user.account_locked_until > now() THEN 'BLOCKED' ELSE 'FAILURE' END,
                           'sign-in failed', jsonb_build_object('device', v_attempt.device));
        RETURN;
    END IF;

    UPDATE users SET failed_login_attempts = 0, account_locked_until = NULL, last_login = now()
    WHERE id = v_user.id;
    PERFORM auth.audit(v_user.id, 'LOGIN', 'SUCCESS', 'signed in',
                       jsonb_build_object('device', v_attempt.device));
    RETURN QUERY SELECT * FROM auth.open_session(v_user.id, v_attempt.device, gen_random_uuid());
END;
$$;

-- Exchanges a refresh token for a new session and a new refresh token. A token that was
-- already used (or revoked) is a theft signal: the whole family and its sessions are revoked.
CREATE FUNCTION public.refresh_session(p_refresh text)
RETURNS TABLE (session_token text, refresh_token text, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_old refresh_tokens%ROWTYPE;
BEGIN
    SELECT * INTO v_old FROM refresh_tokens WHERE token = auth.token_hash(p_refresh) FOR UPDATE;
    IF v_old.id IS NULL THEN
        RETURN;
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
    IF v_old.expires_at <= now() OR NOT EXISTS (SELECT 1 FROM users WHERE id = v_old.user_id AND is_active) THEN
        RETURN;
    END IF;
    UPDATE refresh_tokens SET last_used_at = now() WHERE id = v_old.id;
    UPDATE user_sessions SET is_active = FALSE WHERE id = v_old.session_id;
    RETURN QUERY SELECT * FROM auth.open_session(v_old.user_id, v_old.device_info, v_old.family_id);
END;
$$;

-- Ends the current session (from the transaction's token) and revokes its refresh family.
CREATE FUNCTION public.sign_out() RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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
$$;

ALTER FUNCTION auth.token_hash(text) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.current_user_id() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.current_user_role() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.current_user_is_engineer() OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.audit(uuid, text, text, text, jsonb) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.open_session(uuid, text, uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.lock_after_five_failures(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.verifier_part(text, int) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.verifier_is_strong(text) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.sign_in_start(text) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.sign_in_check(uuid, bytea, text) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.sign_in_complete(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.refresh_session(text) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.sign_out() OWNER TO ticketdesk_definer;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA auth FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO ticketdesk_definer;
GRANT EXECUTE ON FUNCTION public.current_user_id(), public.current_user_role(),
    public.current_user_is_engineer(), public.sign_in_start(text),
    public.sign_in_check(uuid, bytea, text), public.sign_in_complete(uuid),
    public.refresh_session(text), public.sign_out(),
    public.next_ticket_number()
    TO ticketdesk_desktop;
-- Trigger functions run as the table's writer; they need no EXECUTE for the desktop.
GRANT USAGE ON SEQUENCE ticket_number_seq TO ticketdesk_desktop;

-- ---------------------------------------------------------------- what the desktop may touch
-- users: only non-secret columns, only while signed in (RLS below).
GRANT SELECT (id, username, email, first_name, last_name, phone_number, department, role,
              status, is_active, created_at, updated_at, last_login)
    ON users TO ticketdesk_desktop;
GRANT SELECT, INSERT ON tickets, comments, attachments, escalations TO ticketdesk_desktop;
-- Updates name their columns: who requested a ticket, which ticket a comment or file belongs
-- to, and who wrote or uploaded it are facts, not editable fields.
GRANT UPDATE (title, description, category, priority, status, assignee_id, resolved_at,
              closed_at, due_date, tags, estimated_hours, actual_hours, resolution_notes,
              sla_policy_id, sla_breach, sla_breach_time, environment, affected_services,
              impact_level, version, updated_at)
    ON tickets TO ticketdesk_desktop;
GRANT UPDATE (content, is_internal, edited, edit_count, deleted_at, updated_at)
    ON comments TO ticketdesk_desktop;
GRANT UPDATE (is_deleted) ON attachments TO ticketdesk_desktop;
GRANT UPDATE (acknowledged_at, resolved_at, status, resolution_notes, escalation_level, to_user_id)
    ON escalations TO ticketdesk_desktop;
GRANT SELECT, UPDATE (delivered_at, read_at, status) ON notifications TO ticketdesk_desktop;
GRANT INSERT ON notifications TO ticketdesk_desktop;
GRANT SELECT, INSERT ON ticket_history TO ticketdesk_desktop;
GRANT SELECT ON sla_policies TO ticketdesk_desktop;
-- A desktop checks that the server's schema is the one it was built for.
GRANT SELECT ON _sqlx_migrations TO ticketdesk_desktop;
-- No grant at all on user_sessions, refresh_tokens, password_resets, audit_logs, auth.*.

-- ---------------------------------------------------------------- row-level security
-- Policies call the session functions as (SELECT f()) so PostgreSQL evaluates them once per
-- query, not once per row. FORCE applies them to the table owner too.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_visible_when_signed_in ON users FOR SELECT TO ticketdesk_desktop
    USING ((SELECT public.current_user_id()) IS NOT NULL);

ALTER TABLE tickets ENABLE ROW LEVEL SECURITY;
ALTER TABLE tickets FORCE ROW LEVEL SECURITY;
CREATE POLICY tickets_select ON tickets FOR SELECT TO ticketdesk_desktop
    USING ((SELECT public.current_user_is_engineer())
           OR requestor_id = (SELECT public.current_user_id()));
CREATE POLICY tickets_insert ON tickets FOR INSERT TO ticketdesk_desktop
    WITH CHECK (requestor_id = (SELECT public.current_user_id()));
CREATE POLICY tickets_update ON tickets FOR UPDATE TO ticketdesk_desktop
    USING ((SELECT public.current_user_is_engineer())
           OR requestor_id = (SELECT public.current_user_id()))
    WITH CHECK ((SELECT public.current_user_is_engineer())
                OR requestor_id = (SELECT public.current_user_id()));

ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE comments FORCE ROW LEVEL SECURITY;
-- The EXISTS on tickets is itself filtered by tickets' policies.
CREATE POLICY comments_select ON comments FOR SELECT TO ticketdesk_desktop
    USING ((NOT is_internal OR (SELECT public.current_user_is_engineer()))
           AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id));
CREATE POLICY comments_insert ON comments FOR INSERT TO ticketdesk_desktop
    WITH CHECK (user_id = (SELECT public.current_user_id())
                AND (NOT is_internal OR (SELECT public.current_user_is_engineer()))
                AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id));
CREATE POLICY comments_update ON comments FOR UPDATE TO ticketdesk_desktop
    USING (user_id = (SELECT public.current_user_id()))
    WITH CHECK (user_id = (SELECT public.current_user_id())
                AND (NOT is_internal OR (SELECT public.current_user_is_engineer()))
                AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id));

ALTER TABLE attachments ENABLE ROW LEVEL SECURITY;
ALTER TABLE attachments FORCE ROW LEVEL SECURITY;
CREATE POLICY attachments_select ON attachments FOR SELECT TO ticketdesk_desktop
    USING (EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id)
           OR EXISTS (SELECT 1 FROM comments c WHERE c.id = comment_id));
CREATE POLICY attachments_insert ON attachments FOR INSERT TO ticketdesk_desktop
    WITH CHECK (uploaded_by = (SELECT public.current_user_id())
                AND (EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id)
                     OR EXISTS (SELECT 1 FROM comments c WHERE c.id = comment_id)));
CREATE POLICY attachments_update ON attachments FOR UPDATE TO ticketdesk_desktop
    USING (uploaded_by = (SELECT public.current_user_id()))
    WITH CHECK (uploaded_by = (SELECT public.current_user_id())
                AND (EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id)
                     OR EXISTS (SELECT 1 FROM comments c WHERE c.id = comment_id)));

ALTER TABLE ticket_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE ticket_history FORCE ROW LEVEL SECURITY;
CREATE POLICY history_select ON ticket_history FOR SELECT TO ticketdesk_desktop
    USING (EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id));
CREATE POLICY history_insert ON ticket_history FOR INSERT TO ticketdesk_desktop
    WITH CHECK (user_id = (SELECT public.current_user_id())
                AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id));

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY notifications_own ON notifications FOR SELECT TO ticketdesk_desktop
    USING (user_id = (SELECT public.current_user_id()));
CREATE POLICY notifications_own_update ON notifications FOR UPDATE TO ticketdesk_desktop
    USING (user_id = (SELECT public.current_user_id()))
    WITH CHECK (user_id = (SELECT public.current_user_id()));
-- A change notifies others; it must concern a ticket the writer can see.
CREATE POLICY notifications_insert ON notifications FOR INSERT TO ticketdesk_desktop
    WITH CHECK ((SELECT public.current_user_id()) IS NOT NULL
                AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id));

ALTER TABLE escalations ENABLE ROW LEVEL SECURITY;
ALTER TABLE escalations FORCE ROW LEVEL SECURITY;
CREATE POLICY escalations_select ON escalations FOR SELECT TO ticketdesk_desktop
    USING (EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id));
CREATE POLICY escalations_write ON escalations FOR INSERT TO ticketdesk_desktop
    WITH CHECK ((SELECT public.current_user_is_engineer())
                AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id));
CREATE POLICY escalations_update ON escalations FOR UPDATE TO ticketdesk_desktop
    USING ((SELECT public.current_user_is_engineer()));

ALTER TABLE sla_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE sla_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY sla_policies_signed_in ON sla_policies FOR SELECT TO ticketdesk_desktop
    USING ((SELECT public.current_user_id()) IS NOT NULL);

-- Tables the desktop has no grant on still get RLS with no desktop policy: deny by default,
-- should a grant ever be added by mistake.
ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
ALTER TABLE password_resets ENABLE ROW LEVEL SECURITY;
ALTER TABLE password_resets FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;
