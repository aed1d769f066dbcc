-- Account administration (SPEC §2, §8): admins list, create, change and unlock accounts and
-- issue password-reset codes (each checks auth.require_admin(): an admin's session, or the
-- server's owner running `ticketdesk create-admin`, `reset-password`, `unlock`). A reset code
-- is completed without a session, from the sign-in screen: it is single-use, expires in an
-- hour and revokes every session of the account.

CREATE OR REPLACE FUNCTION api.admin_list_accounts()
 RETURNS TABLE(id uuid, username character varying, email character varying, display_name text, role character varying, department character varying, is_active boolean, account_locked_until timestamp with time zone, failed_login_attempts integer, is_email_verified boolean, mfa_enabled boolean)
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    PERFORM auth.require_admin();
    RETURN QUERY
    SELECT u.id, u.username, u.email, u.first_name || ' ' || u.last_name, u.role, u.department,
           u.is_active, CASE WHEN u.account_locked_until > now() THEN u.account_locked_until END,
           u.failed_login_attempts, u.is_email_verified, u.mfa_enabled
    FROM users u
    ORDER BY u.is_active DESC, u.first_name, u.last_name;
END;
$function$;

CREATE OR REPLACE FUNCTION api.admin_create_user(p_username text, p_email text, p_first_name text, p_last_name text, p_role text, p_department text, p_verifier text)
 RETURNS uuid
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION api.admin_update_user(p_user uuid, p_role text, p_department text, p_active boolean)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION api.admin_unlock(p_user uuid)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    PERFORM auth.require_admin();
    UPDATE users SET failed_login_attempts = 0, account_locked_until = NULL WHERE id = p_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such user' USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM auth.audit(public.current_user_id(), 'ACCOUNT_UNLOCKED', 'SUCCESS', 'unlocked by an admin',
                       jsonb_build_object('user', p_user));
END;
$function$;

CREATE OR REPLACE FUNCTION api.password_reset_issue(p_user uuid)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION api.password_reset_complete(p_token text, p_verifier text)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
$function$;

ALTER FUNCTION api.admin_list_accounts() OWNER TO ticketdesk_definer;
ALTER FUNCTION api.admin_create_user(text, text, text, text, text, text, text) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.admin_update_user(uuid, text, text, boolean) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.admin_unlock(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.password_reset_issue(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.password_reset_complete(text, text) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.admin_list_accounts(),
    api.admin_create_user(text, text, text, text, text, text, text),
    api.admin_update_user(uuid, text, text, boolean),
    api.admin_unlock(uuid),
    api.password_reset_issue(uuid),
    api.password_reset_complete(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.admin_list_accounts(),
    api.admin_create_user(text, text, text, text, text, text, text),
    api.admin_update_user(uuid, text, text, boolean),
    api.admin_unlock(uuid),
    api.password_reset_issue(uuid),
    api.password_reset_complete(text, text) TO ticketdesk_desktop;
