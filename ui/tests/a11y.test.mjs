// Accessibility (issue 17, item 6): axe-core runs on every screen, in light and dark mode, and
// fails on any "serious" or "critical" finding; the dialogs keep the focus inside and give it back
// to what opened them; the queue can be reached with Tab. Each check has a control that shows it
// can fail.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { eventually, openSignedIn, openTicket, useHarness } from "./helpers/app.mjs";
import { escalation, fakeBackend, USERS } from "./helpers/fixtures.mjs";

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve("axe-core/axe.min.js");
const AXE_SOURCE = readFileSync(AXE_PATH, "utf8");

const harness = useHarness();
const FAILING = new Set(["serious", "critical"]);
const SCHEMES = ["light", "dark"];

/**
 * Puts axe-core (the installed axe.min.js) into the page. Not with `page.addScriptTag`: the
 * harness serves the app with the app's own CSP (`script-src 'self'`), which refuses the inline
 * script that writes (and the refusal is a console error `app.done()` fails on). A script run
 * through the DevTools protocol is not governed by the page's CSP.
 */
async function injectAxe(page) {
  if (await page.evaluate(() => typeof window.axe === "object")) return;
  await page.evaluate(AXE_SOURCE);
  assert.equal(await page.evaluate(() => typeof window.axe?.run), "function", "axe-core is in the page");
}

/** axe's violations on the page as it is now, of every impact: [{ id, impact, help, targets }]. */
async function findings(page) {
  await injectAxe(page);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => ({ target: n.target.join(" "), impact: n.impact, summary: n.failureSummary })),
    }));
  });
  return violations;
}

/** The serious and critical ones. */
const seriousFindings = async (page) => (await findings(page)).filter((v) => FAILING.has(v.impact));

const describe = (findings) =>
  findings
    .map(
      (f) =>
        `  ${f.id} (${f.impact}): ${f.help}\n` +
        f.targets.map((n) => `    - ${n.target}${n.summary ? `\n      ${n.summary.replace(/\n\s*/g, " | ")}` : ""}`).join("\n"),
    )
    .join("\n");

/**
 * Runs axe on the page in light and dark mode and fails listing every serious or critical finding;
 * moderate and minor ones are written to the test's diagnostics (shown, not failed on).
 */
async function assertAccessible(page, screen, { schemes = SCHEMES, t = null } = {}) {
  const failures = [];
  for (const colorScheme of schemes) {
    await page.emulateMedia({ colorScheme });
    const dark = await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches);
    assert.equal(dark, colorScheme === "dark", `the page sees the ${colorScheme} scheme`);
    const found = await findings(page);
    const serious = found.filter((v) => FAILING.has(v.impact));
    if (serious.length > 0) failures.push(`${screen} (${colorScheme}):\n${describe(serious)}`);
    for (const v of found.filter((x) => !FAILING.has(x.impact))) {
      t?.diagnostic(`${screen} (${colorScheme}): ${v.id} (${v.impact}) at ${v.targets.map((n) => n.target).join(", ")}`);
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
  assert.equal(failures.length, 0, `axe found serious or critical problems:\n${failures.join("\n")}`);
}

const isFocused = (locator) => locator.evaluate((el) => el === document.activeElement);
/** What has the focus, as "tag#testid" (for messages). */
const focusedName = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}${el.dataset?.testid ? `#${el.dataset.testid}` : ""}${el.getAttribute("name") ? `[name=${el.getAttribute("name")}]` : ""}` : "none";
  });
const focusInside = (locator) => locator.evaluate((el) => el.contains(document.activeElement));

// --- The checker itself -------------------------------------------------------------------

test("control: the axe check reports a nameless button and white text on a light background", async (t) => {
  const backend = fakeBackend({ me: null });
  const app = await harness.open(t, backend);
  const { page } = app;
  await page.getByTestId("sign-in").waitFor();

  await page.evaluate(() => {
    const bad = document.createElement("div");
    bad.id = "a11y-control";
    bad.innerHTML =
      '<button type="button"></button><p style="color:#ffffff;background:#f6f7f9;font-size:15px">Hardly visible</p>';
    document.body.append(bad);
  });
  const findings = await seriousFindings(page);
  const ids = findings.map((f) => f.id);
  assert.ok(ids.includes("button-name"), `a button without a name is reported (got ${ids.join(", ")})`);
  assert.ok(ids.includes("color-contrast"), `white on light grey is reported (got ${ids.join(", ")})`);
  assert.ok(findings.find((f) => f.id === "button-name").targets.some((n) => n.target.includes("#a11y-control")));
  await assert.rejects(assertAccessible(page, "control", { schemes: ["light"] }), /button-name \(critical\)[\s\S]*color-contrast \(serious\)|color-contrast \(serious\)[\s\S]*button-name \(critical\)/);

  // Without the bad element the same page passes.
  await page.evaluate(() => document.getElementById("a11y-control").remove());
  await assertAccessible(page, "sign-in", { schemes: ["light"] });
  app.done();
});

// --- Every screen ---------------------------------------------------------------------------

test("axe: the sign-in screen", async (t) => {
  const backend = fakeBackend({ me: null });
  const app = await harness.open(t, backend);
  await app.page.getByTestId("sign-in").waitFor();
  await assertAccessible(app.page, "sign-in", { t });
  app.done();
});

test("axe: the queue", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  assert.ok(await app.page.locator('[data-priority="P2_HIGH"]').count(), "a P2 badge is on screen");
  await assertAccessible(app.page, "queue", { t });
  app.done();
});

test("axe: a ticket's detail", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  await openTicket(app, "t-1");
  await assertAccessible(app.page, "ticket detail", { t });
  app.done();
});

test("axe: the new-ticket dialog", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  await app.page.getByTestId("new-ticket").click();
  await app.page.getByTestId("create-form").waitFor();
  await assertAccessible(app.page, "new-ticket dialog", { t });
  app.done();
});

test("axe: the notification centre", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  await app.page.getByTestId("notifications-button").click();
  await app.page.getByTestId("notification-list").waitFor();
  await assertAccessible(app.page, "notification centre", { t });
  app.done();
});

test("axe: the notification preferences", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  await app.page.getByTestId("notifications-button").click();
  await app.page.getByTestId("notifications-preferences").click();
  await app.page.getByTestId("notification-preferences").getByTestId("preferences-grid").waitFor();
  await assertAccessible(app.page, "notification preferences", { t });
  app.done();
});

test("axe: the admin screen, as an admin", async (t) => {
  const backend = fakeBackend({ me: USERS[0] });
  const app = await openSignedIn(harness, t, backend);
  await app.page.getByTestId("nav-admin").click();
  await app.page.getByTestId("account-row").first().waitFor();
  await assertAccessible(app.page, "admin", { t });
  app.done();
});

test("axe: the SLA policies screen", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  await app.page.getByTestId("nav-sla").click();
  const screen = app.page.getByTestId("sla-screen");
  await screen.waitFor();
  await eventually(async () => assert.ok((await screen.locator("tbody tr").count()) > 0, "the policies are listed"));
  await assertAccessible(app.page, "SLA policies", { t });
  app.done();
});

test("axe: the escalations screen", async (t) => {
  const backend = fakeBackend({
    escalations: [
      escalation(3, { title: "VM web-01 is down" }),
      escalation(1, { level: 2, kind: "SLA_BREACH", title: "Disk almost full on db-02", mine: false, canAct: false }),
    ],
  });
  const app = await openSignedIn(harness, t, backend);
  await app.page.getByTestId("escalations-button").click();
  const screen = app.page.getByTestId("escalations-screen");
  await screen.waitFor();
  await eventually(async () => assert.ok((await screen.getByText("VM web-01 is down").count()) > 0, "the escalations are listed"));
  await assertAccessible(app.page, "escalations", { t });
  app.done();
});

test("axe: the security panel", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  await app.page.getByTestId("nav-security").click();
  const panel = app.page.getByTestId("security");
  await panel.getByTestId("mfa-state").waitFor();
  await assertAccessible(app.page, "security panel", { t });
  app.done();
});

test("axe: the outbox panel", async (t) => {
  const backend = fakeBackend();
  backend.enqueue("addComment", { id: "c-off", ticketId: "t-3", content: "Typed on the train", isInternal: false });
  backend.enqueue("changeStatus", { ticketId: "t-3", version: 2, to: "PENDING_INFO" }, { state: "needsYou", reason: "Changed meanwhile." });
  const app = await openSignedIn(harness, t, backend);
  const count = app.page.getByTestId("outbox-count");
  await count.waitFor();
  await count.click();
  await app.page.getByTestId("outbox-list").getByTestId("outbox-item").first().waitFor();
  await assertAccessible(app.page, "outbox panel", { t });
  app.done();
});

// --- Keyboard: dialogs keep the focus; the queue can be reached -----------------------------

/** Presses Tab (or Shift+Tab) up to `max` times until the focus is on an element matching `selector`; true if it got there. */
async function tabTo(page, selector, { max = 60, shift = false } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(shift ? "Shift+Tab" : "Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return true;
  }
  return false;
}

test("the new-ticket dialog keeps Tab and Shift+Tab inside, and Escape gives the focus back to its button", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  // Control: the notification centre is not modal, so the same keys walk out of it to the page.
  await page.getByTestId("notifications-button").click();
  const centre = page.getByTestId("notification-centre");
  await centre.getByTestId("notification-list").waitFor();
  assert.ok(await tabTo(page, '[data-testid="notification-centre"] button:last-of-type, [data-testid="notification-list"] button'));
  let left = false;
  for (let i = 0; i < 30 && !left; i++) {
    await page.keyboard.press("Tab");
    left = !(await focusInside(centre));
  }
  assert.ok(left, "Tab leaves a non-modal panel (the check below can fail)");
  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await centre.count(), 0));

  const opener = page.getByTestId("new-ticket");
  await opener.click();
  const form = page.getByTestId("create-form");
  const dialog = page.locator('[role="dialog"][aria-modal="true"]').filter({ has: form });
  const title = form.locator("input[name=title]");
  const submit = page.getByTestId("create-submit");
  await eventually(async () => assert.equal(await isFocused(title), true, "focus starts in the title"));
  assert.equal(await isFocused(opener), false);

  await page.keyboard.press("Shift+Tab");
  assert.equal(await isFocused(submit), true, `Shift+Tab from the first field goes to the last button (focus: ${await focusedName(page)})`);
  await page.keyboard.press("Tab");
  assert.equal(await isFocused(title), true, `Tab from the last button goes to the first field (focus: ${await focusedName(page)})`);
  // A whole round of Tab never leaves the dialog.
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    assert.equal(await focusInside(dialog), true, `Tab ${i + 1} stays in the dialog (focus: ${await focusedName(page)})`);
  }
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Shift+Tab");
    assert.equal(await focusInside(dialog), true, `Shift+Tab ${i + 1} stays in the dialog (focus: ${await focusedName(page)})`);
  }

  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await form.count(), 0, "Escape closes it"));
  await eventually(async () => assert.equal(await isFocused(opener), true, `the focus is back on New ticket (focus: ${await focusedName(page)})`));

  // Cancel does the same; so does filing the ticket (the button is still there).
  await opener.click();
  await form.getByRole("button", { name: "Cancel" }).click();
  await eventually(async () => assert.equal(await form.count(), 0));
  await eventually(async () => assert.equal(await isFocused(opener), true, `back on New ticket after Cancel (focus: ${await focusedName(page)})`));
  app.done();
});

test("a Modal dialog (resolve) keeps Tab and Shift+Tab inside, and Escape gives the focus back to the button that opened it", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const detail = await openTicket(app, "t-3");
  const opener = detail.locator('[data-to="RESOLVED"]');
  await opener.click();
  const dialog = page.getByTestId("resolve-dialog");
  await dialog.waitFor();
  const notes = dialog.locator("textarea[name=resolutionNotes]");
  const submit = dialog.getByTestId("resolve-submit");
  await eventually(async () => assert.equal(await isFocused(notes), true, "focus starts in the notes"));

  await page.keyboard.press("Shift+Tab");
  assert.equal(await isFocused(submit), true, `Shift+Tab from the first field goes to the last button (focus: ${await focusedName(page)})`);
  await page.keyboard.press("Tab");
  assert.equal(await isFocused(notes), true, `Tab from the last button goes to the first field (focus: ${await focusedName(page)})`);
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press(i % 2 ? "Shift+Tab" : "Tab");
    await page.keyboard.press("Tab");
    assert.equal(await focusInside(dialog), true, `still in the dialog (focus: ${await focusedName(page)})`);
  }
  // Control: the page behind has tab stops the focus would otherwise reach.
  assert.ok((await detail.locator("button:not([disabled]), select, textarea").count()) > 0);

  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await dialog.count(), 0, "Escape closes it"));
  await eventually(async () => assert.equal(await isFocused(opener), true, `the focus is back on Resolve (focus: ${await focusedName(page)})`));
  assert.equal(backend.callsOf("change_status").length, 0, "nothing was resolved");
  app.done();
});

test("the queue can be reached with Tab before any row is selected: the first row, then the selected one", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const row = (n) => page.locator(`[data-testid="queue-row"][data-ticket-number="${n}"]`);
  assert.equal(await page.locator('[data-testid="queue-row"][aria-selected="true"]').count(), 0, "nothing is selected");

  // Control: a row that is not the tab stop is never reached (so the walk can fail).
  assert.equal(await tabTo(page, '[data-ticket-number="TKT-0002"]', { max: 80 }), false, "a row other than the stop is not a tab stop");

  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.evaluate(() => document.activeElement?.blur());
  assert.equal(await tabTo(page, '[data-testid="queue-row"]'), true, "Tab reaches the queue");
  assert.equal(await isFocused(row("TKT-0003")), true, "at its first row");
  assert.equal(await page.locator('[data-testid="queue-row"][tabindex="0"]').count(), 1, "one row is the tab stop (a roving tabindex)");
  await page.keyboard.press("Enter");
  await eventually(async () => assert.equal(await page.getByTestId("ticket-detail").getAttribute("data-ticket-id"), "t-3"));
  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await page.getByTestId("ticket-detail").count(), 0));

  // Once a row is selected (opening TKT-0003 selected it; j moves on), it is the one Tab stops at.
  await page.keyboard.press("j");
  await eventually(async () => assert.equal(await row("TKT-0002").getAttribute("aria-selected"), "true"));
  assert.equal(await row("TKT-0002").getAttribute("tabindex"), "0");
  assert.equal(await row("TKT-0003").getAttribute("tabindex"), "-1");
  await page.evaluate(() => document.activeElement?.blur());
  assert.equal(await tabTo(page, '[data-testid="queue-row"]'), true);
  assert.equal(await isFocused(row("TKT-0002")), true, "at the selected row");
  app.done();
});
