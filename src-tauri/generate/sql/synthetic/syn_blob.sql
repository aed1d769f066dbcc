-- The session's syn_blob: the attachment files, deterministic log excerpts (the same files on
-- every run), each under 1 MiB so that it is stored in one chunk.
CREATE TEMP TABLE syn_blob AS
SELECT d.i, encode(sha256(d.data), 'hex')::varchar(64) AS file_hash,
       length(d.data)::bigint AS file_size, d.data,
       (ARRAY['app.log', 'error.log', 'trace.txt', 'config.yaml', 'dump.json',
              'output.txt', 'journal.log', 'nginx-access.log'])[1 + d.i % 8] AS file_name,
       (ARRAY['text/plain', 'text/plain', 'text/plain', 'application/yaml',
              'application/json', 'text/plain', 'text/plain', 'text/plain'])[1 + d.i % 8]
           AS file_type
FROM (SELECT i, convert_to(string_agg(format('%s host-%s %s pid=%s %s',
                 to_char(timestamp '2026-01-01' + (i * 1000 + l) * interval '1 second',
                         'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                 i % 40, (ARRAY['INFO', 'WARN', 'ERROR', 'DEBUG'])[1 + (i + l) % 4],
                 1000 + (i * 7 + l) % 30000, md5(i || ':' || l)), E'\n' ORDER BY l),
                 'UTF8') AS data
      FROM generate_series(1, {{blob_count}}) AS i
      CROSS JOIN LATERAL generate_series(1, 5 + (i * 37) % 200) AS l
      GROUP BY i) d
