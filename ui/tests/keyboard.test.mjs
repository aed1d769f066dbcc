import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, useHarness } from "./helpers/app.mjs";
import { fakeBackend } from "./helpers/fixtures.mjs";

const harness = useHarness();

const selectedNumber = (page) =>
  page.evaluate(() => document.querySelector('[data-testid="queue-row"][aria-selected="true"]')?.getAttribute("data-ticket-number") ?? null);

test("`c` opens the create form with focus in an empty title; Escape closes it", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  await page.keyboard.press("c");
  const title = page.getByTestId("create-form").locator("input[name=title]");
  await title.waitFor();
  await eventually(async () => assert.equal(await title.evaluate((el) => el === document.activeElement), true));
  assert.equal(await title.inputValue(), "", "the 'c' is not typed into the title");

  // Typing in the form never triggers shortcuts.
  await page.keyboard.type("jkc");
  assert.equal(await title.inputValue(), "jkc");
  assert.equal(await selectedNumber(page), null);

  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await page.getByTestId("create-form").count(), 0));
  app.done();
});

test("j/k move the selection and Enter opens the selected ticket", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  await page.keyboard.press("j");
  assert.equal(await selectedNumber(page), "TKT-0003");
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  assert.equal(await selectedNumber(page), "TKT-0001");
  await page.keyboard.press("j"); // stays on the last row
  assert.equal(await selectedNumber(page), "TKT-0001");
  await page.keyboard.press("k");
  assert.equal(await selectedNumber(page), "TKT-0002");
  assert.equal(backend.callsOf("get_ticket").length, 0, "moving does not open");

  await page.keyboard.press("Enter");
  const detail = page.getByTestId("ticket-detail");
  await eventually(async () => assert.match(await detail.getByTestId("detail-title").innerText(), /Need VPN access/));
  assert.deepEqual(backend.callsOf("get_ticket"), [{ ticketId: "t-2" }]);

  // Keep navigating with the detail open, then open another one.
  await page.keyboard.press("k");
  await page.keyboard.press("Enter");
  await eventually(async () => assert.match(await detail.getByTestId("detail-title").innerText(), /VM web-01 is down/));
  assert.deepEqual(backend.callsOf("get_ticket").at(-1), { ticketId: "t-3" });

  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await detail.count(), 0));
  app.done();
});

test("`/` focuses the search box without typing into it; keys typed there do not move the queue", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const search = page.getByTestId("queue-search");

  await page.keyboard.press("j");
  assert.equal(await selectedNumber(page), "TKT-0003");
  await page.keyboard.press("/");
  await eventually(async () => assert.equal(await search.evaluate((el) => el === document.activeElement), true));
  assert.equal(await search.inputValue(), "", "the '/' is not typed");

  await page.keyboard.type("jjkc/");
  assert.equal(await search.inputValue(), "jjkc/");
  assert.equal(await selectedNumber(page), "TKT-0003", "j/k in the search box do not move the selection");
  assert.equal(await page.getByTestId("create-form").count(), 0, "c in the search box does not open the form");

  // Escape leaves the box; the queue keys work again.
  await page.keyboard.press("Escape");
  await page.keyboard.press("j");
  assert.equal(await selectedNumber(page), "TKT-0002");
  await page.keyboard.press("Enter");
  await eventually(async () => assert.match(await page.getByTestId("detail-title").innerText(), /Need VPN access/));
  app.done();
});
