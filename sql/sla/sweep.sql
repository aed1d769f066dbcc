-- The periodic SLA sweep (SPEC §3, §5). Its definition moved here from migration `sla_clock`
-- (issue 13); issue 14 added the pause and the auto-close.
-- Flags up to `p_batch` open tickets past their deadline, most overdue first, once each
-- (`sla_breach`, `sla_breach_time` = the deadline missed), and tells each one's assignee. A
-- ticket waiting for its requestor (PENDING_INFO) is paused, so never flagged (sql/sla/pauses.sql).
-- Then flags up to `p_batch` tickets with no response by their response deadline, once each,
-- telling the assignee; then closes up to `p_batch` tickets RESOLVED for 7 days, oldest first,
-- with a history row that says why. Set-based over idx_tickets_sla_due,
-- idx_tickets_response_due and idx_tickets_resolved_at. Returns the largest of the three
-- counts (a full batch: call again), or NULL when another process is sweeping. Any desktop and the worker may run it, signed in or not: it acts for nobody and
-- decides everything itself (the batch is capped, so a hostile caller cannot make one sweep
-- hold thousands of row locks).
--   * Batches keep each sweep short after a long outage: flagging costs about 0.8 ms per
--     ticket at 1M tickets (the row update and its indexes), and rows stay locked until
--     the sweep commits.
--   * SKIP LOCKED: a ticket someone is saving right now is flagged (or closed) by the next
--     sweep, and nobody waits for the sweep.
CREATE OR REPLACE FUNCTION api.sla_sweep(p_batch integer DEFAULT 500) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_batch constant integer := least(greatest(p_batch, 1), 5000);
    v_flagged integer := 0;
    v_responses integer := 0;
    v_closed integer;
    v_reason text;
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
                     WHERE NOT sla_breach AND status NOT IN ('CLOSED', 'RESOLVED', 'PENDING_INFO')
                       AND due_date <= now()
                     ORDER BY due_date
                     LIMIT v_batch
                     FOR UPDATE SKIP LOCKED)
        RETURNING id, ticket_number, title, assignee_id, due_date
    LOOP
        PERFORM auth.notify(t.assignee_id, t.id, 'SLA_BREACH',
            t.ticket_number || ' breached its SLA',
            'It was due at ' || to_char(t.due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
                || ' UTC: ' || t.title);
        v_flagged := v_flagged + 1;
    END LOOP;

    -- No response by the response deadline: flagged once, the assignee told (issue 14).
    FOR t IN
        UPDATE tickets SET response_breach = TRUE
        WHERE id IN (SELECT id FROM tickets
                     WHERE first_response_at IS NULL AND NOT response_breach
                       AND status NOT IN ('CLOSED', 'RESOLVED', 'PENDING_INFO')
                       AND response_due_at <= now()
                     ORDER BY response_due_at
                     LIMIT v_batch
                     FOR UPDATE SKIP LOCKED)
        RETURNING id, ticket_number, title, assignee_id, response_due_at
    LOOP
        PERFORM auth.notify(t.assignee_id, t.id, 'SLA_BREACH',
            t.ticket_number || ' missed its response deadline',
            'A response was due at '
                || to_char(t.response_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
                || ' UTC: ' || t.title);
        v_responses := v_responses + 1;
    END LOOP;

    -- RESOLVED for 7 days: closed by the server (the workflow trigger lets trusted code through;
    -- the history row carries the reason).
    v_reason := current_setting('ticketdesk.change_reason', true);
    PERFORM set_config('ticketdesk.change_reason',
                       'Closed automatically: resolved 7 days ago and not reopened', true);
    UPDATE tickets SET status = 'CLOSED'
    WHERE id IN (SELECT id FROM tickets
                 WHERE status = 'RESOLVED' AND resolved_at <= now() - interval '7 days'
                 ORDER BY resolved_at
                 LIMIT v_batch
                 FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS v_closed = ROW_COUNT;
    PERFORM set_config('ticketdesk.change_reason', coalesce(v_reason, ''), true);

    PERFORM auth.trust_end(v_trusted);
    RETURN greatest(v_flagged, v_responses, v_closed);
END;
$$;
