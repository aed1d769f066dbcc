-- The history format, defined once (issue 17, item 1): the action names and the JSON each
-- ticket_history row holds. The triggers (history.sql, comments/after_insert.sql) write
-- through these, and so do the generators (src-tauri/generate/sql/), which backdate history
-- the triggers cannot. Plain SQL expressions with no SET clause, so PostgreSQL inlines them
-- into a bulk INSERT ... SELECT: the 1M-ticket load pays nothing for calling them. The JSON
-- builders are STABLE, not IMMUTABLE: jsonb_build_object and to_jsonb are STABLE, and an
-- IMMUTABLE function whose body is not is never inlined (load phase of `demo-data --scale
-- 100000`, debug build: 27.3 s with the JSON written inline, 32 s IMMUTABLE, 28.4 s STABLE).

CREATE OR REPLACE FUNCTION auth.history_user_value(p_id uuid, p_display_name text)
 RETURNS jsonb LANGUAGE sql STABLE
AS $$ SELECT CASE WHEN p_id IS NOT NULL
                  THEN jsonb_build_object('id', p_id, 'displayName', p_display_name) END $$;

CREATE OR REPLACE FUNCTION auth.history_created_value(p_ticket_number text, p_title text,
    p_status text, p_priority text, p_category text, p_environment text)
 RETURNS jsonb LANGUAGE sql STABLE
AS $$ SELECT jsonb_build_object('ticketNumber', p_ticket_number, 'title', p_title,
                                'status', p_status, 'priority', p_priority,
                                'category', p_category, 'environment', p_environment) $$;

-- A status change is named after where it lands when that is a milestone.
CREATE OR REPLACE FUNCTION auth.history_status_action(p_new_status text)
 RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT CASE p_new_status WHEN 'CLOSED' THEN 'CLOSED' WHEN 'REOPENED' THEN 'REOPENED'
                               WHEN 'ESCALATED' THEN 'ESCALATED' ELSE 'STATUS_CHANGED' END $$;

CREATE OR REPLACE FUNCTION auth.history_assign_action(p_old_assignee uuid)
 RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT CASE WHEN p_old_assignee IS NULL THEN 'ASSIGNED' ELSE 'REASSIGNED' END $$;

CREATE OR REPLACE FUNCTION auth.history_comment_value(p_comment uuid, p_internal boolean)
 RETURNS jsonb LANGUAGE sql STABLE
AS $$ SELECT jsonb_build_object('commentId', p_comment, 'internal', p_internal) $$;

CREATE OR REPLACE FUNCTION auth.history_attachment_value(p_attachment uuid, p_file_name text,
    p_file_size bigint, p_comment uuid)
 RETURNS jsonb LANGUAGE sql STABLE
AS $$ SELECT jsonb_build_object('attachmentId', p_attachment, 'fileName', p_file_name,
                                'fileSize', p_file_size, 'commentId', p_comment) $$;
