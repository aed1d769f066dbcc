-- The batch's attachments, from their plan (attachment_plan.sql), stored as the server stores
-- sealed uploads (postgres:attachment_blobs/<hash>).
INSERT INTO attachments (id, file_name, file_type, file_size, file_path, file_hash, ticket_id,
    comment_id, uploaded_by, uploaded_at, storage_provider, is_deleted)
SELECT a.id, b.file_name, b.file_type, b.file_size, 'postgres:attachment_blobs/' || b.file_hash,
    b.file_hash, a.ticket_id, NULL, a.uploaded_by, a.uploaded_at, 'postgres', FALSE
FROM syn_attach a JOIN syn_blob b ON b.i = a.blob
ORDER BY a.n, a.a
