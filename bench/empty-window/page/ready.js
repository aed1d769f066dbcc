// The empty window's first (and only) script: it tells the Rust side that it ran, then when the
// first frame after it has been painted (requestAnimationFrame, then the next task). The Rust
// side prints each moment on stdout, where scripts/footprint.mjs times it.
const report = (phase) =>
  window.__TAURI_INTERNALS__.invoke("report", { phase, ms: performance.now() }).catch(() => {});
report("script");
requestAnimationFrame(() => setTimeout(() => report("painted"), 0));
