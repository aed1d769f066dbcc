-- An attachment may only name a file sealed in the same transaction, once (moved from migration
-- workflow, issue 13, unchanged): nothing half-written, and nobody points an attachment at
-- content they did not upload.

-- Hashes the caller's staged upload on the server, stores the file once (an identical file
-- already stored is reused), drops the staging, and returns what an attachment row must name.
CREATE OR REPLACE FUNCTION public.seal_upload(p_upload uuid)
 RETURNS TABLE(file_hash character varying, file_size bigint)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
$function$;
ALTER FUNCTION public.seal_upload(uuid) OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION auth.consume_seal(p_hash character varying, p_size bigint)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
$function$;
ALTER FUNCTION auth.consume_seal(character varying,bigint) OWNER TO ticketdesk_definer;

-- At commit, every seal must have been consumed by an attachment row: a file sealed and never
-- attached fails the transaction, so no stored file is left that no attachment names.
-- (SET CONSTRAINTS … IMMEDIATE only makes it fail sooner.)
CREATE OR REPLACE FUNCTION auth.seal_was_used()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
BEGIN
    IF EXISTS (SELECT 1 FROM auth.sealed_uploads s WHERE s.id = NEW.id) THEN
        RAISE EXCEPTION 'an uploaded file was sealed but not attached to anything'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$function$;
ALTER FUNCTION auth.seal_was_used() OWNER TO ticketdesk_definer;

CREATE OR REPLACE FUNCTION public.attachment_sealed(p_hash character varying, p_size bigint)
 RETURNS boolean
 LANGUAGE sql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
    SELECT auth.consume_seal(p_hash, p_size);
$function$;
ALTER FUNCTION public.attachment_sealed(character varying,bigint) OWNER TO ticketdesk_definer;

-- A desktop's attachment row names a file it sealed in this transaction, and the server decides
-- where it is stored.
CREATE OR REPLACE FUNCTION public.attachments_check_insert()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
$function$;

DROP TRIGGER IF EXISTS trg_sealed_uploads_used ON auth.sealed_uploads;
CREATE CONSTRAINT TRIGGER trg_sealed_uploads_used AFTER INSERT ON auth.sealed_uploads DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION auth.seal_was_used();

CREATE OR REPLACE TRIGGER trg_attachments_check_insert BEFORE INSERT ON public.attachments FOR EACH ROW EXECUTE FUNCTION attachments_check_insert();
