-- Receipts of ticket changes sent from a desktop's offline outbox (issue 16, item 3). A status,
-- priority or assignment change carries the id the desktop gave it; the change function keeps
-- one receipt per (caller, id), so the same change sent again after a lost reply (the COMMIT
-- happened, its answer did not arrive) is answered "already applied" instead of meeting its
-- own version bump as a conflict. Keyed by caller: an id another user used is simply not the
-- caller's, so a guessed or reused id tells nothing. Server-only (schema auth): the desktop
-- reaches it through api.change_applied() and the change functions.
CREATE TABLE auth.change_receipts (
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    change_id  uuid NOT NULL,
    ticket_id  uuid NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, change_id)
);
GRANT ALL ON auth.change_receipts TO ticketdesk_definer;
