-- The valid non-constraint indexes of the tables $1 (the bulk tables) with their definitions:
-- those a migration made are dropped for a large load.
SELECT c.relname::text, i.relname::text, pg_get_indexdef(x.indexrelid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
WHERE ns.nspname = 'public' AND c.relname = ANY($1) AND x.indisvalid
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
ORDER BY c.relname, i.relname
