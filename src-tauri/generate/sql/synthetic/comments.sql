-- The batch's comments, from their plan (comment_plan.sql): an opener, then Zipf-distributed
-- phrases. $1 vocabulary, $2 now, $3 phrases.
{{vocabulary}}
INSERT INTO comments (id, ticket_id, user_id, content, is_internal, created_at, updated_at,
                      edited, edit_count)
SELECT c.id, c.ticket_id, c.user_id,
    ({{openers}})[c.opener] || ' ' || rtrim({{words}}, '.') || '.',
    c.is_internal, c.created_at,
    CASE WHEN c.edited THEN least($2::timestamptz, c.created_at + random() * interval '2 hours')
         ELSE c.created_at END,
    c.edited, c.edited::int
FROM (SELECT * FROM syn_comments ORDER BY n, j) c CROSS JOIN v
