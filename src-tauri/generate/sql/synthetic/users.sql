-- The synthetic users, one array per column ($1 ids ... $8 created, $10 last sign-in), all with
-- the demo password's verifier ($9). A name a real user already has skips that synthetic user.
INSERT INTO users (id, username, email, password_hash, first_name, last_name,
                   phone_number, department, role, is_email_verified, created_at,
                   updated_at, last_login, last_password_change)
SELECT u.id, u.username, u.username || '@example.com', $9, u.first, u.last, u.phone,
       u.department, u.role, TRUE, u.created, u.created, u.last_login, u.created
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::timestamptz[], $10::timestamptz[])
     AS u(id, username, first, last, phone, department, role, created, last_login)
ON CONFLICT DO NOTHING
