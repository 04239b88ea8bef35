// The similar known requests the model read beside the user's (retrieval): where an answer may come from. Each is a
// training request and its code as written; the candidates marked "from a similar known request" are these codes
// with the user's own literals filled in.
import type { KnownRequest } from "../../engine/engine";

interface Props {
  requests: readonly KnownRequest[];
}

export function KnownRequests({ requests }: Props) {
  if (requests.length === 0) return null;
  return (
    <section className="known-requests" aria-label="Similar known requests">
      <h2>Similar known requests</h2>
      <ul role="list">
        {requests.map((r, i) => (
          <li key={`${i}:${r.utterance}`} data-testid="known-request">
            <span className="known-utterance">{r.utterance}</span>
            <code className="known-code">{r.code}</code>
            <span className="muted small"> similarity {(r.similarity * 100).toFixed(0)}%</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
