-- The SLA clock pauses and resolved tickets close themselves (issue 14, items 2 and 6). Tables
-- and indexes only; the functions and triggers that use them live under sql/sla/.

-- Every pause of a ticket's SLA clock: while the ticket is PENDING_INFO the clock stops, and
-- when it leaves that status both deadlines move by the business time the pause took
-- (`business_minutes`, whole minutes of the ticket's policy). Kept for showing ("paused 2 h 05 min while
-- pending info") and for recomputing a deadline from scratch (creation + policy time + pauses).
-- Written only by the server (sql/sla/pauses.sql), read through the API.
CREATE TABLE sla_pauses (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    ticket_id        UUID NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    reason           VARCHAR(30) NOT NULL DEFAULT 'PENDING_INFO',
    started_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at         TIMESTAMP WITH TIME ZONE,
    business_minutes INTEGER,
    CONSTRAINT chk_sla_pause_reason CHECK (reason IN ('PENDING_INFO')),
    CONSTRAINT chk_sla_pause_order CHECK (ended_at IS NULL OR ended_at >= started_at),
    CONSTRAINT chk_sla_pause_minutes CHECK ((ended_at IS NULL) = (business_minutes IS NULL)
                                            AND coalesce(business_minutes, 0) >= 0)
);
-- One open pause per ticket at most.
CREATE UNIQUE INDEX idx_sla_pauses_open ON sla_pauses (ticket_id) WHERE ended_at IS NULL;
CREATE INDEX idx_sla_pauses_ticket ON sla_pauses (ticket_id, started_at);

GRANT ALL ON sla_pauses TO ticketdesk_definer;
ALTER TABLE sla_pauses ENABLE ROW LEVEL SECURITY;
ALTER TABLE sla_pauses FORCE ROW LEVEL SECURITY;

-- Tickets waiting for their requestor when this runs: their pause began when they last moved
-- to PENDING_INFO, as the history says (now, when it does not).
INSERT INTO sla_pauses (ticket_id, started_at)
SELECT t.id,
       coalesce((SELECT max(h.timestamp) FROM ticket_history h
                 WHERE h.ticket_id = t.id AND h.field_changed = 'status'
                   AND h.new_value = '"PENDING_INFO"'), now())
FROM tickets t
WHERE t.status = 'PENDING_INFO';

-- The auto-close's candidates (RESOLVED for 7 days, SPEC §3), oldest first, without reading
-- the other tickets.
CREATE INDEX idx_tickets_resolved_at ON tickets (resolved_at) WHERE status = 'RESOLVED';
