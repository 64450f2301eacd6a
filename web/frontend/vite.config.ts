// Builds the chat app into ../static (committed, served by web/page.py at / and /static).
// File names carry content hashes only, so `npm ci && npm run build` reproduces them exactly.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "/static/",
  plugins: [svelte()],
  build: {
    outDir: "dist", // not served yet: web/static keeps the current page until the browser tests pass on this one
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    modulePreload: { polyfill: false }, // the polyfill is an inline-free script, but not needed
    chunkSizeWarningLimit: 400,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
  },
});
