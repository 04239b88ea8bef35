// The model's state, always visible: downloading (MB of MB), warming up, ready on <backend> and why, or an error
// with Retry. A polite live region, so screen readers hear the changes.
import type { ModelStatus as Status } from "../useEngine";

const MB = 1024 * 1024;

function mb(bytes: number): string {
  return (bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0);
}

const BACKEND_LABEL: Record<string, string> = { webgpu: "WebGPU", wasm: "WebAssembly (CPU)", webgl: "WebGL", cpu: "plain JavaScript (CPU)" };

export function backendLabel(backend: string): string {
  return BACKEND_LABEL[backend] ?? backend;
}

export function ModelStatus({ status, onRetry }: { status: Status; onRetry: () => void }) {
  return (
    <section className="model-status" aria-label="Model status" data-state={status.state}>
      <div role="status" aria-live="polite" className="model-status-line">
        {status.state === "idle" && "Starting…"}
        {status.state === "loading" &&
          (status.progress && status.progress.totalBytes > 0
            ? `Downloading the model: ${mb(status.progress.loadedBytes)} of ${mb(status.progress.totalBytes)} MB` +
              (status.progress.shards.every((s) => s.fromCache) ? " (from this browser's cache)" : "")
            : "Downloading the model…")}
        {status.state === "warming-up" && `Warming up on ${backendLabel(status.backend)}…`}
        {status.state === "ready" && (
          <>
            Ready on <strong>{backendLabel(status.backend)}</strong>
            <span className="muted"> — {status.reason}</span>
          </>
        )}
        {status.state === "error" && <span className="error-text">The model could not be loaded: {status.message}</span>}
      </div>
      {status.state === "loading" && (
        <progress
          aria-label="Model download"
          max={status.progress?.totalBytes || 1}
          value={status.progress?.totalBytes ? status.progress.loadedBytes : undefined}
        />
      )}
      {status.state === "warming-up" && <progress aria-label="Warming up" />}
      {status.state === "ready" && status.cacheWarning && <p className="warning-text">Note: {status.cacheWarning}</p>}
      {status.state === "error" && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </section>
  );
}
