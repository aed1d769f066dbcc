-- Who may take part in the synthetic tickets: the active users among $1 (the demo and
-- synthetic ids), with role and display name.
SELECT id, role::text, first_name || ' ' || last_name FROM users
WHERE id = ANY($1) AND is_active ORDER BY username
