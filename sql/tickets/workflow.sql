-- The workflow in the database (moved from migrations workflow and trigger_helpers, issue 13,
-- unchanged): the same transition table as domain/workflow.rs, who may make each move, who may
-- assign, and what a requestor may touch; a client that skips the app is refused the same way.

CREATE OR REPLACE FUNCTION public.role_is_senior(p_role character varying)
 RETURNS boolean
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
BEGIN
    RETURN coalesce(p_role IN ('SENIOR_ENGINEER', 'TEAM_LEAD', 'MANAGER', 'ADMIN'), false);
END;
$function$;

CREATE OR REPLACE FUNCTION public.role_is_lead(p_role character varying)
 RETURNS boolean
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
BEGIN
    RETURN coalesce(p_role IN ('TEAM_LEAD', 'MANAGER', 'ADMIN'), false);
END;
$function$;

-- Why a desktop user may not give a ticket to p_new (NULL: unassign), or NULL if they may.
-- Mirrors domain::workflow::check_assignment.
CREATE OR REPLACE FUNCTION public.assignment_refusal(p_actor uuid, p_role character varying, p_old uuid, p_new uuid)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_new_role varchar;
BEGIN
    IF p_role IS NULL OR p_role = 'END_USER' THEN
        RETURN 'only engineers take or assign tickets';
    END IF;
    IF p_new IS NOT NULL THEN
        SELECT role INTO v_new_role FROM users WHERE id = p_new AND is_active;
        IF v_new_role IS NULL OR v_new_role = 'END_USER' THEN
            RETURN 'tickets can only be assigned to active engineers';
        END IF;
        IF p_new = p_actor OR public.role_is_senior(p_role) THEN
            RETURN NULL;
        END IF;
        RETURN 'only senior engineers and above assign tickets to others';
    END IF;
    IF p_old = p_actor OR public.role_is_senior(p_role) THEN
        RETURN NULL;
    END IF;
    RETURN 'only senior engineers and above unassign someone else';
END;
$function$;

-- ---------------------------------------------------------------- tickets: creation
CREATE OR REPLACE FUNCTION public.tickets_check_insert()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_refusal text;
BEGIN
    IF NOT public.is_desktop_caller() THEN
        RETURN NEW;
    END IF;
    -- A new ticket starts at the beginning: NEW, or OPEN when it is assigned at once.
    IF NEW.status NOT IN ('NEW', 'OPEN') OR (NEW.status = 'OPEN') <> (NEW.assignee_id IS NOT NULL) THEN
        RAISE EXCEPTION 'a new ticket is NEW, or OPEN when it is assigned'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.assignee_id IS NOT NULL THEN
        v_refusal := public.assignment_refusal(public.current_user_id(), public.current_user_role(),
                                               NULL, NEW.assignee_id);
        IF v_refusal IS NOT NULL THEN
            RAISE EXCEPTION '%', v_refusal USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    NEW.version := 1;
    NEW.resolved_at := NULL;
    NEW.closed_at := NULL;
    NEW.reopen_count := 0;
    NEW.status_before_escalation := NULL;
    NEW.sla_breach := FALSE;
    NEW.sla_breach_time := NULL;
    NEW.created_at := CURRENT_TIMESTAMP;
    NEW.updated_at := CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$function$;

-- ---------------------------------------------------------------- tickets: every change
CREATE OR REPLACE FUNCTION public.tickets_workflow()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_desktop boolean := public.is_desktop_caller();
    v_actor uuid;
    v_role varchar;
    v_mover varchar;
    v_allowed boolean;
    v_refusal text;
BEGIN
    -- Every write is a new version: optimistic locking (`WHERE version = $seen`) relies on it.
    NEW.version := OLD.version + 1;

    IF v_desktop THEN
        v_actor := public.current_user_id();
        v_role := public.current_user_role();
        -- The workflow owns these; a desktop cannot set them by hand.
        NEW.resolved_at := OLD.resolved_at;
        NEW.closed_at := OLD.closed_at;
        NEW.reopen_count := OLD.reopen_count;
        NEW.status_before_escalation := OLD.status_before_escalation;
        NEW.sla_breach := OLD.sla_breach;
        NEW.sla_breach_time := OLD.sla_breach_time;
        NEW.sla_policy_id := OLD.sla_policy_id;
        NEW.due_date := OLD.due_date;
        NEW.response_due_at := OLD.response_due_at;
        NEW.first_response_at := OLD.first_response_at;
        NEW.response_breach := OLD.response_breach;

        IF v_role = 'END_USER' AND
           (NEW.title, NEW.description, NEW.category, NEW.priority, NEW.assignee_id, NEW.tags,
            NEW.estimated_hours, NEW.actual_hours, NEW.resolution_notes, NEW.environment,
            NEW.affected_services, NEW.impact_level)
           IS DISTINCT FROM
           (OLD.title, OLD.description, OLD.category, OLD.priority, OLD.assignee_id, OLD.tags,
            OLD.estimated_hours, OLD.actual_hours, OLD.resolution_notes, OLD.environment,
            OLD.affected_services, OLD.impact_level) THEN
            RAISE EXCEPTION 'requestors may only confirm or reopen their tickets'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.priority IS DISTINCT FROM OLD.priority AND NOT public.role_is_senior(v_role) THEN
            RAISE EXCEPTION 'only senior engineers and above change a ticket''s priority'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id
           -- Releasing an in-progress ticket to the queue unassigns it (SPEC §3).
           AND NOT (OLD.status = 'IN_PROGRESS' AND NEW.status = 'OPEN' AND NEW.assignee_id IS NULL
                    AND v_role <> 'END_USER') THEN
            IF OLD.status IN ('RESOLVED', 'CLOSED') THEN
                RAISE EXCEPTION 'a % ticket is not assigned any more; reopen it first', OLD.status
                    USING ERRCODE = 'check_violation';
            END IF;
            v_refusal := public.assignment_refusal(v_actor, v_role, OLD.assignee_id, NEW.assignee_id);
            IF v_refusal IS NOT NULL THEN
                RAISE EXCEPTION '%', v_refusal USING ERRCODE = 'insufficient_privilege';
            END IF;
        END IF;
    END IF;

    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF v_desktop THEN
            SELECT mover INTO v_mover FROM ticket_transitions
            WHERE from_status = OLD.status AND to_status = NEW.status;
            IF v_mover IS NULL THEN
                RAISE EXCEPTION 'a % ticket cannot move to %', OLD.status, NEW.status
                    USING ERRCODE = 'check_violation';
            END IF;
            v_allowed := CASE v_mover
                WHEN 'ENGINEER' THEN v_role <> 'END_USER'
                WHEN 'LEAD' THEN public.role_is_lead(v_role)
                WHEN 'REQUESTOR_OR_LEAD' THEN OLD.requestor_id = v_actor OR public.role_is_lead(v_role)
                WHEN 'REQUESTOR_OR_ENGINEER' THEN OLD.requestor_id = v_actor OR v_role <> 'END_USER'
                WHEN 'SENIOR' THEN public.role_is_senior(v_role)
                WHEN 'SENIOR_RETURN' THEN public.role_is_senior(v_role)
                                          AND OLD.status_before_escalation = NEW.status
            END;
            IF NOT coalesce(v_allowed, false) THEN
                RAISE EXCEPTION 'you may not move this ticket from % to %', OLD.status, NEW.status
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF OLD.status = 'CLOSED' AND OLD.closed_at < CURRENT_TIMESTAMP - interval '30 days' THEN
                RAISE EXCEPTION 'a ticket closed more than 30 days ago cannot be reopened'
                    USING ERRCODE = 'check_violation';
            END IF;
        END IF;

        IF NEW.status = 'RESOLVED' THEN
            IF coalesce(btrim(NEW.resolution_notes), '') = '' THEN
                RAISE EXCEPTION 'resolution notes are required to resolve a ticket'
                    USING ERRCODE = 'check_violation';
            END IF;
            NEW.resolved_at := CURRENT_TIMESTAMP;
        ELSIF NEW.status = 'CLOSED' THEN
            NEW.closed_at := CURRENT_TIMESTAMP;
        ELSIF NEW.status = 'REOPENED' THEN
            NEW.resolved_at := NULL;
            NEW.closed_at := NULL;
            NEW.reopen_count := OLD.reopen_count + 1;
        END IF;
        IF NEW.status = 'ESCALATED' THEN
            NEW.status_before_escalation := OLD.status;
        ELSIF OLD.status = 'ESCALATED' THEN
            NEW.status_before_escalation := NULL;
        END IF;
    END IF;
    RETURN NEW;
END;
$function$;

CREATE OR REPLACE TRIGGER trg_tickets_check_insert BEFORE INSERT ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_check_insert();

CREATE OR REPLACE TRIGGER trg_tickets_workflow BEFORE UPDATE ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_workflow();
