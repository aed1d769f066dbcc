import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Tauri serves ui/dist from its own protocol, so every URL must be relative,
// and the CSP (script-src 'self') forbids inline scripts and remote resources.
export default defineConfig({
  base: "./",
  plugins: [svelte()],
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK 2.4x (Tauri on Linux) handles ES2021 natively.
    target: "es2021",
    cssTarget: "safari15",
    // Everything is local; no inline data: URLs for fonts/scripts.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
