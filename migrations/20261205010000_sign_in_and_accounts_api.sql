-- Sign-in, sessions, two-factor, account administration and the SLA sweep join the API schema
-- (issue 13): the desktop login executes functions of `api` and nothing else. Moved with their
-- owner and privileges; their current definitions live under sql/ (sql/auth/sign_in.sql,
-- sql/auth/email_verification.sql, sql/api/sessions.sql, sql/api/mfa.sql,
-- sql/api/accounts.sql, sql/sla/sweep.sql).
CREATE SCHEMA IF NOT EXISTS api;
ALTER FUNCTION public.sign_in_start(text) SET SCHEMA api;
ALTER FUNCTION public.sign_in_check(uuid, bytea, text, text) SET SCHEMA api;
ALTER FUNCTION public.sign_in_complete(uuid) SET SCHEMA api;
ALTER FUNCTION public.refresh_session(text) SET SCHEMA api;
ALTER FUNCTION public.act_as(text) SET SCHEMA api;
ALTER FUNCTION public.sign_out() SET SCHEMA api;
ALTER FUNCTION public.mfa_status() SET SCHEMA api;
ALTER FUNCTION public.mfa_enrol_begin(bytea) SET SCHEMA api;
ALTER FUNCTION public.mfa_enrol_confirm(text) SET SCHEMA api;
ALTER FUNCTION public.mfa_disable(text) SET SCHEMA api;
ALTER FUNCTION public.admin_list_accounts() SET SCHEMA api;
ALTER FUNCTION public.admin_create_user(text, text, text, text, text, text, text) SET SCHEMA api;
ALTER FUNCTION public.admin_update_user(uuid, text, text, boolean) SET SCHEMA api;
ALTER FUNCTION public.admin_unlock(uuid) SET SCHEMA api;
ALTER FUNCTION public.password_reset_issue(uuid) SET SCHEMA api;
ALTER FUNCTION public.password_reset_complete(text, text) SET SCHEMA api;
ALTER FUNCTION public.email_verification_issue(uuid) SET SCHEMA api;
ALTER FUNCTION public.email_verify(text) SET SCHEMA api;
ALTER FUNCTION public.sla_sweep(integer) SET SCHEMA api;
