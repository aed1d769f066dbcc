-- The SLA clock through the API (issue 14, items 3, 5 and 7): why a ticket is due when it is,
-- and the policies and holiday calendars managers and admins keep. The explanation is the walk
-- that computed the deadline (sql/sla/deadline.sql) run again with `p_explain`: no second
-- implementation that could drift.

-- ---------------------------------------------------------------- explanation
-- Both deadlines of a ticket the caller may see (as api.ticket_detail decides), each with the
-- steps of its walk, times local to the policy's zone (ISO, no offset). NULL when the caller
-- may not see the ticket or it has no policy.
CREATE OR REPLACE FUNCTION api.ticket_sla(p_ticket uuid)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
    v_ticket tickets;
    v_policy sla_policies;
    v_pauses tstzmultirange;
    v_open_pause timestamptz;
    v_zone text;
    v_met timestamptz;
BEGIN
    SELECT t.* INTO v_ticket FROM tickets t
    WHERE t.id = p_ticket AND (v_caller.role <> 'END_USER' OR t.requestor_id = v_caller.user_id);
    IF v_ticket.id IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT p.* INTO v_policy FROM sla_policies p WHERE p.id = v_ticket.sla_policy_id;
    IF v_policy.id IS NULL THEN
        RETURN NULL;
    END IF;
    v_zone := v_policy.time_zone;
    v_met := CASE WHEN v_ticket.status IN ('RESOLVED', 'CLOSED')
                  THEN coalesce(v_ticket.resolved_at, v_ticket.closed_at) END;
    v_pauses := public.sla_pause_ranges(v_ticket.id);
    SELECT p.started_at INTO v_open_pause FROM sla_pauses p
    WHERE p.ticket_id = v_ticket.id AND p.ended_at IS NULL;
    RETURN json_build_object(
        'policy', json_build_object(
            'name', v_policy.name,
            'business_hours_only', v_policy.business_hours_only,
            'start_hour', coalesce(v_policy.business_start_hour, 9),
            'end_hour', coalesce(v_policy.business_end_hour, 17),
            'include_weekends', v_policy.include_weekends,
            'time_zone', v_zone,
            'calendar', (SELECT c.name FROM sla_calendars c WHERE c.id = v_policy.calendar_id)),
        'created_at', to_char(v_ticket.created_at AT TIME ZONE v_zone, 'YYYY-MM-DD"T"HH24:MI:SS'),
        'paused_since', to_char(v_open_pause AT TIME ZONE v_zone, 'YYYY-MM-DD"T"HH24:MI:SS'),
        'deadlines', json_build_array(
            json_build_object(
                'kind', 'response',
                'minutes', v_policy.response_time_minutes,
                'state', public.sla_state(v_ticket.response_due_at, v_ticket.response_warn_at,
                                          v_ticket.first_response_at, v_ticket.response_breach,
                                          v_open_pause IS NOT NULL, now()),
                'met_at', to_char(v_ticket.first_response_at AT TIME ZONE v_zone,
                                  'YYYY-MM-DD"T"HH24:MI:SS'),
                'steps', (SELECT json_agg(s) FROM auth.sla_steps(v_ticket.created_at,
                              v_policy.response_time_minutes, v_policy, v_pauses) s)),
            json_build_object(
                'kind', 'resolution',
                'minutes', v_policy.resolution_time_minutes,
                'state', public.sla_state(v_ticket.due_date, v_ticket.resolution_warn_at,
                                          v_met, v_ticket.sla_breach,
                                          v_open_pause IS NOT NULL, now()),
                'met_at', to_char(v_met AT TIME ZONE v_zone, 'YYYY-MM-DD"T"HH24:MI:SS'),
                'steps', (SELECT json_agg(s) FROM auth.sla_steps(v_ticket.created_at,
                              v_policy.resolution_time_minutes, v_policy, v_pauses) s))));
END;
$$;
ALTER FUNCTION api.ticket_sla(uuid) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.ticket_sla(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.ticket_sla(uuid) TO ticketdesk_desktop;

-- The walk's steps in order, times local to the policy's zone, minutes whole.
CREATE OR REPLACE FUNCTION auth.sla_steps(p_start timestamptz, p_minutes integer,
                                          p_policy sla_policies, p_pauses tstzmultirange)
RETURNS TABLE (kind text, from_local text, to_local text, minutes integer, label text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT w.kind,
           to_char(w.from_at AT TIME ZONE p_policy.time_zone, 'YYYY-MM-DD"T"HH24:MI:SS'),
           to_char(w.to_at AT TIME ZONE p_policy.time_zone, 'YYYY-MM-DD"T"HH24:MI:SS'),
           round(w.minutes)::integer, w.label
    FROM public.sla_walk(p_start, p_minutes, p_policy, p_pauses, NULL, true) w
    ORDER BY w.kind = 'due', w.from_at, w.kind;
$$;
ALTER FUNCTION auth.sla_steps(timestamptz, integer, sla_policies, tstzmultirange) OWNER TO ticketdesk_definer;

-- ---------------------------------------------------------------- recomputing
-- Walks the deadlines of every open ticket under `p_policies` again (after a policy or its
-- calendar changed), in one set-based statement, and writes a history row, with `p_reason`, for
-- each ticket whose resolution deadline moved. What is settled stays (sql/sla/deadline.sql,
-- sla_apply_instants): a missed deadline, a response that came. Returns the tickets moved.
CREATE OR REPLACE FUNCTION auth.sla_recompute(p_policies uuid[], p_reason text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_moved integer;
    v_trusted text := auth.trust_begin();
BEGIN
    WITH walked AS (
        SELECT t.id, t.due_date AS old_due, i.*
        FROM tickets t
        JOIN sla_policies p ON p.id = t.sla_policy_id
        CROSS JOIN LATERAL public.sla_instants(t.created_at, p, public.sla_pause_ranges(t.id)) i
        WHERE t.sla_policy_id = ANY (p_policies) AND t.status NOT IN ('CLOSED', 'RESOLVED')
    ), moved AS (
        UPDATE tickets t
        SET due_date = CASE WHEN t.sla_breach THEN t.due_date ELSE w.resolution_due END,
            resolution_warn_at = CASE WHEN t.sla_breach THEN t.resolution_warn_at
                                      ELSE w.resolution_warn END,
            response_due_at = CASE WHEN t.first_response_at IS NULL AND NOT t.response_breach
                                   THEN w.response_due ELSE t.response_due_at END,
            response_warn_at = CASE WHEN t.first_response_at IS NULL AND NOT t.response_breach
                                    THEN w.response_warn ELSE t.response_warn_at END
        FROM walked w
        WHERE t.id = w.id
          AND (NOT t.sla_breach AND (t.due_date, t.resolution_warn_at)
                                    IS DISTINCT FROM (w.resolution_due, w.resolution_warn)
               OR t.first_response_at IS NULL AND NOT t.response_breach
                  AND (t.response_due_at, t.response_warn_at)
                      IS DISTINCT FROM (w.response_due, w.response_warn))
        RETURNING t.id, w.old_due, t.due_date AS new_due
    )
    INSERT INTO ticket_history (ticket_id, user_id, action, field_changed, old_value, new_value,
                                change_reason, timestamp)
    SELECT m.id, public.current_user_id(), 'FIELD_UPDATED', 'due_date',
           to_jsonb(to_char(m.old_due AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'))::text,
           to_jsonb(to_char(m.new_due AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'))::text,
           p_reason, clock_timestamp()
    FROM moved m
    WHERE m.old_due IS DISTINCT FROM m.new_due;
    GET DIAGNOSTICS v_moved = ROW_COUNT;
    PERFORM auth.trust_end(v_trusted);
    RETURN v_moved;
END;
$$;
ALTER FUNCTION auth.sla_recompute(uuid[], text) OWNER TO ticketdesk_definer;

-- ---------------------------------------------------------------- policies and calendars
-- Only managers and admins keep policies and calendars (SPEC §4).
CREATE OR REPLACE FUNCTION auth.sla_keeper() RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
BEGIN
    IF v_caller.role NOT IN ('MANAGER', 'ADMIN') THEN
        RAISE EXCEPTION 'only managers and admins may change SLA policies and calendars'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN v_caller.user_id;
END;
$$;
ALTER FUNCTION auth.sla_keeper() OWNER TO ticketdesk_definer;

-- Every policy, newest rules first within a priority; any signed-in user may read them (the
-- queue and the ticket show what they promise).
CREATE OR REPLACE FUNCTION api.sla_policies()
RETURNS TABLE (id uuid, name varchar, description text, priority varchar, category varchar,
               response_time_minutes integer, resolution_time_minutes integer,
               business_hours_only boolean, business_start_hour integer,
               business_end_hour integer, include_weekends boolean, time_zone text,
               calendar_id uuid, calendar_name varchar, is_active boolean, effective_from date,
               effective_until date, updated_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM auth.caller();
    RETURN QUERY
    SELECT p.id, p.name, p.description, p.priority, p.category, p.response_time_minutes,
           p.resolution_time_minutes, p.business_hours_only, p.business_start_hour,
           p.business_end_hour, p.include_weekends, p.time_zone, p.calendar_id, c.name,
           p.is_active, p.effective_from, p.effective_until, p.updated_at
    FROM sla_policies p LEFT JOIN sla_calendars c ON c.id = p.calendar_id
    ORDER BY p.priority, p.category NULLS FIRST, p.effective_from DESC, p.name;
END;
$$;
ALTER FUNCTION api.sla_policies() OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.sla_policies() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.sla_policies() TO ticketdesk_desktop;

-- Creates (no `id`) or changes a policy, validated with errors a person can act on (22023),
-- then walks the open tickets under it again. A change carries the `updated_at` it was read
-- with: a policy someone else saved since is refused (40001), not overwritten. Returns the id.
CREATE OR REPLACE FUNCTION api.save_sla_policy(p_policy jsonb)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user uuid := auth.sla_keeper();
    v_id uuid := (p_policy ->> 'id')::uuid;
    v_name text := btrim(coalesce(p_policy ->> 'name', ''));
    v_priority text := p_policy ->> 'priority';
    v_category text := nullif(btrim(coalesce(p_policy ->> 'category', '')), '');
    v_response integer := (p_policy ->> 'response_time_minutes')::integer;
    v_resolution integer := (p_policy ->> 'resolution_time_minutes')::integer;
    v_hours_only boolean := coalesce((p_policy ->> 'business_hours_only')::boolean, true);
    v_start integer := coalesce((p_policy ->> 'business_start_hour')::integer, 9);
    v_end integer := coalesce((p_policy ->> 'business_end_hour')::integer, 17);
    v_weekends boolean := coalesce((p_policy ->> 'include_weekends')::boolean, false);
    v_zone text := coalesce(nullif(btrim(p_policy ->> 'time_zone'), ''), 'UTC');
    v_calendar uuid := (p_policy ->> 'calendar_id')::uuid;
    v_active boolean := coalesce((p_policy ->> 'is_active')::boolean, true);
    v_from date := coalesce((p_policy ->> 'effective_from')::date, CURRENT_DATE);
    v_until date := (p_policy ->> 'effective_until')::date;
    v_seen timestamptz := (p_policy ->> 'updated_at')::timestamptz;
    v_clash record;
    v_moved integer;
BEGIN
    IF v_name = '' THEN
        RAISE EXCEPTION 'a policy needs a name' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_priority IS NULL OR v_priority NOT IN ('P1_CRITICAL', 'P2_HIGH', 'P3_MEDIUM', 'P4_LOW') THEN
        RAISE EXCEPTION 'priority must be one of P1_CRITICAL, P2_HIGH, P3_MEDIUM, P4_LOW'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_category IS NOT NULL AND v_category NOT IN ('VM_ISSUE', 'NETWORK_ISSUE', 'STORAGE_ISSUE',
            'DATABASE_ISSUE', 'SECURITY_ISSUE', 'ACCESS_REQUEST', 'INFRASTRUCTURE',
            'MONITORING_ALERT', 'OTHER') THEN
        RAISE EXCEPTION 'unknown category "%"', v_category USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_response IS NULL OR v_response <= 0 THEN
        RAISE EXCEPTION 'the response time must be a positive number of minutes'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_resolution IS NULL OR v_resolution <= v_response THEN
        RAISE EXCEPTION 'the resolution time must be longer than the response time'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_start < 0 OR v_start > 23 OR v_end < 1 OR v_end > 24 THEN
        RAISE EXCEPTION 'business hours run from 0 to 24' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_end <= v_start THEN
        RAISE EXCEPTION 'the end hour (%) must be after the start hour (%)', v_end, v_start
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT public.is_time_zone(v_zone) THEN
        RAISE EXCEPTION 'unknown time zone "%"', v_zone USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_until IS NOT NULL AND v_until < v_from THEN
        RAISE EXCEPTION 'the policy must end on or after the day it starts'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_calendar IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sla_calendars c WHERE c.id = v_calendar) THEN
        RAISE EXCEPTION 'no such holiday calendar' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Two saves at once must not both pass the overlap check.
    LOCK TABLE sla_policies IN SHARE ROW EXCLUSIVE MODE;
    IF v_active THEN
        SELECT p.name, p.effective_from, p.effective_until INTO v_clash
        FROM sla_policies p
        WHERE p.is_active AND p.id IS DISTINCT FROM v_id AND p.priority = v_priority
          AND p.category IS NOT DISTINCT FROM v_category
          AND daterange(p.effective_from, p.effective_until, '[]')
              && daterange(v_from, v_until, '[]')
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'it overlaps policy "%" (% to %) for the same priority and category',
                v_clash.name, v_clash.effective_from, coalesce(v_clash.effective_until::text, 'open end')
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    IF v_id IS NULL THEN
        INSERT INTO sla_policies (name, description, priority, category, response_time_minutes,
                                  resolution_time_minutes, business_hours_only,
                                  business_start_hour, business_end_hour, include_weekends,
                                  time_zone, calendar_id, is_active, effective_from,
                                  effective_until)
        VALUES (v_name, p_policy ->> 'description', v_priority, v_category, v_response,
                v_resolution, v_hours_only, v_start, v_end, v_weekends, v_zone, v_calendar,
                v_active, v_from, v_until)
        RETURNING id INTO v_id;
        RETURN v_id;
    END IF;
    UPDATE sla_policies p
    SET name = v_name, description = p_policy ->> 'description', priority = v_priority,
        category = v_category, response_time_minutes = v_response,
        resolution_time_minutes = v_resolution, business_hours_only = v_hours_only,
        business_start_hour = v_start, business_end_hour = v_end, include_weekends = v_weekends,
        time_zone = v_zone, calendar_id = v_calendar, is_active = v_active,
        effective_from = v_from, effective_until = v_until
    WHERE p.id = v_id AND p.updated_at = v_seen;
    IF NOT FOUND THEN
        IF EXISTS (SELECT 1 FROM sla_policies p WHERE p.id = v_id) THEN
            RAISE EXCEPTION 'someone else changed this policy; reload it and try again'
                USING ERRCODE = 'serialization_failure';
        END IF;
        RAISE EXCEPTION 'no such policy' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_moved := auth.sla_recompute(ARRAY[v_id], format('SLA policy "%s" changed', v_name));
    RETURN v_id;
END;
$$;
ALTER FUNCTION api.save_sla_policy(jsonb) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.save_sla_policy(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.save_sla_policy(jsonb) TO ticketdesk_desktop;

-- Every holiday calendar with its days in order.
CREATE OR REPLACE FUNCTION api.sla_calendars()
RETURNS TABLE (id uuid, name varchar, description text, updated_at timestamptz, holidays json)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM auth.caller();
    RETURN QUERY
    SELECT c.id, c.name, c.description, c.updated_at,
           (SELECT coalesce(json_agg(json_build_object('day', h.day, 'label', h.label)
                                     ORDER BY h.day), '[]')
            FROM sla_holidays h WHERE h.calendar_id = c.id)
    FROM sla_calendars c
    ORDER BY lower(c.name);
END;
$$;
ALTER FUNCTION api.sla_calendars() OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.sla_calendars() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.sla_calendars() TO ticketdesk_desktop;

-- Creates (no `id`) or changes a calendar: its name, description and the whole list of its
-- holidays (`holidays`: [{day, label}]), then walks the open tickets of every policy using it
-- again. Optimistic like api.save_sla_policy. Returns the id.
CREATE OR REPLACE FUNCTION api.save_sla_calendar(p_calendar jsonb)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user uuid := auth.sla_keeper();
    v_id uuid := (p_calendar ->> 'id')::uuid;
    v_name text := btrim(coalesce(p_calendar ->> 'name', ''));
    v_seen timestamptz := (p_calendar ->> 'updated_at')::timestamptz;
    v_days jsonb := coalesce(p_calendar -> 'holidays', '[]');
    v_policies uuid[];
    v_moved integer;
BEGIN
    IF v_name = '' THEN
        RAISE EXCEPTION 'a calendar needs a name' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(v_days) <> 'array' THEN
        RAISE EXCEPTION 'holidays must be a list of days' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(v_days) d WHERE d ->> 'day' IS NULL) THEN
        RAISE EXCEPTION 'every holiday needs a day' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (SELECT count(*) <> count(DISTINCT (d ->> 'day')::date)
        FROM jsonb_array_elements(v_days) d) THEN
        RAISE EXCEPTION 'a day is listed twice' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM sla_calendars c
               WHERE lower(c.name) = lower(v_name) AND c.id IS DISTINCT FROM v_id) THEN
        RAISE EXCEPTION 'a calendar named "%" exists already', v_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_id IS NULL THEN
        INSERT INTO sla_calendars (name, description)
        VALUES (v_name, p_calendar ->> 'description')
        RETURNING id INTO v_id;
    ELSE
        UPDATE sla_calendars c SET name = v_name, description = p_calendar ->> 'description'
        WHERE c.id = v_id AND c.updated_at = v_seen;
        IF NOT FOUND THEN
            IF EXISTS (SELECT 1 FROM sla_calendars c WHERE c.id = v_id) THEN
                RAISE EXCEPTION 'someone else changed this calendar; reload it and try again'
                    USING ERRCODE = 'serialization_failure';
            END IF;
            RAISE EXCEPTION 'no such calendar' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        DELETE FROM sla_holidays h WHERE h.calendar_id = v_id;
    END IF;
    INSERT INTO sla_holidays (calendar_id, day, label)
    SELECT v_id, (d ->> 'day')::date, nullif(btrim(coalesce(d ->> 'label', '')), '')
    FROM jsonb_array_elements(v_days) d;
    SELECT array_agg(p.id) INTO v_policies FROM sla_policies p WHERE p.calendar_id = v_id;
    IF v_policies IS NOT NULL THEN
        v_moved := auth.sla_recompute(v_policies, format('Holiday calendar "%s" changed', v_name));
    END IF;
    RETURN v_id;
END;
$$;
ALTER FUNCTION api.save_sla_calendar(jsonb) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.save_sla_calendar(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.save_sla_calendar(jsonb) TO ticketdesk_desktop;
