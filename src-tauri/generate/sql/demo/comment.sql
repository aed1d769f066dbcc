-- A demo comment: $1 ticket, $2 author, $3 text, $4 internal, $5 when.
INSERT INTO comments (ticket_id, user_id, content, is_internal, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)
