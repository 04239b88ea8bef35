// The page: a request on the left, the code condensing out of noise on the right, then the ranked candidates and
// what the app can tell about them. State lives in the URL (settings), in useEngine (model and run) and here
// (which candidate is shown, the replay position, the user's edits).
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { CodeEditor, type EditorMarker } from "./app/components/CodeEditor";
import { Candidates, copyText } from "./app/components/Candidates";
import { CodeInsights } from "./app/components/CodeInsights";
import { SAMPLE_TABLE_CHOICE, tableHeader, type CfTableChoice } from "./app/components/CfPreview";
import { KnownRequests } from "./app/components/KnownRequests";
import { DenoiseProgress } from "./app/components/DenoiseProgress";
import { ModelsPanel } from "./app/components/ModelsPanel";
import { ModelStatus } from "./app/components/ModelStatus";
import { PromptForm } from "./app/components/PromptForm";
import { RecentRequests } from "./app/components/RecentRequests";
import { Scrubber } from "./app/components/Scrubber";
import { languageInfo } from "./app/languages";
import { addRecent, clearRecent, loadRecent, type RecentRequest } from "./app/recent";
import { sampleAt } from "./app/runState";
import { readUrlState, writeUrlState, type RequestSettings } from "./app/urlState";
import { useEngine } from "./app/useEngine";
import { usePacedIndex } from "./app/usePacedIndex";
import { checkPythonSyntax } from "./lang/python";

declare global {
  interface Window {
    /** For tests and the curious: destroy the WebGPU device as a driver reset would. */
    codefusionDebug?: { loseDevice: () => void };
  }
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function App() {
  const engine = useEngine();
  const { status, run } = engine;
  const [settings, setSettings] = useState<RequestSettings>(() => readUrlState(location.search));
  const [recent, setRecent] = useState<RecentRequest[]>(() => {
    const storage = safeStorage();
    return storage ? loadRecent(storage) : [];
  });
  const [selected, setSelected] = useState(0);
  const [scrub, setScrub] = useState<number | null>(null);
  const [edited, setEdited] = useState<string | null>(null);
  const [copiedEditor, setCopiedEditor] = useState(false);
  const [cfTable, setCfTable] = useState<CfTableChoice>(SAMPLE_TABLE_CHOICE);
  const linkParams = useRef(new URLSearchParams(location.search));
  // A link with a request runs it once the model is ready: the link reproduces the result.
  const runFromLink = useRef(linkParams.current.has("q"));
  // Steps and samples follow the loaded model's defaults until a link or the user sets them.
  const explicit = useRef({ steps: linkParams.current.has("steps"), samples: linkParams.current.has("n") });

  useEffect(() => {
    history.replaceState(null, "", writeUrlState(settings));
  }, [settings]);

  const { load } = engine;
  useEffect(() => {
    load(settings.language, settings.backend);
  }, [load, settings.language, settings.backend]);

  useEffect(() => {
    window.codefusionDebug = { loseDevice: engine.loseDevice };
  }, [engine.loseDevice]);

  useEffect(() => {
    if (status.state !== "ready") return;
    const { steps, samples } = status.sampler;
    setSettings((s) => ({
      ...s,
      steps: explicit.current.steps ? s.steps : steps,
      samples: explicit.current.samples ? s.samples : samples,
    }));
  }, [status]);

  const ready = status.state === "ready" && status.language === settings.language;
  const running = run.phase === "running";

  const generate = useCallback(() => {
    const prompt = settings.prompt.trim();
    if (prompt === "") return;
    setSelected(0);
    setScrub(null);
    setEdited(null);
    engine.generate({
      utterance: settings.prompt,
      steps: settings.steps,
      samples: settings.samples,
      seed: settings.seed,
      // A CF rule may name a column of the preview's table (sample or pasted): the model reads its header.
      ...(settings.language === "cf" ? { header: tableHeader(cfTable) } : {}),
    });
    const storage = safeStorage();
    const entry: RecentRequest = { ...settings, prompt: settings.prompt, at: Date.now() };
    setRecent(storage ? addRecent(storage, entry) : [entry, ...recent]);
  }, [engine, settings, recent, cfTable]);

  useEffect(() => {
    if (ready && runFromLink.current && settings.prompt.trim() !== "") {
      runFromLink.current = false;
      generate();
    }
  }, [ready, generate, settings.prompt]);

  const lastIndex = run.snapshots.length - 1;
  const shownIndex = usePacedIndex(lastIndex, run.id);
  const catchingUp = shownIndex < lastIndex;
  // The results appear once the show has caught up with the run.
  const finished = run.phase === "done" && !catchingUp;
  const candidate = finished ? run.candidates[selected] : undefined;
  // While denoising: sample 0, until the run is over; then the best candidate's own sample.
  const followed = run.phase === "done" ? Math.max(run.candidates[0]?.sample ?? 0, 0) : 0;
  const editorValue = useMemo(() => {
    if (candidate) return scrub !== null ? sampleAt(run, scrub, candidate.sample) : (edited ?? candidate.code);
    return shownIndex >= 0 ? sampleAt(run, shownIndex, followed) : "";
  }, [candidate, scrub, edited, run, shownIndex, followed]);
  const finalCode = candidate && scrub === null ? editorValue : "";

  const marker = useMemo<EditorMarker | null>(() => {
    if (settings.language !== "python" || !finalCode) return null;
    const syntax = checkPythonSyntax(finalCode);
    return syntax.valid || !syntax.error ? null : { message: syntax.error.message, offset: syntax.error.position };
  }, [settings.language, finalCode]);

  const shownSnapshot = scrub !== null ? run.snapshots[scrub] : run.snapshots[shownIndex];
  const shownSample = candidate ? candidate.sample : followed;
  const estimate =
    shownSnapshot && (scrub !== null || !candidate)
      ? sampleAt(run, scrub ?? shownIndex, shownSample, "estimate")
      : null;
  const T = status.state === "ready" ? status.T : 1200;
  const info = languageInfo(settings.language);

  return (
    <div className="app">
      <header className="app-header">
        <div>
          <h1>CodeFusion in the browser</h1>
          <p className="muted">
            A diffusion model turns your request into {info.label === "Excel CF rules" ? "Excel conditional-formatting rules" : info.label} —
            on this machine, nothing leaves the browser.
          </p>
        </div>
        <ModelStatus status={status} onRetry={() => load(settings.language, settings.backend)} />
      </header>

      <main className="layout">
        <div className="column">
          <PromptForm
            settings={settings}
            onChange={(next) => {
              if (next.steps !== settings.steps) explicit.current.steps = true;
              if (next.samples !== settings.samples) explicit.current.samples = true;
              setSettings(next);
            }}
            onGenerate={generate}
            onStop={engine.cancel}
            running={running}
            ready={ready}
            countTokens={engine.countTokens}
          />
          <RecentRequests
            items={recent}
            onPick={(r) => setSettings((s) => ({ ...s, language: r.language, prompt: r.prompt, steps: r.steps, samples: r.samples, seed: r.seed }))}
            onClear={() => {
              const storage = safeStorage();
              if (storage) clearRecent(storage);
              setRecent([]);
            }}
          />
          <ModelsPanel
            refreshKey={`${status.state}:${run.phase}`}
            current={settings.language}
            listCache={engine.listCache}
            clearCache={engine.clearCache}
          />
        </div>

        <div className="column wide">
          <section className="editor-panel" aria-label="Generated code">
            <div className="editor-toolbar">
              <h2>{info.label}</h2>
              <button
                type="button"
                disabled={editorValue === "" || running}
                onClick={() =>
                  void copyText(editorValue).then((ok) => {
                    setCopiedEditor(ok);
                    if (ok) setTimeout(() => setCopiedEditor(false), 2000);
                  })
                }
              >
                {copiedEditor ? "Copied ✓" : "Copy code"}
              </button>
            </div>
            <DenoiseProgress snapshot={shownSnapshot} T={T} running={running || catchingUp} />
            {estimate !== null && (
              <p className="estimate muted small" data-testid="estimate">
                The model's estimate at this step (x̂0): <code>{estimate || "(empty)"}</code>
              </p>
            )}
            <CodeEditor
              value={editorValue}
              language={info.monaco}
              readOnly={!candidate || scrub !== null}
              label={`${info.label} code`}
              marker={marker}
              onUserEdit={(code) => {
                if (candidate && scrub === null) setEdited(code);
              }}
            />
            {finished && (candidate?.sample ?? 0) >= 0 && (
              <Scrubber
                steps={run.snapshots.length}
                value={scrub ?? lastIndex}
                onChange={(i) => setScrub(i >= lastIndex ? null : i)}
              />
            )}
            <div aria-live="polite" className="run-status">
              {run.phase === "running" && run.truncatedTokens > 0 && (
                <p className="warning-text">The request is longer than the model reads: the last {run.truncatedTokens} tokens were cut.</p>
              )}
              {run.phase === "cancelled" && <p className="muted">Stopped after step {run.snapshots.length}.</p>}
              {finished && run.candidates.length > 0 && (
                <p className="visually-hidden">Done: {run.candidates.length} candidates.</p>
              )}
            </div>
            {run.phase === "failed" && (
              <p role="alert" className="error-text">
                {run.error}
              </p>
            )}
            {engine.notice && run.phase !== "failed" && (
              <p role="alert" className="warning-text">
                {engine.notice}{" "}
                <button type="button" className="link" onClick={engine.dismissNotice}>
                  Dismiss
                </button>
              </p>
            )}
          </section>

          {finished && (
            <Candidates
              language={settings.language}
              candidates={run.candidates}
              selected={selected}
              onSelect={(i) => {
                setSelected(i);
                setScrub(null);
                setEdited(null);
              }}
            />
          )}
          {candidate && (
            <CodeInsights language={settings.language} code={finalCode} cfTable={cfTable} onCfTable={setCfTable} />
          )}
          {finished && <KnownRequests requests={run.knownRequests} />}
        </div>
      </main>

      <footer className="muted small">
        CodeFusion (Singh et al., 2023) re-trained by this project; models, weights and the engine are served by this
        page and run in your browser. Generated code is never executed.
      </footer>
    </div>
  );
}
