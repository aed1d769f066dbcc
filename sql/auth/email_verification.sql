-- Email verification codes (issue 13). Only an admin issues one, to hand to the user through
-- a channel that proves the mailbox; a caller who is not a signed-in admin (an anonymous
-- desktop credential included: the old guard was NULL for it, so it raised nothing) is
-- refused, and nobody can issue a code to themself and verify a mailbox they never read.
CREATE OR REPLACE FUNCTION api.email_verification_issue(p_user uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_token text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
BEGIN
    IF NOT coalesce(auth.caller_is_admin(), false) THEN
        RAISE EXCEPTION 'only an admin may issue a verification code'
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

-- Redeeming a code needs no session: whoever holds the code read the mailbox.
CREATE OR REPLACE FUNCTION api.email_verify(p_token text) RETURNS boolean
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
