// Shared steps of the app's e2e tests: read the Monaco editor, record every text it showed, wait for the model.
import { expect, type Page } from "@playwright/test";

// Outside test-results/, which Playwright empties at the start of every run.
export const SHOTS = "out/screenshots";

/** The editor's text as rendered (Monaco draws lines as DOM; non-breaking spaces become spaces). */
export async function editorText(page: Page): Promise<string> {
  return (await page.locator(".code-editor .view-lines").innerText()).replace(/\u00a0/g, " ");
}

/** Starts recording every distinct text the editor renders (a MutationObserver in the page). */
export async function recordEditor(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const lines = document.querySelector(".code-editor .view-lines");
    const seen: string[] = [];
    (window as unknown as { editorFrames: string[] }).editorFrames = seen;
    if (!lines) return;
    new MutationObserver(() => {
      const text = (lines as HTMLElement).innerText.replace(/\u00a0/g, " ");
      if (seen[seen.length - 1] !== text) seen.push(text);
    }).observe(lines, { childList: true, subtree: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { editorFrames: string[] }).editorFrames);
}

export async function waitReady(page: Page): Promise<void> {
  await expect(page.getByRole("status")).toContainText("Ready on", { timeout: 120_000 });
}

/** Replaces the editor's content by typing, as a user would. */
export async function typeInEditor(page: Page, text: string): Promise<void> {
  await page.locator(".code-editor .view-lines").click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  await page.keyboard.type(text);
}

/** Types a request into the prompt box and presses Generate. */
export async function requestCode(page: Page, prompt: string): Promise<void> {
  await page.getByLabel("What should the code do?").fill(prompt);
  await page.getByRole("button", { name: "Generate" }).click();
}

/** Opens the app at `query`, waits for the model, asks for `prompt` and waits for the candidates. */
export async function generateAt(page: Page, query: string, prompt: string): Promise<void> {
  await page.goto(query);
  await waitReady(page);
  await requestCode(page, prompt);
  await expect(page.getByTestId("candidate").first()).toBeVisible();
}

/** Pastes `rows` (header first) as the CF preview's own table and applies it; the next CF request reads its header. */
export async function useOwnTable(page: Page, rows: readonly (readonly string[])[]): Promise<void> {
  await page.locator("summary", { hasText: "Use your own table" }).click();
  await page.getByLabel("Paste cells (tab- or comma-separated)").fill(rows.map((row) => row.join("\t")).join("\n"));
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(page.locator(".cf-preview")).toHaveAttribute("data-table", "pasted");
}
