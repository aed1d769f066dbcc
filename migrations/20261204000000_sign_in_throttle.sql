-- Sign-in throttling (issue 13): an attempt made while its account is throttled is recorded as
-- such at sign_in_start, committed, and can never sign in, whatever key follows. The functions
-- that use it live in sql/auth/sign_in.sql.
ALTER TABLE auth.sign_in_attempts ADD COLUMN throttled boolean NOT NULL DEFAULT FALSE;
