-- What the desktop and worker logins may touch directly, stated once and applied last (issue
-- 13): no table, sequence or view of ours, only EXECUTE on the API's functions. With any table
-- privilege, PostgreSQL's planner (EXPLAIN ANALYZE's "Rows Removed by Filter"), statistics,
-- locks and error messages become channels around row-level security (holes 1, 4, 9, 12); the
-- files under sql/api/ say, table by table, what each function returns instead.
--   * escalations: any engineer could insert one naming any recipient and sender (and the
--     notification trigger made it a native popup on the victim's desktop) or rewrite any
--     escalation; escalations are the server's to start and route (issue 15).
--   * users: email addresses, phone numbers and last sign-in times were a staff directory any
--     requestor could harvest; api.active_users() returns names, roles and departments.
REVOKE ALL ON ALL TABLES IN SCHEMA public, auth FROM ticketdesk_desktop, ticketdesk_worker;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public, auth FROM ticketdesk_desktop, ticketdesk_worker;

DROP POLICY IF EXISTS escalations_write ON escalations;
DROP POLICY IF EXISTS escalations_update ON escalations;

-- Helpers of the tables' triggers and of the SLA clock. Triggers now fire inside API functions,
-- as ticketdesk_definer, so neither the desktop nor the worker needs to execute these (some
-- were executable by PUBLIC, created after the first blanket REVOKE).
DO $$
DECLARE
    v_function text;
BEGIN
    FOR v_function IN
        SELECT p.oid::regprocedure::text FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace
          AND p.proname IN ('assignment_refusal', 'role_is_lead', 'role_is_senior',
                            'history_suppressed', 'is_desktop_caller', 'notification_default',
                            'sla_policy_for', 'tickets_sla_clock', 'sla_deadline', 'is_time_zone')
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, ticketdesk_desktop, ticketdesk_worker',
                       v_function);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ticketdesk_definer', v_function);
    END LOOP;
END;
$$;
