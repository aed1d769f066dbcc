-- The next ticket number, TKT-<year>-<at least five digits>, from one sequence (moved from
-- migration ticketdesk_foundations, issue 13, unchanged).
CREATE OR REPLACE FUNCTION public.next_ticket_number()
 RETURNS character varying
 LANGUAGE sql
AS $function$
    SELECT 'TKT-' || to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY') || '-'
        || lpad(n::text, greatest(5, length(n::text)), '0')
    FROM (SELECT nextval('ticket_number_seq') AS n) AS s;
$function$;

-- Keys of a new ticket are the server's to choose (issue 13). A desktop that picked its own
-- ticket number could squat the next ones (the app's insert then failed with 23505), and one
-- that picked its own id learned from a 23505 that a ticket it cannot see exists. So a desktop's
-- id and number are replaced; a loader's (demo data, imports) are kept, and a missing number
-- is drawn from the sequence for anyone. Named to fire before every other BEFORE INSERT
-- trigger on tickets (they fire in name order), so they all see the final keys.
-- A definer, so that the desktop needs no grant on the sequence or on next_ticket_number()
-- (with one, it could burn numbers); so it asks who the session's login is, not current_user.
CREATE OR REPLACE FUNCTION public.tickets_server_keys() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF pg_has_role(session_user, 'ticketdesk_desktop', 'MEMBER')
       AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
        -- Except the id api.create_ticket chose, having checked it leaks nothing (issue 16).
        IF NEW.id IS DISTINCT FROM
           nullif(current_setting('ticketdesk.new_ticket_id', true), '')::uuid THEN
            NEW.id := gen_random_uuid();
        END IF;
        NEW.ticket_number := public.next_ticket_number();
    ELSIF NEW.ticket_number IS NULL THEN
        NEW.ticket_number := public.next_ticket_number();
    END IF;
    RETURN NEW;
END;
$$;
ALTER FUNCTION public.tickets_server_keys() OWNER TO ticketdesk_definer;
CREATE OR REPLACE TRIGGER trg_tickets_a_server_keys BEFORE INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION public.tickets_server_keys();
REVOKE ALL ON FUNCTION public.tickets_server_keys() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.next_ticket_number() FROM ticketdesk_desktop, PUBLIC;
GRANT EXECUTE ON FUNCTION public.next_ticket_number() TO ticketdesk_definer;
REVOKE ALL ON SEQUENCE ticket_number_seq FROM ticketdesk_desktop;
