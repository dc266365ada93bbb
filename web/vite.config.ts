// Builds web/src into web/dist, the static assets the sluice binary embeds.
// JSX goes through esbuild (no React plugin needed); `npm run dev` proxies the
// API to a running `sluice webserver` (SLUICE_API, default 127.0.0.1:8080).
import { defineConfig } from "vite";

const api = process.env.SLUICE_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { "/api": api, "/auth": api, "/health": api },
  },
  test: {
    include: ["tests/unit/**/*.test.ts"],
    environment: "node",
  },
});
