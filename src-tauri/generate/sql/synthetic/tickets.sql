-- The batch's tickets, from their plan (plan.sql).
INSERT INTO tickets (id, ticket_number, title, description, category, priority, status,
    requestor_id, assignee_id, created_at, updated_at, resolved_at, closed_at, due_date, tags,
    estimated_hours, resolution_notes, sla_policy_id, sla_breach, sla_breach_time, environment,
    affected_services, impact_level, version, reopen_count, status_before_escalation)
SELECT id, ticket_number, title, description, category, priority, status, requestor, assignee,
    created_at, updated_at, resolved_at, closed_at, due_date, tags, estimated_hours,
    resolution_notes, sla_policy_id, sla_breach, sla_breach_time, environment, affected_services,
    impact_level, version, reopen_count, status_before_escalation
FROM syn_plan
