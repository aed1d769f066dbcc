// The live connection to the database server (the backend's `connection` event): an offline
// banner that blocks nothing while it is down, and a refresh of what is on screen when it is back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, gate, openSignedIn, openTicket, useHarness } from "./helpers/app.mjs";
import { appError, fakeBackend, ticket, USERS } from "./helpers/fixtures.mjs";

const harness = useHarness();

const OFFLINE_TEXT = "Offline — the server cannot be reached. Reconnecting…";

const badge = async (page) => {
  const count = page.getByTestId("unread-count");
  return (await count.count()) === 0 ? null : (await count.innerText()).trim();
};

test("connection:false shows the offline banner without blocking; connection:true hides it and refreshes the queue, the open ticket and the badge", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const banner = page.getByTestId("offline-banner");
  await openTicket(app, "t-2");
  await eventually(async () => assert.equal(await badge(page), "2"));

  // The first "up" after start-up is not a return: nothing is reloaded for it.
  const before = { queue: backend.callsOf("list_queue").length, notes: backend.callsOf("list_notifications").length };
  await app.emit("connection", true);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await banner.count(), 0);
  assert.equal(backend.callsOf("list_queue").length, before.queue);
  assert.equal(backend.callsOf("list_notifications").length, before.notes);

  await app.emit("connection", false);
  await banner.waitFor();
  assert.equal((await banner.innerText()).replace(/\s+/g, " ").trim(), OFFLINE_TEXT);
  assert.equal(await banner.evaluate((el) => el.closest('[role="status"]') !== null), true, "announced politely");
  // The backend retries and reports each failed attempt: still one banner.
  await app.emit("connection", false);
  assert.equal(await banner.count(), 1);
  // Not blocking: the queue and the ticket stay on screen and usable.
  assert.equal(await page.locator('[aria-modal="true"]').count(), 0);
  assert.equal(await app.rows().count(), 3);
  await app.rows().nth(0).click();
  await eventually(async () => assert.equal(await page.getByTestId("ticket-detail").getAttribute("data-ticket-id"), "t-3"));

  // Meanwhile the world moved on: a new ticket, a new notification, a change to the open ticket.
  backend.tickets = [ticket(9, { title: "Created while we were away", ageMinutes: 1 }), ...backend.tickets];
  backend.notify(USERS[0].id, { message: "Missed while offline" });
  backend.changeElsewhere("t-3", USERS[1], { priority: "P2_HIGH" });
  const gets = backend.callsOf("get_ticket").length;
  const lists = backend.callsOf("list_queue").length;

  await app.emit("connection", true);
  await eventually(async () => assert.equal(await banner.count(), 0));
  await eventually(() => assert.ok(backend.callsOf("list_queue").length > lists, "the queue is reloaded"));
  await eventually(async () => assert.deepEqual((await app.rowNumbers())[0], "TKT-0009"));
  await eventually(async () => assert.equal(await badge(page), "3"), 2000);
  await eventually(() => assert.deepEqual(backend.callsOf("get_ticket").slice(gets), [{ ticketId: "t-3" }]));
  app.done();
});

test("an 'unavailable' error left by the outage is cleared and retried when the connection is back", async (t) => {
  let offline = false;
  const backend = fakeBackend({
    handlers: {
      list_queue: (args, b) => {
        if (offline) throw appError("offline", "The ticketdesk database is unavailable. Check your connection and retry.");
        return b.defaults.list_queue(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  offline = true;
  await app.emit("connection", false);
  await page.getByTestId("offline-banner").waitFor();
  // Something asks for the queue while the server is away.
  await app.emit("tickets-changed", "t-1");
  const error = page.getByTestId("error-banner");
  await error.waitFor();
  assert.equal(await error.getAttribute("data-code"), "offline");

  offline = false;
  const lists = backend.callsOf("list_queue").length;
  await app.emit("connection", true);
  await eventually(async () => assert.equal(await error.count(), 0));
  assert.equal(await page.getByTestId("offline-banner").count(), 0);
  await eventually(() => assert.ok(backend.callsOf("list_queue").length > lists));
  assert.equal(await app.rows().count(), 3);
  app.done();
});

test("no offline banner while the app is still connecting; it shows once that resolves and the server is still away", async (t) => {
  const held = gate();
  const backend = fakeBackend({
    handlers: {
      current_user: async (args, b) => {
        await held.wait;
        return b.defaults.current_user(args, b);
      },
    },
  });
  const app = await harness.open(t, backend);
  const { page } = app;
  await page.getByTestId("connecting").waitFor();
  await eventually(() => assert.equal(backend.callsOf("current_user").length, 1));

  await app.emit("connection", false);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await page.getByTestId("offline-banner").count(), 0, "the connecting screen says it already");
  assert.equal(await page.getByTestId("connecting").count(), 1);

  held.open();
  await page.getByTestId("current-user").waitFor();
  await page.getByTestId("offline-banner").waitFor();

  await app.emit("connection", true);
  await eventually(async () => assert.equal(await page.getByTestId("offline-banner").count(), 0));
  app.done();
});

test("when the first check could not reach the server, the connection coming back tries again", async (t) => {
  let offline = true;
  const backend = fakeBackend({
    handlers: {
      current_user: (args, b) => {
        if (offline) throw appError("offline", "database is starting");
        return b.defaults.current_user(args, b);
      },
    },
  });
  const app = await harness.open(t, backend);
  const { page } = app;
  await page.getByTestId("error-banner").waitFor();
  assert.match(await page.getByTestId("connecting").innerText(), /Could not connect/);

  await app.emit("connection", false);
  await page.getByTestId("offline-banner").waitFor();

  offline = false;
  await app.emit("connection", true);
  await page.getByTestId("current-user").waitFor();
  assert.equal(backend.callsOf("current_user").length, 2, "asked once more, not twice more");
  assert.equal(await page.getByTestId("offline-banner").count(), 0);
  assert.equal(await page.getByTestId("error-banner").count(), 0);
  await app.rows().first().waitFor();
  app.done();
});
