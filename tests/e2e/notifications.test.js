// End-to-end, in the real app window: a team lead creates a ticket assigned to an engineer, and
// the engineer's own running desktop raises a native notification for it.
//
//   Xvfb ─┬─ bus A: dbus-monitor + tauri-driver → WebKitWebDriver → ticketdesk (acting as lena)
//         └─ bus B: dbus-monitor + ticketdesk (acting as dev, no WebDriver)
//   both apps → a fresh database `e2e_<pid>` on the server of DATABASE_URL
//
// Each app has its own D-Bus session bus, so a Notify seen on B's bus can only come from B.
//
// Environment: DATABASE_URL (a superuser URL; required), E2E_SCREENSHOT (where to save the
// screenshot of A's window after creating; default: the work directory), E2E_WORKDIR (logs;
// default: a new temporary directory), TICKETDESK_BIN (default target/debug/ticketdesk).
// Run it through scripts/e2e.sh.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { remote } from "webdriverio";
import {
  APP,
  Cleanup,
  Fatal,
  createDatabase,
  dropDatabase,
  findOnPath,
  freePort,
  notifyCalls,
  replyTo,
  run,
  startInOwnBus,
  startXvfb,
  waitFor,
  waitForMonitor,
} from "./harness.js";

const SERVER_URL = process.env.DATABASE_URL;
const WORKDIR = process.env.E2E_WORKDIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "ticketdesk-e2e-"));
const DB_NAME = process.env.E2E_DB_NAME ?? `e2e_${process.pid}_${randomBytes(3).toString("hex")}`;

const cleanup = new Cleanup();
const ctx = { passed: false, reported: false };

function appEnv(instanceDir, extra) {
  const env = { ...process.env };
  delete env.DBUS_SESSION_BUS_ADDRESS; // dbus-run-session sets the instance's own
  delete env.WAYLAND_DISPLAY;
  for (const dir of ["data", "config", "cache", "runtime"]) {
    fs.mkdirSync(path.join(instanceDir, dir), { recursive: true, mode: 0o700 });
  }
  return {
    ...env,
    DISPLAY: ctx.display,
    TICKETDESK_DATABASE_URL: ctx.dbUrl,
    // Each instance has its own settings store, WebKit data and caches.
    XDG_DATA_HOME: path.join(instanceDir, "data"),
    XDG_CONFIG_HOME: path.join(instanceDir, "config"),
    XDG_CACHE_HOME: path.join(instanceDir, "cache"),
    XDG_RUNTIME_DIR: path.join(instanceDir, "runtime"),
    WEBKIT_DISABLE_DMABUF_RENDERER: "1",
    NO_AT_BRIDGE: "1",
    RUST_LOG: "info,sqlx=warn",
    NO_COLOR: "1",
    ...extra,
  };
}

/** Failure context: the tail of every log, so a CI failure can be read without the machine. */
function logTails() {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!["data", "config", "cache", "runtime", "bus"].includes(entry.name)) walk(full);
      } else if (entry.name.endsWith(".log")) {
        const lines = fs.readFileSync(full, "utf8").trimEnd().split("\n").slice(-40);
        out.push(`--- ${path.relative(WORKDIR, full)} (last ${lines.length} lines)\n${lines.join("\n")}`);
      }
    }
  };
  try {
    walk(WORKDIR);
  } catch {
    // nothing to show
  }
  return out.join("\n");
}

// Bounded everywhere: a hang fails within about two minutes, cleanup included.
before(
  async () => {
    try {
      await setUp();
    } catch (e) {
      ctx.reported = true;
      e.message += `\n\nwork directory: ${WORKDIR}\n${logTails()}`;
      throw e;
    }
  },
  { timeout: 75_000 },
);

async function setUp() {
  assert.ok(SERVER_URL, "DATABASE_URL must name a PostgreSQL server where the test may create a database");
  assert.ok(fs.existsSync(APP), `${APP} is missing: run cargo build`);
  const tauriDriver = findOnPath("tauri-driver");
  assert.ok(tauriDriver, "tauri-driver is not on PATH: cargo install tauri-driver --locked");
  const nativeDriver = findOnPath("WebKitWebDriver");
  assert.ok(nativeDriver, "WebKitWebDriver is missing: apt-get install webkit2gtk-driver");
  fs.mkdirSync(WORKDIR, { recursive: true });

  // The database: fresh, migrated, with the demo users.
  ctx.dbUrl = await createDatabase(SERVER_URL, DB_NAME);
  cleanup.add("drop the e2e database", () => dropDatabase(SERVER_URL, DB_NAME));
  const cliEnv = { ...process.env, TICKETDESK_DATABASE_URL: ctx.dbUrl };
  await run(APP, ["migrate"], { env: cliEnv });
  await run(APP, ["demo-data"], { env: cliEnv });
  ctx.db = new pg.Client({ connectionString: ctx.dbUrl, connectionTimeoutMillis: 10_000 });
  await ctx.db.connect();
  cleanup.add("close the test's database connection", () => ctx.db.end());

  // One X server for both windows.
  const xvfb = await startXvfb(WORKDIR);
  cleanup.add("stop Xvfb", () => xvfb.group.stop());
  ctx.display = xvfb.display;

  // Instance B: dev's desktop, started directly, on its own bus.
  const dirB = path.join(WORKDIR, "B-dev");
  ctx.monitorB = path.join(dirB, "dbus-monitor.log");
  ctx.appB = startInOwnBus("app-B", dirB, [APP], {
    env: appEnv(dirB, { TICKETDESK_ACT_AS: "dev" }),
    monitorLog: ctx.monitorB,
  });
  cleanup.add("stop instance B", () => ctx.appB.stop());
  await waitForMonitor(ctx.monitorB, ctx.appB);
  // B is ready once its notification listener is LISTENing (it acts as dev before it listens).
  await waitFor(
    "instance B's notification listener (LISTEN) to connect",
    async () => {
      if (ctx.appB.exited) throw new Fatal(`instance B exited (${ctx.appB.exitCode})`);
      const { rows } = await ctx.db.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
      );
      return rows[0].n >= 1;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );

  // Instance A: lena's desktop, launched by WebKitWebDriver under tauri-driver, on another bus.
  const dirA = path.join(WORKDIR, "A-lena");
  ctx.monitorA = path.join(dirA, "dbus-monitor.log");
  const port = await freePort();
  let nativePort = await freePort();
  while (nativePort === port) nativePort = await freePort();
  ctx.driver = startInOwnBus(
    "tauri-driver-A",
    dirA,
    [tauriDriver, "--port", String(port), "--native-port", String(nativePort), "--native-driver", nativeDriver],
    { env: appEnv(dirA, { TICKETDESK_ACT_AS: "lena" }), monitorLog: ctx.monitorA },
  );
  cleanup.add("stop tauri-driver and instance A", () => ctx.driver.stop());
  await waitForMonitor(ctx.monitorA, ctx.driver);
  await waitFor(
    "tauri-driver to answer /status",
    async () => {
      if (ctx.driver.exited) throw new Fatal(`tauri-driver exited (${ctx.driver.exitCode})`);
      const res = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(2_000) });
      return res.ok;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  ctx.browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 0,
    waitforTimeout: 20_000,
    capabilities: {
      browserName: "wry",
      "wdio:enforceWebDriverClassic": true,
      "tauri:options": { application: APP },
    },
  });
  cleanup.add("end the WebDriver session (closes instance A)", () => ctx.browser.deleteSession());
}

after(
  async () => {
    // A failure that was not reported with its logs (a timeout, say): show them now.
    if (!ctx.passed && !ctx.reported) console.error(`work directory: ${WORKDIR}\n${logTails()}`);
    const errors = await cleanup.run({ stepTimeoutMs: 10_000 });
    if (errors.length) console.error(`e2e cleanup problems:\n  ${errors.join("\n  ")}`);
  },
  { timeout: 60_000 },
);

test("a ticket assigned in one window raises a native notification in the assignee's desktop only", { timeout: 60_000 }, async (t) => {
  const { browser, db } = ctx;
  try {
    const dev = (await db.query("SELECT id FROM users WHERE username = 'dev'")).rows[0];
    assert.ok(dev, "demo user dev exists");

    // A is up, acting as lena, with the demo queue loaded.
    const who = await browser.$('[data-testid="current-user"]');
    await who.waitForDisplayed({ timeout: 30_000, timeoutMsg: "A never showed who it acts as" });
    await browser.waitUntil(async () => (await who.getText()).includes("Lena Fischer"), {
      timeout: 10_000,
      timeoutMsg: "A does not act as Lena Fischer",
    });
    await browser.$('[data-testid="queue-row"]').waitForExist({ timeout: 20_000, timeoutMsg: "A's queue never loaded" });

    // Create the ticket through the form.
    const title = `E2E core switch link flapping ${randomBytes(4).toString("hex")}`;
    await browser.$('[data-testid="new-ticket"]').click();
    const form = await browser.$('[data-testid="create-form"]');
    await form.waitForDisplayed({ timeoutMsg: "the create form did not open" });
    await form.$("input[name=title]").setValue(title);
    await form.$("textarea[name=description]").setValue("Uplink on core-sw-2 drops every few minutes. Created by the e2e test.");
    await form.$("select[name=priority]").selectByAttribute("value", "P2_HIGH");
    await form.$("select[name=category]").selectByAttribute("value", "NETWORK_ISSUE");
    await form.$("select[name=environment]").selectByAttribute("value", "Production");
    // The user list loads in the background: wait for Dev Sharma to be offered.
    const devOption = await form.$(`select[name=assignee] option[value="${dev.id}"]`);
    await devOption.waitForExist({ timeoutMsg: "Dev Sharma is not offered as an assignee" });
    assert.match(await devOption.getText(), /Dev Sharma/);
    await form.$("select[name=assignee]").selectByAttribute("value", dev.id);
    // What the form will submit, as the page sees it.
    const chosen = await browser.execute(() => {
      const f = document.querySelector('[data-testid="create-form"]');
      return ["title", "priority", "category", "environment", "assignee"].map((n) => f.elements.namedItem(n).value);
    });
    assert.deepEqual(chosen, [title, "P2_HIGH", "NETWORK_ISSUE", "Production", dev.id]);
    await form.$('[data-testid="create-submit"]').click();

    // A: the form closes and the new row is in the queue.
    await form.waitForExist({ reverse: true, timeout: 15_000, timeoutMsg: "the create form did not close (did creating fail?)" });
    const row = await browser.$(
      `//tr[@data-testid="queue-row"][td[contains(@class,"title") and normalize-space(.)=${xpathString(title)}]]`,
    );
    await row.waitForExist({ timeout: 15_000, timeoutMsg: "the new ticket's row did not appear in A's queue" });
    const number = await row.getAttribute("data-ticket-number");
    assert.match(number, /^TKT-\d{4}-\d{5,}$/);
    // textContent: WebKitWebDriver's visible-text atom returns "" for the queue's clipped
    // (overflow: hidden) cells, although they show in the window.
    const assigneeCell = (await row.$("td.assignee").getProperty("textContent")).trim();
    assert.equal(assigneeCell, "Dev Sharma", "the queue shows the assignee");
    await browser.$('[data-testid="ticket-detail"]').waitForDisplayed({ timeoutMsg: "the new ticket did not open" });

    const shot = process.env.E2E_SCREENSHOT || path.join(WORKDIR, "screenshot.png");
    fs.mkdirSync(path.dirname(path.resolve(shot)), { recursive: true });
    await browser.saveScreenshot(shot);
    if (process.env.E2E_SCREENSHOT) t.diagnostic(`screenshot of A: ${shot}`);

    // The database: the ticket, assigned to dev, created by lena.
    const ticket = (
      await db.query(
        `SELECT t.id, t.priority, t.category, t.environment, a.username AS assignee, r.username AS requestor
           FROM tickets t JOIN users r ON r.id = t.requestor_id LEFT JOIN users a ON a.id = t.assignee_id
          WHERE t.ticket_number = $1 AND t.title = $2`,
        [number, title],
      )
    ).rows[0];
    assert.ok(ticket, `ticket ${number} is in the database`);
    const { id: ticketId, ...fields } = ticket;
    assert.deepEqual(fields, {
      priority: "P2_HIGH",
      category: "NETWORK_ISSUE",
      environment: "Production",
      assignee: "dev",
      requestor: "lena",
    });

    // B: a native notification on B's own bus, within 15 s.
    const summary = `${number} assigned to you`;
    const body = `Lena Fischer assigned you: ${title}`;
    const call = await waitFor(
      `a Notify call on B's bus with "${summary}"`,
      () => notifyCalls(ctx.monitorB).find((c) => c.strings.includes(summary)),
      { timeoutMs: 15_000, intervalMs: 100 },
    ).catch(async (e) => {
      const rows = await db.query("SELECT user_id, status, delivered_at, subject FROM notifications WHERE ticket_id = $1", [
        ticketId,
      ]);
      throw new Error(
        `${e.message}\nNotify calls on B's bus: ${JSON.stringify(notifyCalls(ctx.monitorB))}` +
          `\nnotification rows of the ticket: ${JSON.stringify(rows.rows)}`,
      );
    });
    assert.equal(call.strings[0], "ticketdesk", "app name");
    assert.ok(call.strings.includes(body), `the notification's body is "${body}" (strings: ${JSON.stringify(call.strings)})`);
    // The notification daemon on B's bus (dunst) took it: it answered with a notification id.
    const reply = await waitFor("the notification daemon's answer to Notify", () => replyTo(ctx.monitorB, call), {
      timeoutMs: 10_000,
    });
    assert.equal(reply.kind, "method return", `Notify failed: ${JSON.stringify(reply)}`);
    assert.ok(reply.uints[0] > 0, "the daemon returned a notification id");

    // The notification row: exactly one, dev's, claimed by B.
    const notifications = (
      await db.query(
        `SELECT u.username, n.type, n.channel, n.status, n.delivered_at IS NOT NULL AS delivered
           FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.ticket_id = $1`,
        [ticketId],
      )
    ).rows;
    assert.deepEqual(notifications, [
      { username: "dev", type: "TICKET_ASSIGNED", channel: "IN_APP", status: "DELIVERED", delivered: true },
    ]);

    // A must not notify its own user about a ticket it created. A would have been woken at the
    // same moment as B; give it a short grace period on top before looking at its bus.
    await sleep(2_000);
    const onA = notifyCalls(ctx.monitorA).filter((c) => c.strings.some((s) => s.includes(number) || s.includes(title)));
    assert.deepEqual(onA, [], "A's bus saw no Notify for the ticket");
    assert.doesNotMatch(ctx.appB.log(), /native notification failed/, "B logged no failed notification");
    ctx.passed = true;
  } catch (e) {
    ctx.reported = true;
    e.message += `\n\nwork directory: ${WORKDIR}\n${logTails()}`;
    throw e;
  }
});

/** An XPath string literal for any text. */
function xpathString(s) {
  if (!s.includes('"')) return `"${s}"`;
  if (!s.includes("'")) return `'${s}'`;
  return `concat(${s
    .split('"')
    .map((part) => `"${part}"`)
    .join(`, '"', `)})`;
}
