// Which models this browser keeps (Cache Storage), their size, a button to delete each, and the storage estimate.
// The cache belongs to the worker: it is read and emptied through the engine hook's messages (listCache,
// clearCache), never on the main thread.
import { useCallback, useEffect, useState } from "react";
import type { LanguageId } from "../../bundle/manifest";
import type { CachedFile } from "../../engine/protocol";
import { LANGUAGES, modelUrl } from "../languages";

interface CachedModel {
  language: LanguageId;
  bytes: number;
  files: number;
}

const MB = 1024 * 1024;

/** The cached files grouped by the model (language) whose bundle URL they lie under. */
function groupByModel(entries: readonly CachedFile[]): CachedModel[] {
  return LANGUAGES.map(({ id }) => {
    const base = modelUrl(id);
    const mine = entries.filter((e) => e.url.startsWith(base));
    return { language: id, bytes: mine.reduce((s, e) => s + e.bytes, 0), files: mine.length };
  }).filter((m) => m.files > 0);
}

interface Props {
  /** Changes whenever the cache may have changed (a load, a run): the list is read again. */
  refreshKey: string;
  current: LanguageId;
  listCache: () => Promise<CachedFile[]>;
  clearCache: (baseUrl: string) => Promise<number>;
}

export function ModelsPanel({ refreshKey, current, listCache, clearCache }: Props) {
  const [models, setModels] = useState<CachedModel[] | null>(null);
  const [estimate, setEstimate] = useState<{ usage: number; quota: number } | null>(null);
  const [message, setMessage] = useState("");

  const refresh = useCallback(async () => {
    try {
      setModels(groupByModel(await listCache()));
    } catch (err) {
      setModels([]);
      setMessage(`The cache could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    const e = await navigator.storage?.estimate?.().catch(() => null);
    setEstimate(e && e.quota ? { usage: e.usage ?? 0, quota: e.quota } : null);
  }, [listCache]);

  useEffect(() => {
    void refresh();
  }, [refresh, refreshKey]);

  const remove = async (language: LanguageId): Promise<void> => {
    let removed: number;
    try {
      removed = await clearCache(modelUrl(language));
    } catch (err) {
      setMessage(`The model could not be deleted: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    setMessage(
      `Deleted the ${LANGUAGES.find((l) => l.id === language)?.label} model from this browser (${removed} files).` +
        (language === current ? " It stays loaded until the page is reloaded." : ""),
    );
    await refresh();
  };

  return (
    <details className="models-panel">
      <summary>Models in this browser</summary>
      {models === null ? (
        <p className="muted">Reading the cache…</p>
      ) : models.length === 0 ? (
        <p className="muted">No model is cached yet; the next visit downloads it again.</p>
      ) : (
        <ul>
          {models.map((m) => (
            <li key={m.language} data-testid={`cached-${m.language}`}>
              {LANGUAGES.find((l) => l.id === m.language)?.label}: {(m.bytes / MB).toFixed(1)} MB ({m.files} files){" "}
              <button type="button" onClick={() => void remove(m.language)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      {estimate && (
        <p className="muted small">
          This site uses {(estimate.usage / MB).toFixed(1)} MB of the {(estimate.quota / MB / 1024).toFixed(1)} GB the
          browser allows it.
        </p>
      )}
      <p aria-live="polite" className="small">
        {message}
      </p>
    </details>
  );
}
