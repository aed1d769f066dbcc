-- The SLA breach sweep (SPEC §5). Its definition moved here from migration `sla_clock`
-- (issue 13), unchanged but for running as trusted server code.
-- Flags up to `p_batch` open tickets past their deadline, most overdue first, once each
-- (`sla_breach`, `sla_breach_time` = the deadline missed), and tells each one's assignee.
-- Set-based over idx_tickets_sla_due. Returns how many it flagged (the batch size:
-- call again), or NULL when another process is sweeping. Any desktop and the worker may run it,
-- signed in or not: it acts for nobody and decides everything itself (the batch is capped, so a
-- hostile caller cannot make one sweep hold thousands of row locks).
--   * Batches keep each sweep short after a long outage: flagging costs about 0.8 ms per
--     ticket at 1M tickets (the row update and its indexes), and rows stay locked until
--     the sweep commits.
--   * SKIP LOCKED: a ticket someone is saving right now is flagged by the next sweep, and
--     nobody waits for the sweep.
CREATE OR REPLACE FUNCTION api.sla_sweep(p_batch integer DEFAULT 500) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_flagged integer := 0;
    t record;
    v_trusted text;
BEGIN
    -- hashtext('ticketdesk.sla_sweep'), fixed: one key for every process.
    IF NOT pg_try_advisory_xact_lock(1936482914) THEN
        RETURN NULL;
    END IF;
    -- The sweep acts for nobody: the assignee of a breached ticket hears of it even when the
    -- sweep runs in their own desktop's transaction.
    PERFORM set_config('ticketdesk.session', '', true);
    -- Server code: the flags it writes are not a desktop's edit (sql/server/callers.sql).
    v_trusted := auth.trust_begin();
    FOR t IN
        UPDATE tickets SET sla_breach = TRUE, sla_breach_time = due_date
        WHERE id IN (SELECT id FROM tickets
                     WHERE NOT sla_breach AND status NOT IN ('CLOSED', 'RESOLVED')
                       AND due_date <= now()
                     ORDER BY due_date
                     LIMIT least(greatest(p_batch, 1), 5000)
                     FOR UPDATE SKIP LOCKED)
        RETURNING id, ticket_number, title, assignee_id, due_date
    LOOP
        PERFORM auth.notify(t.assignee_id, t.id, 'SLA_BREACH',
            t.ticket_number || ' breached its SLA',
            'It was due at ' || to_char(t.due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
                || ' UTC: ' || t.title);
        v_flagged := v_flagged + 1;
    END LOOP;
    PERFORM auth.trust_end(v_trusted);
    RETURN v_flagged;
END;
$$;
