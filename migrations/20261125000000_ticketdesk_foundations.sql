-- What ticketdesk adds on top of the seed for the walking skeleton: `updated_at` maintenance,
-- race-free ticket numbers and the default SLA policies. Never edit the seed migration for these.

-- ---------------------------------------------------------------- updated_at
-- The seed declares `updated_at` columns but nothing keeps them current; a trigger does, so no
-- code path (ours or an admin's psql session) can forget it.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$$;

CREATE TRIGGER trg_users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_tickets_updated_at BEFORE UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_comments_updated_at BEFORE UPDATE ON comments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER trg_sla_policies_updated_at BEFORE UPDATE ON sla_policies
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------- ticket numbers
-- `TKT-<year>-<5+ digits>`. A sequence (not max()+1) makes numbers unique under any
-- concurrency; gaps from rolled-back transactions are accepted. Numbers keep growing across
-- years so that a number never repeats even if the year part were ignored.
CREATE SEQUENCE ticket_number_seq AS bigint START WITH 1 NO CYCLE;

CREATE FUNCTION next_ticket_number() RETURNS varchar
LANGUAGE sql VOLATILE AS $$
    SELECT 'TKT-' || to_char(CURRENT_TIMESTAMP AT TIME ZONE 'UTC', 'YYYY') || '-'
        || lpad(n::text, greatest(5, length(n::text)), '0')
    FROM (SELECT nextval('ticket_number_seq') AS n) AS s;
$$;

-- ---------------------------------------------------------------- default SLA policies
-- SPEC §5 defaults, catch-all (category NULL). P1/P2 run around the clock; P3/P4 count
-- business hours only, as the seed's column defaults suggest.
INSERT INTO sla_policies (name, description, priority, category, response_time_minutes,
                          resolution_time_minutes, escalation_threshold_minutes,
                          effective_from, business_hours_only, include_weekends)
VALUES
    ('P1 critical (default)', 'Response 5 min, resolution 4 h, around the clock',
     'P1_CRITICAL', NULL, 5, 240, 15, DATE '2025-01-01', FALSE, TRUE),
    ('P2 high (default)', 'Response 30 min, resolution 8 h, around the clock',
     'P2_HIGH', NULL, 30, 480, 60, DATE '2025-01-01', FALSE, TRUE),
    ('P3 medium (default)', 'Response 2 h, resolution 24 h, business hours',
     'P3_MEDIUM', NULL, 120, 1440, 240, DATE '2025-01-01', TRUE, FALSE),
    ('P4 low (default)', 'Response 1 day, resolution 5 days, business hours',
     'P4_LOW', NULL, 1440, 7200, 1440, DATE '2025-01-01', TRUE, FALSE);
