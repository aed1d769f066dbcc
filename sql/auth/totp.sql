-- TOTP (RFC 6238) computed on the server, where the secret stays after enrolment (moved from
-- migration mfa, issue 13, unchanged).

CREATE OR REPLACE FUNCTION auth.hmac_sha1(data bytea, key bytea)
 RETURNS bytea
 LANGUAGE sql
 IMMUTABLE STRICT
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$ SELECT public.hmac(data, key, 'sha1') $function$;
ALTER FUNCTION auth.hmac_sha1(bytea,bytea) OWNER TO ticketdesk_definer;

-- RFC 4226 HOTP value for one counter.
CREATE OR REPLACE FUNCTION auth.hotp(p_secret bytea, p_counter bigint)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE STRICT
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
    WITH mac AS (SELECT auth.hmac_sha1(int8send(p_counter), p_secret) AS h),
         o AS (SELECT h, get_byte(h, 19) & 15 AS off FROM mac)
    SELECT ((((get_byte(h, off) & 127)::bigint << 24) | (get_byte(h, off + 1) << 16)
             | (get_byte(h, off + 2) << 8) | get_byte(h, off + 3)) % 1000000)::int
    FROM o;
$function$;
ALTER FUNCTION auth.hotp(bytea,bigint) OWNER TO ticketdesk_definer;

-- The step a code matches (now ±1), later than the last accepted one, or NULL.
CREATE OR REPLACE FUNCTION auth.totp_step(p_secret bytea, p_code text, p_after bigint)
 RETURNS bigint
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
    SELECT s FROM generate_series(floor(extract(epoch FROM now()) / 30)::bigint - 1,
                                  floor(extract(epoch FROM now()) / 30)::bigint + 1) AS s
    WHERE p_code ~ '^[0-9]{6}$' AND auth.hotp(p_secret, s) = p_code::int
      AND (p_after IS NULL OR s > p_after)
    ORDER BY s LIMIT 1;
$function$;
ALTER FUNCTION auth.totp_step(bytea,text,bigint) OWNER TO ticketdesk_definer;

-- The stored secret as bytes; NULL for anything that is not what mfa_enrol_begin stores.
CREATE OR REPLACE FUNCTION auth.mfa_secret_bytes(p_stored text)
 RETURNS bytea
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
    SELECT CASE WHEN p_stored ~ '^([0-9a-f]{2}){16,}$' THEN decode(p_stored, 'hex') END;
$function$;
ALTER FUNCTION auth.mfa_secret_bytes(text) OWNER TO ticketdesk_definer;
