// Shared setup for the UI tests: one Chromium and one static server per test file,
// one fresh browser context per test, the fake backend bridged in as window.__ipc.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import { ensureHarness, HARNESS_OUT, HARNESS_PAGE } from "./build.mjs";
import { serveDir } from "./server.mjs";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
  "--disable-quic",
];

export function launchChromium() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/** Retries `fn` until it stops throwing (or the time is up, then rethrows its last error). */
export async function eventually(fn, timeout = 5000) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Registers before/after hooks for the file and returns { open(t, backend) }. */
export function useHarness() {
  let browser;
  let server;
  before(async () => {
    await ensureHarness();
    server = await serveDir(HARNESS_OUT);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  return {
    /**
     * Opens the app against `backend`. Returns the page and helpers; the context is closed
     * when the test ends. `app.done()` asserts the page logged no errors.
     */
    async open(t, backend, { beforeLoad, hash = "" } = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      t.after(() => context.close());
      const page = await context.newPage();
      page.setDefaultTimeout(5000);
      const problems = [];
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
      });
      await page.exposeFunction("__ipc", backend.handle);
      if (beforeLoad) await beforeLoad(page);
      const url = `${server.url}/${HARNESS_PAGE}`;
      await page.goto(url + hash);
      const emit = (event, payload) => page.evaluate(([e, p]) => window.__emit(e, p), [event, payload]);
      // The fake backend pushes its own events (the outbox) to this page.
      backend.emit = emit;
      return {
        page,
        /** The app's address without a hash (as a restarted app opens). */
        url,
        backend,
        emit,
        /** Sends `message` on a Channel the UI passed to a command (its args hold `{ channel: id }`). */
        channelSend: (channel, message) => page.evaluate(([id, m]) => window.__channelSend(id, m), [channel.channel, message]),
        rows: () => page.getByTestId("queue-row"),
        rowNumbers: () =>
          page.getByTestId("queue-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-ticket-number"))),
        done: () => assert.deepEqual(problems, [], "the page logged errors"),
      };
    },
  };
}

/** Fills the sign-in form and submits it with Enter (does not wait for the outcome). */
export async function signIn(page, login, password) {
  const form = page.getByTestId("sign-in");
  await form.locator("input[name=login]").fill(login);
  await form.locator("input[name=password]").fill(password);
  await form.locator("input[name=password]").press("Enter");
}

/** Opens the app already signed in as backend.me (silent sign-in) and waits for the queue's first page. */
export async function openSignedIn(harness, t, backend, opts) {
  const app = await harness.open(t, backend, opts);
  await app.page.getByTestId("current-user").waitFor();
  await eventually(() => assert.ok(backend.callsOf("list_queue").length >= 1));
  if (backend.tickets.length > 0) await app.rows().first().waitFor();
  return app;
}

/** A promise a fake command can wait on until the test opens it (to look at in-flight states). */
export function gate() {
  let open;
  const wait = new Promise((resolve) => (open = resolve));
  return { wait, open };
}

/** Clicks the queue row of `ticketId` and waits for its full detail (the timeline). */
export async function openTicket(app, ticketId) {
  await app.page.locator(`[data-testid="queue-row"][data-ticket-id="${ticketId}"]`).click();
  const detail = app.page.getByTestId("ticket-detail");
  await detail.locator(`[data-testid="timeline"]`).waitFor();
  assert.equal(await detail.getAttribute("data-ticket-id"), ticketId);
  return detail;
}
