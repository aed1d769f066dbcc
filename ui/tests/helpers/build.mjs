// Builds (only when sources changed) the production bundle in ui/dist and the
// test harness bundle in node_modules/.cache. Run directly by `npm test` before
// `node --test`, and called again by each test file as a cheap no-op check.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const UI = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CACHE = join(UI, "node_modules", ".cache", "ticketdesk-ui");
export const DIST = join(UI, "dist");
export const HARNESS_OUT = join(CACHE, "harness");
export const HARNESS_PAGE = "tests/harness/index.html";

function walk(path, out) {
  if (!existsSync(path)) return out;
  const st = statSync(path);
  if (st.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name), out);
  else out.push(`${relative(UI, path)}:${st.size}:${st.mtimeMs}`);
  return out;
}

function fingerprint(extra) {
  const files = ["src", "index.html", "vite.config.ts", "svelte.config.js", "package-lock.json", ...extra];
  const lines = files.flatMap((f) => walk(join(UI, f), []));
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

async function buildInto(outDir, stampFile, stamp, input) {
  const { build } = await import("vite");
  const tmp = `${outDir}.tmp-${process.pid}`;
  await build({
    root: UI,
    configFile: join(UI, "vite.config.ts"),
    logLevel: "warn",
    build: {
      outDir: tmp,
      emptyOutDir: true,
      ...(input ? { rolldownOptions: { input: join(UI, input) } } : {}),
    },
  });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  writeFileSync(stampFile, stamp);
}

function isFresh(outDir, stampFile, stamp) {
  return existsSync(outDir) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp;
}

/** Production bundle (ui/dist), exactly what `npm run build` makes. */
export async function ensureDist() {
  const stampFile = join(CACHE, "dist.stamp");
  const stamp = fingerprint([]);
  if (isFresh(join(DIST, "index.html"), stampFile, stamp)) return false;
  mkdirSync(CACHE, { recursive: true });
  await buildInto(DIST, stampFile, stamp, null);
  return true;
}

/** The app plus tests/harness/main.ts (mocked IPC), in a throwaway folder. */
export async function ensureHarness() {
  const stampFile = join(CACHE, "harness.stamp");
  const stamp = fingerprint(["tests/harness"]);
  if (isFresh(join(HARNESS_OUT, HARNESS_PAGE), stampFile, stamp)) return false;
  mkdirSync(CACHE, { recursive: true });
  await buildInto(HARNESS_OUT, stampFile, stamp, HARNESS_PAGE);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = Date.now();
  const built = [(await ensureDist()) && "dist", (await ensureHarness()) && "harness"].filter(Boolean);
  console.log(built.length ? `built ${built.join(" + ")} in ${Date.now() - t0} ms` : "builds are up to date");
}
