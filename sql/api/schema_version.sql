-- Which migrations the server has, with their checksums: what a desktop or worker compares with
-- its own build before anything else (db::schema_state). Needed before sign-in, so it answers
-- anonymous callers; it tells nothing but the version of ticketdesk the server runs. The
-- bookkeeping table itself is out of reach.
CREATE OR REPLACE FUNCTION api.schema_version()
RETURNS TABLE (version bigint, checksum bytea)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT m.version, m.checksum FROM public._sqlx_migrations m WHERE m.success ORDER BY m.version;
$$;
ALTER FUNCTION api.schema_version() OWNER TO ticketdesk_definer;
GRANT SELECT ON public._sqlx_migrations TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.schema_version() FROM PUBLIC;
GRANT USAGE ON SCHEMA api TO ticketdesk_worker;
GRANT EXECUTE ON FUNCTION api.schema_version() TO ticketdesk_desktop, ticketdesk_worker;
REVOKE ALL ON public._sqlx_migrations FROM ticketdesk_desktop, ticketdesk_worker;
