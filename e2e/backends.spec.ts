// Backends as the user meets them: WebGPU on request (SwiftShader here), a lost GPU device in the middle of a
// run, and a browser without WebGPU at all.
import { expect, test } from "@playwright/test";
import { SHOTS, requestCode, waitReady } from "./helpers";

test("runs on WebGPU when asked; a lost device stops the run with a message and the next run works", async ({ page }) => {
  await page.goto("/?lang=cf&backend=webgpu&steps=400&n=2&seed=3");
  await waitReady(page);
  await expect(page.getByRole("status")).toContainText("Ready on WebGPU");
  await expect(page.getByRole("status")).toContainText("webgpu was requested");
  await requestCode(page, "highlight cells with errors");
  await expect(page.getByTestId("denoise-progress")).toContainText(/Step \d+ of 400/);
  await page.evaluate(() => window.codefusionDebug?.loseDevice());
  await expect(page.getByRole("alert").filter({ hasText: "The GPU device was lost" })).toBeVisible();
  await expect(page.getByTestId("candidate")).toHaveCount(0);
  await expect(page.getByText(/Stopped after step/)).toHaveCount(0); // not reported as a user's Stop
  await page.screenshot({ path: `${SHOTS}/device-lost.png` });

  // The next request sets the GPU up again and completes.
  await page.locator("summary", { hasText: "Settings" }).click();
  await page.getByLabel("Steps K").fill("5");
  await page.getByRole("button", { name: "Generate" }).click();
  await expect(page.getByTestId("candidate").first()).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole("status")).toContainText("Ready on WebGPU");
});
