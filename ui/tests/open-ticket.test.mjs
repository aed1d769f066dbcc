// The backend's `open-ticket` event (a click on a native notification or a tray menu item):
// the ticket opens as if it had been clicked in the notification centre.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, openSignedIn, signIn, useHarness } from "./helpers/app.mjs";
import { appError, fakeBackend, PASSWORD } from "./helpers/fixtures.mjs";

const harness = useHarness();

test("open-ticket opens that ticket's detail and closes the notification centre", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await page.getByTestId("notifications-button").click();
  await page.getByTestId("notification-centre").waitFor();

  await app.emit("open-ticket", "t-2");
  const detail = page.getByTestId("ticket-detail");
  await eventually(async () => assert.match(await detail.getByTestId("detail-title").innerText(), /Need VPN access/));
  assert.equal(await detail.getAttribute("data-ticket-id"), "t-2");
  assert.deepEqual(backend.callsOf("get_ticket"), [{ ticketId: "t-2" }]);
  assert.equal(await page.getByTestId("notification-centre").count(), 0);
  assert.equal(
    await page.locator('[data-testid="queue-row"][data-ticket-id="t-2"]').getAttribute("aria-selected"),
    "true",
    "its queue row is selected, as after a click",
  );

  // Another one replaces it.
  await app.emit("open-ticket", "t-1");
  await eventually(async () => assert.equal(await detail.getAttribute("data-ticket-id"), "t-1"));
  assert.deepEqual(backend.callsOf("get_ticket").at(-1), { ticketId: "t-1" });
  app.done();
});

test("open-ticket from the admin screen goes back to the queue with the ticket open", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await page.getByTestId("nav-admin").click();
  await eventually(async () => assert.equal(await page.getByTestId("nav-admin").getAttribute("aria-pressed"), "true"));

  await app.emit("open-ticket", "t-3");
  await eventually(async () => assert.equal(await page.getByTestId("ticket-detail").getAttribute("data-ticket-id"), "t-3"));
  assert.equal(await page.getByTestId("nav-admin").getAttribute("aria-pressed"), "false");
  assert.equal(await app.rows().count(), 3);
  app.done();
});

test("open-ticket is ignored on the sign-in screen, also when the same user signs in again", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;

  // The session ends (the next command says so): the sign-in screen covers the app.
  backend.endSession();
  await app.emit("tickets-changed", null);
  await page.getByTestId("sign-in").waitFor();

  await app.emit("open-ticket", "t-2");
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(backend.callsOf("get_ticket").length, 0);

  // Ada gets her view back after signing in again, but not a ticket asked for while signed out.
  await signIn(page, "ada", PASSWORD);
  await app.rows().first().waitFor();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await page.getByTestId("ticket-detail").count(), 0, "nothing opens by itself after sign-in");
  assert.equal(backend.callsOf("get_ticket").length, 0);
  app.done();
});

// `ticketdesk://ticket/TKT-…` links (issue 18): the backend keeps the link and says `link-opened`;
// the window takes it (`take_ticket_link`, which resolves the number as the signed-in user) and
// opens the ticket, at once when signed in, else right after sign-in.
test("a ticketdesk:// link opens its ticket in the signed-in window, once", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  await eventually(async () => assert.equal(backend.callsOf("take_ticket_link").length, 1, "looked once at sign-in"));
  assert.equal(await page.getByTestId("ticket-detail").count(), 0, "no link was waiting");

  backend.waitingLink = "t-2";
  await app.emit("link-opened", null);
  const detail = page.getByTestId("ticket-detail");
  await eventually(async () => assert.equal(await detail.getAttribute("data-ticket-id"), "t-2"));
  assert.equal(backend.waitingLink, null, "taken");

  // Told again with nothing waiting: what is open stays.
  await app.emit("link-opened", null);
  await eventually(() => assert.equal(backend.callsOf("take_ticket_link").length, 3));
  assert.equal(await detail.getAttribute("data-ticket-id"), "t-2");
  app.done();
});

test("a link that started the app while signed out opens once its user signs in", async (t) => {
  const backend = fakeBackend({ me: null });
  backend.waitingLink = "t-3";
  const app = await harness.open(t, backend);
  const { page } = app;
  await page.getByTestId("sign-in").waitFor();
  await app.emit("link-opened", null);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(backend.callsOf("take_ticket_link").length, 0, "not taken on the sign-in screen");
  assert.equal(backend.waitingLink, "t-3");

  await signIn(page, "ada", PASSWORD);
  await eventually(async () => assert.equal(await page.getByTestId("ticket-detail").getAttribute("data-ticket-id"), "t-3"));
  app.done();
});

test("a link to a ticket the user may not see says so and opens nothing", async (t) => {
  const message = "The link opens TKT-2026-00099, but there is no such ticket that you can see.";
  const backend = fakeBackend({
    handlers: {
      take_ticket_link: () => {
        throw appError("not_found", message);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const { page } = app;
  const banner = page.getByTestId("error-banner");
  await eventually(async () => assert.match(await banner.innerText(), /TKT-2026-00099, but there is no such ticket/));
  assert.equal(await banner.getAttribute("data-code"), "not_found");
  assert.equal(await page.getByTestId("ticket-detail").count(), 0);
  app.done();
});
