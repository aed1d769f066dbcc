// The production bundle (ui/dist, as Tauri ships it): relative URLs only, no inline
// scripts, no test mocks, and it boots under the app's CSP without any violation.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { eventually, launchChromium } from "./helpers/app.mjs";
import { DIST, ensureDist } from "./helpers/build.mjs";
import { serveDir } from "./helpers/server.mjs";

let server;
let browser;
before(async () => {
  await ensureDist();
  server = await serveDir(DIST);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const assets = () => readdirSync(join(DIST, "assets")).map((f) => [f, readFileSync(join(DIST, "assets", f), "utf8")]);

test("index.html loads only relative, external scripts and styles", () => {
  const html = readFileSync(join(DIST, "index.html"), "utf8");
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length >= 1);
  for (const [, attrs, body] of scripts) {
    assert.match(attrs, /src="\.\/assets\/[^"]+\.js"/, "script has a relative src");
    assert.equal(body.trim(), "", "no inline script");
  }
  for (const [, url] of html.matchAll(/(?:src|href)="([^"]*)"/g)) assert.match(url, /^\.\//, `relative URL: ${url}`);
  assert.doesNotMatch(html, /https?:\/\/|\/\/fonts\./);
});

test("the bundle contains no IPC mocks and no remote resources", () => {
  const files = assets();
  assert.ok(files.some(([f]) => f.endsWith(".js")) && files.some(([f]) => f.endsWith(".css")));
  for (const [name, text] of files) {
    assert.doesNotMatch(text, /Couldn't find callback id|__ipc|__emit|shouldMockEvents/, `${name} has no mock code`);
    if (name.endsWith(".css")) assert.doesNotMatch(text, /@import|url\(\s*['"]?(https?:)?\/\//, `${name} loads nothing remote`);
  }
});

test("the built app boots under the Tauri CSP and reports a missing backend in the banner", async (t) => {
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${server.url}/index.html`);

  // Outside Tauri every command fails; the UI must turn that into a typed `internal` error, not crash.
  const banner = page.getByTestId("error-banner");
  await banner.waitFor();
  assert.equal(await banner.getAttribute("data-code"), "internal");
  assert.equal(await page.title(), "ticketdesk");
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, "rgb(246, 247, 249)", "stylesheet applied");
  await eventually(async () => assert.deepEqual(await page.evaluate(() => window.__violations), []));
  assert.deepEqual(problems, []);
});
