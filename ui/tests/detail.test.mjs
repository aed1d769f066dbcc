import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, useHarness } from "./helpers/app.mjs";
import { fakeBackend } from "./helpers/fixtures.mjs";

const harness = useHarness();

test("clicking a row calls get_ticket and shows the ticket with comments and history", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  assert.equal(await page.getByTestId("ticket-detail").count(), 0);
  await app.rows().nth(0).click();

  const detail = page.getByTestId("ticket-detail");
  await detail.getByTestId("comment").first().waitFor();
  assert.deepEqual(backend.callsOf("get_ticket"), [{ ticketId: "t-3" }]);

  const text = await detail.innerText();
  for (const expected of [
    "TKT-0003",
    "VM web-01 is down",
    "In progress",
    "P1 Critical",
    "VM issue",
    "Production",
    "Eve User", // requestor
    "Dora DevOps", // assignee
    "infra",
    "urgent",
    "Second line.",
  ]) {
    assert.ok(text.includes(expected), `detail shows ${JSON.stringify(expected)}`);
  }
  assert.match(text, /Due date\s+\S+/);
  assert.match(await detail.getByTestId("response").innerText(), /^due \S+/, "no response yet: its deadline");
  assert.equal(await detail.getByTestId("response-breached").count(), 0);

  const comments = detail.getByTestId("comment");
  assert.equal(await comments.count(), 2);
  assert.match(await comments.nth(0).innerText(), /Public comment: still broken/);
  assert.doesNotMatch(await comments.nth(0).innerText(), /internal/i);
  assert.match(await comments.nth(1).innerText(), /Internal/);
  assert.match(await comments.nth(1).innerText(), /check the hypervisor/);

  const history = detail.getByTestId("history-entry");
  assert.equal(await history.count(), 3);
  const change = await history.nth(1).innerText();
  assert.match(change, /Status changed/);
  assert.match(change, /Status/);
  assert.match(change, /Open\s*→\s*In progress/, "stored JSON values are shown as labels");
  assert.match(change, /Dora DevOps/);
  assert.match(change, /Picked up/);
  const assignment = await history.nth(2).innerText();
  assert.match(assignment, /Assignee:\s*—\s*→\s*Dora DevOps/, "a user reference shows the name, not the id");
  assert.doesNotMatch(assignment, /displayName|\{/);

  // Another row replaces the content.
  await app.rows().nth(2).click();
  await eventually(async () => assert.match(await detail.getByTestId("detail-title").innerText(), /Disk almost full/));
  assert.deepEqual(backend.callsOf("get_ticket").at(-1), { ticketId: "t-1" });

  await detail.getByTestId("detail-close").click();
  await eventually(async () => assert.equal(await page.getByTestId("ticket-detail").count(), 0));
  app.done();
});

test("a notification event shows a toast that dismisses itself after about 6 s", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend, {
    beforeLoad: (page) => page.clock.install(),
  });
  const { page } = app;

  await app.emit("notification", { id: "n1", ticketId: "t-2", subject: "TKT-0002 assigned", message: "You were assigned TKT-0002" });
  const toast = page.getByTestId("toast");
  await toast.waitFor();
  assert.match(await toast.innerText(), /You were assigned TKT-0002/);
  assert.match(await toast.innerText(), /TKT-0002 assigned/);

  await page.clock.runFor(5000);
  assert.equal(await toast.count(), 1, "still visible after 5 s");
  await page.clock.runFor(1500);
  await eventually(async () => assert.equal(await toast.count(), 0, "gone after 6.5 s"));
  app.done();
});

test("a toast's Open action opens the ticket it is about", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  await app.emit("notification", { id: "n2", ticketId: "t-2", subject: null, message: "New comment on TKT-0002" });
  await page.getByTestId("toast").getByRole("button", { name: "Open" }).click();
  await eventually(async () =>
    assert.match(await page.getByTestId("ticket-detail").getByTestId("detail-title").innerText(), /Need VPN access/),
  );
  assert.deepEqual(backend.callsOf("get_ticket"), [{ ticketId: "t-2" }]);
  app.done();
});

test("the response row says when the response came, or that it was missed", async (t) => {
  const backend = fakeBackend({
    handlers: {
      get_ticket: ({ ticketId }, b) => {
        const view = b.defaults.get_ticket({ ticketId }, b);
        return ticketId === "t-3"
          ? { ...view, firstResponseAt: null, responseBreach: true }
          : { ...view, firstResponseAt: "2030-01-14T11:00:00Z", responseBreach: false };
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const detail = app.page.getByTestId("ticket-detail");
  await app.rows().nth(0).click();
  await detail.getByTestId("response-breached").waitFor();
  assert.equal(await detail.getByTestId("response-breached").innerText(), "missed");
  await app.rows().nth(2).click();
  await eventually(async () => assert.match(await detail.getByTestId("response").innerText(), /^responded \S+/));
  assert.equal(await detail.getByTestId("response-breached").count(), 0, "in time: no mark");
});
