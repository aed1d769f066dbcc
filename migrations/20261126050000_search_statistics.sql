-- Statistics for the stored search_vector (issue 7). Adding the column rewrote the table, which
-- does not prompt autovacuum to analyze it, so until enough rows changed the planner had no
-- word frequencies and took every word for a rare one (0.5 % of tickets). At 1,000,000 tickets
-- "disk" (15 %) among open P1/P2 work then went through the full-text index and sorted 2,031
-- matches (155 ms) where walking the newest tickets finds a page in a few milliseconds.
-- ANALYZE reads a sample (30,000 rows), so it is quick at any size.
ANALYZE tickets (search_vector);
