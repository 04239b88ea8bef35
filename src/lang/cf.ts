/**
 * The rule language of the CodeFusion Excel conditional-formatting (CF) data: parser, interpreter and (in
 * cfExecutionMatch.ts) execution match. Used by `npm run eval` and by the app's live preview.
 *
 *   parseCfRule(text)               -> {ok: true, rule} | {ok: false, error: {message, position}}   (never throws)
 *   evaluateCfRule(rule, table)     -> {executable: true, cells: [{row, col}], ...} | {executable: false, reason}
 *   runCfRule(text, table)          -> both in one go
 *   cfExecutionMatch(gold, pred, t) -> {match, usedProbe, reason?}
 *
 * FORMS, with the number of rules using each (train 712 items / test 178 items / distinct pretraining snippets 3,498 /
 * all 226,468 snippet lines; `cfFormCounts` in cfInventory.ts, printed by cf.test.ts). Names are case-insensitive.
 *   GreaterThan 67/16/323/9,935   LessThan 48/17/224/11,825   GreaterThanEqual 4/2/94/2,017 (+ GreaterThanEquals 0/1/0/0)
 *   LessThanEqual 0/1/67/1,041    Equals 10/6/64/13,018       NotEquals 0/0/15/2,480       Between 28/9/451/3,903
 *   TextContains 72/18/1,146/12,469   TextEquals 70/25/1,107/26,742   TextStartsWith 1/3/0/0   StartsWith 0/3/0/0
 *   EndsWith 0/3/0/0   top 97/0/25/17,428 (+ Top 1/9)   bottom 68/0/19/16,235 (+ Bottom 0/6)   TopPercent 0/5
 *   BottomPercent 0/1   aboveAverage 20/0/0/0 (+ AboveAverage 0/7)   belowAverage 16/0/1/1,258 (+ BelowAverage 0/3)
 *   Duplicate 47/3/1/32,488   Duplicates 0/12   Blanks 5/8/2/7   Errors 0/1/1/20,926   ColorScale 105/5/1/50,363
 *   DataBar 19/10/1/5,227   IconSet 34/5/0/0   AND 3/7/63/1,766   OR 4/5/36/585   NOT 4/6/68/1,837 (+ Not 0/1)
 *   LastMonth 0/1   LEN(c[k]) 0/1   column form c[k] 0/114   'quoted'/"quoted" text 0/25/29/141.
 * Also accepted (not in the data): NoBlanks, NoErrors, Unique(s), Yesterday/Today/Tomorrow/Last7Days/LastWeek/
 * ThisWeek/NextWeek/ThisMonth/NextMonth, GreaterThanOrEqual/LessThanOrEqual/LessThanEquals/Equal/NotEqual,
 * TextEndsWith, ABS/TRIM/UPPER/LOWER(c[k]).
 *
 * SYNTAX. `Name(args)`. Old style (train, snippets, header-only test items): the rule applies to the formatted cell,
 * `GreaterThan(25)`, `top(10%)`, `TextContains(Mon Jun 15)`. New style (114 test items): a 0-based column first,
 * `GreaterThan(c[2], 0)`, `Top(c[4], 5)`, `TextEquals(c[6], 'No')`, `GreaterThan(c[2], c[1])`, `GreaterThan(LEN(c[0]), 6)`.
 * Text arguments are usually unquoted and taken verbatim: spaces, commas, unicode and parentheses included, even an
 * unclosed '(' (`TextEquals(City, Country)`, `TextContains(Yes-adhoc(if needed)`, `TextContains(()`); quoted text
 * ('x' or "x") loses its quotes; `""` is the empty text. Numbers: 12, -0.5, 2E+36, 50% (= 0.5); top/bottom take N or
 * N% and default to 10 (`Bottom(c[1])`). AND()/OR() with no rule are true/false (one snippet: `OR(TextEquals(0),OR())`).
 *
 * RANGE. A rule without c[k] applies to every data cell of the table (all columns, the pandas "Index" column of the
 * CodeFusion tables included); a rule with c[k] applies to the columns it names as subject (the c[1] of
 * `GreaterThan(c[2], c[1])` is only read). Conditions on several columns (`AND(GreaterThan(c[2], 0), TextEquals(c[3],
 * 'Worldwide'))`) are evaluated per row and select the named columns of the rows where they hold. The header row is
 * never selected; rows are numbered 0.. over the data rows. Statistics (top/bottom, above/below average, duplicates,
 * unique) are computed per column -- the column named with c[k], else each column separately -- since every rule of
 * the data targets one column's values (Excel computes them over the applied range, here that column).
 *
 * CELLS. Numbers, numeric strings ("619.5", " 12 ", "1,500", "50%") and dates written as text (2022-12-06, d/m/yyyy or
 * m/d/yyyy decided per column, as Excel serial numbers) are numeric; "" and whitespace-only cells are blank; #N/A,
 * #DIV/0!, #VALUE!, #REF!, #NAME?, #NUM!, #NULL!, #SPILL!, #CALC! ... and the data's own "#ERR" are errors; booleans
 * read as TRUE/FALSE text; anything else is text.
 *
 * SEMANTICS (Excel's, where sensible).
 *  - GreaterThan/LessThan/...(number): numeric cells only. Deviation from Excel, on purpose: Excel treats a blank as 0
 *    and text as greater than every number; here blanks, text, booleans and errors never satisfy a numeric comparison
 *    (the data's cells lost their types in the export, and "less than 5" is never meant to paint blanks or labels).
 *    Equals(text) compares text case-insensitively; Equals("") selects blanks; NotEquals = NOT Equals (errors aside).
 *  - Between(a, b): inclusive, bounds in either order (Excel's dialog rule behaves the same), so swapped bounds match.
 *  - TextContains/TextEquals/(Text)StartsWith/(Text)EndsWith: case-insensitive on the cell's text (numbers included,
 *    "404" contains "0"); no wildcards; errors never match (NOT(TextContains(x)) does select them, as Excel's "does
 *    not contain" = ISERROR(SEARCH(...)) does).
 *  - top/bottom N: numeric cells of the column, every cell tied with the N-th value included; N% means
 *    max(1, floor(count * N / 100)) items, as Excel. aboveAverage/belowAverage: strictly above/below the mean of the
 *    numeric cells. Duplicate(s)/Unique: non-blank, non-error cells; text case-insensitive; "1" equals 1.
 *  - Blanks/NoBlanks, Errors/NoErrors: as above. Date rules (LastMonth ...): dates relative to options.today.
 *  - ColorScale/DataBar/IconSet format every numeric cell of the range and nothing else (Excel draws scales, bars and
 *    icons only for numbers): they select the numeric cells, so they match each other and `GreaterThan(-1e300)`.
 *
 * NOT EXECUTABLE (parsed, with a reason): Office Scripts object-model code, 3 train items (`TextEquals(Male",formula2:
 * undefined,operator:ExcelScript...` -- an extraction artefact of the dataset); Excel formula rules, 2 test items
 * (796 `SUMPRODUCT(($D4<=$E$4:$E$8)*($E4>=$D$4:$D$8))>1`, 828 `$A2=$A3`: they need a formula engine and the anchor of
 * the range they were written for); a column the table lacks, 1 test item (782 `NOT(Duplicates(c[2]))` on a 2-column
 * table). PARSE ERRORS in the data: test 730 `--`, 736 `if(NOT(isBlank($Sheet1!I2), make green, make red)` (unbalanced)
 * and 740 (empty). Executed share: train 709/712 = 99.58%, test 172/178 = 96.63%, snippets 3,498/3,498 distinct and
 * 226,468/226,468 lines = 100%.
 */
export * from "./cfParser";
export * from "./cfInterpreter";
export * from "./cfExecutionMatch";
export * from "./cfInventory";
import { parseCfRule } from "./cfParser";
import { evaluateCfRule, type CellSelection, type CfTable, type EvaluateOptions } from "./cfInterpreter";

/** Parse and evaluate in one go; a parse error comes back as a non-executable selection. */
export function runCfRule(text: string, table: CfTable, options: EvaluateOptions = {}): CellSelection {
  const parsed = parseCfRule(text);
  if (!parsed.ok) return { executable: false, reason: `parse error at ${parsed.error.position}: ${parsed.error.message}` };
  return evaluateCfRule(parsed.rule, table, options);
}
