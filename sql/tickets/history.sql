-- ticket_history is written only by these triggers (moved from migrations workflow and
-- trigger_helpers, issue 13, unchanged): old and new value as JSON, who, when, and the reason
-- from the transaction-local setting ticketdesk.change_reason. What the rows hold is defined
-- in history_format.sql, which the generators write through too.

CREATE OR REPLACE FUNCTION auth.user_ref(p_user uuid)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    IF p_user IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT auth.history_user_value(u.id, u.first_name || ' ' || u.last_name)
            FROM users u WHERE u.id = p_user);
END;
$function$;
ALTER FUNCTION auth.user_ref(uuid) OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION auth.history(p_ticket uuid, p_action text, p_field text, p_old jsonb, p_new jsonb, p_internal boolean DEFAULT false)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    -- clock_timestamp(), not the transaction's start: rows of one change keep their order.
    INSERT INTO ticket_history (ticket_id, user_id, action, field_changed, old_value, new_value,
                                change_reason, is_internal, timestamp)
    VALUES (p_ticket, public.current_user_id(), p_action, p_field, p_old::text, p_new::text,
            nullif(btrim(current_setting('ticketdesk.change_reason', true)), ''), p_internal,
            clock_timestamp());
END;
$function$;
ALTER FUNCTION auth.history(uuid,text,text,jsonb,jsonb,boolean) OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION public.history_suppressed()
 RETURNS boolean
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
BEGIN
    RETURN coalesce(current_setting('ticketdesk.bulk_load', true), '') = 'on'
       AND coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false);
END;
$function$;

CREATE OR REPLACE FUNCTION public.tickets_history_insert()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    IF public.history_suppressed() THEN
        RETURN NULL;
    END IF;
    PERFORM auth.history(NEW.id, 'CREATED', NULL, NULL, auth.history_created_value(
        NEW.ticket_number, NEW.title, NEW.status, NEW.priority, NEW.category, NEW.environment));
    IF NEW.assignee_id IS NOT NULL THEN
        PERFORM auth.history(NEW.id, auth.history_assign_action(NULL), 'assignee_id', NULL,
                             auth.user_ref(NEW.assignee_id));
    END IF;
    RETURN NULL;
END;
$function$;
ALTER FUNCTION public.tickets_history_insert() OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION public.tickets_history_update()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_old jsonb := to_jsonb(OLD);
    v_new jsonb := to_jsonb(NEW);
    v_field text;
BEGIN
    IF public.history_suppressed() THEN
        RETURN NULL;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM auth.history(NEW.id, auth.history_status_action(NEW.status),
            'status', to_jsonb(OLD.status), to_jsonb(NEW.status));
    END IF;
    IF NEW.priority IS DISTINCT FROM OLD.priority THEN
        PERFORM auth.history(NEW.id, 'PRIORITY_CHANGED', 'priority',
                             to_jsonb(OLD.priority), to_jsonb(NEW.priority));
    END IF;
    IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id THEN
        PERFORM auth.history(NEW.id, auth.history_assign_action(OLD.assignee_id),
            'assignee_id', auth.user_ref(OLD.assignee_id), auth.user_ref(NEW.assignee_id));
    END IF;
    FOREACH v_field IN ARRAY ARRAY['title', 'description', 'category', 'tags', 'environment',
                                   'affected_services', 'impact_level', 'estimated_hours',
                                   'actual_hours', 'resolution_notes'] LOOP
        IF v_new -> v_field IS DISTINCT FROM v_old -> v_field THEN
            PERFORM auth.history(NEW.id, 'FIELD_UPDATED', v_field, v_old -> v_field, v_new -> v_field);
        END IF;
    END LOOP;
    RETURN NULL;
END;
$function$;
ALTER FUNCTION public.tickets_history_update() OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION public.attachments_history()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_ticket uuid := NEW.ticket_id;
    v_internal boolean := FALSE;
BEGIN
    IF public.history_suppressed() THEN
        RETURN NULL;
    END IF;
    IF v_ticket IS NULL THEN
        SELECT c.ticket_id, c.is_internal INTO v_ticket, v_internal
        FROM comments c WHERE c.id = NEW.comment_id;
    END IF;
    PERFORM auth.history(v_ticket, 'ATTACHMENT_ADDED', NULL, NULL,
        auth.history_attachment_value(NEW.id, NEW.file_name, NEW.file_size, NEW.comment_id),
        v_internal);
    RETURN NULL;
END;
$function$;
ALTER FUNCTION public.attachments_history() OWNER TO ticketdesk_definer;

CREATE OR REPLACE TRIGGER trg_tickets_history_insert AFTER INSERT ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_history_insert();

CREATE OR REPLACE TRIGGER trg_tickets_history_update AFTER UPDATE ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_history_update();

CREATE OR REPLACE TRIGGER trg_attachments_history AFTER INSERT ON public.attachments FOR EACH ROW EXECUTE FUNCTION attachments_history();
