// The page, layout only: a request on the left, the code condensing out of noise on the right, then the ranked
// candidates and what the app can tell about them. State lives in hooks: useEngine (the worker: model and run),
// useRequestSettings (the URL's settings), useRecentRequests, useRunView (what is shown of the run),
// useLinkAutoRun and useCopyFeedback; what the code is (dangers, syntax) comes from src/lang/analyze.ts.
import { useCallback, useEffect, useState } from "react";
import { CodeEditor } from "./app/components/CodeEditor";
import { Candidates } from "./app/components/Candidates";
import { CodeInsights } from "./app/components/CodeInsights";
import { CfPreview, SAMPLE_TABLE_CHOICE, tableHeader, type CfTableChoice } from "./app/components/CfPreview";
import { KnownRequests } from "./app/components/KnownRequests";
import { DenoiseProgress } from "./app/components/DenoiseProgress";
import { ModelsPanel } from "./app/components/ModelsPanel";
import { ModelStatus } from "./app/components/ModelStatus";
import { PromptForm } from "./app/components/PromptForm";
import { RecentRequests } from "./app/components/RecentRequests";
import { Scrubber } from "./app/components/Scrubber";
import { languageInfo } from "./app/languages";
import { requestNotes } from "./app/requestChecks";
import { useCopyFeedback } from "./app/useCopyFeedback";
import { useEngine } from "./app/useEngine";
import { useLinkAutoRun } from "./app/useLinkAutoRun";
import { useRecentRequests } from "./app/useRecentRequests";
import { useRequestSettings } from "./app/useRequestSettings";
import { useRunView } from "./app/useRunView";

declare global {
  interface Window {
    /** For tests and the curious: destroy the WebGPU device as a driver reset would. */
    codefusionDebug?: { loseDevice: () => void };
  }
}

export function App() {
  const engine = useEngine();
  const { status, run, load } = engine;
  const { settings, ready, pendingDefaults, edit, pick } = useRequestSettings(status);
  const recent = useRecentRequests();
  const view = useRunView(run, settings.language);
  const { copied, copy } = useCopyFeedback<"editor">();
  const [cfTable, setCfTable] = useState<CfTableChoice>(SAMPLE_TABLE_CHOICE);

  useEffect(() => {
    load(settings.language, settings.backend);
  }, [load, settings.language, settings.backend]);

  useEffect(() => {
    window.codefusionDebug = { loseDevice: engine.loseDevice };
  }, [engine.loseDevice]);

  const { reset } = view;
  const { add } = recent;
  const { generate: startRun } = engine;
  const generate = useCallback(() => {
    if (requestNotes(settings.prompt).some((n) => n.blocks)) return; // empty or too long: the prompt box says why
    reset();
    startRun({
      utterance: settings.prompt,
      steps: settings.steps,
      samples: settings.samples,
      seed: settings.seed,
      // A CF rule may name a column of the preview's table (sample or pasted): the model reads its header.
      ...(settings.language === "cf" ? { header: tableHeader(cfTable) } : {}),
    });
    add({ ...settings, at: Date.now() });
  }, [settings, cfTable, reset, startRun, add]);

  useLinkAutoRun(ready, settings.prompt, generate);

  const running = run.phase === "running";
  const { finished, candidate } = view;
  const info = languageInfo(settings.language);

  return (
    <div className="app">
      <header className="app-header">
        <div>
          <h1>CodeFusion in the browser</h1>
          <p className="muted">
            A diffusion model turns your request into {info.longLabel} — on this machine, nothing leaves the browser.
          </p>
        </div>
        <ModelStatus status={status} onRetry={() => load(settings.language, settings.backend)} />
      </header>

      <main className="layout">
        <div className="column">
          <PromptForm
            settings={settings}
            onChange={edit}
            onGenerate={generate}
            onStop={engine.cancel}
            running={running}
            ready={ready}
            countTokens={engine.countTokens}
            pendingDefaults={pendingDefaults}
          />
          <RecentRequests items={recent.items} onPick={pick} onClear={recent.clear} />
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
              {/* before Copy code: the editor's command is destructive (the reasons are under the editor) */}
              {(view.analysis?.dangers.length ?? 0) > 0 && (
                <a className="badge danger-badge" href="#danger-warning" data-testid="editor-danger">
                  ⚠ destructive: read why before you copy
                </a>
              )}
              <button type="button" disabled={view.editorValue === "" || running} onClick={() => void copy("editor", view.editorValue)}>
                {copied === "editor" ? "Copied ✓" : "Copy code"}
              </button>
            </div>
            <DenoiseProgress
              snapshot={view.shownSnapshot}
              T={status.state === "ready" ? status.T : null}
              phase={running || view.catchingUp ? "running" : run.phase === "cancelled" ? "stopped" : run.phase === "failed" ? "failed" : "done"}
            />
            {view.estimate !== null && (
              <p className="estimate muted small" data-testid="estimate">
                The model's estimate at this step (x̂0): <code>{view.estimate || "(empty)"}</code>
              </p>
            )}
            <CodeEditor
              value={view.editorValue}
              language={info.monaco}
              readOnly={!candidate || view.scrub !== null}
              label={`${info.label} code`}
              marker={view.analysis?.marker ?? null}
              onUserEdit={view.edit}
            />
            {finished && (candidate?.sample ?? 0) >= 0 && (
              <Scrubber
                snapshots={run.snapshots}
                value={view.scrub ?? view.lastIndex}
                onChange={(i) => view.setScrub(i >= view.lastIndex ? null : i)}
              />
            )}
            {finished && candidate && candidate.sample < 0 && (
              <p className="muted small" data-testid="no-replay">
                No replay for this candidate: it is a similar known request's code, and none of the samples denoised into it.
              </p>
            )}
            <div aria-live="polite" className="run-status">
              {run.phase === "running" && run.truncatedTokens > 0 && (
                <p className="warning-text">The request is longer than the model reads: the last {run.truncatedTokens} tokens were cut.</p>
              )}
              {run.phase === "cancelled" && <p className="muted">Stopped after step {run.snapshots.at(-1)?.step ?? 0}.</p>}
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
              selected={view.selected}
              onSelect={view.select}
              rank={status.state === "ready" ? status.sampler.rank : undefined}
            />
          )}
          {candidate && view.analysis && (
            <CodeInsights
              language={settings.language}
              code={view.finalCode}
              analysis={view.analysis}
              cfTable={cfTable}
              onCfTable={setCfTable}
            />
          )}
          {/* before the first CF result: the table with its header, so a request knows which columns it can name */}
          {settings.language === "cf" && !(candidate && view.analysis) && (
            <div className="insights">
              <CfPreview rule="" choice={cfTable} onChoice={setCfTable} />
            </div>
          )}
          {finished && (
            <KnownRequests
              requests={run.knownRequests}
              candidates={run.candidates}
              sampler={status.state === "ready" ? status.sampler : undefined}
            />
          )}
        </div>
      </main>

      <footer className="muted small">
        CodeFusion (Singh et al., 2023) re-trained by this project; models, weights and the engine are served by this
        page and run in your browser. Generated code is never executed.
      </footer>
    </div>
  );
}
