-- Attaching a staged upload to a ticket, or to a comment on it, as the caller: the server
-- checks the caller sees the ticket (and the comment: not deleted, and not internal unless
-- they are an engineer), seals the upload (hashes and stores it once, see `seal_upload` in
-- migration `workflow`) and names it in an attachment row, all in one call. The desktop can no
-- longer seal without attaching, so no stored file is left that nothing references (issue 13),
-- nor write attachment rows itself. The row's own trigger consumes the seal and stamps where
-- the file lives (it checks API calls as the desktop's: sql/server/callers.sql).
CREATE OR REPLACE FUNCTION api.attach_file(p_upload uuid, p_ticket uuid, p_comment uuid,
                                           p_file_name varchar, p_file_type varchar)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
    v_engineer boolean := v_caller.role <> 'END_USER';
    v_hash varchar;
    v_size bigint;
    v_id uuid;
BEGIN
    IF p_comment IS NOT NULL THEN
        IF NOT EXISTS (
            SELECT 1 FROM comments c JOIN tickets t ON t.id = c.ticket_id
            WHERE c.id = p_comment AND c.ticket_id = p_ticket AND c.deleted_at IS NULL
              AND (v_engineer OR (t.requestor_id = v_caller.user_id AND NOT c.is_internal))) THEN
            RAISE EXCEPTION 'no such comment on this ticket' USING ERRCODE = 'no_data_found';
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = p_ticket
                      AND (v_engineer OR t.requestor_id = v_caller.user_id)) THEN
        RAISE EXCEPTION 'no such ticket' USING ERRCODE = 'no_data_found';
    END IF;
    SELECT s.file_hash, s.file_size INTO v_hash, v_size FROM public.seal_upload(p_upload) s;
    -- An attachment belongs to the ticket or to a comment, never both (seed constraint).
    INSERT INTO attachments (file_name, file_type, file_size, file_path, file_hash,
                             ticket_id, comment_id, uploaded_by)
    VALUES (p_file_name, p_file_type, v_size, '', v_hash,
            CASE WHEN p_comment IS NULL THEN p_ticket END, p_comment, v_caller.user_id)
    RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;
ALTER FUNCTION api.attach_file(uuid, uuid, uuid, varchar, varchar) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.attach_file(uuid, uuid, uuid, varchar, varchar) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.attach_file(uuid, uuid, uuid, varchar, varchar) TO ticketdesk_desktop;

-- Sealing is the API's to do; the row trigger checks the seal as whoever inserts.
REVOKE ALL ON FUNCTION public.seal_upload(uuid), public.attachment_sealed(varchar, bigint)
    FROM ticketdesk_desktop, PUBLIC;
GRANT EXECUTE ON FUNCTION public.seal_upload(uuid), public.attachment_sealed(varchar, bigint)
    TO ticketdesk_definer;
REVOKE INSERT, UPDATE, DELETE ON attachments FROM ticketdesk_desktop;

-- What a download needs to know of a file the caller sees: on a ticket they see, or on a
-- comment of it that is neither deleted nor (for a requestor) internal; not deleted itself.
CREATE OR REPLACE FUNCTION auth.visible_attachment(p_user uuid, p_role varchar, p_attachment uuid)
RETURNS attachments
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT f.* FROM attachments f
    LEFT JOIN comments c ON c.id = f.comment_id
    WHERE f.id = p_attachment AND NOT f.is_deleted
      AND (f.comment_id IS NULL
           OR (c.deleted_at IS NULL AND (NOT c.is_internal OR p_role <> 'END_USER')))
      AND auth.sees_ticket(p_user, p_role, coalesce(f.ticket_id, c.ticket_id));
$$;
ALTER FUNCTION auth.visible_attachment(uuid, varchar, uuid) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION auth.visible_attachment(uuid, varchar, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.visible_attachment(uuid, varchar, uuid) TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION api.attachment_download(p_attachment uuid)
RETURNS TABLE (file_name varchar, file_type varchar, file_size bigint, file_hash varchar)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
BEGIN
    RETURN QUERY
    SELECT f.file_name, f.file_type, f.file_size, f.file_hash
    FROM auth.visible_attachment(v_caller.user_id, v_caller.role, p_attachment) f
    WHERE f.id IS NOT NULL;
END;
$$;

-- The file's content in its stored parts, in order, for a file the caller sees.
CREATE OR REPLACE FUNCTION api.attachment_content(p_attachment uuid)
RETURNS TABLE (seq integer, data bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_caller record := auth.caller();
    v_hash varchar;
BEGIN
    SELECT f.file_hash INTO v_hash
    FROM auth.visible_attachment(v_caller.user_id, v_caller.role, p_attachment) f;
    RETURN QUERY
    SELECT k.seq, k.data FROM attachment_blob_chunks k WHERE k.file_hash = v_hash ORDER BY k.seq;
END;
$$;
ALTER FUNCTION api.attachment_download(uuid) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.attachment_content(uuid) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.attachment_download(uuid), api.attachment_content(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.attachment_download(uuid), api.attachment_content(uuid)
    TO ticketdesk_desktop;

-- Comments, files and their content are read through the API only: no deleted content stays
-- readable (hole 10), and no EXPLAIN counts the internal notes a requestor cannot see (hole 9).
REVOKE ALL ON comments, attachments, attachment_blobs, attachment_blob_chunks, ticket_history
    FROM ticketdesk_desktop;
