// Notification preferences: the grid of event kinds × channels behind the gear in the
// notification centre, each checkbox stored at once, waiting while its call is in flight and
// going back to what it was when the call fails.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, gate, openSignedIn, useHarness } from "./helpers/app.mjs";
import { appError, CHANNELS, fakeBackend, PREFERENCE_KINDS, preferenceDefault } from "./helpers/fixtures.mjs";

const harness = useHarness();

const KIND_LABELS = [
  "Assigned to me",
  "Escalated to me",
  "SLA warning (80 % used)",
  "SLA breach",
  "Comments",
  "Status changes on my requests",
  "My requests closed",
];
const CHANNEL_LABELS = ["In app", "Email", "Slack", "SMS"];

/** Opens the centre, clicks its gear and waits for the grid. */
async function openPreferences(page) {
  await page.getByTestId("notifications-button").click();
  await page.getByTestId("notification-centre").waitFor();
  await page.getByTestId("notifications-preferences").click();
  const panel = page.getByTestId("notification-preferences");
  await panel.getByTestId("preferences-grid").waitFor();
  return panel;
}

const box = (panel, name) => panel.getByRole("checkbox", { name, exact: true });

/** "KIND:CHANNEL" → checked, for every checkbox in the grid. */
const checkedStates = (panel) =>
  panel
    .getByTestId("preference")
    .evaluateAll((boxes) => Object.fromEntries(boxes.map((b) => [`${b.dataset.kind}:${b.dataset.channel}`, b.checked])));

const defaults = () =>
  Object.fromEntries(
    PREFERENCE_KINDS.flatMap((kind) => CHANNELS.map((channel) => [`${kind}:${channel}`, preferenceDefault(kind, channel)])),
  );

test("the gear in the notification centre opens the grid with the defaults, labelled for screen readers", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  assert.equal(backend.callsOf("list_notification_preferences").length, 0, "nothing is loaded before the panel opens");

  const panel = await openPreferences(page);
  assert.equal(await panel.getAttribute("aria-modal"), "true");
  assert.equal(await page.getByTestId("notification-centre").count(), 0, "the centre closes behind the dialog");
  assert.deepEqual(backend.callsOf("list_notification_preferences"), [{}]);

  const table = panel.getByTestId("preferences-grid");
  const columns = await table.locator("thead th").evaluateAll((ths) => ths.map((th) => [th.textContent.trim(), th.getAttribute("scope")]));
  assert.deepEqual(columns, [["Event", "col"], ...CHANNEL_LABELS.map((c) => [c, "col"])]);
  const rows = await table.locator("tbody th").evaluateAll((ths) => ths.map((th) => [th.textContent.trim(), th.getAttribute("scope")]));
  assert.deepEqual(rows, KIND_LABELS.map((k) => [k, "row"]), "rows in display order with human labels");

  assert.deepEqual(await checkedStates(panel), defaults());
  assert.equal(await panel.getByTestId("preference").count(), 28, "one checkbox per kind and channel");
  // Spot checks through the accessible names.
  assert.equal(await box(panel, "Email for Assigned to me").isChecked(), true);
  assert.equal(await box(panel, "In app for My requests closed").isChecked(), true);
  assert.equal(await box(panel, "Email for Comments").isChecked(), false);
  assert.equal(await box(panel, "Slack for SLA breach").isChecked(), false);
  assert.equal(await box(panel, "SMS for Escalated to me").isChecked(), false);
  assert.equal(await box(panel, "SMS for Escalated to me").isDisabled(), false);

  const notes = await panel.getByTestId("preferences-notes").innerText();
  assert.match(notes, /In-app alerts for Assigned to me, Escalated to me, SLA warning \(80 % used\) and SLA breach also raise a desktop notification/);
  assert.match(notes, /You are never notified of your own actions/);
  assert.match(notes, /SMS goes to the phone number on your account/);

  // Escape closes it and focus goes back to the bell; the queue shortcuts are not triggered meanwhile.
  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await page.getByTestId("notification-preferences").count(), 0));
  assert.equal(await page.getByTestId("notifications-button").evaluate((el) => el === document.activeElement), true);
  app.done();
});

test("a toggle sends that one cell at once, waits while in flight and then shows the grid the backend returns", async (t) => {
  let held = null;
  const backend = fakeBackend({
    handlers: {
      set_notification_preference: async (args, b) => {
        await held?.wait;
        // Meanwhile another desktop of Ada's turned on SMS for SLA breaches: the reply carries it.
        if (!b.preferences.has(b.me.id)) b.preferences.set(b.me.id, new Map());
        b.preferences.get(b.me.id).set("SLA_BREACH:SMS", true);
        return b.defaults.set_notification_preference(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const panel = await openPreferences(page);

  held = gate();
  const slack = box(panel, "Slack for Escalated to me");
  await slack.click();
  await eventually(() =>
    assert.deepEqual(backend.callsOf("set_notification_preference"), [
      { preference: { kind: "ESCALATED", channel: "SLACK", enabled: true } },
    ]),
  );
  assert.equal(await slack.isChecked(), true, "the new value shows while the call is in flight");
  assert.equal(await slack.isDisabled(), true, "its checkbox waits for the answer");
  assert.equal(await box(panel, "Email for Escalated to me").isDisabled(), false, "the others stay usable");
  assert.equal(await box(panel, "SMS for SLA breach").isChecked(), false);

  held.open();
  await eventually(async () => assert.equal(await slack.isDisabled(), false));
  assert.equal(await slack.isChecked(), true);
  assert.equal(await box(panel, "SMS for SLA breach").isChecked(), true, "the returned grid replaces the shown one");
  assert.equal(await panel.getByTestId("preferences-error").count(), 0);

  // Turning one off sends enabled: false.
  held = null;
  const inApp = box(panel, "In app for Comments");
  await inApp.click();
  await eventually(() =>
    assert.deepEqual(backend.callsOf("set_notification_preference").at(-1), {
      preference: { kind: "COMMENT_ADDED", channel: "IN_APP", enabled: false },
    }),
  );
  await eventually(async () => assert.equal(await inApp.isDisabled(), false));
  assert.equal(await inApp.isChecked(), false);

  // Stored: opening the panel again loads what was chosen.
  await panel.getByTestId("preferences-close").click();
  await eventually(async () => assert.equal(await page.getByTestId("notification-preferences").count(), 0));
  const again = await openPreferences(page);
  assert.equal(backend.callsOf("list_notification_preferences").length, 2);
  assert.deepEqual(await checkedStates(again), {
    ...defaults(),
    "ESCALATED:SLACK": true,
    "SLA_BREACH:SMS": true,
    "COMMENT_ADDED:IN_APP": false,
  });
  app.done();
});

test("a failing toggle goes back to what it was and says why, inline", async (t) => {
  let held = null;
  const backend = fakeBackend({
    handlers: {
      set_notification_preference: async (args, b) => {
        await held?.wait;
        if (args.preference.channel === "SMS") throw appError("validation", "Add a phone number to your account first.");
        return b.defaults.set_notification_preference(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const panel = await openPreferences(page);

  held = gate();
  const sms = box(panel, "SMS for Assigned to me");
  await sms.click();
  await eventually(async () => assert.equal(await sms.isDisabled(), true));
  assert.equal(await sms.isChecked(), true);
  held.open();

  const error = panel.getByTestId("preferences-error");
  await error.waitFor();
  assert.equal(
    (await error.innerText()).trim(),
    "Could not change SMS for Assigned to me: Add a phone number to your account first.",
  );
  assert.equal(await error.getAttribute("role"), "alert");
  assert.equal(await sms.isChecked(), false, "back to what the backend has");
  assert.equal(await sms.isDisabled(), false, "and usable again");
  assert.equal(backend.preferences.get(backend.me.id), undefined, "nothing was stored");

  // A checked one that fails to turn off comes back checked.
  held = null;
  backend.preferences.set(backend.me.id, new Map([["ESCALATED:SMS", true]]));
  await panel.getByTestId("preferences-close").click();
  const again = await openPreferences(page);
  const escalatedSms = box(again, "SMS for Escalated to me");
  assert.equal(await escalatedSms.isChecked(), true);
  await escalatedSms.click();
  await eventually(async () =>
    assert.match(await again.getByTestId("preferences-error").innerText(), /Could not change SMS for Escalated to me/),
  );
  assert.equal(await escalatedSms.isChecked(), true);

  // The next change that goes through clears the message.
  await box(again, "Slack for Comments").click();
  await eventually(async () => assert.equal(await again.getByTestId("preferences-error").count(), 0));
  assert.equal(await box(again, "Slack for Comments").isChecked(), true);
  app.done();
});

test("changes are sent one after another, so an older reply never overwrites a newer one", async (t) => {
  const held = [];
  const backend = fakeBackend({
    handlers: {
      set_notification_preference: async (args, b) => {
        const g = gate();
        held.push(g);
        await g.wait;
        return b.defaults.set_notification_preference(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const panel = await openPreferences(page);

  await box(panel, "Slack for Assigned to me").click();
  await box(panel, "Slack for Escalated to me").click();
  await eventually(() => assert.equal(held.length, 1));
  // The second waits (its checkbox too) until the first is answered.
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(held.length, 1, "the second change is not sent while the first is in flight");
  assert.equal(await box(panel, "Slack for Escalated to me").isDisabled(), true);
  assert.equal(await box(panel, "Slack for Escalated to me").isChecked(), true);

  held[0].open();
  await eventually(() => assert.equal(held.length, 2));
  // The first reply (without the second change) must not undo the second checkbox on screen.
  assert.equal(await box(panel, "Slack for Escalated to me").isChecked(), true);
  held[1].open();
  await eventually(async () => assert.equal(await box(panel, "Slack for Escalated to me").isDisabled(), false));
  assert.equal(await box(panel, "Slack for Assigned to me").isChecked(), true);
  assert.equal(await box(panel, "Slack for Escalated to me").isChecked(), true);
  assert.deepEqual(
    backend.callsOf("set_notification_preference").map((c) => `${c.preference.kind}:${c.preference.channel}`),
    ["TICKET_ASSIGNED:SLACK", "ESCALATED:SLACK"],
  );
  app.done();
});

test("a grid that fails to load says why and can be retried", async (t) => {
  let fail = true;
  const backend = fakeBackend({
    handlers: {
      list_notification_preferences: (args, b) => {
        if (fail) throw appError("internal", "Something went wrong on our side.");
        return b.defaults.list_notification_preferences(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await page.getByTestId("notifications-button").click();
  await page.getByTestId("notifications-preferences").click();
  const panel = page.getByTestId("notification-preferences");
  const error = panel.getByTestId("preferences-load-error");
  await error.waitFor();
  assert.match(await error.innerText(), /Something went wrong on our side\./);
  assert.equal(await panel.getByTestId("preferences-grid").count(), 0);

  fail = false;
  await error.getByRole("button", { name: "Retry" }).click();
  await panel.getByTestId("preferences-grid").waitFor();
  assert.deepEqual(await checkedStates(panel), defaults());
  assert.equal(await panel.getByTestId("preferences-load-error").count(), 0);
  app.done();
});
