-- Staging an attachment's parts before `seal_upload` (migration `workflow`) hashes and stores
-- them. Always as the caller; a part sent again is harmless; another user's upload id is
-- neither readable nor writable, and a guessed one tells nothing (the insert just does
-- nothing). What one user may have staged at once is capped, so nobody fills the disk.
CREATE OR REPLACE FUNCTION api.stage_upload_chunk(p_upload uuid, p_seq integer, p_data bytea)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_me uuid := (auth.caller()).user_id;
BEGIN
    IF p_upload IS NULL OR p_seq IS NULL OR p_data IS NULL THEN
        RAISE EXCEPTION 'an upload part needs its upload, number and bytes'
            USING ERRCODE = 'check_violation';
    END IF;
    -- Four files' worth (4 × 50 MB) staged and not yet sealed, per user.
    IF (SELECT coalesce(sum(length(c.data)), 0) FROM attachment_upload_chunks c
        WHERE c.uploaded_by = v_me) + length(p_data) > 4 * 52428800 THEN
        RAISE EXCEPTION 'too much is being uploaded at once; wait for an upload to finish'
            USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO attachment_upload_chunks (upload_id, seq, data, uploaded_by)
    VALUES (p_upload, p_seq, p_data, v_me)
    ON CONFLICT (upload_id, seq) DO NOTHING;
END;
$$;
ALTER FUNCTION api.stage_upload_chunk(uuid, integer, bytea) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION api.stage_upload_chunk(uuid, integer, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.stage_upload_chunk(uuid, integer, bytea) TO ticketdesk_desktop;

-- Hole 4 again: a DELETE grant on the staging table sufficed to LOCK it.
REVOKE ALL ON attachment_upload_chunks FROM ticketdesk_desktop;
