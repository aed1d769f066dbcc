-- Who hears of what (moved from migrations notification_delivery and trigger_helpers, issue 13,
-- unchanged): the triggers turn ticket, comment and escalation events into notification rows per
-- recipient and channel (their preferences, or the defaults), and NOTIFY the listeners.

CREATE OR REPLACE FUNCTION auth.display_name(p_user uuid)
 RETURNS text
 LANGUAGE plpgsql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    RETURN coalesce((SELECT u.first_name || ' ' || u.last_name FROM users u WHERE u.id = p_user),
                    'ticketdesk');
END;
$function$;
ALTER FUNCTION auth.display_name(uuid) OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION public.notification_default(p_type character varying, p_channel character varying)
 RETURNS boolean
 LANGUAGE plpgsql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
BEGIN
    RETURN CASE p_channel
        WHEN 'IN_APP' THEN TRUE
        WHEN 'EMAIL' THEN p_type IN ('TICKET_ASSIGNED', 'ESCALATED', 'SLA_BREACH', 'SLA_WARNING')
        ELSE FALSE END;
END;
$function$;

-- Writes one notification per channel `p_to` wants for `p_type` (with `p_every_channel`: on
-- every channel they have, whatever they chose: an escalation at level 3 and above, issue 15),
-- and wakes whoever delivers it at commit. Nobody is told of their own action; inactive
-- accounts are told nothing; an SMS needs a phone number.
CREATE OR REPLACE FUNCTION auth.notify_on(p_to uuid, p_ticket uuid, p_type character varying,
                                          p_subject text, p_message text,
                                          p_every_channel boolean)
 RETURNS void
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_priority varchar;
    v_channel varchar;
    v_id uuid;
BEGIN
    IF p_to IS NULL OR p_to IS NOT DISTINCT FROM public.current_user_id() THEN
        RETURN;
    END IF;
    SELECT CASE t.priority WHEN 'P1_CRITICAL' THEN 'URGENT' WHEN 'P2_HIGH' THEN 'HIGH'
                           WHEN 'P3_MEDIUM' THEN 'NORMAL' ELSE 'LOW' END
      INTO v_priority FROM tickets t WHERE t.id = p_ticket;
    FOR v_channel IN
        SELECT c.channel
        FROM unnest(ARRAY['IN_APP', 'EMAIL', 'SLACK', 'SMS']) AS c(channel)
        JOIN users u ON u.id = p_to AND u.is_active AND u.status = 'ACTIVE'
        LEFT JOIN notification_preferences p
               ON p.user_id = p_to AND p.event_type = p_type AND p.channel = c.channel
        WHERE (p_every_channel OR coalesce(p.enabled, public.notification_default(p_type, c.channel)))
          AND (c.channel <> 'SMS' OR nullif(btrim(u.phone_number), '') IS NOT NULL)
    LOOP
        v_id := gen_random_uuid();
        INSERT INTO notifications (id, user_id, ticket_id, type, channel, subject, message,
                                   priority, next_attempt_at)
        VALUES (v_id, p_to, p_ticket, p_type, v_channel, p_subject, p_message,
                coalesce(v_priority, 'NORMAL'),
                CASE WHEN v_channel = 'IN_APP' THEN NULL ELSE CURRENT_TIMESTAMP END);
        -- At commit: desktops listen on the first channel, workers (who also poll) on the second.
        PERFORM pg_notify(CASE WHEN v_channel = 'IN_APP' THEN 'ticketdesk_notification'
                               ELSE 'ticketdesk_outbox' END,
                          v_id::text);
    END LOOP;
END;
$function$;
ALTER FUNCTION auth.notify_on(uuid,uuid,character varying,text,text,boolean) OWNER TO ticketdesk_definer;

-- The channels `p_to` chose (the common case).
CREATE OR REPLACE FUNCTION auth.notify(p_to uuid, p_ticket uuid, p_type character varying, p_subject text, p_message text)
 RETURNS void
 LANGUAGE sql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
    SELECT auth.notify_on(p_to, p_ticket, p_type, p_subject, p_message, false);
$function$;
ALTER FUNCTION auth.notify(uuid,uuid,character varying,text,text) OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION public.tickets_notify_insert()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_lead uuid;
BEGIN
    IF public.history_suppressed() THEN
        RETURN NULL;
    END IF;
    -- Triage (issue 15, item 7): a new unassigned P2 tells the leads of the requestor's
    -- department (else managers, else admins: auth.sla_leads) in their notification centre.
    -- A new P1 reaches the same people natively as its CRITICAL_PRIORITY escalation
    -- (sql/escalations/ladder.sql), so it is not told twice.
    IF NEW.assignee_id IS NULL AND NEW.priority = 'P2_HIGH' THEN
        FOR v_lead IN SELECT l FROM auth.sla_leads(NEW.id) l LOOP
            PERFORM auth.notify(v_lead, NEW.id, 'TICKET_CREATED',
                'New unassigned P2: ' || NEW.ticket_number,
                auth.display_name(public.current_user_id()) || ' filed: ' || NEW.title);
        END LOOP;
    END IF;
    IF NEW.assignee_id IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM auth.notify(NEW.assignee_id, NEW.id, 'TICKET_ASSIGNED',
        NEW.ticket_number || ' assigned to you',
        auth.display_name(public.current_user_id()) || ' assigned you: ' || NEW.title);
    RETURN NULL;
END;
$function$;
ALTER FUNCTION public.tickets_notify_insert() OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION public.tickets_notify_update()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    v_who text;
BEGIN
    IF public.history_suppressed()
       OR (NEW.assignee_id IS NOT DISTINCT FROM OLD.assignee_id
           AND NEW.status IS NOT DISTINCT FROM OLD.status) THEN
        RETURN NULL;
    END IF;
    v_who := auth.display_name(public.current_user_id());
    IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id THEN
        PERFORM auth.notify(NEW.assignee_id, NEW.id, 'TICKET_ASSIGNED',
            NEW.ticket_number || ' assigned to you', v_who || ' assigned you: ' || NEW.title);
        PERFORM auth.notify(OLD.assignee_id, NEW.id, 'TICKET_ASSIGNED',
            NEW.ticket_number || ' is no longer yours',
            v_who || ' moved it '
                || CASE WHEN NEW.assignee_id IS NULL THEN 'back to the queue'
                        ELSE 'to ' || auth.display_name(NEW.assignee_id) END
                || ': ' || NEW.title);
    END IF;
    -- The requestor hears of every move of their ticket.
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM auth.notify(NEW.requestor_id, NEW.id,
            CASE WHEN NEW.status = 'CLOSED' THEN 'TICKET_CLOSED' ELSE 'STATUS_CHANGED' END,
            NEW.ticket_number || ' is now ' || NEW.status,
            v_who || ' moved it from ' || OLD.status || ' to ' || NEW.status || ': ' || NEW.title);
    END IF;
    RETURN NULL;
END;
$function$;
ALTER FUNCTION public.tickets_notify_update() OWNER TO ticketdesk_definer;

-- The requestor (public comments only: internal notes are not theirs to know of) and the
-- assignee hear of a new comment.
CREATE OR REPLACE FUNCTION public.comments_notify_insert()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
DECLARE
    t tickets%ROWTYPE;
    v_subject text;
    v_message text;
BEGIN
    IF public.history_suppressed() THEN
        RETURN NULL;
    END IF;
    SELECT * INTO t FROM tickets WHERE id = NEW.ticket_id;
    v_subject := CASE WHEN NEW.is_internal THEN 'Internal note on ' ELSE 'New comment on ' END
                 || t.ticket_number;
    v_message := auth.display_name(NEW.user_id) || ' commented on: ' || t.title;
    IF NOT NEW.is_internal THEN
        PERFORM auth.notify(t.requestor_id, t.id, 'COMMENT_ADDED', v_subject, v_message);
    END IF;
    IF t.assignee_id IS NOT NULL
       AND (NEW.is_internal OR t.assignee_id IS DISTINCT FROM t.requestor_id) THEN
        PERFORM auth.notify(t.assignee_id, t.id, 'COMMENT_ADDED', v_subject, v_message);
    END IF;
    RETURN NULL;
END;
$function$;
ALTER FUNCTION public.comments_notify_insert() OWNER TO ticketdesk_definer;

-- "Escalated to you" (SPEC §6) is the ladder's to say, to every holder of the level
-- (sql/escalations/ladder.sql); the insert trigger that told `to_user_id` alone is gone.
DROP TRIGGER IF EXISTS trg_escalations_notify_insert ON public.escalations;
DROP FUNCTION IF EXISTS public.escalations_notify_insert();

CREATE OR REPLACE TRIGGER trg_tickets_notify_insert AFTER INSERT ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_notify_insert();

CREATE OR REPLACE TRIGGER trg_tickets_notify_update AFTER UPDATE OF assignee_id, status ON public.tickets FOR EACH ROW EXECUTE FUNCTION tickets_notify_update();

CREATE OR REPLACE TRIGGER trg_comments_notify_insert AFTER INSERT ON public.comments FOR EACH ROW EXECUTE FUNCTION comments_notify_insert();

