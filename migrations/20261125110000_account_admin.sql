-- Account administration, password resets and email verification, as SECURITY DEFINER
-- functions: the desktop role has no write access to `users` or the token tables, so these
-- are the only way in, and each one checks who is asking and writes `audit_logs`.

-- Who may administer accounts: an ADMIN's session, or the owner's own connection (the CLI
-- run by whoever holds the superuser credential). Desktop logins are never superusers.
CREATE FUNCTION auth.caller_is_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
        OR coalesce(public.current_user_role() = 'ADMIN', false);
$$;

CREATE FUNCTION auth.require_admin() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT auth.caller_is_admin() THEN
        RAISE EXCEPTION 'only an admin may manage accounts' USING ERRCODE = 'insufficient_privilege';
    END IF;
END;
$$;

-- Verification links expire; the seed has the token column but no expiry.
ALTER TABLE users ADD COLUMN email_verification_expires_at timestamptz;

-- What the admin screen shows about accounts, lockout state included: for admins only, so
-- nobody else learns when a colleague's account is under attack.
CREATE FUNCTION public.admin_list_accounts()
RETURNS TABLE (id uuid, username varchar, email varchar, display_name text, role varchar,
               department varchar, is_active boolean, account_locked_until timestamptz,
               failed_login_attempts int, is_email_verified boolean, mfa_enabled boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM auth.require_admin();
    RETURN QUERY
    SELECT u.id, u.username, u.email, u.first_name || ' ' || u.last_name, u.role, u.department,
           u.is_active, CASE WHEN u.account_locked_until > now() THEN u.account_locked_until END,
           u.failed_login_attempts, u.is_email_verified, u.mfa_enabled
    FROM users u
    ORDER BY u.is_active DESC, u.first_name, u.last_name;
END;
$$;

CREATE FUNCTION public.admin_create_user(p_username text, p_email text, p_first_name text,
    p_last_name text, p_role text, p_department text, p_verifier text)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_id uuid;
BEGIN
    PERFORM auth.require_admin();
    IF NOT auth.verifier_is_strong(p_verifier) THEN
        RAISE EXCEPTION 'password verifier below the minimum cost' USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO users (username, email, password_hash, first_name, last_name, role, department,
                       last_password_change)
    VALUES (p_username, p_email, p_verifier, p_first_name, p_last_name, p_role, p_department, now())
    RETURNING id INTO v_id;
    PERFORM auth.audit(public.current_user_id(), 'ROLE_CHANGED', 'SUCCESS', 'account created',
                       jsonb_build_object('user', v_id, 'new', jsonb_build_object('role', p_role,
                                          'department', p_department)));
    RETURN v_id;
END;
$$;

-- Role, department and active flag in one call; audit rows carry old and new values.
-- Deactivating ends the user's sessions at once.
CREATE FUNCTION public.admin_update_user(p_user uuid, p_role text, p_department text,
    p_active boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_old users%ROWTYPE;
BEGIN
    PERFORM auth.require_admin();
    SELECT * INTO v_old FROM users WHERE id = p_user FOR UPDATE;
    IF v_old.id IS NULL THEN
        RAISE EXCEPTION 'no such user' USING ERRCODE = 'no_data_found';
    END IF;
    IF p_user = public.current_user_id() AND (p_role <> 'ADMIN' OR NOT p_active) THEN
        RAISE EXCEPTION 'an admin cannot demote or deactivate themselves'
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE users SET role = p_role, department = p_department, is_active = p_active,
                     status = CASE WHEN p_active THEN 'ACTIVE' ELSE 'INACTIVE' END
    WHERE id = p_user;
    IF v_old.role IS DISTINCT FROM p_role THEN
        PERFORM auth.audit(public.current_user_id(), 'ROLE_CHANGED', 'SUCCESS', 'role changed',
            jsonb_build_object('user', p_user, 'old', v_old.role, 'new', p_role));
    END IF;
    IF v_old.department IS DISTINCT FROM p_department OR v_old.is_active IS DISTINCT FROM p_active THEN
        PERFORM auth.audit(public.current_user_id(), 'PROFILE_UPDATED', 'SUCCESS', 'profile changed',
            jsonb_build_object('user', p_user,
                'old', jsonb_build_object('department', v_old.department, 'active', v_old.is_active),
                'new', jsonb_build_object('department', p_department, 'active', p_active)));
    END IF;
    IF NOT p_active THEN
        UPDATE user_sessions SET is_active = FALSE WHERE user_id = p_user AND is_active;
        UPDATE refresh_tokens SET is_revoked = TRUE, revoked_at = now()
        WHERE user_id = p_user AND NOT is_revoked;
    END IF;
END;
$$;

CREATE FUNCTION public.admin_unlock(p_user uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM auth.require_admin();
    UPDATE users SET failed_login_attempts = 0, account_locked_until = NULL WHERE id = p_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such user' USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM auth.audit(public.current_user_id(), 'ACCOUNT_UNLOCKED', 'SUCCESS', 'unlocked by an admin',
                       jsonb_build_object('user', p_user));
END;
$$;

-- A single-use reset code, valid for one hour; only its hash is stored. Until the mail
-- channel exists an admin hands it over.
CREATE FUNCTION public.password_reset_issue(p_user uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_token text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
BEGIN
    PERFORM auth.require_admin();
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_user AND is_active) THEN
        RAISE EXCEPTION 'no such active user' USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO password_resets (user_id, token, expires_at)
    VALUES (p_user, auth.token_hash(v_token), now() + interval '1 hour');
    PERFORM auth.audit(p_user, 'PASSWORD_RESET_REQUEST', 'SUCCESS', 'reset code issued',
                       jsonb_build_object('by', public.current_user_id()));
    RETURN v_token;
END;
$$;

-- Sets a new password verifier with a reset code. Single use; revokes every session and
-- refresh token of the user and clears the lockout. Returns false for an unknown, used or
-- expired code.
CREATE FUNCTION public.password_reset_complete(p_token text, p_verifier text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_reset password_resets%ROWTYPE;
BEGIN
    IF NOT auth.verifier_is_strong(p_verifier) THEN
        RETURN false;
    END IF;
    UPDATE password_resets SET is_used = TRUE, used_at = now()
    WHERE token = auth.token_hash(p_token) AND NOT is_used AND expires_at > now()
    RETURNING * INTO v_reset;
    IF v_reset.id IS NULL THEN
        RETURN false;
    END IF;
    UPDATE users SET password_hash = p_verifier, last_password_change = now(),
                     failed_login_attempts = 0, account_locked_until = NULL
    WHERE id = v_reset.user_id AND is_active;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE user_sessions SET is_active = FALSE WHERE user_id = v_reset.user_id AND is_active;
    UPDATE refresh_tokens SET is_revoked = TRUE, revoked_at = now()
    WHERE user_id = v_reset.user_id AND NOT is_revoked;
    PERFORM auth.audit(v_reset.user_id, 'PASSWORD_RESET_COMPLETE', 'SUCCESS',
                       'password reset; every session revoked');
    RETURN true;
END;
$$;

-- Email verification: an admin (or the user themself) issues a code valid for a day.
CREATE FUNCTION public.email_verification_issue(p_user uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_token text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
BEGIN
    IF NOT (auth.caller_is_admin() OR p_user = public.current_user_id()) THEN
        RAISE EXCEPTION 'only an admin or the user may ask for a verification code'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE users SET email_verification_token = auth.token_hash(v_token),
                     email_verification_expires_at = now() + interval '1 day'
    WHERE id = p_user AND is_active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such active user' USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_token;
END;
$$;

CREATE FUNCTION public.email_verify(p_token text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user uuid;
BEGIN
    UPDATE users SET is_email_verified = TRUE, email_verification_token = NULL,
                     email_verification_expires_at = NULL
    WHERE email_verification_token = auth.token_hash(p_token)
      AND email_verification_expires_at > now()
    RETURNING id INTO v_user;
    IF v_user IS NULL THEN
        RETURN false;
    END IF;
    PERFORM auth.audit(v_user, 'EMAIL_VERIFICATION', 'SUCCESS', 'email address verified');
    RETURN true;
END;
$$;

ALTER FUNCTION auth.caller_is_admin() OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.require_admin() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.admin_list_accounts() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.admin_create_user(text, text, text, text, text, text, text) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.admin_update_user(uuid, text, text, boolean) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.admin_unlock(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.password_reset_issue(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.password_reset_complete(text, text) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.email_verification_issue(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.email_verify(text) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION auth.caller_is_admin(), auth.require_admin(), public.admin_list_accounts(),
    public.admin_create_user(text, text, text, text, text, text, text),
    public.admin_update_user(uuid, text, text, boolean), public.admin_unlock(uuid),
    public.password_reset_issue(uuid), public.password_reset_complete(text, text),
    public.email_verification_issue(uuid), public.email_verify(text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.caller_is_admin(), auth.require_admin() TO ticketdesk_definer;
GRANT EXECUTE ON FUNCTION public.admin_list_accounts(),
    public.admin_create_user(text, text, text, text, text, text, text),
    public.admin_update_user(uuid, text, text, boolean), public.admin_unlock(uuid),
    public.password_reset_issue(uuid), public.password_reset_complete(text, text),
    public.email_verification_issue(uuid), public.email_verify(text)
    TO ticketdesk_desktop;
