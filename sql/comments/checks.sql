-- What a comment write must satisfy whoever makes it (moved from migration workflow, issue 13,
-- unchanged).

CREATE OR REPLACE FUNCTION public.comments_check_insert()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
$function$;

-- ---------------------------------------------------------------- comments
-- Edits are counted and stamped here, so no client can under-report them; internal stays
-- internal (flipping it would show or hide a note after the fact); a deleted comment stays
-- deleted and is no longer edited.
CREATE OR REPLACE FUNCTION public.comments_check_update()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'public', 'pg_temp'
AS $function$
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
$function$;

CREATE OR REPLACE TRIGGER trg_comments_check_insert BEFORE INSERT ON public.comments FOR EACH ROW EXECUTE FUNCTION comments_check_insert();

CREATE OR REPLACE TRIGGER trg_comments_check_update BEFORE UPDATE ON public.comments FOR EACH ROW EXECUTE FUNCTION comments_check_update();
