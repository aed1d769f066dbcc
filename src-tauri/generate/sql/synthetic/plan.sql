-- Plans one batch of tickets ($2..=$3) into syn_plan: who, what, when, and the lifecycle each
-- went through. Parameters: $1 vocabulary, $4 the run's first n, $5 the run's size, $6 the
-- ticket number of the run's first ticket, $7 now, $8 requestors (end users), $9/$10 engineers
-- and names (weighted), $11/$12 leads and names, $13 phrases.
--
-- Each stage is a subquery fenced with OFFSET 0: flattened, PostgreSQL would recompute a
-- stage's expressions at every reference (the status alone is referenced dozens of times).
--
-- Shapes: created_at over three years with density growing 3× towards now; the chance of
-- still being open falls from ~75 % for new tickets to 13.5 % for old ones (~85 % closed
-- overall); resolution times log-normal around a median per priority; comments per ticket
-- exponential × uniform (mean ~4.7, up to MAX_COMMENTS).
--
-- The double-brace placeholders are filled in by plan_sql() in synthetic.rs: the id, the word lists,
-- and the conditions on who works the ticket, which nest in each other.
{{vocabulary}}
INSERT INTO syn_plan (n, id, ticket_number, created_at, status, priority0, priority, category,
    requestor, requestor_staff, assignee, assignee_name, first_assignee, first_assignee_name,
    lead, triager, triager_name, closer, pre_assigned, resolve_from, status_before_escalation,
    t_assign, t_prio, t_reassign, t_progress, t_pending, t_pending_back, t_escalate, t_resolve1,
    t_reopen, t_reprogress, t_resolve2, resolved_at, closed_at, updated_at, comments_until,
    title, description, environment, tags, affected_services, impact_level, estimated_hours,
    resolution_notes, sla_policy_id, due_date, sla_breach, sla_breach_time, version,
    reopen_count, ncomments, nattach, r_notify, r_read)
SELECT f.n, {{ticket_id}},
    'TKT-' || to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY') || '-'
        || lpad(f.num::text, greatest(5, length(f.num::text)), '0'),
    f.created_at, f.status, f.priority0, f.priority, f.category,
    f.requestor, f.staff, f.assignee, f.assignee_name, f.first_assignee, f.first_assignee_name,
    f.lead,
    CASE WHEN f.t_assign IS NULL THEN NULL WHEN f.pre THEN f.requestor
         WHEN f.self_take THEN f.first_assignee ELSE f.lead END,
    CASE WHEN f.t_assign IS NULL OR f.pre THEN NULL
         WHEN f.self_take THEN f.first_assignee_name ELSE f.lead_name END,
    CASE WHEN f.status = 'CLOSED' THEN
         CASE WHEN f.r_closer < 0.65 THEN f.requestor ELSE f.lead END END,
    f.pre,
    CASE WHEN f.t_resolve1 IS NOT NULL THEN
         CASE WHEN f.via_progress THEN 'IN_PROGRESS' ELSE 'OPEN' END END,
    f.esc_from,
    f.t_assign, f.t_prio, f.t_reassign, f.t_progress, f.t_pending, f.t_pending_back,
    f.t_escalate, f.t_resolve1, f.t_reopen, f.t_reprogress, f.t_resolve2, f.resolved_at,
    f.closed_at,
    greatest(f.created_at, f.t_assign, f.t_prio, f.t_reassign, f.t_progress, f.t_pending,
             f.t_pending_back, f.t_escalate, f.t_resolve1, f.t_reopen, f.t_reprogress,
             f.t_resolve2, f.closed_at),
    coalesce(f.closed_at, f.resolved_at, $7::timestamptz),
    upper(left(x.title, 1)) || substr(x.title, 2),
    'Seen on ' || f.host || coalesce(' (' || f.environment || ')', '') || '. '
        || upper(left(x.topic, 1)) || substr(x.topic, 2) || ': ' || rtrim(x.words, '.') || '.',
    f.environment,
    CASE WHEN f.r_tag < 0.5 THEN ARRAY[lower(split_part(f.category, '_', 1)), f.host]
         WHEN f.r_tag < 0.85 THEN ARRAY[lower(split_part(f.category, '_', 1))]
         ELSE ARRAY[lower(split_part(f.category, '_', 1)), f.host,
                    (ARRAY['customer-impact', 'recurring', 'follow-up', 'automation',
                           'quick-win'])[1 + floor(f.r_tag2 * 5)::int]] END,
    CASE WHEN f.r_svc < 0.6 THEN NULL
         WHEN f.r_svc < 0.9 THEN ARRAY[({{services}})[1 + floor(f.r_svc2 * 12)::int]]
         ELSE ARRAY[({{services}})[1 + floor(f.r_svc2 * 12)::int],
                    ({{services}})[1 + (1 + floor(f.r_svc2 * 12)::int) % 12]] END,
    CASE WHEN f.r_imp >= 0.5 THEN
         CASE f.priority0 WHEN 'P1_CRITICAL' THEN 'CRITICAL' WHEN 'P2_HIGH' THEN 'HIGH'
                          WHEN 'P3_MEDIUM' THEN 'MEDIUM' ELSE 'LOW' END END,
    CASE WHEN f.r_est < 0.3 THEN round((0.5 + f.r_est * 100)::numeric, 2) END,
    CASE WHEN f.t_resolve1 IS NOT NULL THEN ({{notes}})[1 + floor(f.r_notes * 16)::int] END,
    s.policy_id,
    f.created_at + s.wall_minutes * interval '1 minute',
    coalesce(coalesce(f.resolved_at, $7::timestamptz)
             > f.created_at + s.wall_minutes * interval '1 minute', FALSE),
    CASE WHEN coalesce(coalesce(f.resolved_at, $7::timestamptz)
                       > f.created_at + s.wall_minutes * interval '1 minute', FALSE)
         THEN f.created_at + s.wall_minutes * interval '1 minute' END,
    1 + (f.t_assign IS NOT NULL AND NOT f.pre)::int + (f.t_prio IS NOT NULL)::int
      + (f.t_reassign IS NOT NULL)::int + (f.t_progress IS NOT NULL)::int
      + (f.t_pending IS NOT NULL)::int + (f.t_pending_back IS NOT NULL)::int
      + (f.t_escalate IS NOT NULL)::int + (f.t_resolve1 IS NOT NULL)::int
      + (f.t_reopen IS NOT NULL)::int + (f.t_reprogress IS NOT NULL)::int
      + (f.t_resolve2 IS NOT NULL)::int + (f.closed_at IS NOT NULL)::int,
    (f.t_reopen IS NOT NULL)::int,
    f.ncomments, f.nattach, f.r_notify, f.r_read
FROM (
    -- times of each step of the lifecycle (NULL: the ticket did not go through it)
    SELECT d.*,
        CASE WHEN d.status = 'NEW' THEN NULL WHEN d.pre THEN d.created_at
             ELSE d.created_at + (0.08 * d.life) * interval '1 second' END AS t_assign,
        CASE WHEN d.prio_changed
             THEN d.created_at + (0.1 * d.life) * interval '1 second' END AS t_prio,
        CASE WHEN d.reassigned
             THEN d.created_at + (0.2 * d.life) * interval '1 second' END AS t_reassign,
        CASE WHEN d.via_progress
             THEN d.created_at + (0.3 * d.life) * interval '1 second' END AS t_progress,
        CASE WHEN d.status = 'PENDING_INFO'
             THEN d.created_at + (1.0 * d.life) * interval '1 second'
             WHEN d.pending_final THEN d.created_at + (0.6 * d.life) * interval '1 second'
             WHEN d.pending_cycle THEN d.created_at + (0.45 * d.life) * interval '1 second'
             END AS t_pending,
        CASE WHEN d.pending_cycle
             THEN d.created_at + (0.6 * d.life) * interval '1 second' END AS t_pending_back,
        CASE WHEN d.status = 'ESCALATED'
             THEN d.created_at + (1.0 * d.life) * interval '1 second' END AS t_escalate,
        CASE WHEN d.reopen_cycle THEN d.created_at + (0.7 * d.life) * interval '1 second'
             WHEN d.status = 'REOPENED' THEN d.created_at + (0.75 * d.life) * interval '1 second'
             WHEN d.status IN ('RESOLVED', 'CLOSED')
             THEN d.created_at + (1.0 * d.life) * interval '1 second' END AS t_resolve1,
        CASE WHEN d.reopen_cycle THEN d.created_at + (0.8 * d.life) * interval '1 second'
             WHEN d.status = 'REOPENED'
             THEN d.created_at + (1.0 * d.life) * interval '1 second' END AS t_reopen,
        CASE WHEN d.reopen_cycle
             THEN d.created_at + (0.85 * d.life) * interval '1 second' END AS t_reprogress,
        CASE WHEN d.reopen_cycle
             THEN d.created_at + (1.0 * d.life) * interval '1 second' END AS t_resolve2,
        CASE WHEN d.status IN ('RESOLVED', 'CLOSED')
             THEN d.created_at + (1.0 * d.life) * interval '1 second' END AS resolved_at,
        CASE WHEN d.status = 'CLOSED' THEN d.created_at + (1.0 * d.life) * interval '1 second'
             + least((3600 - ln(1 - d.r_close) * 172800) * interval '1 second',
                     ($7::timestamptz - (d.created_at + (1.0 * d.life) * interval '1 second'))
                     * 0.9) END AS closed_at
    FROM (
        -- people and the path through the workflow
        SELECT c.*,
            CASE WHEN c.staff THEN ($9::uuid[])[c.st_k] ELSE ($8::uuid[])[c.eu_k] END AS requestor,
            {{pre}} AS pre,
            {{reassigned}} AS reassigned,
            ($9::uuid[])[{{assignee_k}}] AS assignee,
            ($10::text[])[{{assignee_k}}] AS assignee_name,
            ($9::uuid[])[{{first_k}}] AS first_assignee,
            ($10::text[])[{{first_k}}] AS first_assignee_name,
            ($11::uuid[])[c.lead_k] AS lead,
            ($12::text[])[c.lead_k] AS lead_name,
            c.r_self < 0.4 AS self_take,
            CASE WHEN c.status = 'ESCALATED' THEN c.esc_pick END AS esc_from,
            CASE c.status WHEN 'IN_PROGRESS' THEN TRUE WHEN 'PENDING_INFO' THEN TRUE
                WHEN 'ESCALATED' THEN c.esc_pick <> 'OPEN' WHEN 'OPEN' THEN FALSE WHEN 'NEW' THEN FALSE
                ELSE c.r_prog < 0.65 END AS via_progress,
            (CASE c.status WHEN 'IN_PROGRESS' THEN TRUE WHEN 'PENDING_INFO' THEN TRUE
                WHEN 'ESCALATED' THEN c.esc_pick <> 'OPEN' WHEN 'OPEN' THEN FALSE WHEN 'NEW' THEN FALSE
                ELSE c.r_prog < 0.65 END) AND c.status IN ('IN_PROGRESS', 'RESOLVED', 'CLOSED', 'REOPENED')
                AND c.r_pend < 0.15 AS pending_cycle,
            (c.status = 'PENDING_INFO' OR (c.status = 'ESCALATED' AND c.esc_pick = 'PENDING_INFO'))
                AS pending_final,
            (c.status = 'CLOSED' AND c.r_reopen < 0.04) AS reopen_cycle,
            {{prio_changed}} AS prio_changed,
            CASE WHEN {{prio_changed}} THEN
                 CASE c.priority0 WHEN 'P4_LOW' THEN 'P3_MEDIUM' WHEN 'P3_MEDIUM' THEN 'P2_HIGH'
                                  WHEN 'P2_HIGH' THEN 'P1_CRITICAL' ELSE 'P2_HIGH' END
                 ELSE c.priority0 END AS priority,
            CASE WHEN c.status IN ('RESOLVED', 'CLOSED', 'REOPENED')
                 THEN least(CASE c.priority0 WHEN 'P1_CRITICAL' THEN 7200::float8
                                 WHEN 'P2_HIGH' THEN 28800::float8 WHEN 'P3_MEDIUM' THEN 108000::float8
                                 ELSE 360000::float8 END
                            * exp(0.9 * sqrt(-2 * ln(1 - c.r_ln1)) * cos(2 * pi() * c.r_ln2)),
                            10368000::float8, 0.85 * c.age)
                 ELSE c.age * (0.1 + 0.8 * c.r_life) END AS life,
            (CASE WHEN c.status = 'NEW' THEN floor(-ln(1 - c.r_nc1))
                  ELSE least({{max_comments}}, floor(-ln(1 - c.r_nc1) * 5.2 * (0.4 + 1.2 * c.r_nc2)))
                  END)::int AS ncomments,
            (c.r_att < 0.03)::int AS nattach
        FROM (
            -- status, priority, category
            SELECT b.*,
                date_part('epoch', $7::timestamptz - b.created_at) AS age,
                CASE WHEN b.r_status >= least(0.9, 0.135 + 0.6 * exp(
                              -date_part('epoch', $7::timestamptz - b.created_at) / 1728000))
                     THEN 'CLOSED'
                     WHEN b.r_kind < 0.12 THEN 'NEW' WHEN b.r_kind < 0.30 THEN 'OPEN'
                     WHEN b.r_kind < 0.60 THEN 'IN_PROGRESS' WHEN b.r_kind < 0.74 THEN 'PENDING_INFO'
                     WHEN b.r_kind < 0.89 THEN 'RESOLVED' WHEN b.r_kind < 0.93 THEN 'REOPENED'
                     ELSE 'ESCALATED' END AS status,
                CASE WHEN b.r_prio < 0.03 THEN 'P1_CRITICAL' WHEN b.r_prio < 0.18 THEN 'P2_HIGH'
                     WHEN b.r_prio < 0.68 THEN 'P3_MEDIUM' ELSE 'P4_LOW' END AS priority0,
                CASE WHEN b.r_cat < 0.12 THEN 'VM_ISSUE' WHEN b.r_cat < 0.27 THEN 'NETWORK_ISSUE'
                     WHEN b.r_cat < 0.37 THEN 'STORAGE_ISSUE' WHEN b.r_cat < 0.49 THEN 'DATABASE_ISSUE'
                     WHEN b.r_cat < 0.57 THEN 'SECURITY_ISSUE' WHEN b.r_cat < 0.71 THEN 'ACCESS_REQUEST'
                     WHEN b.r_cat < 0.83 THEN 'INFRASTRUCTURE' WHEN b.r_cat < 0.95 THEN 'MONITORING_ALERT'
                     ELSE 'OTHER' END AS category,
                b.r_staff >= 0.78 AS staff,
                CASE WHEN b.r_esc < 0.3 THEN 'OPEN' WHEN b.r_esc < 0.85 THEN 'IN_PROGRESS'
                     ELSE 'PENDING_INFO' END AS esc_pick,
                CASE WHEN b.r_env < 0.55 THEN 'Production' WHEN b.r_env < 0.75 THEN 'Staging'
                     WHEN b.r_env < 0.9 THEN 'Development' END AS environment
            FROM (
                -- the draws, once per ticket
                SELECT g.n,
                    $6::int8 + (g.n - $4::int8) AS num,
                    $7::timestamptz
                        - (1 - (sqrt(1 + 8 * (((g.n - $4::int8)::float8 + 0.5) / $5::float8)) - 1) / 2)
                          * interval '1095 days'
                        - interval '5 minutes' - random() * interval '1 minute' AS created_at,
                    random() AS r_status, random() AS r_kind, random() AS r_prio, random() AS r_cat,
                    random() AS r_staff, random() AS r_pre, random() AS r_prog, random() AS r_pend,
                    random() AS r_reopen, random() AS r_reassign, random() AS r_pc, random() AS r_self,
                    random() AS r_esc, random() AS r_life, random() AS r_ln1, random() AS r_ln2,
                    random() AS r_close, random() AS r_closer, random() AS r_env, random() AS r_topic,
                    random() AS r_tpos, random() AS r_on, random() AS r_notes, random() AS r_tag,
                    random() AS r_tag2, random() AS r_svc, random() AS r_svc2, random() AS r_imp,
                    random() AS r_est, random() AS r_nc1, random() AS r_nc2, random() AS r_att,
                    random() AS r_notify, random() AS r_read,
                    3 + floor(random() * 5)::int AS title_words,
                    7 + floor(random() * 21)::int AS desc_phrases,
                    ({{hosts}})[1 + floor(random() * {{host_count}})::int] || '-'
                        || lpad((1 + floor(random() * 40))::int::text, 2, '0') AS host,
                    1 + floor(random() ^ 2 * cardinality($8::uuid[]))::int AS eu_k,
                    1 + floor(random() ^ 2 * cardinality($9::uuid[]))::int AS st_k,
                    1 + floor(random() * cardinality($9::uuid[]))::int AS as_k,
                    1 + floor(random() * cardinality($9::uuid[]))::int AS first_k,
                    1 + floor(random() * cardinality($11::uuid[]))::int AS lead_k
                FROM generate_series($2::int8, $3::int8) AS g(n)
            ) b
            OFFSET 0
        ) c
        OFFSET 0
    ) d
    OFFSET 0
) f
CROSS JOIN v
-- the words, drawn once per ticket (a subquery with volatile output is not flattened)
CROSS JOIN LATERAL (
    SELECT t.topic,
           CASE WHEN f.r_tpos < 0.6 THEN t.topic || ' ' || {{title_words}}
                ELSE {{title_words}} || ' ' || t.topic END
             || CASE WHEN f.r_on < 0.4 THEN ' on ' || f.host ELSE '' END AS title,
           {{description_words}} AS words
    FROM (SELECT CASE f.category {{topics}} END AS topic) t
) x
LEFT JOIN syn_sla s ON s.priority = f.priority0 AND s.category = f.category
