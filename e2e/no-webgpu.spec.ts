// A browser without WebGPU (Chromium without --enable-unsafe-webgpu): the app says so and runs on wasm.
import { expect, test } from "@playwright/test";
import { CHROMIUM, QUIET_FLAGS } from "../playwright.config";
import { requestCode, waitReady } from "./helpers";

test.use({ launchOptions: { executablePath: CHROMIUM, args: QUIET_FLAGS } });

test("without WebGPU the app says so and generates on WebAssembly", async ({ page }) => {
  await page.goto("/?lang=cf&steps=10&n=3&seed=1");
  await waitReady(page);
  await expect(page.getByRole("status")).toContainText("Ready on WebAssembly");
  await expect(page.getByRole("status")).toContainText(/no WebGPU|no GPU adapter/);
  await requestCode(page, "highlight blank cells");
  await expect(page.getByTestId("candidate").first()).toBeVisible();
});
