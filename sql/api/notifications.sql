-- The caller's in-app notifications (SPEC §7): claimed exactly once by one of their running
-- desktops, listed in the notification centre, marked read. Written only by the database's
-- fan-out triggers; always the caller's own: no function here takes a user id.

-- Claims the caller's undelivered in-app notifications (each by one desktop only: SKIP LOCKED),
-- oldest first.
CREATE OR REPLACE FUNCTION api.claim_notifications()
RETURNS TABLE (id uuid, ticket_id uuid, kind varchar, subject varchar, message text,
               created_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    RETURN QUERY
    WITH claimed AS (
        UPDATE notifications n SET delivered_at = CURRENT_TIMESTAMP, status = 'DELIVERED'
        WHERE n.id IN (SELECT x.id FROM notifications x
                       WHERE x.user_id = v_me AND x.channel = 'IN_APP' AND x.delivered_at IS NULL
                       FOR UPDATE SKIP LOCKED)
        RETURNING n.id, n.ticket_id, n.type, n.subject, n.message, n.created_at)
    SELECT c.id, c.ticket_id, c.type, c.subject, c.message, c.created_at
    FROM claimed c ORDER BY c.created_at, c.id;
END;
$$;

-- One page of the centre, newest first, after the keyset (p_before_time, p_before_id).
CREATE OR REPLACE FUNCTION api.notifications(p_unread_only boolean, p_before_time timestamptz,
                                             p_before_id uuid, p_limit integer)
RETURNS TABLE (id uuid, ticket_id uuid, ticket_number varchar, kind varchar, subject varchar,
               message text, priority varchar, created_at timestamptz, read_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    RETURN QUERY
    SELECT n.id, n.ticket_id, t.ticket_number, n.type, n.subject, n.message, n.priority,
           n.created_at, n.read_at
    FROM notifications n LEFT JOIN tickets t ON t.id = n.ticket_id
    WHERE n.user_id = v_me AND n.channel = 'IN_APP'
      AND (NOT coalesce(p_unread_only, false) OR n.read_at IS NULL)
      AND (p_before_time IS NULL OR (n.created_at, n.id) < (p_before_time, p_before_id))
    ORDER BY n.created_at DESC, n.id DESC
    LIMIT least(greatest(coalesce(p_limit, 30), 1), 101);
END;
$$;

CREATE OR REPLACE FUNCTION api.unread_notifications() RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    RETURN (SELECT count(*) FROM notifications
            WHERE user_id = v_me AND channel = 'IN_APP' AND read_at IS NULL);
END;
$$;

-- Marks one of the caller's notifications read (again is harmless); the unread count after.
-- Another user's id is answered as unknown (P0002), like an id that does not exist.
CREATE OR REPLACE FUNCTION api.mark_notification_read(p_id uuid) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    UPDATE notifications SET read_at = coalesce(read_at, CURRENT_TIMESTAMP), status = 'READ'
    WHERE id = p_id AND user_id = v_me AND channel = 'IN_APP';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such notification' USING ERRCODE = 'no_data_found';
    END IF;
    RETURN api.unread_notifications();
END;
$$;

CREATE OR REPLACE FUNCTION api.mark_all_notifications_read() RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    UPDATE notifications SET read_at = CURRENT_TIMESTAMP, status = 'READ'
    WHERE user_id = v_me AND channel = 'IN_APP' AND read_at IS NULL;
    RETURN api.unread_notifications();
END;
$$;

ALTER FUNCTION api.claim_notifications() OWNER TO ticketdesk_definer;
ALTER FUNCTION api.notifications(boolean, timestamptz, uuid, integer) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.unread_notifications() OWNER TO ticketdesk_definer;
ALTER FUNCTION api.mark_notification_read(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.mark_all_notifications_read() OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.claim_notifications(), api.notifications(boolean, timestamptz, uuid, integer),
    api.unread_notifications(), api.mark_notification_read(uuid), api.mark_all_notifications_read()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.claim_notifications(),
    api.notifications(boolean, timestamptz, uuid, integer), api.unread_notifications(),
    api.mark_notification_read(uuid), api.mark_all_notifications_read() TO ticketdesk_desktop;

-- The desktop reaches notifications only through the functions above.
REVOKE ALL ON notifications FROM ticketdesk_desktop;
