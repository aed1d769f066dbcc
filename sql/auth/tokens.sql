-- Tokens and verifiers (moved from migration trust_boundary, issue 13, unchanged): how a token
-- is stored (its SHA-256, never itself), what a password verifier must look like, how a session
-- and its refresh token are opened, and the audit log every sign-in step writes.

-- ---------------------------------------------------------------- who is signed in
-- Only a hash of the session token is stored; the token itself lives in the desktop's memory
-- and in each transaction's setting.
CREATE OR REPLACE FUNCTION auth.token_hash(token text)
 RETURNS character varying
 LANGUAGE sql
 IMMUTABLE STRICT
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
    SELECT encode(sha256(convert_to(token, 'UTF8')), 'hex')::varchar;
$function$;
ALTER FUNCTION auth.token_hash(text) OWNER TO ticketdesk_definer;

-- ---------------------------------------------------------------- sign-in
-- Password verifiers: the desktop derives key = Argon2id(password, salt, m, t, p) and the
-- server stores only sha256(key), in users.password_hash as
--   $tdv1$m=<KiB>,t=<iterations>,p=<lanes>$<salt base64>$<sha256(key) hex>
-- Cracking a stolen verifier still costs one Argon2id per guess; no hash ever leaves the server.
CREATE OR REPLACE FUNCTION auth.verifier_part(verifier text, part integer)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
    SELECT split_part(verifier, '$', part + 1);
$function$;
ALTER FUNCTION auth.verifier_part(text,integer) OWNER TO ticketdesk_definer;

-- The minimum cost the server accepts for a verifier (OWASP: m = 19 MiB, t = 2, p = 1).
CREATE OR REPLACE FUNCTION auth.verifier_is_strong(verifier text)
 RETURNS boolean
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
DECLARE
    params text[] := regexp_match(auth.verifier_part(verifier, 2), '^m=(\d+),t=(\d+),p=(\d+)$');
BEGIN
    RETURN auth.verifier_part(verifier, 1) = 'tdv1' AND params IS NOT NULL
        AND params[1]::int >= 19456 AND params[2]::int >= 2 AND params[3]::int >= 1
        AND length(auth.verifier_part(verifier, 3)) >= 16
        AND auth.verifier_part(verifier, 4) ~ '^[0-9a-f]{64}$';
END;
$function$;
ALTER FUNCTION auth.verifier_is_strong(text) OWNER TO ticketdesk_definer;

-- ---------------------------------------------------------------- sessions and lockout
-- A new session and refresh token (of family p_family) for p_user; returns both tokens, which
-- exist nowhere else: only their hashes are stored.
CREATE OR REPLACE FUNCTION auth.open_session(p_user uuid, p_device text, p_family uuid)
 RETURNS TABLE(session_token text, refresh_token text, expires_at timestamp with time zone)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
$function$;
ALTER FUNCTION auth.open_session(uuid,text,uuid) OWNER TO ticketdesk_definer;

-- ---------------------------------------------------------------- audit
CREATE OR REPLACE FUNCTION auth.audit(p_user uuid, p_type text, p_status text, p_message text, p_metadata jsonb DEFAULT NULL::jsonb)
 RETURNS void
 LANGUAGE sql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
    INSERT INTO audit_logs (user_id, event_type, event_status, event_message, metadata)
    VALUES (p_user, p_type, p_status, p_message, p_metadata);
$function$;
ALTER FUNCTION auth.audit(uuid,text,text,text,jsonb) OWNER TO ticketdesk_definer;
