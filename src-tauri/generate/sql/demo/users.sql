-- A demo user: $1 id, $2 username, $3 email, $4 password verifier, $5 first and $6 last name,
-- $7 role, $8 department. The upsert also upgrades demo users made before password verifiers
-- existed.
INSERT INTO users (id, username, email, password_hash, first_name, last_name, role,
                   department, is_email_verified)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE)
ON CONFLICT (id) DO UPDATE SET password_hash = EXCLUDED.password_hash
WHERE users.password_hash NOT LIKE '$tdv1$%'
