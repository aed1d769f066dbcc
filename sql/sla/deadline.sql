-- A ticket's SLA policy, resolution deadline and response deadline (moved from migration
-- sla_clock, issue 13):
-- business hours in the policy's time zone; picked again when the priority or category
-- changes, counting the pauses so far (issue 14).

-- ---------------------------------------------------------------- policy time zone
CREATE OR REPLACE FUNCTION public.is_time_zone(p_zone text)
 RETURNS boolean
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
BEGIN
    PERFORM now() AT TIME ZONE p_zone;
    RETURN TRUE;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN FALSE;
END;
$function$;

-- The policy a ticket of this priority and category falls under on `p_day`. A definer, so
-- the trigger below finds it without another session lookup under sla_policies' policy.
CREATE OR REPLACE FUNCTION public.sla_policy_for(p_priority character varying, p_category character varying, p_day date)
 RETURNS sla_policies
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
    SELECT p.* FROM sla_policies p
    WHERE p.is_active AND p.priority = p_priority
      AND (p.category = p_category OR p.category IS NULL)
      AND p.effective_from <= p_day AND (p.effective_until IS NULL OR p.effective_until >= p_day)
    ORDER BY p.category NULLS LAST, p.effective_from DESC
    LIMIT 1;
$function$;
ALTER FUNCTION public.sla_policy_for(character varying,character varying,date) OWNER TO ticketdesk_definer;

-- ---------------------------------------------------------------- the deadline
-- `p_minutes` of the policy's time after `p_start`: wall-clock minutes, or only those inside
-- start..end hour on working days (weekends too with include_weekends), in the policy's zone.
-- Hours are local wall-clock hours, so a day that changes to or from summer time still opens
-- at 9.
CREATE OR REPLACE FUNCTION public.sla_deadline(p_start timestamp with time zone, p_minutes integer, p_policy sla_policies)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
DECLARE
    v_local timestamp := p_start AT TIME ZONE p_policy.time_zone;
    v_left numeric := p_minutes;
    v_open timestamp;
    v_close timestamp;
    v_today numeric;
BEGIN
    IF NOT p_policy.business_hours_only THEN
        RETURN p_start + make_interval(mins => p_minutes);
    END IF;
    LOOP
        IF p_policy.include_weekends OR extract(isodow FROM v_local) < 6 THEN
            v_open := date_trunc('day', v_local)
                      + make_interval(hours => coalesce(p_policy.business_start_hour, 9));
            v_close := date_trunc('day', v_local)
                       + make_interval(hours => coalesce(p_policy.business_end_hour, 17));
            v_local := greatest(v_local, v_open);
            IF v_local < v_close THEN
                v_today := extract(epoch FROM v_close - v_local) / 60;
                IF v_left <= v_today THEN
                    RETURN (v_local + make_interval(secs => v_left * 60)) AT TIME ZONE p_policy.time_zone;
                END IF;
                v_left := v_left - v_today;
            END IF;
        END IF;
        v_local := date_trunc('day', v_local) + interval '1 day';
    END LOOP;
END;
$function$;

-- Runs after tickets_check_insert (which stamps created_at) and tickets_workflow (which keeps
-- a desktop's hands off these columns): triggers of one event fire in name order. Not a
-- definer: is_desktop_caller() must see the caller.
CREATE OR REPLACE FUNCTION public.tickets_sla_clock()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_policy sla_policies;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- Loaders (demo data, imports) may bring their own; a desktop may not.
        IF NEW.sla_policy_id IS NOT NULL AND NEW.due_date IS NOT NULL
           AND NOT public.is_desktop_caller() THEN
            RETURN NEW;
        END IF;
    ELSIF (NEW.priority, NEW.category) IS NOT DISTINCT FROM (OLD.priority, OLD.category) THEN
        RETURN NEW;
    END IF;
    v_policy := public.sla_policy_for(NEW.priority, NEW.category, NEW.created_at::date);
    NEW.sla_policy_id := v_policy.id;
    -- The policy's time plus every pause so far (sql/sla/pauses.sql; none at creation).
    NEW.due_date := CASE WHEN v_policy.id IS NOT NULL
                         THEN public.sla_deadline(NEW.created_at,
                                                  v_policy.resolution_time_minutes
                                                  + coalesce((SELECT sum(p.business_minutes)::integer
                                                              FROM sla_pauses p
                                                              WHERE p.ticket_id = NEW.id
                                                                AND p.ended_at IS NOT NULL), 0),
                                                  v_policy) END;
    -- The response deadline, until the response came (issue 14). Pauses do not move it: only
    -- an engineer's status change starts one, and that change is the response.
    IF TG_OP = 'INSERT' OR NEW.first_response_at IS NULL THEN
        NEW.response_due_at := CASE WHEN v_policy.id IS NOT NULL
                                    THEN public.sla_deadline(NEW.created_at,
                                                             v_policy.response_time_minutes,
                                                             v_policy) END;
    END IF;
    RETURN NEW;
END;
$function$;

CREATE OR REPLACE TRIGGER trg_tickets_check_insert_sla BEFORE INSERT ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_sla_clock();

CREATE OR REPLACE TRIGGER trg_tickets_workflow_sla BEFORE UPDATE OF priority, category ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_sla_clock();
