-- What the desktop login may touch directly, stated once (issue 13). Narrowed here:
--   * users: names, role and department only, for pickers and bylines. Email addresses, phone
--     numbers and last sign-in times were a staff directory any requestor could harvest; the
--     admin screen and the worker read them through their own functions and grants.
--   * escalations: nothing. Any engineer could insert one naming any recipient and sender
--     (and the notification trigger made it a native popup on the victim's desktop) or rewrite
--     any escalation; escalations are the server's to start and route, and the app reads them
--     through the API once it shows them (issue 15).
--   * sla_policies: nothing; the SLA trigger finds a ticket's policy through a definer.
--   * ticket_transitions: nothing; the workflow trigger reads it, inside the API, as the definer.
--   * attachment_blobs: not when a file was first stored, which confirmed that someone had
--     stored a file whose hash the caller guessed.
-- REVOKE at table level also revokes the column grants, so each block below is idempotent.
REVOKE SELECT ON users FROM ticketdesk_desktop;
GRANT SELECT (id, username, first_name, last_name, department, role, status, is_active,
              created_at, updated_at)
    ON users TO ticketdesk_desktop;

REVOKE ALL ON escalations, sla_policies, ticket_transitions FROM ticketdesk_desktop;
DROP POLICY IF EXISTS escalations_write ON escalations;
DROP POLICY IF EXISTS escalations_update ON escalations;

REVOKE SELECT ON attachment_blobs FROM ticketdesk_desktop;
GRANT SELECT (file_hash, file_size, chunk_count) ON attachment_blobs TO ticketdesk_desktop;

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
