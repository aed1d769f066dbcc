import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, useHarness } from "./helpers/app.mjs";
import { appError, fakeBackend } from "./helpers/fixtures.mjs";

const harness = useHarness();

async function openForm(page) {
  await page.getByTestId("new-ticket").click();
  const form = page.getByTestId("create-form");
  await form.waitFor();
  return form;
}

test("the create form has the documented fields and defaults", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const form = await openForm(app.page);

  assert.equal(await form.locator("input[name=title]").inputValue(), "");
  assert.equal(await form.locator("textarea[name=description]").inputValue(), "");
  assert.equal(await form.locator("select[name=priority]").inputValue(), "P3_MEDIUM");
  assert.equal(await form.locator("select[name=category]").inputValue(), "OTHER");
  const envOptions = await form
    .locator("select[name=environment] option")
    .evaluateAll((os) => os.map((o) => o.getAttribute("value")));
  assert.deepEqual(envOptions, ["", "Production", "Staging", "Development"]);
  assert.equal(await form.locator("select[name=environment]").inputValue(), "");
  await eventually(async () => {
    const assignees = await form
      .locator("select[name=assignee] option")
      .evaluateAll((os) => os.map((o) => o.getAttribute("value")));
    assert.deepEqual(assignees, ["", "u-admin", "u-lead", "u-dev", "u-end"]);
  });
  assert.equal(await form.locator("select[name=assignee]").inputValue(), "");
  app.done();
});

test("an empty title or description is blocked without calling the backend", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const form = await openForm(page);

  await form.locator("textarea[name=description]").fill("Some description");
  await page.getByTestId("create-submit").click();
  await eventually(async () => assert.match(await form.innerText(), /Title is required/));

  await form.locator("input[name=title]").fill("   ");
  await page.getByTestId("create-submit").click();
  await eventually(async () => assert.match(await form.innerText(), /Title is required/));

  await form.locator("input[name=title]").fill("A title");
  await form.locator("textarea[name=description]").fill("");
  await page.getByTestId("create-submit").click();
  await eventually(async () => assert.match(await form.innerText(), /Description is required/));

  assert.equal(backend.callsOf("create_ticket").length, 0, "create_ticket never called");
  assert.equal(await form.isVisible(), true, "form still open");
  assert.equal(await form.locator("input[name=title]").inputValue(), "A title");
  app.done();
});

test("a valid submit sends exactly the typed fields (null environment/assignee), then toast, new row and detail", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const form = await openForm(page);

  await form.locator("input[name=title]").fill("Printer on fire");
  await form.locator("textarea[name=description]").fill("Third floor.\nPlease hurry.");
  await form.locator("select[name=priority]").selectOption("P1_CRITICAL");
  await form.locator("select[name=category]").selectOption("INFRASTRUCTURE");
  await page.getByTestId("create-submit").click();

  await eventually(async () => assert.equal(await page.getByTestId("create-form").count(), 0, "form closed"));
  assert.deepEqual(backend.callsOf("create_ticket"), [
    {
      input: {
        title: "Printer on fire",
        description: "Third floor.\nPlease hurry.",
        priority: "P1_CRITICAL",
        category: "INFRASTRUCTURE",
        environment: null,
        assigneeId: null,
      },
    },
  ]);

  const toast = page.getByTestId("toast");
  await toast.waitFor();
  assert.match(await toast.innerText(), /Created TKT-0100/);
  await eventually(async () => assert.equal((await app.rowNumbers())[0], "TKT-0100"));
  assert.deepEqual((await app.rows().nth(0).locator("td").allInnerTexts()).slice(1, 5), [
    "Printer on fire",
    "New",
    "P1 Critical",
    "Unassigned",
  ]);
  const detail = page.getByTestId("ticket-detail");
  await eventually(async () => assert.match(await detail.getByTestId("detail-title").innerText(), /Printer on fire/));
  assert.deepEqual(backend.callsOf("get_ticket").at(-1), { ticketId: "t-100" });
  app.done();
});

test("environment and assignee, when chosen, are sent as their values", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const form = await openForm(page);

  await form.locator("input[name=title]").fill("Staging DB slow");
  await form.locator("textarea[name=description]").fill("Queries take 30 s");
  await form.locator("select[name=environment]").selectOption("Staging");
  await eventually(() => form.locator("select[name=assignee]").selectOption("u-dev"));
  await page.getByTestId("create-submit").click();

  await eventually(() => assert.equal(backend.callsOf("create_ticket").length, 1));
  assert.deepEqual(backend.callsOf("create_ticket")[0].input, {
    title: "Staging DB slow",
    description: "Queries take 30 s",
    priority: "P3_MEDIUM",
    category: "OTHER",
    environment: "Staging",
    assigneeId: "u-dev",
  });
  await eventually(async () => assert.deepEqual((await app.rows().nth(0).locator("td").nth(4).innerText()).trim(), "Dora DevOps"));
  app.done();
});

test("a validation AppError is shown in the form and everything typed is kept", async (t) => {
  const backend = fakeBackend({
    handlers: { create_ticket: () => { throw appError("validation", "Title must be at most 120 characters"); } },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const form = await openForm(page);

  await form.locator("input[name=title]").fill("A very long title");
  await form.locator("textarea[name=description]").fill("Details");
  await form.locator("select[name=priority]").selectOption("P2_HIGH");
  await page.getByTestId("create-submit").click();

  const error = page.getByTestId("form-error");
  await error.waitFor();
  assert.equal((await error.innerText()).trim(), "Title must be at most 120 characters");
  assert.equal(await form.locator("input[name=title]").inputValue(), "A very long title");
  assert.equal(await form.locator("textarea[name=description]").inputValue(), "Details");
  assert.equal(await form.locator("select[name=priority]").inputValue(), "P2_HIGH");
  assert.equal(await page.getByTestId("toast").count(), 0);
  assert.equal(await page.getByTestId("error-banner").count(), 0, "form errors stay in the form");
  assert.equal(backend.callsOf("create_ticket").length, 1);
  app.done();
});
