// Unit tests of the UI's pure modules (no browser): the queue's hash and query, the ticket
// timeline, the conflict diff, the workflow button labels and the notification preferences grid.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { detailFor, ticket } from "./helpers/fixtures.mjs";
import { importTs } from "./helpers/ts.mjs";

let q;
let timeline;
let conflict;
let workflow;
before(async () => {
  q = await importTs("src/features/queue/queryState.ts");
  timeline = await importTs("src/features/ticket/timeline.ts");
  conflict = await importTs("src/features/ticket/conflict.ts");
  workflow = await importTs("src/features/ticket/workflow.ts");
});

const filters = (change) => ({ ...q.defaultFilters(), ...change });

test("queue filters: no filters is a bare #/queue and an empty query", () => {
  assert.equal(q.filtersToHash(q.defaultFilters()), "#/queue");
  assert.deepEqual(q.toQueueQuery(q.defaultFilters(), "u-1"), {});
  assert.equal(q.isFiltered(q.defaultFilters()), false);
});

test("queue filters: every field goes into the hash readably and comes back unchanged", () => {
  const all = filters({
    text: "disk full, db",
    statuses: ["OPEN", "IN_PROGRESS"],
    priorities: ["P1_CRITICAL"],
    categories: ["STORAGE_ISSUE", "DATABASE_ISSUE"],
    assignee: "me",
    environment: "Production",
    slaBreached: true,
    sort: "RELEVANCE",
  });
  const hash = q.filtersToHash(all);
  assert.equal(
    hash,
    "#/queue?q=disk%20full%2C%20db&status=OPEN,IN_PROGRESS&priority=P1_CRITICAL&category=STORAGE_ISSUE,DATABASE_ISSUE" +
      "&assignee=me&env=Production&sla=breached&sort=RELEVANCE",
  );
  assert.deepEqual(q.filtersFromHash(hash), all);
  assert.equal(q.isFiltered(all), true);
});

test("queue filters: a hand-edited or foreign hash is cleaned up, never trusted", () => {
  assert.deepEqual(q.filtersFromHash("#/admin?q=x"), q.defaultFilters(), "another view's hash");
  assert.deepEqual(q.filtersFromHash(""), q.defaultFilters());
  const parsed = q.filtersFromHash("#/queue?status=BOGUS,IN_PROGRESS,NEW,NEW&assignee=everyone&sort=SIDEWAYS&q=%20vpn");
  assert.deepEqual(parsed.statuses, ["NEW", "IN_PROGRESS"], "known values only, in canonical order, once");
  assert.equal(parsed.assignee, "anyone");
  assert.equal(parsed.sort, "NEWEST");
  assert.equal(parsed.text, " vpn");
  // Relevance without search text means nothing: it falls back to newest.
  assert.equal(q.filtersFromHash("#/queue?sort=RELEVANCE").sort, "NEWEST");
  assert.equal(q.filtersToHash(filters({ sort: "RELEVANCE" })), "#/queue");
});

test("queue filters: the QueueQuery sends only what narrows or orders", () => {
  assert.deepEqual(
    q.toQueueQuery(
      filters({ text: "  disk ", statuses: ["OPEN"], assignee: "me", environment: "Staging", slaBreached: true, sort: "PRIORITY" }),
      "u-me",
    ),
    { text: "disk", statuses: ["OPEN"], assigneeId: "u-me", environment: "Staging", slaBreached: true, sort: "PRIORITY" },
  );
  assert.deepEqual(q.toQueueQuery(filters({ assignee: "unassigned" }), "u-me"), { unassigned: true });
  assert.deepEqual(q.toQueueQuery(filters({ assignee: "me" }), null), {}, "no user, no 'me'");
  assert.deepEqual(q.toQueueQuery(filters({ sort: "RELEVANCE", text: " " }), "u"), {}, "no relevance without text");
  assert.deepEqual(q.toQueueQuery(filters({ sort: "RELEVANCE", text: "vpn" }), "u"), { text: "vpn", sort: "RELEVANCE" });
});

test("timeline: comments and history merged by time, COMMENT_ADDED rows left out", () => {
  const detail = detailFor(ticket(3));
  const items = timeline.buildTimeline(detail);
  assert.deepEqual(
    items.map((i) => (i.kind === "comment" ? i.comment.id : i.entry.id)),
    ["h1", "c1", "c2", "h2", "h3"],
  );
  const byId = Object.fromEntries(items.filter((i) => i.kind === "history").map((i) => [i.entry.id, i.text]));
  assert.deepEqual(byId.h2, { summary: "Status changed", change: { field: "Status", from: "Open", to: "In progress" } });
  assert.equal(byId.h3.summary, "Assigned to Dora DevOps");
  assert.equal(byId.h1.summary, "Created the ticket");
});

test("timeline: each history action reads as words, from the stored JSON values", () => {
  const row = (action, fieldChanged, oldValue, newValue) => ({ id: "x", actor: null, action, fieldChanged, oldValue, newValue, reason: null, at: "2030-01-01T00:00:00Z" });
  const dora = JSON.stringify({ id: "u-dev", displayName: "Dora DevOps" });
  const tom = JSON.stringify({ id: "u-lead", displayName: "Tom Lead" });
  const d = (r) => timeline.describeHistory(r);
  assert.deepEqual(d(row("REASSIGNED", "assignee_id", dora, tom)), {
    summary: "Reassigned to Tom Lead",
    change: { field: "Assignee", from: "Dora DevOps", to: "Tom Lead" },
  });
  assert.equal(d(row("REASSIGNED", "assignee_id", dora, "null")).summary, "Unassigned Dora DevOps");
  assert.deepEqual(d(row("PRIORITY_CHANGED", "priority", '"P3_MEDIUM"', '"P1_CRITICAL"')).change, {
    field: "Priority",
    from: "P3 Medium",
    to: "P1 Critical",
  });
  assert.equal(d(row("CLOSED", "status", '"RESOLVED"', '"CLOSED"')).summary, "Closed");
  assert.equal(d(row("REOPENED", "status", '"CLOSED"', '"REOPENED"')).change.to, "Reopened");
  assert.equal(d(row("ESCALATED", "status", '"OPEN"', '"ESCALATED"')).summary, "Escalated");
  assert.deepEqual(d(row("FIELD_UPDATED", "environment", '"Staging"', '"Production"')), {
    summary: "Environment updated",
    change: { field: "Environment", from: "Staging", to: "Production" },
  });
  // A pause moved the SLA deadline (sql/sla/pauses.sql writes the times as UTC text).
  assert.deepEqual(d(row("FIELD_UPDATED", "due_date", '"2026-12-07 11:15 UTC"', '"2026-12-07 13:20 UTC"')), {
    summary: "Due date updated",
    change: { field: "Due date", from: "2026-12-07 11:15 UTC", to: "2026-12-07 13:20 UTC" },
  });
  const attached = d(row("ATTACHMENT_ADDED", null, null, JSON.stringify({ attachmentId: "a", fileName: "log.txt", fileSize: 2048, commentId: null })));
  assert.deepEqual(attached, { summary: "Attached log.txt (2.0 KB)", change: null });
});

test("conflict diff: changed fields and everything that happened since, oldest first", () => {
  const mine = detailFor(ticket(3, { status: "IN_PROGRESS", assignee: { id: "u-dev", displayName: "Dora DevOps" } }));
  const now = structuredClone(mine);
  now.ticket = { ...now.ticket, status: "PENDING_INFO", assignee: null };
  now.history.push({ id: "h9", actor: { id: "u-lead", displayName: "Tom Lead" }, action: "STATUS_CHANGED", fieldChanged: "status", oldValue: '"IN_PROGRESS"', newValue: '"PENDING_INFO"', reason: "Waiting for logs", at: "2099-01-01T00:00:01Z" });
  now.comments[0] = { ...now.comments[0], content: "Edited words", editCount: 1, updatedAt: "2099-01-01T00:00:02Z" };
  now.comments.push({ id: "c9", author: { id: "u-lead", displayName: "Tom Lead" }, content: "Please send logs", isInternal: false, createdAt: "2099-01-01T00:00:03Z", updatedAt: "2099-01-01T00:00:03Z", editCount: 0 });
  const diff = conflict.diffTickets(mine, now);
  assert.deepEqual(diff.fields, [
    { field: "Status", mine: "In progress", now: "Pending info" },
    { field: "Assignee", mine: "Dora DevOps", now: "Unassigned" },
  ]);
  assert.deepEqual(
    diff.activity.map((a) => `${a.who}: ${a.what}`),
    [
      "Tom Lead: Status changed: In progress → Pending info (“Waiting for logs”)",
      "Eve User: Edited a comment: Edited words",
      "Tom Lead: Commented: Please send logs",
    ],
  );
  assert.deepEqual(conflict.diffTickets(mine, mine), { fields: [], activity: [] });
});

test("workflow: the buttons are named for the move", () => {
  const label = workflow.transitionLabel;
  assert.equal(label("OPEN", "IN_PROGRESS"), "Start work");
  assert.equal(label("IN_PROGRESS", "OPEN"), "Back to queue");
  assert.equal(label("IN_PROGRESS", "PENDING_INFO"), "Ask for info");
  assert.equal(label("IN_PROGRESS", "RESOLVED"), "Resolve…");
  assert.equal(label("RESOLVED", "CLOSED"), "Close");
  assert.equal(label("CLOSED", "REOPENED"), "Reopen");
  assert.equal(label("OPEN", "ESCALATED"), "Escalate");
  assert.equal(label("ESCALATED", "IN_PROGRESS"), "Return to In progress");
});

test("notification preferences: the grid keeps the backend's order, names cells for screen readers and leaves gaps empty", async () => {
  const prefs = await importTs("src/features/notifications/preferences.ts");
  const grid = prefs.toGrid([
    { kind: "SLA_BREACH", channel: "IN_APP", enabled: true },
    { kind: "SLA_BREACH", channel: "SMS", enabled: false },
    { kind: "TICKET_ASSIGNED", channel: "IN_APP", enabled: false },
  ]);
  assert.deepEqual(grid.kinds, ["SLA_BREACH", "TICKET_ASSIGNED"]);
  assert.deepEqual(grid.channels, ["IN_APP", "SMS"]);
  assert.equal(grid.enabled.get(prefs.cellKey("SLA_BREACH", "SMS")), false);
  assert.equal(grid.enabled.get(prefs.cellKey("TICKET_ASSIGNED", "IN_APP")), false);
  assert.equal(grid.enabled.has(prefs.cellKey("TICKET_ASSIGNED", "SMS")), false, "a pair the backend did not list");
  assert.equal(prefs.cellLabel("TICKET_ASSIGNED", "EMAIL"), "Email for Assigned to me");
  assert.equal(prefs.cellLabel("STATUS_CHANGED", "IN_APP"), "In app for Status changes on my requests");
  // A kind added later still gets a readable label.
  assert.equal(prefs.kindLabel("RESOLUTION_REQUEST"), "Resolution request");
});
