// End-to-end tests in Debian's Chromium (/usr/bin/chromium; Playwright cannot download a browser here), against
// the Vite dev server, i.e. what `npm start` serves. Flags: ../shared/docs/platform.md (WebGPU through SwiftShader,
// and no background traffic to hosts this closed network refuses).
import { defineConfig } from "@playwright/test";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const QUIET_FLAGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
export const WEBGPU_FLAGS = ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader", "--enable-features=Vulkan"];
const PORT = 4173;

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
  webServer: {
    command: `npx vite --port ${PORT} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: "ignore",
  },
});
