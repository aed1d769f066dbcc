-- Notification preferences (SPEC §7): which events reach the caller on which channels. A
-- choice is stored only once made; until then `notification_default` applies, and the fan-out
-- triggers read the same two places. Always the caller's own grid: no user id is taken.

-- The caller's whole grid, for the kinds and channels asked for, in their order.
CREATE OR REPLACE FUNCTION api.notification_preferences(p_kinds varchar[], p_channels varchar[])
RETURNS TABLE (kind varchar, channel varchar, enabled boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    RETURN QUERY
    SELECT k.kind, c.channel, coalesce(p.enabled, public.notification_default(k.kind, c.channel))
    FROM unnest(p_kinds) WITH ORDINALITY AS k(kind, i)
    CROSS JOIN unnest(p_channels) WITH ORDINALITY AS c(channel, j)
    LEFT JOIN notification_preferences p
           ON p.user_id = v_me AND p.event_type = k.kind AND p.channel = c.channel
    ORDER BY k.i, c.j;
END;
$$;

-- Stores one choice of the caller. Unknown kinds or channels fail the table's CHECKs (23514).
CREATE OR REPLACE FUNCTION api.set_notification_preference(p_kind varchar, p_channel varchar,
                                                           p_enabled boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    IF p_enabled IS NULL THEN
        RAISE EXCEPTION 'say whether the notification is on or off' USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO notification_preferences (user_id, event_type, channel, enabled)
    VALUES (v_me, p_kind, p_channel, p_enabled)
    ON CONFLICT (user_id, event_type, channel)
    DO UPDATE SET enabled = EXCLUDED.enabled, updated_at = CURRENT_TIMESTAMP;
END;
$$;

ALTER FUNCTION api.notification_preferences(varchar[], varchar[]) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.set_notification_preference(varchar, varchar, boolean) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.notification_preferences(varchar[], varchar[]),
    api.set_notification_preference(varchar, varchar, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.notification_preferences(varchar[], varchar[]),
    api.set_notification_preference(varchar, varchar, boolean) TO ticketdesk_desktop;

-- The desktop reaches the table only through the functions above (issue 13, hole 4: a DELETE
-- grant sufficed to LOCK the table and freeze every notifying write).
REVOKE ALL ON notification_preferences FROM ticketdesk_desktop;
