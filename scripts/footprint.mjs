// The measuring half of scripts/footprint.sh (run it through that script: it builds the
// binaries, prepares the database, and starts this under one Xvfb + private D-Bus session).
//
// For each run it spawns a binary, times the spawn → `ready …` stdout line, waits for the
// window to settle, sums the PSS of the process and all its descendants (WebKitWebProcess,
// WebKitNetworkProcess, …) from /proc/<pid>/smaps_rollup, then stops the process group and
// waits until every process of it is gone. The app and the empty window alternate (ABBA), after
// one warm-up run each that is not counted (the app's warm-up signs in with a password and
// keeps the refresh token every counted run resumes with; both warm the page cache and D-Bus).
//
// Options: --app PATH --empty PATH [--compare PATH] --runs N --settle SECONDS --timeout SECONDS
//          --report FILE
//          --work DIR --mode LABEL --profile LABEL --nice N (for the report)
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

const TARGET_READY = 2.0;
const TARGET_PSS = 1.3;
/** USER_HZ, the unit of CPU times in /proc/<pid>/stat (100 on Linux everywhere that matters). */
const CLOCK_TICKS = 100;

function parseArgs(argv) {
  const opts = { nice: "0", runs: 9, settle: 5, timeout: 60, report: null, work: null, mode: "solo", profile: "release" };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, "");
    const value = argv[++i];
    if (value === undefined) throw new Error(`missing value for --${key}`);
    opts[key] = ["runs", "settle", "timeout"].includes(key) ? Number(value) : value;
  }
  for (const key of ["app", "empty", "work"]) if (!opts[key]) throw new Error(`--${key} is required`);
  if (opts.compare === "") delete opts.compare;
  if (!(opts.runs >= 1)) throw new Error("--runs must be at least 1");
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

/** Every process: pid → { ppid, comm }. */
function processTable() {
  const table = new Map();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      // comm is in parentheses and may hold spaces or parentheses: split after the last ")".
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      table.set(Number(name), { ppid, comm });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** `pid` and all its descendants, with their names. */
function processTree(pid) {
  const table = processTable();
  const tree = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift();
    const entry = table.get(p);
    if (!entry) continue;
    tree.push({ pid: p, comm: entry.comm });
    for (const [child, e] of table) if (e.ppid === p) queue.push(child);
  }
  return tree;
}

/** CPU time (user + system, waited-for children included) of `pid` and its descendants, ms, in all and by kind. */
function cpuTimeOf(pid) {
  const byKind = {};
  let total = 0;
  for (const { pid: p, comm } of processTree(pid)) {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime, stime, cutime, cstime: fields 14–17 of stat(5), 12–15 after comm and state.
      const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      const ms = (ticks * 1000) / CLOCK_TICKS;
      const kind = kindOf(comm, p === pid);
      byKind[kind] = (byKind[kind] ?? 0) + ms;
      total += ms;
    } catch {
      // gone meanwhile
    }
  }
  return { total, byKind };
}

/** Pss, Rss and private (USS) kB of one process, from smaps_rollup; null if it is gone. */
function memoryOf(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const field = (name) => Number(text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
    return {
      pss: field("Pss"),
      rss: field("Rss"),
      uss: field("Private_Clean") + field("Private_Dirty"),
    };
  } catch {
    return null;
  }
}

/** One kind of process across the tree ("WebKitWebProcess" and its comm "WebKitWebProces"). */
function kindOf(comm, root) {
  if (root) return "main";
  if (comm.startsWith("WebKitWebProces")) return "WebKitWebProcess";
  if (comm.startsWith("WebKitNetworkPr")) return "WebKitNetworkProcess";
  if (comm.startsWith("WebKitGPUProces")) return "WebKitGPUProcess";
  return comm;
}

function measureMemory(pid) {
  const total = { pss: 0, rss: 0, uss: 0 };
  const byKind = {};
  for (const { pid: p, comm } of processTree(pid)) {
    const mem = memoryOf(p);
    if (!mem) continue;
    for (const k of Object.keys(total)) total[k] += mem[k];
    const kind = kindOf(comm, p === pid);
    byKind[kind] = (byKind[kind] ?? 0) + mem.pss;
  }
  return { ...total, byKind };
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stops the run's process group (TERM, then KILL) and waits until every process in it is gone. */
async function stop(child, tree) {
  const pids = [child.pid, ...tree.map((t) => t.pid)];
  const signalAll = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // group already gone
    }
    for (const p of pids) {
      try {
        process.kill(p, signal);
      } catch {
        // gone
      }
    }
  };
  signalAll("SIGTERM");
  const deadline = performance.now() + 10_000;
  while (pids.some(alive) && performance.now() < deadline) await sleep(50);
  if (pids.some(alive)) {
    signalAll("SIGKILL");
    while (pids.some(alive)) await sleep(50);
  }
}

/**
 * One run of `binary`: the time from spawn to its `ready <phase>` line, then its memory after
 * the settle time. `readyPhase` is the phase that counts; `failPhases` end the run with an error.
 */
async function run(kind, binary, env, log) {
  const readyPhase = kind === "app" ? "queue" : "script";
  const failPhases = kind === "app" ? ["sign-in"] : [];
  const logFd = fs.openSync(log, "a");
  const started = performance.now();
  const child = spawn(binary, [], { env, detached: true, stdio: ["ignore", "pipe", logFd] });
  fs.closeSync(logFd);
  const marks = {};
  let exited = null;
  const result = await new Promise((resolve) => {
    let buffer = "";
    const timer = setTimeout(() => resolve({ error: `no "ready ${readyPhase}" line within ${opts.timeout} s` }), opts.timeout * 1000);
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      clearTimeout(timer);
      resolve({ error: `exited (${signal ?? code}) before it was ready` });
    });
    child.stdout.on("data", (chunk) => {
      const now = performance.now();
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        fs.appendFileSync(log, `[stdout +${(now - started).toFixed(1)} ms] ${line}\n`);
        const m = line.match(/^ready (\S+) ([\d.]+)$/);
        if (!m) continue;
        marks[m[1]] = { sinceSpawn: now - started, inPage: Number(m[2]) };
        if (m[1] === readyPhase) {
          marks.cpu = cpuTimeOf(child.pid);
          clearTimeout(timer);
          resolve({});
        } else if (failPhases.includes(m[1])) {
          clearTimeout(timer);
          resolve({ error: `showed "${m[1]}" instead of "${readyPhase}"` });
        }
      }
    });
  });
  if (result.error) {
    const tree = exited ? [] : processTree(child.pid);
    if (!exited) await stop(child, tree);
    const tail = fs.readFileSync(log, "utf8").trimEnd().split("\n").slice(-30).join("\n");
    throw new Error(`${kind}: ${result.error}\n--- ${log} (last lines)\n${tail}`);
  }
  await sleep(opts.settle * 1000);
  if (exited) throw new Error(`${kind}: exited (${exited.signal ?? exited.code}) while settling; see ${log}`);
  const tree = processTree(child.pid);
  const memory = measureMemory(child.pid);
  await stop(child, tree);
  return {
    ready: marks[readyPhase].sinceSpawn,
    readyInPage: marks[readyPhase].inPage,
    painted: marks.painted?.sinceSpawn ?? null,
    cpu: marks.cpu.total,
    cpuByKind: marks.cpu.byKind,
    processes: tree.length,
    memory,
  };
}

/** The q-quantile of `xs` (0 ≤ q ≤ 1), interpolated between the two nearest runs. */
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo] + (s[hi] - s[lo]) * (at - lo);
};
const p50 = (xs) => quantile(xs, 0.5);
/** With fewer runs the quartiles are a run or two, not a spread. */
const IQR_MIN_RUNS = 5;
const mib = (kb) => kb / 1024;
const fmt = (x, digits = 0) => (x === null || Number.isNaN(x) ? "–" : x.toFixed(digits));

// Everything the two windows share: the caller's environment (WebKit settings included) and
// one display, bus and set of XDG directories. Only the app's own variables differ.
const baseEnv = { ...process.env, NO_COLOR: "1" };
for (const dir of ["home", "data", "config", "cache", "runtime"]) fs.mkdirSync(path.join(opts.work, "xdg", dir), { recursive: true, mode: 0o700 });
Object.assign(baseEnv, {
  // The app's sign-in writes the login entry to $HOME/.config/autostart: not the caller's.
  HOME: path.join(opts.work, "xdg", "home"),
  XDG_DATA_HOME: path.join(opts.work, "xdg", "data"),
  XDG_CONFIG_HOME: path.join(opts.work, "xdg", "config"),
  XDG_CACHE_HOME: path.join(opts.work, "xdg", "cache"),
  XDG_RUNTIME_DIR: path.join(opts.work, "xdg", "runtime"),
});
const appEnv = { ...baseEnv, TICKETDESK_REPORT_READY: "1", RUST_LOG: process.env.RUST_LOG ?? "info,sqlx=warn" };
const emptyEnv = { ...baseEnv };
for (const key of Object.keys(emptyEnv)) if (key.startsWith("TICKETDESK_")) delete emptyEnv[key];

const binaries = { app: opts.app, empty: opts.empty };
const envs = { app: appEnv, empty: emptyEnv };
/** The columns: the app, the empty window, and with --compare another build of the app. */
const columns = [
  ["app", "app"],
  ["empty", "empty window"],
];
if (opts.compare) {
  binaries.compare = opts.compare;
  envs.compare = appEnv;
  columns.push(["compare", `app: ${path.basename(opts.compare)}`]);
}
const samples = Object.fromEntries(columns.map(([kind]) => [kind, []]));
let runNo = 0;
async function sample(kind, counted) {
  runNo++;
  const log = path.join(opts.work, `run-${String(runNo).padStart(2, "0")}-${kind}${counted ? "" : "-warmup"}.log`);
  const s = await run(kind === "compare" ? "app" : kind, binaries[kind], envs[kind], log);
  const line =
    `${counted ? "run   " : "warmup"} ${kind.padEnd(7)} ready ${fmt(s.ready).padStart(5)} ms` +
    ` (page ${fmt(s.readyInPage).padStart(4)} ms, CPU ${fmt(s.cpu).padStart(4)} ms: ` +
    `${Object.entries(s.cpuByKind).map(([k, v]) => `${k.replace(/^WebKit|Process$/g, "")} ${fmt(v)}`).join(" ")})  PSS ${fmt(mib(s.memory.pss), 1).padStart(6)} MiB` +
    `  [${Object.entries(s.memory.byKind).map(([k, v]) => `${k} ${fmt(mib(v), 1)}`).join(", ")}]`;
  console.log(line);
  if (counted) samples[kind].push(s);
}

const webkitSettings = Object.entries(process.env)
  .filter(([k]) => /^(WEBKIT_|GDK_|LIBGL_|NO_AT_BRIDGE|GSK_)/.test(k))
  .map(([k, v]) => `${k}=${v}`)
  .sort();

const loadBefore = os.loadavg();
try {
  for (const [kind] of columns) await sample(kind, false);
  // Each round in another order, so neither binary always runs right after the other.
  const kinds = columns.map(([kind]) => kind);
  for (let i = 0; i < opts.runs; i++) {
    const order = i % 2 === 0 ? [...kinds].reverse() : kinds;
    for (const kind of order) await sample(kind, true);
  }
} catch (e) {
  // On stdout: footprint.sh keeps the display's and bus's chatter on stderr out of sight.
  console.log(`footprint: ${e.message}`);
  process.exit(1);
}

/** The values of `pick` over a column's runs (null values left out). */
const values = (kind, pick) => samples[kind].map(pick).filter((x) => x !== null && x !== undefined);
/** p50 of `pick` over a column's runs. */
const stat = (kind, pick) => {
  const xs = values(kind, pick);
  return xs.length ? p50(xs) : null;
};
/** "median (min–max, IQR q1–q3)": the spread beside the median, the IQR only from IQR_MIN_RUNS runs. */
const spread = (xs, digits = 0) => {
  if (!xs.length) return "–";
  const parts = [`${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`];
  if (xs.length >= IQR_MIN_RUNS) parts.push(`IQR ${fmt(quantile(xs, 0.25), digits)}–${fmt(quantile(xs, 0.75), digits)}`);
  return `${fmt(p50(xs), digits)} (${parts.join(", ")})`;
};
const verdict = (ratio, target) => (ratio <= target ? `meets (≤ ${target.toFixed(1)}×)` : `misses (≤ ${target.toFixed(1)}×)`);
const ready = (kind) => stat(kind, (s) => s.ready);
const pss = (kind) => stat(kind, (s) => mib(s.memory.pss));
const apps = columns.filter(([kind]) => kind !== "empty");
const ratioRange = (xs) => `${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)}×`;
/** Each round's app run over the same round's empty run. */
const roundRatios = (kind, pick) => samples[kind].map((s, i) => pick(s) / pick(samples.empty[i]));

const table = [
  `| median over ${opts.runs} run(s) each (min–max${opts.runs >= IQR_MIN_RUNS ? ", IQR" : ""}) | ${columns.map(([, label]) => label).join(" | ")} | ` +
    `${apps.map(([, label]) => `${label} / empty: ratio of medians (per-round ratios: median, min–max)`).join(" | ")} | SPEC §10 |`,
  `|---|${columns.map(() => "---:").join("|")}|${apps.map(() => "---:").join("|")}|---|`,
  `| window ready, ms (spawn → first paint of the signed-in queue / first script) | ${columns.map(([k]) => spread(values(k, (s) => s.ready))).join(" | ")} | ` +
    `${apps.map(([k]) => `${fmt(ready(k) / ready("empty"), 2)}× (${fmt(p50(roundRatios(k, (s) => s.ready)), 2)}×, ${ratioRange(roundRatios(k, (s) => s.ready))})`).join(" | ")} | ${verdict(ready("app") / ready("empty"), TARGET_READY)} |`,
  `| idle memory, MiB PSS (process + WebKit processes, ${opts.settle} s after ready) | ${columns.map(([k]) => spread(values(k, (s) => mib(s.memory.pss)), 1)).join(" | ")} | ` +
    `${apps.map(([k]) => `${fmt(pss(k) / pss("empty"), 2)}× (${fmt(p50(roundRatios(k, (s) => s.memory.pss)), 2)}×, ${ratioRange(roundRatios(k, (s) => s.memory.pss))})`).join(" | ")} | ${verdict(pss("app") / pss("empty"), TARGET_PSS)} |`,
];
const processKinds = [...new Set(Object.values(samples).flat().flatMap((s) => Object.keys(s.memory.byKind)))];
const row = (label, cell) => `| ${label} | ${columns.map(([k]) => cell(k)).join(" | ")} |`;
const details = [
  `| detail (median over runs) | ${columns.map(([, label]) => label).join(" | ")} |`,
  `|---|${columns.map(() => "---:").join("|")}|`,
  row("ready as the page's performance.now(), ms (since navigation start)", (k) => fmt(stat(k, (s) => s.readyInPage))),
  row("spawn → navigation start (native start-up), ms", (k) => fmt(stat(k, (s) => s.ready - s.readyInPage))),
  row("spawn → first frame painted (empty window), ms", (k) => fmt(stat(k, (s) => s.painted))),
  row("CPU time until ready, all its processes, ms (a busy machine inflates it less)", (k) => fmt(stat(k, (s) => s.cpu))),
  ...processKinds.map((pk) => row(`CPU time until ready of ${pk}, ms`, (k) => fmt(stat(k, (s) => s.cpuByKind[pk] ?? null)))),
  ...processKinds.map((pk) => row(`PSS of ${pk}, MiB`, (k) => fmt(stat(k, (s) => (s.memory.byKind[pk] === undefined ? null : mib(s.memory.byKind[pk]))), 1))),
  row("RSS summed, MiB", (k) => fmt(stat(k, (s) => mib(s.memory.rss)), 1)),
  row("USS (private) summed, MiB", (k) => fmt(stat(k, (s) => mib(s.memory.uss)), 1)),
];
// What the app does before its first paint that the empty window (one script, one command)
// does not: src-tauri/app.rs (setup, Backend::open, resume_session) and ui/src/App.svelte.
const beforeFirstPaint =
  "Before its first paint the app, unlike the empty window, reads its settings store (settings.json: " +
  "the database URL) and session store (session.json: the refresh token); " +
  (opts.mode === "solo"
    ? "checks that its PostgreSQL cluster runs (`pg_ctl status`, a child process) and that its database " +
      "exists (a connection to `postgres`), connects as the owner to check the schema (the migrations " +
      "against `_sqlx_migrations`), then opens the desktop login's pool; "
    : "connects to the server and checks its schema version (`_sqlx_migrations`); ") +
  "resumes the session (the refresh token exchanged, a write; the user looked up; the new token saved " +
  "to session.json); creates its tray icon and starts the notification listener (its own LISTEN " +
  "connection) and the first SLA sweep; loads a larger page (the Svelte bundle) and sends three " +
  "commands (the queue's first page, which the paint waits for, the notifications and the user list).";

const context = [
  `${opts.profile} build, app in ${opts.mode} mode (PostgreSQL on loopback, demo data, user \`dev\`); ` +
    `${os.cpus().length} CPUs, load average before the run ${loadBefore.map((x) => x.toFixed(2)).join(" ")}; ` +
    `${opts.nice !== "0" ? `windows, database and display at nice ${opts.nice}; ` : ""}${new Date().toISOString()}.`,
  `WebKit/GTK settings (the same for all): ${webkitSettings.length ? webkitSettings.map((s) => "`" + s + "`").join(" ") : "none"}.`,
  beforeFirstPaint,
];

console.log("");
console.log(table.join("\n"));
console.log("");
console.log(details.join("\n"));
console.log("");
console.log(context.join("\n"));

if (opts.report) {
  fs.mkdirSync(path.dirname(opts.report), { recursive: true });
  const md = [
    "# ticketdesk footprint (scripts/footprint.sh)",
    "",
    table.join("\n"),
    "",
    details.join("\n"),
    "",
    ...context.map((c) => c + "  "),
    "",
  ].join("\n");
  fs.writeFileSync(opts.report, md);
  console.log(`\nreport: ${opts.report}`);
}
