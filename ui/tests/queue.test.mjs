import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, openTicket, useHarness } from "./helpers/app.mjs";
import { appError, fakeBackend, ticket } from "./helpers/fixtures.mjs";

const harness = useHarness();

/** Opens without waiting for rows (for when the queue cannot load). */
async function openWithoutRows(t, backend) {
  const app = await harness.open(t, backend);
  await app.page.getByTestId("current-user").waitFor();
  return app;
}

async function cells(row) {
  return (await row.locator("td").allInnerTexts()).map((s) => s.trim());
}

test("queue renders one row per ticket with number, title, status, priority, assignee and age", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  assert.deepEqual(backend.callsOf("list_queue"), [{ query: { limit: 50 } }]);
  await page.getByTestId("queue").waitFor();
  assert.deepEqual(await app.rowNumbers(), ["TKT-0003", "TKT-0002", "TKT-0001"]);

  const rows = app.rows();
  assert.deepEqual(await cells(rows.nth(0)), ["TKT-0003", "VM web-01 is down", "In progress", "P1 Critical", "Dora DevOps", "1h 30m left", "5m"]);
  assert.deepEqual(await cells(rows.nth(1)), ["TKT-0002", "Need VPN access", "New", "P4 Low", "Unassigned", "—", "3h"]);
  assert.deepEqual(await cells(rows.nth(2)), ["TKT-0001", "Disk almost full on db-02", "Escalated", "P2 High", "Tom Lead", "3h 00m over", "2d"]);

  // P1 is red.
  const p1 = await rows.nth(0).locator("[data-priority]").evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(p1, "rgb(220, 38, 38)");
  assert.equal(await page.getByTestId("load-more").count(), 0, "no load more without a cursor");
  app.done();
});

test("load more passes nextCursor back as `after` and appends the next page", async (t) => {
  const tickets = Array.from({ length: 60 }, (_, i) => ticket(60 - i));
  const backend = fakeBackend({ tickets });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  await eventually(async () => assert.equal(await app.rows().count(), 50));
  const loadMore = page.getByTestId("load-more");
  await loadMore.click();
  await eventually(async () => assert.equal(await app.rows().count(), 60));

  assert.deepEqual(backend.callsOf("list_queue"), [
    { query: { limit: 50 } },
    { query: { limit: 50, after: "t-11" } }, // id of the 50th ticket = the cursor the first page returned
  ]);
  const numbers = await app.rowNumbers();
  assert.equal(numbers[49], "TKT-0011");
  assert.equal(numbers[50], "TKT-0010");
  assert.equal(numbers[59], "TKT-0001");
  await eventually(async () => assert.equal(await loadMore.count(), 0, "no more pages"));
  app.done();
});

test("an offline error from list_queue shows 'Database unavailable' with a working Retry", async (t) => {
  let offline = true;
  const backend = fakeBackend({
    handlers: {
      list_queue: (args, b) => {
        if (offline) throw appError("offline", "could not reach PostgreSQL");
        return { tickets: b.tickets, nextCursor: null };
      },
    },
  });
  const app = await openWithoutRows(t, backend);
  const { page } = app;

  const banner = page.getByTestId("error-banner");
  await banner.waitFor();
  assert.match(await banner.innerText(), /Database unavailable/);
  assert.equal(await app.rows().count(), 0);

  offline = false;
  await banner.getByRole("button", { name: "Retry" }).click();
  await app.rows().first().waitFor();
  assert.equal(await app.rows().count(), 3);
  assert.equal(await banner.count(), 0, "banner cleared after a successful retry");
  assert.equal(backend.callsOf("list_queue").length, 2);
  app.done();
});

test("a non-offline error is shown in the banner with its message; an untyped rejection becomes a generic error", async (t) => {
  const backend = fakeBackend({
    handlers: {
      get_ticket: ({ ticketId }) => {
        if (ticketId === "t-3") throw appError("forbidden", "You may not view TKT-0003");
        throw "boom: not an AppError"; // a plain string, as Tauri sends for unknown failures
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const banner = page.getByTestId("error-banner");

  await app.rows().nth(0).click();
  await banner.waitFor();
  assert.equal(await banner.getAttribute("data-code"), "forbidden");
  assert.match(await banner.innerText(), /You may not view TKT-0003/);
  assert.equal(await banner.getByRole("button", { name: "Retry" }).count(), 0, "Retry only for offline");

  await app.rows().nth(1).click();
  await eventually(async () => assert.equal(await banner.getAttribute("data-code"), "internal"));
  assert.match(await banner.innerText(), /boom: not an AppError/);
  app.done();
});

test("a tickets-changed event refreshes the queue", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);

  backend.tickets = [ticket(4, { title: "Pushed by the backend", ageMinutes: 0 }), ...backend.tickets];
  await app.emit("tickets-changed", null);
  await eventually(async () => assert.deepEqual(await app.rowNumbers(), ["TKT-0004", "TKT-0003", "TKT-0002", "TKT-0001"]));
  assert.equal(backend.callsOf("list_queue").length, 2);
  app.done();
});

test("a tickets-changed event reloads the open ticket only when it is the one that changed", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  await openTicket(app, "t-2");
  const loads = () => backend.callsOf("get_ticket").filter((c) => c.ticketId === "t-2").length;
  const before = loads();

  await app.emit("tickets-changed", "t-3");
  await eventually(async () => assert.equal(backend.callsOf("list_queue").length, 2, "the queue refreshes"));
  assert.equal(loads(), before, "another ticket's change does not reload the open one");

  await app.emit("tickets-changed", "t-2");
  await eventually(async () => assert.equal(loads(), before + 1, "its own change reloads it"));
  app.done();
});
