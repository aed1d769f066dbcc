import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, signIn, useHarness } from "./helpers/app.mjs";
import { appError, fakeBackend, PASSWORD, SIGN_IN_FAILED, USERS } from "./helpers/fixtures.mjs";

const harness = useHarness();

const isFocused = (locator) => locator.evaluate((el) => el === document.activeElement);

test("no session: connecting, then the sign-in screen; the right password calls sign_in with exactly { login, password, mfaCode: null }", async (t) => {
  let answer;
  const pending = new Promise((resolve) => (answer = resolve));
  let release;
  const slowSignIn = new Promise((resolve) => (release = resolve));
  const backend = fakeBackend({
    me: null,
    handlers: {
      current_user: () => pending,
      sign_in: async (args, b) => {
        await slowSignIn; // Argon2id takes a moment
        assert.equal(args.password, PASSWORD);
        b.me = USERS[2];
        return USERS[2];
      },
    },
  });
  const app = await harness.open(t, backend);
  const { page } = app;

  await page.getByText("Connecting to the database…").waitFor();
  assert.equal(await page.getByTestId("sign-in").count(), 0);
  answer(null);

  const form = page.getByTestId("sign-in");
  await form.waitFor();
  assert.match(await form.innerText(), /Sign in to ticketdesk/);
  const login = form.getByLabel("Username or email");
  const password = form.locator("input[name=password]");
  assert.equal(await login.getAttribute("name"), "login");
  assert.equal(await login.getAttribute("autocomplete"), "username");
  assert.equal(await password.getAttribute("type"), "password");
  assert.equal(await password.getAttribute("autocomplete"), "current-password");
  await eventually(async () => assert.equal(await isFocused(login), true, "login field has focus"));
  assert.equal(await page.getByTestId("current-user").count(), 0, "no header user before signing in");
  assert.equal(await page.getByTestId("new-ticket").count(), 0);
  assert.equal(backend.callsOf("list_queue").length, 0, "queue not loaded before signing in");
  assert.doesNotMatch(await page.locator("body").innerText(), /act as|temporary/i, "no trace of the demo picker");

  await signIn(page, "dora", PASSWORD); // Enter submits
  const submit = page.getByTestId("sign-in-submit");
  await eventually(async () => assert.equal((await submit.innerText()).trim(), "Signing in…"));
  assert.equal(await submit.isDisabled(), true, "no second submit while signing in");
  await page.locator("input[name=password]").press("Enter"); // a second Enter does not sign in twice
  release();

  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Dora DevOps/));
  assert.match(await page.getByTestId("current-user").innerText(), /DevOps engineer/);
  assert.deepEqual(backend.callsOf("sign_in"), [{ login: "dora", password: PASSWORD, mfaCode: null }]);
  assert.deepEqual(backend.callsOf("current_user"), [{}]);
  await app.rows().first().waitFor();
  assert.equal(await form.count(), 0, "sign-in screen is gone");
  app.done();
});

test("a wrong password shows the backend's message, keeps the login, clears and focuses the password, shows no queue", async (t) => {
  const backend = fakeBackend({ me: null });
  const app = await harness.open(t, backend);
  const { page } = app;
  const form = page.getByTestId("sign-in");
  await form.waitFor();

  await signIn(page, "tom", "not-the-password");
  const error = page.getByTestId("sign-in-error");
  await error.waitFor();
  assert.equal((await error.innerText()).trim(), SIGN_IN_FAILED);
  assert.equal(await form.locator("input[name=login]").inputValue(), "tom");
  const password = form.locator("input[name=password]");
  assert.equal(await password.inputValue(), "");
  await eventually(async () => assert.equal(await isFocused(password), true, "password field has focus"));
  assert.equal((await page.getByTestId("sign-in-submit").innerText()).trim(), "Sign in");
  assert.equal(await page.getByTestId("sign-in-submit").isDisabled(), false);
  assert.equal(await page.getByTestId("queue").count(), 0);
  assert.equal(await page.getByTestId("current-user").count(), 0);
  assert.equal(backend.callsOf("list_queue").length, 0);
  assert.equal(await page.getByTestId("error-banner").count(), 0, "the message stays in the sign-in card");

  // Typing just the password again is enough.
  await password.fill(PASSWORD);
  await password.press("Enter");
  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Tom Lead/));
  assert.deepEqual(backend.callsOf("sign_in"), [
    { login: "tom", password: "not-the-password", mfaCode: null },
    { login: "tom", password: PASSWORD, mfaCode: null },
  ]);
  await app.rows().first().waitFor();
  app.done();
});

test("blank fields are refused without calling the backend", async (t) => {
  const backend = fakeBackend({ me: null });
  const app = await harness.open(t, backend);
  const { page } = app;
  const form = page.getByTestId("sign-in");
  await form.waitFor();
  const login = form.locator("input[name=login]");
  const password = form.locator("input[name=password]");
  const error = page.getByTestId("sign-in-error");

  await page.getByTestId("sign-in-submit").click();
  await eventually(async () => assert.match(await error.innerText(), /username or email/i));
  await eventually(async () => assert.equal(await isFocused(login), true));

  await login.fill("   ");
  await password.fill(PASSWORD);
  await password.press("Enter");
  await eventually(async () => assert.match(await error.innerText(), /username or email/i));

  await login.fill("eve");
  await password.fill("");
  await login.press("Enter");
  await eventually(async () => assert.match(await error.innerText(), /password/i));
  await eventually(async () => assert.equal(await isFocused(password), true));
  assert.equal(await login.inputValue(), "eve");

  assert.equal(backend.callsOf("sign_in").length, 0, "sign_in never called");
  assert.equal(await page.getByTestId("current-user").count(), 0);
  app.done();
});

test("sign_in failing offline says the database is unavailable and clears the password", async (t) => {
  const backend = fakeBackend({
    me: null,
    handlers: { sign_in: () => { throw appError("offline", "could not reach PostgreSQL"); } },
  });
  const app = await harness.open(t, backend);
  const { page } = app;
  await page.getByTestId("sign-in").waitFor();

  await signIn(page, "ada@example.test", PASSWORD);
  const error = page.getByTestId("sign-in-error");
  await error.waitFor();
  assert.match(await error.innerText(), /Database unavailable.*could not reach PostgreSQL/);
  assert.equal(await page.locator("input[name=login]").inputValue(), "ada@example.test");
  assert.equal(await page.locator("input[name=password]").inputValue(), "");
  assert.equal(backend.callsOf("sign_in").length, 1);
  app.done();
});

test("a stored session (current_user returns a user) skips the sign-in screen", async (t) => {
  const backend = fakeBackend({ me: USERS[1] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  const who = await page.getByTestId("current-user").innerText();
  assert.match(who, /Tom Lead/);
  assert.match(who, /Team lead/);
  assert.doesNotMatch(who, /temporary|acting as/i);
  assert.equal(await page.getByTestId("sign-in").count(), 0);
  assert.equal(await page.getByTestId("switch-user").count(), 0, "the demo picker's switch-user is gone");
  assert.equal(backend.callsOf("sign_in").length, 0);
  assert.deepEqual(backend.callsOf("current_user"), [{}]);
  app.done();
});

test("Sign out calls sign_out and shows an empty sign-in screen without the queue", async (t) => {
  const backend = fakeBackend({ me: USERS[0] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await app.rows().nth(0).click();
  await page.getByTestId("ticket-detail").waitFor();

  await page.getByTestId("sign-out").click();
  const form = page.getByTestId("sign-in");
  await form.waitFor();
  assert.deepEqual(backend.callsOf("sign_out"), [{}]);
  assert.equal(await page.getByTestId("current-user").count(), 0);
  assert.equal(await page.getByTestId("queue").count(), 0);
  assert.equal(await page.getByTestId("ticket-detail").count(), 0);
  assert.equal(await form.locator("input[name=login]").inputValue(), "");
  assert.equal(await form.locator("input[name=password]").inputValue(), "");
  assert.equal(await page.getByTestId("sign-in-note").count(), 0, "signing out is not a 'session ended'");

  // Signing in again (as someone else) starts from a clean view.
  await signIn(page, "eve", PASSWORD);
  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Eve User/));
  await app.rows().first().waitFor();
  assert.equal(await page.getByTestId("ticket-detail").count(), 0, "the previous user's open ticket is not reopened");
  app.done();
});

test("current_user failing offline at start shows the banner; Retry connects again", async (t) => {
  let offline = true;
  const backend = fakeBackend({
    me: null,
    handlers: {
      current_user: () => {
        if (offline) throw appError("offline", "database is starting");
        return null;
      },
    },
  });
  const app = await harness.open(t, backend);
  const { page } = app;

  const banner = page.getByTestId("error-banner");
  await banner.waitFor();
  assert.match(await banner.innerText(), /Database unavailable/);
  assert.equal(await page.getByTestId("sign-in").count(), 0);

  offline = false;
  await banner.getByRole("button", { name: "Retry" }).click();
  await page.getByTestId("sign-in").waitFor();
  assert.equal(await banner.count(), 0);
  assert.equal(backend.callsOf("current_user").length, 2);
  app.done();
});
