-- The session's syn_sla: per (priority, category), the policy ticket creation picks
-- (category-specific first) and its resolution time in wall-clock minutes. Business-hours
-- policies count (end - start) hours on 5 or 7 days a week, so 1,440 business minutes at 9–17
-- on weekdays are 4.2 days.
CREATE TEMP TABLE syn_sla AS
SELECT p.priority::varchar AS priority, c.category::varchar AS category,
       pol.id AS policy_id,
       (CASE WHEN pol.business_hours_only
             THEN pol.resolution_time_minutes * 10080.0
                  / (greatest(1, coalesce(pol.business_end_hour, 17)
                                 - coalesce(pol.business_start_hour, 9)) * 60
                     * CASE WHEN pol.include_weekends THEN 7 ELSE 5 END)
             ELSE pol.resolution_time_minutes END)::float8 AS wall_minutes
FROM unnest(ARRAY['P1_CRITICAL', 'P2_HIGH', 'P3_MEDIUM', 'P4_LOW']) AS p(priority)
CROSS JOIN unnest({{categories}}) AS c(category)
LEFT JOIN LATERAL (SELECT * FROM sla_policies sp
                   WHERE sp.is_active AND sp.priority = p.priority
                     AND (sp.category = c.category OR sp.category IS NULL)
                   ORDER BY sp.category NULLS LAST, sp.effective_from DESC LIMIT 1) pol
       ON TRUE
