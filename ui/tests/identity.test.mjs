import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, useHarness } from "./helpers/app.mjs";
import { appError, fakeBackend, USERS } from "./helpers/fixtures.mjs";

const harness = useHarness();

test("no current user: connecting message, then the temporary act-as picker; act_as gets the chosen id", async (t) => {
  let answer;
  const pending = new Promise((resolve) => (answer = resolve));
  const backend = fakeBackend({ me: null, handlers: { current_user: () => pending } });
  const app = await harness.open(t, backend);
  const { page } = app;

  await page.getByText("Connecting to the database…").waitFor();
  assert.equal(await page.getByTestId("act-as-select").count(), 0);
  answer(null);

  const select = page.getByTestId("act-as-select");
  await select.waitFor();
  assert.match(await page.locator("main, body").first().innerText(), /temporary/i);
  await page.getByText("Until sign-in exists, choose which demo user this window acts as").waitFor();
  await eventually(async () =>
    assert.deepEqual(await select.locator("option").allTextContents(), [
      "Ada Admin — Admin",
      "Tom Lead — Team lead",
      "Dora DevOps — DevOps engineer",
      "Eve User — End user",
    ]),
  );
  assert.equal(await page.getByTestId("current-user").count(), 0, "no header user before choosing");
  assert.equal(backend.callsOf("list_queue").length, 0, "queue not loaded before choosing");

  await select.selectOption("u-dev");
  await page.getByTestId("act-as-submit").click();

  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Dora DevOps/));
  assert.deepEqual(backend.callsOf("act_as"), [{ userId: "u-dev" }]);
  assert.deepEqual(backend.callsOf("current_user"), [{}]);
  await app.rows().first().waitFor();
  assert.equal(await page.getByTestId("act-as-select").count(), 0, "picker is gone");
  app.done();
});

test("an existing session skips the picker; Switch user goes back to it and changes who we act as", async (t) => {
  const backend = fakeBackend({ me: USERS[1] });
  const app = await harness.open(t, backend);
  const { page } = app;

  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Tom Lead/));
  await app.rows().first().waitFor();
  assert.equal(backend.callsOf("act_as").length, 0);

  await page.getByRole("button", { name: "Switch user" }).click();
  const select = page.getByTestId("act-as-select");
  await select.waitFor();
  assert.equal(await select.inputValue(), "u-lead", "current user is preselected");
  const queueCalls = backend.callsOf("list_queue").length;

  await select.selectOption("u-admin");
  await page.getByTestId("act-as-submit").click();
  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Ada Admin/));
  assert.deepEqual(backend.callsOf("act_as"), [{ userId: "u-admin" }]);
  await eventually(() => assert.ok(backend.callsOf("list_queue").length > queueCalls, "queue reloaded for the new user"));
  app.done();
});

test("current_user failing offline at start shows the banner; Retry connects again", async (t) => {
  let offline = true;
  const backend = fakeBackend({
    me: null,
    handlers: {
      current_user: () => {
        if (offline) throw appError("offline", "database is starting");
        return null;
      },
    },
  });
  const app = await harness.open(t, backend);
  const { page } = app;

  const banner = page.getByTestId("error-banner");
  await banner.waitFor();
  assert.match(await banner.innerText(), /Database unavailable/);
  assert.equal(await page.getByTestId("act-as-select").count(), 0);

  offline = false;
  await banner.getByRole("button", { name: "Retry" }).click();
  await page.getByTestId("act-as-select").waitFor();
  assert.equal(await banner.count(), 0);
  assert.equal(backend.callsOf("current_user").length, 2);
  app.done();
});
