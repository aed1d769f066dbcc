-- Keys of a new ticket are the server's to choose (issue 13). A desktop that picked its own
-- ticket number could squat the next ones (the app's insert then failed with 23505), and one
-- that picked its own id learned from a 23505 that a ticket it cannot see exists. So a desktop's
-- id and number are replaced; a loader's (demo data, imports) are kept, and a missing number
-- is drawn from the sequence for anyone. Named to fire before every other BEFORE INSERT
-- trigger on tickets (they fire in name order), so they all see the final keys.
CREATE OR REPLACE FUNCTION public.tickets_server_keys() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF public.is_desktop_caller() THEN
        NEW.id := gen_random_uuid();
        NEW.ticket_number := public.next_ticket_number();
    ELSIF NEW.ticket_number IS NULL THEN
        NEW.ticket_number := public.next_ticket_number();
    END IF;
    RETURN NEW;
END;
$$;
CREATE OR REPLACE TRIGGER trg_tickets_a_server_keys BEFORE INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION public.tickets_server_keys();
REVOKE ALL ON FUNCTION public.tickets_server_keys() FROM PUBLIC;
