-- The ticket workflow (SPEC §3, §4), enforced by the database as well as by the app: a desktop
-- that skips the app's checks is refused the same way.
--   * `ticket_transitions` holds SPEC §3's table (an integration test checks it equals the
--     app's `domain::workflow::TRANSITIONS`); a BEFORE UPDATE trigger refuses other moves, checks
--     who may make them, keeps `version`, `resolved_at`, `closed_at`, `reopen_count` and
--     `status_before_escalation`, and stops requestors from changing anything but the status.
--   * `ticket_history` is written by triggers only: every change to a ticket, every comment and
--     attachment leaves its row, whoever made it and however. The desktop lost its INSERT grant,
--     so history can no longer be forged. The reason comes from the transaction-local setting
--     `ticketdesk.change_reason`.
--   * Attachment content lives on the server, content-addressed by SHA-256: a desktop stages its
--     chunks, `seal_upload()` hashes them on the server and stores each distinct file once, and
--     an attachment row may only name a file sealed in the same transaction.
-- Checks apply to desktop callers (members of ticketdesk_desktop). Superusers (psql, migrations)
-- and SECURITY DEFINER code (automatic transitions, later the SLA worker) are trusted.

-- ---------------------------------------------------------------- who is calling
CREATE FUNCTION public.is_desktop_caller() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_has_role(current_user, 'ticketdesk_desktop', 'MEMBER')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
$$;

-- Bulk loaders (demo data, the benchmark generator) write backdated history themselves. Only a
-- superuser session may ask for that (session_user, which no SET ROLE or definer changes); a
-- desktop setting this is ignored.
CREATE FUNCTION public.history_suppressed() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(current_setting('ticketdesk.bulk_load', true), '') = 'on'
       AND coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false);
$$;

-- ---------------------------------------------------------------- columns
ALTER TABLE tickets ADD COLUMN reopen_count integer NOT NULL DEFAULT 0
    CONSTRAINT chk_reopen_count CHECK (reopen_count >= 0);
-- Where an escalated ticket returns to (SPEC §3: "back to the status it had before").
ALTER TABLE tickets ADD COLUMN status_before_escalation varchar(30)
    CONSTRAINT chk_status_before_escalation CHECK (status_before_escalation IN (
        'NEW', 'OPEN', 'IN_PROGRESS', 'PENDING_INFO', 'REOPENED'));
-- History about internal comments is internal too: requestors must not count internal notes.
ALTER TABLE ticket_history ADD COLUMN is_internal boolean NOT NULL DEFAULT FALSE;

-- ---------------------------------------------------------------- the transition table
CREATE TABLE ticket_transitions (
    from_status varchar(30) NOT NULL,
    to_status   varchar(30) NOT NULL,
    mover       varchar(30) NOT NULL CONSTRAINT chk_mover CHECK (mover IN (
        'ENGINEER', 'LEAD', 'REQUESTOR_OR_LEAD', 'REQUESTOR_OR_ENGINEER', 'SENIOR', 'SENIOR_RETURN')),
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO ticket_transitions (from_status, to_status, mover) VALUES
    ('NEW', 'OPEN', 'ENGINEER'), ('NEW', 'IN_PROGRESS', 'ENGINEER'),
    ('NEW', 'PENDING_INFO', 'ENGINEER'), ('NEW', 'CLOSED', 'LEAD'), ('NEW', 'ESCALATED', 'ENGINEER'),
    ('OPEN', 'IN_PROGRESS', 'ENGINEER'), ('OPEN', 'PENDING_INFO', 'ENGINEER'),
    ('OPEN', 'RESOLVED', 'ENGINEER'), ('OPEN', 'ESCALATED', 'ENGINEER'),
    ('IN_PROGRESS', 'OPEN', 'ENGINEER'), ('IN_PROGRESS', 'PENDING_INFO', 'ENGINEER'),
    ('IN_PROGRESS', 'RESOLVED', 'ENGINEER'), ('IN_PROGRESS', 'ESCALATED', 'ENGINEER'),
    ('PENDING_INFO', 'IN_PROGRESS', 'ENGINEER'), ('PENDING_INFO', 'RESOLVED', 'ENGINEER'),
    ('PENDING_INFO', 'ESCALATED', 'ENGINEER'),
    ('RESOLVED', 'CLOSED', 'REQUESTOR_OR_LEAD'), ('RESOLVED', 'REOPENED', 'REQUESTOR_OR_ENGINEER'),
    ('CLOSED', 'REOPENED', 'REQUESTOR_OR_LEAD'),
    ('REOPENED', 'OPEN', 'ENGINEER'), ('REOPENED', 'IN_PROGRESS', 'ENGINEER'),
    ('REOPENED', 'PENDING_INFO', 'ENGINEER'), ('REOPENED', 'RESOLVED', 'ENGINEER'),
    ('REOPENED', 'ESCALATED', 'ENGINEER'),
    ('ESCALATED', 'NEW', 'SENIOR_RETURN'), ('ESCALATED', 'OPEN', 'SENIOR_RETURN'),
    ('ESCALATED', 'IN_PROGRESS', 'SENIOR_RETURN'), ('ESCALATED', 'PENDING_INFO', 'SENIOR_RETURN'),
    ('ESCALATED', 'REOPENED', 'SENIOR_RETURN'), ('ESCALATED', 'RESOLVED', 'SENIOR');
ALTER TABLE ticket_transitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE ticket_transitions FORCE ROW LEVEL SECURITY;
CREATE POLICY ticket_transitions_read ON ticket_transitions FOR SELECT TO ticketdesk_desktop
    USING (TRUE);
GRANT SELECT ON ticket_transitions TO ticketdesk_desktop;
GRANT ALL ON ticket_transitions TO ticketdesk_definer;

CREATE FUNCTION public.role_is_lead(p_role varchar) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(p_role IN ('TEAM_LEAD', 'MANAGER', 'ADMIN'), false);
$$;
CREATE FUNCTION public.role_is_senior(p_role varchar) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(p_role IN ('SENIOR_ENGINEER', 'TEAM_LEAD', 'MANAGER', 'ADMIN'), false);
$$;

-- Why a desktop user may not give a ticket to p_new (NULL: unassign), or NULL if they may.
-- Mirrors domain::workflow::check_assignment.
CREATE FUNCTION public.assignment_refusal(p_actor uuid, p_role varchar, p_old uuid, p_new uuid)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
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
$$;

-- ---------------------------------------------------------------- tickets: creation
CREATE FUNCTION public.tickets_check_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
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
$$;
CREATE TRIGGER trg_tickets_check_insert BEFORE INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION public.tickets_check_insert();

-- ---------------------------------------------------------------- tickets: every change
CREATE FUNCTION public.tickets_workflow() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
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
$$;
CREATE TRIGGER trg_tickets_workflow BEFORE UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION public.tickets_workflow();

-- ---------------------------------------------------------------- history, written by triggers
REVOKE INSERT ON ticket_history FROM ticketdesk_desktop;
DROP POLICY history_insert ON ticket_history;
DROP POLICY history_select ON ticket_history;
CREATE POLICY history_select ON ticket_history FOR SELECT TO ticketdesk_desktop
    USING ((NOT is_internal OR (SELECT public.current_user_is_engineer()))
           AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = ticket_id));

CREATE FUNCTION auth.history(p_ticket uuid, p_action text, p_field text, p_old jsonb, p_new jsonb,
                             p_internal boolean DEFAULT FALSE) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    -- clock_timestamp(), not the transaction's start: rows of one change keep their order.
    INSERT INTO ticket_history (ticket_id, user_id, action, field_changed, old_value, new_value,
                                change_reason, is_internal, timestamp)
    VALUES (p_ticket, public.current_user_id(), p_action, p_field, p_old::text, p_new::text,
            nullif(btrim(current_setting('ticketdesk.change_reason', true)), ''), p_internal,
            clock_timestamp());
$$;

-- A user as history shows them: the name is kept, so history reads well after a rename.
CREATE FUNCTION auth.user_ref(p_user uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT CASE WHEN p_user IS NULL THEN NULL ELSE
        (SELECT jsonb_build_object('id', u.id, 'displayName', u.first_name || ' ' || u.last_name)
         FROM users u WHERE u.id = p_user) END;
$$;

CREATE FUNCTION public.tickets_history_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF public.history_suppressed() THEN
        RETURN NULL;
    END IF;
    PERFORM auth.history(NEW.id, 'CREATED', NULL, NULL, jsonb_build_object(
        'ticketNumber', NEW.ticket_number, 'title', NEW.title, 'status', NEW.status,
        'priority', NEW.priority, 'category', NEW.category, 'environment', NEW.environment));
    IF NEW.assignee_id IS NOT NULL THEN
        PERFORM auth.history(NEW.id, 'ASSIGNED', 'assignee_id', NULL, auth.user_ref(NEW.assignee_id));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER trg_tickets_history_insert AFTER INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION public.tickets_history_insert();

CREATE FUNCTION public.tickets_history_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_old jsonb := to_jsonb(OLD);
    v_new jsonb := to_jsonb(NEW);
    v_field text;
BEGIN
    IF public.history_suppressed() THEN
        RETURN NULL;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM auth.history(NEW.id,
            CASE NEW.status WHEN 'CLOSED' THEN 'CLOSED' WHEN 'REOPENED' THEN 'REOPENED'
                            WHEN 'ESCALATED' THEN 'ESCALATED' ELSE 'STATUS_CHANGED' END,
            'status', to_jsonb(OLD.status), to_jsonb(NEW.status));
    END IF;
    IF NEW.priority IS DISTINCT FROM OLD.priority THEN
        PERFORM auth.history(NEW.id, 'PRIORITY_CHANGED', 'priority',
                             to_jsonb(OLD.priority), to_jsonb(NEW.priority));
    END IF;
    IF NEW.assignee_id IS DISTINCT FROM OLD.assignee_id THEN
        PERFORM auth.history(NEW.id,
            CASE WHEN OLD.assignee_id IS NULL THEN 'ASSIGNED' ELSE 'REASSIGNED' END,
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
$$;
CREATE TRIGGER trg_tickets_history_update AFTER UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION public.tickets_history_update();

-- ---------------------------------------------------------------- comments
-- Edits are counted and stamped here, so no client can under-report them; internal stays
-- internal (flipping it would show or hide a note after the fact); a deleted comment stays
-- deleted and is no longer edited.
CREATE FUNCTION public.comments_check_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT public.is_desktop_caller() THEN
        RETURN NEW;
    END IF;
    IF OLD.deleted_at IS NOT NULL THEN
        RAISE EXCEPTION 'that comment was deleted' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.is_internal IS DISTINCT FROM OLD.is_internal THEN
        RAISE EXCEPTION 'a comment cannot change between internal and public'
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.deleted_at IS NOT NULL THEN
        NEW.deleted_at := CURRENT_TIMESTAMP;
        NEW.content := OLD.content;
        NEW.edited := OLD.edited;
        NEW.edit_count := OLD.edit_count;
    ELSIF NEW.content IS DISTINCT FROM OLD.content THEN
        NEW.edited := TRUE;
        NEW.edit_count := OLD.edit_count + 1;
    ELSE
        NEW.edited := OLD.edited;
        NEW.edit_count := OLD.edit_count;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_comments_check_update BEFORE UPDATE ON comments
    FOR EACH ROW EXECUTE FUNCTION public.comments_check_update();

CREATE FUNCTION public.comments_check_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF public.is_desktop_caller() THEN
        NEW.created_at := CURRENT_TIMESTAMP;
        NEW.updated_at := CURRENT_TIMESTAMP;
        NEW.deleted_at := NULL;
        NEW.edited := FALSE;
        NEW.edit_count := 0;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER trg_comments_check_insert BEFORE INSERT ON comments
    FOR EACH ROW EXECUTE FUNCTION public.comments_check_insert();

-- History of the comment, and SPEC §3: a requestor's public reply on a PENDING_INFO ticket
-- moves it back to IN_PROGRESS (as a trusted change: requestors cannot make that move by hand).
CREATE FUNCTION public.comments_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_reason text := current_setting('ticketdesk.change_reason', true);
BEGIN
    IF public.history_suppressed() THEN
        RETURN NULL;
    END IF;
    PERFORM auth.history(NEW.ticket_id, 'COMMENT_ADDED', NULL, NULL,
                         jsonb_build_object('commentId', NEW.id, 'internal', NEW.is_internal),
                         NEW.is_internal);
    IF NOT NEW.is_internal AND EXISTS (
        SELECT 1 FROM tickets t
        WHERE t.id = NEW.ticket_id AND t.requestor_id = NEW.user_id AND t.status = 'PENDING_INFO') THEN
        PERFORM set_config('ticketdesk.change_reason', 'The requestor replied', true);
        UPDATE tickets SET status = 'IN_PROGRESS' WHERE id = NEW.ticket_id;
        PERFORM set_config('ticketdesk.change_reason', coalesce(v_reason, ''), true);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER trg_comments_after_insert AFTER INSERT ON comments
    FOR EACH ROW EXECUTE FUNCTION public.comments_after_insert();

-- ---------------------------------------------------------------- attachment content
-- Chunks a desktop has sent and not sealed yet; each user sees only their own.
CREATE TABLE attachment_upload_chunks (
    upload_id   uuid NOT NULL,
    seq         integer NOT NULL CONSTRAINT chk_upload_seq CHECK (seq >= 0 AND seq < 64),
    data        bytea NOT NULL CONSTRAINT chk_upload_chunk_size
                    CHECK (length(data) BETWEEN 1 AND 1048576),
    uploaded_by uuid NOT NULL DEFAULT public.current_user_id() REFERENCES users(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (upload_id, seq)
);
ALTER TABLE attachment_upload_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX idx_upload_chunks_created ON attachment_upload_chunks (created_at);
ALTER TABLE attachment_upload_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE attachment_upload_chunks FORCE ROW LEVEL SECURITY;
CREATE POLICY upload_chunks_own ON attachment_upload_chunks FOR ALL TO ticketdesk_desktop
    USING (uploaded_by = (SELECT public.current_user_id()))
    WITH CHECK (uploaded_by = (SELECT public.current_user_id()));
GRANT SELECT (upload_id, seq, uploaded_by, created_at), INSERT, DELETE
    ON attachment_upload_chunks TO ticketdesk_desktop;

-- Each distinct file once, keyed by the SHA-256 the server computed, in 1 MiB chunks (so a
-- download streams and reports progress).
CREATE TABLE attachment_blobs (
    file_hash   varchar(64) PRIMARY KEY CONSTRAINT chk_blob_hash CHECK (file_hash ~ '^[0-9a-f]{64}$'),
    file_size   bigint NOT NULL CONSTRAINT chk_blob_size CHECK (file_size > 0 AND file_size <= 52428800),
    chunk_count integer NOT NULL CHECK (chunk_count > 0),
    created_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE attachment_blob_chunks (
    file_hash varchar(64) NOT NULL REFERENCES attachment_blobs(file_hash) ON DELETE CASCADE,
    seq       integer NOT NULL,
    data      bytea NOT NULL,
    PRIMARY KEY (file_hash, seq)
);
ALTER TABLE attachment_blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE attachment_blobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE attachment_blobs FORCE ROW LEVEL SECURITY;
ALTER TABLE attachment_blob_chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE attachment_blob_chunks FORCE ROW LEVEL SECURITY;
-- A file is readable by whoever can see an attachment of it (attachments' own policies apply).
CREATE POLICY blobs_visible ON attachment_blobs FOR SELECT TO ticketdesk_desktop
    USING (EXISTS (SELECT 1 FROM attachments a WHERE a.file_hash = attachment_blobs.file_hash
                                                 AND NOT a.is_deleted));
CREATE POLICY blob_chunks_visible ON attachment_blob_chunks FOR SELECT TO ticketdesk_desktop
    USING (EXISTS (SELECT 1 FROM attachments a WHERE a.file_hash = attachment_blob_chunks.file_hash
                                                 AND NOT a.is_deleted));
GRANT SELECT ON attachment_blobs, attachment_blob_chunks TO ticketdesk_desktop;
GRANT ALL ON attachment_upload_chunks, attachment_blobs, attachment_blob_chunks TO ticketdesk_definer;

-- Seals made in the current transaction; an attachment row consumes one, and the commit
-- checks that each was consumed, so rows never outlive their transaction.
CREATE TABLE auth.sealed_uploads (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    file_hash varchar(64) NOT NULL,
    file_size bigint NOT NULL,
    sealed_by uuid NOT NULL,
    sealed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
GRANT ALL ON auth.sealed_uploads TO ticketdesk_definer;

-- At commit, every seal must have been consumed by an attachment row: a file sealed and never
-- attached fails the transaction, so no stored file is left that no attachment names.
-- (SET CONSTRAINTS … IMMEDIATE only makes it fail sooner.)
CREATE FUNCTION auth.seal_was_used() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM auth.sealed_uploads s WHERE s.id = NEW.id) THEN
        RAISE EXCEPTION 'an uploaded file was sealed but not attached to anything'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER trg_sealed_uploads_used AFTER INSERT ON auth.sealed_uploads
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION auth.seal_was_used();

-- Hashes the caller's staged upload on the server, stores the file once (an identical file
-- already stored is reused), drops the staging, and returns what an attachment row must name.
CREATE FUNCTION public.seal_upload(p_upload uuid)
RETURNS TABLE (file_hash varchar, file_size bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_user uuid := public.current_user_id();
    v_hash varchar;
    v_size bigint;
    v_count integer;
    v_last integer;
BEGIN
    IF v_user IS NULL THEN
        RAISE EXCEPTION 'sign in first' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT count(*), coalesce(sum(length(c.data)), 0), max(c.seq)
    INTO v_count, v_size, v_last
    FROM attachment_upload_chunks c WHERE c.upload_id = p_upload AND c.uploaded_by = v_user;
    IF v_count = 0 THEN
        RAISE EXCEPTION 'no such upload' USING ERRCODE = 'no_data_found';
    END IF;
    IF v_last <> v_count - 1 THEN
        RAISE EXCEPTION 'the upload is missing parts; send the file again'
            USING ERRCODE = 'check_violation';
    END IF;
    IF v_size > 52428800 THEN
        RAISE EXCEPTION 'attachments are limited to 50 MB' USING ERRCODE = 'check_violation';
    END IF;
    SELECT encode(sha256(string_agg(c.data, ''::bytea ORDER BY c.seq)), 'hex')
    INTO v_hash
    FROM attachment_upload_chunks c WHERE c.upload_id = p_upload AND c.uploaded_by = v_user;

    INSERT INTO attachment_blobs (file_hash, file_size, chunk_count)
    VALUES (v_hash, v_size, v_count)
    ON CONFLICT ON CONSTRAINT attachment_blobs_pkey DO NOTHING;
    IF FOUND THEN
        INSERT INTO attachment_blob_chunks (file_hash, seq, data)
        SELECT v_hash, c.seq, c.data FROM attachment_upload_chunks c
        WHERE c.upload_id = p_upload AND c.uploaded_by = v_user;
    END IF;
    DELETE FROM attachment_upload_chunks c WHERE c.upload_id = p_upload AND c.uploaded_by = v_user;
    -- Uploads abandoned for a day are nobody's.
    DELETE FROM attachment_upload_chunks c WHERE c.created_at < CURRENT_TIMESTAMP - interval '1 day';
    INSERT INTO auth.sealed_uploads (file_hash, file_size, sealed_by) VALUES (v_hash, v_size, v_user);
    RETURN QUERY SELECT v_hash, v_size;
END;
$$;

CREATE FUNCTION auth.consume_seal(p_hash varchar, p_size bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_ctid tid;
BEGIN
    SELECT s.ctid INTO v_ctid FROM auth.sealed_uploads s
    WHERE s.file_hash = p_hash AND s.file_size = p_size AND s.sealed_by = public.current_user_id()
      AND s.sealed_xid = pg_current_xact_id()
    LIMIT 1;
    IF v_ctid IS NULL THEN
        RETURN FALSE;
    END IF;
    DELETE FROM auth.sealed_uploads s WHERE s.ctid = v_ctid;
    RETURN TRUE;
END;
$$;

-- A desktop's attachment row names a file it sealed in this transaction, and the server decides
-- where it is stored.
CREATE FUNCTION public.attachments_check_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT public.is_desktop_caller() THEN
        RETURN NEW;
    END IF;
    IF NOT public.attachment_sealed(NEW.file_hash, NEW.file_size) THEN
        RAISE EXCEPTION 'an attachment must name a file uploaded in the same transaction'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.comment_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM comments c WHERE c.id = NEW.comment_id AND c.deleted_at IS NULL) THEN
        RAISE EXCEPTION 'that comment was deleted' USING ERRCODE = 'check_violation';
    END IF;
    NEW.file_path := 'postgres:attachment_blobs/' || NEW.file_hash;
    NEW.storage_provider := 'postgres';
    NEW.uploaded_at := CURRENT_TIMESTAMP;
    NEW.is_deleted := FALSE;
    RETURN NEW;
END;
$$;

CREATE FUNCTION public.attachment_sealed(p_hash varchar, p_size bigint) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT auth.consume_seal(p_hash, p_size);
$$;
CREATE TRIGGER trg_attachments_check_insert BEFORE INSERT ON attachments
    FOR EACH ROW EXECUTE FUNCTION public.attachments_check_insert();

CREATE FUNCTION public.attachments_history() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
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
        jsonb_build_object('attachmentId', NEW.id, 'fileName', NEW.file_name,
                           'fileSize', NEW.file_size, 'commentId', NEW.comment_id),
        v_internal);
    RETURN NULL;
END;
$$;
CREATE TRIGGER trg_attachments_history AFTER INSERT ON attachments
    FOR EACH ROW EXECUTE FUNCTION public.attachments_history();

-- ---------------------------------------------------------------- privileges
ALTER FUNCTION auth.history(uuid, text, text, jsonb, jsonb, boolean) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.user_ref(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.consume_seal(varchar, bigint) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.seal_was_used() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.seal_upload(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.attachment_sealed(varchar, bigint) OWNER TO ticketdesk_definer;
ALTER FUNCTION public.tickets_history_insert() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.tickets_history_update() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.comments_after_insert() OWNER TO ticketdesk_definer;
ALTER FUNCTION public.attachments_history() OWNER TO ticketdesk_definer;
-- Only our own functions: extensions' functions (pgcrypto's hmac) keep their grants.
REVOKE ALL ON FUNCTION public.is_desktop_caller(), public.history_suppressed(),
    public.role_is_lead(varchar), public.role_is_senior(varchar),
    public.assignment_refusal(uuid, varchar, uuid, uuid), public.tickets_check_insert(),
    public.tickets_workflow(), public.tickets_history_insert(), public.tickets_history_update(),
    public.comments_check_update(), public.comments_check_insert(), public.comments_after_insert(),
    public.seal_upload(uuid), public.attachment_sealed(varchar, bigint),
    public.attachments_check_insert(), public.attachments_history(),
    auth.history(uuid, text, text, jsonb, jsonb, boolean), auth.user_ref(uuid),
    auth.consume_seal(varchar, bigint), auth.seal_was_used()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.history(uuid, text, text, jsonb, jsonb, boolean),
    auth.user_ref(uuid), auth.consume_seal(varchar, bigint)
    TO ticketdesk_definer;
GRANT EXECUTE ON FUNCTION public.is_desktop_caller(), public.history_suppressed(),
    public.role_is_lead(varchar), public.role_is_senior(varchar),
    public.assignment_refusal(uuid, varchar, uuid, uuid), public.seal_upload(uuid),
    public.attachment_sealed(varchar, bigint)
    TO ticketdesk_desktop;
GRANT EXECUTE ON FUNCTION public.is_desktop_caller(), public.history_suppressed(),
    public.current_user_id(), public.current_user_role(), public.current_user_is_engineer()
    TO ticketdesk_definer;
