// Plumbing for the real-window test: an X server, private D-Bus session buses, the e2e
// database, process groups that are always torn down, and bounded waits.
//
// Every long-lived process is started in its own session (detached) so that stopping it stops
// everything it started too: dbus-daemon, D-Bus-activated services such as dunst, WebKit's
// helper processes and the app itself.

import { spawn, execFile } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import x11 from "x11";

export const REPO = path.resolve(import.meta.dirname, "../..");
export const APP = process.env.TICKETDESK_BIN ?? path.join(REPO, "target/debug/ticketdesk");

/** Thrown by a probe to stop waiting at once (say, the process it waits for has exited). */
export class Fatal extends Error {}

/**
 * Polls `probe` until it returns a truthy value; fails with `what` (and the probe's last error)
 * after `timeoutMs`, or at once when the probe throws `Fatal`.
 */
export async function waitFor(what, probe, { timeoutMs = 15_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (e) {
      if (e instanceof Fatal) throw new Error(`while waiting for ${what}: ${e.message}`);
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${lastError.message ?? lastError})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

/** `count` distinct TCP ports that were free a moment ago on 127.0.0.1 (held open together, so distinct). */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
  }
}

/** Runs a short command to completion (bounded), returning stdout; throws with its output on failure. */
export function run(file, args, { env = process.env, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      if (error) {
        error.message += `\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
        reject(error);
      } else resolve(stdout);
    });
  });
}

/** Things to undo, last registered first; each step is bounded and a failing step does not stop the rest. */
export class Cleanup {
  #steps = [];
  #ran = false;

  add(name, fn) {
    if (this.#ran) {
      // Set-up that timed out can still be going on after cleanup: undo its late steps at once.
      Promise.resolve()
        .then(fn)
        .catch((e) => console.error(`late cleanup "${name}" failed: ${e.message ?? e}`));
      return;
    }
    this.#steps.push({ name, fn });
  }

  async run({ stepTimeoutMs = 15_000 } = {}) {
    this.#ran = true;
    const errors = [];
    while (this.#steps.length) {
      const { name, fn } = this.#steps.pop();
      let timer;
      try {
        await Promise.race([
          fn(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("timed out")), stepTimeoutMs);
          }),
        ]);
      } catch (e) {
        errors.push(`${name}: ${e.message ?? e}`);
      } finally {
        clearTimeout(timer);
      }
    }
    return errors;
  }
}

/** Takes a stopped group off scripts/e2e.sh's list, so that it never signals a reused id. */
function forgetGroup(pgid) {
  const file = process.env.E2E_PGID_FILE;
  if (!file || !fs.existsSync(file)) return;
  const left = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line && line !== String(pgid));
  fs.writeFileSync(file, left.map((line) => `${line}\n`).join(""));
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/**
 * A process started in its own session and process group, its output in `logFile`.
 * `stop()` sends SIGTERM to the whole group, then SIGKILL to whatever is left after `graceMs`.
 */
export class Group {
  constructor(name, file, args, { env, logFile, extraStdio = [] }) {
    this.name = name;
    this.logFile = logFile;
    const log = fs.openSync(logFile, "a");
    this.child = spawn(file, args, {
      env,
      detached: true,
      stdio: ["ignore", log, log, ...extraStdio],
    });
    fs.closeSync(log);
    this.pid = this.child.pid;
    this.exited = false;
    this.exitCode = null;
    this.child.on("exit", (code, signal) => {
      this.exited = true;
      this.exitCode = code ?? signal;
    });
    this.child.on("error", (e) => {
      this.exited = true;
      this.exitCode = e.message;
    });
    if (this.pid && process.env.E2E_PGID_FILE) {
      // scripts/e2e.sh kills these groups if this process itself is killed before its cleanup.
      fs.appendFileSync(process.env.E2E_PGID_FILE, `${this.pid}\n`);
    }
  }

  log() {
    try {
      return fs.readFileSync(this.logFile, "utf8");
    } catch {
      return "";
    }
  }

  async stop({ graceMs = 5_000 } = {}) {
    if (!this.pid) return;
    const signalGroup = (sig) => {
      try {
        process.kill(-this.pid, sig);
      } catch (e) {
        if (e.code !== "ESRCH") throw e;
      }
    };
    signalGroup("SIGTERM");
    const deadline = Date.now() + graceMs;
    while (groupAlive(this.pid) && Date.now() < deadline) await sleep(50);
    if (groupAlive(this.pid)) {
      signalGroup("SIGKILL");
      await waitFor(`${this.name} (process group ${this.pid}) to die`, () => !groupAlive(this.pid), {
        timeoutMs: 5_000,
        intervalMs: 50,
      });
    }
    forgetGroup(this.pid);
  }
}

/** Starts Xvfb on a free display (it tells us which through -displayfd); returns { group, display }. */
export async function startXvfb(dir) {
  const group = new Group(
    "Xvfb",
    "Xvfb",
    ["-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"],
    { env: process.env, logFile: path.join(dir, "xvfb.log"), extraStdio: ["pipe"] },
  );
  let text = "";
  group.child.stdio[3].setEncoding("utf8");
  group.child.stdio[3].on("data", (chunk) => (text += chunk));
  try {
    const display = await waitFor("Xvfb to report its display number", () => {
      if (group.exited) throw new Fatal(`Xvfb exited (${group.exitCode})`);
      return /^\d+\n/.test(text) && `:${text.trim()}`;
    }, {
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    return { group, display };
  } catch (e) {
    await group.stop();
    throw new Error(`${e.message}\n--- Xvfb log\n${group.log()}`);
  }
}

/**
 * Writes a minimal session-bus configuration whose only activatable service is the
 * notification daemon (dunst). Portals, the accessibility bus and dconf stay out: they would
 * only add processes (and a FUSE mount) that the test does not need.
 */
export function writeBusConfig(dir) {
  const services = path.join(dir, "services");
  fs.mkdirSync(services, { recursive: true });
  const dunst = findOnPath("dunst");
  if (!dunst) throw new Error("dunst (the notification daemon) is not installed: run scripts/deps.sh");
  fs.writeFileSync(
    path.join(services, "org.freedesktop.Notifications.service"),
    `[D-BUS Service]\nName=org.freedesktop.Notifications\nExec=${dunst}\n`,
  );
  const config = path.join(dir, "session.conf");
  fs.writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>${services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  return config;
}

export function findOnPath(name) {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const candidate = path.join(dir || ".", name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const shellQuote = (s) => `'${String(s).replaceAll("'", `'\\''`)}'`;

/**
 * Runs `command` (argv) inside its own D-Bus session bus, next to a dbus-monitor that records
 * to `monitorLog` every message of the notification interface on that bus, every reply and
 * error (to see what the notification daemon answered), and the tray's signals
 * (StatusNotifierItem and its com.canonical.dbusmenu menu). The bus's address is written to
 * `busAddressFile(dir)`, so the test can call into the bus (see `readTray`). With
 * `keyringPassword`, the bus has an unlocked Secret Service (gnome-keyring) before `command` starts.
 * `asUser`, an argv prefix such as `["setpriv", "--reuid=…", "--regid=…", "--init-groups", "--"]`,
 * runs the bus and everything on it as another OS user (tests/package); `dir` and `dir/bus`
 * must then exist and be writable by that user (the bus's socket and the logs go there).
 */
export function startInOwnBus(name, dir, command, { env, monitorLog, keyringPassword = null, asUser = [] }) {
  fs.mkdirSync(dir, { recursive: true });
  const config = writeBusConfig(path.join(dir, "bus"));
  // A Secret Service on the bus, as a desktop session has: gnome-keyring-daemon with its login
  // keyring (under XDG_DATA_HOME) created and unlocked with the password on stdin, as PAM does
  // at login. Without it the bus has no keyring at all.
  const keyring = keyringPassword
    ? `printf '%s' ${shellQuote(keyringPassword)} | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null\n`
    : "";
  const rules = [
    "interface='org.freedesktop.Notifications'",
    "type='method_return'",
    "type='error'",
    "type='signal',interface='org.kde.StatusNotifierItem'",
    "type='signal',interface='com.canonical.dbusmenu'",
  ];
  const script =
    `printf '%s\\n' "$DBUS_SESSION_BUS_ADDRESS" > ${shellQuote(busAddressFile(dir))}\n` +
    `dbus-monitor --session ${rules.map(shellQuote).join(" ")} > ${shellQuote(monitorLog)} 2>&1 &\n` +
    keyring +
    `exec ${command.map(shellQuote).join(" ")}`;
  const [file, ...args] = [...asUser, "dbus-run-session", `--config-file=${config}`, "--", "sh", "-c", script];
  return new Group(name, file, args, {
    env,
    logFile: path.join(dir, `${name}.log`),
  });
}

/** Where `startInOwnBus` writes the address of the bus it started in `dir`. */
export const busAddressFile = (dir) => path.join(dir, "bus-address");

/** dbus-monitor prints NameAcquired/NameLost for itself once it has become a monitor. */
export async function waitForMonitor(monitorLog, group) {
  await waitFor(`dbus-monitor of ${group.name} to start`, () => {
    if (group.exited) throw new Fatal(`${group.name} exited (${group.exitCode})`);
    return fs.existsSync(monitorLog) && fs.readFileSync(monitorLog, "utf8").includes("member=NameLost");
  });
}

/**
 * The messages in a dbus-monitor log (its default format), each as
 * { kind: "method call" | "method return" | "error" | "signal", fields: {sender, serial, ...},
 *   strings: [...], uints: [...] } with the string and uint32 arguments in order.
 */
export function monitorMessages(monitorLog) {
  let text = "";
  try {
    text = fs.readFileSync(monitorLog, "utf8");
  } catch {
    return [];
  }
  const messages = [];
  let current = null;
  for (const line of text.split("\n")) {
    const head = /^(method call|method return|error|signal) (.*)$/.exec(line);
    if (head) {
      const fields = {};
      for (const [, key, value] of head[2].matchAll(/([a-z_]+)=([^ ;]+)/g)) fields[key] = value;
      current = { kind: head[1], fields, strings: [], uints: [] };
      messages.push(current);
    } else if (current) {
      const str = /^\s*string "(.*)"$/.exec(line);
      if (str) current.strings.push(str[1]);
      const uint = /^\s*uint32 (\d+)$/.exec(line);
      if (uint) current.uints.push(Number(uint[1]));
    }
  }
  return messages;
}

/** The org.freedesktop.Notifications.Notify calls; strings are app name, icon, summary, body. */
export function notifyCalls(monitorLog) {
  return monitorMessages(monitorLog).filter(
    (m) => m.kind === "method call" && m.fields.interface === "org.freedesktop.Notifications" && m.fields.member === "Notify",
  );
}

/** The reply (method return or error) to `call`, if the log has it. */
export function replyTo(monitorLog, call) {
  return monitorMessages(monitorLog).find(
    (m) =>
      (m.kind === "method return" || m.kind === "error") &&
      m.fields.reply_serial === call.fields.serial &&
      m.fields.destination === call.fields.sender,
  );
}

/**
 * The tray's StatusNotifierItem, where libayatana-appindicator exports it on the app's bus
 * (tray-icon names it after the tray id, "ticketdesk" in src-tauri/tray.rs). It is exported even
 * with no StatusNotifierWatcher (no panel) on the bus, as under Xvfb; its menu is at `…/Menu`.
 */
export const TRAY_ITEM_PATH = "/org/ayatana/NotificationItem/tray_icon_tray_app_ticketdesk";

/** The tray's signals in a dbus-monitor log (XAyatanaNewLabel, LayoutUpdated, …), oldest first. */
export function traySignals(monitorLog) {
  return monitorMessages(monitorLog).filter(
    (m) => m.kind === "signal" && (m.fields.path === TRAY_ITEM_PATH || m.fields.path === `${TRAY_ITEM_PATH}/Menu`),
  );
}

/** The strings of gdbus's GVariant text: 'single' or "double" quoted, backslash-escaped. */
function gvariantString(quoted) {
  return quoted.slice(1, -1).replace(/\\(.)/g, "$1");
}
const GVARIANT_STRING = String.raw`('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")`;

/**
 * The secret the Secret Service on the bus started in `dir` keeps under these attributes
 * (`secret-tool lookup`), or null when it has none.
 */
export async function keyringLookup(dir, attributes) {
  const address = fs.readFileSync(busAddressFile(dir), "utf8").trim();
  const args = ["lookup", ...Object.entries(attributes).flat()];
  return new Promise((resolve, reject) => {
    execFile("secret-tool", args, { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address }, timeout: 10_000 }, (error, stdout, stderr) => {
      // secret-tool exits 1, saying nothing, when there is no such secret.
      if (error && error.code === 1 && !stderr.trim()) resolve(null);
      else if (error) reject(new Error(`secret-tool ${args.join(" ")}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The files under `dir` (recursively) whose bytes contain `text`. */
export function filesContaining(dir, text) {
  const found = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        try {
          if (fs.readFileSync(full).includes(text)) found.push(full);
        } catch {
          // a socket or a file gone meanwhile
        }
      }
    }
  };
  walk(dir);
  return found;
}

/** Calls `method` on the bus started in `dir` (with gdbus), returning its GVariant text. */
export function busCall(dir, dest, objectPath, method, ...args) {
  const address = fs.readFileSync(busAddressFile(dir), "utf8").trim();
  return run(
    "gdbus",
    ["call", "--address", address, "--dest", dest, "--object-path", objectPath, "--method", method, "--timeout", "5", "--", ...args],
    { timeoutMs: 10_000 },
  );
}

/**
 * The tray's owner on the bus (its unique name), from its signals in `monitorLog`: the latest
 * one's sender, so an app started again on the same bus is the one asked. Null before it shows up.
 */
function trayOwner(monitorLog) {
  return traySignals(monitorLog).at(-1)?.fields.sender ?? null;
}

/**
 * What the tray of the app on the bus started in `dir` shows, asked over D-Bus as a panel
 * would: `label`, the text beside the icon (XAyatanaLabel, what tray.set_title sets on Linux);
 * with `withMenu`, also `items`, its menu items in order as { id, text } (separators have no
 * text and are left out), and `menu`, just their texts.
 * Null while no tray item has shown up on the bus (found through its signals in `monitorLog`).
 */
export async function readTray(dir, monitorLog, { withMenu = true } = {}) {
  const owner = trayOwner(monitorLog);
  if (!owner) return null;
  const property = await busCall(dir, owner, TRAY_ITEM_PATH, "org.freedesktop.DBus.Properties.Get", "org.kde.StatusNotifierItem", "XAyatanaLabel");
  const label = new RegExp(String.raw`^\(<${GVARIANT_STRING}>,\)$`).exec(property.trim());
  if (!label) throw new Error(`unexpected XAyatanaLabel: ${property}`);
  const tray = { owner, label: gvariantString(label[1]) };
  if (withMenu) {
    const layout = await busCall(dir, owner, `${TRAY_ITEM_PATH}/Menu`, "com.canonical.dbusmenu.GetLayout", "0", "-1", "@as []");
    // Each item is (id, {properties}, [children]); ours hold no nested dictionaries.
    const labelProperty = new RegExp(String.raw`'label': <${GVARIANT_STRING}>`);
    tray.items = [...layout.matchAll(/\((\d+), \{([^{}]*)\}/g)].flatMap(([, id, properties]) => {
      const text = labelProperty.exec(properties);
      // dbusmenu labels mark a mnemonic with "_" and escape a literal one as "__" (as GTK
      // does); the text a panel shows has neither.
      return text ? [{ id: Number(id), text: gvariantString(text[1]).replace(/_(_?)/g, "$1") }] : [];
    });
    tray.menu = tray.items.map((item) => item.text);
  }
  return tray;
}

/** Clicks the tray's menu item `id` as a panel does (com.canonical.dbusmenu.Event "clicked"). */
export async function clickTrayItem(dir, monitorLog, id) {
  await busCall(dir, trayOwner(monitorLog), `${TRAY_ITEM_PATH}/Menu`, "com.canonical.dbusmenu.Event", String(id), "clicked", "<int32 0>", "0");
}

/**
 * Clicks the newest notification dunst shows on the bus started in `dir`: dunst's own "do
 * action" (what a click on it does), which invokes the notification's "default" action.
 */
export async function clickNotification(dir) {
  await busCall(dir, "org.freedesktop.Notifications", "/org/freedesktop/Notifications", "org.dunstproject.cmd0.NotificationAction", "0");
}

/**
 * Sends ActionInvoked(`notificationId`, `action`) on the bus started in `dir`, as the
 * notification daemon does when the user presses one of a notification's buttons.
 */
export async function invokeNotificationAction(dir, notificationId, action) {
  const address = fs.readFileSync(busAddressFile(dir), "utf8").trim();
  // --session, not --address: gdbus then registers on the bus (Hello) before it emits, and the
  // bus delivers the signal; from an unregistered connection it would drop it.
  await run(
    "gdbus",
    ["emit", "--session", "--object-path", "/org/freedesktop/Notifications",
      "--signal", "org.freedesktop.Notifications.ActionInvoked", `uint32 ${notificationId}`, `'${action}'`],
    { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address }, timeoutMs: 10_000 },
  );
}

/** The process ids of `rootPid` and everything it started (from /proc). */
export function pidsOfTree(rootPid) {
  const children = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid …: comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  const pids = new Set([rootPid]);
  for (const pid of pids) for (const child of children.get(pid) ?? []) pids.add(child);
  return pids;
}

/** Runs `work(X, root, atom)` on a fresh connection to `display`, then closes it. */
async function withX(display, work) {
  const xDisplay = await new Promise((resolve, reject) =>
    x11.createClient({ display }, (err, d) => (err ? reject(err) : resolve(d))),
  );
  const X = xDisplay.client;
  const call = (request, ...args) =>
    new Promise((resolve, reject) => X[request](...args, (err, result) => (err ? reject(err) : resolve(result))));
  const atom = (name) => call("InternAtom", false, name);
  try {
    return await work(call, xDisplay.screen[0].root, atom, X);
  } finally {
    // A round trip, then the socket closed: nothing is written after the end.
    await new Promise((resolve) => X.close(() => resolve()));
  }
}

/** The top-level window of one of `pids` that is on screen (mapped), or null. */
export function appWindow(display, pids) {
  return withX(display, async (call, root, atom) => {
    const netWmPid = await atom("_NET_WM_PID");
    const { children } = await call("QueryTree", root);
    for (const wid of children) {
      const attributes = await call("GetWindowAttributes", wid);
      if (attributes.mapState !== 2) continue; // IsViewable
      const prop = await call("GetProperty", 0, wid, netWmPid, 0, 0, 1);
      if (prop.data.length === 4 && pids.has(prop.data.readUInt32LE(0))) return wid;
    }
    return null;
  });
}

/** Whether window `wid` is on screen (mapped and viewable). */
export function windowShown(display, wid) {
  return withX(display, async (call) => (await call("GetWindowAttributes", wid)).mapState === 2);
}

/**
 * Asks window `wid` to close as a window manager does when its close button is pressed: a
 * WM_DELETE_WINDOW client message (ICCCM §4.2.8). The app decides what closing means.
 */
export function requestClose(display, wid) {
  return withX(display, async (call, root, atom, X) => {
    const [protocols, deleteWindow] = [await atom("WM_PROTOCOLS"), await atom("WM_DELETE_WINDOW")];
    const event = Buffer.alloc(32);
    event[0] = 33; // ClientMessage
    event[1] = 32; // format
    event.writeUInt32LE(wid, 4);
    event.writeUInt32LE(protocols, 8);
    event.writeUInt32LE(deleteWindow, 12);
    event.writeUInt32LE(0, 16); // CurrentTime
    X.SendEvent(wid, false, 0, event);
    await call("GetWindowAttributes", wid); // a round trip: the event has been sent
  });
}

/** The e2e database: created fresh on the server of DATABASE_URL (migrated by the caller). */
export async function createDatabase(serverUrl, name) {
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Drops the e2e database, then the desktop login `role` if given. In this order: the database
 * must go first (FORCE ends the apps' connections), and roles are cluster-wide, so a login left
 * behind would outlive the run.
 */
export async function dropDatabase(serverUrl, name, { role } = {}) {
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    // FORCE: an app that is still shutting down must not keep the database alive.
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    if (role) await admin.query(`DROP ROLE IF EXISTS "${role}"`);
  } finally {
    await admin.end();
  }
}

/**
 * Creates the least-privileged database login desktops connect with (`ticketdesk
 * create-desktop-login`, run with the owner's URL) and returns the URL it prints.
 */
export async function createDesktopLogin(ownerUrl, name) {
  const out = await run(APP, ["create-desktop-login", "--name", name], {
    env: { ...process.env, TICKETDESK_DATABASE_URL: ownerUrl },
  });
  const url = out.trim().split("\n").pop() ?? "";
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`create-desktop-login printed no database URL:\n${out}`);
  if (decodeURIComponent(new URL(url).username) !== name) throw new Error(`create-desktop-login printed a URL for another login`);
  return url;
}

/**
 * The local ports of the TCP sockets held by `rootPid` and all its descendants (Linux /proc):
 * with pg_stat_activity.client_port this says which database connections a process tree has.
 */
export function tcpPortsOfTree(rootPid) {
  const pids = pidsOfTree(rootPid);
  const inodes = new Set();
  for (const pid of pids) {
    let fds = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
  }
  const ports = new Set();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = fs.readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && inodes.has(cols[9])) ports.add(parseInt(cols[1].split(":")[1], 16));
    }
  }
  return ports;
}
