-- History of the comment, the ticket's first response (SPEC §5), and SPEC §3: a requestor's
-- public reply on a PENDING_INFO ticket
-- moves it back to IN_PROGRESS, as trusted server code (requestors cannot make that move by
-- hand, and sql/server/callers.sql would otherwise check it as theirs).
CREATE OR REPLACE FUNCTION public.comments_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_reason text := current_setting('ticketdesk.change_reason', true);
    v_trusted text;
BEGIN
    IF public.history_suppressed() THEN
        RETURN NULL;
    END IF;
    PERFORM auth.history(NEW.ticket_id, 'COMMENT_ADDED', NULL, NULL,
                         auth.history_comment_value(NEW.id, NEW.is_internal),
                         NEW.is_internal);
    -- The response (issue 14, item 1): the first public comment by someone other than the
    -- requestor. Server code writes it, as the desktop may not.
    IF NOT NEW.is_internal AND EXISTS (
        SELECT 1 FROM tickets t
        WHERE t.id = NEW.ticket_id AND t.requestor_id <> NEW.user_id
          AND t.first_response_at IS NULL) THEN
        v_trusted := auth.trust_begin();
        UPDATE tickets
        SET first_response_at = NEW.created_at,
            response_breach = response_breach OR coalesce(response_due_at < NEW.created_at, false)
        WHERE id = NEW.ticket_id AND first_response_at IS NULL;
        PERFORM auth.trust_end(v_trusted);
    END IF;
    IF NOT NEW.is_internal AND EXISTS (
        SELECT 1 FROM tickets t
        WHERE t.id = NEW.ticket_id AND t.requestor_id = NEW.user_id AND t.status = 'PENDING_INFO') THEN
        PERFORM set_config('ticketdesk.change_reason', 'The requestor replied', true);
        v_trusted := auth.trust_begin();
        UPDATE tickets SET status = 'IN_PROGRESS' WHERE id = NEW.ticket_id;
        PERFORM auth.trust_end(v_trusted);
        PERFORM set_config('ticketdesk.change_reason', coalesce(v_reason, ''), true);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER trg_comments_after_insert AFTER INSERT ON public.comments FOR EACH ROW EXECUTE FUNCTION comments_after_insert();
