import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, useHarness } from "./helpers/app.mjs";
import { fakeBackend, ticket } from "./helpers/fixtures.mjs";

const harness = useHarness();

const lastQuery = (backend) => backend.callsOf("list_queue").at(-1)?.query;
const hashOf = (page) => page.evaluate(() => location.hash);
const sortOptions = (page) => page.getByTestId("queue-sort").locator("option").evaluateAll((os) => os.map((o) => o.value));

async function check(page, filter, label) {
  const menu = page.getByTestId(filter);
  if (!(await menu.evaluate((el) => el.open))) await menu.locator("summary").click();
  await menu.getByLabel(label, { exact: true }).check();
}

test("filters and search send the matching QueueQuery and are written to the hash", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  assert.deepEqual(lastQuery(backend), { limit: 50 });

  await check(page, "filter-status", "Open");
  await check(page, "filter-status", "In progress");
  await eventually(() => assert.deepEqual(lastQuery(backend), { limit: 50, statuses: ["OPEN", "IN_PROGRESS"] }));
  await check(page, "filter-priority", "P1 Critical");
  await check(page, "filter-category", "VM issue");
  await page.getByTestId("filter-assignee").selectOption("me");
  await page.getByTestId("filter-environment").selectOption("Production");
  await page.getByTestId("filter-sla").check();
  assert.deepEqual(await sortOptions(page), ["NEWEST", "OLDEST", "UPDATED", "PRIORITY", "DUE"], "no relevance without search text");

  const calls = backend.callsOf("list_queue").length;
  await page.getByTestId("queue-search").fill("disk full");
  await eventually(() => assert.equal(lastQuery(backend).text, "disk full"), 2000);
  assert.equal(backend.callsOf("list_queue").length, calls + 1, "typing searches once, after a pause");
  assert.deepEqual(await sortOptions(page), ["NEWEST", "OLDEST", "UPDATED", "PRIORITY", "DUE", "RELEVANCE"]);
  await page.getByTestId("queue-sort").selectOption("RELEVANCE");

  const expected = {
    limit: 50,
    text: "disk full",
    statuses: ["OPEN", "IN_PROGRESS"],
    priorities: ["P1_CRITICAL"],
    categories: ["VM_ISSUE"],
    assigneeId: "u-admin",
    environment: "Production",
    slaBreached: true,
    sort: "RELEVANCE",
  };
  await eventually(() => assert.deepEqual(lastQuery(backend), expected));
  assert.equal(
    await hashOf(page),
    "#/queue?q=disk%20full&status=OPEN,IN_PROGRESS&priority=P1_CRITICAL&category=VM_ISSUE&assignee=me&env=Production&sla=breached&sort=RELEVANCE",
  );

  // Clearing the search drops relevance (it needs text) and goes back to newest.
  await page.getByTestId("queue-search").fill("");
  await page.getByTestId("queue-search").press("Enter");
  await eventually(() => assert.equal(lastQuery(backend).text, undefined));
  assert.equal(lastQuery(backend).sort, undefined);
  assert.equal(await page.getByTestId("queue-sort").inputValue(), "NEWEST");

  await page.getByTestId("filter-clear").click();
  await eventually(() => assert.deepEqual(lastQuery(backend), { limit: 50 }));
  assert.equal(await hashOf(page), "#/queue");
  app.done();
});

test("the filters come back from the hash when the app opens, and from the last session without one", async (t) => {
  const backend = fakeBackend();
  const hash = "#/queue?q=vpn&status=NEW&assignee=unassigned&sort=PRIORITY";
  const app = await openSignedIn(harness, t, backend, { hash });
  const { page } = app;

  assert.deepEqual(backend.callsOf("list_queue")[0].query, {
    limit: 50,
    text: "vpn",
    statuses: ["NEW"],
    unassigned: true,
    sort: "PRIORITY",
  });
  assert.equal(await page.getByTestId("queue-search").inputValue(), "vpn");
  assert.equal(await page.getByTestId("filter-assignee").inputValue(), "unassigned");
  assert.equal(await page.getByTestId("queue-sort").inputValue(), "PRIORITY");
  assert.match(await page.getByTestId("filter-status").locator("summary").innerText(), /Status:\s*New/);

  // A restarted app opens without a hash: the last view is restored from the previous session.
  await page.getByTestId("filter-environment").selectOption("Staging");
  await eventually(async () => assert.match(await hashOf(page), /env=Staging/));
  backend.calls.length = 0;
  await page.goto(app.url);
  await page.getByTestId("current-user").waitFor();
  await eventually(() =>
    assert.deepEqual(backend.callsOf("list_queue")[0]?.query, {
      limit: 50,
      text: "vpn",
      statuses: ["NEW"],
      unassigned: true,
      environment: "Staging",
      sort: "PRIORITY",
    }),
  );

  // Editing the hash by hand (or a link) is followed too.
  await page.evaluate(() => (location.hash = "#/queue?priority=P2_HIGH"));
  await eventually(() => assert.deepEqual(lastQuery(backend), { limit: 50, priorities: ["P2_HIGH"] }));
  assert.equal(await page.getByTestId("queue-search").inputValue(), "", "the search box follows the hash");
  app.done();
});

test("load more sends nextCursor as `after` with the same filters and order", async (t) => {
  const tickets = Array.from({ length: 60 }, (_, i) => ticket(60 - i, { priority: "P2_HIGH" }));
  const backend = fakeBackend({ tickets });
  const app = await openSignedIn(harness, t, backend, { hash: "#/queue?priority=P2_HIGH&sort=OLDEST" });
  const { page } = app;

  await eventually(async () => assert.equal(await app.rows().count(), 50));
  await page.getByTestId("load-more").click();
  await eventually(async () => assert.equal(await app.rows().count(), 60));
  assert.deepEqual(backend.callsOf("list_queue"), [
    { query: { limit: 50, priorities: ["P2_HIGH"], sort: "OLDEST" } },
    { query: { limit: 50, priorities: ["P2_HIGH"], sort: "OLDEST", after: "t-11" } },
  ]);

  // New filters start again from the first page (no cursor, 50 rows).
  await page.getByTestId("filter-sla").check();
  await eventually(() => assert.deepEqual(lastQuery(backend), { limit: 50, priorities: ["P2_HIGH"], slaBreached: true, sort: "OLDEST" }));
  await eventually(async () => assert.equal(await app.rows().count(), 50));
  app.done();
});

test("a named view saves the filters and brings them back; it survives a restart", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend, { hash: "#/queue?status=NEW&sla=breached" });
  const { page } = app;

  await page.getByTestId("view-save").click();
  await page.getByTestId("view-name").fill("New and late");
  await page.getByTestId("view-name").press("Enter");
  await eventually(async () => assert.equal(await page.getByTestId("saved-views").inputValue(), "New and late"));

  await page.getByTestId("filter-clear").click();
  await eventually(() => assert.deepEqual(lastQuery(backend), { limit: 50 }));
  assert.equal(await page.getByTestId("saved-views").inputValue(), "", "no saved view matches now");

  await page.goto(app.url);
  await page.getByTestId("current-user").waitFor();
  await page.getByTestId("saved-views").selectOption("New and late");
  await eventually(() => assert.deepEqual(lastQuery(backend), { limit: 50, statuses: ["NEW"], slaBreached: true }));
  assert.equal(await hashOf(page), "#/queue?status=NEW&sla=breached");

  await page.getByTestId("view-delete").click();
  await eventually(async () => assert.equal(await page.getByTestId("saved-views").count(), 0));
  assert.equal(await page.evaluate(() => localStorage.getItem("ticketdesk.queue.savedViews")), "[]");
  app.done();
});
