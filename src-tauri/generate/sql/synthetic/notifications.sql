-- About one in-app notification per ticket, as the delivery triggers would have written it:
-- the requestor hears their ticket was resolved, or else the engineer hears it was assigned to
-- them (nobody hears of their own action). Old ones are read. $1: now.
INSERT INTO notifications (id, user_id, ticket_id, type, channel, subject, message,
                           status, delivered_at, read_at, created_at, priority)
SELECT {{notification_id}}, x.user_id, x.ticket_id, x.type, 'IN_APP', x.subject, x.message,
    CASE WHEN x.read THEN 'READ' ELSE 'DELIVERED' END,
    x.delivered_at,
    CASE WHEN x.read THEN least($1::timestamptz, x.delivered_at + x.r_read * interval '2 days') END,
    x.at,
    CASE x.priority WHEN 'P1_CRITICAL' THEN 'URGENT' WHEN 'P2_HIGH' THEN 'HIGH'
                    WHEN 'P3_MEDIUM' THEN 'NORMAL' ELSE 'LOW' END
FROM (
    SELECT y.*,
        least($1::timestamptz, y.at + (1 + y.r_notify * 59) * interval '1 second') AS delivered_at,
        CASE WHEN y.at < $1::timestamptz - interval '14 days' THEN y.r_read < 0.97
             ELSE y.r_read < 0.5 END AS read
    FROM (
        SELECT p.n, p.id AS ticket_id, p.r_notify, p.r_read,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee THEN 'STATUS_CHANGED'
                 WHEN p.t_assign IS NOT NULL AND NOT p.pre_assigned
                      AND p.triager <> p.first_assignee THEN 'TICKET_ASSIGNED' END AS type,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee THEN p.requestor
                 ELSE p.first_assignee END AS user_id,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee
                 THEN p.ticket_number || ' is now RESOLVED'
                 ELSE p.ticket_number || ' assigned to you' END AS subject,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee
                 THEN p.assignee_name || ' moved it from ' || p.resolve_from || ' to RESOLVED: '
                      || p.title
                 ELSE p.triager_name || ' assigned you: ' || p.title END AS message,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee THEN p.t_resolve1
                 ELSE p.t_assign END AS at,
            CASE WHEN p.t_resolve1 IS NOT NULL AND p.requestor <> p.assignee THEN p.priority
                 ELSE p.priority0 END AS priority
        FROM syn_plan p
        OFFSET 0
    ) y
    WHERE y.type IS NOT NULL
) x
ORDER BY x.n
