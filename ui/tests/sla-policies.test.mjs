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
const cells = async (row) => (await row.locator("td").allInnerTexts()).map((s) => s.trim()).slice(0, 9);
const calendarRow = (screen, name) => screen.getByTestId("sla-calendar-row").filter({ hasText: name });
const dayRows = async (form) =>
  (await form.getByTestId("holiday-row").allInnerTexts()).map((s) => s.replace("✕", "").replace(/\s+/g, " ").trim());

test("only managers and admins get the SLA policies screen, with each policy's terms", async (t) => {
  for (const me of [USERS[1], USERS[2], USERS[3]]) {
    const app = await openSignedIn(harness, t, fakeBackend({ me }));
    assert.equal(await app.page.getByTestId("nav-sla").count(), 0, `${me.role} sees no entry`);
    assert.equal(await app.page.getByTestId("sla-screen").count(), 0);
    app.done();
  }
  for (const me of [MANAGER, USERS[0]]) {
    const backend = fakeBackend({ me });
    const app = await openSignedIn(harness, t, backend);
    const screen = await openSla(app);
    assert.equal(await screen.getByTestId("sla-policy-row").count(), 5, `${me.role} sees every policy`);
    assert.deepEqual(await cells(policyRow(screen, "p-3")), [
      "P3 medium (default)",
      "P3 Medium",
      "All categories",
      "2 h",
      "24 h",
      "Mon–Fri 09:00–17:00 UTC",
      "No holidays",
      "Active",
      "2025-01-01 – open end",
    ]);
    assert.deepEqual(await cells(policyRow(screen, "p-5")), [
      "Security (Berlin)",
      "P2 High",
      "Security issue",
      "2 h 05 min",
      "10 h",
      "Mon–Fri 09:00–17:00 Europe/Berlin",
      "Germany",
      "Inactive",
      "2026-01-01 – 2026-06-30",
    ]);
    assert.equal((await cells(policyRow(screen, "p-1")))[5], "Around the clock");
    assert.match(await calendarRow(screen, "Germany").innerText(), /2026-10-03 Unity Day · 2026-12-25 Christmas Day/);
    assert.equal(backend.callsOf("save_sla_policy").length, 0, "opening saves nothing");
    app.done();
  }
});

test("a manager edits a policy: the save sends the edited fields and the version read, the list shows it", async (t) => {
  const backend = fakeBackend({ me: MANAGER });
  const read = structuredClone(backend.slaPolicies[2]);
  const app = await openSignedIn(harness, t, backend);
  const screen = await openSla(app);
  await policyRow(screen, "p-3").getByTestId("sla-edit-policy").click();
  const form = screen.getByTestId("sla-policy-form");
  assert.equal(
    (await form.getByTestId("sla-policy-hint").innerText()).trim(),
    "Saving recomputes the deadlines of open tickets under this policy; their history says why.",
  );
  // Every field is reachable by its label.
  await form.getByLabel("Resolution time (minutes)").fill("965");
  await form.getByLabel("Time zone").fill("Europe/Berlin");
  await form.getByLabel("Category").selectOption({ label: "Network issue" });
  await form.getByLabel("Calendar").selectOption({ label: "Germany" });
  await form.getByLabel("Include weekends").check();
  await form.getByLabel("Effective until").fill("2027-03-31");
  await form.getByLabel("Description").fill("Network, Berlin hours");
  await form.getByTestId("sla-save-policy").click();
  await form.waitFor({ state: "detached" });
  const saves = backend.callsOf("save_sla_policy");
  assert.equal(saves.length, 1);
  assert.deepEqual(saves[0].policy, {
    ...read,
    resolution_time_minutes: 965,
    time_zone: "Europe/Berlin",
    category: "NETWORK_ISSUE",
    calendar_id: "cal-de",
    include_weekends: true,
    effective_until: "2027-03-31",
    description: "Network, Berlin hours",
  });
  assert.equal(saves[0].policy.updated_at, "2026-12-01T00:00:03.000Z", "the version it was read at");
  await eventually(async () =>
    assert.deepEqual(await cells(policyRow(screen, "p-3")), [
      "P3 medium (default)",
      "P3 Medium",
      "Network issue",
      "2 h",
      "16 h 05 min",
      "Mon–Sun 09:00–17:00 Europe/Berlin",
      "Germany",
      "Active",
      "2025-01-01 – 2027-03-31",
    ]),
  );
  app.done();
});

test("a refused policy shows the server's words and keeps everything typed", async (t) => {
  const backend = fakeBackend({ me: MANAGER });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openSla(app);
  await screen.getByTestId("sla-new-policy").click();
  const form = screen.getByTestId("sla-policy-form");
  await form.getByLabel("Name").fill("Night shift");
  await form.getByLabel("Priority").selectOption({ label: "P1 Critical" });
  await form.getByLabel("Response time (minutes)").fill("15");
  await form.getByLabel("Time zone").fill("Asia/Tokyo");
  await form.getByLabel("Start hour").fill("9");
  await form.getByLabel("End hour").fill("9");
  await form.getByTestId("sla-save-policy").click();
  await form.getByTestId("sla-error").waitFor();
  assert.equal((await form.getByTestId("sla-error").innerText()).trim(), "The end hour (9) must be after the start hour (9).");
  // Nothing lost.
  assert.equal(await form.getByLabel("Name").inputValue(), "Night shift");
  assert.equal(await form.getByLabel("Priority").inputValue(), "P1_CRITICAL");
  assert.equal(await form.getByLabel("Response time (minutes)").inputValue(), "15");
  assert.equal(await form.getByLabel("Time zone").inputValue(), "Asia/Tokyo");
  assert.equal(await form.getByLabel("Start hour").inputValue(), "9");
  assert.equal(await form.getByLabel("End hour").inputValue(), "9");
  assert.equal(await screen.getByTestId("sla-policy-row").count(), 5, "nothing stored");
  assert.equal(backend.callsOf("save_sla_policy")[0].policy.id, null, "a new policy");
  // An empty number field is stopped before it reaches the server.
  await form.getByLabel("End hour").fill("");
  await form.getByTestId("sla-save-policy").click();
  assert.equal(await form.getByLabel("End hour").evaluate((input) => input.validity.valueMissing), true);
  await app.page.waitForTimeout(300); // a save, had it gone out, would have arrived by now
  assert.equal(backend.callsOf("save_sla_policy").length, 1, "not sent");
  // Fixed, it saves as a new policy and the form closes.
  await form.getByLabel("End hour").fill("18");
  await form.getByTestId("sla-save-policy").click();
  await form.waitFor({ state: "detached" });
  await eventually(async () => assert.equal(await screen.getByTestId("sla-policy-row").count(), 6));
  const saved = backend.callsOf("save_sla_policy").at(-1).policy;
  assert.equal(saved.id, null);
  assert.equal(saved.business_end_hour, 18);
  assert.equal(await screen.getByTestId("sla-policy-row").filter({ hasText: "Night shift" }).count(), 1);
  app.done();
});

test("a server refusal of the role shows on the form too", async (t) => {
  const backend = fakeBackend({ me: MANAGER });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openSla(app);
  await policyRow(screen, "p-4").getByTestId("sla-edit-policy").click();
  // Demoted while the screen was open: the server refuses, the UI says what it said.
  backend.me = { ...MANAGER, role: "TEAM_LEAD" };
  const form = screen.getByTestId("sla-policy-form");
  await form.getByLabel("Response time (minutes)").fill("600");
  await form.getByTestId("sla-save-policy").click();
  await form.getByTestId("sla-error").waitFor();
  assert.equal((await form.getByTestId("sla-error").innerText()).trim(), "Only managers and admins may change SLA policies and calendars.");
  assert.equal(await form.getByLabel("Response time (minutes)").inputValue(), "600");
  assert.equal(backend.slaPolicies[3].response_time_minutes, 1440);
  app.done();
});

test("a policy or calendar someone else saved meanwhile is not overwritten: the user is told and the list reloads", async (t) => {
  const backend = fakeBackend({ me: MANAGER });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openSla(app);
  await policyRow(screen, "p-2").getByTestId("sla-edit-policy").click();
  // Another manager saves P2 first.
  backend.slaPolicies[1] = { ...backend.slaPolicies[1], resolution_time_minutes: 600, updated_at: "2026-12-02T00:00:00.000Z" };
  const listsBefore = backend.callsOf("list_sla_policies").length;
  const form = screen.getByTestId("sla-policy-form");
  await form.getByLabel("Resolution time (minutes)").fill("720");
  await form.getByTestId("sla-save-policy").click();
  await form.getByTestId("sla-error").waitFor();
  assert.match(await form.getByTestId("sla-error").innerText(), /Someone else changed this/);
  assert.equal(backend.callsOf("save_sla_policy")[0].policy.updated_at, "2026-12-01T00:00:02.000Z");
  await eventually(async () => assert.equal((await cells(policyRow(screen, "p-2")))[4], "10 h"));
  assert.ok(backend.callsOf("list_sla_policies").length > listsBefore, "the list was read again");
  assert.equal(backend.slaPolicies[1].resolution_time_minutes, 600, "theirs stands");

  // The same for a calendar.
  await calendarRow(screen, "Germany").getByTestId("sla-edit-calendar").click();
  const calendarForm = screen.getByTestId("sla-calendar-form");
  backend.slaCalendars[0] = { ...backend.slaCalendars[0], holidays: [], updated_at: "2026-12-02T00:00:00.000Z" };
  await calendarForm.getByRole("button", { name: "Remove 2026-10-03" }).click();
  await calendarForm.getByTestId("sla-save-calendar").click();
  await calendarForm.getByTestId("sla-error").waitFor();
  assert.match(await calendarForm.getByTestId("sla-error").innerText(), /Someone else changed this/);
  await eventually(async () => assert.match(await calendarRow(screen, "Germany").innerText(), /no days/));
  assert.deepEqual(backend.slaCalendars[0].holidays, [], "theirs stands");
  app.done();
});

test("a holiday calendar: two days added, one removed, saved as one list; the list shows it", async (t) => {
  const backend = fakeBackend({ me: MANAGER });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openSla(app);
  await calendarRow(screen, "Germany").getByTestId("sla-edit-calendar").click();
  const form = screen.getByTestId("sla-calendar-form");
  assert.deepEqual(await dayRows(form), ["2026-10-03 Unity Day", "2026-12-25 Christmas Day"]);
  await form.getByLabel("Day").fill("2026-12-26");
  await form.getByLabel("Label").fill("Boxing Day");
  await form.getByTestId("sla-add-holiday").click();
  // Enter in the label adds the day (it does not save the calendar).
  await form.getByLabel("Day").fill("2026-12-24");
  await form.getByLabel("Label").fill("Christmas Eve");
  await form.getByLabel("Label").press("Enter");
  assert.deepEqual(
    await dayRows(form),
    ["2026-10-03 Unity Day", "2026-12-24 Christmas Eve", "2026-12-25 Christmas Day", "2026-12-26 Boxing Day"],
    "in order",
  );
  assert.equal(backend.callsOf("save_sla_calendar").length, 0);
  await form.getByRole("button", { name: "Remove 2026-10-03" }).click();
  await form.getByTestId("sla-save-calendar").click();
  await form.waitFor({ state: "detached" });
  const saves = backend.callsOf("save_sla_calendar");
  assert.equal(saves.length, 1);
  assert.equal(saves[0].calendar.id, "cal-de");
  assert.equal(saves[0].calendar.updated_at, "2026-12-01T00:00:00.000Z", "the version it was read at");
  assert.deepEqual(saves[0].calendar.holidays, [
    { day: "2026-12-24", label: "Christmas Eve" },
    { day: "2026-12-25", label: "Christmas Day" },
    { day: "2026-12-26", label: "Boxing Day" },
  ]);
  await eventually(async () =>
    assert.match(
      await calendarRow(screen, "Germany").innerText(),
      /2026-12-24 Christmas Eve · 2026-12-25 Christmas Day · 2026-12-26 Boxing Day/,
    ),
  );
  assert.doesNotMatch(await calendarRow(screen, "Germany").innerText(), /Unity Day/);
  app.done();
});

test("a new holiday calendar is offered to policies", async (t) => {
  const backend = fakeBackend({ me: MANAGER });
  const app = await openSignedIn(harness, t, backend);
  const screen = await openSla(app);
  await screen.getByTestId("sla-new-calendar").click();
  const form = screen.getByTestId("sla-calendar-form");
  await form.getByLabel("Name").fill("Austria");
  await form.getByLabel("Day").fill("2026-12-08");
  await form.getByTestId("sla-add-holiday").click();
  assert.deepEqual(await dayRows(form), ["2026-12-08"], "a label is optional");
  await form.getByTestId("sla-save-calendar").click();
  await form.waitFor({ state: "detached" });
  const [{ calendar }] = backend.callsOf("save_sla_calendar");
  assert.equal(calendar.id, null);
  assert.deepEqual(calendar.holidays, [{ day: "2026-12-08", label: null }]);
  await calendarRow(screen, "Austria").waitFor();
  await policyRow(screen, "p-3").getByTestId("sla-edit-policy").click();
  const options = await screen.getByTestId("sla-policy-form").getByLabel("Calendar").locator("option").allInnerTexts();
  assert.deepEqual(options, ["No holidays", "Germany", "Austria"]);
  app.done();
});

test("pure: a policy's terms and a calendar's days", async () => {
  const p = await importTs("src/features/sla/policies.ts");
  assert.equal(p.minutesText(125), "2 h 05 min");
  assert.equal(p.minutesText(30), "30 min");
  assert.equal(p.minutesText(60), "1 h");
  assert.equal(p.minutesText(7200), "120 h");
  const policy = p.newPolicy("2026-12-07");
  assert.equal(policy.id, null);
  assert.equal(policy.updated_at, null);
  assert.equal(p.hoursText(policy), "Mon–Fri 09:00–17:00 UTC");
  assert.equal(p.hoursText({ ...policy, include_weekends: true, time_zone: "Asia/Tokyo" }), "Mon–Sun 09:00–17:00 Asia/Tokyo");
  assert.equal(p.hoursText({ ...policy, business_start_hour: 7, business_end_hour: 24 }), "Mon–Fri 07:00–24:00 UTC");
  assert.equal(p.hoursText({ ...policy, business_hours_only: false }), "Around the clock");
  assert.equal(p.effectiveText(policy), "2026-12-07 – open end");
  assert.equal(p.effectiveText({ effective_from: "2026-01-01", effective_until: "2026-06-30" }), "2026-01-01 – 2026-06-30");
  assert.equal(p.localDay(new Date(2026, 0, 5, 23, 59)), "2026-01-05", "the local day, not UTC's");
  let calendar = p.withHoliday(p.newCalendar(), "2026-12-25", " Christmas Day ");
  calendar = p.withHoliday(calendar, "2026-12-24", "");
  calendar = p.withHoliday(calendar, "2026-12-25", "Xmas");
  assert.deepEqual(calendar.holidays, [
    { day: "2026-12-24", label: null },
    { day: "2026-12-25", label: "Xmas" },
  ]);
});
