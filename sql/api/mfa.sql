-- Two-factor authentication (TOTP, SPEC §8) for the signed-in user: whether it is on, enrolling
-- a secret (the desktop draws it and shows the QR code), confirming with a code, turning it
-- off with a code. Each resolves the caller first: anonymous callers are refused (42501).

CREATE OR REPLACE FUNCTION api.mfa_status()
 RETURNS boolean
 LANGUAGE plpgsql
 VOLATILE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    RETURN (SELECT mfa_enabled FROM users WHERE id = v_me);
END;
$function$;

CREATE OR REPLACE FUNCTION api.mfa_enrol_begin(p_secret bytea)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_user uuid := (auth.caller()).user_id;
BEGIN
    IF length(p_secret) < 16 THEN
        RAISE EXCEPTION 'an MFA secret has at least 128 bits' USING ERRCODE = 'check_violation';
    END IF;
    IF (SELECT mfa_enabled FROM users WHERE id = v_user) THEN
        RAISE EXCEPTION 'two-factor authentication is already on; turn it off first'
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE users SET mfa_secret = encode(p_secret, 'hex'), mfa_last_step = NULL WHERE id = v_user;
END;
$function$;

CREATE OR REPLACE FUNCTION api.mfa_enrol_confirm(p_code text)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_me uuid := (auth.caller()).user_id;
    v_user users%ROWTYPE;
    v_step bigint;
BEGIN
    SELECT * INTO v_user FROM users WHERE id = v_me FOR UPDATE;
    IF v_user.id IS NULL OR v_user.mfa_secret IS NULL OR v_user.mfa_enabled THEN
        RETURN false;
    END IF;
    v_step := auth.totp_step(auth.mfa_secret_bytes(v_user.mfa_secret), p_code, v_user.mfa_last_step);
    IF v_step IS NULL THEN
        RETURN false;
    END IF;
    UPDATE users SET mfa_enabled = TRUE, mfa_last_step = v_step WHERE id = v_user.id;
    PERFORM auth.audit(v_user.id, 'MFA_ENABLED', 'SUCCESS', 'two-factor authentication turned on');
    RETURN true;
END;
$function$;

CREATE OR REPLACE FUNCTION api.mfa_disable(p_code text)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_me uuid := (auth.caller()).user_id;
    v_user users%ROWTYPE;
    v_step bigint;
BEGIN
    SELECT * INTO v_user FROM users WHERE id = v_me FOR UPDATE;
    IF v_user.id IS NULL OR NOT v_user.mfa_enabled THEN
        RETURN false;
    END IF;
    v_step := auth.totp_step(auth.mfa_secret_bytes(v_user.mfa_secret), p_code, v_user.mfa_last_step);
    IF v_step IS NULL THEN
        RETURN false;
    END IF;
    UPDATE users SET mfa_enabled = FALSE, mfa_secret = NULL, mfa_last_step = NULL WHERE id = v_user.id;
    PERFORM auth.audit(v_user.id, 'MFA_DISABLED', 'SUCCESS', 'two-factor authentication turned off');
    RETURN true;
END;
$function$;

ALTER FUNCTION api.mfa_status() OWNER TO ticketdesk_definer;
ALTER FUNCTION api.mfa_enrol_begin(bytea) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.mfa_enrol_confirm(text) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.mfa_disable(text) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.mfa_status(),
    api.mfa_enrol_begin(bytea),
    api.mfa_enrol_confirm(text),
    api.mfa_disable(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.mfa_status(),
    api.mfa_enrol_begin(bytea),
    api.mfa_enrol_confirm(text),
    api.mfa_disable(text) TO ticketdesk_desktop;
