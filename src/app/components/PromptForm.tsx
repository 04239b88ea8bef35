// The request: language, prompt (with its token count), examples, Generate/Stop, and the sampler settings.
import { useEffect, useId, useState } from "react";
import type { LanguageId } from "../../bundle/manifest";
import { BACKENDS, type BackendName } from "../../engine/protocol";
import { LANGUAGES, languageInfo } from "../languages";
import { requestNotes } from "../requestChecks";
import { LIMITS, randomSeed, type RequestSettings } from "../urlState";
import type { TokenCount } from "../useEngine";
import { backendLabel } from "./ModelStatus";

interface Props {
  settings: RequestSettings;
  onChange: (settings: RequestSettings) => void;
  onGenerate: () => void;
  onStop: () => void;
  running: boolean;
  ready: boolean;
  countTokens: (text: string) => Promise<TokenCount | null>;
  /** Steps and samples not yet known: the model's defaults, once it is ready. */
  pendingDefaults: { steps: boolean; samples: boolean };
}

const NUMBER_SETTINGS = [
  { key: "steps", label: "Steps K" },
  { key: "samples", label: "Samples n" },
  { key: "seed", label: "Seed" },
] as const;

function clampInt(text: string, { min, max }: { min: number; max: number }, fallback: number): number {
  const value = Number.parseInt(text, 10);
  return Number.isFinite(value) ? Math.min(Math.max(value, min), max) : fallback;
}

export function PromptForm({ settings, onChange, onGenerate, onStop, running, ready, countTokens, pendingDefaults }: Props) {
  const promptId = useId();
  const tokensId = useId();
  const notesId = useId();
  const [tokens, setTokens] = useState<TokenCount | null>(null);
  const empty = settings.prompt.trim() === "";
  const notes = requestNotes(
    settings.prompt,
    tokens?.words !== undefined && tokens.unknownWords ? { words: tokens.words, unknownWords: tokens.unknownWords } : undefined,
  );
  const blocked = notes.some((n) => n.blocks);

  // The token count follows the prompt (debounced); the worker's tokenizer is the model's own.
  useEffect(() => {
    if (!ready || empty) {
      setTokens(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      void countTokens(settings.prompt).then((count) => {
        if (live) setTokens(count);
      });
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [settings.prompt, ready, empty, countTokens]);

  const set = (patch: Partial<RequestSettings>): void => onChange({ ...settings, ...patch });
  const over = tokens !== null && tokens.count > tokens.max;

  return (
    <form
      className="prompt-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!blocked && ready && !running) onGenerate();
      }}
    >
      <fieldset className="language-switch">
        <legend>Language</legend>
        {LANGUAGES.map((l) => (
          <label key={l.id} className={settings.language === l.id ? "selected" : undefined}>
            <input
              type="radio"
              name="language"
              value={l.id}
              checked={settings.language === l.id}
              onChange={() => set({ language: l.id as LanguageId })}
            />
            {l.label}
          </label>
        ))}
      </fieldset>

      <label htmlFor={promptId} className="prompt-label">
        What should the code do?
      </label>
      <textarea
        id={promptId}
        className="prompt"
        rows={3}
        value={settings.prompt}
        placeholder={languageInfo(settings.language).examples[0]}
        aria-describedby={`${tokensId} ${notesId}`}
        onChange={(e) => set({ prompt: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            if (!blocked && ready && !running) onGenerate();
          }
        }}
      />
      <p id={tokensId} className={over ? "token-count warning-text" : "token-count muted"} aria-live="polite">
        {tokens === null
          ? "Ctrl+Enter (⌘+Enter) generates."
          : over
            ? `${tokens.count} tokens: the model reads the first ${tokens.max}; the remaining ${tokens.count - tokens.max} are cut.`
            : `${tokens.count} of ${tokens.max} tokens used. Ctrl+Enter (⌘+Enter) generates.`}
      </p>
      <div id={notesId} aria-live="polite" className="request-notes">
        {notes.map((n) => (
          <p key={n.kind} className={n.kind === "empty" ? "muted small" : "warning-text small"} data-testid={`note-${n.kind}`}>
            {n.text}
          </p>
        ))}
      </div>

      <div className="examples" role="group" aria-label="Example requests">
        {languageInfo(settings.language).examples.map((example) => (
          <button key={example} type="button" className="chip" onClick={() => set({ prompt: example })}>
            {example}
          </button>
        ))}
      </div>

      <div className="actions">
        {running ? (
          <button type="button" className="primary" onClick={onStop}>
            Stop
          </button>
        ) : (
          <button
            type="submit"
            className="primary"
            disabled={blocked || !ready}
            aria-describedby={notesId}
            title={notes.find((n) => n.blocks)?.text ?? (ready ? undefined : "The model is still loading")}
          >
            Generate
          </button>
        )}
      </div>

      <details className="settings">
        <summary>
          Settings: {pendingDefaults.steps ? "the model's steps" : `${settings.steps} steps`},{" "}
          {pendingDefaults.samples ? "the model's samples" : `${settings.samples} samples`}, seed {settings.seed}
        </summary>
        <div className="settings-grid">
          {NUMBER_SETTINGS.map(({ key, label }) => (
            <label key={key}>
              {label}
              <input
                type="number"
                min={LIMITS[key].min}
                max={LIMITS[key].max}
                value={key !== "seed" && pendingDefaults[key] ? "" : settings[key]}
                placeholder={key !== "seed" && pendingDefaults[key] ? "the model's" : undefined}
                onChange={(e) => set({ [key]: clampInt(e.target.value, LIMITS[key], settings[key]) })}
              />
            </label>
          ))}
          <button type="button" onClick={() => set({ seed: randomSeed() })}>
            Shuffle seed
          </button>
          <label>
            Backend
            <select
              value={settings.backend ?? "auto"}
              onChange={(e) => {
                const value = e.target.value;
                const next = { ...settings };
                if (value === "auto") delete next.backend;
                else next.backend = value as BackendName;
                onChange(next);
              }}
            >
              <option value="auto">Automatic</option>
              {BACKENDS.map((b) => (
                <option key={b} value={b}>
                  {backendLabel(b)}
                </option>
              ))}
            </select>
          </label>
        </div>
      </details>
    </form>
  );
}
