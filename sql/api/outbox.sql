-- The notification worker's outbox (EMAIL, SLACK, SMS rows), for the worker login only: a
-- desktop may execute none of these (they hand out addresses). Each is one short statement, as
-- the worker ran them before it lost its table grants (issue 13). No session: the worker acts
-- for nobody.

-- Claims up to p_limit due rows of p_channels for p_lease_ms: their next_attempt_at moves to the
-- end of the lease, so nobody else takes them meanwhile; SKIP LOCKED lets several workers claim
-- side by side. With each row, what its message needs: the ticket's number and title and the
-- recipient's name, addresses and whether they are active.
CREATE OR REPLACE FUNCTION api.outbox_claim(p_channels text[], p_limit integer, p_lease_ms bigint)
RETURNS TABLE (id uuid, kind varchar, channel varchar, subject varchar, message text,
               priority varchar, retry_count integer, ticket_number varchar,
               ticket_title varchar, first_name varchar, last_name varchar, email varchar,
               phone_number varchar, active boolean)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    WITH claimed AS (
        UPDATE notifications
           SET next_attempt_at = now() + p_lease_ms * interval '1 millisecond'
         WHERE id IN (SELECT id FROM notifications
                       WHERE status = 'PENDING' AND channel <> 'IN_APP'
                         AND channel = ANY(p_channels) AND next_attempt_at <= now()
                       ORDER BY next_attempt_at
                       LIMIT greatest(p_limit, 0)
                       FOR UPDATE SKIP LOCKED)
        RETURNING id, user_id, ticket_id, type, channel, subject, message, priority,
                  retry_count, next_attempt_at)
    SELECT c.id, c.type, c.channel, c.subject, c.message, c.priority, c.retry_count,
           t.ticket_number, t.title, u.first_name, u.last_name, u.email, u.phone_number,
           (u.is_active AND u.status = 'ACTIVE')
    FROM claimed c
    LEFT JOIN users u ON u.id = c.user_id
    LEFT JOIN tickets t ON t.id = c.ticket_id
    ORDER BY c.next_attempt_at;
$$;

-- A send's outcome, written only while the row is still as this worker claimed it.
CREATE OR REPLACE FUNCTION api.outbox_sent(p_id uuid, p_external_id varchar) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    UPDATE notifications
       SET status = 'SENT', sent_at = now(), external_id = p_external_id,
           failed_reason = NULL, next_attempt_at = NULL
     WHERE id = p_id AND status = 'PENDING';
    RETURN FOUND;
END;
$$;

CREATE OR REPLACE FUNCTION api.outbox_retry(p_id uuid, p_claimed_retry_count integer,
                                            p_retry_count integer, p_failed_reason text,
                                            p_after_ms bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    UPDATE notifications
       SET retry_count = p_retry_count, failed_reason = p_failed_reason,
           next_attempt_at = now() + p_after_ms * interval '1 millisecond'
     WHERE id = p_id AND status = 'PENDING' AND retry_count = p_claimed_retry_count;
    RETURN FOUND;
END;
$$;

CREATE OR REPLACE FUNCTION api.outbox_failed(p_id uuid, p_claimed_retry_count integer,
                                             p_retry_count integer, p_failed_reason text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    UPDATE notifications
       SET status = 'FAILED', retry_count = p_retry_count, failed_reason = p_failed_reason,
           next_attempt_at = NULL
     WHERE id = p_id AND status = 'PENDING' AND retry_count = p_claimed_retry_count;
    RETURN FOUND;
END;
$$;

-- Hands a claimed row back (shut-down): due now, unless someone else tried it since.
CREATE OR REPLACE FUNCTION api.outbox_release(p_id uuid, p_claimed_retry_count integer)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    UPDATE notifications SET next_attempt_at = now()
     WHERE id = p_id AND status = 'PENDING' AND retry_count = p_claimed_retry_count;
$$;

-- Milliseconds until the next row of p_channels comes due (0 or less: now; NULL: none waits).
CREATE OR REPLACE FUNCTION api.outbox_next_due_ms(p_channels text[]) RETURNS float8
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT (EXTRACT(EPOCH FROM min(next_attempt_at) - now()) * 1000)::float8
      FROM notifications
     WHERE status = 'PENDING' AND channel <> 'IN_APP' AND channel = ANY(p_channels);
$$;

-- PENDING rows per channel that a worker configured for p_configured will not deliver.
CREATE OR REPLACE FUNCTION api.outbox_waiting_elsewhere(p_configured text[])
RETURNS TABLE (channel text, waiting bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT n.channel::text, count(*) FROM notifications n
     WHERE n.status = 'PENDING' AND n.channel <> 'IN_APP' AND n.channel <> ALL(p_configured)
     GROUP BY n.channel ORDER BY n.channel;
$$;

DO $$
DECLARE
    v_function text;
BEGIN
    FOR v_function IN
        SELECT p.oid::regprocedure::text FROM pg_proc p
        WHERE p.pronamespace = 'api'::regnamespace AND p.proname LIKE 'outbox\_%'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO ticketdesk_definer', v_function);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_function);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ticketdesk_worker', v_function);
    END LOOP;
END;
$$;

-- The worker reaches the outbox, the recipients and the tickets only through the above.
REVOKE ALL ON notifications, users, tickets FROM ticketdesk_worker;
