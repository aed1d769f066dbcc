// The SLA policies screen (issue 14, item 7): managers and admins keep policies and holiday
// calendars; the server's refusals show on the form with the user's input kept.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, useHarness } from "./helpers/app.mjs";
import { fakeBackend, USERS } from "./helpers/fixtures.mjs";
import { importTs } from "./helpers/ts.mjs";

const harness = useHarness();
const MANAGER = { id: "u-mgr", username: "max", displayName: "Max Manager", role: "MANAGER", department: "Ops" };

async function openSla(app) {
  await app.page.getByTestId("nav-sla").click();
  await app.page.getByTestId("sla-policy-row").first().waitFor();
  return app.page.getByTestId("sla-screen");
}

const policyRow = (screen, id) => screen.locator(`[data-testid="sla-policy-row"][data-policy-id="${id}"]`);

test("only managers and admins get the SLA policies screen", async (t) => {
  for (const me of [USERS[1], USERS[2], USERS[3]]) {
    const app = await openSignedIn(harness, t, fakeBackend({ me }));
    assert.equal(await app.page.getByTestId("nav-sla").count(), 0, `${me.role} sees no entry`);
    app.done();
  }
  for (const me of [MANAGER, USERS[0]]) {
    const app = await openSignedIn(harness, t, fakeBackend({ me }));
    const screen = await openSla(app);
    const cells = (await policyRow(screen, "p-3").locator("td").allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(cells.slice(0, 8), ["P3 medium (default)", "P3 Medium", "All categories", "2 h", "24 h", "Mon–Fri 09:00–17:00 UTC", "—", "2025-01-01 – open end"]);
    assert.equal((await policyRow(screen, "p-1").locator("td").nth(5).innerText()).trim(), "Around the clock");
    app.done();
  }
});

test("a manager edits a policy: the save names what was read, and the list shows it", async (t) => {
  const backend = fakeBackend({ me: MANAGER });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openSla(app);
  await policyRow(screen, "p-3").getByTestId("sla-edit-policy").click();
  const form = screen.getByTestId("sla-policy-form");
  await form.locator("input[name=resolution]").fill("960");
  await form.locator("input[name=time-zone]").fill("Europe/Berlin");
  await form.getByTestId("sla-save-policy").click();
  await form.waitFor({ state: "detached" });
  const [{ policy }] = backend.callsOf("save_sla_policy");
  assert.equal(policy.id, "p-3");
  assert.equal(policy.resolution_time_minutes, 960);
  assert.equal(policy.time_zone, "Europe/Berlin");
  assert.equal(policy.updated_at, "2026-12-01T00:00:03.000Z", "the version it was read at");
  await eventually(async () => assert.equal((await policyRow(screen, "p-3").locator("td").nth(4).innerText()).trim(), "16 h"));
  assert.equal((await policyRow(screen, "p-3").locator("td").nth(5).innerText()).trim(), "Mon–Fri 09:00–17:00 Europe/Berlin");
  app.done();
});

test("a refused policy shows the server's words and keeps what was typed", async (t) => {
  const backend = fakeBackend({ me: MANAGER });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openSla(app);
  await screen.getByTestId("sla-new-policy").click();
  const form = screen.getByTestId("sla-policy-form");
  await form.locator("input[name=name]").fill("Night shift");
  await form.locator("input[name=end-hour]").fill("9");
  await form.getByTestId("sla-save-policy").click();
  await form.getByTestId("sla-error").waitFor();
  assert.equal((await form.getByTestId("sla-error").innerText()).trim(), "The end hour (9) must be after the start hour (9).");
  assert.equal(await form.locator("input[name=name]").inputValue(), "Night shift", "nothing lost");
  assert.equal(await form.locator("input[name=end-hour]").inputValue(), "9");
  assert.equal(await screen.getByTestId("sla-policy-row").count(), 4, "nothing stored");
  // Fixed, it saves as a new policy.
  await form.locator("input[name=end-hour]").fill("18");
  await form.getByTestId("sla-save-policy").click();
  await eventually(async () => assert.equal(await screen.getByTestId("sla-policy-row").count(), 5));
  assert.equal(backend.callsOf("save_sla_policy").at(-1).policy.id, null);
  app.done();
});

test("a policy someone else saved meanwhile is not overwritten: the list reloads", async (t) => {
  const backend = fakeBackend({ me: MANAGER });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openSla(app);
  await policyRow(screen, "p-2").getByTestId("sla-edit-policy").click();
  // Another manager saves P2 first.
  backend.slaPolicies[1] = { ...backend.slaPolicies[1], resolution_time_minutes: 600, updated_at: "2026-12-02T00:00:00.000Z" };
  const form = screen.getByTestId("sla-policy-form");
  await form.locator("input[name=resolution]").fill("720");
  await form.getByTestId("sla-save-policy").click();
  await form.getByTestId("sla-error").waitFor();
  assert.match(await form.getByTestId("sla-error").innerText(), /Someone else changed this/);
  await eventually(async () => assert.equal((await policyRow(screen, "p-2").locator("td").nth(4).innerText()).trim(), "10 h"));
  assert.equal(backend.slaPolicies[1].resolution_time_minutes, 600, "theirs stands");
  app.done();
});

test("a holiday calendar: days added and removed, saved as one list, then offered to policies", async (t) => {
  const backend = fakeBackend({ me: MANAGER });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openSla(app);
  await screen.getByTestId("sla-new-calendar").click();
  const form = screen.getByTestId("sla-calendar-form");
  await form.locator("input[name=calendar-name]").fill("Germany 2026");
  for (const [day, label] of [["2026-12-25", "Christmas Day"], ["2026-12-24", "Christmas Eve"], ["2026-12-31", ""]]) {
    await form.locator("input[name=holiday-day]").fill(day);
    await form.locator("input[name=holiday-label]").fill(label);
    await form.getByTestId("sla-add-holiday").click();
  }
  assert.deepEqual(
    (await form.getByTestId("holiday-row").allInnerTexts()).map((s) => s.replace(/\s+/g, " ").replace("✕", "").trim()),
    ["2026-12-24 Christmas Eve", "2026-12-25 Christmas Day", "2026-12-31"],
    "in order",
  );
  await form.getByRole("button", { name: "Remove 2026-12-31" }).click();
  await form.getByTestId("sla-save-calendar").click();
  await form.waitFor({ state: "detached" });
  const [{ calendar }] = backend.callsOf("save_sla_calendar");
  assert.deepEqual(calendar.holidays, [
    { day: "2026-12-24", label: "Christmas Eve" },
    { day: "2026-12-25", label: "Christmas Day" },
  ]);
  assert.match(await screen.getByTestId("sla-calendar-row").innerText(), /Germany 2026\s+2026-12-24 Christmas Eve · 2026-12-25 Christmas Day/);
  // The policy form offers it.
  await policyRow(screen, "p-3").getByTestId("sla-edit-policy").click();
  const options = await screen.locator("select[name=calendar] option").allInnerTexts();
  assert.deepEqual(options, ["No holidays", "Germany 2026"]);
  app.done();
});

test("pure: a policy's terms and a calendar's days", async () => {
  const p = await importTs("src/features/sla/policies.ts");
  assert.equal(p.minutesText(125), "2 h 05 min");
  assert.equal(p.minutesText(30), "30 min");
  assert.equal(p.minutesText(7200), "120 h");
  const policy = p.newPolicy("2026-12-07");
  assert.equal(p.hoursText(policy), "Mon–Fri 09:00–17:00 UTC");
  assert.equal(p.hoursText({ ...policy, include_weekends: true, time_zone: "Asia/Tokyo" }), "Mon–Sun 09:00–17:00 Asia/Tokyo");
  assert.equal(p.hoursText({ ...policy, business_hours_only: false }), "Around the clock");
  assert.equal(p.effectiveText(policy), "2026-12-07 – open end");
  let calendar = p.withHoliday(p.newCalendar(), "2026-12-25", " Christmas Day ");
  calendar = p.withHoliday(calendar, "2026-12-24", "");
  calendar = p.withHoliday(calendar, "2026-12-25", "Xmas");
  assert.deepEqual(calendar.holidays, [
    { day: "2026-12-24", label: null },
    { day: "2026-12-25", label: "Xmas" },
  ]);
});
