-- The response deadline (issue 14, item 1; SPEC §5): met by the first public comment or status
-- change by someone other than the requestor. `due_date` keeps the resolution deadline, as the
-- seed says. The functions and triggers that keep these live under sql/sla/ and sql/comments/.
--   response_due_at    the policy's response time after creation, in its business hours
--   first_response_at  when the response came (NULL: not yet)
--   response_breach    the response came late, or the sweep found it missing; the sweep tells
--                      the assignee once
ALTER TABLE tickets
    ADD COLUMN response_due_at TIMESTAMP WITH TIME ZONE,
    ADD COLUMN first_response_at TIMESTAMP WITH TIME ZONE,
    ADD COLUMN response_breach BOOLEAN NOT NULL DEFAULT FALSE;

-- Tickets still open when this runs: their response deadline from their policy, their first
-- response from the comments and history, and a response already late flagged without an
-- alert (a burst of alerts for weeks-old tickets helps nobody). Closed and resolved tickets
-- keep NULL: not tracked before this migration. Triggers off for these backfills: they are
-- not edits (no new version, no updated_at, no history).
SET LOCAL session_replication_role = replica;
UPDATE tickets t
SET response_due_at = sla_deadline(t.created_at, p.response_time_minutes, p)
FROM sla_policies p
WHERE p.id = t.sla_policy_id AND t.status NOT IN ('CLOSED', 'RESOLVED');

UPDATE tickets t
SET first_response_at = r.at
FROM (SELECT o.id,
             least((SELECT min(c.created_at) FROM comments c
                    WHERE c.ticket_id = o.id AND NOT c.is_internal AND c.user_id <> o.requestor_id),
                   (SELECT min(h.timestamp) FROM ticket_history h
                    WHERE h.ticket_id = o.id AND h.field_changed = 'status'
                      AND h.user_id <> o.requestor_id)) AS at
      FROM tickets o
      WHERE o.status NOT IN ('CLOSED', 'RESOLVED')) r
WHERE r.id = t.id AND r.at IS NOT NULL;

UPDATE tickets
SET response_breach = TRUE
WHERE response_due_at IS NOT NULL
  AND coalesce(first_response_at, now()) > response_due_at;

SET LOCAL session_replication_role = origin;

-- The sweep's response candidates: open, clock running, no response yet, not yet flagged.
CREATE INDEX idx_tickets_response_due ON tickets (response_due_at)
    WHERE first_response_at IS NULL AND NOT response_breach
      AND status NOT IN ('CLOSED', 'RESOLVED', 'PENDING_INFO');
