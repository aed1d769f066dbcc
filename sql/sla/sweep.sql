-- The periodic SLA sweep (SPEC §3, §5). Its definition moved here from migration `sla_clock`
-- (issue 13); issue 14 added the pause, the response deadline, the 80 % warnings and the
-- auto-close. In one transaction, each step a batch of at most `p_batch` tickets, set-based
-- over a partial index of its candidates, most urgent first, each ticket once:
--   1. resolution breaches (idx_tickets_sla_due): `sla_breach`, `sla_breach_time` = the
--      deadline missed; the assignee and the leads (below) are told;
--   2. missing responses (idx_tickets_response_due): `response_breach`; the same people told;
--   3. resolution warnings, 80 % of the time used (idx_tickets_resolution_warn);
--   4. response warnings (idx_tickets_response_warn): SLA_WARNING to the assignee, or to the
--      leads when nobody is assigned;
--   5. tickets RESOLVED for 7 days closed (idx_tickets_resolved_at), with a history row that
--      says why.
-- A ticket waiting for its requestor (PENDING_INFO) is paused, so never flagged or warned
-- (sql/sla/pauses.sql); a breached ticket is not warned. The instants compared against now()
-- are the ones sql/sla/deadline.sql's walk stored. Returns the largest batch (a full one: call
-- again), or NULL when another process is sweeping: the advisory lock and each flag, written
-- in the statement that selects the ticket, mean no warning or breach is sent twice, also
-- when sweeps race. Any desktop and the worker may run it, signed in or not: it acts for
-- nobody and decides everything itself (the batch is capped, so a hostile caller cannot make
-- one sweep hold thousands of row locks).
--   * Batches keep each sweep short after a long outage: flagging costs about 0.8 ms per
--     ticket at 1M tickets (the row update and its indexes), and rows stay locked until
--     the sweep commits.
--   * SKIP LOCKED: a ticket someone is saving right now is flagged (or closed) by the next
--     sweep, and nobody waits for the sweep.

-- Who hears of a ticket's SLA besides its assignee: the team leads of the requestor's
-- department; without any, the managers; without any, the admins. Active accounts only.
CREATE OR REPLACE FUNCTION auth.sla_leads(p_ticket uuid)
 RETURNS SETOF uuid
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
    WITH tiers AS (
        SELECT u.id,
               CASE WHEN u.role = 'TEAM_LEAD' AND u.department = r.department THEN 1
                    WHEN u.role = 'MANAGER' THEN 2
                    WHEN u.role = 'ADMIN' THEN 3 END AS tier
        FROM tickets t
        JOIN users r ON r.id = t.requestor_id
        JOIN users u ON u.is_active AND u.status = 'ACTIVE'
                    AND u.role IN ('TEAM_LEAD', 'MANAGER', 'ADMIN')
        WHERE t.id = p_ticket)
    SELECT id FROM tiers
    WHERE tier = (SELECT min(tier) FROM tiers);
$function$;
ALTER FUNCTION auth.sla_leads(uuid) OWNER TO ticketdesk_definer;

-- Tells a ticket's people of an SLA event: the assignee, and the leads when `p_leads_too` or
-- when nobody is assigned.
CREATE OR REPLACE FUNCTION auth.sla_tell(p_ticket uuid, p_assignee uuid, p_leads_too boolean,
                                         p_type text, p_subject text, p_message text)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_to uuid;
BEGIN
    FOR v_to IN
        SELECT p_assignee WHERE p_assignee IS NOT NULL
        UNION
        SELECT l FROM auth.sla_leads(p_ticket) l WHERE p_leads_too OR p_assignee IS NULL
    LOOP
        PERFORM auth.notify(v_to, p_ticket, p_type, p_subject, p_message);
    END LOOP;
END;
$function$;
ALTER FUNCTION auth.sla_tell(uuid,uuid,boolean,text,text,text) OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION api.sla_sweep(p_batch integer DEFAULT 500) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_batch constant integer := least(greatest(p_batch, 1), 5000);
    v_flagged integer := 0;
    v_responses integer := 0;
    v_warnings integer := 0;
    v_response_warnings integer := 0;
    v_closed integer;
    v_risen integer;
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
        PERFORM auth.sla_tell(t.id, t.assignee_id, true, 'SLA_BREACH',
            t.ticket_number || ' breached its SLA',
            'It was due at ' || to_char(t.due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
                || ' UTC: ' || t.title);
        -- A breach escalates the ticket (issue 15), or raises its open escalation.
        PERFORM auth.escalate(t.id, 'SLA_BREACH',
            'due ' || to_char(t.due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'));
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
        PERFORM auth.sla_tell(t.id, t.assignee_id, true, 'SLA_BREACH',
            t.ticket_number || ' missed its response deadline',
            'A response was due at '
                || to_char(t.response_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
                || ' UTC: ' || t.title);
        v_responses := v_responses + 1;
    END LOOP;

    -- 80 % of the resolution time used: warned once, before the breach.
    FOR t IN
        UPDATE tickets SET resolution_warned_at = now()
        WHERE id IN (SELECT id FROM tickets
                     WHERE resolution_warned_at IS NULL AND NOT sla_breach
                       AND status NOT IN ('CLOSED', 'RESOLVED', 'PENDING_INFO')
                       AND resolution_warn_at <= now()
                     ORDER BY resolution_warn_at
                     LIMIT v_batch
                     FOR UPDATE SKIP LOCKED)
        RETURNING id, ticket_number, title, assignee_id, due_date
    LOOP
        PERFORM auth.sla_tell(t.id, t.assignee_id, false, 'SLA_WARNING',
            t.ticket_number || ' is due soon',
            '80 % of its resolution time is used; it is due at '
                || to_char(t.due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
                || ' UTC: ' || t.title);
        v_warnings := v_warnings + 1;
    END LOOP;

    -- 80 % of the response time used, no response yet: warned once.
    FOR t IN
        UPDATE tickets SET response_warned_at = now()
        WHERE id IN (SELECT id FROM tickets
                     WHERE response_warned_at IS NULL AND first_response_at IS NULL
                       AND NOT response_breach
                       AND status NOT IN ('CLOSED', 'RESOLVED', 'PENDING_INFO')
                       AND response_warn_at <= now()
                     ORDER BY response_warn_at
                     LIMIT v_batch
                     FOR UPDATE SKIP LOCKED)
        RETURNING id, ticket_number, title, assignee_id, response_due_at
    LOOP
        PERFORM auth.sla_tell(t.id, t.assignee_id, false, 'SLA_WARNING',
            t.ticket_number || ' needs a response soon',
            '80 % of its response time is used; a response is due at '
                || to_char(t.response_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
                || ' UTC: ' || t.title);
        v_response_warnings := v_response_warnings + 1;
    END LOOP;

    -- Escalations nobody acknowledged in time rise a level (issue 15).
    v_risen := auth.escalations_rise(v_batch);

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
    RETURN greatest(v_flagged, v_responses, v_warnings, v_response_warnings, v_risen, v_closed);
END;
$$;
