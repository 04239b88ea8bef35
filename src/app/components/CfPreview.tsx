// Live preview of a generated Excel CF rule on a small table (logic in ../cfPreview.ts).
//
// Class names used (the stylesheet is written elsewhere):
//   cf-preview          the whole block (<section>)
//   cf-grid             the <table>
//   cf-corner           the empty top-left header cell
//   cf-col-head         column letter headers (<th scope="col">: A, B, C ...)
//   cf-row-head         row number headers (<th scope="row">: 1, 2, 3 ...)
//   cf-header-cell      cells of the table's own header row (spreadsheet row 1; never matched)
//   cf-cell             every data cell; cf-match in addition on the cells the rule formats
//   cf-match            a cell the rule matches (it also holds the visually hidden text "matches")
//   visually-hidden     text for screen readers only
//   cf-count            "N cells match" (polite live region)
//   cf-note             a note on how to read the highlight
//   cf-error            an error message (role="alert"): the rule cannot be previewed, or the pasted table is refused
//   cf-own-table        the <details> "Use your own table"; cf-paste-label, cf-paste, cf-paste-hint, cf-actions inside it
//   cf-export           the rule out of the app: its formula rule and range, "Copy as formula", "Download .xlsx"
// With no rule yet (before the first request) the table is shown with its header, saying which columns a request
// may name; there is no count, error or export then.
// Data attributes: every cell of the grid has data-cell="A2" (its spreadsheet address; header row = row 1); matched
// cells have data-match="true"; the section has data-table="sample" | "pasted".
import { useId, useMemo, useState } from "react";
import type { CfTable } from "../../lang/cfInterpreter";
import { parseCfRule } from "../../lang/cfParser";
import { useCopyFeedback } from "../useCopyFeedback";
import {
  MAX_COLUMNS,
  MAX_ROWS,
  SAMPLE_TABLE,
  cellAddress,
  cellKey,
  cellText,
  columnLetter,
  parsePastedTable,
  previewRule,
  ruleFormula,
} from "../cfPreview";

/** The table the preview shows and the CF model reads the header of (App owns it: generation needs it too). */
export interface CfTableChoice {
  readonly table: CfTable;
  /** The user's own table (true) or SAMPLE_TABLE. */
  readonly pasted: boolean;
}

export const SAMPLE_TABLE_CHOICE: CfTableChoice = { table: SAMPLE_TABLE, pasted: false };

/** The column names the CF model may name in its rule (c[k] is column k of this header row). */
export function tableHeader(choice: CfTableChoice): string[] {
  return (choice.table[0] ?? []).map(cellText);
}

export function CfPreview({
  rule,
  choice,
  onChoice,
}: {
  rule: string;
  choice: CfTableChoice;
  onChoice: (choice: CfTableChoice) => void;
}) {
  const { table, pasted } = choice;
  const [draft, setDraft] = useState("");
  const [pasteError, setPasteError] = useState<string | null>(null);
  const pasteId = useId();
  const pasteErrorId = useId();
  const pasteHintId = useId();

  const empty = rule.trim() === "";
  const result = useMemo(() => previewRule(rule, table), [rule, table]);
  const width = useMemo(() => table.reduce((w, row) => Math.max(w, row.length), 0), [table]);
  const columns = Array.from({ length: width }, (_, c) => c);

  const apply = (): void => {
    const parsed = parsePastedTable(draft);
    if ("error" in parsed) {
      setPasteError(parsed.error);
      return;
    }
    setPasteError(null);
    onChoice({ table: parsed.table, pasted: true });
  };
  const reset = (): void => {
    setPasteError(null);
    setDraft("");
    onChoice(SAMPLE_TABLE_CHOICE);
  };

  const countText = result.ok ? `${result.count} ${result.count === 1 ? "cell matches" : "cells match"}` : "";
  const header = (table[0] ?? []).map(cellText);

  return (
    <section className="cf-preview" data-table={pasted ? "pasted" : "sample"}>
      <table className="cf-grid">
        <caption>
          {empty
            ? `${pasted ? "Your table" : "A sample table"}: a CF request can name its columns (${header
                .map((name, c) => `${name || columnLetter(c)} = c[${c}]`)
                .join(", ")}); the rule is previewed here`
            : `${pasted ? "Preview of the rule on your table" : "Preview of the rule on a sample table"} (column A is c[0], B is c[1], …)`}
        </caption>
        <thead>
          <tr>
            <td className="cf-corner" />
            {columns.map((c) => (
              <th key={c} scope="col" className="cf-col-head">
                {columnLetter(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.map((row, r) => (
            <tr key={r}>
              <th scope="row" className="cf-row-head">
                {r + 1}
              </th>
              {columns.map((c) => {
                const text = cellText(row[c]);
                const address = cellAddress(r, c);
                if (r === 0)
                  return (
                    <td key={c} className="cf-header-cell" data-cell={address}>
                      {text}
                    </td>
                  );
                const match = result.ok && result.highlighted.has(cellKey(r, c));
                return (
                  <td
                    key={c}
                    className={match ? "cf-cell cf-match" : "cf-cell"}
                    data-cell={address}
                    data-match={match ? "true" : undefined}
                  >
                    {text}
                    {match && <span className="visually-hidden"> (matches)</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>

      <p className="cf-count" aria-live="polite">
        {countText}
      </p>
      {result.ok && result.note && <p className="cf-note">{result.note}</p>}
      {!result.ok && !empty && (
        <p className="cf-error" role="alert">
          {result.message}
        </p>
      )}
      {result.ok && <CfExport rule={rule} table={table} />}

      <details className="cf-own-table">
        <summary>Use your own table</summary>
        <label className="cf-paste-label" htmlFor={pasteId}>
          Paste cells (tab- or comma-separated)
        </label>
        <textarea
          id={pasteId}
          className="cf-paste"
          rows={6}
          spellCheck={false}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          aria-describedby={pasteError ? `${pasteHintId} ${pasteErrorId}` : pasteHintId}
          aria-invalid={pasteError ? true : undefined}
          placeholder={"Name\tSales\nAcme\t120"}
        />
        <p id={pasteHintId} className="cf-paste-hint">
          The first row is the header. At most {MAX_ROWS} rows below it and {MAX_COLUMNS} columns. The model reads the
          header: a request that names a column (&ldquo;sales above 100&rdquo;) gets a rule on that column, so generate
          again after applying your table.
        </p>
        <div className="cf-actions">
          <button type="button" onClick={apply}>
            Apply
          </button>
          <button type="button" onClick={reset}>
            Reset
          </button>
        </div>
        {pasteError && (
          <p id={pasteErrorId} className="cf-error" role="alert">
            {pasteError}
          </p>
        )}
      </details>
    </section>
  );
}

/** The rule out of the app: as a formula rule for its range (copy it), and as a workbook with it applied. */
function CfExport({ rule, table }: { rule: string; table: CfTable }) {
  const formula = useMemo(() => ruleFormula(rule, table), [rule, table]);
  const visual = useMemo(() => {
    const parsed = parseCfRule(rule);
    return parsed.ok && parsed.rule.kind === "visual";
  }, [rule]);
  const { copied, copy } = useCopyFeedback<"formula">();
  const [download, setDownload] = useState<{ state: "idle" | "busy" } | { state: "failed"; reason: string }>({ state: "idle" });

  const save = async (): Promise<void> => {
    setDownload({ state: "busy" });
    try {
      const { downloadCfWorkbook } = await import("../xlsxExport");
      const result = await downloadCfWorkbook(rule, table);
      setDownload(result.ok ? { state: "idle" } : { state: "failed", reason: result.reason });
    } catch (e) {
      setDownload({ state: "failed", reason: e instanceof Error ? e.message : String(e) });
    }
  };

  return (
    <div className="cf-export" data-testid="cf-export">
      {formula.ok ? (
        <>
          <p>
            As a formula rule: <code data-testid="cf-formula">{formula.formula}</code>, applied to{" "}
            <code data-testid="cf-range">{formula.ranges.join(", ")}</code>
          </p>
          <p className="muted small">
            Select {formula.ranges.join(" and ")}, then in Excel: Conditional Formatting → New Rule → “Use a formula to
            determine which cells to format”; in Google Sheets: Format → Conditional formatting → “Custom formula is”; in
            LibreOffice: Format → Conditional → Condition → “Formula is”. The formula is written for {formula.anchor}, the
            range’s top-left cell.
          </p>
        </>
      ) : (
        <p data-testid="cf-formula-none">
          No formula rule for this one: {formula.reason}.
        </p>
      )}
      <div className="cf-actions">
        <button type="button" disabled={!formula.ok} onClick={() => formula.ok && void copy("formula", formula.formula)}>
          {copied === "formula" ? "Copied ✓" : "Copy as formula"}
        </button>
        <button type="button" disabled={(!formula.ok && !visual) || download.state === "busy"} onClick={() => void save()}>
          {download.state === "busy" ? "Preparing…" : "Download .xlsx"}
        </button>
      </div>
      {download.state === "failed" && (
        <p className="cf-error" role="alert">
          The workbook could not be made: {download.reason}.
        </p>
      )}
    </div>
  );
}
