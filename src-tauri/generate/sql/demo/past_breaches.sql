-- The demo's history is weeks long: what the SLA sweep would have flagged back then is flagged
-- now, rather than all at once at the first start. One script, no parameters.

-- Overdue open tickets breached at their deadline.
UPDATE tickets SET sla_breach = TRUE, sla_breach_time = due_date
WHERE NOT sla_breach AND status NOT IN ('CLOSED', 'RESOLVED') AND due_date <= now();

-- First responses are the engineers' status changes (20 minutes in); a response that came
-- late, or never, was a breach back then too.
UPDATE tickets SET response_breach = TRUE
WHERE NOT response_breach AND response_due_at < coalesce(first_response_at, now());

-- The 80 % warnings that fell in the past went out back then.
UPDATE tickets SET
    resolution_warned_at = CASE WHEN resolution_warn_at <= now() THEN resolution_warn_at END,
    response_warned_at = CASE WHEN response_warn_at <= now() THEN response_warn_at END
WHERE resolution_warn_at <= now() OR response_warn_at <= now();
