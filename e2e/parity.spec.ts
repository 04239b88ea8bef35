// Parity with PyTorch inside headless Chromium: the golden check (tests/goldenCheck.ts; the same one Vitest
// runs on the cpu backend in Node) on WebGPU (SwiftShader), wasm and WebGL: tensors within the golden file's
// relative tolerance (1e-4), and the complete K-step sampling run with the file's noise giving the same ids,
// codes and candidates.
import { expect, test, type Page } from "@playwright/test";
import type { ParityResult } from "./pages/parity";

async function parity(page: Page, backend?: string): Promise<ParityResult> {
  await page.goto(`/e2e/pages/parity.html${backend ? `?backend=${backend}` : ""}`);
  await page.waitForFunction(() => window.parityResult !== undefined, undefined, { timeout: 180_000 });
  return (await page.evaluate(() => window.parityResult)) as ParityResult;
}

for (const backend of ["webgpu", "wasm", "webgl"] as const) {
  test(`golden vectors on ${backend}`, async ({ page }) => {
    const result = await parity(page, backend);
    if ("error" in result) throw new Error(result.error);
    expect(result.backend).toBe(backend);
    const { report } = result;
    console.log(`${backend}: ${JSON.stringify(report.errors)} confidenceAbs ${report.confidenceAbs}`);
    for (const error of Object.values(report.errors)) expect(error).toBeLessThan(report.tolerance);
    expect(report.confidenceAbs).toBeLessThan(1e-4);
    expect(report.stepIdsEqual).toBe(true);
    expect(report.finalIdsEqual).toBe(true);
    expect(report.codesEqual).toBe(true);
    expect(report.candidatesEqual).toBe(true);
    expect(report.tensorsAfter).toBe(report.tensorsBefore);
    expect(report.passed).toBe(true);
    // retrieve and edit (golden.json "edit"): the same ids, codes, candidates and starts from known codes
    const { edit } = result;
    expect(edit.stepIdsEqual).toBe(true);
    expect(edit.candidatesEqual).toBe(true);
    expect(edit.passed).toBe(true);
  });
}

test("the automatic choice takes wasm over the software WebGPU adapter and says why", async ({ page }) => {
  const result = await parity(page);
  if ("error" in result) throw new Error(result.error);
  expect(result.backend).toBe("wasm");
  expect(result.reason).toMatch(/software fallback/);
  expect(result.report.passed).toBe(true);
});
