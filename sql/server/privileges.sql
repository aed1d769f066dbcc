-- What the desktop and worker logins may touch directly, stated once and applied last (issue
-- 13): no table, sequence or view of ours, only EXECUTE on the API's functions. With any table
-- privilege, PostgreSQL's planner (EXPLAIN ANALYZE's "Rows Removed by Filter"), statistics,
-- locks and error messages become channels around row-level security (holes 1, 4, 9, 12); the
-- files under sql/api/ say, table by table, what each function returns instead.
--   * escalations: any engineer could insert one naming any recipient and sender (and the
--     notification trigger made it a native popup on the victim's desktop) or rewrite any
--     escalation; escalations are the server's to start and route (issue 15).
--   * users: email addresses, phone numbers and last sign-in times were a staff directory any
--     requestor could harvest; api.active_users() returns names, roles and departments.
REVOKE ALL ON ALL TABLES IN SCHEMA public, auth FROM ticketdesk_desktop, ticketdesk_worker;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public, auth FROM ticketdesk_desktop, ticketdesk_worker;

-- Functions outside the API are the server's own: the tables' triggers and policies, their
-- helpers, pgcrypto's functions. They run inside API functions, as ticketdesk_definer, so
-- neither the desktop nor the worker executes any of them (some were executable by PUBLIC, as
-- every new function is by default; pgcrypto's always were).
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public, auth FROM PUBLIC, ticketdesk_desktop, ticketdesk_worker;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public, auth TO ticketdesk_definer;
