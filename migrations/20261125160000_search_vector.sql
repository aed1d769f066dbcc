-- Search at the seed's scale (issue 7). search_tickets() matched through the seed's GIN
-- expression index but then recomputed to_tsvector(title || ' ' || description) for every
-- match, to rank it and to recheck the rows of a lossy bitmap: at 1,000,000 tickets a common
-- word ("disk", ~15 % of tickets) took 25-48 s. A stored tsvector is computed once, when the
-- ticket is written; its own GIN index serves the match, and the rank reads the stored value.
-- The rank is computed only when the caller sorts by it.
-- The seed's expression index stays, as the seed defines it.

ALTER TABLE tickets ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || description)) STORED;
CREATE INDEX idx_tickets_search_vector ON tickets USING GIN (search_vector);

DROP FUNCTION public.search_tickets(tsquery);
CREATE FUNCTION public.search_tickets(p_query tsquery, p_ranked boolean)
RETURNS TABLE (id uuid, rank real)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT t.id, CASE WHEN p_ranked THEN ts_rank(t.search_vector, p_query) ELSE 0 END
    FROM tickets t
    WHERE t.search_vector @@ p_query
      AND ((SELECT public.current_user_is_engineer())
           OR t.requestor_id = (SELECT public.current_user_id()));
$$;
ALTER FUNCTION public.search_tickets(tsquery, boolean) OWNER TO ticketdesk_definer;
REVOKE ALL ON FUNCTION public.search_tickets(tsquery, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.search_tickets(tsquery, boolean) TO ticketdesk_desktop;
