// A run in each language, as a user sees it: the candidates' scores fall in rank order within each part (the known
// codes, then the model's samples) and a part's scores add up to 100 %, each with a tooltip that says what it is;
// then a screenshot of the page. With DOCS_SCREENSHOTS=1 the screenshots go to docs/ (the README shows them:
// `DOCS_SCREENSHOTS=1 npx playwright test e2e/screenshots.spec.ts`), otherwise to out/screenshots/.
import { expect, test, type Page } from "@playwright/test";
import { SHOTS, generateAt } from "./helpers";

const RUNS = [
  { language: "bash", prompt: "find files modified in the last 24 hours" },
  { language: "python", prompt: "check if a key is in a dictionary" },
  { language: "cf", prompt: "highlight sales above 100" },
] as const;

test.use({ viewport: { width: 1280, height: 900 } });

/** Each candidate's shown score (the engine's, unrounded) and its part, in rank order. */
async function scores(page: Page): Promise<{ score: number; part: string; title: string }[]> {
  return page.locator(".candidate .score").evaluateAll((cells) =>
    cells.map((cell) => ({
      score: Number(cell.getAttribute("data-score")),
      part: cell.getAttribute("data-part") ?? "",
      title: cell.getAttribute("title") ?? "",
    })),
  );
}

for (const { language, prompt } of RUNS) {
  test(`${language}: the scores fall in rank order and add up to 100 % within each part; screenshot`, async ({ page }) => {
    await generateAt(page, `/?lang=${language}&seed=1`, prompt);
    const shown = await scores(page);
    expect(shown.length).toBeGreaterThan(0);
    // The known codes come first, then the samples; within each part the scores do not rise.
    const parts = shown.map((s) => s.part);
    expect(parts).toEqual([...parts].sort((a, b) => ["known", "all", "sample"].indexOf(a) - ["known", "all", "sample"].indexOf(b)));
    for (const part of new Set(parts)) {
      const values = shown.filter((s) => s.part === part).map((s) => s.score);
      expect(values, `${part}: ${values}`).toEqual([...values].sort((a, b) => b - a));
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    for (const s of shown) expect(s.title).toMatch(/add up to 100 %/);
    // A part of its own has a heading: its scores are shares among the samples, not among all.
    if (new Set(parts).size === 2) await expect(page.getByTestId("samples-heading")).toBeVisible();

    // Where a known code comes from, on every language: as asked (its own values) or adapted (the user's put in);
    // never "with your values filled in" on a code that keeps the known request's.
    const known = page.getByTestId("candidate").filter({ has: page.locator(".known-badge") });
    const knownCount = await known.count();
    expect(knownCount).toBeGreaterThan(0);
    for (let i = 0; i < knownCount; i++) {
      await expect(known.nth(i).getByTestId("known-source")).toHaveText(/^(as asked|adapted from): “.+”$/);
      expect(await known.nth(i).locator(".known-badge").getAttribute("title")).not.toMatch(/with your values filled in/);
    }
    // The similar known requests: each once, each saying which candidate it gave (or none), and where the known
    // candidates come from.
    await expect(page.getByTestId("known-requests-explained")).toContainText("known requests most similar to yours");
    const listed = await page.getByTestId("known-request").allInnerTexts();
    expect(new Set(listed).size).toBe(listed.length);
    for (const text of listed) expect(text).toMatch(/candidate #\d|not among the candidates/);

    // Every candidate either replays its denoising or says why it cannot.
    const candidates = page.getByTestId("candidate");
    for (let i = 0; i < (await candidates.count()); i++) {
      await candidates.nth(i).locator(".candidate-pick").click();
      const replay = await page.getByLabel(/Replay: step/).count();
      const reason = await page.getByTestId("no-replay").count();
      expect(replay + reason, `candidate ${i + 1}`).toBe(1);
    }
    await candidates.first().locator(".candidate-pick").click();

    if (language === "bash") {
      // Shell options in the editor are not coloured red (the stock theme's colour for them, read as an error).
      const flag = page.locator(".code-editor .view-lines span span", { hasText: /^-mtime$/ }).first();
      await expect(flag).toBeVisible();
      const color = await flag.evaluate((el) => getComputedStyle(el).color);
      const [r, g, b] = (color.match(/\d+/g) ?? []).map(Number) as [number, number, number];
      expect(r > 150 && g < 80 && b < 80, `-mtime is ${color}`).toBe(false);
    }
    if (language === "cf") {
      // The README's example: the model reads the table's header, so the rule names Sales as c[2].
      const codes = await page.locator(".candidate-code").allInnerTexts();
      expect(codes).toContain("GreaterThan(c[2], 100)");
    }
    const path = process.env.DOCS_SCREENSHOTS ? `docs/screenshot-${language}.png` : `${SHOTS}/run-${language}.png`;
    await page.screenshot({ path, fullPage: true });
  });
}
