// The session ending mid-use (any command rejecting `unauthenticated`), and where the password may go.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, signIn, useHarness } from "./helpers/app.mjs";
import { fakeBackend, PASSWORD, SESSION_ENDED, USERS } from "./helpers/fixtures.mjs";

const harness = useHarness();

async function openForm(page) {
  await page.getByTestId("new-ticket").click();
  const form = page.getByTestId("create-form");
  await form.waitFor();
  return form;
}

async function assertSignInScreenForEndedSession(page) {
  await page.getByTestId("sign-in").waitFor();
  assert.equal((await page.getByTestId("sign-in-note").innerText()).trim(), SESSION_ENDED);
  assert.equal(await page.getByTestId("create-form").count(), 0, "the form is covered by the sign-in screen");
  assert.equal(await page.getByTestId("queue").count(), 0, "no tickets left on screen");
  assert.equal(await page.getByTestId("ticket-detail").count(), 0);
  assert.equal(await page.getByTestId("current-user").count(), 0);
  assert.equal(await page.getByTestId("error-banner").count(), 0, "a session end is not shown as an error");
  assert.equal(await page.locator("input[name=password]").inputValue(), "");
}

test("a command rejecting `unauthenticated` mid-use shows the sign-in screen; after signing in the half-typed ticket is still there", async (t) => {
  const backend = fakeBackend({ me: USERS[1] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  let form = await openForm(page);
  await form.locator("input[name=title]").fill("Backup job fail");
  await form.locator("textarea[name=description]").fill("Since Monday night");
  await form.locator("select[name=priority]").selectOption("P2_HIGH");
  await eventually(() => form.locator("select[name=assignee]").selectOption("u-dev"));

  backend.endSession();
  await app.emit("tickets-changed", null); // the queue refresh is rejected
  await assertSignInScreenForEndedSession(page);
  const queueCalls = backend.callsOf("list_queue").length;

  await signIn(page, "tom", PASSWORD);
  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Tom Lead/));
  form = page.getByTestId("create-form");
  await form.waitFor();
  assert.equal(await form.locator("input[name=title]").inputValue(), "Backup job fail");
  assert.equal(await form.locator("textarea[name=description]").inputValue(), "Since Monday night");
  assert.equal(await form.locator("select[name=priority]").inputValue(), "P2_HIGH");
  await eventually(async () => assert.equal(await form.locator("select[name=assignee]").inputValue(), "u-dev"));
  assert.equal(await page.getByTestId("sign-in-note").count(), 0);
  await eventually(() => assert.ok(backend.callsOf("list_queue").length > queueCalls, "queue loaded again"));

  // Finish typing and create it.
  await form.locator("input[name=title]").press("End");
  await page.keyboard.type("s");
  await page.getByTestId("create-submit").click();
  await eventually(() => assert.equal(backend.callsOf("create_ticket").length, 1));
  assert.deepEqual(backend.callsOf("create_ticket")[0].input, {
    title: "Backup job fails",
    description: "Since Monday night",
    priority: "P2_HIGH",
    category: "OTHER",
    environment: null,
    assigneeId: "u-dev",
  });
  await eventually(async () => assert.equal(await page.getByTestId("create-form").count(), 0));

  // Once created, the draft is gone: a new form is empty.
  form = await openForm(page);
  assert.equal(await form.locator("input[name=title]").inputValue(), "");
  app.done();
});

test("create_ticket rejecting `unauthenticated` keeps the ticket; submitting again after sign-in creates it once", async (t) => {
  const backend = fakeBackend({ me: USERS[0] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await app.rows().nth(1).click();
  await page.getByTestId("ticket-detail").waitFor();

  let form = await openForm(page);
  await form.locator("input[name=title]").fill("Printer on fire");
  await form.locator("textarea[name=description]").fill("Third floor");
  backend.endSession();
  await page.getByTestId("create-submit").click();
  await assertSignInScreenForEndedSession(page);
  assert.equal(backend.tickets.length, 3, "nothing was created");

  await signIn(page, "ada", PASSWORD);
  form = page.getByTestId("create-form");
  await form.waitFor();
  assert.equal(await form.locator("input[name=title]").inputValue(), "Printer on fire");
  assert.equal(await form.locator("textarea[name=description]").inputValue(), "Third floor");
  assert.equal(await page.getByTestId("form-error").count(), 0, "no stale error in the form");
  await page.getByTestId("create-submit").click();
  await eventually(async () => assert.equal(await page.getByTestId("create-form").count(), 0));
  assert.equal(backend.tickets.length, 4);
  assert.deepEqual(
    backend.callsOf("create_ticket").map((c) => c.input.title),
    ["Printer on fire", "Printer on fire"],
    "one rejected call, then one that worked",
  );
  await eventually(async () => assert.match(await page.getByTestId("detail-title").innerText(), /Printer on fire/));
  app.done();
});

test("after a session ends, someone else signing in gets neither the draft nor the open ticket", async (t) => {
  const backend = fakeBackend({ me: USERS[1] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await app.rows().nth(0).click();
  await page.getByTestId("ticket-detail").waitFor();
  const form = await openForm(page);
  await form.locator("input[name=title]").fill("Confidential: salary review server");

  backend.endSession();
  await app.emit("tickets-changed", null);
  await assertSignInScreenForEndedSession(page);

  await signIn(page, "eve", PASSWORD);
  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Eve User/));
  await app.rows().first().waitFor();
  assert.equal(await page.getByTestId("create-form").count(), 0);
  assert.equal(await page.getByTestId("ticket-detail").count(), 0);
  const fresh = await openForm(page);
  assert.equal(await fresh.locator("input[name=title]").inputValue(), "");
  app.done();
});

test("the password goes only into sign_in: not into other calls, storage, the page or the console", async (t) => {
  const wrong = "wrong-Secret-42";
  const backend = fakeBackend({ me: null });
  const logged = [];
  const app = await harness.open(t, backend, {
    beforeLoad: (page) => page.on("console", (m) => logged.push(m.text())),
  });
  const { page } = app;
  await page.getByTestId("sign-in").waitFor();

  await signIn(page, "dora", wrong);
  await page.getByTestId("sign-in-error").waitFor();
  await signIn(page, "dora", PASSWORD);
  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Dora DevOps/));
  await app.rows().nth(0).click();
  await page.getByTestId("ticket-detail").getByTestId("comment").first().waitFor();
  const form = await openForm(page);
  await form.locator("input[name=title]").fill("New thing");
  await form.locator("textarea[name=description]").fill("Details");
  await page.getByTestId("create-submit").click();
  await eventually(() => assert.equal(backend.callsOf("create_ticket").length, 1));

  const leaks = (text) => text.includes(wrong) || text.includes(PASSWORD);
  assert.deepEqual(backend.callsOf("sign_in"), [
    { login: "dora", password: wrong, mfaCode: null },
    { login: "dora", password: PASSWORD, mfaCode: null },
  ]);
  const others = backend.calls.filter((c) => c.cmd !== "sign_in");
  assert.ok(others.length >= 4);
  for (const { cmd, args } of others) assert.ok(!leaks(JSON.stringify(args)), `${cmd} arguments carry no password`);

  const stored = await page.evaluate(() =>
    JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie, location.href, history.state]),
  );
  assert.ok(!leaks(stored), "nothing stored in the browser");
  assert.ok(!leaks(await page.content()), "not in the page");
  assert.ok(!leaks(logged.join("\n")), "not logged");

  await page.getByTestId("sign-out").click();
  await page.getByTestId("sign-in").waitFor();
  assert.equal(await page.locator("input[name=password]").inputValue(), "");
  assert.ok(!leaks(JSON.stringify(backend.callsOf("sign_out"))));
  app.done();
});
