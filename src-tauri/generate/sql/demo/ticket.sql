-- A demo ticket unless it is there: $1 id, $2 title, $3 description, $4 category, $5 priority,
-- $6 status, $7 requestor, $8 assignee, $9 created, $10 resolved, $11 closed, $12 environment,
-- $13 tags, $14 resolution notes. It takes the priority's general SLA policy; an engineer's
-- status change 20 minutes in (history.sql) was its first response.
INSERT INTO tickets (id, ticket_number, title, description, category, priority, status,
                     requestor_id, assignee_id, created_at, updated_at, resolved_at,
                     closed_at, environment, tags, resolution_notes, sla_policy_id,
                     status_before_escalation, first_response_at)
SELECT $1, next_ticket_number(), $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14,
       (SELECT id FROM sla_policies WHERE priority = $5 AND category IS NULL LIMIT 1),
       CASE WHEN $6 = 'ESCALATED' THEN 'IN_PROGRESS' END,
       CASE WHEN $6 NOT IN ('NEW', 'OPEN') THEN $9 + interval '20 minutes' END
WHERE NOT EXISTS (SELECT 1 FROM tickets WHERE id = $1)
