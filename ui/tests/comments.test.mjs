import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, openTicket, useHarness } from "./helpers/app.mjs";
import { fakeBackend, USERS } from "./helpers/fixtures.mjs";

const harness = useHarness();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("staff add public and internal comments; internal ones are marked", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-3");
  const editor = detail.getByTestId("comment-editor");

  await editor.locator("textarea").fill("Looking at it now");
  await editor.getByTestId("comment-submit").click();
  await eventually(async () => assert.equal(await detail.getByTestId("comment").count(), 3));
  assert.equal(await editor.locator("textarea").inputValue(), "", "the editor is emptied once stored");

  await editor.getByTestId("comment-internal").check();
  assert.equal(await editor.getByTestId("comment-submit").innerText(), "Add internal note");
  await editor.locator("textarea").fill("Hypervisor logs are in /var/log/kvm");
  await editor.locator("textarea").press("Control+Enter");
  await eventually(async () => assert.equal(await detail.getByTestId("comment").count(), 4));

  const [first, second] = backend.callsOf("add_comment").map((c) => c.input);
  assert.match(first.id, UUID);
  assert.deepEqual({ ...first, id: "x" }, { id: "x", ticketId: "t-3", content: "Looking at it now", isInternal: false });
  assert.deepEqual({ ...second, id: "x" }, { id: "x", ticketId: "t-3", content: "Hypervisor logs are in /var/log/kvm", isInternal: true });
  assert.notEqual(first.id, second.id, "each comment gets its own id");

  const last = detail.getByTestId("comment").last();
  assert.equal(await last.getByTestId("internal-tag").textContent(), "Internal");
  assert.equal(await detail.getByTestId("comment").nth(2).getByTestId("internal-tag").count(), 0);
  app.done();
});

test("a requestor's editor has no internal toggle and sends public comments", async (t) => {
  const backend = fakeBackend({ me: USERS[3] });
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-2");
  const editor = detail.getByTestId("comment-editor");

  assert.equal(await editor.getByTestId("comment-internal").count(), 0);
  await editor.locator("textarea").fill("Any news?");
  await editor.getByTestId("comment-submit").click();
  await eventually(() => assert.equal(backend.callsOf("add_comment").length, 1));
  assert.equal(backend.callsOf("add_comment")[0].input.isInternal, false);
  app.done();
});

test("authors edit and delete their own comments only; edits are marked", async (t) => {
  const backend = fakeBackend({ me: USERS[2] }); // Dora wrote c2
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const detail = await openTicket(app, "t-3");
  const mine = detail.locator('[data-comment-id="c2"]');
  const theirs = detail.locator('[data-comment-id="c1"]');

  assert.equal(await theirs.getByTestId("comment-edit").count(), 0, "not someone else's");
  assert.equal(await theirs.getByTestId("comment-delete").count(), 0);
  assert.equal(await mine.getByTestId("edited").count(), 0);

  await mine.getByTestId("comment-edit").click();
  const text = mine.getByTestId("comment-edit-text");
  assert.equal(await text.inputValue(), "Internal note: check the hypervisor");
  await text.fill("Internal note: hypervisor rebooted");
  // Typing in the edit box never fires the queue's keys.
  await text.press("j");
  assert.equal(await page.locator('[data-testid="queue-row"][aria-selected="true"]').getAttribute("data-ticket-id"), "t-3");
  await text.fill("Internal note: hypervisor rebooted");
  await mine.getByTestId("comment-save").click();
  await eventually(async () => assert.match(await mine.innerText(), /hypervisor rebooted/));
  assert.equal(await mine.getByTestId("edited").innerText(), "edited");
  assert.deepEqual(backend.callsOf("edit_comment"), [{ edit: { commentId: "c2", editCount: 0, content: "Internal note: hypervisor rebooted" } }]);

  await mine.getByTestId("comment-delete").click();
  await mine.getByTestId("comment-delete-confirm").click();
  await eventually(async () => assert.equal(await detail.locator('[data-comment-id="c2"]').count(), 0));
  assert.deepEqual(backend.callsOf("delete_comment"), [{ commentId: "c2" }]);
  assert.equal(await detail.getByTestId("comment").count(), 1);
  app.done();
});
