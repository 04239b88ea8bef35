// What the app can tell about a piece of generated code, in one place for every view (the candidates list, the
// editor's marker, the insights under the editor). Nothing is ever executed:
//   Bash: destructive patterns (bashDanger.ts) and what each utility and flag does (bashExplain.ts, loaded lazily);
//   Python: whether it parses (python.ts), and where it stops, as an editor marker;
//   CF rules: nothing here (the app previews the rule on a table instead, src/app/cfPreview.ts).
import type { LanguageId } from "../bundle/manifest";
import { findDangers, type Danger } from "./bashDanger";
import type { UtilityExplanation } from "./bashExplain";
import { checkPythonSyntax, type PythonSyntax } from "./python";

/** A syntax error as the editor marks it: the message and the 0-based offset into the code. */
export interface SyntaxMarker {
  message: string;
  offset: number;
}

export interface BashExplanations {
  items: UtilityExplanation[];
  /** The attribution line of the explanation table: show it with the explanations. */
  source: string;
}

export interface CodeAnalysis {
  /** Destructive patterns found (Bash); empty for the other languages. */
  dangers: Danger[];
  /** The syntax verdict (Python); null where no syntax is checked. */
  syntax: PythonSyntax | null;
  /** Where the editor marks the syntax error; null when the code parses or is not checked. */
  marker: SyntaxMarker | null;
  /** Loads the explanations of the utilities and flags used (Bash); null for the other languages. */
  explain: (() => Promise<BashExplanations>) | null;
}

type Explainer = typeof import("./bashExplain");

/** The explanation table is 0.78 MB (778,149 bytes of JSON): it is loaded (a chunk of its own) the first time a Bash command is explained. */
let explainer: Promise<Explainer> | null = null;
function loadExplainer(): Promise<Explainer> {
  explainer ??= import("./bashExplain");
  return explainer;
}

export function analyzeCode(language: LanguageId, code: string): CodeAnalysis {
  switch (language) {
    case "bash":
      return {
        dangers: findDangers(code),
        syntax: null,
        marker: null,
        explain: async () => {
          const m = await loadExplainer();
          return { items: m.explainBash(code), source: m.BASH_EXPLAIN_SOURCE };
        },
      };
    case "python": {
      const syntax = checkPythonSyntax(code);
      const marker = syntax.valid || !syntax.error ? null : { message: syntax.error.message, offset: syntax.error.position };
      return { dangers: [], syntax, marker, explain: null };
    }
    case "cf":
      return { dangers: [], syntax: null, marker: null, explain: null };
  }
}
