-- Comments (SPEC §3, §4): public or internal notes, edited by their author (counted), soft-
-- deleted. Always as the caller; the tables' triggers stamp, count edits, keep history and move
-- a PENDING_INFO ticket back when its requestor replies (they check API writes as the
-- desktop's: sql/server/callers.sql). A ticket or comment the caller may not see is answered
-- like one that does not exist.

-- Whether the caller sees the ticket: engineers see every ticket, requestors their own.
CREATE OR REPLACE FUNCTION auth.sees_ticket(p_user uuid, p_role varchar, p_ticket uuid)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM tickets t WHERE t.id = p_ticket
                   AND (p_role <> 'END_USER' OR t.requestor_id = p_user));
$$;
ALTER FUNCTION auth.sees_ticket(uuid, varchar, uuid) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION auth.sees_ticket(uuid, varchar, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.sees_ticket(uuid, varchar, uuid) TO ticketdesk_definer;

-- Posts a comment with the id the desktop chose (so a retry after a lost reply stores nothing
-- more: true when stored, false when it was already the caller's). An id already taken by
-- anyone else's comment is replaced by a fresh one, so it tells nothing and loses nothing.
CREATE OR REPLACE FUNCTION api.add_comment(p_id uuid, p_ticket uuid, p_content text,
                                           p_internal boolean)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
    v_id uuid := coalesce(p_id, gen_random_uuid());
BEGIN
    IF NOT auth.sees_ticket(v_caller.user_id, v_caller.role, p_ticket) THEN
        RAISE EXCEPTION 'no such ticket' USING ERRCODE = 'no_data_found';
    END IF;
    IF coalesce(p_internal, false) AND v_caller.role = 'END_USER' THEN
        RAISE EXCEPTION 'only engineers write internal notes' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM comments c WHERE c.id = v_id) THEN
        IF EXISTS (SELECT 1 FROM comments c WHERE c.id = v_id AND c.user_id = v_caller.user_id
                   AND c.ticket_id = p_ticket) THEN
            RETURN false;
        END IF;
        v_id := gen_random_uuid();
    END IF;
    INSERT INTO comments (id, ticket_id, user_id, content, is_internal)
    VALUES (v_id, p_ticket, v_caller.user_id, p_content, coalesce(p_internal, false));
    RETURN true;
END;
$$;

-- A comment the caller sees, as its author would change it: its ticket, author, edit count and
-- whether it was deleted. No row for a comment the caller does not see.
CREATE OR REPLACE FUNCTION api.comment_for_change(p_comment uuid)
RETURNS TABLE (ticket_id uuid, user_id uuid, edit_count integer, deleted boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
BEGIN
    RETURN QUERY
    SELECT c.ticket_id, c.user_id, c.edit_count, c.deleted_at IS NOT NULL
    FROM comments c
    WHERE c.id = p_comment AND (NOT c.is_internal OR v_caller.role <> 'END_USER')
      AND auth.sees_ticket(v_caller.user_id, v_caller.role, c.ticket_id);
END;
$$;

-- The caller's own comment, edited if nobody edited it since they saw `p_edit_count`.
CREATE OR REPLACE FUNCTION api.edit_comment(p_comment uuid, p_edit_count integer, p_content text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    UPDATE comments SET content = p_content
    WHERE id = p_comment AND user_id = v_me AND edit_count = p_edit_count AND deleted_at IS NULL;
    RETURN FOUND;
END;
$$;

-- The caller's own comment, deleted (softly: it stays in the table, and nobody reads it).
CREATE OR REPLACE FUNCTION api.delete_comment(p_comment uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    UPDATE comments SET deleted_at = now()
    WHERE id = p_comment AND user_id = v_me AND deleted_at IS NULL;
    RETURN FOUND;
END;
$$;

ALTER FUNCTION api.add_comment(uuid, uuid, text, boolean) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.comment_for_change(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.edit_comment(uuid, integer, text) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.delete_comment(uuid) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.add_comment(uuid, uuid, text, boolean), api.comment_for_change(uuid),
    api.edit_comment(uuid, integer, text), api.delete_comment(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.add_comment(uuid, uuid, text, boolean),
    api.comment_for_change(uuid), api.edit_comment(uuid, integer, text),
    api.delete_comment(uuid) TO ticketdesk_desktop;
REVOKE INSERT, UPDATE, DELETE ON comments FROM ticketdesk_desktop;
