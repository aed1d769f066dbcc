// The installed .deb, as a user meets it: a non-root user loads the demo data into solo mode,
// opens the installed ticketdesk on a (virtual) screen, signs in and opens a ticket; the same
// package with a higher version is then installed over it, and the user's data has survived:
// the solo cluster with its tickets, the settings, and the kept sign-in (the app resumes
// signed in, without the sign-in form).
//
//   root: this test, Xvfb, apt-get (the upgrade)
//   PKG_USER: dbus-run-session + dbus-monitor + tauri-driver → WebKitWebDriver → /usr/bin/ticketdesk
//             → its solo PostgreSQL under $XDG_DATA_HOME/ticketdesk/solo
//
// Run it through scripts/package-test.sh, which installs the first package, creates the
// throwaway user, builds the upgrade package, and removes all of it afterwards. Environment
// (all set by that script): PKG_USER, PKG_BIN (the installed binary), PKG_OLD_VERSION,
// PKG_NEW_VERSION, PKG_UPGRADE_DEB (the package with PKG_NEW_VERSION), PKG_TAURI_DRIVER (a
// tauri-driver that PKG_USER may run), PKG_WORKDIR (logs; readable by PKG_USER), E2E_PGID_FILE.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  Cleanup,
  Fatal,
  appWindow,
  busAddressFile,
  findOnPath,
  freePorts,
  pidsOfTree,
  run,
  startInOwnBus,
  startXvfb,
  traySignals,
  waitFor,
  waitForMonitor,
} from "../e2e/harness.js";
import { pg, remote } from "../e2e/packages.js";

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this test through scripts/package-test.sh`);
  return value;
};
const USER = need("PKG_USER");
const BIN = need("PKG_BIN");
const OLD_VERSION = need("PKG_OLD_VERSION");
const NEW_VERSION = need("PKG_NEW_VERSION");
const UPGRADE_DEB = need("PKG_UPGRADE_DEB");
const TAURI_DRIVER = need("PKG_TAURI_DRIVER");
const WORKDIR = need("PKG_WORKDIR");

/** The demo user who signs in (a team lead sees every ticket). */
const LOGIN = { login: "lena", displayName: "Lena Fischer" };

const cleanup = new Cleanup();
const ctx = { passed: false, reported: false, timings: {} };

/** The test user as the system knows them: uid, gid, home. */
function userInfo(name) {
  const line = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  assert.ok(line, `user ${name} exists`);
  const [, , uid, gid, , home] = line.split(":");
  return { name, uid: Number(uid), gid: Number(gid), home };
}
const user = userInfo(USER);

/** The argv prefix that runs a command as the test user (with the environment it is given). */
const AS_USER = ["setpriv", `--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "--"];

/** The user's XDG directories: the defaults, spelled out so nothing of root's leaks in. */
const XDG = {
  data: path.join(user.home, ".local", "share"),
  config: path.join(user.home, ".config"),
  cache: path.join(user.home, ".cache"),
};
const SOLO_DIR = path.join(XDG.data, "ticketdesk", "solo");
/** Where the app keeps its settings and the refresh token (tauri-plugin-store, by the app's identifier). */
const APP_DATA = path.join(XDG.data, "dev.ticketdesk.app");
const SESSION_FILE = path.join(APP_DATA, "session.json");
const SETTINGS_FILE = path.join(APP_DATA, "settings.json");
const AUTOSTART_FILE = path.join(XDG.config, "autostart", "ticketdesk.desktop");

/** A directory owned by the test user, mode 0700 unless told. */
function userDir(dir, mode = 0o700) {
  fs.mkdirSync(dir, { recursive: true });
  fs.chownSync(dir, user.uid, user.gid);
  fs.chmodSync(dir, mode);
  return dir;
}

/** The environment the user's programs see: built from nothing, so no variable of root's (DATABASE_URL…) leaks in. */
function userEnv(runtimeDir) {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    SHELL: "/bin/sh",
    LANG: "C.UTF-8",
    XDG_DATA_HOME: XDG.data,
    XDG_CONFIG_HOME: XDG.config,
    XDG_CACHE_HOME: XDG.cache,
    XDG_RUNTIME_DIR: runtimeDir,
    ...(ctx.display ? { DISPLAY: ctx.display } : {}),
    WEBKIT_DISABLE_DMABUF_RENDERER: "1",
    NO_AT_BRIDGE: "1",
    RUST_LOG: "info,sqlx=warn",
    NO_COLOR: "1",
  };
}

/** Runs a command as the test user, to completion. */
const runAsUser = (argv, { timeoutMs = 120_000 } = {}) =>
  run(AS_USER[0], [...AS_USER.slice(1), ...argv], { env: userEnv(ctx.runtimeDir), timeoutMs });

/** The solo cluster's data: whether it is there, whose it is, and whether its server runs. */
function soloState() {
  const pgdata = path.join(SOLO_DIR, "pgdata");
  const version = path.join(pgdata, "PG_VERSION");
  if (!fs.existsSync(version)) return { exists: false };
  return {
    exists: true,
    owner: fs.statSync(pgdata).uid,
    running: fs.existsSync(path.join(pgdata, "postmaster.pid")),
  };
}

/** Runs `work(client)` on the solo database as its superuser (solo.json), while its server runs. */
async function withSoloDatabase(work) {
  const credentials = JSON.parse(fs.readFileSync(path.join(SOLO_DIR, "solo.json"), "utf8"));
  const client = new pg.Client({
    host: "127.0.0.1",
    port: credentials.port,
    user: credentials.superuser,
    password: credentials.password,
    database: "ticketdesk",
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    return await work(async (sql, params) => (await client.query(sql, params)).rows[0]);
  } finally {
    await client.end();
  }
}

/** Facts of the solo database that the upgrade must keep. */
const databaseFacts = (ticketNumber) =>
  withSoloDatabase(async (q) => ({
    // The same cluster, not a new one made in its place: initdb gives each its own identifier.
    systemIdentifier: (await q("SELECT system_identifier::text AS id FROM pg_control_system()")).id,
    tickets: (await q("SELECT count(*)::int AS n FROM tickets")).n,
    users: (await q("SELECT count(*)::int AS n FROM users")).n,
    ticket: await q("SELECT ticket_number, title FROM tickets WHERE ticket_number = $1", [ticketNumber]),
  }));

/** Some ticket other than `number`. */
async function otherTicket(number) {
  const ticket = await withSoloDatabase((q) => q("SELECT ticket_number, title FROM tickets WHERE ticket_number <> $1 ORDER BY ticket_number LIMIT 1", [number]));
  assert.ok(ticket, "the demo data has a second ticket");
  return ticket;
}

const readJson = (file) => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : null);

function xpathString(s) {
  return s.includes('"') ? `concat("${s.split('"').join(`", '"', "`)}")` : `"${s}"`;
}

/**
 * Opens a queue row's ticket as a click on its title does. Through the page: WebKitWebDriver
 * finds the queue's rows "not interactable" (as tests/e2e does).
 */
async function openRow(browser, row) {
  await browser.execute((el) => el.querySelector("td.title").click(), row);
}

/** Waits until the ticket detail shows `number` with `title`. */
async function waitForDetail(browser, number, title, why) {
  const detail = await browser.$(
    `//aside[@data-testid="ticket-detail"][.//*[@data-testid="detail-number"][normalize-space(.)=${xpathString(number)}]][.//h2[normalize-space(.)=${xpathString(title.trim())}]]`,
  );
  await detail.waitForDisplayed({ timeout: 15_000, timeoutMsg: `${number} (${JSON.stringify(title)}) did not open after ${why}` }).catch(async (e) => {
    throw new Error(`${e.message}\nthe window shows: ${await windowText(browser)}`);
  });
}

/** What the window shows, as text, for failure messages. */
async function windowText(browser) {
  try {
    const text = await browser.execute(() => document.body.innerText);
    return JSON.stringify(text.replace(/\s+/g, " ").trim().slice(0, 600));
  } catch (e) {
    return `(cannot read the window: ${e.message})`;
  }
}

/** Failure context: the tail of every log under the work directory, and the solo server's. */
function logTails() {
  const out = [];
  const show = (full, label) => {
    try {
      const lines = fs.readFileSync(full, "utf8").trimEnd().split("\n").slice(-40);
      out.push(`--- ${label} (last ${lines.length} lines)\n${lines.join("\n")}`);
    } catch {
      // not there
    }
  };
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && !["bus", "runtime", "extracted"].includes(entry.name)) walk(full);
      else if (entry.isFile() && entry.name.endsWith(".log")) show(full, path.relative(WORKDIR, full));
    }
  };
  try {
    walk(WORKDIR);
  } catch {
    // nothing to show
  }
  show(path.join(SOLO_DIR, "pgdata", "server.log"), "solo server.log");
  return out.join("\n");
}

/**
 * One run of the installed app: its own bus and tauri-driver as the test user, a WebDriver
 * session that starts the app. Returns { name, dir, driver, browser, monitorLog }.
 */
async function startDesktop(name) {
  const dir = userDir(path.join(WORKDIR, name), 0o755);
  userDir(path.join(dir, "bus"), 0o755);
  const [port, nativePort] = await freePorts(2);
  const nativeDriver = findOnPath("WebKitWebDriver");
  assert.ok(nativeDriver, "WebKitWebDriver is missing: apt-get install webkit2gtk-driver");
  const desktop = { name, dir, port, monitorLog: path.join(dir, "dbus-monitor.log") };
  desktop.driver = startInOwnBus(
    `tauri-driver-${name}`,
    dir,
    [TAURI_DRIVER, "--port", String(port), "--native-port", String(nativePort), "--native-driver", nativeDriver],
    { env: userEnv(ctx.runtimeDir), monitorLog: desktop.monitorLog, asUser: AS_USER },
  );
  cleanup.add(`stop the ${name} desktop (its bus, tauri-driver and app)`, () => desktop.driver.stop());
  await waitForMonitor(desktop.monitorLog, desktop.driver);
  await waitFor(
    `tauri-driver (${name}) to answer /status`,
    async () => {
      if (desktop.driver.exited) throw new Fatal(`tauri-driver exited (${desktop.driver.exitCode})`);
      const res = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(2_000) });
      return res.ok;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  const started = Date.now();
  desktop.browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 0,
    waitforTimeout: 20_000,
    capabilities: {
      browserName: "wry",
      "wdio:enforceWebDriverClassic": true,
      "tauri:options": { application: BIN },
      // Return at once: the run after the upgrade watches the page from its first paint.
      pageLoadStrategy: "none",
    },
  });
  desktop.sessionMs = Date.now() - started;
  cleanup.add(`end the ${name} WebDriver session`, async () => {
    if (!desktop.quit) await desktop.browser.deleteSession().catch(() => {});
  });
  return desktop;
}

/** The test user's processes (from /proc). */
function userProcesses() {
  return fs.readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, "utf8");
      if (Number(/^Uid:\s+(\d+)/m.exec(status)[1]) !== user.uid) return [];
      return [{ pid: Number(entry), comm: /^Name:\s+(.*)$/m.exec(status)[1] }];
    } catch {
      return [];
    }
  });
}

/** The ticketdesk processes of a desktop (by command name), and whose they are. */
function appProcesses(desktop) {
  return [...pidsOfTree(desktop.driver.pid)].flatMap((pid) => {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "ticketdesk") return [];
      const uid = Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
      return [{ pid, uid, exe: fs.readlinkSync(`/proc/${pid}/exe`) }];
    } catch {
      return [];
    }
  });
}

/** The window of the desktop's app, once it is on screen. */
async function waitForWindow(desktop) {
  return waitFor(
    `the ${desktop.name} app's window to be on screen`,
    async () => {
      if (desktop.driver.exited) throw new Fatal(`tauri-driver exited (${desktop.driver.exitCode})`);
      const apps = appProcesses(desktop);
      return apps.length === 1 && appWindow(ctx.display, pidsOfTree(apps[0].pid));
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

/**
 * Quits the app as the session's end would (SIGTERM: the app leaves through its normal exit
 * path and stops the solo server it started), then ends its bus and tauri-driver.
 */
async function quit(desktop) {
  const apps = appProcesses(desktop);
  assert.equal(apps.length, 1, `one ticketdesk process in the ${desktop.name} desktop: ${JSON.stringify(apps)}`);
  process.kill(apps[0].pid, "SIGTERM");
  await waitFor(`the ${desktop.name} app to exit`, () => {
    try {
      return fs.readFileSync(`/proc/${apps[0].pid}/stat`, "utf8").includes(") Z ");
    } catch {
      return true;
    }
  }, { timeoutMs: 30_000, intervalMs: 100 });
  await waitFor("the solo PostgreSQL to stop with the app", () => !soloState().running, { timeoutMs: 30_000 });
  desktop.quit = true;
  await desktop.driver.stop(); // its app is gone, and with it the WebDriver session
}

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
  { timeout: 120_000 },
);

async function setUp() {
  assert.notEqual(user.uid, 0, "the test user is not root");
  assert.equal(process.getuid(), 0, "the test runs as root (it installs the upgrade)");
  fs.mkdirSync(WORKDIR, { recursive: true });
  ctx.runtimeDir = userDir(path.join(WORKDIR, "runtime"));
  // Last: nothing of the test user's may outlive the test (scripts/package-test.sh removes the
  // user). Every process of this throwaway user was started by this test.
  cleanup.add("end the test user's leftover processes", () => {
    const left = userProcesses();
    for (const { pid } of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    if (left.length) throw new Error(`killed processes the test user had left: ${left.map((p) => `${p.pid} ${p.comm}`).join(", ")}`);
  });
  // If the user's solo server outlives a failed run, stop it before the user is removed.
  cleanup.add("stop the solo PostgreSQL if it still runs", async () => {
    if (!soloState().running) return;
    const bin = fs.readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin/pg_ctl`).find((f) => fs.existsSync(f));
    await runAsUser([bin, "stop", "-w", "-m", "fast", "-D", path.join(SOLO_DIR, "pgdata")], { timeoutMs: 30_000 });
  });
  const xvfb = await startXvfb(WORKDIR);
  cleanup.add("stop Xvfb", () => xvfb.group.stop());
  ctx.display = xvfb.display;
}

after(
  async () => {
    if (!ctx.passed && !ctx.reported) console.error(`work directory: ${WORKDIR}\n${logTails()}`);
    const errors = await cleanup.run({ stepTimeoutMs: 40_000 });
    if (errors.length) console.error(`package test cleanup problems:\n  ${errors.join("\n  ")}`);
  },
  { timeout: 150_000 },
);

/** Fails a step with the logs attached, once. */
async function withLogs(work) {
  try {
    await work();
  } catch (e) {
    ctx.reported = true;
    e.message += `\n\nwork directory: ${WORKDIR}\n${logTails()}`;
    throw e;
  }
}

test("the package installs the app where a desktop finds it", async () => {
  const installed = (await run("dpkg-query", ["-W", "-f=${Status} ${Version}", "ticketdesk"])).trim();
  assert.equal(installed, `install ok installed ${OLD_VERSION}`);
  assert.equal(fs.statSync(BIN).mode & 0o111, 0o111, `${BIN} is executable by everyone`);
  const entry = fs.readFileSync("/usr/share/applications/ticketdesk.desktop", "utf8");
  // %u: a clicked ticketdesk:// link reaches the app as its argument (src-tauri/links.rs).
  assert.match(entry, /^Exec=ticketdesk %u$/m, "the desktop entry starts the installed ticketdesk with the link");
  assert.match(entry, /^MimeType=(.*;)?x-scheme-handler\/ticketdesk;/m, "ticketdesk:// links open the app");
  assert.match(entry, /^Icon=ticketdesk$/m);
  await run("desktop-file-validate", ["/usr/share/applications/ticketdesk.desktop"]);
  // desktop-file-utils' dpkg trigger registered the handler, as on any desktop.
  const cache = fs.readFileSync("/usr/share/applications/mimeinfo.cache", "utf8");
  assert.match(cache, /^x-scheme-handler\/ticketdesk=(.*;)?ticketdesk\.desktop;/m, "mimeinfo.cache names ticketdesk.desktop for ticketdesk:// links");
  for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
    const icon = `/usr/share/icons/hicolor/${size}x${size}/apps/ticketdesk.png`;
    assert.ok(fs.existsSync(icon), `an icon of ${size}×${size} (${icon})`);
    // A PNG's IHDR holds its width and height at bytes 16 and 20.
    const png = fs.readFileSync(icon);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [size, size], `${icon} is ${size}×${size}`);
  }
});

test("a non-root user loads the demo data, opens the installed app in solo mode, signs in and opens a ticket", { timeout: 240_000 }, async (t) => {
  await withLogs(async () => {
    // No solo data yet: the first run makes it.
    assert.equal(soloState().exists, false, `no solo cluster under ${SOLO_DIR} before the first run`);
    let started = Date.now();
    const demo = await runAsUser([BIN, "demo-data"], { timeoutMs: 180_000 });
    ctx.timings.demoData = Date.now() - started;
    ctx.password = /password for every demo user: ([^\s)]+)/.exec(demo)?.[1];
    assert.ok(ctx.password, `demo-data stated the demo users' password:\n${demo}`);
    const solo = soloState();
    assert.deepEqual(solo, { exists: true, owner: user.uid, running: false }, `demo-data made the solo cluster under the user's XDG_DATA_HOME (${SOLO_DIR}), as the user, and stopped its server`);

    started = Date.now();
    const desktop = await startDesktop("first-run");
    const browser = desktop.browser;
    await waitForWindow(desktop);
    const [app] = appProcesses(desktop);
    assert.equal(app.uid, user.uid, "the app runs as the test user");
    assert.equal(app.exe, BIN, "the app is the installed binary");
    const form = await browser.$('[data-testid="sign-in"]');
    await form.waitForDisplayed({ timeout: 45_000, timeoutMsg: `the sign-in screen never showed: ${await windowText(browser)}` });
    ctx.timings.firstWindow = Date.now() - started;
    // The tray is there: libayatana-appindicator3 (a Depends of the package) is loaded.
    await waitFor("the tray item to appear on the app's bus", () => traySignals(desktop.monitorLog).length > 0, { timeoutMs: 15_000 });

    await form.$("input[name=login]").setValue(LOGIN.login);
    await form.$("input[name=password]").setValue(ctx.password);
    await form.$('[data-testid="sign-in-submit"]').click();
    await waitFor(
      `the app to show ${LOGIN.displayName} as signed in`,
      async () => {
        const error = await browser.$('[data-testid="sign-in-error"]');
        if (await error.isExisting()) throw new Fatal(`sign-in failed: ${await error.getText()}`);
        const who = await browser.$('[data-testid="current-user"]');
        return (await who.isExisting()) && (await who.getText()).includes(LOGIN.displayName);
      },
      { timeoutMs: 30_000, intervalMs: 150 },
    ).catch(async (e) => {
      throw new Error(`${e.message}\nthe window shows: ${await windowText(browser)}`);
    });

    // Open the newest ticket from the queue.
    const row = await browser.$('[data-testid="queue-row"]');
    await row.waitForExist({ timeout: 20_000, timeoutMsg: `the queue never loaded: ${await windowText(browser)}` });
    const number = await row.getAttribute("data-ticket-number");
    assert.match(number, /^TKT-\d{4}-\d{5,}$/);
    await openRow(browser, row);
    const facts = await databaseFacts(number);
    assert.ok(facts.ticket, `${number} is in the solo database`);
    await waitForDetail(browser, number, facts.ticket.title, "a click on its row");
    assert.ok(facts.tickets > 0 && facts.users > 0, `the demo data is there: ${JSON.stringify(facts)}`);
    await browser.saveScreenshot(path.join(WORKDIR, "first-run.png"));

    // The first sign-in turned starting at login on, with the installed binary; the user turns it
    // off (a setting of theirs that the upgrade must keep).
    const entry = await waitFor("the login entry", () => fs.existsSync(AUTOSTART_FILE) && fs.readFileSync(AUTOSTART_FILE, "utf8"), { timeoutMs: 10_000 });
    assert.match(entry, new RegExp(`^Exec=${BIN} --hidden$`, "m"), `the login entry starts the installed binary: ${entry}`);
    await browser.$('[data-testid="nav-security"]').click();
    const box = await browser.$('[data-testid="start-at-login"]');
    await waitFor("the start-at-login box to show on", async () => (await box.isExisting()) && (await box.isEnabled()) && (await box.isSelected()), { timeoutMs: 15_000 });
    await box.click();
    await waitFor("the start-at-login choice (off) to be saved", () => readJson(SETTINGS_FILE)?.startAtLogin === false && !fs.existsSync(AUTOSTART_FILE), { timeoutMs: 10_000 });
    await browser.$('[data-testid="security-close"]').click();

    const session = readJson(SESSION_FILE);
    assert.ok(typeof session?.refreshToken === "string" && session.refreshToken.length > 0, `the sign-in is kept in ${SESSION_FILE}`);
    ctx.before = { number, title: facts.ticket.title, facts, settings: readJson(SETTINGS_FILE) };

    await quit(desktop);
    assert.deepEqual(soloState(), { exists: true, owner: user.uid, running: false });
    t.diagnostic(`demo-data ${ctx.timings.demoData} ms, first window ${ctx.timings.firstWindow} ms; opened ${number} (${facts.tickets} tickets)`);
  });
});

test("the same package with a higher version installs over it", { timeout: 200_000 }, async (t) => {
  assert.ok(ctx.before, "the first run passed");
  const started = Date.now();
  const out = await run("apt-get", ["install", "-y", "--no-install-recommends", UPGRADE_DEB], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    timeoutMs: 180_000,
  });
  ctx.timings.upgrade = Date.now() - started;
  assert.match(out, new RegExp(`Unpacking ticketdesk \\(${NEW_VERSION.replaceAll(".", "\\.").replaceAll("+", "\\+")}\\) over \\(${OLD_VERSION.replaceAll(".", "\\.")}\\)`), `apt-get upgraded the package:\n${out}`);
  const version = (await run("dpkg-query", ["-W", "-f=${Status} ${Version}", "ticketdesk"])).trim();
  assert.equal(version, `install ok installed ${NEW_VERSION}`);
  t.diagnostic(`upgrade ${OLD_VERSION} → ${NEW_VERSION}: ${ctx.timings.upgrade} ms`);
});

test("after the upgrade the app resumes signed in, on the same solo data and settings", { timeout: 150_000 }, async (t) => {
  assert.ok(ctx.before, "the first run passed");
  await withLogs(async () => {
    assert.deepEqual(soloState(), { exists: true, owner: user.uid, running: false }, "the solo cluster is still there");
    const started = Date.now();
    const desktop = await startDesktop("after-upgrade");
    const browser = desktop.browser;
    // Watch from the first paint: the sign-in form must never show, the kept session is used.
    await waitFor(
      `the app to resume as ${LOGIN.displayName}`,
      async () => {
        if (desktop.driver.exited) throw new Fatal(`tauri-driver exited (${desktop.driver.exitCode})`);
        const view = await browser.execute(() => ({
          form: document.querySelector('[data-testid="sign-in"]') !== null,
          who: document.querySelector('[data-testid="current-user"]')?.textContent ?? null,
        }));
        if (view.form) throw new Fatal("the sign-in form showed: the kept sign-in was not used");
        return view.who?.includes(LOGIN.displayName);
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    ).catch(async (e) => {
      throw new Error(`${e.message}\nthe window shows: ${await windowText(browser)}`);
    });
    ctx.timings.resumed = Date.now() - started;
    await waitForWindow(desktop);
    const [app] = appProcesses(desktop);
    assert.equal(app.uid, user.uid);

    // The settings are as the user left them (start at login off, the ticket they had open),
    // and that ticket is open again (issue 18, item 7).
    const { number, title } = ctx.before;
    assert.deepEqual(readJson(SETTINGS_FILE), ctx.before.settings, "settings.json is as the user left it");
    await waitForDetail(browser, number, title, "the restart: it was open before the upgrade");

    // The same ticket opens from the queue, with the same number and title.
    const row = await browser.$(`//tr[@data-testid="queue-row"][@data-ticket-number=${xpathString(number)}]`);
    await row.waitForExist({ timeout: 20_000, timeoutMsg: `${number} is not in the queue: ${await windowText(browser)}` });
    await openRow(browser, row);
    await waitForDetail(browser, number, title, "a click on its row");

    // A ticketdesk:// link, opened as a desktop opens one (the installed desktop entry runs
    // `ticketdesk %u`, which hands the link to the running app), opens its ticket.
    const other = await otherTicket(number);
    const address = fs.readFileSync(busAddressFile(desktop.dir), "utf8").trim();
    await run(AS_USER[0], [...AS_USER.slice(1), "gio", "open", `ticketdesk://ticket/${other.ticket_number}`], {
      env: { ...userEnv(ctx.runtimeDir), DBUS_SESSION_BUS_ADDRESS: address },
      timeoutMs: 30_000,
    });
    await waitForDetail(browser, other.ticket_number, other.title, `gio open ticketdesk://ticket/${other.ticket_number}`);
    assert.equal(appProcesses(desktop).length, 1, "the link went to the running app, no second app was started");
    await browser.saveScreenshot(path.join(WORKDIR, "after-upgrade.png"));

    // The same cluster (not a new one), with the same tickets and users.
    const facts = await databaseFacts(number);
    assert.deepEqual(
      { systemIdentifier: facts.systemIdentifier, tickets: facts.tickets, users: facts.users, ticket: facts.ticket },
      { systemIdentifier: ctx.before.facts.systemIdentifier, tickets: ctx.before.facts.tickets, users: ctx.before.facts.users, ticket: ctx.before.facts.ticket },
      "the solo database survived the upgrade",
    );

    // Start at login stays off, as the user left it.
    assert.equal(readJson(SETTINGS_FILE).startAtLogin, false);
    assert.equal(fs.existsSync(AUTOSTART_FILE), false, "no login entry came back");
    await browser.$('[data-testid="nav-security"]').click();
    const box = await browser.$('[data-testid="start-at-login"]');
    await waitFor("the start-at-login box to load", async () => (await box.isExisting()) && (await box.isEnabled()), { timeoutMs: 15_000 });
    assert.equal(await box.isSelected(), false, "the window shows start at login off");
    assert.ok(readJson(SESSION_FILE)?.refreshToken, "the kept sign-in is still there");

    await quit(desktop);
    t.diagnostic(`resumed signed in ${ctx.timings.resumed} ms after the session started; ${facts.tickets} tickets, cluster ${facts.systemIdentifier}`);
  });
  ctx.passed = true;
});
