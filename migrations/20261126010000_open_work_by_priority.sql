-- The open work by priority (issue 7): `status IN (...)` ORDER BY priority, newest first. With
-- the seed's indexes PostgreSQL read every matching ticket (72,655 OPEN/IN_PROGRESS rows at
-- 1,000,000 tickets) and sorted them for each page: ~600 ms. This index holds the tickets not
-- yet closed (~15 % of them) in the page's order, so a page reads about its own rows.
-- A filter on any statuses but CLOSED implies its predicate. PostgreSQL proves that from the
-- filter's values, so only a plan made with them (a custom plan) can use the index; a generic
-- plan would sort the whole status instead, costs hundreds of times more and is not chosen.
CREATE INDEX idx_tickets_not_closed_priority
    ON tickets (priority, created_at DESC, id DESC) WHERE status <> 'CLOSED';
