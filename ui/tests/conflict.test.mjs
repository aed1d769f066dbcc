import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, openTicket, useHarness } from "./helpers/app.mjs";
import { fakeBackend, USERS } from "./helpers/fixtures.mjs";

const harness = useHarness();
const TOM = USERS[1];

/** Tom, on another desktop, moves the ticket to Pending info and comments, after we loaded it. */
function tomChangesIt(backend, ticketId) {
  backend.changeElsewhere(ticketId, TOM, { status: "PENDING_INFO" }, "Need the logs");
  const now = new Date().toISOString();
  backend.detail(ticketId).comments.push({
    id: "c-tom",
    author: { id: TOM.id, displayName: TOM.displayName },
    content: "Please attach the kernel log",
    isInternal: false,
    createdAt: now,
    updatedAt: now,
    editCount: 0,
  });
}

test("a conflict shows what changed; 'Apply my change again' re-sends with the new version", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const detail = await openTicket(app, "t-3");
  tomChangesIt(backend, "t-3");
  const fetches = backend.callsOf("get_ticket").length;

  await detail.getByTestId("priority-select").selectOption("P2_HIGH");
  const dialog = page.getByTestId("conflict-dialog");
  await dialog.waitFor();
  assert.equal(backend.callsOf("get_ticket").length, fetches + 1, "the ticket is fetched again to show the difference");
  assert.equal(await dialog.getByTestId("conflict-mine").innerText(), "Set priority to P2 High");
  const status = dialog.locator('[data-testid="conflict-field"][data-field="Status"]');
  assert.match(await status.innerText(), /Status\s+In progress\s+Pending info/);
  assert.equal(await dialog.locator('[data-field="Priority"]').count(), 0, "priority itself was not changed by Tom");
  const activity = await dialog.getByTestId("conflict-activity").innerText();
  assert.match(activity, /Tom Lead: Status changed: In progress → Pending info \(“Need the logs”\)/);
  assert.match(activity, /Tom Lead: Commented: Please attach the kernel log/);
  // The view behind the dialog already shows the ticket as it is now; nothing was overwritten.
  assert.match(await detail.locator("header").innerText(), /Pending info/);
  assert.match(await detail.locator("header").innerText(), /P1 Critical/);

  await dialog.getByTestId("conflict-reapply").click();
  await eventually(async () => assert.equal(await dialog.count(), 0));
  assert.deepEqual(backend.callsOf("change_priority"), [
    { change: { ticketId: "t-3", version: 3, priority: "P2_HIGH" } },
    { change: { ticketId: "t-3", version: 4, priority: "P2_HIGH" } },
  ]);
  await eventually(async () => assert.match(await detail.locator("header").innerText(), /P2 High/));
  app.done();
});

test("'Discard mine' keeps the other change and sends nothing more", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const detail = await openTicket(app, "t-3");
  tomChangesIt(backend, "t-3");

  await detail.locator('[data-to="OPEN"]').click();
  const dialog = page.getByTestId("conflict-dialog");
  await dialog.waitFor();
  await dialog.getByTestId("conflict-discard").click();
  await eventually(async () => assert.equal(await dialog.count(), 0));
  assert.equal(backend.callsOf("change_status").length, 1);
  assert.equal(backend.detail("t-3").ticket.status, "PENDING_INFO");
  assert.match(await detail.locator("header").innerText(), /Pending info/);
  // The buttons now offer the moves from Pending info.
  await eventually(async () => assert.equal(await detail.locator('[data-to="OPEN"]').count(), 0));
  app.done();
});

test("editing a comment someone changed meanwhile shows a conflict and re-sends with the new edit count", async (t) => {
  const backend = fakeBackend({ me: USERS[2] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const detail = await openTicket(app, "t-3");
  const mine = detail.locator('[data-comment-id="c2"]');

  await mine.getByTestId("comment-edit").click();
  // Dora's other desktop edits the same comment first.
  Object.assign(backend.detail("t-3").comments[1], { content: "Edited on the laptop", editCount: 1, updatedAt: new Date().toISOString() });
  await mine.getByTestId("comment-edit-text").fill("Edited on the desktop");
  await mine.getByTestId("comment-save").click();

  const dialog = page.getByTestId("conflict-dialog");
  await dialog.waitFor();
  assert.match(await dialog.getByTestId("conflict-activity").innerText(), /Edited a comment: Edited on the laptop/);
  await dialog.getByTestId("conflict-reapply").click();
  await eventually(async () => assert.match(await mine.innerText(), /Edited on the desktop/));
  assert.deepEqual(
    backend.callsOf("edit_comment").map((c) => c.edit.editCount),
    [0, 1],
    "first with the count the user saw, then with the new one",
  );
  app.done();
});
