-- The history of the demo tickets $1, in the triggers' format (sql/tickets/history_format.sql),
-- read from the tickets as inserted: CREATED as NEW, then for an assigned ticket its
-- assignment by $2 five minutes in and, unless it is still OPEN, the engineer's move from OPEN
-- to where it is now, 20 minutes in.
INSERT INTO ticket_history (ticket_id, user_id, action, field_changed, old_value, new_value,
                            timestamp)
SELECT t.id, e.user_id, e.action, e.field, e.old_value, e.new_value, e.at
FROM unnest($1::uuid[]) WITH ORDINALITY AS i(id, n)
JOIN tickets t ON t.id = i.id
CROSS JOIN LATERAL (
    SELECT 0 AS k, t.requestor_id AS user_id, 'CREATED' AS action, NULL AS field,
        NULL AS old_value,
        auth.history_created_value(t.ticket_number, t.title, 'NEW', t.priority, t.category,
                                   t.environment)::text AS new_value,
        t.created_at AS at
    UNION ALL
    SELECT 1, $2::uuid, auth.history_assign_action(NULL), 'assignee_id', NULL,
        auth.user_ref(t.assignee_id)::text,
        t.created_at + interval '5 minutes'
    WHERE t.assignee_id IS NOT NULL
    UNION ALL
    SELECT 2, t.assignee_id, auth.history_status_action(t.status), 'status',
        '"OPEN"', to_jsonb(t.status)::text,
        t.created_at + interval '20 minutes'
    WHERE t.assignee_id IS NOT NULL AND t.status <> 'OPEN'
) e
ORDER BY i.n, e.k
