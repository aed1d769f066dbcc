-- The escalation ladder (issue 15; SPEC §6). Columns and indexes only; the functions that start,
-- route, raise, acknowledge and resolve escalations live in sql/escalations/ladder.sql.
--   next_rise_at  when an unacknowledged escalation rises one level (NULL: acknowledged,
--                 settled, or at level 5)

ALTER TABLE escalations ADD COLUMN next_rise_at TIMESTAMP WITH TIME ZONE;

-- One open escalation per ticket: a new trigger raises it instead of stacking another. Older
-- duplicates from before this migration are cancelled, the newest stays open.
UPDATE escalations e SET status = 'CANCELLED', resolved_at = now(),
       resolution_notes = 'Cancelled by the upgrade: a newer escalation of the ticket is open'
WHERE e.status IN ('PENDING', 'ACKNOWLEDGED')
  AND EXISTS (SELECT 1 FROM escalations n
              WHERE n.ticket_id = e.ticket_id AND n.status IN ('PENDING', 'ACKNOWLEDGED')
                AND (n.escalated_at, n.id) > (e.escalated_at, e.id));
CREATE UNIQUE INDEX idx_escalations_open ON escalations (ticket_id)
    WHERE status IN ('PENDING', 'ACKNOWLEDGED');

-- Pending escalations still open when this runs rise from now on, after the default threshold.
UPDATE escalations SET next_rise_at = now() + interval '30 minutes'
WHERE status = 'PENDING' AND escalation_level < 5;

-- The sweep's rise candidates.
CREATE INDEX idx_escalations_rise ON escalations (next_rise_at) WHERE status = 'PENDING';
