// The offline outbox (issue 16): writes the server could not take are kept on this computer and
// shown at once as "Pending" (a clock); what the server refused later "Needs you", with its
// reason and Retry / Retry on top / Edit / Discard; the header counts what waits; reads served
// from the saved copy say so. The fake backend's `offline` switch plays the server being away.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { eventually, gate, openSignedIn, openTicket, signIn, useHarness } from "./helpers/app.mjs";
import { fakeBackend, ON_TOP_NEEDS_SERVER, PASSWORD, STALE_TICKET, USERS } from "./helpers/fixtures.mjs";
import { importTs } from "./helpers/ts.mjs";

const harness = useHarness();
const ADA = USERS[0];
const QUEUED = "Saved on this computer — it will be sent when the server is back";

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, " ").trim();

async function openForm(page) {
  await page.getByTestId("new-ticket").click();
  const form = page.getByTestId("create-form");
  await form.waitFor();
  return form;
}

async function createTicket(page, title, description) {
  const form = await openForm(page);
  await form.locator("input[name=title]").fill(title);
  await form.locator("textarea[name=description]").fill(description);
  await form.locator("select[name=priority]").selectOption("P2_HIGH");
  await page.getByTestId("create-submit").click();
  await eventually(async () => assert.equal(await page.getByTestId("create-form").count(), 0, "the dialog closed"));
}

/** "Pending" with a clock the screen reader skips. */
async function assertPending(item) {
  assert.equal(await text(item.getByTestId("pending-label")), "Pending");
  assert.equal(await item.getByTestId("pending-clock").getAttribute("aria-hidden"), "true");
  assert.equal(await item.getByTestId("needs-you").count(), 0);
}

/** The time as the page's locale writes it (as the "Draft restored from" note does). */
const localTime = (page, iso) =>
  page.evaluate((at) => new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" }).format(new Date(at)), iso);

// --- The pure helpers -------------------------------------------------------------------

let work;
before(async () => {
  work = await importTs("src/features/outbox/work.ts");
});

test("outbox helpers: what an item says, which actions it offers, and the header's words", () => {
  const names = work.namesFrom([{ id: "u-dev", displayName: "Dora DevOps" }]);
  const status = { kind: "changeStatus", input: { ticketId: "t-1", version: 3, to: "RESOLVED" } };
  const priority = { kind: "changePriority", input: { ticketId: "t-1", version: 3, priority: "P1_CRITICAL" } };
  const assign = { kind: "assign", input: { ticketId: "t-1", version: 3, assigneeId: "u-dev" } };
  const comment = { kind: "addComment", input: { id: "c-9", ticketId: "t-1", content: "Rebooted it", isInternal: false } };
  const create = {
    kind: "createTicket",
    input: { id: "t-q", title: "Printer", description: "On fire", priority: "P2_HIGH", category: "OTHER", environment: null, assigneeId: null },
  };
  assert.equal(work.describeWork(status, names), "Status → Resolved");
  assert.equal(work.describeWork(priority, names), "Priority → P1 Critical");
  assert.equal(work.describeWork(assign, names), "Assign → Dora DevOps");
  assert.equal(work.describeWork({ kind: "assign", input: { ...assign.input, assigneeId: "u-x" } }, names), "Assign → another user");
  assert.equal(work.describeWork({ kind: "assign", input: { ...assign.input, assigneeId: null } }, names), "Unassign");
  assert.equal(work.describeWork(comment, names), "Rebooted it");
  assert.equal(work.describeWork(create, names), "Printer");

  assert.deepEqual([status, priority, assign, comment, create].map(work.canRetryOnTop), [true, true, true, false, false]);
  assert.deepEqual([status, priority, assign, comment, create].map(work.canEdit), [false, false, false, true, true]);
  // An edit keeps the kind and every id.
  assert.deepEqual(work.withText(comment, { content: "Rebooted it twice" }), {
    kind: "addComment",
    input: { ...comment.input, content: "Rebooted it twice" },
  });
  assert.deepEqual(work.withText(create, { title: "Printer 2", description: "Still" }).input, { ...create.input, title: "Printer 2", description: "Still" });

  const entry = (state) => ({ id: "x", ticketId: "t-1", state, reason: null, createdAt: "2026-01-01T00:00:00Z", work: status });
  assert.equal(work.waitingLabel([]), null);
  assert.equal(work.waitingLabel([entry("pending")]), "1 waiting to send");
  assert.equal(work.waitingLabel([entry("pending"), entry("needsYou"), entry("pending")]), "3 waiting to send · 1 needs you");
  assert.equal(work.waitingLabel([entry("needsYou"), entry("needsYou")]), "2 waiting to send · 2 need you");

  const saved = new Date(2026, 2, 3, 10, 42).toISOString();
  assert.equal(work.offlineCopyLabel(saved, new Date(2026, 2, 3, 18, 0).getTime(), "en-GB"), "Offline — showing what was saved at 10:42");
  assert.equal(work.offlineCopyLabel(saved, new Date(2026, 2, 4, 9, 0).getTime(), "en-GB"), "Offline — showing what was saved at 3 Mar, 10:42");
});

// --- Queued writes ------------------------------------------------------------------------

test("a ticket created offline closes the dialog and shows at the top of the queue as Pending; online it is simply created", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  // Control: online the ticket is filed, opened, and nothing is pending.
  await createTicket(page, "Filed at once", "Online");
  await eventually(async () => assert.equal((await app.rowNumbers())[0], "TKT-0100"));
  assert.equal(await page.getByTestId("pending-ticket").count(), 0);
  assert.equal(await page.getByTestId("outbox-count").count(), 0);
  assert.match(await text(page.getByTestId("toast").last()), /Created TKT-0100/);

  backend.offline = true;
  await createTicket(page, "Printer on fire", "Third floor.\nPlease hurry.");
  assert.deepEqual(backend.callsOf("create_ticket").at(-1), {
    input: { title: "Printer on fire", description: "Third floor.\nPlease hurry.", priority: "P2_HIGH", category: "OTHER", environment: null, assigneeId: null },
  });
  const pending = page.getByTestId("pending-ticket");
  await pending.waitFor();
  assert.equal(await pending.count(), 1);
  await assertPending(pending);
  assert.match(await text(pending), /Printer on fire/);
  assert.equal(
    await page.locator('[data-testid="queue"] tbody tr').first().getAttribute("data-testid"),
    "pending-ticket",
    "above every filed ticket",
  );
  assert.equal(await app.rows().count(), 4, "no filed row for it");
  await eventually(async () => assert.ok((await page.getByTestId("toast").allInnerTexts()).some((s) => s.includes(QUEUED))));
  assert.equal(await text(page.getByTestId("outbox-count")), "1 waiting to send");
  await eventually(() => assert.equal(backend.draftOf(ADA.id, "new-ticket"), undefined, "the outbox holds it now, not the draft"));
  const form = await openForm(page);
  assert.equal(await form.locator("input[name=title]").inputValue(), "", "the form starts empty");
  await form.getByRole("button", { name: "Cancel" }).click();

  // Its read-only view, from the outbox.
  await pending.click();
  const view = page.getByTestId("pending-ticket-view");
  await view.waitFor();
  assert.equal(await text(view.getByTestId("pending-title")), "Printer on fire");
  assert.equal(await view.getByTestId("pending-description").innerText(), "Third floor.\nPlease hurry.");
  assert.match(await text(view.getByTestId("pending-priority")), /P2 High/);
  await assertPending(view.locator(".top"));
  assert.equal(await view.locator("input, textarea, select").count(), 0, "nothing to change there");
  assert.equal(await page.getByTestId("ticket-detail").count(), 0);
  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await view.count(), 0));
  app.done();
});

test("a comment queued offline clears the box and shows under the comments as Pending; so do changes, in words", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const detail = await openTicket(app, "t-3");
  const editor = detail.getByTestId("comment-editor");
  const items = detail.getByTestId("pending-item");

  // Control: online the comment is filed and nothing is pending.
  await editor.locator("textarea").fill("Filed at once");
  await editor.getByTestId("comment-submit").click();
  await eventually(async () => assert.equal(await detail.getByTestId("comment").count(), 3));
  assert.equal(await items.count(), 0);

  backend.offline = true;
  await editor.locator("textarea").fill("Rebooted web-01, watching it");
  await editor.getByTestId("comment-submit").click();
  await eventually(async () => assert.equal(await items.count(), 1));
  assert.equal(await editor.locator("textarea").inputValue(), "", "the box is cleared");
  assert.equal(await detail.getByTestId("comment").count(), 3, "not shown as a filed comment");
  await assertPending(items.first());
  assert.equal(await text(items.first().getByTestId("outbox-what")), "Rebooted web-01, watching it");
  await eventually(() => assert.equal(backend.draftOf(ADA.id, "comment:t-3"), undefined, "its draft is gone"));
  await eventually(async () => assert.ok((await page.getByTestId("toast").allInnerTexts()).some((s) => s.includes(QUEUED))));

  // Changes: a move, a priority and an assignment (the name from the users list).
  await detail.locator('[data-to="PENDING_INFO"]').click();
  await eventually(async () => assert.equal(await items.count(), 2));
  await detail.getByTestId("priority-select").selectOption("P2_HIGH");
  await eventually(async () => assert.equal(await items.count(), 3));
  await detail.getByTestId("assign-select").selectOption("u-lead");
  await eventually(async () => assert.equal(await items.count(), 4));
  // Resolving: the dialog is done too.
  await detail.locator('[data-to="RESOLVED"]').click();
  const dialog = page.getByTestId("resolve-dialog");
  await dialog.locator("textarea[name=resolutionNotes]").fill("Replaced the disk");
  await dialog.getByTestId("resolve-submit").click();
  await eventually(async () => assert.equal(await dialog.count(), 0, "the dialog closed"));
  await eventually(async () => assert.equal(await items.count(), 5));

  assert.deepEqual(await items.getByTestId("outbox-what").allInnerTexts(), [
    "Rebooted web-01, watching it",
    "Status → Pending info",
    "Priority → P2 High",
    "Assign → Tom Lead",
    "Status → Resolved",
  ]);
  for (let i = 0; i < 5; i++) await assertPending(items.nth(i));
  assert.equal(await text(page.getByTestId("outbox-count")), "5 waiting to send");
  assert.match(await text(detail.getByTestId("detail-title")), /VM web-01 is down/);
  assert.match(await detail.locator("header").innerText(), /In progress/, "the ticket shows what the server has");
  app.done();
});

test("the header counts what waits and what needs you, and opens the list of everything", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const count = page.getByTestId("outbox-count");
  assert.equal(await count.count(), 0, "hidden while nothing waits");

  backend.offline = true;
  await createTicket(page, "Printer on fire", "Third floor");
  const detail = await openTicket(app, "t-2");
  await detail.getByTestId("comment-editor").locator("textarea").fill("Any news?");
  await detail.getByTestId("comment-submit").click();
  await eventually(async () => assert.equal(await text(count), "2 waiting to send"));

  const comment = backend.outbox.find((e) => e.work.kind === "addComment");
  backend.needsYou(comment.id, "TKT-0002 was closed; comments are not allowed any more.");
  await backend.pushOutbox();
  await eventually(async () => assert.equal(await text(count), "2 waiting to send · 1 needs you"));
  assert.equal(await count.getAttribute("aria-expanded"), "false");

  await count.click();
  const list = page.getByTestId("outbox-list");
  await list.waitFor();
  assert.equal(await count.getAttribute("aria-expanded"), "true");
  const rows = list.getByTestId("outbox-item");
  assert.equal(await rows.count(), 2);
  await assertPending(rows.nth(0));
  assert.match(await text(rows.nth(0)), /New ticket.*Printer on fire/);
  assert.match(await text(rows.nth(1)), /TKT-0002 · Comment/);
  assert.equal(await text(rows.nth(1).getByTestId("needs-you")), "Needs you");
  assert.match(await text(rows.nth(1).getByTestId("outbox-reason")), /TKT-0002 was closed; comments are not allowed any more\./);
  assert.equal(await rows.nth(1).getByTestId("outbox-retry").count(), 1);
  assert.equal(await rows.nth(1).getByTestId("outbox-discard").count(), 1);

  // "Open" shows the item's ticket.
  await rows.nth(0).getByTestId("outbox-open").click();
  await page.getByTestId("pending-ticket-view").waitFor();
  assert.equal(await list.count(), 0, "the list closed");
  await count.click();
  await rows.nth(1).getByRole("button", { name: /^Open/ }).click();
  await eventually(async () => assert.equal(await page.getByTestId("ticket-detail").getAttribute("data-ticket-id"), "t-2"));

  // Escape closes the list and gives focus back to the count.
  await count.click();
  await list.waitFor();
  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await list.count(), 0));
  assert.equal(await count.evaluate((el) => el === document.activeElement), true);
  app.done();
});

test("a needs-you item shows the server's reason and its actions send the right command; Retry on top only for changes", async (t) => {
  const backend = fakeBackend();
  const REASON = "TKT-0003 was changed by someone else while you were looking at it.";
  // Based on version 2 while the ticket is at 3: sending it as it is meets the newer ticket again.
  const change = backend.enqueue("changeStatus", { ticketId: "t-3", version: 2, to: "PENDING_INFO" }, { state: "needsYou", reason: REASON });
  const comment = backend.enqueue(
    "addComment",
    { id: "c-off", ticketId: "t-3", content: "Typed on the train", isInternal: false },
    { state: "needsYou", reason: "Permission lost." },
  );
  const created = backend.enqueue(
    "createTicket",
    { title: "Made offline", description: "Before the tunnel", priority: "P3_MEDIUM", category: "OTHER", environment: null, assigneeId: null },
    { state: "needsYou", reason: "You may not file tickets in this category any more." },
  );
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await eventually(async () => assert.equal(await text(page.getByTestId("outbox-count")), "3 waiting to send · 3 need you"));
  const detail = await openTicket(app, "t-3");
  const changeItem = detail.locator(`[data-testid="pending-item"][data-outbox-id="${change.id}"]`);
  const commentItem = detail.locator(`[data-testid="pending-item"][data-outbox-id="${comment.id}"]`);

  // What each shows.
  assert.equal(await text(changeItem.getByTestId("needs-you")), "Needs you");
  assert.equal(await changeItem.getByTestId("pending-label").count(), 0);
  assert.equal(await text(changeItem.getByTestId("outbox-reason")), `The server said: ${REASON}`);
  const reasonId = await changeItem.getByTestId("outbox-reason").getAttribute("id");
  assert.equal(await changeItem.getByTestId("outbox-retry").getAttribute("aria-describedby"), reasonId, "the reason is read with the action");
  assert.equal(await changeItem.getByTestId("outbox-retry-on-top").count(), 1);
  assert.equal(await changeItem.getByTestId("outbox-edit").count(), 0, "a change has no text to edit");
  assert.equal(await commentItem.getByTestId("outbox-retry-on-top").count(), 0, "Retry on top is for changes");
  assert.equal(await commentItem.getByTestId("outbox-edit").count(), 1);
  await changeItem.getByRole("button", { name: "Retry on top “Status → Pending info”" }).waitFor();
  await commentItem.getByRole("button", { name: "Edit “Typed on the train”" }).waitFor();
  await commentItem.getByRole("button", { name: "Discard “Typed on the train”" }).waitFor();

  // Retry sends it as it is: the server refuses the stale version again.
  await changeItem.getByTestId("outbox-retry").click();
  await eventually(() => assert.deepEqual(backend.callsOf("retry_outbox_item"), [{ id: change.id }]));
  await eventually(async () => assert.equal(await text(changeItem.getByTestId("outbox-reason")), `The server said: ${STALE_TICKET}`));

  // Retry on top needs the server: offline it says why and keeps the item.
  backend.offline = true;
  await changeItem.getByTestId("outbox-retry-on-top").click();
  await eventually(async () => assert.equal(await text(changeItem.getByTestId("outbox-error")), ON_TOP_NEEDS_SERVER));
  backend.offline = false;
  await changeItem.getByTestId("outbox-retry-on-top").click();
  await eventually(() => assert.deepEqual(backend.callsOf("retry_outbox_item").at(-1), { id: change.id, onTop: true }));
  await eventually(async () => assert.equal(await changeItem.count(), 0, "sent"));
  await eventually(async () => assert.match(await detail.locator("header").innerText(), /Pending info/), 3000);

  // Edit the comment: the same kind and id, the new text.
  await commentItem.getByTestId("outbox-edit").click();
  const box = commentItem.getByTestId("outbox-edit-content");
  assert.equal(await box.inputValue(), "Typed on the train");
  await box.fill("Typed on the train, fixed");
  await commentItem.getByTestId("outbox-edit-send").click();
  await eventually(() =>
    assert.deepEqual(backend.callsOf("retry_outbox_item").at(-1), {
      id: comment.id,
      work: { kind: "addComment", input: { id: "c-off", ticketId: "t-3", content: "Typed on the train, fixed", isInternal: false } },
    }),
  );
  await eventually(async () => assert.equal(await commentItem.count(), 0));
  await eventually(async () => assert.match(await detail.getByTestId("timeline").innerText(), /Typed on the train, fixed/));

  // The new ticket: Edit (kept while offline), then Discard after a confirmation.
  const row = page.locator(`[data-testid="pending-ticket"][data-outbox-id="${created.id}"]`);
  assert.equal(await text(row.getByTestId("needs-you")), "Needs you");
  await row.click();
  const view = page.getByTestId("pending-ticket-view");
  await view.waitFor();
  assert.match(await text(view.getByTestId("outbox-reason")), /may not file tickets in this category/);
  assert.equal(await view.getByTestId("outbox-retry-on-top").count(), 0);
  backend.offline = true;
  await view.getByTestId("outbox-edit").click();
  await view.getByTestId("outbox-edit-title").fill("Made offline (fixed)");
  await view.getByTestId("outbox-edit-send").click();
  await eventually(() =>
    assert.deepEqual(backend.callsOf("retry_outbox_item").at(-1), {
      id: created.id,
      work: { kind: "createTicket", input: { ...created.work.input, title: "Made offline (fixed)", description: "Before the tunnel" } },
    }),
  );
  await eventually(async () => assert.match(await text(row), /Made offline \(fixed\)/));
  await assertPending(row);

  backend.needsYou(created.id, "Still not allowed.");
  await backend.pushOutbox();
  await view.getByTestId("outbox-discard").click();
  assert.equal(backend.callsOf("discard_outbox_item").length, 0, "asks first");
  await view.getByTestId("outbox-discard-confirm").click();
  await eventually(() => assert.deepEqual(backend.callsOf("discard_outbox_item"), [{ id: created.id }]));
  await eventually(async () => assert.equal(await row.count(), 0));
  assert.equal(await view.count(), 0, "its view went with it");
  assert.equal(await page.getByTestId("outbox-count").count(), 0);
  app.done();
});

test("the outbox event updates what is shown; sent items leave and the ticket shows what the server filed", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const detail = await openTicket(app, "t-3");
  const items = detail.getByTestId("pending-item");

  backend.offline = true;
  await createTicket(page, "Printer on fire", "Third floor");
  await detail.getByTestId("comment-editor").locator("textarea").fill("Written offline");
  await detail.getByTestId("comment-submit").click();
  await eventually(async () => assert.equal(await items.count(), 1));

  // Work kept by another window of this account: only the event tells this one.
  backend.enqueue("changePriority", { ticketId: "t-3", version: 3, priority: "P2_HIGH" });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(await items.count(), 1, "control: nothing is shown before the event");
  await backend.pushOutbox();
  await eventually(async () => assert.equal(await items.count(), 2));
  assert.equal(await text(items.nth(1).getByTestId("outbox-what")), "Priority → P2 High");
  assert.equal(await text(page.getByTestId("outbox-count")), "3 waiting to send");

  // The server is back and takes everything; the event says the outbox is empty.
  backend.sendOutbox();
  assert.equal(backend.outbox.length, 0);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(await items.count(), 2, "control: still shown until the event");
  await backend.pushOutbox();
  await eventually(async () => assert.equal(await items.count(), 0));
  assert.equal(await page.getByTestId("pending-ticket").count(), 0);
  assert.equal(await page.getByTestId("outbox-count").count(), 0);
  await eventually(async () => assert.match(await detail.getByTestId("timeline").innerText(), /Written offline/));
  await eventually(async () => assert.match(await detail.locator("header").innerText(), /P2 High/));
  await eventually(async () => assert.ok((await app.rows().allInnerTexts()).some((r) => r.includes("Printer on fire")), "the filed ticket is in the queue"));
  app.done();
});

test("a pending new ticket on screen is replaced by the real one once it is sent", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  backend.offline = true;
  await createTicket(page, "Printer on fire", "Third floor");
  await page.getByTestId("pending-ticket").click();
  await page.getByTestId("pending-ticket-view").waitFor();
  const id = backend.outbox[0].ticketId;

  backend.sendOutbox();
  await backend.pushOutbox();
  const detail = page.getByTestId("ticket-detail");
  await eventually(async () => assert.equal(await detail.getAttribute("data-ticket-id"), id));
  await eventually(async () => assert.match(await text(detail.getByTestId("detail-title")), /Printer on fire/));
  assert.equal(await page.getByTestId("pending-ticket-view").count(), 0);
  assert.equal(backend.tickets.filter((x) => x.title === "Printer on fire").length, 1, "filed once");
  app.done();
});

test("while the server is away the queue and the ticket say they are the saved copy, and when it was saved", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const banner = page.getByTestId("offline-copy-banner");
  const detail = await openTicket(app, "t-3");
  // Control: what the server just sent is not a saved copy.
  assert.equal(await banner.count(), 0);

  backend.offline = true;
  await app.emit("connection", false);
  await app.emit("tickets-changed", "t-3");
  const expected = `Offline — showing what was saved at ${(await localTime(page, backend.cachedAt)).replace(/\s+/g, " ")}`;
  await eventually(async () => assert.equal(await banner.count(), 2));
  const queueBanner = page.locator(".queue-pane").getByTestId("offline-copy-banner");
  const ticketBanner = detail.getByTestId("offline-copy-banner");
  assert.equal(await text(queueBanner), expected);
  assert.equal(await text(ticketBanner), expected);
  assert.match(await text(ticketBanner), /at \d{1,2}:\d{2}\b/);
  // Above what it describes.
  const above = async (a, b) => (await a.boundingBox()).y < (await b.boundingBox()).y;
  assert.ok(await above(queueBanner, page.getByTestId("queue")));
  assert.ok(await above(ticketBanner, detail.getByTestId("detail-title")));
  assert.equal(await app.rows().count(), 3, "the saved rows are shown");

  backend.offline = false;
  await app.emit("connection", true);
  await eventually(async () => assert.equal(await banner.count(), 0));
  app.done();
});

test("the outbox is loaded after sign-in and cleared at sign-out", async (t) => {
  /** Set to hold list_outbox until the test opens it. */
  let held = null;
  const backend = fakeBackend({
    me: null,
    handlers: {
      list_outbox: async (args, b) => {
        await held?.wait;
        return b.defaults.list_outbox(args, b);
      },
    },
  });
  backend.enqueue("addComment", { id: "c-off", ticketId: "t-3", content: "Typed on the train", isInternal: false });
  const app = await harness.open(t, backend);
  const { page } = app;
  await page.getByTestId("sign-in").waitFor();
  assert.equal(backend.callsOf("list_outbox").length, 0, "nothing is asked for without a session");

  await signIn(page, "ada", PASSWORD);
  await eventually(async () => assert.equal(await text(page.getByTestId("outbox-count")), "1 waiting to send"));
  const order = backend.calls.map((c) => c.cmd);
  assert.ok(order.indexOf("list_outbox") > order.indexOf("sign_in"));

  await page.getByTestId("sign-out").click();
  await page.getByTestId("sign-in").waitFor();
  // The next sign-in's list is held: nothing of the last session may show meanwhile.
  held = gate();
  await signIn(page, "ada", PASSWORD);
  await page.getByTestId("current-user").waitFor();
  await eventually(() => assert.equal(backend.callsOf("list_outbox").length, 2));
  assert.equal(await page.getByTestId("outbox-count").count(), 0, "cleared at sign-out");
  held.open();
  await eventually(async () => assert.equal(await text(page.getByTestId("outbox-count")), "1 waiting to send"));
  app.done();
});

test("forgetting offline data while work waits says how much is lost and asks a second click", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const forget = page.getByTestId("sign-out-forget");
  backend.enqueue("addComment", { id: "c-1", ticketId: "t-3", content: "On the train", isInternal: false });
  backend.enqueue("addComment", { id: "c-2", ticketId: "t-3", content: "Still on the train", isInternal: false });
  backend.pushOutbox();
  await eventually(async () => assert.equal(await text(page.getByTestId("outbox-count")), "2 waiting to send"));
  await forget.click();
  assert.equal(await text(forget), "Delete 2 unsent items too? Click again");
  assert.equal(backend.callsOf("sign_out").length, 0, "the first click only asks");
  await forget.click();
  await page.getByTestId("sign-in").waitFor();
  assert.deepEqual(backend.callsOf("sign_out"), [{ forgetOfflineData: true }]);
  app.done();
});

test("forgetting offline data with nothing waiting signs out at the first click", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const forget = app.page.getByTestId("sign-out-forget");
  assert.equal(await text(forget), "Sign out and forget offline data");
  await forget.click();
  await app.page.getByTestId("sign-in").waitFor();
  assert.deepEqual(backend.callsOf("sign_out"), [{ forgetOfflineData: true }]);
  app.done();
});
