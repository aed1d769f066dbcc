-- The SLA clock stops while a ticket waits for its requestor (issue 14, item 2; SPEC §5).
-- Moving to PENDING_INFO opens a pause (sla_pauses); leaving it closes the pause with the
-- business time it took, in whole minutes of the ticket's policy, and walks both deadlines and
-- their warnings again from creation, skipping every finished pause (sql/sla/deadline.sql), so
-- each moves by exactly the paused business time before it. A deadline that had already passed
-- when the pause began does not move: waiting for information cannot undo a breach. A reopened ticket's clock continues
-- (its deadline is not reset by RESOLVED or REOPENED); only pauses move it.

-- As the status moves: records the response (the first status change by someone other than
-- the requestor; issue 14, item 1), and opens and closes pauses. Fires after tickets_workflow
-- (which decided the move is allowed) and tickets_sla_clock (which re-picks the policy on a priority change):
-- triggers of one event fire in name order. A definer: it writes sla_pauses, which only the
-- server may.
CREATE OR REPLACE FUNCTION public.tickets_sla_status()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_pause sla_pauses;
    v_policy sla_policies;
    v_minutes integer;
    v_reason text;
    v_actor uuid;
    v_at record;
BEGIN
    IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
        RETURN NEW;
    END IF;
    -- Server code (the sweep, the move when a requestor replies) acts for nobody or for the
    -- requestor: neither is a response. A late response is a breach, but nobody is alerted.
    IF NEW.first_response_at IS NULL THEN
        v_actor := public.current_user_id();
        IF v_actor IS NOT NULL AND v_actor <> NEW.requestor_id THEN
            NEW.first_response_at := CURRENT_TIMESTAMP;
            NEW.response_breach := NEW.response_breach
                                   OR coalesce(NEW.response_due_at < CURRENT_TIMESTAMP, false);
        END IF;
    END IF;
    IF NEW.status = 'PENDING_INFO' THEN
        INSERT INTO sla_pauses (ticket_id, started_at) VALUES (NEW.id, CURRENT_TIMESTAMP)
        ON CONFLICT (ticket_id) WHERE ended_at IS NULL DO NOTHING;
    ELSIF OLD.status = 'PENDING_INFO' THEN
        SELECT * INTO v_pause FROM sla_pauses WHERE ticket_id = NEW.id AND ended_at IS NULL;
        IF v_pause.id IS NULL THEN
            RETURN NEW;
        END IF;
        SELECT * INTO v_policy FROM sla_policies WHERE id = NEW.sla_policy_id;
        v_minutes := CASE WHEN v_policy.id IS NULL THEN 0
                          ELSE public.sla_business_minutes(v_pause.started_at, CURRENT_TIMESTAMP,
                                                           v_policy) END;
        UPDATE sla_pauses SET ended_at = greatest(CURRENT_TIMESTAMP, started_at),
                              business_minutes = v_minutes
        WHERE id = v_pause.id;
        -- Both deadlines and their warnings, walked again from creation through every
        -- finished pause (sql/sla/deadline.sql): a pause that began after a deadline passed
        -- does not move it.
        IF v_policy.id IS NOT NULL THEN
            v_at := public.sla_instants(NEW.created_at, v_policy, public.sla_pause_ranges(NEW.id));
            NEW := public.sla_apply_instants(NEW, v_at.response_due, v_at.response_warn,
                                             v_at.resolution_due, v_at.resolution_warn);
        END IF;
        IF v_minutes > 0 AND NEW.due_date IS DISTINCT FROM OLD.due_date THEN
            -- The timeline says the deadline moved, and why (the status change's own row
            -- keeps the reason its mover gave).
            v_reason := current_setting('ticketdesk.change_reason', true);
            PERFORM set_config('ticketdesk.change_reason', format(
                'SLA clock paused %s while pending info',
                CASE WHEN v_minutes >= 60
                     THEN format('%s h %s min', v_minutes / 60, lpad((v_minutes % 60)::text, 2, '0'))
                     ELSE v_minutes || ' min' END), true);
            PERFORM auth.history(NEW.id, 'FIELD_UPDATED', 'due_date',
                to_jsonb(to_char(OLD.due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')),
                to_jsonb(to_char(NEW.due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')));
            PERFORM set_config('ticketdesk.change_reason', coalesce(v_reason, ''), true);
        END IF;
    END IF;
    RETURN NEW;
END;
$function$;
ALTER FUNCTION public.tickets_sla_status() OWNER TO ticketdesk_definer;

CREATE OR REPLACE TRIGGER trg_tickets_workflow_sla_status BEFORE UPDATE OF status ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_sla_status();
