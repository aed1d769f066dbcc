-- Creating and changing tickets, as the caller. The desktop checks the workflow first to offer
-- only the moves a user may make; the tables' triggers check it again here, as the desktop's
-- write (sql/server/callers.sql): who may move which status, assign, reprioritise, what a
-- requestor may touch, and they keep version, history and notifications. Each change is
-- optimistic: it applies only to the version the caller saw, and says whether it did.

-- Files a ticket in the caller's name. Its status is the server's: OPEN when it is assigned at
-- once (triaged, SPEC §3), else NEW; number, SLA and history come from the triggers. Wakes
-- every desktop's queue at commit (channel ticketdesk_ticket, payload the id; the desktop's
-- db::tickets::TICKET_CHANNEL). Returns the new ticket as the queue shows it.
-- `p_id` is the id the desktop chose (issue 16: the offline outbox sends it again after a lost
-- reply): a second call with an id of the caller's own ticket files nothing more and returns
-- that ticket; an id taken by anyone else's ticket is replaced by a fresh one, so a guess tells
-- nothing and loses nothing. NULL: the server picks.
-- Dropped first: issue 16 added p_id (a new argument is a new signature).
DROP FUNCTION IF EXISTS api.create_ticket(varchar, text, varchar, varchar, uuid, varchar);
CREATE OR REPLACE FUNCTION api.create_ticket(p_title varchar, p_description text,
                                             p_category varchar, p_priority varchar,
                                             p_assignee uuid, p_environment varchar,
                                             p_id uuid DEFAULT NULL)
RETURNS TABLE (id uuid, ticket_number varchar, title varchar, status varchar, priority varchar,
               category varchar, environment varchar, requestor_id uuid, requestor_name text,
               assignee_id uuid, assignee_name text, created_at timestamptz,
               updated_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_me uuid := (auth.caller()).user_id;
    v_id uuid := coalesce(p_id, gen_random_uuid());
    v_owner uuid;
BEGIN
    -- The id survives the server-keys trigger only when this function set it (sql/tickets/
    -- creation.sql); the setting ends with the statement's work below.
    PERFORM set_config('ticketdesk.new_ticket_id', v_id::text, true);
    -- ON CONFLICT: two resends racing each other file one ticket; the loser finds it below.
    INSERT INTO tickets (id, title, description, category, priority, status, requestor_id,
                         assignee_id, environment)
    VALUES (v_id, p_title, p_description, p_category, p_priority,
            CASE WHEN p_assignee IS NULL THEN 'NEW' ELSE 'OPEN' END, v_me, p_assignee,
            p_environment)
    ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        SELECT t.requestor_id INTO v_owner FROM tickets t WHERE t.id = v_id;
        IF v_owner IS DISTINCT FROM v_me THEN
            -- Someone else's id: file it under a fresh one, as if the id had been free.
            v_id := gen_random_uuid();
            PERFORM set_config('ticketdesk.new_ticket_id', v_id::text, true);
            INSERT INTO tickets (id, title, description, category, priority, status,
                                 requestor_id, assignee_id, environment)
            VALUES (v_id, p_title, p_description, p_category, p_priority,
                    CASE WHEN p_assignee IS NULL THEN 'NEW' ELSE 'OPEN' END, v_me, p_assignee,
                    p_environment);
        END IF;
        -- Else: the caller's own, filed by an earlier send whose reply was lost.
    END IF;
    PERFORM set_config('ticketdesk.new_ticket_id', '', true);
    PERFORM pg_notify('ticketdesk_ticket', v_id::text);
    RETURN QUERY
    SELECT t.id, t.ticket_number, t.title, t.status, t.priority, t.category, t.environment,
           t.requestor_id, r.first_name || ' ' || r.last_name,
           t.assignee_id, a.first_name || ' ' || a.last_name, t.created_at, t.updated_at
    FROM tickets t JOIN users r ON r.id = t.requestor_id LEFT JOIN users a ON a.id = t.assignee_id
    WHERE t.id = v_id;
END;
$$;

-- The reason a change gives, for the history rows the triggers write (this transaction only).
CREATE OR REPLACE FUNCTION auth.change_reason(p_reason text) RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    SELECT set_config('ticketdesk.change_reason', coalesce(left(p_reason, 1000), ''), true);
$$;
ALTER FUNCTION auth.change_reason(text) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION auth.change_reason(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.change_reason(text) TO ticketdesk_definer;

-- Whether the caller already applied the change with this id (issue 16: the outbox sends a
-- change again after a lost reply). Only the caller's own receipts: another user's id is "no".
CREATE OR REPLACE FUNCTION api.change_applied(p_change uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    RETURN EXISTS (SELECT 1 FROM auth.change_receipts r
                   WHERE r.user_id = v_me AND r.change_id = p_change);
END;
$$;

-- Keeps the receipt of an applied change that carried an id (see api.change_applied).
CREATE OR REPLACE FUNCTION auth.keep_change_receipt(p_user uuid, p_change uuid, p_ticket uuid)
RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
    INSERT INTO auth.change_receipts (user_id, change_id, ticket_id)
    SELECT p_user, p_change, p_ticket WHERE p_change IS NOT NULL
    ON CONFLICT DO NOTHING;
$$;
ALTER FUNCTION auth.keep_change_receipt(uuid, uuid, uuid) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION auth.keep_change_receipt(uuid, uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.keep_change_receipt(uuid, uuid, uuid) TO ticketdesk_definer;

-- Issue 16 added p_change_id to the three changes below (a new argument is a new signature).
DROP FUNCTION IF EXISTS api.change_ticket_status(uuid, integer, varchar, uuid, text, text);
DROP FUNCTION IF EXISTS api.assign_ticket(uuid, integer, uuid, varchar, text);
DROP FUNCTION IF EXISTS api.change_ticket_priority(uuid, integer, varchar, text);

-- A status move (with the assignee it leaves, and the notes when it resolves).
CREATE OR REPLACE FUNCTION api.change_ticket_status(p_ticket uuid, p_version integer,
                                                    p_status varchar, p_assignee uuid,
                                                    p_resolution_notes text, p_reason text,
                                                    p_change_id uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
BEGIN
    IF NOT auth.sees_ticket(v_caller.user_id, v_caller.role, p_ticket) THEN
        RETURN false;
    END IF;
    PERFORM auth.change_reason(p_reason);
    UPDATE tickets SET status = p_status, assignee_id = p_assignee,
           resolution_notes = CASE WHEN p_status = 'RESOLVED' THEN p_resolution_notes
                                   ELSE resolution_notes END
    WHERE id = p_ticket AND version = p_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM auth.keep_change_receipt(v_caller.user_id, p_change_id, p_ticket);
    RETURN true;
END;
$$;

-- Taking, giving or releasing a ticket (with the status that follows from it).
CREATE OR REPLACE FUNCTION api.assign_ticket(p_ticket uuid, p_version integer, p_assignee uuid,
                                             p_status varchar, p_reason text,
                                             p_change_id uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
BEGIN
    IF NOT auth.sees_ticket(v_caller.user_id, v_caller.role, p_ticket) THEN
        RETURN false;
    END IF;
    PERFORM auth.change_reason(p_reason);
    UPDATE tickets SET assignee_id = p_assignee, status = p_status
    WHERE id = p_ticket AND version = p_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM auth.keep_change_receipt(v_caller.user_id, p_change_id, p_ticket);
    RETURN true;
END;
$$;

CREATE OR REPLACE FUNCTION api.change_ticket_priority(p_ticket uuid, p_version integer,
                                                      p_priority varchar, p_reason text,
                                                      p_change_id uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
BEGIN
    IF NOT auth.sees_ticket(v_caller.user_id, v_caller.role, p_ticket) THEN
        RETURN false;
    END IF;
    PERFORM auth.change_reason(p_reason);
    UPDATE tickets SET priority = p_priority WHERE id = p_ticket AND version = p_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM auth.keep_change_receipt(v_caller.user_id, p_change_id, p_ticket);
    RETURN true;
END;
$$;

ALTER FUNCTION api.create_ticket(varchar, text, varchar, varchar, uuid, varchar, uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.change_applied(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.change_ticket_status(uuid, integer, varchar, uuid, text, text, uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.assign_ticket(uuid, integer, uuid, varchar, text, uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.change_ticket_priority(uuid, integer, varchar, text, uuid) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.create_ticket(varchar, text, varchar, varchar, uuid, varchar, uuid),
    api.change_applied(uuid),
    api.change_ticket_status(uuid, integer, varchar, uuid, text, text, uuid),
    api.assign_ticket(uuid, integer, uuid, varchar, text, uuid),
    api.change_ticket_priority(uuid, integer, varchar, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.create_ticket(varchar, text, varchar, varchar, uuid, varchar, uuid),
    api.change_applied(uuid),
    api.change_ticket_status(uuid, integer, varchar, uuid, text, text, uuid),
    api.assign_ticket(uuid, integer, uuid, varchar, text, uuid),
    api.change_ticket_priority(uuid, integer, varchar, text, uuid) TO ticketdesk_desktop;

-- Tickets are written through the functions above only: no direct UPDATE whose statement
-- clears the session half-way (hole 2), and no lock mode that blocks writers (hole 4: with
-- SELECT alone, LOCK TABLE takes ACCESS SHARE at most).
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON tickets FROM ticketdesk_desktop;

-- What a change is checked against: the ticket's workflow fields and version, as the caller
-- may see it (no row: no such ticket, or not the caller's to see).
CREATE OR REPLACE FUNCTION api.ticket_state(p_ticket uuid)
RETURNS TABLE (status varchar, requestor_id uuid, assignee_id uuid, closed_at timestamptz,
               status_before_escalation varchar, priority varchar, ticket_number varchar,
               version integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
BEGIN
    RETURN QUERY
    SELECT t.status, t.requestor_id, t.assignee_id, t.closed_at, t.status_before_escalation,
           t.priority, t.ticket_number, t.version
    FROM tickets t
    WHERE t.id = p_ticket AND (v_caller.role <> 'END_USER' OR t.requestor_id = v_caller.user_id);
END;
$$;
ALTER FUNCTION api.ticket_state(uuid) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.ticket_state(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.ticket_state(uuid) TO ticketdesk_desktop;
