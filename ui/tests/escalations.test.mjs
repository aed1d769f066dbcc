// The escalation ladder (issue 15): the timeline's wording of each step, the Escalations view
// for team leads, managers and admins, and the ticket header's line with its Acknowledge
// button and key (the fallback for notification servers without action buttons).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { eventually, gate, openSignedIn, openTicket, useHarness } from "./helpers/app.mjs";
import { UI } from "./helpers/build.mjs";
import { appError, ESCALATION_NOT_YOURS, escalation, fakeBackend, USERS } from "./helpers/fixtures.mjs";
import { importTs } from "./helpers/ts.mjs";

const harness = useHarness();
const [ADMIN, LEAD, ENGINEER, REQUESTOR] = USERS;
const MANAGER = { id: "u-mgr", username: "max", displayName: "Max Manager", role: "MANAGER", department: "Ops" };
const MIN = 60_000;
// A few seconds of slack either way: the texts round to the minute however long the page takes.
const SLACK = 1 / 3;

let esc;
before(async () => {
  esc = await importTs("src/features/escalations/escalations.ts");
});

// --- the timeline (pure) ---------------------------------------------------------------

test("pure: a ladder step in the timeline names the level, the type and who holds it", async () => {
  const timeline = await importTs("src/features/ticket/timeline.ts");
  const step = (newValue) =>
    timeline.describeHistory({ id: "h", action: "FIELD_UPDATED", fieldChanged: "escalation_level", oldValue: "1", newValue, reason: null, at: "2026-12-07T10:00:00Z" });
  const raised = step(JSON.stringify({ level: 2, type: "CRITICAL_PRIORITY", to: { id: "u-mgr", displayName: "Max Manager" } }));
  assert.equal(raised.summary, "Escalation level 2 (Critical priority) → Max Manager");
  assert.equal(raised.change, null, "no raw JSON shown");
  assert.equal(step(JSON.stringify({ level: 5, type: "SLA_BREACH", to: null })).summary, "Escalation level 5 (Sla breach) → nobody");
});

// --- formatting (pure) -----------------------------------------------------------------

test("pure: each level names whom it reaches; every kind and status reads as words", () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(esc.levelText), [
    "Level 1 · Team lead",
    "Level 2 · Manager",
    "Level 3 · Admin",
    "Level 4 · Admin",
    "Level 5 · Admin",
  ]);
  // Every kind and status the Rust side declares has a label (a new one would fail here).
  const union = (file) => [...readFileSync(join(UI, "src/lib/bindings", file), "utf8").matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]);
  assert.deepEqual(Object.keys(esc.ESCALATION_KIND_LABELS).sort(), union("EscalationKind.ts").sort());
  assert.deepEqual(Object.keys(esc.ESCALATION_STATUS_LABELS).sort(), union("EscalationStatus.ts").sort());
  assert.equal(esc.ESCALATION_KIND_LABELS.SLA_BREACH, "SLA breach");
  assert.equal(esc.ESCALATION_KIND_LABELS.MULTIPLE_REOPENS, "Multiple reopens");
  assert.equal(esc.escalatedByText("Tom Lead"), "by Tom Lead");
  assert.equal(esc.escalatedByText(null), "by the server");
});

test("pure: only team leads, managers and admins get the view", () => {
  const roles = ["END_USER", "DEVOPS_ENGINEER", "SENIOR_ENGINEER", "TEAM_LEAD", "MANAGER", "ADMIN"];
  assert.deepEqual(roles.filter(esc.seesEscalations), ["TEAM_LEAD", "MANAGER", "ADMIN"]);
  assert.equal(esc.seesEscalations(undefined), false);
});

test("pure: ages and rise times read in minutes, hours and days", () => {
  const now = Date.parse("2026-12-07T10:00:00Z");
  const at = (minutes) => new Date(now + minutes * MIN).toISOString();
  assert.deepEqual([0.5, 1, 45, 60, 125, 24 * 60, 24 * 60 + 90].map(esc.durationText), ["< 1 min", "1 min", "45 min", "1 h", "2 h 05 min", "1 d", "1 d 1 h"]);
  assert.equal(esc.ageText(at(-45.5), now), "45 min");
  assert.equal(esc.ageText("not a time", now), "—");
  assert.equal(esc.riseText(at(12), now), "rises in 12 min");
  assert.equal(esc.riseText(at(11.2), now), "rises in 12 min", "rounded up: never '0 min' with time left");
  assert.equal(esc.riseText(at(0.1), now), "rises in 1 min");
  assert.equal(esc.riseText(at(0), now), "rises now");
  assert.equal(esc.riseText(at(-3), now), "rises now", "overdue: the next sweep raises it");
  assert.equal(esc.riseText(at(125), now), "rises in 2 h 05 min");
  assert.equal(esc.riseText(null, now), "—");
});

test("pure: the ticket header's line and who may acknowledge", () => {
  const now = Date.parse("2026-12-07T10:00:00Z");
  const line = (e) => esc.headerText({ level: 2, status: "PENDING", holderName: "Marco Rossi", nextRiseAt: new Date(now + 12 * MIN).toISOString(), ...e }, now);
  assert.equal(line({}), "Escalated · level 2 · held by Marco Rossi · rises in 12 min");
  assert.equal(line({ status: "ACKNOWLEDGED", nextRiseAt: null }), "Escalated · level 2 · held by Marco Rossi · acknowledged");
  assert.equal(line({ level: 5, holderName: null, nextRiseAt: null }), "Escalated · level 5 · awaiting acknowledgement");
  assert.equal(esc.canAcknowledge({ canAct: true, status: "PENDING" }), true);
  assert.equal(esc.canAcknowledge({ canAct: true, status: "ACKNOWLEDGED" }), false);
  assert.equal(esc.canAcknowledge({ canAct: false, status: "PENDING" }), false);
});

// --- the Escalations view --------------------------------------------------------------

/** Three open escalations (stored newest first; the server lists them oldest first). */
function sampleEscalations() {
  return [
    escalation(3, { level: 1, kind: "MANUAL", title: "VM web-01 is down", fromName: "Dora DevOps", holderName: "Tom Lead", ageMinutes: 45 + SLACK, risesInMinutes: 12 - SLACK, reason: "Needs a lead" }),
    escalation(1, { level: 2, kind: "SLA_BREACH", title: "Disk almost full on db-02", holderName: "Max Manager", mine: false, ageMinutes: 3 * 60 + 5 + SLACK, risesInMinutes: -2, reason: "Resolution deadline missed" }),
    escalation(2, { level: 5, kind: "CRITICAL_PRIORITY", title: "Need VPN access", holderName: "Ada Admin", mine: false, status: "ACKNOWLEDGED", ageMinutes: 2 * 24 * 60 + SLACK, risesInMinutes: null, reason: "P1 raised" }),
  ];
}

async function openEscalations(app) {
  await app.page.getByTestId("escalations-button").click();
  const screen = app.page.getByTestId("escalations-screen");
  await screen.waitFor();
  return screen;
}

const rowOf = (screen, id) => screen.locator(`[data-testid="escalation-row"][data-escalation-id="${id}"]`);
const rowIds = (screen) => screen.getByTestId("escalation-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-escalation-id")));
const cells = async (row) => (await row.locator("td").allInnerTexts()).map((s) => s.replace(/\s+/g, " ").trim()).slice(0, 8);

test("a team lead sees the open escalations oldest first with level, type, age and rise time", async (t) => {
  const backend = fakeBackend({ me: LEAD, escalations: sampleEscalations() });
  const app = await openSignedIn(harness, t, backend);
  assert.equal(backend.callsOf("list_escalations").length, 0, "nothing is read before the view opens");
  const screen = await openEscalations(app);
  await eventually(async () => assert.deepEqual(await rowIds(screen), ["e-2", "e-1", "e-3"]));
  assert.equal(backend.callsOf("list_escalations").length, 1);

  assert.deepEqual(await cells(rowOf(screen, "e-3")), [
    "TKT-0003 VM web-01 is down",
    "Level 1 · Team lead",
    "Manual by Dora DevOps",
    "Pending",
    "45 min",
    "rises in 12 min",
    "Tom Lead (you)",
    "Needs a lead",
  ]);
  assert.deepEqual(await cells(rowOf(screen, "e-1")), [
    "TKT-0001 Disk almost full on db-02",
    "Level 2 · Manager",
    "SLA breach by the server",
    "Pending",
    "3 h 05 min",
    "rises now",
    "Max Manager",
    "Resolution deadline missed",
  ]);
  assert.deepEqual(await cells(rowOf(screen, "e-2")), [
    "TKT-0002 Need VPN access",
    "Level 5 · Admin",
    "Critical priority by the server",
    "Acknowledged",
    "2 d",
    "—",
    "Ada Admin",
    "P1 raised",
  ]);
  assert.equal(await rowOf(screen, "e-1").getAttribute("data-level"), "2");
  // The button goes back to the queue.
  await app.page.getByTestId("escalations-button").click();
  await eventually(async () => assert.equal(await screen.count(), 0));
  assert.ok((await app.rows().count()) > 0);
  app.done();
});

test("only team leads, managers and admins get the Escalations button", async (t) => {
  for (const me of [ENGINEER, REQUESTOR, { ...ENGINEER, id: "u-sen", role: "SENIOR_ENGINEER" }]) {
    const app = await openSignedIn(harness, t, fakeBackend({ me, escalations: sampleEscalations() }));
    assert.equal(await app.page.getByTestId("escalations-button").count(), 0, `${me.role} sees no button`);
    assert.equal(await app.page.getByTestId("escalations-screen").count(), 0);
    app.done();
  }
  for (const me of [LEAD, MANAGER, ADMIN]) {
    const backend = fakeBackend({ me, escalations: sampleEscalations() });
    const app = await openSignedIn(harness, t, backend);
    const screen = await openEscalations(app);
    await eventually(async () => assert.equal(await screen.getByTestId("escalation-row").count(), 3, `${me.role} sees the list`));
    app.done();
  }
});

test("clicking an escalation's ticket opens that ticket in the queue", async (t) => {
  const backend = fakeBackend({ me: LEAD, escalations: sampleEscalations() });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openEscalations(app);
  await rowOf(screen, "e-1").getByTestId("escalation-open").click();
  const detail = app.page.getByTestId("ticket-detail");
  await eventually(async () => assert.equal(await detail.getAttribute("data-ticket-id"), "t-1"));
  assert.equal(await screen.count(), 0, "back in the queue");
  assert.deepEqual(backend.callsOf("get_ticket"), [{ ticketId: "t-1" }]);
  app.done();
});

test("no open escalations: the view says so", async (t) => {
  const backend = fakeBackend({ me: LEAD, escalations: [] });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openEscalations(app);
  await screen.getByTestId("escalations-empty").waitFor();
  assert.equal((await screen.getByTestId("escalations-empty").innerText()).trim(), "No open escalations.");
  assert.equal(await screen.getByTestId("escalation-row").count(), 0);
  app.done();
});

test("the view re-reads its list when tickets change or a notification arrives", async (t) => {
  const backend = fakeBackend({ me: LEAD, escalations: [] });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openEscalations(app);
  await screen.getByTestId("escalations-empty").waitFor();

  backend.escalations.push(escalation(2, { ageMinutes: 1 }));
  await app.emit("tickets-changed", "t-2");
  await eventually(async () => assert.deepEqual(await rowIds(screen), ["e-2"]));

  backend.escalations.push(escalation(1, { ageMinutes: 90 }));
  await app.emit("notification", { id: "n-9", ticketId: "t-1", kind: "ESCALATED", subject: "TKT-0001 escalated to you", message: "TKT-0001 was escalated" });
  await eventually(async () => assert.deepEqual(await rowIds(screen), ["e-1", "e-2"]));
  assert.equal(backend.callsOf("list_escalations").length, 3, "opened, then once per event");
  app.done();
});

test("Acknowledge sends that row's escalation; the row then shows Acknowledged without the button", async (t) => {
  const backend = fakeBackend({ me: LEAD, escalations: sampleEscalations() });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openEscalations(app);
  const row = rowOf(screen, "e-1");
  await row.waitFor();
  assert.equal(await rowOf(screen, "e-2").getByTestId("escalation-acknowledge").count(), 0, "an acknowledged one has no Acknowledge");
  const button = row.getByTestId("escalation-acknowledge");
  assert.equal(await button.getAttribute("aria-label"), "Acknowledge TKT-0001");
  await button.click();

  await eventually(async () => assert.equal((await row.getByTestId("escalation-status").innerText()).trim(), "Acknowledged"));
  assert.deepEqual(backend.callsOf("acknowledge_escalation"), [{ escalationId: "e-1" }]);
  assert.equal(await row.getByTestId("escalation-acknowledge").count(), 0, "no Acknowledge once acknowledged");
  assert.equal((await row.getByTestId("escalation-rise").innerText()).trim(), "—", "it no longer rises");
  assert.equal(await row.getByTestId("escalation-resolve").count(), 1, "it can still be resolved");
  // The other pending row is untouched.
  assert.equal(await rowOf(screen, "e-3").getByTestId("escalation-acknowledge").count(), 1);
  assert.equal(backend.callsOf("list_escalations").length, 1, "the answer is the new list: no re-read");
  app.done();
});

test("Resolve asks for notes: the submit waits for them, then sends the escalation and the notes", async (t) => {
  const inFlight = gate();
  const backend = fakeBackend({
    me: LEAD,
    escalations: sampleEscalations(),
    handlers: {
      resolve_escalation: async (args, b) => {
        await inFlight.wait;
        return b.defaults.resolve_escalation(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const screen = await openEscalations(app);
  await rowOf(screen, "e-3").getByTestId("escalation-resolve").click();

  const dialog = page.getByTestId("escalation-resolve-dialog");
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /TKT-0003/);
  const notes = dialog.getByTestId("escalation-resolve-notes");
  const submit = dialog.getByTestId("escalation-resolve-submit");
  assert.equal(await notes.evaluate((el) => el === document.activeElement), true, "focus starts in the notes");
  assert.equal(await submit.isDisabled(), true, "no notes yet");
  await notes.fill("   ");
  assert.equal(await submit.isDisabled(), true, "blank notes are not notes");
  await notes.fill("Restarted the VM; the lead took over");
  assert.equal(await submit.isDisabled(), false);
  await submit.click();
  await eventually(async () => assert.equal(await submit.isDisabled(), true, "waits while in flight"));
  inFlight.open();

  await dialog.waitFor({ state: "detached" });
  assert.deepEqual(backend.callsOf("resolve_escalation"), [{ escalationId: "e-3", notes: "Restarted the VM; the lead took over" }]);
  await eventually(async () => assert.deepEqual(await rowIds(screen), ["e-2", "e-1"], "resolved: off the list"));
  app.done();
});

test("a server refusal of the notes stays in the dialog with what was typed", async (t) => {
  const backend = fakeBackend({
    me: LEAD,
    escalations: sampleEscalations(),
    handlers: { resolve_escalation: () => { throw appError("validation", "The notes are too short."); } },
  });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openEscalations(app);
  await rowOf(screen, "e-3").getByTestId("escalation-resolve").click();
  const dialog = app.page.getByTestId("escalation-resolve-dialog");
  await dialog.getByTestId("escalation-resolve-notes").fill("ok");
  await dialog.getByTestId("escalation-resolve-submit").click();
  await eventually(async () => assert.equal((await dialog.getByTestId("field-error").innerText()).trim(), "The notes are too short."));
  assert.equal(await dialog.getByTestId("escalation-resolve-notes").inputValue(), "ok");
  assert.equal(await rowOf(screen, "e-3").count(), 1);
  app.done();
});

test("a row the user may not act on has no buttons", async (t) => {
  const backend = fakeBackend({
    me: LEAD,
    escalations: [escalation(1, { canAct: false, mine: false, holderName: "Max Manager", level: 2 }), escalation(2, { ageMinutes: 5 })],
  });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openEscalations(app);
  const locked = rowOf(screen, "e-1");
  await locked.waitFor();
  assert.equal(await locked.locator("button:not([data-testid=escalation-open])").count(), 0, "no Acknowledge, no Resolve");
  // Control: the row they may act on has both.
  const actable = rowOf(screen, "e-2");
  assert.equal(await actable.getByTestId("escalation-acknowledge").count(), 1);
  assert.equal(await actable.getByTestId("escalation-resolve").count(), 1);
  app.done();
});

test("a refused action is shown and the list is re-read", async (t) => {
  const backend = fakeBackend({
    me: LEAD,
    escalations: sampleEscalations(),
    handlers: {
      acknowledge_escalation: ({ escalationId }, b) => {
        // Someone else resolved it a moment ago.
        b.escalations.find((e) => e.id === escalationId).status = "RESOLVED";
        throw appError("not_found", ESCALATION_NOT_YOURS);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openEscalations(app);
  await rowOf(screen, "e-3").getByTestId("escalation-acknowledge").click();
  const banner = app.page.getByTestId("error-banner");
  await banner.waitFor();
  assert.match(await banner.innerText(), /not yours to act on/);
  assert.equal(await banner.getAttribute("data-code"), "not_found");
  await eventually(async () => assert.deepEqual(await rowIds(screen), ["e-2", "e-1"]));
  assert.equal(backend.callsOf("list_escalations").length, 2);
  app.done();
});

// --- the ticket header -----------------------------------------------------------------

const headerBackend = (overrides = {}, more = {}) =>
  fakeBackend({
    me: LEAD,
    escalations: [escalation(3, { level: 2, holderName: "Marco Rossi", risesInMinutes: 12 - SLACK, ...overrides })],
    ...more,
  });

test("the ticket header shows its escalation's level, holder and rise time; none without one", async (t) => {
  const backend = headerBackend();
  const app = await openSignedIn(harness, t, backend);
  let detail = await openTicket(app, "t-3");
  const line = detail.getByTestId("ticket-escalation");
  await line.waitFor();
  assert.equal((await line.getByTestId("ticket-escalation-text").innerText()).trim(), "Escalated · level 2 · held by Marco Rossi · rises in 12 min");
  assert.equal(await line.getAttribute("data-level"), "2");
  assert.equal(await line.getAttribute("data-escalation-status"), "PENDING");
  const button = line.getByTestId("ticket-escalation-acknowledge");
  assert.equal(await button.getAttribute("title"), "Acknowledge (A)", "the key is hinted");

  detail = await openTicket(app, "t-2");
  await eventually(async () => assert.equal(await detail.getByTestId("ticket-escalation").count(), 0, "no escalation: no line"));
  app.done();
});

test("an acknowledged escalation says so, and one the user may not act on has no button", async (t) => {
  const backend = headerBackend({ status: "ACKNOWLEDGED", risesInMinutes: null });
  backend.escalations.push(escalation(1, { level: 3, holderName: "Ada Admin", canAct: false, mine: false }));
  const app = await openSignedIn(harness, t, backend);
  let detail = await openTicket(app, "t-3");
  let line = detail.getByTestId("ticket-escalation");
  assert.equal((await line.innerText()).trim(), "Escalated · level 2 · held by Marco Rossi · acknowledged");
  assert.equal(await line.getAttribute("data-escalation-status"), "ACKNOWLEDGED");
  assert.equal(await line.getByTestId("ticket-escalation-acknowledge").count(), 0);

  detail = await openTicket(app, "t-1");
  line = detail.getByTestId("ticket-escalation");
  await eventually(async () => assert.equal(await line.getAttribute("data-level"), "3"));
  assert.equal(await line.getByTestId("ticket-escalation-acknowledge").count(), 0, "not theirs to act on");
  await app.page.keyboard.press("a");
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(backend.callsOf("acknowledge_escalation").length, 0, "the key does nothing either");
  app.done();
});

test("the header's Acknowledge acknowledges the escalation and reloads the ticket", async (t) => {
  const backend = headerBackend();
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-3");
  const line = detail.getByTestId("ticket-escalation");
  const loads = backend.callsOf("get_ticket").length;
  await line.getByTestId("ticket-escalation-acknowledge").click();

  await eventually(async () => assert.equal(await line.getAttribute("data-escalation-status"), "ACKNOWLEDGED"));
  assert.deepEqual(backend.callsOf("acknowledge_escalation"), [{ escalationId: "e-3" }]);
  assert.equal(backend.callsOf("get_ticket").length, loads + 1, "the ticket is read again");
  assert.match(await line.innerText(), /· acknowledged$/);
  assert.equal(await line.getByTestId("ticket-escalation-acknowledge").count(), 0);
  app.done();
});

test("`a` acknowledges the open ticket's escalation, but not while typing a comment", async (t) => {
  const backend = headerBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const detail = await openTicket(app, "t-3");
  const line = detail.getByTestId("ticket-escalation");
  await line.waitFor();

  // Control first: an "a" typed into the comment box is text, not a shortcut.
  const comment = detail.getByTestId("comment-editor").locator("textarea");
  await comment.click();
  await page.keyboard.type("a");
  assert.equal(await comment.inputValue(), "a");
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(backend.callsOf("acknowledge_escalation").length, 0, "typing 'a' in the comment box does not acknowledge");
  assert.equal(await line.getAttribute("data-escalation-status"), "PENDING");

  // Out of the text field, the same key acknowledges.
  await comment.evaluate((el) => el.blur());
  await page.keyboard.press("a");
  await eventually(async () => assert.equal(await line.getAttribute("data-escalation-status"), "ACKNOWLEDGED"));
  assert.deepEqual(backend.callsOf("acknowledge_escalation"), [{ escalationId: "e-3" }]);
  assert.equal(await comment.inputValue(), "a", "the draft is untouched");
  app.done();
});
