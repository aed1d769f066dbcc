// The SLA clock in the app (issue 14, item 8): the queue's SLA column and its "due soonest"
// order, a ticket's deadline states, its "Why this deadline?" panel, and the clock's events in
// the timeline.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, openTicket, useHarness } from "./helpers/app.mjs";
import { fakeBackend, slaGlance, ticket } from "./helpers/fixtures.mjs";
import { importTs } from "./helpers/ts.mjs";

const harness = useHarness();

test("the queue's SLA column shows time left or over, coloured by the server's state", async (t) => {
  const backend = fakeBackend();
  backend.tickets.push(ticket(7, { title: "Waiting on the requestor", status: "PENDING_INFO", sla: slaGlance("resolution", "paused", 240) }));
  backend.tickets.push(ticket(8, { title: "Answered in time", status: "CLOSED", sla: slaGlance("resolution", "met", -60) }));
  backend.tickets.push(ticket(9, { title: "Fresh", sla: slaGlance("response", "ok", 25 + 1 / 3) }));
  const app = await openSignedIn(harness, t, backend);
  const cell = (id) => app.page.locator(`[data-testid="queue-row"][data-ticket-id="${id}"] [data-testid="sla-cell"]`);

  const expectations = [
    ["t-3", "warning", "1h 30m left", /^Resolution due .* · Due soon$/],
    ["t-2", "", "—", /^No SLA policy$/],
    ["t-1", "breached", "3h 00m over", /Breached$/],
    ["t-7", "paused", "paused", /Paused$/],
    ["t-8", "met", "met", /Met$/],
    ["t-9", "ok", "25m left", /^Response due .* · On track$/],
  ];
  for (const [id, state, text, title] of expectations) {
    assert.equal(await cell(id).getAttribute("data-state"), state, id);
    assert.equal((await cell(id).innerText()).trim(), text, id);
    assert.match(await cell(id).getAttribute("title"), title, id);
  }
  // The colours differ by state (warning and breach are not the plain chip).
  const colour = (id) => cell(id).locator(".sla-state").evaluate((el) => getComputedStyle(el).backgroundColor);
  const [warning, breached, ok] = [await colour("t-3"), await colour("t-1"), await colour("t-9")];
  assert.notEqual(warning, breached);
  assert.notEqual(warning, ok);
  assert.notEqual(breached, ok);
  app.done();
});

test("'Due soonest' asks the backend for the DUE order", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  await app.page.getByTestId("queue-sort").selectOption("DUE");
  await eventually(() => assert.equal(backend.callsOf("list_queue").at(-1).query.sort, "DUE"));
  assert.match(await app.page.evaluate(() => location.hash), /sort=DUE/);
  app.done();
});

test("a ticket shows its deadlines' states, the clock's events, and why it is due when it is", async (t) => {
  const backend = fakeBackend();
  const detail = backend.detail("t-3");
  const t0 = Date.parse(detail.ticket.createdAt);
  const at = (minutes) => new Date(t0 + minutes * 60_000).toISOString();
  detail.responseState = "met";
  detail.resolutionState = "warning";
  detail.firstResponseAt = at(3);
  detail.slaEvents = [
    { kind: "response_met", at: at(3), deadline: "response", minutes: null },
    { kind: "paused", at: at(3.5), deadline: null, minutes: null },
    { kind: "resumed", at: at(3.8), deadline: null, minutes: 125 },
    { kind: "warning", at: at(4.5), deadline: "resolution", minutes: null },
  ];
  backend.slaExplanations = new Map([
    [
      "t-3",
      {
        policy: "P1 critical (default)",
        terms: "around the clock",
        paused: null,
        deadlines: [
          { kind: "response", state: "met", due: "Mon 7 Dec 10:05", summary: "…", steps: ["Mon 7 Dec 10:00–10:05 counted 5 min", "due Mon 7 Dec 10:05"] },
          {
            kind: "resolution",
            state: "warning",
            due: "Mon 7 Dec 16:05",
            summary: "…",
            steps: ["Mon 7 Dec 10:00–11:00 counted 1 h", "paused 2 h 05 min while pending info (Mon 7 Dec 11:00–13:05)", "Mon 7 Dec 13:05–16:05 counted 3 h", "due Mon 7 Dec 16:05"],
          },
        ],
      },
    ],
  ]);
  const app = await openSignedIn(harness, t, backend);
  const panel = await openTicket(app, "t-3");

  assert.equal((await panel.getByTestId("response-state").innerText()).trim(), "Met");
  assert.equal((await panel.getByTestId("resolution-state").innerText()).trim(), "Due soon");

  // The events sit in the timeline, in time order among the comments and history rows.
  const events = panel.getByTestId("sla-event");
  assert.deepEqual(await events.evaluateAll((els) => els.map((e) => e.dataset.kind)), ["response_met", "paused", "resumed", "warning"]);
  assert.match(await events.nth(2).innerText(), /SLA clock resumed after 2 h 05 min of business time/);
  assert.match(await events.nth(3).innerText(), /SLA warning: 80 % of the resolution time used/);
  const order = await panel
    .getByTestId("timeline")
    .locator(":scope > li")
    .evaluateAll((els) => els.map((e) => e.dataset.kind ?? e.dataset.action ?? "comment"));
  assert.ok(order.indexOf("response_met") < order.indexOf("warning"), String(order));

  // Nothing is asked until the panel opens.
  assert.equal(backend.callsOf("get_ticket_sla").length, 0);
  await panel.getByTestId("sla-why").locator("summary").click();
  await panel.getByTestId("sla-deadline").first().waitFor();
  assert.deepEqual(backend.callsOf("get_ticket_sla"), [{ ticketId: "t-3" }]);
  assert.match(await panel.getByTestId("sla-terms").innerText(), /P1 critical \(default\): around the clock/);
  const resolution = panel.locator('[data-testid="sla-deadline"][data-kind="resolution"]');
  assert.equal(await resolution.getAttribute("data-state"), "warning");
  assert.match(await resolution.innerText(), /Resolution: due Mon 7 Dec 16:05/);
  assert.deepEqual(
    await resolution.getByTestId("sla-step").allInnerTexts(),
    ["Mon 7 Dec 10:00–11:00 counted 1 h", "paused 2 h 05 min while pending info (Mon 7 Dec 11:00–13:05)", "Mon 7 Dec 13:05–16:05 counted 3 h", "due Mon 7 Dec 16:05"],
  );
  app.done();
});

test("a ticket without a policy says so in the panel", async (t) => {
  const backend = fakeBackend();
  backend.slaExplanations = new Map();
  const app = await openSignedIn(harness, t, backend);
  const panel = await openTicket(app, "t-2");
  await panel.getByTestId("sla-why").locator("summary").click();
  assert.match(await panel.getByTestId("sla-none").innerText(), /No SLA policy applies/);
  app.done();
});

test("pure: durations, the SLA cell's words, and the clock's events in the timeline", async () => {
  const sla = await importTs("src/lib/sla.ts");
  const timeline = await importTs("src/features/ticket/timeline.ts");
  assert.equal(sla.shortDuration(50), "50m");
  assert.equal(sla.shortDuration(125), "2h 05m");
  assert.equal(sla.shortDuration(3000), "2d 2h");
  const now = Date.parse("2026-12-07T10:00:00Z");
  assert.deepEqual(sla.slaCell(null, now), { text: "—", state: null, title: "No SLA policy" });
  const cell = sla.slaCell({ deadline: "response", due: "2026-12-07T10:45:00Z", state: "warning" }, now);
  assert.equal(cell.text, "45m left");
  assert.equal(cell.title, "Response due 2026-12-07T10:45:00.000Z · Due soon");
  assert.equal(sla.slaCell({ deadline: "resolution", due: "2026-12-07T08:00:00Z", state: "breached" }, now).text, "2h 00m over");

  assert.equal(timeline.describeSlaEvent({ kind: "resumed", minutes: 45 }), "SLA clock resumed after 45 min of business time");
  assert.equal(timeline.describeSlaEvent({ kind: "breach", deadline: "response" }), "SLA breached: response deadline missed");
  // At one instant: the status change, then the clock's event, then a comment.
  const at = "2026-12-07T10:00:00.000Z";
  const items = timeline.buildTimeline({
    comments: [{ id: "c", createdAt: at }],
    history: [{ id: "h", action: "STATUS_CHANGED", fieldChanged: "status", oldValue: '"OPEN"', newValue: '"PENDING_INFO"', at }],
    slaEvents: [{ kind: "paused", at, deadline: null, minutes: null }],
  });
  assert.deepEqual(items.map((i) => i.kind), ["history", "sla", "comment"]);
});
