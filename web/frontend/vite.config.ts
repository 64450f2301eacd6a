// Builds the chat app into ../static (committed, served by web/page.py at / and /static).
// File names carry content hashes only, so `npm ci && npm run build` reproduces them exactly.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "/static/",
  plugins: [svelte(), svelteTesting()],
  build: {
    outDir: "../static", // committed: users of the Python package need no Node
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
