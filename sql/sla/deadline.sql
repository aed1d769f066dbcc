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

-- ---------------------------------------------------------------- the walk
-- The one implementation of SLA time (issue 14, item 5). It walks forward from `p_start`
-- through the policy's counted time and says what it passed, step by step:
--   counted   a stretch that counted (`minutes` of it)
--   closed    a day the policy does not work (a weekend without include_weekends)
--   holiday   a day of the policy's calendar (`label`: "Christmas Eve")
--   paused    a stretch inside opening hours the clock stood still (a pause of the ticket)
--   due       the end: `to_at` is the deadline, `minutes` all the time counted
-- With `p_minutes` it stops once that much has counted (a deadline); with `p_until` instead
-- it stops there and `due.minutes` is the time counted (the business time between two
-- instants). Only `due` is returned unless `p_explain`, so a deadline costs no more rows.
-- Business hours are local wall-clock hours in the policy's zone, so a day that changes to
-- or from summer time still opens at 9. A 24/7 policy (`business_hours_only` false) counts
-- every minute except pauses; holidays are closed days of business-hours policies only.
-- Deadlines, warnings, pause lengths, the sweep's flags (stored deadlines) and the ticket's
-- "Why this deadline?" all come from here.
CREATE OR REPLACE FUNCTION public.sla_walk(p_start timestamp with time zone,
                                           p_minutes integer,
                                           p_policy sla_policies,
                                           p_pauses tstzmultirange DEFAULT '{}',
                                           p_until timestamp with time zone DEFAULT NULL,
                                           p_explain boolean DEFAULT false)
 RETURNS TABLE (kind text, from_at timestamp with time zone, to_at timestamp with time zone,
                minutes numeric, label text)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_zone constant text := p_policy.time_zone;
    v_left numeric := p_minutes * 60;          -- seconds still to count (NULL: until p_until)
    v_total numeric := 0;                      -- seconds counted
    v_cursor timestamptz := p_start;
    v_holidays jsonb := '{}';
    v_day date;
    v_next timestamptz;
    v_open timestamptz;
    v_close timestamptz;
    v_window tstzrange;
    v_piece tstzrange;
    v_seconds numeric;
    v_days integer := 0;
BEGIN
    IF (p_minutes IS NULL) = (p_until IS NULL) THEN
        RAISE EXCEPTION 'sla_walk needs minutes or an end, not both';
    END IF;
    IF p_policy.business_hours_only AND p_policy.calendar_id IS NOT NULL THEN
        SELECT coalesce(jsonb_object_agg(h.day::text, coalesce(h.label, '')), '{}')
          INTO v_holidays FROM sla_holidays h WHERE h.calendar_id = p_policy.calendar_id;
    END IF;
    LOOP
        IF p_until IS NOT NULL AND v_cursor >= p_until THEN
            RETURN QUERY SELECT 'due', p_start, p_until, v_total / 60, NULL::text;
            RETURN;
        END IF;
        v_days := v_days + 1;
        IF v_days > 3700 THEN
            RAISE EXCEPTION 'SLA policy "%" has no open hours in ten years', p_policy.name;
        END IF;
        IF p_policy.business_hours_only THEN
            v_day := (v_cursor AT TIME ZONE v_zone)::date;
            v_next := (v_day + 1)::timestamp AT TIME ZONE v_zone;
            IF NOT p_policy.include_weekends AND extract(isodow FROM v_day) >= 6 THEN
                IF p_explain THEN
                    RETURN QUERY SELECT 'closed', v_day::timestamp AT TIME ZONE v_zone, v_next,
                                        0::numeric, NULL::text;
                END IF;
                v_cursor := v_next;
                CONTINUE;
            END IF;
            IF v_holidays ? v_day::text THEN
                IF p_explain THEN
                    RETURN QUERY SELECT 'holiday', v_day::timestamp AT TIME ZONE v_zone, v_next,
                                        0::numeric, nullif(v_holidays ->> v_day::text, '');
                END IF;
                v_cursor := v_next;
                CONTINUE;
            END IF;
            v_open := greatest(v_cursor, (v_day + make_interval(
                          hours => coalesce(p_policy.business_start_hour, 9))) AT TIME ZONE v_zone);
            v_close := (v_day + make_interval(
                          hours => coalesce(p_policy.business_end_hour, 17))) AT TIME ZONE v_zone;
        ELSE
            -- Wall-clock time: a week at a time, so pauses are cut out as they come.
            v_next := v_cursor + interval '7 days';
            v_open := v_cursor;
            v_close := v_next;
        END IF;
        IF p_until IS NOT NULL THEN
            v_close := least(v_close, p_until);
        END IF;
        IF v_open < v_close THEN
            v_window := tstzrange(v_open, v_close);
            IF p_explain THEN
                RETURN QUERY SELECT 'paused', lower(r), upper(r),
                                    extract(epoch FROM upper(r) - lower(r)) / 60, NULL::text
                             FROM unnest(tstzmultirange(v_window) * p_pauses) r;
            END IF;
            FOR v_piece IN SELECT r FROM unnest(tstzmultirange(v_window) - p_pauses) r ORDER BY lower(r)
            LOOP
                v_seconds := extract(epoch FROM upper(v_piece) - lower(v_piece));
                IF v_left IS NOT NULL AND v_left <= v_seconds THEN
                    v_total := v_total + v_left;
                    IF p_explain THEN
                        RETURN QUERY SELECT 'counted', lower(v_piece),
                                            lower(v_piece) + make_interval(secs => v_left),
                                            v_left / 60, NULL::text;
                    END IF;
                    RETURN QUERY SELECT 'due', p_start,
                                        lower(v_piece) + make_interval(secs => v_left),
                                        v_total / 60, NULL::text;
                    RETURN;
                END IF;
                v_left := v_left - v_seconds;
                v_total := v_total + v_seconds;
                IF p_explain THEN
                    RETURN QUERY SELECT 'counted', lower(v_piece), upper(v_piece),
                                        v_seconds / 60, NULL::text;
                END IF;
            END LOOP;
        END IF;
        v_cursor := v_next;
    END LOOP;
END;
$function$;

-- `p_minutes` of the policy's counted time after `p_start`, skipping `p_pauses`.
DROP FUNCTION IF EXISTS public.sla_deadline(timestamp with time zone, integer, sla_policies);
CREATE OR REPLACE FUNCTION public.sla_deadline(p_start timestamp with time zone, p_minutes integer,
                                               p_policy sla_policies, p_pauses tstzmultirange)
 RETURNS timestamp with time zone
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
    SELECT w.to_at FROM public.sla_walk(p_start, p_minutes, p_policy, p_pauses) w;
$function$;

-- Whole minutes of the policy's counted time between two instants.
CREATE OR REPLACE FUNCTION public.sla_business_minutes(p_from timestamp with time zone,
                                                       p_to timestamp with time zone,
                                                       p_policy sla_policies)
 RETURNS integer
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
    SELECT CASE WHEN p_to <= p_from THEN 0
                ELSE (SELECT floor(w.minutes)::integer
                      FROM public.sla_walk(p_from, NULL, p_policy, '{}', p_to) w) END;
$function$;

-- The finished pauses of a ticket, as the stretches its clock skips. A pause still open does
-- not move a deadline yet: it moves it when it ends (sql/sla/pauses.sql).
CREATE OR REPLACE FUNCTION public.sla_pause_ranges(p_ticket uuid)
 RETURNS tstzmultirange
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
    SELECT coalesce(range_agg(tstzrange(p.started_at, p.ended_at)), '{}')
    FROM sla_pauses p WHERE p.ticket_id = p_ticket AND p.ended_at IS NOT NULL;
$function$;

-- The share of a deadline's time after which the sweep warns (SPEC §5: 80 %), in whole
-- minutes, rounded up.
CREATE OR REPLACE FUNCTION public.sla_warning_minutes(p_minutes integer)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
    SELECT ceil(p_minutes * 0.8)::integer;
$function$;

-- A ticket's four instants under a policy: both deadlines and their 80 % marks, from
-- creation through the pauses so far. NULLs without a policy.
CREATE OR REPLACE FUNCTION public.sla_instants(p_created timestamp with time zone,
                                               p_policy sla_policies,
                                               p_pauses tstzmultirange,
                                               OUT response_due timestamp with time zone,
                                               OUT response_warn timestamp with time zone,
                                               OUT resolution_due timestamp with time zone,
                                               OUT resolution_warn timestamp with time zone)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    IF p_policy.id IS NULL THEN
        RETURN;
    END IF;
    response_due := public.sla_deadline(p_created, p_policy.response_time_minutes, p_policy, p_pauses);
    response_warn := public.sla_deadline(p_created,
        public.sla_warning_minutes(p_policy.response_time_minutes), p_policy, p_pauses);
    resolution_due := public.sla_deadline(p_created, p_policy.resolution_time_minutes, p_policy, p_pauses);
    resolution_warn := public.sla_deadline(p_created,
        public.sla_warning_minutes(p_policy.resolution_time_minutes), p_policy, p_pauses);
END;
$function$;

-- Puts freshly computed instants on a ticket row, except what is settled: a missed
-- resolution deadline stays the one missed (sla_breach_time), and a response deadline stays
-- once the response came or was missed. A warning already sent stays sent.
CREATE OR REPLACE FUNCTION public.sla_apply_instants(p_ticket tickets,
                                                     p_response_due timestamp with time zone,
                                                     p_response_warn timestamp with time zone,
                                                     p_resolution_due timestamp with time zone,
                                                     p_resolution_warn timestamp with time zone)
 RETURNS tickets
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    IF NOT p_ticket.sla_breach THEN
        p_ticket.due_date := p_resolution_due;
        p_ticket.resolution_warn_at := p_resolution_warn;
    END IF;
    IF p_ticket.first_response_at IS NULL AND NOT p_ticket.response_breach THEN
        p_ticket.response_due_at := p_response_due;
        p_ticket.response_warn_at := p_response_warn;
    END IF;
    RETURN p_ticket;
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
    v_at record;
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
    v_at := public.sla_instants(NEW.created_at, v_policy,
                                CASE WHEN TG_OP = 'INSERT' THEN '{}'
                                     ELSE public.sla_pause_ranges(NEW.id) END);
    IF TG_OP = 'INSERT' THEN
        -- Nothing is settled yet (a loader may bring a first response along).
        NEW.due_date := v_at.resolution_due;
        NEW.resolution_warn_at := v_at.resolution_warn;
        NEW.response_due_at := v_at.response_due;
        NEW.response_warn_at := v_at.response_warn;
    ELSE
        NEW := public.sla_apply_instants(NEW, v_at.response_due, v_at.response_warn,
                                         v_at.resolution_due, v_at.resolution_warn);
    END IF;
    RETURN NEW;
END;
$function$;

CREATE OR REPLACE TRIGGER trg_tickets_check_insert_sla BEFORE INSERT ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_sla_clock();

CREATE OR REPLACE TRIGGER trg_tickets_workflow_sla BEFORE UPDATE OF priority, category ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_sla_clock();

-- Where a deadline stands at `p_now`, as the queue's SLA column and the ticket show it:
-- met | breached | paused | warning (80 % of its time used) | ok; NULL without a deadline.
CREATE OR REPLACE FUNCTION public.sla_state(p_due timestamp with time zone,
                                            p_warn_at timestamp with time zone,
                                            p_met_at timestamp with time zone,
                                            p_breached boolean, p_paused boolean,
                                            p_now timestamp with time zone)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
AS $function$
    SELECT CASE WHEN p_breached THEN 'breached'
                WHEN p_due IS NULL THEN NULL
                WHEN p_met_at IS NOT NULL THEN CASE WHEN p_met_at > p_due THEN 'breached'
                                                    ELSE 'met' END
                WHEN p_paused THEN 'paused'
                WHEN p_due <= p_now THEN 'breached'
                WHEN p_warn_at <= p_now THEN 'warning'
                ELSE 'ok' END;
$function$;

-- The deadline a ticket's people face next: the response while it is awaited, then the
-- resolution; 'infinity' when nothing is pending (resolved, closed, no policy). The queue's
-- "due soonest" order and its index (migration sla_queue_order) use this exact expression.
CREATE OR REPLACE FUNCTION public.sla_next_due(p_status character varying,
                                               p_first_response_at timestamp with time zone,
                                               p_response_breach boolean,
                                               p_response_due_at timestamp with time zone,
                                               p_due_date timestamp with time zone)
 RETURNS timestamp with time zone
 LANGUAGE sql
 IMMUTABLE
AS $function$
    SELECT CASE WHEN p_status IN ('CLOSED', 'RESOLVED') THEN 'infinity'::pg_catalog.timestamptz
                WHEN p_first_response_at IS NULL AND NOT p_response_breach
                     AND p_response_due_at IS NOT NULL THEN p_response_due_at
                ELSE coalesce(p_due_date, 'infinity'::pg_catalog.timestamptz) END;
$function$;

-- The queue's SLA column for one ticket: which deadline is next, when, and where it stands.
CREATE OR REPLACE FUNCTION public.sla_glance(p_status character varying,
                                             p_first_response_at timestamp with time zone,
                                             p_response_breach boolean,
                                             p_response_due_at timestamp with time zone,
                                             p_response_warn_at timestamp with time zone,
                                             p_due_date timestamp with time zone,
                                             p_resolution_warn_at timestamp with time zone,
                                             p_sla_breach boolean,
                                             p_resolved_at timestamp with time zone,
                                             p_closed_at timestamp with time zone)
 RETURNS TABLE (deadline text, due timestamp with time zone, state text)
 LANGUAGE sql
 STABLE
AS $function$
    SELECT CASE WHEN r.awaited THEN 'response' WHEN p_due_date IS NOT NULL THEN 'resolution' END,
           CASE WHEN r.awaited THEN p_response_due_at ELSE p_due_date END,
           CASE WHEN r.awaited
                THEN public.sla_state(p_response_due_at, p_response_warn_at, NULL, false,
                                      p_status = 'PENDING_INFO', pg_catalog.now())
                ELSE public.sla_state(p_due_date, p_resolution_warn_at,
                                      CASE WHEN p_status IN ('RESOLVED', 'CLOSED')
                                           THEN coalesce(p_resolved_at, p_closed_at) END,
                                      p_sla_breach, p_status = 'PENDING_INFO', pg_catalog.now()) END
    FROM (SELECT p_status NOT IN ('CLOSED', 'RESOLVED') AND p_first_response_at IS NULL
                 AND NOT p_response_breach AND p_response_due_at IS NOT NULL AS awaited) r;
$function$;
