-- The queue and search (issue 13, items 1 and 5): one function, one typed filter value. The
-- desktop sends the filter as a JSON object whose names are the attributes of
-- auth.queue_filter (src-tauri/db/tickets.rs, QueueFilter, serializes to exactly these; a test
-- compares the two lists); an unknown name is refused rather than ignored. The filter language,
-- the visibility rule, the keyset and the order are written here once, for the queue and the
-- search alike.
--
-- Rebuilt on every migrate: a type cannot be replaced in place, and its functions go with it.
DROP FUNCTION IF EXISTS api.queue(jsonb);
DROP FUNCTION IF EXISTS api.queue(jsonb, text);
DROP FUNCTION IF EXISTS auth.queue_explain(jsonb);
DROP FUNCTION IF EXISTS auth.queue_forget_shapes();
DROP FUNCTION IF EXISTS auth.queue_prepared(text, auth.queue_filter, uuid);
DROP FUNCTION IF EXISTS auth.queue_sql(auth.queue_filter, boolean);
DROP FUNCTION IF EXISTS auth.queue_filter_of(jsonb);
DROP TYPE IF EXISTS auth.queue_filter;

CREATE TYPE auth.queue_filter AS (
    search        text,        -- web-search syntax over title and description
    sort          text,        -- NEWEST | OLDEST | UPDATED | PRIORITY | RELEVANCE | DUE
    page_rows     integer,     -- rows to return: a page and one more (tells whether more follow)
    statuses      text[],
    priorities    text[],
    categories    text[],
    assignee      uuid,
    unassigned    boolean,     -- wins over assignee
    requestor     uuid,
    tags          text[],      -- all of them
    environment   text,        -- case-insensitive
    sla_breached  boolean,
    -- The keyset: the last row of the previous page (absent on the first page).
    after_created timestamptz,
    after_id      uuid,
    after_updated timestamptz,
    after_priority text,
    after_rank    real,
    after_due     timestamptz  -- DUE's key; absent with a cursor: nothing pending (infinity)
);
ALTER TYPE auth.queue_filter OWNER TO ticketdesk_definer;

-- The filter, typed and checked: an order or page size no page could answer is refused, and a
-- blank value means no filter.
CREATE FUNCTION auth.queue_filter_of(p_filter jsonb) RETURNS auth.queue_filter
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    f auth.queue_filter;
    v_unknown text;
BEGIN
    IF jsonb_typeof(p_filter) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'queue: the filter is a JSON object' USING ERRCODE = '22023';
    END IF;
    SELECT string_agg(k, ', ' ORDER BY k) INTO v_unknown
    FROM jsonb_object_keys(p_filter) k
    WHERE k NOT IN (SELECT a.attname FROM pg_attribute a
                    WHERE a.attrelid = 'auth.queue_filter'::regclass
                      AND a.attnum > 0 AND NOT a.attisdropped);
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'queue: unknown filter %', v_unknown USING ERRCODE = '22023';
    END IF;
    f := jsonb_populate_record(NULL::auth.queue_filter, p_filter);

    f.sort := coalesce(f.sort, 'NEWEST');
    IF f.sort NOT IN ('NEWEST', 'OLDEST', 'UPDATED', 'PRIORITY', 'RELEVANCE', 'DUE') THEN
        RAISE EXCEPTION 'queue: unknown order %', f.sort USING ERRCODE = '22023';
    END IF;
    f.page_rows := coalesce(f.page_rows, 51);
    IF f.page_rows < 1 OR f.page_rows > 201 THEN
        RAISE EXCEPTION 'queue: % rows is not a page', f.page_rows USING ERRCODE = '22023';
    END IF;
    f.search := nullif(btrim(f.search), '');
    IF char_length(f.search) > 500 THEN
        RAISE EXCEPTION 'queue: search text is limited to 500 characters' USING ERRCODE = '22023';
    END IF;
    IF f.sort = 'RELEVANCE' AND f.search IS NULL THEN
        RAISE EXCEPTION 'queue: sorting by relevance needs search text' USING ERRCODE = '22023';
    END IF;
    f.statuses := nullif(f.statuses, '{}');
    f.priorities := nullif(f.priorities, '{}');
    f.categories := nullif(f.categories, '{}');
    f.unassigned := coalesce(f.unassigned, false);
    f.tags := nullif(ARRAY(SELECT btrim(t) FROM unnest(f.tags) t WHERE btrim(t) <> ''), '{}');
    f.environment := nullif(btrim(f.environment), '');
    RETURN f;
END;
$$;

-- The statement for a filter: fixed fragments only, chosen by which filters are present, the
-- order and the caller's visibility. The values a plan depends on are literals (the page size,
-- and the status, priority and category sets, quoted by quote_literal): each such shape gets a
-- plan of its own, so `status = ANY(...)` can prove a partial index
-- (idx_tickets_not_closed_priority) and the planner sees the page size. Every other value stays
-- in the filter ($1; the caller is $2). Every name is schema-qualified, so the text means the
-- same whatever search_path it is prepared under (see api.queue). Under row-level security `@@`
-- (not leakproof) could not drive the full-text index; here the visibility rule is a condition
-- of its own.
CREATE FUNCTION auth.queue_sql(f auth.queue_filter, p_sees_all boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_words constant text := 'pg_catalog.websearch_to_tsquery(''pg_catalog.english'', ($1).search)';
    v_rank constant text := CASE WHEN f.sort = 'RELEVANCE'
                                 THEN 'pg_catalog.ts_rank(t.search_vector, ' || v_words || ')'
                                 ELSE '0::real' END;
    -- DUE: the next deadline (sql/sla/deadline.sql), the expression of idx_tickets_next_due.
    v_next_due constant text := 'public.sla_next_due(t.status, t.first_response_at, '
                                || 't.response_breach, t.response_due_at, t.due_date)';
    v_sql text;
    v_order text;
BEGIN
    -- The page is chosen inside; the names are looked up outside, for its rows only (a sort
    -- over every match would otherwise look up two names per match). Relevance sorts every
    -- match, so its inner rows are narrow (id, created_at, rank) and the page's columns are
    -- read after: 26,000 wide rows cost 7 ms more at 1M tickets.
    v_sql := 'SELECT t.id, t.created_at, '
          || CASE WHEN f.sort = 'RELEVANCE' THEN ''
                  ELSE 't.ticket_number, t.title, t.status, t.priority, t.category, '
                       || 't.environment, t.requestor_id, t.assignee_id, t.updated_at, '
                       || 't.first_response_at, t.response_breach, t.response_due_at, '
                       || 't.response_warn_at, t.due_date, t.resolution_warn_at, t.sla_breach, '
                       || 't.resolved_at, t.closed_at, ' END
          || v_rank || ' AS rank FROM public.tickets t WHERE TRUE';
    IF f.search IS NOT NULL THEN v_sql := v_sql || ' AND t.search_vector @@ ' || v_words; END IF;
    IF NOT p_sees_all THEN v_sql := v_sql || ' AND t.requestor_id = $2'; END IF;
    IF f.statuses IS NOT NULL THEN
        v_sql := v_sql || ' AND t.status = ANY(' || quote_literal(f.statuses) || '::pg_catalog.text[])';
    END IF;
    IF f.priorities IS NOT NULL THEN
        v_sql := v_sql || ' AND t.priority = ANY(' || quote_literal(f.priorities) || '::pg_catalog.text[])';
    END IF;
    IF f.categories IS NOT NULL THEN
        v_sql := v_sql || ' AND t.category = ANY(' || quote_literal(f.categories) || '::pg_catalog.text[])';
    END IF;
    IF f.unassigned THEN
        v_sql := v_sql || ' AND t.assignee_id IS NULL';
    ELSIF f.assignee IS NOT NULL THEN
        v_sql := v_sql || ' AND t.assignee_id = ($1).assignee';
    END IF;
    IF f.requestor IS NOT NULL THEN v_sql := v_sql || ' AND t.requestor_id = ($1).requestor'; END IF;
    IF f.tags IS NOT NULL THEN v_sql := v_sql || ' AND t.tags @> ($1).tags'; END IF;
    IF f.environment IS NOT NULL THEN
        v_sql := v_sql || ' AND pg_catalog.lower(t.environment) = pg_catalog.lower(($1).environment)';
    END IF;
    IF f.sla_breached IS NOT NULL THEN
        v_sql := v_sql || ' AND t.sla_breach = ($1).sla_breached';
    END IF;

    IF f.after_id IS NOT NULL THEN
        v_sql := v_sql || CASE f.sort
            WHEN 'OLDEST' THEN ' AND (t.created_at, t.id) > (($1).after_created, ($1).after_id)'
            WHEN 'UPDATED' THEN ' AND (t.updated_at, t.created_at, t.id)'
                                || ' < (($1).after_updated, ($1).after_created, ($1).after_id)'
            WHEN 'PRIORITY' THEN ' AND (t.priority > ($1).after_priority'
                                 || ' OR (t.priority = ($1).after_priority'
                                 || ' AND (t.created_at, t.id) < (($1).after_created, ($1).after_id)))'
            WHEN 'DUE' THEN ' AND (' || v_next_due || ', t.created_at, t.id) > ('
                            || 'COALESCE(($1).after_due, ''infinity''::pg_catalog.timestamptz), '
                            || '($1).after_created, ($1).after_id)'
            WHEN 'RELEVANCE' THEN ' AND (' || v_rank || ' < ($1).after_rank'
                                  || ' OR (' || v_rank || ' = ($1).after_rank'
                                  || ' AND (t.created_at, t.id) < (($1).after_created, ($1).after_id)))'
            ELSE ' AND (t.created_at, t.id) < (($1).after_created, ($1).after_id)'
        END;
    END IF;

    v_order := CASE f.sort
        WHEN 'OLDEST' THEN ' ORDER BY t.created_at ASC, t.id ASC'
        WHEN 'UPDATED' THEN ' ORDER BY t.updated_at DESC, t.created_at DESC, t.id DESC'
        WHEN 'PRIORITY' THEN ' ORDER BY t.priority ASC, t.created_at DESC, t.id DESC'
        WHEN 'RELEVANCE' THEN ' ORDER BY rank DESC, t.created_at DESC, t.id DESC'
        WHEN 'DUE' THEN ' ORDER BY ' || v_next_due || ' ASC, t.created_at ASC, t.id ASC'
        ELSE ' ORDER BY t.created_at DESC, t.id DESC'
    END;
    v_sql := '(' || v_sql || v_order || ' LIMIT ' || f.page_rows || ')';
    RETURN 'SELECT t.id, t.ticket_number, t.title, t.status, t.priority, t.category, '
        || 't.environment, t.requestor_id, '
        || '(SELECT u.first_name || '' '' || u.last_name FROM public.users u WHERE u.id = t.requestor_id), '
        || 't.assignee_id, '
        || '(SELECT u.first_name || '' '' || u.last_name FROM public.users u WHERE u.id = t.assignee_id), '
        || 't.created_at, t.updated_at, '
        || CASE WHEN f.sort = 'RELEVANCE' THEN 'p.rank' ELSE 't.rank' END
        || ', g.deadline, g.due, g.state, '
        || 'NULLIF(' || v_next_due || ', ''infinity''::pg_catalog.timestamptz) FROM '
        || CASE WHEN f.sort = 'RELEVANCE' THEN v_sql || ' p JOIN public.tickets t ON t.id = p.id'
                ELSE v_sql || ' t' END
        -- The SLA column: the next deadline, when, and where it stands.
        || ' CROSS JOIN LATERAL public.sla_glance(t.status, t.first_response_at, '
        || 't.response_breach, t.response_due_at, t.response_warn_at, t.due_date, '
        || 't.resolution_warn_at, t.sla_breach, t.resolved_at, t.closed_at) g'
        || CASE WHEN f.sort = 'RELEVANCE'
                THEN ' ORDER BY p.rank DESC, p.created_at DESC, p.id DESC'
                ELSE v_order END;
END;
$$;

-- One page of the queue or of a search, as the caller may see it: requestors their own
-- tickets, everyone else every ticket.
--   * A search is planned for its words at every call (EXECUTE ... USING): whether to walk the
--     newest tickets or the full-text index depends on how common the words are.
--   * A queue page without search text reuses one generic plan per shape and connection: a
--     session-level prepared statement named after the hash of its text. Planning it at every
--     call cost 0.2-0.3 ms, a third of the page at 1M tickets (issue 13's bench). The desktop
--     shares the session and could prepare a statement of that name first, so the one found is
--     used only when its text is exactly ours (all names qualified, so no search_path can make
--     the same text mean something else; the desktop cannot create objects anyway); otherwise
--     it is replaced. At most 64 shapes are kept per connection.
--   * The desktop passes its session token (p_session) so that a page is one statement: no
--     BEGIN, act_as and ROLLBACK around it. That halved the page at 1M tickets (0.72 -> 0.37 ms
--     in pgbench). An ended session is refused with 28000, which the desktop answers by renewing
--     it. Without p_session the function acts for the transaction's session (api.act_as).
CREATE FUNCTION api.queue(p_filter jsonb, p_session text DEFAULT NULL)
RETURNS TABLE (id uuid, ticket_number varchar, title varchar, status varchar, priority varchar,
               category varchar, environment varchar, requestor_id uuid, requestor_name text,
               assignee_id uuid, assignee_name text, created_at timestamptz,
               updated_at timestamptz, rank real, sla_deadline text, sla_due timestamptz,
               sla_state text, next_due timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_caller record := auth.caller_with(p_session);
    f auth.queue_filter := auth.queue_filter_of(p_filter);
    v_sql text := auth.queue_sql(f, v_caller.role <> 'END_USER');
BEGIN
    IF f.search IS NOT NULL THEN
        RETURN QUERY EXECUTE v_sql USING f, v_caller.user_id;
    ELSE
        RETURN QUERY EXECUTE auth.queue_prepared(v_sql, f, v_caller.user_id);
    END IF;
END;
$$;

-- Prepares the statement of a queue shape on this connection unless it is prepared already,
-- exactly as ours; returns the EXECUTE that runs it for the filter and the caller.
CREATE FUNCTION auth.queue_prepared(p_sql text, f auth.queue_filter, p_user uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name constant text := 'ticketdesk_queue_' || md5(p_sql);
    v_prepare constant text := format('PREPARE %I(auth.queue_filter, pg_catalog.uuid) AS %s',
                                      v_name, p_sql);
    v_found text;
BEGIN
    SELECT p.statement INTO v_found FROM pg_catalog.pg_prepared_statements p WHERE p.name = v_name;
    IF v_found IS DISTINCT FROM v_prepare THEN
        IF v_found IS NOT NULL THEN
            EXECUTE format('DEALLOCATE %I', v_name);
        ELSIF (SELECT count(*) FROM pg_catalog.pg_prepared_statements p
               WHERE p.name LIKE 'ticketdesk\_queue\_%') >= 64 THEN
            PERFORM auth.queue_forget_shapes();
        END IF;
        EXECUTE v_prepare;
    END IF;
    RETURN format('EXECUTE %I(%L::auth.queue_filter, %L::pg_catalog.uuid)', v_name, f, p_user);
END;
$$;

-- Drops the connection's prepared queue shapes (api.queue keeps at most 64).
CREATE FUNCTION auth.queue_forget_shapes() RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_name text;
BEGIN
    FOR v_name IN SELECT p.name FROM pg_catalog.pg_prepared_statements p
                  WHERE p.name LIKE 'ticketdesk\_queue\_%' LOOP
        EXECUTE format('DEALLOCATE %I', v_name);
    END LOOP;
END;
$$;

-- The plan of the statement api.queue() runs, for the benchmark (only the owner may call it: a
-- plan shows row counts). Acts for the session set on the connection, like api.queue().
CREATE FUNCTION auth.queue_explain(p_filter jsonb) RETURNS SETOF text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_caller record := auth.caller();
    f auth.queue_filter := auth.queue_filter_of(p_filter);
    v_sql text := auth.queue_sql(f, v_caller.role <> 'END_USER');
BEGIN
    IF f.search IS NOT NULL THEN
        RETURN QUERY EXECUTE 'EXPLAIN (ANALYZE, BUFFERS) ' || v_sql USING f, v_caller.user_id;
    ELSE
        RETURN QUERY EXECUTE 'EXPLAIN (ANALYZE, BUFFERS) '
                             || auth.queue_prepared(v_sql, f, v_caller.user_id);
    END IF;
END;
$$;

ALTER FUNCTION auth.queue_filter_of(jsonb) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.queue_sql(auth.queue_filter, boolean) OWNER TO ticketdesk_definer;
ALTER FUNCTION api.queue(jsonb, text) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.queue_explain(jsonb) OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.queue_forget_shapes() OWNER TO ticketdesk_definer;
ALTER FUNCTION auth.queue_prepared(text, auth.queue_filter, uuid) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION auth.queue_filter_of(jsonb), auth.queue_sql(auth.queue_filter, boolean),
    api.queue(jsonb, text), auth.queue_explain(jsonb), auth.queue_forget_shapes(),
    auth.queue_prepared(text, auth.queue_filter, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.queue_filter_of(jsonb), auth.queue_sql(auth.queue_filter, boolean)
    TO ticketdesk_definer;
GRANT EXECUTE ON FUNCTION api.queue(jsonb, text) TO ticketdesk_desktop;
