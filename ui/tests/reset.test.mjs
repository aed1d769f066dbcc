// Setting a new password with a reset code, from the sign-in screen (no session).
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, signIn, useHarness } from "./helpers/app.mjs";
import { appError, fakeBackend, PASSWORD, RESET_CODE_INVALID, SIGN_IN_FAILED } from "./helpers/fixtures.mjs";

const harness = useHarness();

const NOTICE = "Password changed. Sign in with your new password.";
const isFocused = (locator) => locator.evaluate((el) => el === document.activeElement);

async function openResetForm(page) {
  await page.getByTestId("sign-in").waitFor();
  const toggle = page.getByTestId("reset-toggle");
  assert.equal((await toggle.innerText()).trim(), "Have a reset code?");
  await toggle.click();
  const form = page.getByTestId("reset-form");
  await form.waitFor();
  return {
    form,
    code: form.locator("input[name=code]"),
    next: form.locator("input[name=newPassword]"),
    confirm: form.locator("input[name=confirmPassword]"),
    submit: page.getByTestId("reset-submit"),
    error: page.getByTestId("reset-error"),
  };
}

test("the reset form refuses mismatched or short passwords without calling, then sends exactly { code, newPassword }", async (t) => {
  const backend = fakeBackend({ me: null });
  const code = backend.issueResetCode("u-end", "K7Q2-MX9P-44TR");
  const app = await harness.open(t, backend);
  const { page } = app;
  const f = await openResetForm(page);

  assert.equal(await page.getByTestId("sign-in").count(), 0, "the sign-in form is replaced");
  assert.equal(await f.next.getAttribute("type"), "password");
  assert.equal(await f.next.getAttribute("autocomplete"), "new-password");
  assert.equal(await f.confirm.getAttribute("type"), "password");
  await eventually(async () => assert.equal(await isFocused(f.code), true, "the code field has focus"));

  // Different passwords.
  await f.code.fill(code);
  await f.next.fill("brand-new-pass");
  await f.confirm.fill("brand-new-pasS");
  await f.submit.click();
  await eventually(async () => assert.match(await f.error.innerText(), /do not match/));
  await eventually(async () => assert.equal(await isFocused(f.confirm), true));

  // Too short (both the same).
  await f.next.fill("short7!");
  await f.confirm.fill("short7!");
  await f.confirm.press("Enter");
  await eventually(async () => assert.match(await f.error.innerText(), /at least 8 characters/));
  await eventually(async () => assert.equal(await isFocused(f.next), true));
  assert.equal(await f.code.inputValue(), code, "the code is kept");

  // No code at all.
  await f.code.fill("  ");
  await f.next.fill("brand-new-pass");
  await f.confirm.fill("brand-new-pass");
  await f.submit.click();
  await eventually(async () => assert.match(await f.error.innerText(), /reset code/));
  assert.equal(backend.callsOf("reset_password").length, 0, "nothing was sent");

  // Valid: exactly the code and the new password (not the confirmation).
  await f.code.fill(code);
  await f.confirm.press("Enter");
  const notice = page.getByTestId("sign-in-notice");
  await notice.waitFor();
  assert.equal((await notice.innerText()).trim(), NOTICE);
  assert.deepEqual(backend.callsOf("reset_password"), [{ code, newPassword: "brand-new-pass" }]);
  assert.equal(await page.getByTestId("reset-form").count(), 0, "back on the sign-in form");
  assert.equal(await page.getByTestId("current-user").count(), 0, "resetting does not sign in");
  await eventually(async () => assert.equal(await isFocused(page.locator("input[name=login]")), true));
  assert.ok(!(await page.content()).includes("brand-new-pass"), "the new password is not left in the page");

  // The old password no longer works; the new one does.
  await signIn(page, "eve", PASSWORD);
  await eventually(async () => assert.equal((await page.getByTestId("sign-in-error").innerText()).trim(), SIGN_IN_FAILED));
  assert.equal(await notice.count(), 0, "the notice goes once the user tries to sign in");
  await signIn(page, "eve", "brand-new-pass");
  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Eve User/));
  assert.deepEqual(
    backend.calls.filter((c) => JSON.stringify(c.args).includes("brand-new-pass")).map((c) => c.cmd),
    ["reset_password", "sign_in"],
    "the new password went only into these two calls",
  );
  app.done();
});

test("a wrong or used code shows the backend's message, keeps the code and clears both passwords", async (t) => {
  const backend = fakeBackend({ me: null });
  const code = backend.issueResetCode("u-lead", "USED-CODE-1");
  backend.resetCodes.get(code).used = true;
  const app = await harness.open(t, backend);
  const { page } = app;
  const f = await openResetForm(page);

  await f.code.fill(code);
  await f.next.fill("another-password");
  await f.confirm.fill("another-password");
  await f.submit.click();
  await f.error.waitFor();
  assert.equal((await f.error.innerText()).trim(), RESET_CODE_INVALID);
  assert.equal(await f.code.inputValue(), code);
  assert.equal(await f.next.inputValue(), "");
  assert.equal(await f.confirm.inputValue(), "");
  assert.equal(await f.submit.isDisabled(), false);
  assert.equal(await page.getByTestId("sign-in-notice").count(), 0);
  assert.equal(await page.getByTestId("error-banner").count(), 0, "the message stays in the form");
  assert.equal(await page.getByTestId("sign-in-note").count(), 0, "not treated as a session end");
  assert.deepEqual(backend.callsOf("reset_password"), [{ code, newPassword: "another-password" }]);

  // "Back to sign in" returns without a notice and without calling anything else.
  await page.getByTestId("reset-back").click();
  await page.getByTestId("sign-in").waitFor();
  assert.equal(await page.getByTestId("sign-in-notice").count(), 0);
  assert.equal(backend.callsOf("reset_password").length, 1);
  app.done();
});

test("reset_password failing offline says the database is unavailable", async (t) => {
  const backend = fakeBackend({
    me: null,
    handlers: { reset_password: () => { throw appError("offline", "could not reach PostgreSQL"); } },
  });
  const app = await harness.open(t, backend);
  const { page } = app;
  const f = await openResetForm(page);
  await f.code.fill("ABCD-EFGH");
  await f.next.fill("long-enough-1");
  await f.confirm.fill("long-enough-1");
  await f.submit.click();
  await f.error.waitFor();
  assert.match(await f.error.innerText(), /Database unavailable.*could not reach PostgreSQL/);
  assert.equal(await f.code.inputValue(), "ABCD-EFGH");
  assert.equal(await f.next.inputValue(), "");
  app.done();
});
