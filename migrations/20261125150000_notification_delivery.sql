-- Notification delivery (SPEC §7):
--   * Who hears of a change is decided here, by triggers on tickets, comments and escalations,
--     in the change's own transaction: there is never a notification without its change, or
--     the reverse, however the change was made. The desktop loses its INSERT grant on
--     `notifications`, so a hostile desktop can no longer send anyone a made-up alert.
--   * `notification_preferences`: per user, which events on which channels. No row means the
--     default (`notification_default`). Nobody hears of their own action.
--   * The outbox for the headless worker: EMAIL, SLACK and SMS rows wait as PENDING until
--     `next_attempt_at`; the worker role (`ticketdesk_worker`) claims them with SKIP LOCKED,
--     retries with backoff and gives up as FAILED.

-- ---------------------------------------------------------------- preferences
CREATE TABLE notification_preferences (
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    event_type varchar(50) NOT NULL,
    channel    varchar(20) NOT NULL,
    enabled    boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (user_id, event_type, channel),
    -- The seed's notification types and channels (chk_notification_type, chk_channel).
    CONSTRAINT chk_preference_type CHECK (event_type IN (
        'TICKET_CREATED', 'TICKET_ASSIGNED', 'STATUS_CHANGED', 'COMMENT_ADDED',
        'ESCALATED', 'SLA_BREACH', 'RESOLUTION_REQUEST', 'TICKET_CLOSED')),
    CONSTRAINT chk_preference_channel CHECK (channel IN ('EMAIL', 'SMS', 'IN_APP', 'SLACK'))
);

ALTER TABLE notification_preferences ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_preferences FORCE ROW LEVEL SECURITY;
CREATE POLICY preferences_own ON notification_preferences FOR ALL TO ticketdesk_desktop
    USING (user_id = (SELECT public.current_user_id()))
    WITH CHECK (user_id = (SELECT public.current_user_id()));
GRANT SELECT, INSERT, DELETE, UPDATE (enabled, updated_at)
    ON notification_preferences TO ticketdesk_desktop;
GRANT ALL ON notification_preferences TO ticketdesk_definer;

-- What a user gets without having chosen: everything in the app; email for what lands on them
-- (assigned, escalated, SLA breach); Slack and SMS only when asked for.
CREATE FUNCTION public.notification_default(p_type varchar, p_channel varchar) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE p_channel
        WHEN 'IN_APP' THEN TRUE
        WHEN 'EMAIL' THEN p_type IN ('TICKET_ASSIGNED', 'ESCALATED', 'SLA_BREACH')
        ELSE FALSE END;
$$;

-- ---------------------------------------------------------------- the outbox
-- When the worker may next try an external row: now for a new one, later after a failure
-- (backoff), and a few minutes ahead while a worker holds it (its lease).
ALTER TABLE notifications ADD COLUMN next_attempt_at timestamptz;
CREATE INDEX idx_notifications_outbox ON notifications (next_attempt_at)
    WHERE status = 'PENDING' AND channel <> 'IN_APP';

-- ---------------------------------------------------------------- fan-out
-- A user's name as notifications show it; the system when nobody is signed in (the SLA sweep).
CREATE FUNCTION auth.display_name(p_user uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce((SELECT u.first_name || ' ' || u.last_name FROM users u WHERE u.id = p_user),
                    'ticketdesk');
$$;

-- Writes one notification per channel `p_to` wants for `p_type`, and wakes whoever delivers
-- it at commit. Nobody is told of their own action; inactive accounts are told nothing; an SMS
-- needs a phone number.
CREATE FUNCTION auth.notify(p_to uuid, p_ticket uuid, p_type varchar, p_subject text,
                            p_message text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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
        WHERE coalesce(p.enabled, public.notification_default(p_type, c.channel))
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
$$;

CREATE FUNCTION public.tickets_notify_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF public.history_suppressed() OR NEW.assignee_id IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM auth.notify(NEW.assignee_id, NEW.id, 'TICKET_ASSIGNED',
        NEW.ticket_number || ' assigned to you',
        auth.display_name(public.current_user_id()) || ' assigned you: ' || NEW.title);
    RETURN NULL;
END;
$$;
CREATE TRIGGER trg_tickets_notify_insert AFTER INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION public.tickets_notify_insert();

CREATE FUNCTION public.tickets_notify_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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
$$;
CREATE TRIGGER trg_tickets_notify_update AFTER UPDATE OF assignee_id, status ON tickets
    FOR EACH ROW EXECUTE FUNCTION public.tickets_notify_update();

-- The requestor (public comments only: internal notes are not theirs to know of) and the
-- assignee hear of a new comment.
CREATE FUNCTION public.comments_notify_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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
$$;
CREATE TRIGGER trg_comments_notify_insert AFTER INSERT ON comments
    FOR EACH ROW EXECUTE FUNCTION public.comments_notify_insert();

-- "Escalated to you" (SPEC §6): whoever an escalation names hears of it.
CREATE FUNCTION public.escalations_notify_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    t tickets%ROWTYPE;
BEGIN
    IF public.history_suppressed() OR NEW.to_user_id IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO t FROM tickets WHERE id = NEW.ticket_id;
    PERFORM auth.notify(NEW.to_user_id, t.id, 'ESCALATED',
        t.ticket_number || ' escalated to you',
        auth.display_name(public.current_user_id()) || ' escalated: ' || t.title
            || coalesce(' (' || NEW.reason || ')', ''));
    RETURN NULL;
END;
$$;
CREATE TRIGGER trg_escalations_notify_insert AFTER INSERT ON escalations
    FOR EACH ROW EXECUTE FUNCTION public.escalations_notify_insert();

-- ---------------------------------------------------------------- what the desktop may do
-- Notifications are written by the triggers above only.
DROP POLICY notifications_insert ON notifications;
REVOKE INSERT ON notifications FROM ticketdesk_desktop;
-- A desktop marks its in-app notifications delivered and read; the outbox rows are the
-- worker's to mark.
DROP POLICY notifications_own_update ON notifications;
CREATE POLICY notifications_own_update ON notifications FOR UPDATE TO ticketdesk_desktop
    USING (user_id = (SELECT public.current_user_id()) AND channel = 'IN_APP')
    WITH CHECK (user_id = (SELECT public.current_user_id()) AND channel = 'IN_APP');

-- ---------------------------------------------------------------- the worker
-- The headless `ticketdesk worker` logs in as a member of this role (`ticketdesk
-- create-worker-login`): it reads and updates outbox rows and reads the addresses they go to,
-- nothing else.
DO $$
BEGIN
    CREATE ROLE ticketdesk_worker NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END;
$$;
GRANT USAGE ON SCHEMA public TO ticketdesk_worker;
GRANT SELECT, UPDATE (status, sent_at, delivered_at, failed_reason, retry_count, external_id,
                      next_attempt_at)
    ON notifications TO ticketdesk_worker;
GRANT SELECT (id, username, email, first_name, last_name, phone_number, is_active, status)
    ON users TO ticketdesk_worker;
GRANT SELECT (id, ticket_number, title) ON tickets TO ticketdesk_worker;
GRANT SELECT ON _sqlx_migrations TO ticketdesk_worker;
CREATE POLICY notifications_worker ON notifications FOR ALL TO ticketdesk_worker
    USING (channel <> 'IN_APP') WITH CHECK (channel <> 'IN_APP');
CREATE POLICY users_worker ON users FOR SELECT TO ticketdesk_worker USING (TRUE);
CREATE POLICY tickets_worker ON tickets FOR SELECT TO ticketdesk_worker USING (TRUE);

-- ---------------------------------------------------------------- privileges
ALTER FUNCTION auth.display_name(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.notify(uuid, uuid, varchar, text, text) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.tickets_notify_insert() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.tickets_notify_update() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.comments_notify_insert() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.escalations_notify_insert() OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION public.notification_default(varchar, varchar), auth.display_name(uuid),
    auth.notify(uuid, uuid, varchar, text, text), public.tickets_notify_insert(),
    public.tickets_notify_update(), public.comments_notify_insert(),
    public.escalations_notify_insert()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.display_name(uuid), auth.notify(uuid, uuid, varchar, text, text),
    public.notification_default(varchar, varchar)
    TO ticketdesk_definer;
GRANT EXECUTE ON FUNCTION public.notification_default(varchar, varchar) TO ticketdesk_desktop;
