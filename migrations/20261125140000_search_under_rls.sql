-- Full-text search under row-level security. `@@` is not LEAKPROOF, so on a table with RLS
-- PostgreSQL may not test a search condition before the policy's, and cannot use the seed's GIN
-- index (idx_tickets_fulltext) at all: every search as a desktop recomputed to_tsvector for
-- every visible row (EXPLAIN as ticketdesk_desktop showed a Seq Scan even with
-- enable_seqscan = off). This function runs the match through the index as the definer,
-- applying the same visibility rule as the tickets_select policy, and returns ids and ranks;
-- the caller joins them back to tickets, where RLS applies again.
CREATE FUNCTION public.search_tickets(p_query tsquery)
RETURNS TABLE (id uuid, rank real)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT t.id, ts_rank(to_tsvector('english', t.title || ' ' || t.description), p_query)
    FROM tickets t
    WHERE to_tsvector('english', t.title || ' ' || t.description) @@ p_query
      AND ((SELECT public.current_user_is_engineer())
           OR t.requestor_id = (SELECT public.current_user_id()));
$$;
ALTER FUNCTION public.search_tickets(tsquery) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION public.search_tickets(tsquery) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.search_tickets(tsquery) TO ticketdesk_desktop;
