// Drafts kept on this computer as they are typed (issue 16, item 1): the create form, each
// ticket's comment box, the resolve notes and the Reason; restored with "Draft restored from
// HH:MM — Discard", deleted once sent, kept by Sign out and deleted by "forget offline data".
// The fake backend keeps drafts per account in its own memory, so a page reload (an app
// restart or a crash) finds them again, as the store on disk does.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { eventually, gate, openSignedIn, openTicket, signIn, useHarness } from "./helpers/app.mjs";
import { appError, fakeBackend, PASSWORD, USERS } from "./helpers/fixtures.mjs";
import { importTs } from "./helpers/ts.mjs";

const harness = useHarness();
const ADA = USERS[0];

/** Longer than the autosave's 400 ms debounce, with room for the round trip. */
const PAST_DEBOUNCE_MS = 800;
const pastDebounce = () => new Promise((r) => setTimeout(r, PAST_DEBOUNCE_MS));

const savesOf = (backend, key) => backend.callsOf("save_draft").filter((a) => a.key === key);
const discardsOf = (backend, key) => backend.callsOf("discard_draft").filter((a) => a.key === key);
const keptFor = (backend, key, user = ADA) => backend.draftOf(user.id, key);

async function openForm(page) {
  await page.getByTestId("new-ticket").click();
  const form = page.getByTestId("create-form");
  await form.waitFor();
  return form;
}

async function formFields(form) {
  return {
    title: await form.locator("input[name=title]").inputValue(),
    description: await form.locator("textarea[name=description]").inputValue(),
    priority: await form.locator("select[name=priority]").inputValue(),
    category: await form.locator("select[name=category]").inputValue(),
    environment: await form.locator("select[name=environment]").inputValue(),
    assigneeId: await form.locator("select[name=assignee]").inputValue(),
  };
}

const EMPTY_FORM = { title: "", description: "", priority: "P3_MEDIUM", category: "OTHER", environment: "", assigneeId: "" };
const TYPED = {
  title: "Backup job fails",
  description: "Since Monday night.\nOnly on db-02.",
  priority: "P2_HIGH",
  category: "STORAGE_ISSUE",
  environment: "Production",
  assigneeId: "u-dev",
};

async function fillForm(form, fields) {
  await form.locator("input[name=title]").fill(fields.title);
  await form.locator("textarea[name=description]").fill(fields.description);
  await form.locator("select[name=priority]").selectOption(fields.priority);
  await form.locator("select[name=category]").selectOption(fields.category);
  await form.locator("select[name=environment]").selectOption(fields.environment);
  await eventually(() => form.locator("select[name=assignee]").selectOption(fields.assigneeId));
}

/** The note's time as the page's locale writes it (hours and minutes). */
const localTime = (page, iso) =>
  page.evaluate((at) => new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" }).format(new Date(at)), iso);

async function assertRestoredNote(page, scope, savedAt) {
  const note = scope.getByTestId("draft-restored");
  await note.waitFor();
  const text = (await note.innerText()).replace(/\s+/g, " ").trim();
  assert.equal(text, `Draft restored from ${(await localTime(page, savedAt)).replace(/\s+/g, " ")} — Discard`);
  assert.match(text, /^Draft restored from \d{1,2}:\d{2}\b/);
}

// --- The pure helpers -------------------------------------------------------------------

let drafts;
before(async () => {
  drafts = await importTs("src/features/drafts/drafts.ts");
});

test("draft helpers: the keys are the ones the backend accepts", () => {
  assert.equal(drafts.draftKeys.newTicket, "new-ticket");
  assert.equal(drafts.draftKeys.comment("t-1"), "comment:t-1");
  assert.equal(drafts.draftKeys.resolve("t-1"), "resolve:t-1");
  assert.equal(drafts.draftKeys.escalate("t-1"), "escalate:t-1");
});

test("draft helpers: readFields takes what fits the form and defaults the rest, in the form's order", () => {
  const defaults = { title: "", priority: "P3_MEDIUM", internal: false };
  const choices = { priority: ["P1_CRITICAL", "P3_MEDIUM"] };
  assert.deepEqual(drafts.readFields({ internal: true, title: "Disk", priority: "P1_CRITICAL", extra: 1 }, defaults, choices), {
    title: "Disk",
    priority: "P1_CRITICAL",
    internal: true,
  });
  assert.deepEqual(Object.keys(drafts.readFields({ internal: true, title: "x" }, defaults)), ["title", "priority", "internal"]);
  // An older or damaged draft: wrong types and values the select no longer has fall back.
  assert.deepEqual(drafts.readFields({ title: 42, priority: "P9_NOPE", internal: "yes" }, defaults, choices), defaults);
  for (const body of [null, undefined, "text", 7, ["title"]]) assert.deepEqual(drafts.readFields(body, defaults), defaults);
  // Without choices any string is taken.
  assert.equal(drafts.readFields({ priority: "P9_NOPE" }, defaults).priority, "P9_NOPE");
});

test("draft helpers: isBlank is every field at its default, spaces counting as empty", () => {
  const defaults = { title: "", priority: "P3_MEDIUM", internal: false };
  assert.equal(drafts.isBlank({ ...defaults }, defaults), true);
  assert.equal(drafts.isBlank({ ...defaults, title: "  \n " }, defaults), true);
  assert.equal(drafts.isBlank({ ...defaults, title: "a" }, defaults), false);
  assert.equal(drafts.isBlank({ ...defaults, priority: "P1_CRITICAL" }, defaults), false);
  assert.equal(drafts.isBlank({ ...defaults, internal: true }, defaults), false);
  // A default that is not empty (the reason a dialog started from) is blank too.
  assert.equal(drafts.isBlank({ notes: "", reason: "Disk full" }, { notes: "", reason: "Disk full" }), true);
  assert.equal(drafts.isBlank({ notes: "", reason: "" }, { notes: "", reason: "Disk full" }), false);
});

test("draft helpers: restoredLabel says the time in the user's locale, and the day when it was not today", () => {
  const saved = new Date(2026, 2, 3, 10, 42).toISOString();
  const sameDay = new Date(2026, 2, 3, 18, 5).getTime();
  assert.equal(drafts.restoredLabel(saved, sameDay, "en-GB"), "Draft restored from 10:42");
  assert.equal(drafts.restoredLabel(new Date(2026, 2, 3, 9, 5).toISOString(), sameDay, "de-DE"), "Draft restored from 09:05");
  assert.match(drafts.restoredLabel(saved, sameDay, "en-US"), /^Draft restored from 10:42\sAM$/);
  const nextDay = new Date(2026, 2, 4, 8, 0).getTime();
  assert.equal(drafts.restoredLabel(saved, nextDay, "en-GB"), "Draft restored from 3 Mar, 10:42");
  assert.equal(drafts.restoredLabel("not a time", sameDay, "en-GB"), "Draft restored");
});

// --- The create form ----------------------------------------------------------------------

test("the create form saves every field after the debounce; reopening and restarting restore it with the note", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  let form = await openForm(page);
  assert.equal(await form.getByTestId("draft-restored").count(), 0, "nothing to restore at first");

  await fillForm(form, TYPED);
  await eventually(() => assert.deepEqual(keptFor(backend, "new-ticket")?.body, TYPED));
  const { savedAt } = keptFor(backend, "new-ticket");

  await form.getByRole("button", { name: "Cancel" }).click();
  await eventually(async () => assert.equal(await page.getByTestId("create-form").count(), 0));
  form = await openForm(page);
  await eventually(async () => assert.deepEqual(await formFields(form), TYPED));
  await assertRestoredNote(page, form, savedAt);
  assert.deepEqual(backend.callsOf("load_draft").at(-1), { key: "new-ticket" });

  // A restart (or a crash): the app comes back and the form is still there.
  await page.goto(app.url);
  await page.getByTestId("current-user").waitFor();
  form = await openForm(page);
  await eventually(async () => assert.deepEqual(await formFields(form), TYPED));
  await assertRestoredNote(page, form, savedAt);
  await pastDebounce();
  assert.equal(keptFor(backend, "new-ticket").savedAt, savedAt, "a restore is not saved again");
  app.done();
});

test("Discard empties the form and deletes its draft", async (t) => {
  const backend = fakeBackend();
  // Kept from an earlier session, today at 10:42 (or just now when that is still to come).
  const at = new Date();
  at.setHours(10, 42, 0, 0);
  const savedAt = (at.getTime() > Date.now() ? new Date() : at).toISOString();
  backend.drafts.set(ADA.id, new Map([["new-ticket", { body: { ...EMPTY_FORM, title: "Half a ticket" }, savedAt }]]));
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  let form = await openForm(page);
  await eventually(async () => assert.equal(await form.locator("input[name=title]").inputValue(), "Half a ticket"));
  await assertRestoredNote(page, form, savedAt);

  await form.getByTestId("draft-discard").click();
  await eventually(async () => assert.deepEqual(await formFields(form), EMPTY_FORM));
  assert.equal(await form.getByTestId("draft-restored").count(), 0, "the note goes with the draft");
  assert.equal(await form.locator("input[name=title]").evaluate((el) => el === document.activeElement), true, "the caret is back in the form");
  await eventually(() => assert.equal(keptFor(backend, "new-ticket"), undefined));
  assert.deepEqual(discardsOf(backend, "new-ticket"), [{ key: "new-ticket" }]);
  await pastDebounce();
  assert.equal(savesOf(backend, "new-ticket").length, 0, "the emptied form is not saved");

  await form.getByRole("button", { name: "Cancel" }).click();
  form = await openForm(page);
  await eventually(() => assert.equal(backend.callsOf("load_draft").length, 2));
  assert.deepEqual(await formFields(form), EMPTY_FORM);
  assert.equal(await form.getByTestId("draft-restored").count(), 0);
  app.done();
});

test("a failed create keeps the draft; a successful one deletes it, even right after a keystroke", async (t) => {
  let failures = 1;
  const backend = fakeBackend({
    handlers: {
      create_ticket: (args, b) => {
        if (failures-- > 0) throw appError("validation", "Title must be at most 120 characters");
        return b.defaults.create_ticket(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  let form = await openForm(page);
  await form.locator("input[name=title]").fill("Printer on fire");
  await form.locator("textarea[name=description]").fill("Third floor");
  await page.getByTestId("create-submit").click();
  await page.getByTestId("form-error").waitFor();
  // Control: the failed attempt leaves the draft to be kept.
  await eventually(() => assert.equal(keptFor(backend, "new-ticket")?.body.title, "Printer on fire"));

  // One more keystroke, then submit before the debounce: the pending save must not bring it back.
  await form.locator("input[name=title]").press("End");
  await page.keyboard.type("!");
  await page.getByTestId("create-submit").click();
  await eventually(async () => assert.equal(await page.getByTestId("create-form").count(), 0));
  assert.equal(backend.callsOf("create_ticket").at(-1).input.title, "Printer on fire!");
  await eventually(() => assert.equal(keptFor(backend, "new-ticket"), undefined));
  await pastDebounce();
  assert.equal(keptFor(backend, "new-ticket"), undefined, "not resurrected by a late save");

  form = await openForm(page);
  await eventually(() => assert.deepEqual(backend.callsOf("load_draft").at(-1), { key: "new-ticket" }));
  await pastDebounce();
  assert.deepEqual(await formFields(form), EMPTY_FORM);
  assert.equal(await form.getByTestId("draft-restored").count(), 0);
  app.done();
});

test("a burst of keystrokes is one save, and closing within the debounce still saves", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  let form = await openForm(page);
  await form.locator("input[name=title]").focus();
  await page.keyboard.type("Printer on fire", { delay: 15 });
  await pastDebounce();
  assert.deepEqual(savesOf(backend, "new-ticket"), [{ key: "new-ticket", body: { ...EMPTY_FORM, title: "Printer on fire" } }]);

  // Typed and closed at once: the close saves it (reopening straight away finds it whole).
  await page.keyboard.type(" again");
  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await page.getByTestId("create-form").count(), 0));
  form = await openForm(page);
  await eventually(async () => assert.equal(await form.locator("input[name=title]").inputValue(), "Printer on fire again"));
  await form.getByTestId("draft-restored").waitFor();
  assert.equal(savesOf(backend, "new-ticket").length, 2);
  app.done();
});

test("a slow save is never overtaken: a reopened form waits for it, and a sent draft's delete comes after it", async (t) => {
  let held = null;
  const backend = fakeBackend({
    handlers: {
      save_draft: async (args, b) => {
        if (held) await held.wait;
        return b.defaults.save_draft(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  held = gate();
  let form = await openForm(page);
  await form.locator("input[name=title]").fill("Slow disk");
  await page.keyboard.press("Escape");
  form = await openForm(page);
  await eventually(() => assert.equal(backend.callsOf("save_draft").length, 1));
  await pastDebounce();
  assert.equal(backend.callsOf("load_draft").length, 1, "the second load waits for the save still under way");
  held.open();
  await eventually(async () => assert.equal(await form.locator("input[name=title]").inputValue(), "Slow disk"));
  await form.getByTestId("draft-restored").waitFor();
  await form.getByTestId("draft-discard").click();
  await page.keyboard.press("Escape");

  held = gate();
  const detail = await openTicket(app, "t-3");
  const editor = detail.getByTestId("comment-editor");
  await editor.locator("textarea").fill("Posted while its save hangs");
  await eventually(() => assert.equal(savesOf(backend, "comment:t-3").length, 1));
  await editor.getByTestId("comment-submit").click();
  await eventually(async () => assert.equal(await detail.getByTestId("comment").count(), 3));
  held.open();
  await eventually(() => assert.equal(discardsOf(backend, "comment:t-3").length, 1));
  await pastDebounce();
  assert.equal(keptFor(backend, "comment:t-3"), undefined, "the late save did not bring the draft back");
  app.done();
});

test("what is typed while the draft loads wins over the kept draft", async (t) => {
  const loading = gate();
  const backend = fakeBackend({
    handlers: {
      load_draft: async (args, b) => {
        await loading.wait;
        return b.defaults.load_draft(args, b);
      },
    },
  });
  backend.drafts.set(ADA.id, new Map([["new-ticket", { body: { ...EMPTY_FORM, title: "Older draft" }, savedAt: new Date().toISOString() }]]));
  const app = await openSignedIn(harness, t, backend);
  const form = await openForm(app.page);
  await form.locator("input[name=title]").fill("Newer text");
  await eventually(() => assert.equal(backend.callsOf("load_draft").length, 1));
  loading.open();
  await pastDebounce();
  assert.equal(await form.locator("input[name=title]").inputValue(), "Newer text");
  assert.equal(await form.getByTestId("draft-restored").count(), 0);
  assert.equal(keptFor(backend, "new-ticket").body.title, "Newer text", "and it is what is kept now");
  app.done();
});

test("an empty form is not saved: opening, typing and undoing, or emptying it deletes rather than saves", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const form = await openForm(page);
  await pastDebounce();
  await form.locator("input[name=title]").fill("x");
  await form.locator("input[name=title]").fill("");
  await form.locator("select[name=priority]").selectOption("P1_CRITICAL");
  await form.locator("select[name=priority]").selectOption("P3_MEDIUM");
  await form.locator("textarea[name=description]").fill("   ");
  await pastDebounce();
  assert.equal(backend.callsOf("save_draft").length, 0, "nothing worth keeping");
  assert.equal(backend.callsOf("discard_draft").length, 0, "and nothing to delete");

  await form.locator("input[name=title]").fill("Something");
  await eventually(() => assert.equal(keptFor(backend, "new-ticket")?.body.title, "Something"));
  await form.locator("input[name=title]").fill("");
  await eventually(() => assert.equal(keptFor(backend, "new-ticket"), undefined, "emptied: the draft is deleted"));
  assert.deepEqual(discardsOf(backend, "new-ticket"), [{ key: "new-ticket" }]);
  assert.equal(backend.callsOf("save_draft").length, 1, "the empty form itself was never saved");

  await form.getByRole("button", { name: "Cancel" }).click();
  await pastDebounce();
  assert.equal(backend.callsOf("save_draft").length, 1);
  app.done();
});

test("a failing save does not get in the way of typing: a quiet hint, no error banner", async (t) => {
  const backend = fakeBackend({
    handlers: {
      save_draft: () => {
        throw appError("internal", "disk full");
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const form = await openForm(page);
  await form.locator("input[name=title]").focus();
  await page.keyboard.type("Disk", { delay: 10 });
  await form.getByTestId("draft-unsaved").waitFor();
  await page.keyboard.type(" full", { delay: 10 });
  assert.equal(await form.locator("input[name=title]").inputValue(), "Disk full");
  assert.equal(await page.getByTestId("error-banner").count(), 0);
  assert.equal(await page.getByTestId("form-error").count(), 0);
  // The next change tries again.
  await eventually(() => assert.equal(backend.callsOf("save_draft").length, 2));
  app.done();
});

// --- A ticket's comment box, resolve notes and Reason ---------------------------------------

test("comment drafts are kept per ticket, flushed on a switch, restored on return and deleted once posted", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  let detail = await openTicket(app, "t-3");
  let editor = detail.getByTestId("comment-editor");
  await editor.getByTestId("comment-internal").check();
  await editor.locator("textarea").fill("Hypervisor logs are in /var/log/kvm");

  // Switched away at once (within the debounce): the draft is saved as the box goes.
  detail = await openTicket(app, "t-2");
  await eventually(async () => assert.match(await detail.getByTestId("detail-title").innerText(), /Need VPN access/));
  editor = detail.getByTestId("comment-editor");
  await eventually(() => assert.deepEqual(backend.callsOf("load_draft").at(-1), { key: "comment:t-2" }));
  assert.equal(await editor.locator("textarea").inputValue(), "", "ticket 2 has its own (empty) box");
  assert.equal(await editor.getByTestId("draft-restored").count(), 0);
  assert.deepEqual(keptFor(backend, "comment:t-3").body, { content: "Hypervisor logs are in /var/log/kvm", internal: true });

  detail = await openTicket(app, "t-3");
  editor = detail.getByTestId("comment-editor");
  await eventually(async () => assert.equal(await editor.locator("textarea").inputValue(), "Hypervisor logs are in /var/log/kvm"));
  assert.equal(await editor.getByTestId("comment-internal").isChecked(), true);
  await assertRestoredNote(page, editor, keptFor(backend, "comment:t-3").savedAt);

  await editor.getByTestId("comment-submit").click();
  await eventually(async () => assert.equal(await detail.getByTestId("comment").count(), 3));
  assert.deepEqual(
    backend.callsOf("add_comment").map((c) => ({ ...c.input, id: "x" })),
    [{ id: "x", ticketId: "t-3", content: "Hypervisor logs are in /var/log/kvm", isInternal: true }],
  );
  await eventually(() => assert.equal(keptFor(backend, "comment:t-3"), undefined, "a posted comment's draft is deleted"));
  assert.equal(await editor.getByTestId("draft-restored").count(), 0, "the note goes once sent");
  assert.equal(await editor.locator("textarea").inputValue(), "");
  await pastDebounce();
  assert.equal(keptFor(backend, "comment:t-3"), undefined, "the still-ticked Internal note alone is no draft");
  app.done();
});

test("the Reason comes back per ticket, after a restart too, and is deleted once the escalation is sent", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  let detail = await openTicket(app, "t-2");
  await detail.getByTestId("change-reason").fill("Database team needed");
  await eventually(() => assert.deepEqual(keptFor(backend, "escalate:t-2")?.body, { reason: "Database team needed" }));

  detail = await openTicket(app, "t-3");
  await eventually(() => assert.ok(backend.callsOf("load_draft").some((a) => a.key === "escalate:t-3")));
  await pastDebounce();
  assert.equal(await detail.getByTestId("change-reason").inputValue(), "", "another ticket's Reason is its own");

  await page.goto(app.url);
  await page.getByTestId("current-user").waitFor();
  await app.rows().first().waitFor();
  detail = await openTicket(app, "t-2");
  const reason = detail.getByTestId("change-reason");
  await eventually(async () => assert.equal(await reason.inputValue(), "Database team needed"));
  const actions = detail.getByTestId("ticket-actions");
  await assertRestoredNote(page, actions, keptFor(backend, "escalate:t-2").savedAt);

  const escalate = detail.locator('[data-to="ESCALATED"]');
  assert.equal(await escalate.isDisabled(), false, "the restored reason is enough to escalate");
  await escalate.click();
  await eventually(() =>
    assert.deepEqual(backend.callsOf("change_status"), [{ change: { ticketId: "t-2", version: 3, to: "ESCALATED", reason: "Database team needed" } }]),
  );
  await eventually(() => assert.equal(keptFor(backend, "escalate:t-2"), undefined));
  assert.equal(await reason.inputValue(), "");
  assert.equal(await actions.getByTestId("draft-restored").count(), 0);
  app.done();
});

test("resolve notes survive closing the dialog and are deleted with the Reason once resolved", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const detail = await openTicket(app, "t-3");
  await detail.getByTestId("change-reason").fill("Fixed");
  await detail.locator('[data-to="RESOLVED"]').click();
  let dialog = page.getByTestId("resolve-dialog");
  await dialog.waitFor();
  assert.equal(await dialog.locator("input[name=reason]").inputValue(), "Fixed");
  await dialog.locator("textarea[name=resolutionNotes]").fill("Restarted the hypervisor");
  // Closed at once: the notes are saved as it goes.
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await eventually(async () => assert.equal(await dialog.count(), 0));

  await detail.locator('[data-to="RESOLVED"]').click();
  dialog = page.getByTestId("resolve-dialog");
  await dialog.waitFor();
  await eventually(async () => assert.equal(await dialog.locator("textarea[name=resolutionNotes]").inputValue(), "Restarted the hypervisor"));
  assert.equal(await dialog.locator("input[name=reason]").inputValue(), "Fixed");
  assert.deepEqual(keptFor(backend, "resolve:t-3").body, { notes: "Restarted the hypervisor", reason: "Fixed" });
  await assertRestoredNote(page, dialog, keptFor(backend, "resolve:t-3").savedAt);

  await dialog.getByTestId("resolve-submit").click();
  await eventually(async () => assert.equal(await dialog.count(), 0));
  assert.deepEqual(backend.callsOf("change_status"), [
    { change: { ticketId: "t-3", version: 3, to: "RESOLVED", reason: "Fixed", resolutionNotes: "Restarted the hypervisor" } },
  ]);
  await eventually(() => assert.equal(keptFor(backend, "resolve:t-3"), undefined, "the notes' draft is deleted"));
  await eventually(() => assert.equal(keptFor(backend, "escalate:t-3"), undefined, "and the Reason's, which went with it"));
  await pastDebounce();
  assert.equal(keptFor(backend, "resolve:t-3"), undefined);
  app.done();
});

test("the Discard on a restored comment clears the box and deletes only that ticket's draft", async (t) => {
  const backend = fakeBackend();
  const savedAt = new Date().toISOString();
  backend.drafts.set(
    ADA.id,
    new Map([
      ["comment:t-3", { body: { content: "Old thought", internal: false }, savedAt }],
      ["comment:t-2", { body: { content: "Other ticket", internal: false }, savedAt }],
    ]),
  );
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-3");
  const editor = detail.getByTestId("comment-editor");
  await eventually(async () => assert.equal(await editor.locator("textarea").inputValue(), "Old thought"));
  await editor.getByTestId("draft-discard").click();
  assert.equal(await editor.locator("textarea").inputValue(), "");
  await eventually(() => assert.equal(keptFor(backend, "comment:t-3"), undefined));
  assert.equal(keptFor(backend, "comment:t-2").body.content, "Other ticket");
  app.done();
});

// --- Signing out ------------------------------------------------------------------------------

test("Sign out keeps the drafts (even one typed a moment before); Sign out and forget offline data deletes them", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const form = await openForm(page);
  await form.locator("input[name=title]").fill("Kept across sign-out");
  await form.getByRole("button", { name: "Cancel" }).click();
  let detail = await openTicket(app, "t-3");
  await detail.getByTestId("comment-editor").locator("textarea").fill("Typed just before signing out");

  await page.getByTestId("sign-out").click();
  await page.getByTestId("sign-in").waitFor();
  assert.deepEqual(backend.callsOf("sign_out"), [{}], "a plain sign-out forgets nothing");
  const order = backend.calls.map((c) => c.cmd);
  assert.ok(order.lastIndexOf("save_draft") < order.indexOf("sign_out"), "the pending comment was saved before the session ended");
  assert.equal(keptFor(backend, "comment:t-3").body.content, "Typed just before signing out");

  await signIn(page, "ada", PASSWORD);
  await page.getByTestId("current-user").waitFor();
  let again = await openForm(page);
  await eventually(async () => assert.equal(await again.locator("input[name=title]").inputValue(), "Kept across sign-out"));
  await again.getByTestId("draft-restored").waitFor();
  await again.getByRole("button", { name: "Cancel" }).click();
  detail = await openTicket(app, "t-3");
  await eventually(async () =>
    assert.equal(await detail.getByTestId("comment-editor").locator("textarea").inputValue(), "Typed just before signing out"),
  );

  const forget = page.getByTestId("sign-out-forget");
  assert.match(await forget.getAttribute("title"), /delete this account's unsent drafts and unsent work from this computer/);
  await forget.click();
  await page.getByTestId("sign-in").waitFor();
  assert.deepEqual(backend.callsOf("sign_out"), [{}, { forgetOfflineData: true }]);
  assert.equal(backend.drafts.has(ADA.id), false, "this account's drafts are gone");

  await signIn(page, "ada", PASSWORD);
  await page.getByTestId("current-user").waitFor();
  again = await openForm(page);
  await eventually(() => assert.deepEqual(backend.callsOf("load_draft").at(-1), { key: "new-ticket" }));
  await pastDebounce();
  assert.deepEqual(await formFields(again), EMPTY_FORM);
  assert.equal(await again.getByTestId("draft-restored").count(), 0);
  app.done();
});

test("drafts belong to their account: someone else signing in on this computer does not get them", async (t) => {
  const backend = fakeBackend({ me: USERS[3] });
  backend.drafts.set(ADA.id, new Map([["new-ticket", { body: { ...EMPTY_FORM, title: "Ada's secret" }, savedAt: new Date().toISOString() }]]));
  const app = await openSignedIn(harness, t, backend);
  const form = await openForm(app.page);
  await eventually(() => assert.deepEqual(backend.callsOf("load_draft").at(-1), { key: "new-ticket" }));
  await pastDebounce();
  assert.equal(await form.locator("input[name=title]").inputValue(), "");
  assert.equal(await form.getByTestId("draft-restored").count(), 0);
  assert.equal(keptFor(backend, "new-ticket").body.title, "Ada's secret", "still Ada's");
  app.done();
});
