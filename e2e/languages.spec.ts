// What the app adds per language, on the shipped Bash and Python models: the danger warning and the utility
// explanations for Bash (a destructive command typed into the editor: the crafted case), the syntax check for
// Python. And the layout on a phone in dark mode.
import { expect, test } from "@playwright/test";
import { checkPythonSyntax } from "../src/lang/python";
import { SHOTS, generateAt, typeInEditor } from "./helpers";

test("Bash: explanations for the generated command, and a warning for a destructive one", async ({ page }) => {
  await generateAt(page, "/?lang=bash&steps=20&n=5&seed=11", "find all .log files older than 7 days and delete them");
  await expect(page.getByText("The app never runs generated commands.")).toBeVisible();

  await typeInEditor(page, "find /var/log -name '*.log' -mtime +7 -delete; sudo rm -rf /");
  const warning = page.getByTestId("danger-warning");
  await expect(warning).toBeVisible();
  await expect(warning).toContainText("rm -rf /");
  const explanations = page.getByRole("region", { name: "What the command uses" });
  await expect(explanations).toContainText("find");
  await expect(explanations).toContainText("-mtime");
  await expect(explanations).toContainText("rm");
  await page.screenshot({ path: `${SHOTS}/bash-danger.png`, fullPage: true });

  await typeInEditor(page, "ls -la /tmp");
  await expect(page.getByTestId("danger-warning")).toHaveCount(0);
});

test("Python: each candidate's syntax is checked, with a mark where it does not parse", async ({ page }) => {
  await generateAt(page, "/?lang=python&steps=20&n=5&seed=2", "sort a list of numbers in reverse order");
  const candidates = page.getByTestId("candidate");
  const count = await candidates.count();
  expect(count).toBeGreaterThan(1);
  // For each candidate, the verdict the page shows (the list's badge; under the editor once it is picked; the
  // editor's mark) is the parser's verdict on that candidate's code.
  for (let i = 0; i < count; i++) {
    const item = candidates.nth(i);
    const code = (await item.locator(".candidate-code").textContent()) ?? "";
    const syntax = checkPythonSyntax(code);
    await expect(item.locator(".syntax-badge"), `candidate ${i + 1}: ${code}`).toHaveCount(syntax.valid ? 0 : 1);
    await item.locator(".candidate-pick").click();
    await expect(page.getByTestId("python-syntax"), `candidate ${i + 1}: ${code}`).toHaveText(
      syntax.valid ? "✓ Parses as Python" : `✗ Does not parse as Python: ${syntax.error?.message ?? "syntax error"}`,
    );
    await expect(page.locator(".code-editor .squiggly-error")).toHaveCount(syntax.valid ? 0 : 1);
  }

  await typeInEditor(page, "sorted(numbers, reverse=True)");
  await expect(page.getByTestId("python-syntax")).toHaveText("✓ Parses as Python");
  await expect(page.locator(".code-editor .squiggly-error")).toHaveCount(0);
  await typeInEditor(page, "x = = sorted numbers");
  await expect(page.getByTestId("python-syntax")).toHaveText("✗ Does not parse as Python: invalid syntax");
  await expect(page.locator(".code-editor .squiggly-error")).toHaveCount(1);
});

test.describe("phone, dark", () => {
  test.use({ viewport: { width: 390, height: 844 }, colorScheme: "dark" });
  test("the page fits a phone and follows the dark scheme", async ({ page }) => {
    await generateAt(page, "/?lang=cf&steps=20&n=3&seed=4", "highlight values below the average");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(13, 17, 23)");
    await page.screenshot({ path: `${SHOTS}/phone-dark.png`, fullPage: true });
  });
});
