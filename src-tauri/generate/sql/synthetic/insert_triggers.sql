-- The insert triggers on the tables $1 (the loaded tables), by table and name: the loader
-- refuses to run when one is not in KNOWN_INSERT_TRIGGERS.
SELECT c.relname::text, t.tgname::text FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace
WHERE NOT t.tgisinternal AND ns.nspname = 'public' AND c.relname = ANY($1)
  AND (t.tgtype & 4) <> 0
ORDER BY 1, 2
