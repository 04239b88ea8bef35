// Plain-text tables of an evaluation report: one per language, systems side by side.
import type { EvalReport, SystemReport } from "./metrics";
import { LANGUAGES } from "./predictions";

const METRIC_LABELS: Record<string, string> = {
  exact_match: "exact match",
  template_match: "template match",
  nlc2cmd: "NLC2CMD (x100, -100..100)",
  execution_match: "execution match",
  execution_match_tables_with_rows: "  on tables with rows",
  execution_match_header_only_probe: "  on header-only tables (probe)",
  bleu: "BLEU (CoNaLa, corpus)",
};

const cell = (x: number): string => x.toFixed(2).padStart(7);

function formatLanguage(language: string, systems: SystemReport[]): string {
  const labelWidth = 38;
  const colWidth = 24;
  const lines: string[] = [];
  const n = systems[0]?.n ?? 0;
  lines.push(`${language} (${n} items)`);
  lines.push("metric".padEnd(labelWidth) + systems.map((s) => s.system.slice(0, colWidth - 1).padEnd(colWidth)).join(""));
  lines.push("".padEnd(labelWidth) + systems.map(() => "    @1     @3     @5".padEnd(colWidth)).join(""));
  const metricNames = [...new Set(systems.flatMap((s) => Object.keys(s.metrics)))];
  for (const name of metricNames) {
    const subset = systems[0].subsets[name.replace("execution_match_", "")];
    const label = (METRIC_LABELS[name] ?? name) + (subset !== undefined ? ` [${subset}]` : "");
    lines.push(
      label.padEnd(labelWidth) +
        systems
          .map((s) => {
            const m = s.metrics[name];
            return (m ? cell(m.top1) + cell(m.top3) + cell(m.top5) : "").padEnd(colWidth);
          })
          .join(""),
    );
  }
  const single = (label: string, value: (s: SystemReport) => string): void => {
    lines.push(label.padEnd(labelWidth) + systems.map((s) => value(s).padStart(7).padEnd(colWidth)).join(""));
  };
  single("syntax valid, top-1 (%)", (s) => s.syntaxValid.top1.toFixed(2));
  single("syntax valid, all candidates (%)", (s) => s.syntaxValid.allCandidates.toFixed(2));
  single("top-5 distinct 1/2/3/4-grams", (s) =>
    [s.diversity.distinct1, s.diversity.distinct2, s.diversity.distinct3, s.diversity.distinct4].map((d) => d.toFixed(2)).join("/"),
  );
  single("top-5 mean pairwise edit distance", (s) => s.diversity.editDistance.toFixed(3));
  return lines.join("\n");
}

export function formatReport(report: EvalReport): string {
  return LANGUAGES.filter((l) => report[l]?.length)
    .map((l) => formatLanguage(l, report[l] ?? []))
    .join("\n\n");
}
