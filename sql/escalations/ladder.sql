-- The escalation ladder (issue 15; SPEC §6): the database starts, routes, raises, acknowledges
-- and settles escalations; a desktop only asks (api.escalate_ticket, api.acknowledge_escalation,
-- api.resolve_escalation) and can name neither the target, the sender nor the level.
--   * Routing: level 1 goes to the TEAM_LEADs of the assignee's department (the requestor's
--     when unassigned), level 2 to the MANAGERs, levels 3-5 to the ADMINs; a level with nobody
--     falls back upward, and the person who escalated is never a target. The level stored is
--     the one that holds it. `to_user_id` is the first of them; all of them are told.
--   * One open escalation per ticket (idx_escalations_open): a new trigger on a ticket that
--     already has one RAISES it one level (and says why in the history), never stacks another.
--   * Unacknowledged, it rises one level after the ticket's policy's
--     `escalation_threshold_minutes` (30 when unset), up to 5: the SLA sweep does it.
--   * Resolving the ticket resolves its open escalation; closing it cancels it.

-- The default when a policy sets no threshold.
CREATE OR REPLACE FUNCTION auth.escalation_threshold(p_ticket uuid) RETURNS interval
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT make_interval(mins => coalesce(
        (SELECT p.escalation_threshold_minutes FROM tickets t
         JOIN sla_policies p ON p.id = t.sla_policy_id WHERE t.id = p_ticket), 30));
$$;
ALTER FUNCTION auth.escalation_threshold(uuid) OWNER TO ticketdesk_definer;

-- The role that holds a level.
CREATE OR REPLACE FUNCTION auth.escalation_role(p_level integer) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN p_level <= 1 THEN 'TEAM_LEAD' WHEN p_level = 2 THEN 'MANAGER' ELSE 'ADMIN' END;
$$;

-- The highest level a user may act on (acknowledge, resolve): a lead 1, a manager 2, an admin 5.
CREATE OR REPLACE FUNCTION auth.escalation_rank(p_role text) RETURNS integer
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE p_role WHEN 'TEAM_LEAD' THEN 1 WHEN 'MANAGER' THEN 2 WHEN 'ADMIN' THEN 5 ELSE 0 END;
$$;

-- Who holds `p_level` of a ticket's escalation, falling back upward; never `p_not`.
CREATE OR REPLACE FUNCTION auth.escalation_targets(p_ticket uuid, p_level integer, p_not uuid)
RETURNS TABLE (user_id uuid, level integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_department text;
    v_level integer;
    v_ids uuid[];
BEGIN
    SELECT coalesce(a.department, r.department) INTO v_department
    FROM tickets t JOIN users r ON r.id = t.requestor_id LEFT JOIN users a ON a.id = t.assignee_id
    WHERE t.id = p_ticket;
    FOR v_level IN greatest(p_level, 1)..5 LOOP
        SELECT array_agg(u.id ORDER BY u.last_name, u.first_name, u.id) INTO v_ids
        FROM users u
        WHERE u.is_active AND u.status = 'ACTIVE' AND u.role = auth.escalation_role(v_level)
          AND (v_level > 1 OR u.department = v_department)
          AND u.id IS DISTINCT FROM p_not;
        IF v_ids IS NOT NULL THEN
            RETURN QUERY SELECT unnest(v_ids), v_level;
            RETURN;
        END IF;
    END LOOP;
END;
$$;
ALTER FUNCTION auth.escalation_targets(uuid, integer, uuid) OWNER TO ticketdesk_definer;

-- Points an escalation at `p_level` (after fallback), tells its holders, and writes the step
-- into the ticket's history. `p_why` says what moved it.
CREATE OR REPLACE FUNCTION auth.escalation_route(p_escalation uuid, p_level integer, p_why text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    e escalations;
    t tickets;
    v_to uuid;
    v_level integer;
    v_reason text;
BEGIN
    SELECT * INTO e FROM escalations WHERE id = p_escalation;
    SELECT * INTO t FROM tickets WHERE id = e.ticket_id;
    SELECT min(x.level), (array_agg(x.user_id))[1] INTO v_level, v_to
    FROM auth.escalation_targets(e.ticket_id, p_level, e.from_user_id) x;
    v_level := coalesce(v_level, least(p_level, 5));
    UPDATE escalations
    SET escalation_level = v_level, to_user_id = v_to, status = 'PENDING',
        acknowledged_at = NULL,
        next_rise_at = CASE WHEN v_level < 5 THEN now() + auth.escalation_threshold(e.ticket_id) END
    WHERE id = e.id;
    FOR v_to IN SELECT x.user_id FROM auth.escalation_targets(e.ticket_id, p_level, e.from_user_id) x
    LOOP
        -- Level 3 and above reach the admins on every channel they have (issue 15, item 9).
        PERFORM auth.notify_on(v_to, t.id, 'ESCALATED',
            t.ticket_number || ' escalated to you (level ' || v_level || ')',
            p_why || ': ' || t.title, v_level >= 3);
    END LOOP;
    v_reason := current_setting('ticketdesk.change_reason', true);
    PERFORM set_config('ticketdesk.change_reason', p_why, true);
    PERFORM auth.history(t.id, 'FIELD_UPDATED', 'escalation_level',
        CASE WHEN p_level > 1 THEN to_jsonb(e.escalation_level) END,
        jsonb_build_object('level', v_level, 'type', e.escalation_type,
                           'to', auth.user_ref(v_to)));
    PERFORM set_config('ticketdesk.change_reason', coalesce(v_reason, ''), true);
    -- Open views of the ticket and the Escalations screens reload (src-tauri/db/tickets.rs).
    PERFORM pg_notify('ticketdesk_ticket', t.id::text);
END;
$$;
ALTER FUNCTION auth.escalation_route(uuid, integer, text) OWNER TO ticketdesk_definer;

-- Starts an escalation of `p_type` for `p_reason`, from the caller (NULL: the server), or,
-- when the ticket has one open, raises that one a level. Returns the escalation.
CREATE OR REPLACE FUNCTION auth.escalate(p_ticket uuid, p_type text, p_reason text)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_id uuid;
    v_level integer;
    v_from uuid := public.current_user_id();
    v_why text;
BEGIN
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'an escalation needs a reason' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_why := CASE p_type
        WHEN 'MANUAL' THEN coalesce(auth.display_name(v_from), 'ticketdesk') || ' escalated it'
        WHEN 'COMPLEXITY' THEN coalesce(auth.display_name(v_from), 'ticketdesk') || ' needs a senior'
        WHEN 'SLA_BREACH' THEN 'It breached its SLA'
        WHEN 'MULTIPLE_REOPENS' THEN 'It was reopened a third time'
        WHEN 'CRITICAL_PRIORITY' THEN 'It is P1 critical'
        ELSE p_type END || ' (' || btrim(p_reason) || ')';
    -- Serialise the triggers of one ticket: the second waits, then finds the first one open.
    PERFORM 1 FROM tickets WHERE id = p_ticket FOR UPDATE;
    SELECT id, escalation_level INTO v_id, v_level FROM escalations
    WHERE ticket_id = p_ticket AND status IN ('PENDING', 'ACKNOWLEDGED');
    IF v_id IS NOT NULL THEN
        -- Another trigger while one is open: it rises a level, with this reason.
        PERFORM auth.escalation_route(v_id, least(v_level + 1, 5), v_why);
        RETURN v_id;
    END IF;
    INSERT INTO escalations (ticket_id, from_user_id, reason, escalation_level, escalation_type)
    VALUES (p_ticket, v_from, btrim(p_reason), 1, p_type)
    RETURNING id INTO v_id;
    PERFORM auth.escalation_route(v_id, 1, v_why);
    RETURN v_id;
END;
$$;
ALTER FUNCTION auth.escalate(uuid, text, text) OWNER TO ticketdesk_definer;

-- The ticket's own events start, settle or end its escalation (after the workflow decided the
-- change is allowed). A definer: it writes escalations, which only the server may.
CREATE OR REPLACE FUNCTION public.tickets_escalation()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_kind text;
BEGIN
    IF public.history_suppressed() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.priority = 'P1_CRITICAL' AND NEW.status NOT IN ('RESOLVED', 'CLOSED') THEN
            PERFORM auth.escalate(NEW.id, 'CRITICAL_PRIORITY', 'P1 at creation');
        END IF;
        RETURN NULL;
    END IF;
    IF NEW.priority = 'P1_CRITICAL' AND OLD.priority <> 'P1_CRITICAL'
       AND NEW.status NOT IN ('RESOLVED', 'CLOSED') THEN
        PERFORM auth.escalate(NEW.id, 'CRITICAL_PRIORITY', 'raised to P1');
    END IF;
    IF NEW.reopen_count >= 3 AND OLD.reopen_count < 3 THEN
        PERFORM auth.escalate(NEW.id, 'MULTIPLE_REOPENS', 'reopened ' || NEW.reopen_count || ' times');
    END IF;
    IF NEW.status = 'ESCALATED' AND OLD.status <> 'ESCALATED' THEN
        -- The Escalate action (api.escalate_ticket): the type and reason it brought.
        v_kind := coalesce(nullif(current_setting('ticketdesk.escalation_type', true), ''), 'MANUAL');
        PERFORM auth.escalate(NEW.id, v_kind,
                              current_setting('ticketdesk.change_reason', true));
    END IF;
    IF NEW.status IN ('RESOLVED', 'CLOSED') AND OLD.status NOT IN ('RESOLVED', 'CLOSED') THEN
        PERFORM auth.escalation_settle(NEW.id,
            CASE NEW.status WHEN 'RESOLVED' THEN 'RESOLVED' ELSE 'CANCELLED' END,
            CASE NEW.status WHEN 'RESOLVED' THEN 'The ticket was resolved: ' || NEW.resolution_notes
                            ELSE 'The ticket was closed' END);
    END IF;
    RETURN NULL;
END;
$function$;
ALTER FUNCTION public.tickets_escalation() OWNER TO ticketdesk_definer;

-- Named to fire after trg_tickets_history_* (triggers of one event fire in name order): the
-- ticket's own row (ESCALATED, CLOSED…) comes before the ladder's step in its history.
CREATE OR REPLACE TRIGGER trg_tickets_ladder_insert AFTER INSERT ON public.tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_escalation();
CREATE OR REPLACE TRIGGER trg_tickets_ladder_update AFTER UPDATE OF status, priority, reopen_count
    ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_escalation();

-- Settles a ticket's open escalation (RESOLVED or CANCELLED) with notes, by the caller (or the
-- server), and says so in the history. Nothing open: nothing to do.
CREATE OR REPLACE FUNCTION auth.escalation_settle(p_ticket uuid, p_status text, p_notes text)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    e escalations;
    v_reason text;
BEGIN
    UPDATE escalations SET status = p_status, resolved_at = now(), resolution_notes = p_notes,
                           next_rise_at = NULL
    WHERE ticket_id = p_ticket AND status IN ('PENDING', 'ACKNOWLEDGED')
    RETURNING * INTO e;
    IF e.id IS NULL THEN
        RETURN NULL;
    END IF;
    v_reason := current_setting('ticketdesk.change_reason', true);
    PERFORM set_config('ticketdesk.change_reason', p_notes, true);
    PERFORM auth.history(p_ticket, 'FIELD_UPDATED', 'escalation_status', to_jsonb('OPEN'::text),
                         to_jsonb(p_status));
    PERFORM set_config('ticketdesk.change_reason', coalesce(v_reason, ''), true);
    PERFORM pg_notify('ticketdesk_ticket', p_ticket::text);
    RETURN e.id;
END;
$$;
ALTER FUNCTION auth.escalation_settle(uuid, text, text) OWNER TO ticketdesk_definer;

-- Rises up to `p_batch` escalations whose time to be acknowledged ran out, each one level,
-- once per step (selected and moved under the sweep's lock, SKIP LOCKED). Returns how many.
CREATE OR REPLACE FUNCTION auth.escalations_rise(p_batch integer) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    e record;
    v_count integer := 0;
BEGIN
    FOR e IN
        SELECT id, escalation_level, ticket_id FROM escalations
        WHERE status = 'PENDING' AND next_rise_at <= now()
        ORDER BY next_rise_at
        LIMIT p_batch
        FOR UPDATE SKIP LOCKED
    LOOP
        PERFORM auth.escalation_route(e.id, least(e.escalation_level + 1, 5),
            'Not acknowledged within '
            || extract(epoch FROM auth.escalation_threshold(e.ticket_id))::integer / 60 || ' min');
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END;
$$;
ALTER FUNCTION auth.escalations_rise(integer) OWNER TO ticketdesk_definer;

-- ---------------------------------------------------------------- the API
-- The Escalate action: an engineer or above moves a ticket they see to ESCALATED with a
-- reason (required), as MANUAL or COMPLEXITY ("needs a senior"). The workflow decides whether
-- the move is allowed; the ladder decides whom it reaches.
CREATE OR REPLACE FUNCTION api.escalate_ticket(p_ticket uuid, p_version integer, p_type text,
                                               p_reason text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
BEGIN
    IF v_caller.role = 'END_USER' THEN
        RAISE EXCEPTION 'only engineers and above escalate tickets' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_type NOT IN ('MANUAL', 'COMPLEXITY') THEN
        RAISE EXCEPTION 'escalate as MANUAL or COMPLEXITY' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'an escalation needs a reason' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT auth.sees_ticket(v_caller.user_id, v_caller.role, p_ticket) THEN
        RETURN false;
    END IF;
    PERFORM auth.change_reason(p_reason);
    PERFORM set_config('ticketdesk.escalation_type', p_type, true);
    UPDATE tickets SET status = 'ESCALATED' WHERE id = p_ticket AND version = p_version;
    PERFORM set_config('ticketdesk.escalation_type', '', true);
    RETURN FOUND;
END;
$$;

-- Acknowledges an escalation: the person it names, or anyone whose role holds its level or a
-- higher one. That stops its rise. Returns false for one the caller may not see or act on.
CREATE OR REPLACE FUNCTION api.acknowledge_escalation(p_escalation uuid)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
    e escalations;
    v_reason text;
BEGIN
    SELECT * INTO e FROM escalations WHERE id = p_escalation FOR UPDATE;
    IF e.id IS NULL OR NOT (e.to_user_id = v_caller.user_id
                            OR auth.escalation_rank(v_caller.role) >= e.escalation_level) THEN
        RETURN false;
    END IF;
    IF e.status <> 'PENDING' THEN
        RAISE EXCEPTION 'this escalation is % already', lower(e.status)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE escalations SET status = 'ACKNOWLEDGED', acknowledged_at = now(), next_rise_at = NULL
    WHERE id = e.id;
    v_reason := current_setting('ticketdesk.change_reason', true);
    PERFORM set_config('ticketdesk.change_reason',
        'Escalation level ' || e.escalation_level || ' acknowledged', true);
    PERFORM auth.history(e.ticket_id, 'FIELD_UPDATED', 'escalation_status', to_jsonb('PENDING'::text),
                         to_jsonb('ACKNOWLEDGED'::text));
    PERFORM set_config('ticketdesk.change_reason', coalesce(v_reason, ''), true);
    PERFORM pg_notify('ticketdesk_ticket', e.ticket_id::text);
    RETURN true;
END;
$$;

-- Resolves an open escalation with notes (required); who may, as for acknowledging.
CREATE OR REPLACE FUNCTION api.resolve_escalation(p_escalation uuid, p_notes text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
    e escalations;
BEGIN
    IF coalesce(btrim(p_notes), '') = '' THEN
        RAISE EXCEPTION 'resolving an escalation needs notes' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO e FROM escalations WHERE id = p_escalation FOR UPDATE;
    IF e.id IS NULL OR NOT (e.to_user_id = v_caller.user_id
                            OR auth.escalation_rank(v_caller.role) >= e.escalation_level) THEN
        RETURN false;
    END IF;
    IF e.status NOT IN ('PENDING', 'ACKNOWLEDGED') THEN
        RAISE EXCEPTION 'this escalation is % already', lower(e.status)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM auth.escalation_settle(e.ticket_id, 'RESOLVED', btrim(p_notes));
    RETURN true;
END;
$$;

-- Whether `p_user` holds escalation `p_escalation` now: it names them, or they are among the
-- people its level reaches (all of them were told).
CREATE OR REPLACE FUNCTION auth.escalation_holder(p_escalation uuid, p_user uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM escalations e
        WHERE e.id = p_escalation
          AND (e.to_user_id = p_user
               OR EXISTS (SELECT 1 FROM auth.escalation_targets(e.ticket_id, e.escalation_level,
                                                                 e.from_user_id) x
                          WHERE x.user_id = p_user AND x.level = e.escalation_level)));
$$;
ALTER FUNCTION auth.escalation_holder(uuid, uuid) OWNER TO ticketdesk_definer;

-- An open escalation as the desktop shows it (the Escalations view, the ticket header), with
-- the keys of src-tauri/domain/escalation.rs. `mine`: the caller holds it; `canAct`: the caller
-- may acknowledge or resolve it.
CREATE OR REPLACE FUNCTION auth.escalation_json(p_escalation uuid, p_user uuid, p_role text)
RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT json_build_object(
        'id', e.id, 'ticketId', t.id, 'ticketNumber', t.ticket_number, 'title', t.title,
        'level', e.escalation_level, 'kind', e.escalation_type, 'status', e.status,
        'reason', e.reason, 'escalatedAt', e.escalated_at, 'acknowledgedAt', e.acknowledged_at,
        'nextRiseAt', e.next_rise_at, 'holderName', auth.display_name(e.to_user_id),
        'fromName', auth.display_name(e.from_user_id),
        'mine', auth.escalation_holder(e.id, p_user),
        -- coalesce: an escalation no level could route names nobody (to_user_id NULL).
        'canAct', coalesce(e.to_user_id = p_user, false)
                  OR auth.escalation_rank(p_role) >= e.escalation_level)
    FROM escalations e JOIN tickets t ON t.id = e.ticket_id
    WHERE e.id = p_escalation;
$$;
ALTER FUNCTION auth.escalation_json(uuid, uuid, text) OWNER TO ticketdesk_definer;

-- The open escalations a lead, manager or admin may act on (their level or below, or named
-- to them), oldest first; everyone else: refused. Dropped first: issue 15's view changed its
-- columns to one JSON object per escalation.
DROP FUNCTION IF EXISTS api.escalations();
CREATE FUNCTION api.escalations()
RETURNS SETOF json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
BEGIN
    IF auth.escalation_rank(v_caller.role) = 0 THEN
        RAISE EXCEPTION 'only leads, managers and admins see escalations'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY
    SELECT auth.escalation_json(e.id, v_caller.user_id, v_caller.role)
    FROM escalations e
    WHERE e.status IN ('PENDING', 'ACKNOWLEDGED')
      AND (e.to_user_id = v_caller.user_id
           OR e.escalation_level <= auth.escalation_rank(v_caller.role))
    ORDER BY e.escalated_at, e.id;
END;
$$;

-- Acknowledges a ticket's open escalation: the native notification's Acknowledge action knows
-- the ticket, not the escalation. False when the ticket has none open, or it is not the
-- caller's to acknowledge (the two are not told apart).
CREATE OR REPLACE FUNCTION api.acknowledge_ticket_escalation(p_ticket uuid)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller(); -- refuses a caller without a session first
    v_id uuid;
BEGIN
    SELECT id INTO v_id FROM escalations
    WHERE ticket_id = p_ticket AND status IN ('PENDING', 'ACKNOWLEDGED');
    RETURN v_id IS NOT NULL AND api.acknowledge_escalation(v_id);
END;
$$;

-- Whether the ticket's escalation still waits for the caller (open, unacknowledged, held by
-- them): a snoozed alert is raised again only then.
CREATE OR REPLACE FUNCTION api.escalation_waits_for_me(p_ticket uuid)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
BEGIN
    RETURN EXISTS (SELECT 1 FROM escalations e
                   WHERE e.ticket_id = p_ticket AND e.status = 'PENDING'
                     AND auth.escalation_holder(e.id, v_caller.user_id));
END;
$$;

-- What the tray shows (issue 15, item 6): how many open escalations the caller holds, how many
-- of them wait to be acknowledged, how many of the caller's open tickets breached, and the
-- caller's next deadline: a response or resolution deadline of an open ticket assigned to
-- them (not while paused), or the next rise of an escalation they hold, whichever is sooner.
CREATE OR REPLACE FUNCTION api.my_alerts()
RETURNS TABLE (open_escalations integer, unacknowledged integer, breached integer,
               next_at timestamptz, next_ticket_id uuid, next_ticket_number varchar,
               next_kind text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
BEGIN
    RETURN QUERY
    WITH held AS (
        SELECT e.ticket_id, e.status, e.next_rise_at FROM escalations e
        WHERE e.status IN ('PENDING', 'ACKNOWLEDGED') AND auth.escalation_rank(v_caller.role) > 0
          AND auth.escalation_holder(e.id, v_caller.user_id)
    ), mine AS (
        SELECT t.id, t.ticket_number, t.status, t.due_date, t.response_due_at,
               t.first_response_at, t.sla_breach, t.response_breach
        FROM tickets t
        WHERE t.assignee_id = v_caller.user_id AND t.status NOT IN ('RESOLVED', 'CLOSED')
    ), deadlines AS (
        SELECT m.id, m.ticket_number, m.response_due_at AS at, 'response'::text AS kind FROM mine m
        WHERE m.first_response_at IS NULL AND NOT m.response_breach
          AND m.response_due_at IS NOT NULL AND m.status <> 'PENDING_INFO'
        UNION ALL
        SELECT m.id, m.ticket_number, m.due_date, 'resolution' FROM mine m
        WHERE NOT m.sla_breach AND m.due_date IS NOT NULL AND m.status <> 'PENDING_INFO'
        UNION ALL
        SELECT h.ticket_id, t.ticket_number, h.next_rise_at, 'rise'
        FROM held h JOIN tickets t ON t.id = h.ticket_id
        WHERE h.status = 'PENDING' AND h.next_rise_at IS NOT NULL
    )
    SELECT (SELECT count(*) FROM held)::integer,
           (SELECT count(*) FROM held h WHERE h.status = 'PENDING')::integer,
           (SELECT count(*) FROM mine m WHERE m.sla_breach OR m.response_breach)::integer,
           d.at, d.id, d.ticket_number, d.kind
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (SELECT * FROM deadlines ORDER BY deadlines.at, deadlines.kind LIMIT 1) d
        ON true;
END;
$$;

ALTER FUNCTION api.escalate_ticket(uuid, integer, text, text) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.acknowledge_escalation(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.resolve_escalation(uuid, text) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.escalations() OWNER TO ticketdesk_definer;
ALTER FUNCTION api.acknowledge_ticket_escalation(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.escalation_waits_for_me(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.my_alerts() OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.escalate_ticket(uuid, integer, text, text),
    api.acknowledge_escalation(uuid), api.resolve_escalation(uuid, text), api.escalations(),
    api.acknowledge_ticket_escalation(uuid), api.escalation_waits_for_me(uuid), api.my_alerts()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.escalate_ticket(uuid, integer, text, text),
    api.acknowledge_escalation(uuid), api.resolve_escalation(uuid, text), api.escalations(),
    api.acknowledge_ticket_escalation(uuid), api.escalation_waits_for_me(uuid), api.my_alerts()
    TO ticketdesk_desktop;
