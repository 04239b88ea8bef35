// Requests made on this machine (localStorage only), to run again with one click; clearable.
import { languageInfo } from "../languages";
import type { RecentRequest } from "../recent";

/** The most characters of a request a Recent link shows; the whole request is its tooltip. */
export const RECENT_LABEL_CHARS = 80;

function label(prompt: string): string {
  const chars = [...prompt.replace(/\s+/g, " ").trim()];
  return chars.length <= RECENT_LABEL_CHARS ? chars.join("") : `${chars.slice(0, RECENT_LABEL_CHARS - 1).join("").trimEnd()}…`;
}

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
                <button type="button" className="link" onClick={() => onPick(r)} title={r.prompt}>
                  <span className="muted">{languageInfo(r.language).label}:</span> {label(r.prompt)}
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
