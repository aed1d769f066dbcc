-- Optional TOTP MFA (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, ±1 step of clock skew).
-- The secret is made on the desktop during enrolment (shown once as an otpauth:// URI) and
-- then lives only in users.mfa_secret, which the desktop role cannot read; so codes are
-- checked here, by the server. The desktop's TOTP crate (totp-rs) makes the URI, and the
-- tests check this SQL against it.

-- HMAC comes from pgcrypto, wherever it is installed; auth.hmac_sha1 finds it once.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
DO $$
DECLARE
    v_schema name := (SELECT n.nspname FROM pg_extension e
                      JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pgcrypto');
BEGIN
    EXECUTE format(
        'CREATE FUNCTION auth.hmac_sha1(data bytea, key bytea) RETURNS bytea '
        'LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp '
        'AS $f$ SELECT %I.hmac(data, key, ''sha1'') $f$', v_schema);
END;
$$;

-- The step of the last accepted code: a code is accepted once, never replayed.
ALTER TABLE users ADD COLUMN mfa_last_step bigint;

-- The stored secret as bytes; NULL for anything that is not what mfa_enrol_begin stores.
CREATE FUNCTION auth.mfa_secret_bytes(p_stored text) RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN p_stored ~ '^([0-9a-f]{2}){16,}$' THEN decode(p_stored, 'hex') END;
$$;

-- RFC 4226 HOTP value for one counter.
CREATE FUNCTION auth.hotp(p_secret bytea, p_counter bigint) RETURNS int
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    WITH mac AS (SELECT auth.hmac_sha1(int8send(p_counter), p_secret) AS h),
         o AS (SELECT h, get_byte(h, 19) & 15 AS off FROM mac)
    SELECT ((((get_byte(h, off) & 127)::bigint << 24) | (get_byte(h, off + 1) << 16)
             | (get_byte(h, off + 2) << 8) | get_byte(h, off + 3)) % 1000000)::int
    FROM o;
$$;

-- The step a code matches (now ±1), later than the last accepted one, or NULL.
CREATE FUNCTION auth.totp_step(p_secret bytea, p_code text, p_after bigint) RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT s FROM generate_series(floor(extract(epoch FROM now()) / 30)::bigint - 1,
                                  floor(extract(epoch FROM now()) / 30)::bigint + 1) AS s
    WHERE p_code ~ '^[0-9]{6}$' AND auth.hotp(p_secret, s) = p_code::int
      AND (p_after IS NULL OR s > p_after)
    ORDER BY s LIMIT 1;
$$;

-- Enrolment, step 1: store the new secret (hex), not yet required at sign-in.
CREATE FUNCTION public.mfa_enrol_begin(p_secret bytea) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user uuid := public.current_user_id();
BEGIN
    IF v_user IS NULL THEN
        RAISE EXCEPTION 'sign in first' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF length(p_secret) < 16 THEN
        RAISE EXCEPTION 'an MFA secret has at least 128 bits' USING ERRCODE = 'check_violation';
    END IF;
    IF (SELECT mfa_enabled FROM users WHERE id = v_user) THEN
        RAISE EXCEPTION 'two-factor authentication is already on; turn it off first'
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE users SET mfa_secret = encode(p_secret, 'hex'), mfa_last_step = NULL WHERE id = v_user;
END;
$$;

-- Enrolment, step 2: a valid code from the authenticator turns MFA on.
CREATE FUNCTION public.mfa_enrol_confirm(p_code text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user users%ROWTYPE;
    v_step bigint;
BEGIN
    SELECT * INTO v_user FROM users WHERE id = public.current_user_id() FOR UPDATE;
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
$$;

-- Turning MFA off needs a current code too.
CREATE FUNCTION public.mfa_disable(p_code text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user users%ROWTYPE;
    v_step bigint;
BEGIN
    SELECT * INTO v_user FROM users WHERE id = public.current_user_id() FOR UPDATE;
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
$$;

-- Whether the signed-in user has MFA on (for the settings screen; the secret stays hidden).
CREATE FUNCTION public.mfa_status() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce((SELECT mfa_enabled FROM users WHERE id = public.current_user_id()), false);
$$;

-- Sign-in step 2 now takes the code as well. With MFA on, the check matches only if both the
-- key and an unused current code match; the code's step is spent even when the key is wrong,
-- so one observed code cannot be tried twice.
DROP FUNCTION public.sign_in_check(uuid, bytea, text);
CREATE FUNCTION public.sign_in_check(p_attempt uuid, p_key bytea, p_device text DEFAULT NULL,
                                     p_code text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user users%ROWTYPE;
    v_matched boolean := false;
    v_step bigint;
BEGIN
    SELECT u.* INTO v_user FROM auth.sign_in_attempts a JOIN users u ON u.id = a.user_id
    WHERE a.id = p_attempt AND a.finished_at IS NULL AND u.is_active
    FOR UPDATE OF u;
    IF v_user.id IS NOT NULL THEN
        v_matched := (v_user.account_locked_until IS NULL OR v_user.account_locked_until <= now())
            AND auth.verifier_is_strong(v_user.password_hash)
            AND p_key IS NOT NULL
            AND encode(sha256(p_key), 'hex') = auth.verifier_part(v_user.password_hash, 4);
        IF v_user.mfa_enabled THEN
            v_step := auth.totp_step(auth.mfa_secret_bytes(v_user.mfa_secret), coalesce(p_code, ''),
                                     v_user.mfa_last_step);
            v_matched := v_matched AND v_step IS NOT NULL;
            IF v_step IS NOT NULL THEN
                UPDATE users SET mfa_last_step = v_step WHERE id = v_user.id;
            END IF;
        END IF;
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

ALTER FUNCTION auth.hmac_sha1(bytea, bytea) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.hotp(bytea, bigint) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.mfa_secret_bytes(text) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.totp_step(bytea, text, bigint) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.mfa_enrol_begin(bytea) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.mfa_enrol_confirm(text) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.mfa_disable(text) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.mfa_status() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.sign_in_check(uuid, bytea, text, text) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION auth.hmac_sha1(bytea, bytea), auth.hotp(bytea, bigint), auth.mfa_secret_bytes(text),
    auth.totp_step(bytea, text, bigint), public.mfa_enrol_begin(bytea),
    public.mfa_enrol_confirm(text), public.mfa_disable(text), public.mfa_status(),
    public.sign_in_check(uuid, bytea, text, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.hmac_sha1(bytea, bytea), auth.hotp(bytea, bigint), auth.mfa_secret_bytes(text),
    auth.totp_step(bytea, text, bigint) TO ticketdesk_definer;
GRANT EXECUTE ON FUNCTION public.mfa_enrol_begin(bytea), public.mfa_enrol_confirm(text),
    public.mfa_disable(text), public.mfa_status(), public.sign_in_check(uuid, bytea, text, text)
    TO ticketdesk_desktop;
