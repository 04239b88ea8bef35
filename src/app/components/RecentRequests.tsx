// Requests made on this machine (localStorage only), to run again with one click; clearable.
import { languageInfo } from "../languages";
import type { RecentRequest } from "../recent";

export function RecentRequests({ items, onPick, onClear }: { items: readonly RecentRequest[]; onPick: (r: RecentRequest) => void; onClear: () => void }) {
  return (
    <section className="recent" aria-label="Recent requests">
      <h2>Recent</h2>
      {items.length === 0 ? (
        <p className="muted small">Requests you make are kept here, on this machine only.</p>
      ) : (
        <>
          <ul>
            {items.map((r) => (
              <li key={`${r.at}:${r.language}:${r.prompt}`}>
                <button type="button" className="link" onClick={() => onPick(r)}>
                  <span className="muted">{languageInfo(r.language).label}:</span> {r.prompt}
                </button>
              </li>
            ))}
          </ul>
          <button type="button" onClick={onClear}>
            Clear recent requests
          </button>
        </>
      )}
    </section>
  );
}
