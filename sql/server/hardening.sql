-- What PostgreSQL lets every login do by default, taken away where it lets one desktop hurt the
-- others or see past row-level security on a shared server (issue 13). All desktops of an
-- organisation may share one login, so "only your own backends" means everybody's.
--   * pg_terminate_backend / pg_cancel_backend: one desktop disconnected all the others,
--     listeners included.
--   * advisory locks: holding the SLA sweep's key switched breach detection off for good.
--   * statistics views and their functions (pg_stat_*, pg_statio_*, pg_stat_get_*): row counts
--     of every table without a session, and, inside a transaction, which rows a definer
--     function wrote — an oracle for TOTP codes and for which logins exist.
--   * pg_locks: which rows and tables other sessions hold.
-- pg_stats (column statistics) already hides tables under row-level security and columns the
-- caller may not read, so it stays. Owners and superusers keep everything.
DO $$
DECLARE
    v_object text;
BEGIN
    FOR v_object IN
        SELECT p.oid::regprocedure::text FROM pg_proc p
        WHERE p.pronamespace = 'pg_catalog'::regnamespace
          AND (p.proname IN ('pg_terminate_backend', 'pg_cancel_backend', 'pg_lock_status',
                             'pg_blocking_pids', 'pg_safe_snapshot_blocking_pids')
               OR p.proname LIKE 'pg\_advisory\_%' OR p.proname LIKE 'pg\_try\_advisory\_%'
               OR p.proname LIKE 'pg\_stat\_get\_%')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_object);
    END LOOP;
    FOR v_object IN
        SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'pg_catalog' AND c.relkind = 'v'
          AND (c.relname LIKE 'pg\_stat\_%' OR c.relname LIKE 'pg\_statio\_%'
               OR c.relname = 'pg_locks')
    LOOP
        EXECUTE format('REVOKE SELECT ON %s FROM PUBLIC', v_object);
    END LOOP;
END;
$$;

-- The SLA sweep (a definer function) takes its lock as ticketdesk_definer.
GRANT EXECUTE ON FUNCTION pg_catalog.pg_try_advisory_xact_lock(bigint) TO ticketdesk_definer;
