// What the app can say about a piece of generated code, per language. Nothing is ever executed:
//   Bash: destructive patterns (the metric suite's danger table) and what each utility and flag does (tldr table);
//   Python: whether it parses (the metric suite's parser), with the place it stops;
//   CF rules: a live preview of the rule on a sample table (the metric suite's interpreter).
import { useEffect, useState } from "react";
import type { LanguageId } from "../../bundle/manifest";
import { findDangers, type Danger } from "../../lang/bash";
import type { UtilityExplanation } from "../../lang/bashExplain";
import { checkPythonSyntax } from "../../lang/python";
import { CfPreview, type CfTableChoice } from "./CfPreview";

export function DangerWarning({ dangers }: { dangers: readonly Danger[] }) {
  if (dangers.length === 0) return null;
  return (
    <div className="danger" role="alert" data-testid="danger-warning">
      <strong>⚠ Destructive command — do not run it as is.</strong>
      <ul>
        {dangers.map((d) => (
          <li key={`${d.id}:${d.match}`}>
            <code>{d.match}</code>: {d.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}

type Explainer = typeof import("../../lang/bashExplain");

/** The explanation table is 1.4 MB: it is loaded the first time a Bash command is shown. */
let explainer: Promise<Explainer> | null = null;
function loadExplainer(): Promise<Explainer> {
  explainer ??= import("../../lang/bashExplain");
  return explainer;
}

function BashExplanation({ code }: { code: string }) {
  const [state, setState] = useState<{ items: UtilityExplanation[]; source: string } | null>(null);
  useEffect(() => {
    let live = true;
    void loadExplainer().then((m) => {
      if (live) setState({ items: m.explainBash(code), source: m.BASH_EXPLAIN_SOURCE });
    });
    return () => {
      live = false;
    };
  }, [code]);
  if (!state || state.items.length === 0) return null;
  return (
    <section className="explain" aria-label="What the command uses">
      <h3>What it uses</h3>
      <dl>
        {state.items.map((u) => (
          <div key={u.utility} className="explain-utility">
            <dt>
              <code>{u.utility}</code>
            </dt>
            <dd>
              {u.summary}
              {u.flags.length > 0 && (
                <ul>
                  {u.flags.map((f) => (
                    <li key={f.flag}>
                      <code>{f.flag}</code>: {f.description}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </div>
        ))}
      </dl>
      <p className="muted small">{state.source}</p>
    </section>
  );
}

export function PythonCheck({ code }: { code: string }) {
  const syntax = checkPythonSyntax(code);
  return syntax.valid ? (
    <p className="syntax-ok" data-testid="python-syntax">
      ✓ Parses as Python
    </p>
  ) : (
    <p className="syntax-error" data-testid="python-syntax">
      ✗ Does not parse as Python: {syntax.error?.message ?? "syntax error"}
    </p>
  );
}

export function CodeInsights({
  language,
  code,
  cfTable,
  onCfTable,
}: {
  language: LanguageId;
  code: string;
  /** The CF preview's table (its header also goes to the model with each CF request). */
  cfTable: CfTableChoice;
  onCfTable: (choice: CfTableChoice) => void;
}) {
  if (code.trim() === "") return null;
  switch (language) {
    case "bash":
      return (
        <div className="insights">
          <DangerWarning dangers={findDangers(code)} />
          <BashExplanation code={code} />
          <p className="muted small">The app never runs generated commands.</p>
        </div>
      );
    case "python":
      return (
        <div className="insights">
          <PythonCheck code={code} />
        </div>
      );
    case "cf":
      return (
        <div className="insights">
          <CfPreview rule={code} choice={cfTable} onChoice={onCfTable} />
        </div>
      );
  }
}
