-- The attachment files (syn_blob.sql), stored once each as the server stores sealed uploads,
-- long before the tickets ($1: now).
INSERT INTO attachment_blobs (file_hash, file_size, chunk_count, created_at)
SELECT file_hash, file_size, 1, $1::timestamptz - interval '1100 days' FROM syn_blob
ON CONFLICT DO NOTHING
