// Imports a pure TypeScript module of the UI (and the relative modules it imports) for unit
// tests: each file is transpiled with the project's TypeScript into a throwaway folder.
// Only for modules without Svelte runes or DOM access.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { UI } from "./build.mjs";

const OUT = join(UI, "node_modules", ".cache", "ticketdesk-ui", `units-${process.pid}`);
process.on("exit", () => rmSync(OUT, { recursive: true, force: true }));

function emit(file, done) {
  if (done.has(file)) return;
  done.add(file);
  const source = readFileSync(file, "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2021, verbatimModuleSyntax: true },
    fileName: file,
  });
  // Relative imports name modules without an extension; point them at the emitted .mjs files.
  const code = outputText.replace(/(from\s+["'])(\.{1,2}\/[^"']+)(["'])/g, (_, open, spec, close) => {
    emit(resolve(dirname(file), `${spec}.ts`), done);
    return `${open}${spec}.mjs${close}`;
  });
  const out = join(OUT, relative(UI, file)).replace(/\.ts$/, ".mjs");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
}

/** `importTs("src/features/queue/queryState.ts")` → the module's exports. */
export async function importTs(path) {
  const file = join(UI, path);
  emit(file, new Set());
  return import(pathToFileURL(join(OUT, relative(UI, file)).replace(/\.ts$/, ".mjs")).href);
}
