-- The batch's attachments (about 3 tickets in 100 have one), into syn_attach: one of the
-- shared files (syn_blob.sql), uploaded by the requestor or the assignee while the ticket was
-- open.
INSERT INTO syn_attach (n, a, id, ticket_id, uploaded_by, uploaded_at, blob, file_name,
                        file_size)
SELECT x.n, 1, {{attachment_id}}, x.id, x.uploaded_by, x.uploaded_at, b.i, b.file_name, b.file_size
FROM (SELECT p.n, p.id,
             CASE WHEN random() < 0.7 OR p.assignee IS NULL THEN p.requestor
                  ELSE p.assignee END AS uploaded_by,
             p.created_at + random() * (p.comments_until - p.created_at) AS uploaded_at,
             1 + floor(random() * {{blob_count}})::int AS blob
      FROM syn_plan p WHERE p.nattach > 0
      OFFSET 0) x
JOIN syn_blob b ON b.i = x.blob
ORDER BY x.n
