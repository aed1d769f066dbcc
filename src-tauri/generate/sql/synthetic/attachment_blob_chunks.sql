-- The attachment files' contents, one chunk each (see attachment_blobs.sql).
INSERT INTO attachment_blob_chunks (file_hash, seq, data)
SELECT file_hash, 0, data FROM syn_blob ON CONFLICT DO NOTHING
