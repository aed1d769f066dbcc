-- The plan of a search, for the benchmark (issue 7: "it also prints the EXPLAIN plan of any
-- query over its target"). search_tickets() builds and runs its statement inside; EXPLAIN of
-- the call shows only a Function Scan. The builder is now a function of its own, so that
-- search_tickets_explain() can EXPLAIN (ANALYZE, BUFFERS) the very statement a search runs,
-- with the same values. Only the owner may call it: a plan shows row counts.

-- The statement search_tickets() runs for these arguments (only their presence, the order
-- and the caller's visibility shape it; every value stays a parameter of EXECUTE ... USING).
-- Called by the two definers below only.
CREATE FUNCTION auth.search_tickets_sql(
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
    p_after_created timestamptz,
    p_after_id uuid,
    p_after_updated timestamptz,
    p_after_priority text,
    p_after_rank real)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
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

    RETURN sql;
END;
$$;
ALTER FUNCTION auth.search_tickets_sql(tsquery, text, integer, text[], text[], text[], uuid,
    boolean, uuid, text[], text, boolean, timestamptz, uuid, timestamptz, text, real) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION auth.search_tickets_sql(tsquery, text, integer, text[], text[], text[], uuid,
    boolean, uuid, text[], text, boolean, timestamptz, uuid, timestamptz, text, real) FROM PUBLIC;

CREATE OR REPLACE FUNCTION public.search_tickets(
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
    p_after_created timestamptz,
    p_after_id uuid,
    p_after_updated timestamptz,
    p_after_priority text,
    p_after_rank real)
RETURNS TABLE (id uuid, rank real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RETURN QUERY EXECUTE auth.search_tickets_sql(p_query, p_sort, p_limit, p_statuses, p_priorities, p_categories, p_assignee,
        p_unassigned, p_requestor, p_tags, p_environment, p_sla_breached, p_after_created,
        p_after_id, p_after_updated, p_after_priority, p_after_rank)
        USING p_query, p_statuses, p_priorities, p_categories, p_assignee, p_requestor,
              p_tags, p_environment, p_sla_breached, p_after_created, p_after_id,
              p_after_updated, p_after_priority, p_after_rank, p_limit,
              public.current_user_id();
END;
$$;

CREATE FUNCTION public.search_tickets_explain(
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
    p_after_created timestamptz,
    p_after_id uuid,
    p_after_updated timestamptz,
    p_after_priority text,
    p_after_rank real)
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RETURN QUERY EXECUTE 'EXPLAIN (ANALYZE, BUFFERS) ' || auth.search_tickets_sql(p_query, p_sort, p_limit, p_statuses, p_priorities, p_categories, p_assignee,
        p_unassigned, p_requestor, p_tags, p_environment, p_sla_breached, p_after_created,
        p_after_id, p_after_updated, p_after_priority, p_after_rank)
        USING p_query, p_statuses, p_priorities, p_categories, p_assignee, p_requestor,
              p_tags, p_environment, p_sla_breached, p_after_created, p_after_id,
              p_after_updated, p_after_priority, p_after_rank, p_limit,
              public.current_user_id();
END;
$$;
ALTER FUNCTION public.search_tickets_explain(tsquery, text, integer, text[], text[], text[], uuid,
    boolean, uuid, text[], text, boolean, timestamptz, uuid, timestamptz, text, real) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION public.search_tickets_explain(tsquery, text, integer, text[], text[], text[], uuid,
    boolean, uuid, text[], text, boolean, timestamptz, uuid, timestamptz, text, real) FROM PUBLIC;
-- The role that migrates (the owner) may: the bench's floors run on its connection.
GRANT EXECUTE ON FUNCTION public.search_tickets_explain(tsquery, text, integer, text[], text[], text[],
    uuid, boolean, uuid, text[], text, boolean, timestamptz, uuid, timestamptz, text, real)
    TO CURRENT_USER;
