-- Search pages at the seed's scale (issue 7). search_tickets() returned every ticket matching
-- the words (~150,000 for "disk" at 1,000,000 tickets), and the queue's ORDER BY ... LIMIT ran
-- on that whole set outside it: ~2 s a page. It now returns the page itself: the filters, the
-- keyset cursor, the order and the limit all run inside, where the planner may choose between
-- the GIN index (rare words) and walking the page's order until the page is full (common
-- words). Row-level security would forbid that choice outside a definer function: `@@` is not
-- leakproof, so under RLS it may not drive an index scan.
--
-- The statement is built from fixed fragments only and run with EXECUTE ... USING, so every
-- value is a parameter (nothing a caller sends becomes SQL text) and each call is planned for
-- its own words, never from a generic plan that cannot see them.
-- The filters mean what the queue's own filters mean (src-tauri/db/tickets.rs, queue_sql);
-- tests/integration/search.rs runs every filter and every order through both.

DROP FUNCTION public.search_tickets(tsquery, boolean);
CREATE FUNCTION public.search_tickets(
    p_query tsquery,
    p_sort text,
    p_limit integer,
    p_statuses text[],
    p_priorities text[],
    p_categories text[],
    p_assignee uuid,
    p_unassigned boolean,
    p_requestor uuid,
    p_tags text[],
    p_environment text,
    p_sla_breached boolean,
    -- The cursor: the last row of the previous page (all NULL on the first page).
    p_after_created timestamptz,
    p_after_id uuid,
    p_after_updated timestamptz,
    p_after_priority text,
    p_after_rank real)
RETURNS TABLE (id uuid, rank real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    rank_expr constant text := CASE WHEN p_sort = 'RELEVANCE'
                                    THEN 'ts_rank(t.search_vector, $1)' ELSE '0::real' END;
    sql text;
BEGIN
    IF p_sort IS NULL OR p_sort NOT IN ('NEWEST', 'OLDEST', 'UPDATED', 'PRIORITY', 'RELEVANCE') THEN
        RAISE EXCEPTION 'search_tickets: unknown order %', p_sort USING ERRCODE = '22023';
    END IF;
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
        RAISE EXCEPTION 'search_tickets: limit % out of range', p_limit USING ERRCODE = '22023';
    END IF;

    sql := 'SELECT t.id, ' || rank_expr || ' FROM tickets t WHERE t.search_vector @@ $1';
    -- What the tickets' row-level security lets this session see.
    IF NOT public.current_user_is_engineer() THEN
        sql := sql || ' AND t.requestor_id = $16';
    END IF;
    IF p_statuses IS NOT NULL THEN sql := sql || ' AND t.status = ANY($2)'; END IF;
    IF p_priorities IS NOT NULL THEN sql := sql || ' AND t.priority = ANY($3)'; END IF;
    IF p_categories IS NOT NULL THEN sql := sql || ' AND t.category = ANY($4)'; END IF;
    IF p_unassigned THEN
        sql := sql || ' AND t.assignee_id IS NULL';
    ELSIF p_assignee IS NOT NULL THEN
        sql := sql || ' AND t.assignee_id = $5';
    END IF;
    IF p_requestor IS NOT NULL THEN sql := sql || ' AND t.requestor_id = $6'; END IF;
    IF p_tags IS NOT NULL THEN sql := sql || ' AND t.tags @> $7'; END IF;
    IF p_environment IS NOT NULL THEN
        sql := sql || ' AND lower(t.environment) = lower($8)';
    END IF;
    IF p_sla_breached IS NOT NULL THEN sql := sql || ' AND t.sla_breach = $9'; END IF;

    IF p_after_id IS NOT NULL THEN
        sql := sql || CASE p_sort
            WHEN 'OLDEST' THEN ' AND (t.created_at, t.id) > ($10, $11)'
            WHEN 'UPDATED' THEN ' AND (t.updated_at, t.created_at, t.id) < ($12, $10, $11)'
            WHEN 'PRIORITY' THEN ' AND (t.priority > $13 OR (t.priority = $13'
                                 ' AND (t.created_at, t.id) < ($10, $11)))'
            WHEN 'RELEVANCE' THEN ' AND (' || rank_expr || ' < $14 OR (' || rank_expr || ' = $14'
                                  ' AND (t.created_at, t.id) < ($10, $11)))'
            ELSE ' AND (t.created_at, t.id) < ($10, $11)'
        END;
    END IF;

    sql := sql || CASE p_sort
        WHEN 'OLDEST' THEN ' ORDER BY t.created_at ASC, t.id ASC'
        WHEN 'UPDATED' THEN ' ORDER BY t.updated_at DESC, t.created_at DESC, t.id DESC'
        WHEN 'PRIORITY' THEN ' ORDER BY t.priority ASC, t.created_at DESC, t.id DESC'
        WHEN 'RELEVANCE' THEN ' ORDER BY 2 DESC, t.created_at DESC, t.id DESC'
        ELSE ' ORDER BY t.created_at DESC, t.id DESC'
    END || ' LIMIT $15';

    RETURN QUERY EXECUTE sql
        USING p_query, p_statuses, p_priorities, p_categories, p_assignee, p_requestor,
              p_tags, p_environment, p_sla_breached, p_after_created, p_after_id,
              p_after_updated, p_after_priority, p_after_rank, p_limit,
              public.current_user_id();
END;
$$;
ALTER FUNCTION public.search_tickets(tsquery, text, integer, text[], text[], text[], uuid,
    boolean, uuid, text[], text, boolean, timestamptz, uuid, timestamptz, text, real)
    OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION public.search_tickets(tsquery, text, integer, text[], text[], text[], uuid,
    boolean, uuid, text[], text, boolean, timestamptz, uuid, timestamptz, text, real) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.search_tickets(tsquery, text, integer, text[], text[], text[],
    uuid, boolean, uuid, text[], text, boolean, timestamptz, uuid, timestamptz, text, real)
    TO ticketdesk_desktop;
