-- The definition of the public index $1 as it is now, to compare with the one dropped.
SELECT pg_get_indexdef(i.oid) FROM pg_class i
WHERE i.relname = $1 AND i.relnamespace = 'public'::regnamespace
