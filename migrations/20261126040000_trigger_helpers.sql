-- The triggers' helpers in PL/pgSQL (issue 7), for the reason of migration session_lookup:
-- a SQL function with its own search_path (or SECURITY DEFINER) is never inlined, so its body
-- was parsed and planned again at every call. The history, workflow and notification triggers
-- call these several times per change; creating a ticket assigned to someone spent 1.4 ms in
-- the history trigger and 2.6 ms in the notification trigger at 1,000,000 tickets.
-- PL/pgSQL keeps each body's plan for the connection's life. Same names, signatures, results,
-- owners and privileges; CREATE OR REPLACE restates each one's volatility and security.

CREATE OR REPLACE FUNCTION public.history_suppressed() RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN coalesce(current_setting('ticketdesk.bulk_load', true), '') = 'on'
       AND coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false);
END;
$$;

CREATE OR REPLACE FUNCTION auth.history(p_ticket uuid, p_action text, p_field text, p_old jsonb,
                                        p_new jsonb, p_internal boolean DEFAULT FALSE)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    -- clock_timestamp(), not the transaction's start: rows of one change keep their order.
    INSERT INTO ticket_history (ticket_id, user_id, action, field_changed, old_value, new_value,
                                change_reason, is_internal, timestamp)
    VALUES (p_ticket, public.current_user_id(), p_action, p_field, p_old::text, p_new::text,
            nullif(btrim(current_setting('ticketdesk.change_reason', true)), ''), p_internal,
            clock_timestamp());
END;
$$;

CREATE OR REPLACE FUNCTION auth.user_ref(p_user uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF p_user IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN (SELECT jsonb_build_object('id', u.id, 'displayName', u.first_name || ' ' || u.last_name)
            FROM users u WHERE u.id = p_user);
END;
$$;

CREATE OR REPLACE FUNCTION auth.display_name(p_user uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RETURN coalesce((SELECT u.first_name || ' ' || u.last_name FROM users u WHERE u.id = p_user),
                    'ticketdesk');
END;
$$;

CREATE OR REPLACE FUNCTION public.notification_default(p_type varchar, p_channel varchar)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN CASE p_channel
        WHEN 'IN_APP' THEN TRUE
        WHEN 'EMAIL' THEN p_type IN ('TICKET_ASSIGNED', 'ESCALATED', 'SLA_BREACH')
        ELSE FALSE END;
END;
$$;

CREATE OR REPLACE FUNCTION public.role_is_lead(p_role varchar) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN coalesce(p_role IN ('TEAM_LEAD', 'MANAGER', 'ADMIN'), false);
END;
$$;

CREATE OR REPLACE FUNCTION public.role_is_senior(p_role varchar) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN coalesce(p_role IN ('SENIOR_ENGINEER', 'TEAM_LEAD', 'MANAGER', 'ADMIN'), false);
END;
$$;

CREATE OR REPLACE FUNCTION public.is_desktop_caller() RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN pg_has_role(current_user, 'ticketdesk_desktop', 'MEMBER')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
END;
$$;
