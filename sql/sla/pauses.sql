-- The SLA clock stops while a ticket waits for its requestor (issue 14, item 2; SPEC §5).
-- Moving to PENDING_INFO opens a pause (sla_pauses); leaving it closes the pause with the
-- business time it took, in whole minutes of the ticket's policy, and moves the resolution
-- deadline by exactly that much. A deadline that had already passed when the pause began does
-- not move: waiting for information cannot undo a breach. A reopened ticket's clock continues
-- (its deadline is not reset by RESOLVED or REOPENED); only pauses move it.

-- Whole minutes of the policy's counted time between two instants: wall-clock minutes, or
-- only those inside start..end hour on working days (weekends too with include_weekends), in
-- the policy's zone, as public.sla_deadline() counts them.
CREATE OR REPLACE FUNCTION public.sla_business_minutes(p_from timestamp with time zone,
                                                       p_to timestamp with time zone,
                                                       p_policy sla_policies)
 RETURNS integer
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
DECLARE
    v_local timestamp := p_from AT TIME ZONE p_policy.time_zone;
    v_end constant timestamp := p_to AT TIME ZONE p_policy.time_zone;
    v_seconds numeric := 0;
    v_open timestamp;
    v_close timestamp;
BEGIN
    IF p_to <= p_from THEN
        RETURN 0;
    END IF;
    IF NOT p_policy.business_hours_only THEN
        RETURN floor(extract(epoch FROM p_to - p_from) / 60);
    END IF;
    WHILE v_local < v_end LOOP
        IF p_policy.include_weekends OR extract(isodow FROM v_local) < 6 THEN
            v_open := date_trunc('day', v_local)
                      + make_interval(hours => coalesce(p_policy.business_start_hour, 9));
            v_close := date_trunc('day', v_local)
                       + make_interval(hours => coalesce(p_policy.business_end_hour, 17));
            v_seconds := v_seconds + greatest(0, extract(epoch FROM
                             least(v_close, v_end) - greatest(v_open, v_local)));
        END IF;
        v_local := date_trunc('day', v_local) + interval '1 day';
    END LOOP;
    RETURN floor(v_seconds / 60);
END;
$function$;

-- As the status moves: records the response (the first status change by someone other than
-- the requestor; issue 14, item 1), and opens and closes pauses. Fires after tickets_workflow
-- (which decided
-- the move is allowed) and tickets_sla_clock (which re-picks the policy on a priority change):
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
        IF v_minutes > 0 AND NOT NEW.sla_breach AND NEW.due_date > v_pause.started_at THEN
            NEW.due_date := public.sla_deadline(NEW.due_date, v_minutes, v_policy);
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
