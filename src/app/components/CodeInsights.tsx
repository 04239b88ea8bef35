// What the app can say about a piece of generated code, per language, as src/lang/analyze.ts found it. Nothing is
// ever executed:
//   Bash: destructive patterns (the metric suite's danger table) and what each utility and flag does (tldr table);
//   Python: whether it parses (the metric suite's parser), with the place it stops;
//   CF rules: a live preview of the rule on a sample table (the metric suite's interpreter).
import { useEffect, useState } from "react";
import type { LanguageId } from "../../bundle/manifest";
import type { Danger } from "../../lang/bash";
import type { BashExplanations, CodeAnalysis } from "../../lang/analyze";
import type { PythonSyntax } from "../../lang/python";
import { CfPreview, type CfTableChoice } from "./CfPreview";

export function DangerWarning({ dangers }: { dangers: readonly Danger[] }) {
  if (dangers.length === 0) return null;
  return (
    <div className="danger" role="alert" data-testid="danger-warning" id="danger-warning">
      <strong>⚠ Destructive command: read what it changes before you run it.</strong>
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

/** A destructive candidate's reasons, one line each, shown in the candidate list before its Copy button. */
export function CandidateDangers({ id, dangers }: { id: string; dangers: readonly Danger[] }) {
  return (
    <ul id={id} className="candidate-dangers" data-testid="candidate-danger" aria-label="Why this command is destructive">
      {dangers.map((d) => (
        <li key={`${d.id}:${d.match}`}>
          ⚠ <code>{d.match}</code>: {d.reason}
        </li>
      ))}
    </ul>
  );
}

/** The explanations load lazily (the table is 0.8 MB): shown once they are there. */
function BashExplanation({ explain }: { explain: () => Promise<BashExplanations> }) {
  const [state, setState] = useState<BashExplanations | null>(null);
  useEffect(() => {
    let live = true;
    void explain().then((explained) => {
      if (live) setState(explained);
    });
    return () => {
      live = false;
    };
  }, [explain]);
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

export function PythonCheck({ syntax }: { syntax: PythonSyntax }) {
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
  analysis,
  cfTable,
  onCfTable,
}: {
  language: LanguageId;
  code: string;
  /** analyzeCode(language, code). */
  analysis: CodeAnalysis;
  /** The CF preview's table (its header also goes to the model with each CF request). */
  cfTable: CfTableChoice;
  onCfTable: (choice: CfTableChoice) => void;
}) {
  // the CF table stays when the editor is emptied: it says which columns a request may name
  if (code.trim() === "" && language !== "cf") return null;
  switch (language) {
    case "bash":
      return (
        <div className="insights">
          <DangerWarning dangers={analysis.dangers} />
          {analysis.explain && <BashExplanation explain={analysis.explain} />}
          <p className="muted small">The app never runs generated commands.</p>
        </div>
      );
    case "python":
      return (
        <div className="insights">
          {analysis.syntax && <PythonCheck syntax={analysis.syntax} />}
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
