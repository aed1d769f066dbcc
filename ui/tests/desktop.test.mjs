// Installing like a desktop app (issue 18), as the window shows it: the About dialog and the
// "start at login" setting in the Security panel.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, useHarness } from "./helpers/app.mjs";
import { appError, fakeBackend } from "./helpers/fixtures.mjs";

const harness = useHarness();

test("About shows the app's, the schema's and PostgreSQL's versions, also before sign-in", async (t) => {
  const backend = fakeBackend({ me: null });
  backend.about = { appVersion: "0.1.0", schemaVersion: "20261209000000", postgresVersion: "15.18" };
  const app = await harness.open(t, backend);
  const { page } = app;
  await page.getByTestId("sign-in").waitFor();
  await page.getByTestId("about-button").click();
  const dialog = page.getByTestId("about");
  await dialog.waitFor();
  await eventually(async () => assert.equal(await page.getByTestId("about-app-version").innerText(), "0.1.0"));
  assert.equal(await page.getByTestId("about-schema-version").innerText(), "20261209000000");
  assert.equal(await page.getByTestId("about-postgres-version").innerText(), "15.18");

  await page.getByTestId("about-close").click();
  await eventually(async () => assert.equal(await dialog.count(), 0));
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "about-button", "focus returns to its button");
  app.done();
});

test("About says when the server could not be asked", async (t) => {
  const backend = fakeBackend();
  backend.about = { appVersion: "0.1.0", schemaVersion: null, postgresVersion: null };
  const app = await openSignedIn(harness, t, backend);
  await app.page.getByTestId("about-button").click();
  await eventually(async () =>
    assert.equal(await app.page.getByTestId("about-postgres-version").innerText(), "unknown (server not reached)"),
  );
  app.done();
});

test("start at login shows what is the case and is turned off and on with one click", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await page.getByTestId("nav-security").click();
  const box = page.getByTestId("start-at-login");
  await eventually(async () => assert.equal(await box.isEnabled(), true));
  assert.equal(await box.isChecked(), true, "on, as after the first sign-in");

  await box.click();
  await eventually(() => assert.deepEqual(backend.callsOf("set_start_at_login"), [{ on: false }]));
  assert.equal(backend.startAtLogin, false);
  await eventually(async () => assert.equal(await box.isChecked(), false));

  await box.click();
  await eventually(() => assert.deepEqual(backend.callsOf("set_start_at_login").at(-1), { on: true }));
  await eventually(async () => assert.equal(await box.isChecked(), true));
  app.done();
});

test("start at login that cannot be changed says why and shows what is still the case", async (t) => {
  const backend = fakeBackend({
    handlers: {
      set_start_at_login: () => {
        throw appError("internal", "Something went wrong.");
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await page.getByTestId("nav-security").click();
  const box = page.getByTestId("start-at-login");
  await eventually(async () => assert.equal(await box.isEnabled(), true));
  await box.click();
  await eventually(async () => assert.match(await page.getByTestId("start-at-login-error").innerText(), /Something went wrong/));
  await eventually(async () => assert.equal(await box.isChecked(), true, "still on"));
  app.done();
});

test("the Security panel says where the sign-in is kept: the keyring, or the settings file as a fallback", async (t) => {
  for (const [store, text] of [
    ["keyring", /kept in the system keyring/],
    ["settingsFile", /kept in ticketdesk's settings file, readable by your user account only: no system keyring answered/],
  ]) {
    const backend = fakeBackend();
    backend.signInKeptIn = store;
    const app = await openSignedIn(harness, t, backend);
    await app.page.getByTestId("nav-security").click();
    const kept = app.page.getByTestId("sign-in-kept-in");
    await eventually(async () => assert.match(await kept.innerText(), text));
    assert.equal(await kept.getAttribute("data-store"), store);
    app.done();
    await app.page.close();
  }
});

test("the ticket a user had open comes back at the next start, and what they open or close is kept", async (t) => {
  const backend = fakeBackend();
  backend.openTickets.set(backend.me.id, "t-2");
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const detail = page.getByTestId("ticket-detail");
  await eventually(async () => assert.equal(await detail.getAttribute("data-ticket-id"), "t-2"));
  assert.equal(backend.callsOf("remember_open_ticket").some((c) => c.ticketId === null), false, "the kept one is not wiped before it is read");

  await page.locator('[data-testid="queue-row"][data-ticket-id="t-1"] td.title').click();
  await eventually(() => assert.equal(backend.openTickets.get(backend.me.id), "t-1"));
  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await detail.count(), 0));
  await eventually(() => assert.equal(backend.openTickets.has(backend.me.id), false, "closing it forgets it"));
  app.done();
});

test("a kept ticket that is gone is forgotten quietly, and a waiting link wins over a kept ticket", async (t) => {
  const backend = fakeBackend();
  backend.openTickets.set(backend.me.id, "t-gone");
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await eventually(() => assert.equal(backend.openTickets.has(backend.me.id), false));
  assert.equal(await page.getByTestId("ticket-detail").count(), 0);
  assert.equal(await page.getByTestId("error-banner").count(), 0, "no error for what nobody asked for");
  app.done();

  const linked = fakeBackend();
  linked.openTickets.set(linked.me.id, "t-2");
  linked.waitingLink = "t-3";
  const again = await openSignedIn(harness, t, linked);
  await eventually(async () => assert.equal(await again.page.getByTestId("ticket-detail").getAttribute("data-ticket-id"), "t-3"));
  assert.equal(linked.callsOf("last_open_ticket").length, 0, "the link decided");
  again.done();
});

test("a kept ticket that cannot be read just now (offline) stays kept, and what is opened next is kept", async (t) => {
  const backend = fakeBackend({
    handlers: {
      get_ticket: (args, b) => {
        if (args.ticketId === "t-2") throw appError("offline", "The ticketdesk database is unavailable. Check your connection and retry.");
        return b.defaults.get_ticket(args, b);
      },
    },
  });
  backend.openTickets.set(backend.me.id, "t-2");
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await eventually(() => assert.deepEqual(backend.callsOf("get_ticket"), [{ ticketId: "t-2" }]));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(backend.openTickets.get(backend.me.id), "t-2", "not forgotten for being unreachable");
  assert.equal(await page.getByTestId("ticket-detail").count(), 0);

  await page.locator('[data-testid="queue-row"][data-ticket-id="t-1"] td.title').click();
  await eventually(() => assert.equal(backend.openTickets.get(backend.me.id), "t-1"));
  app.done();
});
