-- How many synthetic tickets there are (ids $1..$2) and the highest id: a rerun continues
-- after it.
SELECT count(*), (SELECT id FROM tickets WHERE id BETWEEN $1 AND $2
                  ORDER BY id DESC LIMIT 1)
FROM tickets WHERE id BETWEEN $1 AND $2
