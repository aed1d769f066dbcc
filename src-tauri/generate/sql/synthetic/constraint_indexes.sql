-- The primary-key and unique indexes of the tables $1 (the bulk tables), by table and name.
SELECT c.relname::text, i.relname::text
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
WHERE ns.nspname = 'public' AND c.relname = ANY($1)
  AND EXISTS (SELECT 1 FROM pg_constraint k
              WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)
ORDER BY c.relname, i.relname
