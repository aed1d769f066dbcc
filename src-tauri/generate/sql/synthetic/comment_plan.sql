-- Who wrote each comment of the batch and when, into syn_comments. $1: engineers (any of them
-- chimes in now and then). A comment is the requestor's 40 % of the time (70 % while nobody is
-- assigned), then the assignee's; a staff member's may be internal.
INSERT INTO syn_comments (n, j, id, ticket_id, user_id, is_internal, created_at, nphrases,
                          opener, edited)
SELECT x.n, x.j, {{comment_id}}, x.ticket_id,
    CASE WHEN (x.r_author < 0.4 OR (x.assignee IS NULL AND x.r_author < 0.7)) THEN x.requestor
         WHEN x.assignee IS NOT NULL AND x.r_author < 0.85 THEN x.assignee ELSE x.other END,
    (NOT (x.r_author < 0.4 OR (x.assignee IS NULL AND x.r_author < 0.7))
     OR x.requestor_staff) AND x.r_int < 0.2,
    x.created_at + ((x.j - 1 + x.r_t) / x.ncomments) * (x.comments_until - x.created_at),
    1 + floor(x.r_w * x.r_w * 12)::int,
    1 + floor(x.r_op * {{opener_count}})::int,
    x.r_ed < 0.03
FROM (
    SELECT p.n, p.id AS ticket_id, p.requestor, p.requestor_staff, p.assignee, p.created_at,
        p.comments_until, p.ncomments, j.j,
        random() AS r_author, random() AS r_int, random() AS r_t, random() AS r_w,
        random() AS r_op, random() AS r_ed,
        ($1::uuid[])[1 + floor(random() * cardinality($1::uuid[]))::int] AS other
    FROM syn_plan p CROSS JOIN LATERAL generate_series(1, p.ncomments) AS j(j)
    ORDER BY p.n, j.j
) x
