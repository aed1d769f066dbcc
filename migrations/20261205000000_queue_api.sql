-- The queue and search moved behind api.queue() (sql/api/queue.sql, issue 13): one typed
-- filter value where search_tickets() took 17 positional parameters, for the queue and the
-- search alike. The old functions go; the desktop no longer reads `tickets` itself.
DROP FUNCTION public.search_tickets_explain(tsquery, text, integer, text[], text[], text[], uuid,
    boolean, uuid, text[], text, boolean, timestamptz, uuid, timestamptz, text, real);
DROP FUNCTION public.search_tickets(tsquery, text, integer, text[], text[], text[], uuid,
    boolean, uuid, text[], text, boolean, timestamptz, uuid, timestamptz, text, real);
DROP FUNCTION auth.search_tickets_sql(tsquery, text, integer, text[], text[], text[], uuid,
    boolean, uuid, text[], text, boolean, timestamptz, uuid, timestamptz, text, real);
