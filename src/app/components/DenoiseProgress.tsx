// Where the run is: step k of K and the noise level t, as a bar over t from T (pure noise) to 0. T is the loaded
// model's (its manifest, through the worker's ready message); null when no model is ready. The line ends with how the
// run ended: done, stopped (Stop) or failed; nothing while it runs.
import { denoisedFraction, type Snapshot } from "../runState";

export type ProgressPhase = "running" | "done" | "stopped" | "failed";

const ENDING: Record<ProgressPhase, string> = { running: "", done: " · done", stopped: " · stopped", failed: " · failed" };

export function DenoiseProgress({ snapshot, T, phase }: { snapshot: Snapshot | undefined; T: number | null; phase: ProgressPhase }) {
  if (!snapshot) return null;
  const fraction = denoisedFraction(snapshot.step, snapshot.totalSteps);
  return (
    <div className="denoise-progress" data-testid="denoise-progress">
      <progress aria-label="Denoising progress" max={1} value={fraction} />
      <span className="muted">
        {snapshot.step === 0 ? (
          // retrieve and edit: before step 1, the known codes some samples start from
          <>Start: known codes, before step 1 of {snapshot.totalSteps}</>
        ) : (
          <>
            Step {snapshot.step} of {snapshot.totalSteps} · noise level t = {snapshot.t}
            {T !== null ? ` of ${T}` : ""}
          </>
        )}
        {ENDING[phase]}
      </span>
    </div>
  );
}
