import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, gate, openSignedIn, openTicket, useHarness } from "./helpers/app.mjs";
import { appError, fakeBackend, USERS } from "./helpers/fixtures.mjs";

const harness = useHarness();

const transitions = (detail) =>
  detail.getByTestId("transition").evaluateAll((bs) => bs.map((b) => `${b.getAttribute("data-to")}:${b.textContent.trim()}`));
const timelineOrder = (detail) =>
  detail
    .getByTestId("timeline")
    .locator(":scope > li")
    .evaluateAll((lis) => lis.map((li) => li.dataset.action ?? li.querySelector("[data-comment-id]")?.dataset.commentId));

test("the timeline merges comments and history by time and tells each change in words", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-3");

  // CREATED, comment c1, comment c2, STATUS_CHANGED, ASSIGNED; the COMMENT_ADDED row is not repeated.
  assert.deepEqual(await timelineOrder(detail), ["CREATED", "c1", "c2", "STATUS_CHANGED", "ASSIGNED"]);
  const history = detail.getByTestId("history-entry");
  assert.match(await history.nth(1).innerText(), /Status changed\s+Status:\s*Open\s*→\s*In progress\s+“Picked up”\s+by Dora DevOps/);
  assert.match(await history.nth(2).innerText(), /Assigned to Dora DevOps/);
  assert.doesNotMatch(await detail.getByTestId("timeline").innerText(), /displayName|commentId|"/, "no raw JSON");
  app.done();
});

test("only the moves the backend allows are offered, with workflow names", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);

  let detail = await openTicket(app, "t-3"); // IN_PROGRESS
  assert.deepEqual(await transitions(detail), [
    "OPEN:Back to queue",
    "PENDING_INFO:Ask for info",
    "RESOLVED:Resolve…",
    "ESCALATED:Escalate",
  ]);
  detail = await openTicket(app, "t-2"); // NEW
  await eventually(async () =>
    assert.deepEqual(await transitions(detail), [
      "OPEN:Triage",
      "IN_PROGRESS:Start work",
      "PENDING_INFO:Ask for info",
      "CLOSED:Close",
      "ESCALATED:Escalate",
    ]),
  );
  detail = await openTicket(app, "t-1"); // ESCALATED from IN_PROGRESS
  await eventually(async () => assert.deepEqual(await transitions(detail), ["IN_PROGRESS:Return to In progress", "RESOLVED:Resolve…"]));
  app.done();
});

test("a move sends the ticket's version and shows the returned ticket without refetching; buttons wait meanwhile", async (t) => {
  const inFlight = gate();
  // change_status is held until the test lets it through.
  const backend = fakeBackend({
    handlers: {
      change_status: async (args, b) => {
        await inFlight.wait;
        return b.defaults.change_status(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-2");
  const fetches = backend.callsOf("get_ticket").length;

  await detail.getByTestId("change-reason").fill("On it");
  await detail.locator('[data-to="IN_PROGRESS"]').click();
  await eventually(async () => assert.equal(await detail.locator('[data-to="IN_PROGRESS"]').isDisabled(), true));
  assert.equal(await detail.getByTestId("take").isDisabled(), true, "every action waits for the one in flight");
  await detail.locator('[data-to="ESCALATED"]').click({ force: true });
  inFlight.open();

  await eventually(async () => assert.deepEqual(await transitions(detail), [
    "OPEN:Back to queue",
    "PENDING_INFO:Ask for info",
    "RESOLVED:Resolve…",
    "ESCALATED:Escalate",
  ]));
  assert.deepEqual(backend.callsOf("change_status"), [{ change: { ticketId: "t-2", version: 3, to: "IN_PROGRESS", reason: "On it" } }]);
  assert.equal(backend.callsOf("get_ticket").length, fetches, "the command's answer is shown; no refetch");
  assert.match(await detail.locator("header").innerText(), /In progress/);
  const row = app.page.locator('[data-testid="queue-row"][data-ticket-id="t-2"]');
  assert.match(await row.innerText(), /In progress/, "the queue row follows at once");
  assert.equal(await detail.getByTestId("change-reason").inputValue(), "", "the reason went with that change");
  assert.match(await detail.getByTestId("history-entry").last().innerText(), /New\s*→\s*In progress\s+“On it”/);
  app.done();
});

test("resolving needs resolution notes; the dialog sends them with the reason", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const detail = await openTicket(app, "t-3");

  await detail.locator('[data-to="RESOLVED"]').click();
  const dialog = page.getByTestId("resolve-dialog");
  await dialog.waitFor();
  await dialog.getByTestId("resolve-submit").click();
  assert.match(await dialog.getByTestId("field-error").innerText(), /Resolution notes are required/);
  assert.equal(backend.callsOf("change_status").length, 0, "nothing sent without notes");

  // j/k do nothing while the dialog is open.
  await dialog.getByTestId("resolve-submit").focus();
  await page.keyboard.press("j");
  assert.equal(await page.locator('[data-testid="queue-row"][aria-selected="true"]').getAttribute("data-ticket-id"), "t-3");

  await dialog.locator("textarea[name=resolutionNotes]").fill("Restarted the hypervisor");
  await dialog.locator("input[name=reason]").fill("Fixed");
  await dialog.getByTestId("resolve-submit").click();
  await eventually(async () => assert.equal(await dialog.count(), 0));
  assert.deepEqual(backend.callsOf("change_status"), [
    { change: { ticketId: "t-3", version: 3, to: "RESOLVED", reason: "Fixed", resolutionNotes: "Restarted the hypervisor" } },
  ]);
  assert.equal(await detail.getByTestId("detail-resolution").innerText(), "Restarted the hypervisor");
  assert.deepEqual(await transitions(detail), ["CLOSED:Close", "REOPENED:Reopen"]);
  app.done();
});

test("take, assign to an engineer, change priority and unassign each send the current version", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-2"); // NEW, unassigned, P4
  const assignee = () => detail.locator("dt:text-is('Assignee') + dd").innerText();

  assert.equal(await detail.getByTestId("unassign").count(), 0, "nobody to unassign");
  await detail.getByTestId("take").click();
  await eventually(async () => assert.equal(await assignee(), "Ada Admin"));
  assert.equal(await detail.getByTestId("take").count(), 0, "cannot take one's own ticket");

  const options = await detail.getByTestId("assign-select").locator("option").allInnerTexts();
  assert.deepEqual(options, ["Assign to…", "Tom Lead — Team lead", "Dora DevOps — DevOps engineer"], "engineers only, not the assignee or requestors");
  await detail.getByTestId("assign-select").selectOption("u-dev");
  await eventually(async () => assert.equal(await assignee(), "Dora DevOps"));

  await detail.getByTestId("change-reason").fill("Customer is down");
  await detail.getByTestId("priority-select").selectOption("P1_CRITICAL");
  await eventually(async () => assert.match(await detail.locator("header").innerText(), /P1 Critical/));
  await detail.getByTestId("unassign").click();
  await eventually(async () => assert.equal(await assignee(), "Unassigned"));

  assert.deepEqual(backend.callsOf("assign_ticket"), [
    { change: { ticketId: "t-2", version: 3, assigneeId: USERS[0].id } },
    { change: { ticketId: "t-2", version: 4, assigneeId: "u-dev" } },
    { change: { ticketId: "t-2", version: 6, assigneeId: null } },
  ]);
  assert.deepEqual(backend.callsOf("change_priority"), [
    { change: { ticketId: "t-2", version: 5, priority: "P1_CRITICAL", reason: "Customer is down" } },
  ]);
  assert.match(await detail.getByTestId("timeline").innerText(), /Reassigned to Dora DevOps/);
  app.done();
});

test("a requestor gets no workflow actions and no internal notes", async (t) => {
  const backend = fakeBackend({ me: USERS[3] });
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-3");

  assert.equal(await detail.getByTestId("ticket-actions").count(), 0);
  assert.equal(await detail.getByTestId("comment-internal").count(), 0, "no internal toggle for requestors");
  assert.equal(await detail.getByTestId("comment").count(), 1);
  assert.doesNotMatch(await detail.innerText(), /hypervisor|Internal/);
  app.done();
});

test("a refused change is shown in the error banner and the ticket stays as it was", async (t) => {
  const backend = fakeBackend({
    handlers: {
      change_priority: () => {
        throw appError("forbidden", "Only senior engineers may change the priority.");
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-3");

  await detail.getByTestId("priority-select").selectOption("P4_LOW");
  const banner = app.page.getByTestId("error-banner");
  await banner.waitFor();
  assert.equal(await banner.getAttribute("data-code"), "forbidden");
  assert.match(await banner.innerText(), /Only senior engineers may change the priority/);
  assert.equal(await detail.getByTestId("priority-select").inputValue(), "P1_CRITICAL", "the select shows the real priority");
  assert.equal(await detail.getByTestId("priority-select").isDisabled(), false, "usable again");
  app.done();
});

test("a half-written comment does not follow to another ticket", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  let detail = await openTicket(app, "t-3");
  await detail.getByTestId("comment-editor").locator("textarea").fill("Draft for TKT-0003");
  detail = await openTicket(app, "t-2");
  await eventually(async () => assert.match(await detail.getByTestId("detail-title").innerText(), /Need VPN access/));
  assert.equal(await detail.getByTestId("comment-editor").locator("textarea").inputValue(), "");
  app.done();
});

test("escalating needs a reason: the button waits for one, and sends it", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-3");
  const escalate = detail.locator('[data-to="ESCALATED"]');
  assert.equal(await escalate.isDisabled(), true, "no reason yet");
  assert.equal(await escalate.getAttribute("title"), "Write why in the Reason field to escalate");
  assert.equal(await detail.getByTestId("change-reason").getAttribute("placeholder"), "Reason (required to escalate)");
  await detail.getByTestId("change-reason").fill("   ");
  assert.equal(await escalate.isDisabled(), true, "blank is no reason");
  // The other moves never needed one (control).
  assert.equal(await detail.locator('[data-to="PENDING_INFO"]').isDisabled(), false);
  await detail.getByTestId("change-reason").fill("Database team needed");
  await escalate.click();
  await eventually(() =>
    assert.deepEqual(backend.callsOf("change_status"), [
      { change: { ticketId: "t-3", version: 3, to: "ESCALATED", reason: "Database team needed" } },
    ]),
  );
  app.done();
});
