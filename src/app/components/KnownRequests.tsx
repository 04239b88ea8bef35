// The similar known requests the model read beside the user's (retrieval): each a training request and its code as
// written, with its similarity and which candidate (if any) comes from it. Above them, where the candidates marked
// "from a similar known request" come from, which is not always this list: the Bash model ranks the codes of many
// more known requests by the noisy channel. The same request and code listed twice in the data is shown once.
import type { SamplerDefaults } from "../../bundle/manifest";
import type { KnownRequest } from "../../engine/engine";
import { normalizeWhitespace } from "../../lang/whitespace";
import type { RankedCandidate } from "../runState";

interface Props {
  requests: readonly KnownRequest[];
  candidates: readonly RankedCandidate[];
  /** The loaded model's sampler: which ranking gave the known candidates, and from how many known requests. */
  sampler: SamplerDefaults | undefined;
}

/** The requests with each (request, code) pair once, at its first (most similar) place. */
export function distinctRequests(requests: readonly KnownRequest[]): KnownRequest[] {
  const seen = new Set<string>();
  return requests.filter((r) => {
    const key = `${normalizeWhitespace(r.utterance).toLowerCase()}\u0000${normalizeWhitespace(r.code)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function whereFrom(sampler: SamplerDefaults | undefined, shown: number): string | null {
  const pool = sampler?.pool_retrieved ?? 0;
  if (!sampler || pool === 0) return null;
  const read = `The model read ${shown === 1 ? "this known request" : `these ${shown} known requests`} beside yours.`;
  switch (sampler.rank) {
    case "channel":
      return `${read} The candidates marked “from a similar known request” are codes of the ${sampler.channel_scan ?? 100} known requests most similar to yours, ranked by how well each code explains the words of your request (a noisy channel), so the most similar requests need not be among them.`;
    case "retrieval-first":
      return `${read} The candidates marked “from a similar known request” are the codes, as written, of the ${pool} known requests most similar to yours, in order of similarity.`;
    case "denoise":
      return `${read} The candidates marked “from a similar known request” are the codes of the ${pool} known requests most similar to yours, with your values put in where your request has them, ranked together with the model's own samples by how easily the model reconstructs each.`;
    default:
      return `${read} The candidates marked “from a similar known request” are the codes of the ${pool} known requests most similar to yours (these first), with your values put in where your request has them, ranked by how easily the model reconstructs each.`;
  }
}

export function KnownRequests({ requests, candidates, sampler }: Props) {
  if (requests.length === 0) return null;
  const shown = distinctRequests(requests);
  const explanation = whereFrom(sampler, shown.length);
  const candidateOf = (r: KnownRequest): number =>
    candidates.findIndex(
      (c) =>
        c.fromKnownRequest &&
        // the candidate taken from this request's code (or from another request with the same code)
        normalizeWhitespace(c.knownRequest?.code ?? c.code) === normalizeWhitespace(r.code),
    );
  return (
    <section className="known-requests" aria-label="Similar known requests">
      <h2>Similar known requests</h2>
      {explanation && (
        <p className="muted small" data-testid="known-requests-explained">
          {explanation}
        </p>
      )}
      <ul role="list">
        {shown.map((r, i) => {
          const index = candidateOf(r);
          return (
            <li key={`${i}:${r.utterance}`} data-testid="known-request">
              <span className="known-utterance">{r.utterance}</span>
              <code className="known-code">{r.code}</code>
              <span className="muted small">
                {" "}
                similarity {(r.similarity * 100).toFixed(0)}% · {index >= 0 ? `candidate #${index + 1}` : "not among the candidates"}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
