// Two-factor (TOTP): the optional code on the sign-in screen and the Security panel.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, signIn, useHarness } from "./helpers/app.mjs";
import {
  fakeBackend,
  MFA_CODE,
  MFA_CODE_WRONG,
  MFA_SECRET,
  MFA_URI,
  PASSWORD,
  SIGN_IN_FAILED,
  USERS,
} from "./helpers/fixtures.mjs";

const harness = useHarness();

test("sign-in sends mfaCode null when the field is empty, the typed code otherwise, and clears it after a failure", async (t) => {
  const backend = fakeBackend({ me: null, mfa: [USERS[1].id] });
  const app = await harness.open(t, backend);
  const { page } = app;
  const form = page.getByTestId("sign-in");
  await form.waitFor();

  const code = form.getByLabel("Authentication code (if two-factor is on)");
  assert.equal(await code.getAttribute("name"), "mfaCode");
  assert.equal(await code.getAttribute("inputmode"), "numeric");
  assert.equal(await code.getAttribute("autocomplete"), "one-time-code");
  assert.equal(await code.getAttribute("maxlength"), "6");

  // Two-factor is on for Tom: no code fails like a wrong password.
  await signIn(page, "tom", PASSWORD);
  const error = page.getByTestId("sign-in-error");
  await eventually(async () => assert.equal((await error.innerText()).trim(), SIGN_IN_FAILED));

  // A wrong code: cleared after the failure, like the password.
  await form.locator("input[name=password]").fill(PASSWORD);
  await code.fill("000000");
  await code.press("Enter");
  await eventually(() => assert.equal(backend.callsOf("sign_in").length, 2));
  await eventually(async () => assert.equal(await form.locator("input[name=password]").inputValue(), ""));
  assert.equal(await code.inputValue(), "");
  assert.equal((await error.innerText()).trim(), SIGN_IN_FAILED);
  assert.equal(await page.getByTestId("current-user").count(), 0);

  // The right code signs in.
  await form.locator("input[name=password]").fill(PASSWORD);
  await code.fill(MFA_CODE);
  await code.press("Enter");
  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Tom Lead/));
  assert.deepEqual(backend.callsOf("sign_in"), [
    { login: "tom", password: PASSWORD, mfaCode: null },
    { login: "tom", password: PASSWORD, mfaCode: "000000" },
    { login: "tom", password: PASSWORD, mfaCode: MFA_CODE },
  ]);
  await app.rows().first().waitFor();
  app.done();
});

async function openSecurity(page) {
  const nav = page.getByTestId("nav-security");
  assert.equal((await nav.innerText()).trim(), "Security");
  await nav.click();
  const panel = page.getByTestId("security");
  await panel.waitFor();
  return panel;
}

test("enrol: begin shows the URI and key; a wrong code keeps them; the right code turns two-factor on and forgets the key", async (t) => {
  const backend = fakeBackend({ me: USERS[3] }); // every signed-in user has the Security entry, not just admins
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const panel = await openSecurity(page);

  const state = panel.getByTestId("mfa-state");
  await eventually(async () => assert.match(await state.innerText(), /is off/));
  assert.equal(backend.callsOf("mfa_status").length, 1);
  assert.equal(await panel.getByTestId("mfa-disable").count(), 0);

  await panel.getByTestId("mfa-begin").click();
  const uri = panel.getByTestId("mfa-uri");
  await uri.waitFor();
  assert.equal((await uri.innerText()).trim(), MFA_URI);
  assert.equal((await panel.getByTestId("mfa-secret").innerText()).trim(), MFA_SECRET);
  assert.match(
    await panel.innerText(),
    /Add this to your authenticator app \(scan or type the key\), then enter the 6-digit code it shows\./,
  );
  assert.equal(await panel.getByRole("button", { name: "Copy" }).count(), 1);
  assert.deepEqual(backend.callsOf("mfa_begin_enrol"), [{}]);

  // Wrong code: the message, and the key stays for another try.
  const code = panel.locator("input[name=confirmCode]");
  await code.fill("999999");
  await panel.getByTestId("mfa-confirm").click();
  const error = panel.getByTestId("mfa-error");
  await eventually(async () => assert.equal((await error.innerText()).trim(), MFA_CODE_WRONG));
  assert.equal((await panel.getByTestId("mfa-secret").innerText()).trim(), MFA_SECRET);
  assert.equal(await uri.count(), 1);
  assert.match(await state.innerText(), /is off/);
  assert.equal(await page.getByTestId("error-banner").count(), 0, "the message stays in the panel");

  // Right code: on, and the key and link are gone from the page.
  await code.fill(MFA_CODE);
  await code.press("Enter");
  await eventually(async () => assert.match(await state.innerText(), /is on/));
  assert.deepEqual(backend.callsOf("mfa_confirm"), [{ code: "999999" }, { code: MFA_CODE }]);
  assert.equal(await panel.getByTestId("mfa-secret").count(), 0);
  assert.equal(await uri.count(), 0);
  assert.equal(await panel.getByTestId("mfa-error").count(), 0);
  const html = await page.content();
  assert.ok(!html.includes(MFA_SECRET), "the secret is not in the DOM any more");
  assert.ok(!html.includes("otpauth://"), "the URI is not in the DOM any more");
  assert.equal(await panel.getByTestId("mfa-disable").count(), 1);
  assert.ok(backend.mfa.has(USERS[3].id));

  await panel.getByTestId("security-close").click();
  assert.equal(await page.getByTestId("security").count(), 0);
  app.done();
});

test("the panel starts focused on itself; without clipboard access Copy selects the setup link", async (t) => {
  const backend = fakeBackend({ me: USERS[2] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await page.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException("denied", "NotAllowedError"));
  });
  const panel = await openSecurity(page);
  assert.equal(await panel.getAttribute("role"), "dialog");
  assert.equal(await panel.getAttribute("aria-modal"), "true");
  assert.equal(await page.locator(`#${await panel.getAttribute("aria-labelledby")}`).innerText(), "Security");
  await eventually(async () => assert.equal(await panel.evaluate((el) => el === document.activeElement), true));

  await panel.getByTestId("mfa-begin").click();
  await eventually(async () =>
    assert.equal(await panel.locator("input[name=confirmCode]").evaluate((el) => el === document.activeElement), true),
  );
  await panel.getByTestId("mfa-copy").click();
  await eventually(async () => assert.match(await panel.innerText(), /Could not copy; the link is selected, press Ctrl\+C\./));
  assert.equal((await panel.getByTestId("mfa-copy").innerText()).trim(), "Copy");
  assert.equal(await page.evaluate(() => String(window.getSelection())), MFA_URI);

  // A new enrolment starts without the old failure message.
  await panel.getByRole("button", { name: "Cancel" }).click();
  await panel.getByTestId("mfa-begin").click();
  await panel.getByTestId("mfa-uri").waitFor();
  assert.doesNotMatch(await panel.innerText(), /Could not copy/);
  app.done();
});

test("closing the panel mid-enrolment forgets the key", async (t) => {
  const backend = fakeBackend({ me: USERS[2] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  let panel = await openSecurity(page);
  await panel.getByTestId("mfa-begin").click();
  await panel.getByTestId("mfa-secret").waitFor();

  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await page.getByTestId("security").count(), 0));
  assert.ok(!(await page.content()).includes(MFA_SECRET));

  panel = await openSecurity(page);
  await panel.getByTestId("mfa-begin").waitFor();
  assert.equal(await panel.getByTestId("mfa-secret").count(), 0, "reopening does not bring the key back");
  app.done();
});

test("disable: a wrong code shows the error; the right code sends { code } and shows off", async (t) => {
  const backend = fakeBackend({ me: USERS[0], mfa: [USERS[0].id] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const panel = await openSecurity(page);

  const state = panel.getByTestId("mfa-state");
  await eventually(async () => assert.match(await state.innerText(), /is on/));
  assert.equal(await panel.getByTestId("mfa-begin").count(), 0);
  const code = panel.locator("input[name=disableCode]");

  await code.fill("111111");
  await panel.getByTestId("mfa-disable").click();
  await eventually(async () => assert.equal((await panel.getByTestId("mfa-error").innerText()).trim(), MFA_CODE_WRONG));
  assert.match(await state.innerText(), /is on/);

  await code.fill(MFA_CODE);
  await panel.getByTestId("mfa-disable").click();
  await eventually(async () => assert.match(await state.innerText(), /is off/));
  assert.deepEqual(backend.callsOf("mfa_disable"), [{ code: "111111" }, { code: MFA_CODE }]);
  assert.equal(await panel.getByTestId("mfa-begin").count(), 1);
  assert.equal(await panel.locator("input[name=disableCode]").count(), 0);
  assert.ok(!backend.mfa.has(USERS[0].id));
  app.done();
});
