-- The SLA clock and the breach sweep (SPEC §5; issue 7 measures the sweep at 1M tickets).
--   * A new ticket gets the active policy for its priority and category (a category's own
--     policy beats the catch-all) and `due_date`, its resolution deadline, counted in the
--     policy's business hours and time zone. A priority or category change picks again, from
--     the ticket's creation. The database does it, so no client can choose its own deadline.
--   * `sla_sweep()` flags every open ticket past its deadline, once, and tells its assignee.
--     Any desktop or the headless worker may call it; an advisory lock lets exactly one run at
--     a time, and the others return at once.
-- Not here yet (the SLA issue): pausing while PENDING_INFO, the response deadline, the
-- warning at 80 % and the escalation a breach starts.

-- ---------------------------------------------------------------- policy time zone
CREATE FUNCTION public.is_time_zone(p_zone text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM now() AT TIME ZONE p_zone;
    RETURN TRUE;
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN FALSE;
END;
$$;

ALTER TABLE sla_policies ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC'
    CONSTRAINT chk_sla_time_zone CHECK (public.is_time_zone(time_zone));

-- ---------------------------------------------------------------- the deadline
-- `p_minutes` of the policy's time after `p_start`: wall-clock minutes, or only those inside
-- start..end hour on working days (weekends too with include_weekends), in the policy's zone.
-- Hours are local wall-clock hours, so a day that changes to or from summer time still opens
-- at 9.
CREATE FUNCTION public.sla_deadline(p_start timestamptz, p_minutes integer,
                                    p_policy sla_policies) RETURNS timestamptz
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
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
$$;

-- The policy a ticket of this priority and category falls under on `p_day`. A definer, so
-- the trigger below finds it without another session lookup under sla_policies' policy.
CREATE FUNCTION public.sla_policy_for(p_priority varchar, p_category varchar, p_day date)
RETURNS sla_policies
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT p.* FROM sla_policies p
    WHERE p.is_active AND p.priority = p_priority
      AND (p.category = p_category OR p.category IS NULL)
      AND p.effective_from <= p_day AND (p.effective_until IS NULL OR p.effective_until >= p_day)
    ORDER BY p.category NULLS LAST, p.effective_from DESC
    LIMIT 1;
$$;
ALTER FUNCTION public.sla_policy_for(varchar, varchar, date) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION public.sla_policy_for(varchar, varchar, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sla_policy_for(varchar, varchar, date) TO ticketdesk_desktop;

-- Runs after tickets_check_insert (which stamps created_at) and tickets_workflow (which keeps
-- a desktop's hands off these columns): triggers of one event fire in name order. Not a
-- definer: is_desktop_caller() must see the caller.
CREATE FUNCTION public.tickets_sla_clock() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
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
    NEW.due_date := CASE WHEN v_policy.id IS NOT NULL
                         THEN public.sla_deadline(NEW.created_at,
                                                  v_policy.resolution_time_minutes, v_policy) END;
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_tickets_check_insert_sla BEFORE INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION public.tickets_sla_clock();
CREATE TRIGGER trg_tickets_workflow_sla BEFORE UPDATE OF priority, category ON tickets
    FOR EACH ROW EXECUTE FUNCTION public.tickets_sla_clock();

-- ---------------------------------------------------------------- the sweep
-- The sweep's candidates only: open tickets not yet flagged (about 1 % of 1M tickets), in
-- deadline order. Without it the planner walked idx_tickets_overdue past every ticket
-- already flagged (123,308 rows, 460 ms at 1M).
CREATE INDEX idx_tickets_sla_due ON tickets (due_date)
    WHERE NOT sla_breach AND status NOT IN ('CLOSED', 'RESOLVED');

-- Flags up to `p_batch` open tickets past their deadline, most overdue first, once each
-- (`sla_breach`, `sla_breach_time` = the deadline missed), and tells each one's assignee.
-- Set-based over idx_tickets_sla_due. Returns how many it flagged (the batch size:
-- call again), or NULL when another process is sweeping.
--   * Batches keep each sweep short after a long outage: flagging costs about 0.8 ms per
--     ticket at 1M tickets (the row update and its indexes), and rows stay locked until
--     the sweep commits.
--   * SKIP LOCKED: a ticket someone is saving right now is flagged by the next sweep, and
--     nobody waits for the sweep.
CREATE FUNCTION public.sla_sweep(p_batch integer DEFAULT 500) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_flagged integer := 0;
    t record;
BEGIN
    -- hashtext('ticketdesk.sla_sweep'), fixed: one key for every process.
    IF NOT pg_try_advisory_xact_lock(1936482914) THEN
        RETURN NULL;
    END IF;
    -- The sweep acts for nobody: the assignee of a breached ticket hears of it even when the
    -- sweep runs in their own desktop's transaction.
    PERFORM set_config('ticketdesk.session', '', true);
    FOR t IN
        UPDATE tickets SET sla_breach = TRUE, sla_breach_time = due_date
        WHERE id IN (SELECT id FROM tickets
                     WHERE NOT sla_breach AND status NOT IN ('CLOSED', 'RESOLVED')
                       AND due_date <= now()
                     ORDER BY due_date
                     LIMIT greatest(p_batch, 1)
                     FOR UPDATE SKIP LOCKED)
        RETURNING id, ticket_number, title, assignee_id, due_date
    LOOP
        PERFORM auth.notify(t.assignee_id, t.id, 'SLA_BREACH',
            t.ticket_number || ' breached its SLA',
            'It was due at ' || to_char(t.due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
                || ' UTC: ' || t.title);
        v_flagged := v_flagged + 1;
    END LOOP;
    RETURN v_flagged;
END;
$$;
ALTER FUNCTION public.sla_sweep(integer) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION public.sla_sweep(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sla_sweep(integer) TO ticketdesk_desktop, ticketdesk_worker;
