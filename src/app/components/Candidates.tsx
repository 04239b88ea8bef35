// The ranked, deduplicated top-k after a run: one tab per candidate with its score, a Copy button each (with a
// visible confirmation), and on destructive Bash candidates a danger badge and the reasons, placed before Copy.
import type { LanguageId } from "../../bundle/manifest";
import { analyzeCode } from "../../lang/analyze";
import type { RankedCandidate } from "../runState";
import { useCopyFeedback } from "../useCopyFeedback";
import { CandidateDangers } from "./CodeInsights";

interface Props {
  language: LanguageId;
  candidates: readonly RankedCandidate[];
  selected: number;
  onSelect: (index: number) => void;
}

export function Candidates({ language, candidates, selected, onSelect }: Props) {
  const { copied, copy } = useCopyFeedback<number>();
  if (candidates.length === 0) return null;

  return (
    <section className="candidates" aria-label="Candidates">
      <h2>Top {candidates.length}</h2>
      <ol role="list">
        {candidates.map((c, i) => {
          const { dangers, syntax } = analyzeCode(language, c.code);
          const dangerous = dangers.length > 0;
          const invalidPython = syntax !== null && !syntax.valid;
          return (
            <li
              key={`${i}:${c.code}`}
              className={`candidate${i === selected ? " selected" : ""}${dangerous ? " has-danger" : ""}`}
              data-testid="candidate"
            >
              <button
                type="button"
                className="candidate-pick"
                aria-pressed={i === selected}
                onClick={() => onSelect(i)}
                aria-label={`Show candidate ${i + 1}, score ${(c.score * 100).toFixed(0)}%`}
              >
                <span className="rank">#{i + 1}</span>
                <code className="candidate-code">{c.code || "(empty)"}</code>
                <span className="score">{(c.score * 100).toFixed(0)}%</span>
                {dangerous && (
                  <span className="badge danger-badge" data-testid="danger-badge">
                    ⚠ destructive
                  </span>
                )}
                {invalidPython && <span className="badge syntax-badge">does not parse</span>}
                {c.fromKnownRequest && (
                  <span
                    className="badge known-badge"
                    title={
                      c.knownRequest
                        ? `The code of the known request “${c.knownRequest.utterance}” (similarity ${(c.knownRequest.similarity * 100).toFixed(0)}%), as written`
                        : "The code of a similar known request, with your values filled in"
                    }
                  >
                    from a similar known request
                  </span>
                )}
                {c.knownRequest && (
                  <span className="known-source muted small" data-testid="known-source">
                    as asked: “{c.knownRequest.utterance}”
                  </span>
                )}
              </button>
              {/* the reasons come before Copy (in reading order and on screen), so nobody copies without seeing them */}
              {dangerous && <CandidateDangers id={`candidate-${i + 1}-dangers`} dangers={dangers} />}
              <button
                type="button"
                className="copy"
                onClick={() => void copy(i, c.code)}
                aria-label={`Copy candidate ${i + 1}`}
                aria-describedby={dangerous ? `candidate-${i + 1}-dangers` : undefined}
              >
                {copied === i ? "Copied ✓" : "Copy"}
              </button>
            </li>
          );
        })}
      </ol>
      <p className="visually-hidden" aria-live="polite">
        {copied !== null ? `Candidate ${copied + 1} copied to the clipboard` : ""}
      </p>
    </section>
  );
}
