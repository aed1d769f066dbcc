// The in-app notification centre: the bell's unread badge (live, per user), the panel's list,
// the unread-only filter, marking read, opening a ticket from a row, and paging with the cursor.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, gate, openSignedIn, signIn, useHarness } from "./helpers/app.mjs";
import { fakeBackend, notification, PASSWORD, USERS } from "./helpers/fixtures.mjs";

const harness = useHarness();

/** The badge's text, or null when no badge is shown. */
const badge = async (page) => {
  const count = page.getByTestId("unread-count");
  return (await count.count()) === 0 ? null : (await count.innerText()).trim();
};

async function openCentre(page) {
  await page.getByTestId("notifications-button").click();
  const centre = page.getByTestId("notification-centre");
  await centre.waitFor();
  await centre.getByTestId("notification-item").first().waitFor();
  return centre;
}

const itemIds = (centre) =>
  centre.getByTestId("notification-item").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-notification-id")));
const readStates = (centre) =>
  centre.getByTestId("notification-item").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-read")));
const lastListQuery = (backend) => backend.callsOf("list_notifications").at(-1)?.query;

test("after sign-in the bell shows the user's unread count", async (t) => {
  const backend = fakeBackend({ me: null });
  const app = await harness.open(t, backend);
  const { page } = app;
  await page.getByTestId("sign-in").waitFor();
  assert.equal(await page.getByTestId("notifications-button").count(), 0, "no bell before sign-in");
  assert.equal(backend.callsOf("list_notifications").length, 0, "nothing is asked for without a session");

  await signIn(page, "ada", PASSWORD);
  await eventually(async () => assert.equal(await badge(page), "2"));
  const signInAt = backend.calls.findIndex((c) => c.cmd === "sign_in");
  const listAt = backend.calls.findIndex((c) => c.cmd === "list_notifications");
  assert.ok(listAt > signInAt, "the count is loaded after sign-in");
  assert.match(await page.getByTestId("notifications-button").getAttribute("aria-label"), /2 unread/);
  assert.equal(await page.getByTestId("notification-centre").count(), 0, "the panel stays closed");
  app.done();
});

test("no badge when nothing is unread", async (t) => {
  const backend = fakeBackend({ notifications: [notification(1, { read: true })] });
  const app = await openSignedIn(harness, t, backend);
  await eventually(() => assert.ok(backend.callsOf("list_notifications").length >= 1));
  await app.page.getByTestId("notifications-button").waitFor();
  assert.equal(await badge(app.page), null);
  app.done();
});

test("a notification event bumps the badge live, keeps the toast and leaves the panel closed", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await eventually(async () => assert.equal(await badge(page), "2"));

  const event = backend.notify(USERS[0].id, {
    kind: "TICKET_ASSIGNED",
    ticketId: "t-1",
    ticketNumber: "TKT-0001",
    subject: "TKT-0001 assigned to you",
    message: "You were assigned TKT-0001",
  });
  await app.emit("notification", event);
  await eventually(async () => assert.equal(await badge(page), "3"));
  assert.match(await page.getByTestId("toast").innerText(), /You were assigned TKT-0001/, "the toast still shows");
  assert.equal(await page.getByTestId("notification-centre").count(), 0);

  // With the centre open, the new row appears at the top as it arrives.
  const centre = await openCentre(page);
  const second = backend.notify(USERS[0].id, { message: "Second live one" });
  await app.emit("notification", second);
  await eventually(async () => assert.equal(await badge(page), "4"));
  await eventually(async () => assert.equal((await itemIds(centre))[0], second.id));
  assert.equal((await itemIds(centre))[1], event.id);
  app.done();
});

test("the centre lists the user's notifications newest first with their read state, ticket and age", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  const centre = await openCentre(page);
  assert.equal(await page.getByTestId("notifications-button").getAttribute("aria-expanded"), "true");
  assert.deepEqual(await itemIds(centre), ["n-3", "n-2", "n-1"], "Ada's only (not Dora's n-4), newest first");
  assert.deepEqual(await readStates(centre), ["false", "false", "true"]);
  assert.deepEqual(lastListQuery(backend), { unreadOnly: false, limit: 30 });

  const rows = centre.getByTestId("notification-item");
  const first = await rows.nth(0).innerText();
  assert.match(first, /TKT-0003 assigned to you/);
  assert.match(first, /You were assigned TKT-0003: VM web-01 is down/);
  assert.match(first, /TKT-0003/);
  assert.equal((await rows.nth(0).getByTestId("notification-time").innerText()).trim(), "5m");
  // No subject: the kind names it.
  assert.match(await rows.nth(1).innerText(), /New comment/);
  assert.match(await rows.nth(1).innerText(), /Eve User commented on TKT-0002/);
  assert.equal((await rows.nth(1).getByTestId("notification-time").innerText()).trim(), "3h");
  assert.equal((await rows.nth(2).getByTestId("notification-time").innerText()).trim(), "2d");
  // Only unread rows offer "mark read".
  assert.equal(await rows.nth(0).getByTestId("notification-mark-read").count(), 1);
  assert.equal(await rows.nth(2).getByTestId("notification-mark-read").count(), 0);
  assert.equal(await centre.getByTestId("notifications-load-more").count(), 0, "one page only");

  // Escape closes the panel (and focus goes back to the bell); the bell toggles it too.
  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await page.getByTestId("notification-centre").count(), 0));
  assert.equal(await page.getByTestId("notifications-button").evaluate((el) => el === document.activeElement), true);
  await page.getByTestId("notifications-button").click();
  await centre.waitFor();
  await page.getByTestId("notifications-button").click();
  await eventually(async () => assert.equal(await page.getByTestId("notification-centre").count(), 0));
  app.done();
});

test("Escape with a ticket open closes only the centre; a click elsewhere closes it too", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await app.rows().nth(0).click();
  await page.getByTestId("ticket-detail").waitFor();

  await openCentre(page);
  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await page.getByTestId("notification-centre").count(), 0));
  assert.equal(await page.getByTestId("ticket-detail").count(), 1, "the ticket stays open");

  await openCentre(page);
  await page.getByTestId("ticket-detail").getByTestId("detail-title").click();
  await eventually(async () => assert.equal(await page.getByTestId("notification-centre").count(), 0));
  app.done();
});

test("'Unread only' asks for unreadOnly: true and shows only unread rows", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const centre = await openCentre(page);
  assert.equal(await centre.getByTestId("notification-item").count(), 3);

  await centre.getByTestId("notifications-unread-only").check();
  await eventually(() => assert.deepEqual(lastListQuery(backend), { unreadOnly: true, limit: 30 }));
  await eventually(async () => assert.deepEqual(await itemIds(centre), ["n-3", "n-2"]));
  assert.deepEqual(await readStates(centre), ["false", "false"]);

  await centre.getByTestId("notifications-unread-only").uncheck();
  await eventually(() => assert.deepEqual(lastListQuery(backend), { unreadOnly: false, limit: 30 }));
  await eventually(async () => assert.deepEqual(await itemIds(centre), ["n-3", "n-2", "n-1"]));
  app.done();
});

test("marking one read sends its id and shows the unread count the backend returns", async (t) => {
  const backend = fakeBackend({
    handlers: {
      // Meanwhile Ada read n-2 on another desktop: the reply (0), not a local "2 - 1", is the truth.
      mark_notification_read: (args, b) => {
        b.notifications.find((n) => n.id === "n-2").readAt = new Date().toISOString();
        return b.defaults.mark_notification_read(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await eventually(async () => assert.equal(await badge(page), "2"));
  const centre = await openCentre(page);

  await centre.getByTestId("notification-item").nth(0).getByTestId("notification-mark-read").click();
  await eventually(async () => assert.equal(await badge(page), null));
  assert.deepEqual(backend.callsOf("mark_notification_read"), [{ notificationId: "n-3" }]);
  await eventually(async () => assert.equal(await centre.getByTestId("notification-item").nth(0).getAttribute("data-read"), "true"));
  assert.equal(await centre.getByTestId("notification-item").nth(0).getByTestId("notification-mark-read").count(), 0);
  assert.equal(await page.getByTestId("ticket-detail").count(), 0, "marking read does not open the ticket");
  assert.equal(await page.getByTestId("notification-centre").count(), 1, "the centre stays open");
  app.done();
});

test("'Mark all read' clears the badge and marks every row read", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await eventually(async () => assert.equal(await badge(page), "2"));
  const centre = await openCentre(page);

  await centre.getByTestId("notifications-mark-all").click();
  await eventually(async () => assert.equal(await badge(page), null));
  assert.deepEqual(backend.callsOf("mark_all_notifications_read"), [{}]);
  await eventually(async () => assert.deepEqual(await readStates(centre), ["true", "true", "true"]));
  assert.equal(await centre.getByTestId("notifications-mark-all").isDisabled(), true, "nothing left to mark");
  assert.equal(backend.unreadOf(USERS[0].id), 0);
  assert.equal(backend.unreadOf(USERS[2].id), 1, "Dora's stay unread");
  app.done();
});

test("clicking a row opens its ticket, marks it read and closes the centre", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await eventually(async () => assert.equal(await badge(page), "2"));
  const centre = await openCentre(page);

  await centre.getByTestId("notification-item").nth(1).click();
  const detail = page.getByTestId("ticket-detail");
  await eventually(async () => assert.match(await detail.getByTestId("detail-title").innerText(), /Need VPN access/));
  assert.equal(await detail.getAttribute("data-ticket-id"), "t-2");
  assert.deepEqual(backend.callsOf("get_ticket"), [{ ticketId: "t-2" }]);
  assert.deepEqual(backend.callsOf("mark_notification_read"), [{ notificationId: "n-2" }]);
  await eventually(async () => assert.equal(await badge(page), "1"));
  assert.equal(await page.getByTestId("notification-centre").count(), 0);

  // A row that is already read opens its ticket without another mark.
  const again = await openCentre(page);
  assert.deepEqual(await readStates(again), ["false", "true", "true"]);
  await again.getByTestId("notification-item").nth(2).getByTestId("notification-open").click();
  await eventually(async () => assert.equal(await detail.getAttribute("data-ticket-id"), "t-1"));
  assert.equal(backend.callsOf("mark_notification_read").length, 1);
  app.done();
});

test("'Load more' passes the last page's cursor as `before` with the same filter", async (t) => {
  // 35 for Ada, one minute apart, the odd ones read.
  const many = Array.from({ length: 35 }, (_, i) => notification(i + 1, { ageMinutes: i + 1, read: i % 2 === 1 }));
  const backend = fakeBackend({ notifications: many });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await eventually(async () => assert.equal(await badge(page), "18"));
  const centre = await openCentre(page);
  await eventually(async () => assert.equal(await centre.getByTestId("notification-item").count(), 30));

  const firstPage = await backend.handle("list_notifications", { query: { unreadOnly: false, limit: 30 } });
  const cursor = firstPage.ok.nextCursor;
  assert.ok(cursor, "the backend returned a cursor");
  await centre.getByTestId("notifications-load-more").click();
  await eventually(async () => assert.equal(await centre.getByTestId("notification-item").count(), 35));
  assert.deepEqual(lastListQuery(backend), { unreadOnly: false, before: cursor, limit: 30 });
  const ids = await itemIds(centre);
  assert.deepEqual(ids, many.map((n) => n.id), "all of them, newest first, no repeats");
  assert.equal(await centre.getByTestId("notifications-load-more").count(), 0, "no more pages");

  // Under "Unread only" the next page keeps unreadOnly: true.
  backend.notifications.push(
    ...Array.from({ length: 20 }, (_, i) => notification(100 + i, { ageMinutes: 100 + i })),
  );
  await centre.getByTestId("notifications-unread-only").check();
  await eventually(async () => assert.equal(await centre.getByTestId("notification-item").count(), 30));
  const unreadCursor = (await backend.handle("list_notifications", { query: { unreadOnly: true, limit: 30 } })).ok.nextCursor;
  await centre.getByTestId("notifications-load-more").click();
  await eventually(() => assert.deepEqual(lastListQuery(backend), { unreadOnly: true, before: unreadCursor, limit: 30 }));
  await eventually(async () => assert.equal(await centre.getByTestId("notification-item").count(), 38));
  assert.deepEqual(await readStates(centre), Array(38).fill("false"));
  app.done();
});

test("sign-out clears the badge; the next user sees only their own count", async (t) => {
  let held = null;
  const backend = fakeBackend({
    handlers: {
      list_notifications: async (args, b) => {
        await held?.wait;
        return b.defaults.list_notifications(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await eventually(async () => assert.equal(await badge(page), "2"));
  await openCentre(page);

  await page.getByTestId("sign-out").click();
  await page.getByTestId("sign-in").waitFor();
  assert.equal(await page.getByTestId("notifications-button").count(), 0);
  assert.equal(await page.getByTestId("notification-centre").count(), 0);
  const listsBefore = backend.callsOf("list_notifications").length;

  // Hold Dora's first list: Ada's count must not show in the meantime.
  held = gate();
  await signIn(page, "dora", PASSWORD);
  await page.getByTestId("notifications-button").waitFor();
  assert.equal(await badge(page), null, "no stale count from the previous user");
  await eventually(() => assert.ok(backend.callsOf("list_notifications").length > listsBefore, "Dora's count is asked for"));
  held.open();
  await eventually(async () => assert.equal(await badge(page), "1"));
  const centre = await openCentre(page);
  assert.deepEqual(await itemIds(centre), ["n-4"], "Dora's own");
  app.done();
});

test("a session that ends clears the badge too", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await eventually(async () => assert.equal(await badge(page), "2"));

  backend.endSession();
  await app.emit("notification", { id: "n-x", ticketId: null, kind: "STATUS_CHANGED", subject: null, message: "x" });
  await page.getByTestId("sign-in").waitFor();
  assert.equal(await page.getByTestId("notifications-button").count(), 0);

  await signIn(page, "ada", PASSWORD);
  await eventually(async () => assert.equal(await badge(page), "2"));
  app.done();
});
