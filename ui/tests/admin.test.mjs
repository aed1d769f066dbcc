// The admin screen: listing accounts, editing, unlocking, reset codes, creating users.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, signIn, useHarness } from "./helpers/app.mjs";
import { fakeBackend, ONLY_ADMINS, PASSWORD, USERNAME_TAKEN, USERS } from "./helpers/fixtures.mjs";

const harness = useHarness();

async function openAdmin(app) {
  const { page } = app;
  const nav = page.getByTestId("nav-admin");
  assert.equal((await nav.innerText()).trim(), "Users");
  await nav.click();
  await page.getByTestId("admin").waitFor();
  await page.getByTestId("account-row").first().waitFor();
  return page.getByTestId("admin");
}

const row = (page, username) => page.locator(`[data-testid="account-row"][data-username="${username}"]`);
const usernames = (page) =>
  page.getByTestId("account-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-username")));

test("non-admins never see the Users button or the admin screen", async (t) => {
  const backend = fakeBackend({ me: USERS[1] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  assert.equal(await page.getByTestId("nav-admin").count(), 0);
  assert.equal(await page.getByTestId("admin").count(), 0);

  // An admin who left the admin screen open signs out; a team lead signs in and gets the queue.
  await page.getByTestId("sign-out").click();
  await signIn(page, "ada", PASSWORD);
  await app.rows().first().waitFor();
  await openAdmin(app);
  await page.getByTestId("sign-out").click();
  await signIn(page, "dora", PASSWORD);
  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Dora DevOps/));
  await app.rows().first().waitFor();
  assert.equal(await page.getByTestId("nav-admin").count(), 0);
  assert.equal(await page.getByTestId("admin").count(), 0);
  assert.equal(backend.callsOf("admin_list_users").length, 1, "listed only while the admin was signed in");
  app.done();
});

test("an admin sees every account with its status badges and can go back to the queue", async (t) => {
  const backend = fakeBackend({ me: USERS[0] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const screen = await openAdmin(app);

  assert.equal(await page.getByTestId("nav-admin").getAttribute("aria-pressed"), "true");
  assert.equal(await page.getByTestId("queue").count(), 0, "the queue is replaced");
  assert.deepEqual(await usernames(page), ["ada", "tom", "dora", "eve", "ivan"]);
  assert.deepEqual(backend.callsOf("admin_list_users"), [{}]);

  const ada = await row(page, "ada").innerText();
  for (const text of ["Ada Admin", "(you)", "ada@example.test", "Admin", "IT", "Active", "Email verified", "MFA"]) {
    assert.ok(ada.includes(text), `ada's row shows ${text}`);
  }
  assert.doesNotMatch(ada, /Locked|failed/);

  const dora = row(page, "dora");
  const lockedUntil = backend.accounts.find((a) => a.username === "dora").lockedUntil;
  const hhmm = await page.evaluate((iso) => {
    const d = new Date(iso);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  }, lockedUntil);
  assert.equal((await dora.getByTestId("badge-locked").innerText()).trim(), `Locked until ${hhmm}`);
  assert.equal((await dora.getByTestId("badge-failed").innerText()).trim(), "5 failed sign-ins");
  assert.match(await dora.innerText(), /DevOps engineer/);

  const eve = await row(page, "eve").innerText();
  assert.match(eve, /End user/);
  assert.match(eve, /—/, "no department");
  assert.match(eve, /1 failed sign-in\b/);
  assert.match(eve, /Email not verified/);
  assert.match(eve, /No MFA/);
  assert.equal(await row(page, "ivan").getByTestId("badge-inactive").innerText(), "Inactive");
  assert.equal(await row(page, "ivan").getByTestId("badge-active").count(), 0);

  // Queue shortcuts are off here.
  await page.locator("body").press("c");
  assert.equal(await page.getByTestId("create-form").count(), 0);

  await page.getByTestId("nav-admin").click();
  await app.rows().first().waitFor();
  assert.equal(await screen.count(), 0);
  assert.equal(await page.getByTestId("nav-admin").getAttribute("aria-pressed"), "false");
  app.done();
});

test("saving a row sends the whole { userId, change } and reloads the list", async (t) => {
  const backend = fakeBackend({ me: USERS[0] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await openAdmin(app);

  const tom = row(page, "tom");
  await tom.getByTestId("account-edit").click();
  const save = tom.getByTestId("account-save");
  assert.equal(await save.isDisabled(), true, "nothing changed yet");
  assert.equal(await tom.locator("select[name=role]").inputValue(), "TEAM_LEAD");
  assert.equal(await tom.locator("input[name=department]").inputValue(), "Ops");
  assert.equal(await tom.locator("input[name=isActive]").isChecked(), true);

  await tom.locator("select[name=role]").selectOption("MANAGER");
  await tom.locator("input[name=department]").fill("  Platform ");
  await tom.locator("input[name=isActive]").uncheck();
  await save.click();

  await eventually(() => assert.equal(backend.callsOf("admin_update_user").length, 1));
  assert.deepEqual(backend.callsOf("admin_update_user"), [
    { userId: "u-lead", change: { role: "MANAGER", department: "Platform", isActive: false } },
  ]);
  await eventually(async () => assert.equal(await tom.getByTestId("account-save").count(), 0, "editing ends"));
  assert.equal(backend.callsOf("admin_list_users").length, 2, "reloaded after the change");
  const text = await tom.innerText();
  assert.match(text, /Manager/);
  assert.match(text, /Platform/);
  assert.equal(await tom.getByTestId("badge-inactive").count(), 1);

  // Clearing the department sends null; role and active flag go along unchanged.
  await tom.getByTestId("account-edit").click();
  await tom.locator("input[name=department]").fill("");
  await tom.locator("input[name=department]").press("Enter");
  await eventually(() => assert.equal(backend.callsOf("admin_update_user").length, 2));
  assert.deepEqual(backend.callsOf("admin_update_user")[1], {
    userId: "u-lead",
    change: { role: "MANAGER", department: null, isActive: false },
  });

  // The admin cannot demote or deactivate themselves from here.
  await row(page, "ada").getByTestId("account-edit").click();
  assert.equal(await row(page, "ada").locator("select[name=role]").isDisabled(), true);
  assert.equal(await row(page, "ada").locator("input[name=isActive]").isDisabled(), true);
  await row(page, "ada").getByTestId("account-cancel").click();

  // A rejection is shown with the row, and the edit stays open.
  backend.me = { ...USERS[0], role: "MANAGER" }; // demoted by another admin meanwhile
  await row(page, "eve").getByTestId("account-edit").click();
  await row(page, "eve").locator("select[name=role]").selectOption("DEVOPS_ENGINEER");
  await row(page, "eve").getByTestId("account-save").click();
  const error = page.locator('[data-testid="account-error"][data-username="eve"]');
  await error.waitFor();
  assert.equal((await error.innerText()).trim(), ONLY_ADMINS);
  assert.equal(await row(page, "eve").locator("select[name=role]").inputValue(), "DEVOPS_ENGINEER");
  assert.equal(await page.getByTestId("sign-in").count(), 0, "forbidden is not a session end");
  app.done();
});

test("Unlock shows only on locked rows and calls admin_unlock", async (t) => {
  const backend = fakeBackend({ me: USERS[0] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await openAdmin(app);

  const unlock = page.getByTestId("account-unlock");
  assert.equal(await unlock.count(), 1);
  assert.equal(await row(page, "dora").getByTestId("account-unlock").count(), 1);
  await unlock.click();
  await eventually(() => assert.deepEqual(backend.callsOf("admin_unlock"), [{ userId: "u-dev" }]));
  await eventually(async () => assert.equal(await unlock.count(), 0));
  assert.equal(await row(page, "dora").getByTestId("badge-locked").count(), 0);
  assert.equal(await row(page, "dora").getByTestId("badge-failed").count(), 0);
  assert.equal(backend.callsOf("admin_list_users").length, 2);
  app.done();
});

test("the reset code dialog starts on Done with the code selected; without clipboard access Copy selects the code", async (t) => {
  const backend = fakeBackend({ me: USERS[0] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await openAdmin(app);
  await page.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException("denied", "NotAllowedError"));
  });

  await row(page, "eve").getByTestId("account-reset").click();
  const dialog = page.getByTestId("reset-code");
  await dialog.waitFor();
  const [code] = [...backend.resetCodes.keys()];
  assert.equal(await dialog.getAttribute("role"), "dialog");
  assert.equal(await dialog.getAttribute("aria-modal"), "true");
  assert.equal(await dialog.getAttribute("aria-describedby"), "reset-code-note");
  assert.equal(await page.locator(`#${await dialog.getAttribute("aria-labelledby")}`).innerText(), "Reset code for Eve User");
  await eventually(async () =>
    assert.equal(await dialog.getByTestId("reset-code-close").evaluate((el) => el === document.activeElement), true),
  );

  await dialog.getByTestId("reset-code-copy").click();
  await eventually(async () => assert.match(await dialog.innerText(), /Could not copy; the code is selected, press Ctrl\+C\./));
  assert.equal((await dialog.getByTestId("reset-code-copy").innerText()).trim(), "Copy");
  const value = dialog.getByTestId("reset-code-value");
  assert.equal(await value.evaluate((el) => el === document.activeElement), true);
  assert.equal(await value.evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd)), code);
  app.done();
});

test("a reset code is shown once, can be copied, and then works on the sign-in screen", async (t) => {
  const backend = fakeBackend({ me: USERS[0] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await openAdmin(app);

  await row(page, "eve").getByTestId("account-reset").click();
  const dialog = page.getByTestId("reset-code");
  await dialog.waitFor();
  assert.deepEqual(backend.callsOf("admin_issue_reset"), [{ userId: "u-end" }]);
  const [code] = [...backend.resetCodes.keys()];
  assert.equal(await dialog.getByTestId("reset-code-value").inputValue(), code);
  assert.match(
    await dialog.innerText(),
    /Valid for one hour, usable once\. Give it to Eve User in person or over a trusted channel\./,
  );

  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await dialog.getByTestId("reset-code-copy").click();
  await eventually(async () => assert.equal((await dialog.getByTestId("reset-code-copy").innerText()).trim(), "Copied"));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);

  await dialog.getByTestId("reset-code-close").click();
  assert.equal(await dialog.count(), 0);
  assert.ok(!(await page.content()).includes(code), "the code is gone from the page");
  const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }, location.href]));
  assert.ok(!stored.includes(code), "and was never stored");
  assert.equal(backend.callsOf("admin_issue_reset").length, 1, "closing does not issue another");

  // Escape also closes it.
  await row(page, "tom").getByTestId("account-reset").click();
  await dialog.waitFor();
  await page.keyboard.press("Escape");
  await eventually(async () => assert.equal(await dialog.count(), 0));

  // Eve uses the first code.
  await page.getByTestId("sign-out").click();
  await page.getByTestId("reset-toggle").click();
  const form = page.getByTestId("reset-form");
  await form.locator("input[name=code]").fill(code);
  await form.locator("input[name=newPassword]").fill("eves-new-password");
  await form.locator("input[name=confirmPassword]").fill("eves-new-password");
  await page.getByTestId("reset-submit").click();
  await page.getByTestId("sign-in-notice").waitFor();
  await signIn(page, "eve", "eves-new-password");
  await eventually(async () => assert.match(await page.getByTestId("current-user").innerText(), /Eve User/));
  app.done();
});

test("New user sends { input } with the typed fields and the new row appears", async (t) => {
  const backend = fakeBackend({ me: USERS[0] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await openAdmin(app);

  await page.getByTestId("new-user").click();
  const form = page.getByTestId("new-user-form");
  await form.waitFor();
  assert.equal(await form.locator("select[name=role]").inputValue(), "END_USER", "default role");
  assert.equal(await form.locator("input[name=password]").getAttribute("type"), "password");
  assert.equal(await form.locator("input[name=password]").getAttribute("autocomplete"), "new-password");

  await form.locator("input[name=username]").fill("nina");
  await form.locator("input[name=email]").fill("nina@example.test");
  await form.locator("input[name=firstName]").fill("Nina");
  await form.locator("input[name=lastName]").fill("Network");
  await form.locator("select[name=role]").selectOption("SENIOR_ENGINEER");
  await form.locator("input[name=department]").fill("Network");
  await form.locator("input[name=password]").fill("short");
  await page.getByTestId("new-user-submit").click();
  await eventually(async () => assert.match(await page.getByTestId("new-user-error").innerText(), /at least 8 characters/));
  assert.equal(backend.callsOf("admin_create_user").length, 0, "a short password is refused here");

  await form.locator("input[name=password]").fill("initial-secret-1");
  await form.locator("input[name=password]").press("Enter");
  await eventually(() => assert.equal(backend.callsOf("admin_create_user").length, 1));
  assert.deepEqual(backend.callsOf("admin_create_user")[0], {
    input: {
      username: "nina",
      email: "nina@example.test",
      firstName: "Nina",
      lastName: "Network",
      role: "SENIOR_ENGINEER",
      department: "Network",
      password: "initial-secret-1",
    },
  });
  await eventually(async () => assert.equal(await form.count(), 0, "the form closes"));
  const nina = row(page, "nina");
  await nina.waitFor();
  assert.match(await nina.innerText(), /Nina Network/);
  assert.match(await nina.innerText(), /Senior engineer/);
  assert.ok(!(await page.content()).includes("initial-secret-1"), "the password is not left in the page");

  // Opened again, the form is empty.
  await page.getByTestId("new-user").click();
  assert.equal(await page.getByTestId("new-user-form").locator("input[name=username]").inputValue(), "");
  app.done();
});

test("a conflict is shown in the new-user form with everything typed kept", async (t) => {
  const backend = fakeBackend({ me: USERS[0] });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await openAdmin(app);
  await page.getByTestId("new-user").click();
  const form = page.getByTestId("new-user-form");

  const typed = {
    username: "tom",
    email: "thomas@example.test",
    firstName: "Thomas",
    lastName: "Second",
    department: "Ops",
    password: "tom2-password",
  };
  for (const [name, value] of Object.entries(typed)) await form.locator(`input[name=${name}]`).fill(value);
  await form.locator("select[name=role]").selectOption("TEAM_LEAD");
  await page.getByTestId("new-user-submit").click();

  const error = page.getByTestId("new-user-error");
  await error.waitFor();
  assert.equal((await error.innerText()).trim(), USERNAME_TAKEN);
  for (const [name, value] of Object.entries(typed)) {
    assert.equal(await form.locator(`input[name=${name}]`).inputValue(), value, `${name} kept`);
  }
  assert.equal(await form.locator("select[name=role]").inputValue(), "TEAM_LEAD");
  assert.equal(await page.getByTestId("error-banner").count(), 0, "shown in the form, not the banner");
  assert.equal(backend.accounts.length, 5);

  // Fixing just the username is enough.
  await form.locator("input[name=username]").fill("thomas");
  await page.getByTestId("new-user-submit").click();
  await row(page, "thomas").waitFor();
  assert.equal(backend.callsOf("admin_create_user").length, 2);
  assert.equal(await page.getByTestId("new-user-form").count(), 0);
  app.done();
});
