-- The history the triggers would have written (sql/tickets/history.sql,
-- sql/comments/after_insert.sql), through the same format functions
-- (sql/tickets/history_format.sql). Rows of one update are a millisecond apart, in the order
-- the trigger writes them. Built per ticket (a lateral union in slot order: 0-15 the
-- lifecycle, 16 + j comment j, 240 + a attachment a), so rows come out in id order without a
-- sort.
INSERT INTO ticket_history (id, ticket_id, user_id, action, field_changed, old_value,
                            new_value, is_internal, timestamp)
SELECT {{history_id}}, p.id, e.user_id, e.action, e.field, e.old_value, e.new_value, e.internal,
    e.at
FROM syn_plan p
CROSS JOIN LATERAL (
    SELECT p.n * {{history_slots}} + 0 AS k, p.requestor AS user_id, 'CREATED'::varchar AS action,
        NULL::varchar AS field, NULL::text AS old_value,
        auth.history_created_value(p.ticket_number, p.title,
            CASE WHEN p.pre_assigned THEN 'OPEN' ELSE 'NEW' END, p.priority0, p.category,
            p.environment)::text AS new_value,
        FALSE AS internal, p.created_at AS at
    UNION ALL
    SELECT p.n * {{history_slots}} + 1, p.requestor, auth.history_assign_action(NULL),
        'assignee_id', NULL, auth.history_user_value(p.assignee, p.assignee_name)::text, FALSE,
        p.created_at + interval '1 millisecond'
    WHERE p.pre_assigned
    UNION ALL
    SELECT p.n * {{history_slots}} + 2, p.triager, auth.history_status_action('OPEN'), 'status',
        '"NEW"', '"OPEN"', FALSE, p.t_assign
    WHERE p.t_assign IS NOT NULL AND NOT p.pre_assigned
    UNION ALL
    SELECT p.n * {{history_slots}} + 3, p.triager, auth.history_assign_action(NULL),
        'assignee_id', NULL, auth.history_user_value(p.first_assignee, p.first_assignee_name)::text,
        FALSE, p.t_assign + interval '1 millisecond'
    WHERE p.t_assign IS NOT NULL AND NOT p.pre_assigned
    UNION ALL
    SELECT p.n * {{history_slots}} + 4, p.lead, 'PRIORITY_CHANGED', 'priority',
        to_jsonb(p.priority0)::text, to_jsonb(p.priority)::text, FALSE, p.t_prio
    WHERE p.t_prio IS NOT NULL
    UNION ALL
    SELECT p.n * {{history_slots}} + 5, p.lead, auth.history_assign_action(p.first_assignee),
        'assignee_id', auth.history_user_value(p.first_assignee, p.first_assignee_name)::text,
        auth.history_user_value(p.assignee, p.assignee_name)::text, FALSE, p.t_reassign
    WHERE p.t_reassign IS NOT NULL
    UNION ALL
    SELECT p.n * {{history_slots}} + 6, p.assignee, auth.history_status_action('IN_PROGRESS'),
        'status', '"OPEN"', '"IN_PROGRESS"', FALSE, p.t_progress
    WHERE p.t_progress IS NOT NULL
    UNION ALL
    SELECT p.n * {{history_slots}} + 7, p.assignee, auth.history_status_action('PENDING_INFO'),
        'status', '"IN_PROGRESS"', '"PENDING_INFO"', FALSE, p.t_pending
    WHERE p.t_pending IS NOT NULL
    UNION ALL
    SELECT p.n * {{history_slots}} + 8, p.assignee, auth.history_status_action('IN_PROGRESS'),
        'status', '"PENDING_INFO"', '"IN_PROGRESS"', FALSE, p.t_pending_back
    WHERE p.t_pending_back IS NOT NULL
    UNION ALL
    SELECT p.n * {{history_slots}} + 9, p.assignee, auth.history_status_action('RESOLVED'),
        'status', to_jsonb(p.resolve_from)::text, '"RESOLVED"', FALSE, p.t_resolve1
    WHERE p.t_resolve1 IS NOT NULL
    UNION ALL
    SELECT p.n * {{history_slots}} + 10, p.assignee, 'FIELD_UPDATED', 'resolution_notes', 'null',
        to_jsonb(p.resolution_notes)::text, FALSE, p.t_resolve1 + interval '1 millisecond'
    WHERE p.t_resolve1 IS NOT NULL
    UNION ALL
    SELECT p.n * {{history_slots}} + 11, p.requestor, auth.history_status_action('REOPENED'),
        'status', '"RESOLVED"', '"REOPENED"', FALSE, p.t_reopen
    WHERE p.t_reopen IS NOT NULL
    UNION ALL
    SELECT p.n * {{history_slots}} + 12, p.assignee, auth.history_status_action('IN_PROGRESS'),
        'status', '"REOPENED"', '"IN_PROGRESS"', FALSE, p.t_reprogress
    WHERE p.t_reprogress IS NOT NULL
    UNION ALL
    SELECT p.n * {{history_slots}} + 13, p.assignee, auth.history_status_action('RESOLVED'),
        'status', '"IN_PROGRESS"', '"RESOLVED"', FALSE, p.t_resolve2
    WHERE p.t_resolve2 IS NOT NULL
    UNION ALL
    SELECT p.n * {{history_slots}} + 14, p.closer, auth.history_status_action('CLOSED'),
        'status', '"RESOLVED"', '"CLOSED"', FALSE, p.closed_at
    WHERE p.closed_at IS NOT NULL
    UNION ALL
    SELECT p.n * {{history_slots}} + 15, p.assignee, auth.history_status_action('ESCALATED'),
        'status', to_jsonb(p.status_before_escalation)::text, '"ESCALATED"', FALSE, p.t_escalate
    WHERE p.t_escalate IS NOT NULL
    UNION ALL
    (SELECT c.n * {{history_slots}} + 16 + c.j, c.user_id, 'COMMENT_ADDED', NULL, NULL,
         auth.history_comment_value(c.id, c.is_internal)::text, c.is_internal, c.created_at
     FROM syn_comments c WHERE c.n = p.n AND p.ncomments > 0)
    UNION ALL
    SELECT a.n * {{history_slots}} + 240 + a.a, a.uploaded_by, 'ATTACHMENT_ADDED', NULL, NULL,
        auth.history_attachment_value(a.id, a.file_name, a.file_size, NULL)::text, FALSE,
        a.uploaded_at
    FROM syn_attach a
    WHERE a.n = p.n AND p.nattach > 0
) e
