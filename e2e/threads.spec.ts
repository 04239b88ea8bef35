// Threaded wasm: `npm start` (the dev server) and `vite preview` of the production build send COOP/COEP
// (vite.config.ts), so the page is cross-origin isolated and the engine's wasm backend runs on every logical core (at
// most 8); the status line says how many. Without isolation it says why it runs single-threaded
// (src/engine/backend.ts, wasmThreads). The build matters apart: there tfjs's pthreads once died on a minified name.
import { expect, test, type Page } from "@playwright/test";
import { PREVIEW_PORT } from "../playwright.config";
import { waitReady } from "./helpers";

async function expectThreads(page: Page): Promise<void> {
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const status = page.getByRole("status");
  if (cores > 1) await expect(status).toContainText(`${Math.min(8, cores)} threads`);
  else await expect(status).toContainText("single-threaded: one logical core");
}

test("npm start: the page is isolated and the wasm backend uses every core", async ({ page }) => {
  await page.goto("/?lang=cf&backend=wasm");
  await waitReady(page);
  await expectThreads(page);
});

test("the production build under vite preview: isolated, every core, and the model loads", async ({ page }) => {
  await page.goto(`http://127.0.0.1:${PREVIEW_PORT}/?lang=cf&backend=wasm`);
  await waitReady(page);
  await expectThreads(page);
});
