// The ranked, deduplicated top-k after a run: one tab per candidate with its score, a Copy button each (with a
// visible confirmation), and on destructive Bash candidates a danger badge and the reasons, placed before Copy.
import type { LanguageId, RankMode } from "../../bundle/manifest";
import { analyzeCode } from "../../lang/analyze";
import { editOrigin, isTwoPart, knownOrigin, partsOf, scoreMeaning } from "../candidateText";
import type { RankedCandidate } from "../runState";
import { useCopyFeedback } from "../useCopyFeedback";
import { CandidateDangers } from "./CodeInsights";

interface Props {
  language: LanguageId;
  candidates: readonly RankedCandidate[];
  selected: number;
  onSelect: (index: number) => void;
  /** The loaded model's ranking (the ready message's sampler): what the scores are. */
  rank: RankMode | undefined;
}

export function Candidates({ language, candidates, selected, onSelect, rank }: Props) {
  const { copied, copy } = useCopyFeedback<number>();
  if (candidates.length === 0) return null;
  const parts = partsOf(candidates);
  // A two-part ranking scores its known codes and its samples apart: the samples get a heading of their own.
  const samplesFrom = isTwoPart(rank) && parts.known > 0 && parts.samples > 0 ? parts.known : -1;

  return (
    <section className="candidates" aria-label="Candidates">
      <h2>Top {candidates.length}</h2>
      <ol role="list">
        {candidates.map((c, i) => {
          const { dangers, syntax } = analyzeCode(language, c.code);
          const dangerous = dangers.length > 0;
          const invalidPython = syntax !== null && !syntax.valid;
          const origin = knownOrigin(c);
          const edited = editOrigin(c);
          const meaning = scoreMeaning(rank, c, parts);
          return [
            i === samplesFrom && (
              <li key="samples-heading" className="candidate-part muted small" data-testid="samples-heading">
                The model's own samples, ranked after the known codes; their scores are shares among the samples.
              </li>
            ),
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
                <span className="score" title={meaning} data-score={c.score} data-part={isTwoPart(rank) ? (c.fromKnownRequest ? "known" : "sample") : "all"}>
                  {(c.score * 100).toFixed(0)}%
                </span>
                {dangerous && (
                  <span className="badge danger-badge" data-testid="danger-badge">
                    ⚠ destructive
                  </span>
                )}
                {invalidPython && <span className="badge syntax-badge">does not parse</span>}
                {c.fromKnownRequest && (
                  <span className="badge known-badge" title={origin?.title ?? "The code of a similar known request"}>
                    from a similar known request
                  </span>
                )}
                {origin && (
                  <span className="known-source muted small" data-testid="known-source">
                    {origin.line}
                  </span>
                )}
                {edited && (
                  <span className="badge edit-badge" title={edited.title}>
                    {edited.badge}
                  </span>
                )}
                {edited && (
                  <span className="known-source muted small" data-testid="edit-source">
                    {edited.line}
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
            </li>,
          ];
        })}
      </ol>
      <p className="visually-hidden" aria-live="polite">
        {copied !== null ? `Candidate ${copied + 1} copied to the clipboard` : ""}
      </p>
    </section>
  );
}
