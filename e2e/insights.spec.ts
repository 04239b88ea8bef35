// What the page says about a result is true, and a CF rule leaves the page (issue 20), in Chromium with the shipped
// models: a destructive Bash candidate shows its reasons before its Copy button; a flag is explained by what the
// option means (-mtime: modification time); the CF sample table and its header are there before the first request;
// "Copy as formula" and the downloaded .xlsx, evaluated by a formula engine, format the cells the preview highlights.
import { readFile } from "node:fs/promises";
import ExcelJS from "exceljs";
import { expect, test, type Page } from "@playwright/test";
import { findDangers } from "../src/lang/bashDanger";
import { sheetCells, type SheetCell } from "../src/lang/cfFormula";
import { SAMPLE_TABLE } from "../src/app/cfPreview";
import { formattedCells, type EngineCell } from "../tests/cfFormulaEngine";
import { SHOTS, generateAt, typeInEditor } from "./helpers";

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

test("Bash: a destructive candidate's reasons come before its Copy button; -mtime is modification time", async ({ page }) => {
  await generateAt(page, "/?lang=bash&steps=20&n=5&seed=11", "find all .log files older than 7 days and delete them");
  const candidates = page.getByTestId("candidate");
  const count = await candidates.count();
  let destructive = 0;
  for (let i = 0; i < count; i++) {
    const item = candidates.nth(i);
    const code = (await item.locator(".candidate-code").textContent()) ?? "";
    const dangers = findDangers(code);
    const reasons = item.getByTestId("candidate-danger");
    await expect(reasons, `candidate ${i + 1}: ${code}`).toHaveCount(dangers.length > 0 ? 1 : 0);
    if (dangers.length === 0) continue;
    destructive++;
    for (const d of dangers) await expect(reasons).toContainText(d.reason);
    await expect(reasons).toBeVisible();
    // before Copy in the document (what a screen reader and the tab order meet first) and on screen (left of it)
    const order = await item.evaluate((li) => {
      const warning = li.querySelector('[data-testid="candidate-danger"]');
      const copy = li.querySelector("button.copy");
      return warning && copy ? warning.compareDocumentPosition(copy) & Node.DOCUMENT_POSITION_FOLLOWING : -1;
    });
    expect(order, `candidate ${i + 1}: the warning precedes Copy`).toBeGreaterThan(0);
    const [w, c] = [await reasons.boundingBox(), await item.locator("button.copy").boundingBox()];
    expect(w !== null && c !== null && w.x + w.width <= c.x + 1).toBe(true);
    await expect(item.locator("button.copy")).toHaveAttribute("aria-describedby", /dangers/);
  }
  // the request asks to delete: the model's answers do, and each says so
  expect(destructive).toBeGreaterThan(0);
  await page.screenshot({ path: `${SHOTS}/bash-candidate-danger.png`, fullPage: true });

  // the editor's own Copy code: a destructive command there is flagged before it, its reasons under the editor
  await typeInEditor(page, "kill -9 $(lsof -t -i:8080)");
  await expect(page.getByTestId("editor-danger")).toBeVisible();
  await expect(page.getByTestId("danger-warning")).toContainText("chosen by another command");
  const badgeFirst = await page.locator(".editor-toolbar").evaluate((bar) => {
    const badge = bar.querySelector('[data-testid="editor-danger"]');
    const copy = [...bar.querySelectorAll("button")].find((b) => /Copy code/.test(b.textContent ?? ""));
    return badge && copy ? (badge.compareDocumentPosition(copy) & Node.DOCUMENT_POSITION_FOLLOWING) > 0 : false;
  });
  expect(badgeFirst).toBe(true);
  await typeInEditor(page, "find /tmp -name '*.tmp' -delete");
  await expect(page.getByTestId("danger-warning")).toContainText("Deletes every file that find matches");

  await typeInEditor(page, "find . -type f -mtime -1 -print");
  await expect(page.getByTestId("editor-danger")).toHaveCount(0);
  const explanations = page.getByRole("region", { name: "What the command uses" });
  await expect(explanations).toContainText("-mtime: Modification time, in days");
  await expect(explanations).toContainText("-print: Print the path of each match");
  await expect(explanations).not.toContainText("Find all files modified today");
  await typeInEditor(page, "tar -xvf logs.tar && split -l 1000 big.log part_");
  await expect(explanations).toContainText("-v: Verbose: list each file as it is processed");
  await expect(explanations).toContainText("-l: Put this many lines in each output file");
});

test("CF: the sample table and its header are there before the first request", async ({ page }) => {
  await page.goto("/?lang=cf");
  const preview = page.locator(".cf-preview");
  await expect(preview).toBeVisible();
  await expect(page.getByTestId("candidate")).toHaveCount(0);
  const header = SAMPLE_TABLE[0]!.map(String);
  for (const [c, name] of header.entries()) await expect(preview.locator(`[data-cell="${String.fromCharCode(65 + c)}1"]`)).toHaveText(name);
  await expect(preview.locator("caption")).toContainText("Customer = c[0]");
  await expect(preview.locator("caption")).toContainText("Paid = c[4]");
  // nothing to preview yet: no error, no export
  await expect(preview.locator(".cf-error")).toHaveCount(0);
  await expect(page.getByTestId("cf-export")).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/cf-before-request.png`, fullPage: true });
});

function engineCell(cell: SheetCell): EngineCell {
  if (cell.kind === "blank") return null;
  if (cell.kind === "error") return { error: cell.value };
  return cell.value;
}

function readBackValue(value: ExcelJS.CellValue): EngineCell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.getTime() / 86_400_000 + 25_569;
  if (typeof value === "object" && "error" in value) return { error: String(value.error) };
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  throw new Error(`unexpected cell value ${JSON.stringify(value)}`);
}

async function highlighted(page: Page): Promise<string[]> {
  return page.locator('.cf-preview [data-match="true"]').evaluateAll((cells) => cells.map((c) => c.getAttribute("data-cell") ?? ""));
}

test("CF: Copy as formula and the downloaded .xlsx format the cells the preview highlights", async ({ page }) => {
  await generateAt(page, "/?lang=cf&steps=10&n=3&seed=7", "highlight sales above 100");
  const sheet = sheetCells(SAMPLE_TABLE).map((row) => row.map(engineCell));
  for (const rule of ["GreaterThan(c[2], 100)", "TextEquals(c[4], No)", "top(c[2], 3)", "AND(TextEquals(c[4], Yes), LessThan(c[2], 200))"]) {
    await typeInEditor(page, rule);
    const formulaBox = page.getByTestId("cf-formula");
    await expect(page.locator(".cf-preview")).toHaveAttribute("data-table", "sample");
    await expect(formulaBox).toBeVisible();
    const cells = await highlighted(page);
    expect(cells.length, rule).toBeGreaterThan(0);
    await expect(page.locator(".cf-count")).toHaveText(`${cells.length} ${cells.length === 1 ? "cell matches" : "cells match"}`);

    // Copy as formula: what is copied is the formula shown; evaluated on the sample table over its range
    const formula = (await formulaBox.textContent()) ?? "";
    const ranges = ((await page.getByTestId("cf-range").textContent()) ?? "").split(", ");
    await page.getByRole("button", { name: "Copy as formula" }).click();
    await expect(page.getByRole("button", { name: "Copied ✓" })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(formula);
    expect(formattedCells(sheet, formula, ranges), `${rule}: ${formula}`).toEqual(cells);

    // Download .xlsx: read back, its conditional format on the same range with the same formula, on its own values
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download .xlsx" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await readFile(await file.path())) as unknown as ArrayBuffer);
    const table = book.getWorksheet("Table");
    if (!table) throw new Error("no sheet Table");
    const values: EngineCell[][] = [];
    for (let r = 1; r <= SAMPLE_TABLE.length; r++) {
      values.push([]);
      for (let c = 1; c <= 5; c++) values[r - 1]!.push(readBackValue(table.getCell(r, c).value));
    }
    expect(values).toEqual(sheet);
    const formats = (table as unknown as { conditionalFormattings: ExcelJS.ConditionalFormattingOptions[] }).conditionalFormattings;
    expect(formats).toHaveLength(1);
    expect(formats[0]!.ref).toBe(ranges.join(" "));
    const written = (formats[0]!.rules[0] as ExcelJS.ExpressionRuleType).formulae?.[0] ?? "";
    expect(`=${written}`).toBe(formula);
    expect(formattedCells(values, `=${written}`, formats[0]!.ref.split(" ")), `${rule} in the .xlsx`).toEqual(cells);
  }
  await page.screenshot({ path: `${SHOTS}/cf-export.png`, fullPage: true });

  // a rule with no formula says why, and offers no copy
  await typeInEditor(page, "TextContains(c[3], 2024)");
  await expect(page.getByTestId("cf-formula-none")).toContainText("date");
  await expect(page.getByRole("button", { name: "Copy as formula" })).toBeDisabled();
});
