-- Sign-in in three transactions (start, check, complete), so that no rolled-back step can hide
-- a counted attempt or reveal a verdict (see README, "Setting up a team server").
--
-- Oracles closed here (issue 13):
--   * Known and unknown logins look alike: both are matched case-insensitively (username or
--     email), so `erin` and `ERIN` get the same salt whether or not erin exists, and an unknown
--     login's fake salt is derived from the same normalised text.
--   * Throttling, not lockout: five failures in a row start a back-off (1 s, 2 s, 4 s … at most
--     30 s between evaluated attempts). Without the password an attacker can keep nobody out
--     for more than 30 s after they stop; guessing stays at two tries a minute. Attempts made
--     during the back-off are refused outright and do not extend it.
--   * A TOTP code is spent only when the key matched: without the password, a code guess
--     changes nothing, so no write (and no statistic) tells a right code from a wrong one. With
--     MFA on, a right key and a wrong key make the same writes in the same order.

-- The seconds an account waits before its next evaluated attempt, after `failures` in a row.
CREATE OR REPLACE FUNCTION auth.sign_in_backoff(failures integer) RETURNS interval
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN failures < 5 THEN interval '0'
                ELSE make_interval(secs => least(power(2, least(failures - 5, 10)), 30)) END;
$$;
ALTER FUNCTION auth.sign_in_backoff(integer) OWNER TO ticketdesk_definer;

-- The account a login names, matched the same way for every login (see above): the exact
-- username first, should two usernames differ only in case.
CREATE OR REPLACE FUNCTION auth.account_for_login(p_login text) RETURNS users
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT * FROM users
    WHERE (lower(username) = lower(p_login) OR lower(email) = lower(p_login)) AND is_active
    ORDER BY username = p_login DESC, id
    LIMIT 1;
$$;
ALTER FUNCTION auth.account_for_login(text) OWNER TO ticketdesk_definer;

-- Step 1: what the desktop needs to derive the key. Records (and commits, in the caller's
-- transaction, which must end before step 2) an attempt that counts as failed until step 3
-- succeeds. Unknown logins get a stable fake salt and the default parameters.
CREATE OR REPLACE FUNCTION api.sign_in_start(p_login text)
RETURNS TABLE (attempt_id uuid, salt text, m_cost int, t_cost int, p_cost int)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user users%ROWTYPE;
    v_attempt uuid;
    v_throttled boolean := false;
    v_params text[];
BEGIN
    p_login := coalesce(left(p_login, 255), '');
    v_user := auth.account_for_login(p_login);

    IF v_user.id IS NOT NULL THEN
        v_throttled := coalesce(v_user.account_locked_until > now(), false);
        IF NOT v_throttled THEN
            -- Counted now, undone on success: rolling back step 2 or 3 cannot erase it.
            UPDATE users
            SET failed_login_attempts = failed_login_attempts + 1,
                account_locked_until = CASE WHEN failed_login_attempts + 1 >= 5
                    THEN now() + auth.sign_in_backoff(failed_login_attempts + 1) END
            WHERE id = v_user.id
            RETURNING * INTO v_user;
            IF v_user.failed_login_attempts = 5 THEN
                PERFORM auth.audit(v_user.id, 'ACCOUNT_LOCKED', 'WARNING',
                    'sign-in throttled after 5 failures in a row (back-off up to 30 s)');
            END IF;
        END IF;
    END IF;

    INSERT INTO auth.sign_in_attempts (user_id, login, throttled)
    VALUES (v_user.id, p_login, v_throttled)
    RETURNING id INTO v_attempt;

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

-- Step 2: check the derived key (and, with MFA on, the code), and reveal nothing. The verdict
-- is stored with the attempt; only step 3, in a later transaction, acts on it. So a caller who
-- rolls step 2 back learns nothing, and every guess that teaches something costs a committed
-- attempt (step 1).
CREATE OR REPLACE FUNCTION api.sign_in_check(p_attempt uuid, p_key bytea, p_device text DEFAULT NULL,
                                                p_code text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user users%ROWTYPE;
    v_throttled boolean;
    v_key_matched boolean := false;
    v_step bigint;
BEGIN
    SELECT a.throttled INTO v_throttled FROM auth.sign_in_attempts a
    WHERE a.id = p_attempt AND a.finished_at IS NULL;
    SELECT u.* INTO v_user FROM auth.sign_in_attempts a JOIN users u ON u.id = a.user_id
    WHERE a.id = p_attempt AND a.finished_at IS NULL AND u.is_active
    FOR UPDATE OF u;
    IF v_user.id IS NOT NULL THEN
        v_key_matched := NOT v_throttled
            AND auth.verifier_is_strong(v_user.password_hash)
            AND p_key IS NOT NULL
            AND encode(sha256(p_key), 'hex') = auth.verifier_part(v_user.password_hash, 4);
        IF v_user.mfa_enabled THEN
            -- The code is looked at only behind a matching key, and the row is written either
            -- way: the same writes for a right and a wrong key.
            IF v_key_matched THEN
                v_step := auth.totp_step(auth.mfa_secret_bytes(v_user.mfa_secret),
                                         coalesce(p_code, ''), v_user.mfa_last_step);
            END IF;
            UPDATE users SET mfa_last_step = coalesce(v_step, mfa_last_step) WHERE id = v_user.id;
            v_key_matched := v_key_matched AND v_step IS NOT NULL;
        END IF;
    END IF;
    -- An attempt created in this very transaction never matches: otherwise a caller could
    -- count, check and roll back, over and over.
    UPDATE auth.sign_in_attempts a
    SET finished_at = clock_timestamp(), finished_xid = pg_current_xact_id(),
        key_matched = v_key_matched AND a.created_xid <> pg_current_xact_id(),
        device = left(p_device, 500)
    WHERE a.id = p_attempt AND a.finished_at IS NULL
      AND a.created_at > now() - interval '2 minutes';
END;
$$;

-- Step 3: act on the verdict of a step 2 committed earlier. On success opens a session and a
-- refresh-token family and returns both tokens (they exist nowhere else: only their hashes
-- are stored). On failure returns no row; the message the desktop shows does not say whether
-- the login exists or is throttled.
CREATE OR REPLACE FUNCTION api.sign_in_complete(p_attempt uuid)
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
    IF v_attempt.throttled OR NOT v_attempt.key_matched THEN
        PERFORM auth.audit(v_user.id, 'LOGIN_FAILED',
                           CASE WHEN v_attempt.throttled THEN 'BLOCKED' ELSE 'FAILURE' END,
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

-- The 15-minute lock it replaced; nothing calls it any more.
DROP FUNCTION IF EXISTS auth.lock_after_five_failures(uuid);

REVOKE ALL ON FUNCTION auth.sign_in_backoff(integer), auth.account_for_login(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.sign_in_backoff(integer), auth.account_for_login(text)
    TO ticketdesk_definer;
