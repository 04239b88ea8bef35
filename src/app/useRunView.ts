// What the page shows of a run: the denoising show paced frame by frame, then the candidate the user picked, the
// replay position and the user's edits, and what the app can tell about the code shown (src/lang/analyze.ts).
import { useCallback, useMemo, useState } from "react";
import type { LanguageId } from "../bundle/manifest";
import { analyzeCode, type CodeAnalysis } from "../lang/analyze";
import { sampleAt, type RankedCandidate, type RunState, type Snapshot } from "./runState";
import { usePacedIndex } from "./usePacedIndex";

export interface RunView {
  /** The show is still walking through snapshots that have arrived. */
  catchingUp: boolean;
  /** The run is done and the show has caught up: the results are on screen. */
  finished: boolean;
  /** Index of the candidate shown; the candidate itself once finished. */
  selected: number;
  candidate: RankedCandidate | undefined;
  /** The replay position (a snapshot index), or null for the final code. */
  scrub: number | null;
  lastIndex: number;
  /** What the editor shows: the noisy sample while denoising, then the candidate (as edited) or a replayed step. */
  editorValue: string;
  /** The final code shown (the candidate, as edited); empty while denoising or replaying. */
  finalCode: string;
  /** The snapshot whose step the progress bar shows. */
  shownSnapshot: Snapshot | undefined;
  /** The model's estimate x̂0 at the shown step, while denoising or replaying; null otherwise. */
  estimate: string | null;
  /** Dangers, syntax and its marker, explanations of finalCode; null when there is none. */
  analysis: CodeAnalysis | null;
  select(index: number): void;
  setScrub(index: number | null): void;
  /** The user edited the final code. */
  edit(code: string): void;
  /** A new run: back to the first candidate, no replay, no edits. */
  reset(): void;
}

export function useRunView(run: RunState, language: LanguageId): RunView {
  const [selected, setSelected] = useState(0);
  const [scrub, setScrub] = useState<number | null>(null);
  const [edited, setEdited] = useState<string | null>(null);

  const lastIndex = run.snapshots.length - 1;
  const shownIndex = usePacedIndex(lastIndex, run.id);
  const catchingUp = shownIndex < lastIndex;
  const finished = run.phase === "done" && !catchingUp;
  const candidate = finished ? run.candidates[selected] : undefined;
  // While denoising: the first sample from noise (with retrieve and edit, the edited samples show their known code
  // until they join the schedule near its end, which would leave nothing to watch), until the run is over; then the
  // best candidate's own sample.
  const fromNoise = Math.max(run.snapshots[0]?.edited?.indexOf(false) ?? 0, 0);
  const followed = run.phase === "done" ? Math.max(run.candidates[0]?.sample ?? 0, 0) : fromNoise;
  const editorValue = useMemo(() => {
    if (candidate) return scrub !== null ? sampleAt(run, scrub, candidate.sample) : (edited ?? candidate.code);
    return shownIndex >= 0 ? sampleAt(run, shownIndex, followed) : "";
  }, [candidate, scrub, edited, run, shownIndex, followed]);
  const finalCode = candidate && scrub === null ? editorValue : "";
  const analysis = useMemo(() => (finalCode ? analyzeCode(language, finalCode) : null), [language, finalCode]);

  const shownSnapshot = scrub !== null ? run.snapshots[scrub] : run.snapshots[shownIndex];
  const shownSample = candidate ? candidate.sample : followed;
  const estimate =
    shownSnapshot && (scrub !== null || !candidate) ? sampleAt(run, scrub ?? shownIndex, shownSample, "estimate") : null;

  const select = useCallback((index: number) => {
    setSelected(index);
    setScrub(null);
    setEdited(null);
  }, []);
  const reset = useCallback(() => select(0), [select]);
  const edit = useCallback(
    (code: string) => {
      if (candidate && scrub === null) setEdited(code);
    },
    [candidate, scrub],
  );

  return {
    catchingUp,
    finished,
    selected,
    candidate,
    scrub,
    lastIndex,
    editorValue,
    finalCode,
    shownSnapshot,
    estimate,
    analysis,
    select,
    setScrub,
    edit,
    reset,
  };
}
