-- Holiday calendars and the 80 % warning (issue 14, items 3 and 4; SPEC §5). Tables, columns,
-- constraints and indexes only; the functions that use them live under sql/sla/.

-- ---------------------------------------------------------------- holiday calendars
-- A named calendar of closed days (e.g. "Germany 2027"), assignable to policies. A holiday is
-- a whole closed day in the policy's time zone; its label shows in the explanation ("Mon 24 Dec
-- holiday (Christmas Eve)").
CREATE TABLE sla_calendars (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name        VARCHAR(100) NOT NULL,
    description TEXT,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT chk_sla_calendar_name CHECK (btrim(name) <> '')
);
CREATE UNIQUE INDEX idx_sla_calendars_name ON sla_calendars (lower(name));

CREATE TABLE sla_holidays (
    calendar_id UUID NOT NULL REFERENCES sla_calendars(id) ON DELETE CASCADE,
    day         DATE NOT NULL,
    label       VARCHAR(100),
    PRIMARY KEY (calendar_id, day)
);

-- The calendar a policy's business hours skip. NULL: no holidays.
ALTER TABLE sla_policies
    ADD COLUMN calendar_id UUID REFERENCES sla_calendars(id) ON DELETE SET NULL;

GRANT ALL ON sla_calendars, sla_holidays TO ticketdesk_definer;
ALTER TABLE sla_calendars ENABLE ROW LEVEL SECURITY;
ALTER TABLE sla_calendars FORCE ROW LEVEL SECURITY;
ALTER TABLE sla_holidays ENABLE ROW LEVEL SECURITY;
ALTER TABLE sla_holidays FORCE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------- the 80 % warning
-- When 80 % of a deadline's counted time has elapsed, the sweep warns once (SLA_WARNING).
--   response_warn_at / resolution_warn_at    the instant 80 % of the time is used, computed by
--                                            the same walk as the deadline itself
--   response_warned_at / resolution_warned_at when the warning went out (NULL: not yet)
ALTER TABLE tickets
    ADD COLUMN response_warn_at TIMESTAMP WITH TIME ZONE,
    ADD COLUMN resolution_warn_at TIMESTAMP WITH TIME ZONE,
    ADD COLUMN response_warned_at TIMESTAMP WITH TIME ZONE,
    ADD COLUMN resolution_warned_at TIMESTAMP WITH TIME ZONE;

-- The seed's notification types, plus SLA_WARNING.
ALTER TABLE notifications DROP CONSTRAINT chk_notification_type;
ALTER TABLE notifications ADD CONSTRAINT chk_notification_type CHECK (type IN (
    'TICKET_CREATED', 'TICKET_ASSIGNED', 'STATUS_CHANGED', 'COMMENT_ADDED',
    'ESCALATED', 'SLA_BREACH', 'SLA_WARNING', 'RESOLUTION_REQUEST', 'TICKET_CLOSED'));
ALTER TABLE notification_preferences DROP CONSTRAINT chk_preference_type;
ALTER TABLE notification_preferences ADD CONSTRAINT chk_preference_type CHECK (event_type IN (
    'TICKET_CREATED', 'TICKET_ASSIGNED', 'STATUS_CHANGED', 'COMMENT_ADDED',
    'ESCALATED', 'SLA_BREACH', 'SLA_WARNING', 'RESOLUTION_REQUEST', 'TICKET_CLOSED'));

-- Tickets open when this runs: their warning instants from their policy and the pauses so far
-- (no calendar existed before), by the sla_deadline() of the previous release. A warning
-- instant already past is marked warned without an alert: a burst of warnings for old tickets
-- helps nobody. Triggers off: these are not edits.
SET LOCAL session_replication_role = replica;
UPDATE tickets t
SET resolution_warn_at = CASE WHEN NOT t.sla_breach THEN sla_deadline(
        t.created_at, ceil(p.resolution_time_minutes * 0.8)::integer
                      + coalesce((SELECT sum(s.business_minutes)::integer FROM sla_pauses s
                                  WHERE s.ticket_id = t.id AND s.ended_at IS NOT NULL), 0),
        p) END,
    response_warn_at = CASE WHEN t.first_response_at IS NULL AND NOT t.response_breach
                            THEN sla_deadline(t.created_at,
                                              ceil(p.response_time_minutes * 0.8)::integer, p) END
FROM sla_policies p
WHERE p.id = t.sla_policy_id AND t.status NOT IN ('CLOSED', 'RESOLVED');

UPDATE tickets SET resolution_warned_at = resolution_warn_at
WHERE resolution_warn_at <= now();
UPDATE tickets SET response_warned_at = response_warn_at
WHERE response_warn_at <= now();
SET LOCAL session_replication_role = origin;

-- The sweep's warning candidates: open, clock running, not yet warned nor breached.
CREATE INDEX idx_tickets_resolution_warn ON tickets (resolution_warn_at)
    WHERE resolution_warned_at IS NULL AND NOT sla_breach
      AND status NOT IN ('CLOSED', 'RESOLVED', 'PENDING_INFO');
CREATE INDEX idx_tickets_response_warn ON tickets (response_warn_at)
    WHERE response_warned_at IS NULL AND first_response_at IS NULL AND NOT response_breach
      AND status NOT IN ('CLOSED', 'RESOLVED', 'PENDING_INFO');
