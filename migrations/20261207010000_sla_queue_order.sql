-- The queue's "due soonest" order (issue 14, item 8): the next deadline (response while
-- awaited, then resolution; never for resolved or closed tickets), oldest first among equals,
-- read from an index rather than a sort of every ticket. The function is the index's
-- expression; its current definition lives in sql/sla/deadline.sql (the same text).
CREATE OR REPLACE FUNCTION public.sla_next_due(p_status character varying,
                                               p_first_response_at timestamp with time zone,
                                               p_response_breach boolean,
                                               p_response_due_at timestamp with time zone,
                                               p_due_date timestamp with time zone)
 RETURNS timestamp with time zone
 LANGUAGE sql
 IMMUTABLE
AS $function$
    SELECT CASE WHEN p_status IN ('CLOSED', 'RESOLVED') THEN 'infinity'::pg_catalog.timestamptz
                WHEN p_first_response_at IS NULL AND NOT p_response_breach
                     AND p_response_due_at IS NOT NULL THEN p_response_due_at
                ELSE coalesce(p_due_date, 'infinity'::pg_catalog.timestamptz) END;
$function$;

CREATE INDEX idx_tickets_next_due ON tickets
    (sla_next_due(status, first_response_at, response_breach, response_due_at, due_date),
     created_at, id);
