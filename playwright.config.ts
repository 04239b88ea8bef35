// End-to-end tests in Debian's Chromium (/usr/bin/chromium; Playwright cannot download a browser here), against
// the Vite dev server, i.e. what `npm start` serves. Browser and flags: scripts/chromium.mjs.
import { defineConfig } from "@playwright/test";
import { CHROMIUM, QUIET_FLAGS, WEBGPU_FLAGS } from "./scripts/chromium.mjs";

export { CHROMIUM, QUIET_FLAGS, WEBGPU_FLAGS };
// E2E_PORT: a second checkout (a git worktree) can run its suite beside this one without reusing its server.
const PORT = Number(process.env.E2E_PORT ?? 4173);
/** `vite preview` of a production build (out/preview-dist), for what must hold in the built app too. */
export const PREVIEW_PORT = PORT + 1;

export default defineConfig({
  testDir: "e2e",
  timeout: 240_000,
  expect: { timeout: 90_000 },
  workers: 1, // 2 cores: one browser at a time keeps the timings of the dev server sane
  retries: 0,
  reporter: [["list"], ["json", { outputFile: "test-results/e2e.json" }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: { executablePath: CHROMIUM, args: [...QUIET_FLAGS, ...WEBGPU_FLAGS] },
    trace: "off",
  },
  webServer: [
    {
      command: `npx vite --port ${PORT} --strictPort --host 127.0.0.1`,
      url: `http://127.0.0.1:${PORT}/`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      stdout: "ignore",
    },
    {
      command: `npx vite build --outDir out/preview-dist --emptyOutDir --logLevel warn && npx vite preview --outDir out/preview-dist --port ${PREVIEW_PORT} --strictPort --host 127.0.0.1`,
      url: `http://127.0.0.1:${PREVIEW_PORT}/`,
      reuseExistingServer: !process.env.CI,
      timeout: 180_000,
      stdout: "ignore",
    },
  ],
});
