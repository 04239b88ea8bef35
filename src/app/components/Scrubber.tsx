// After a run: replay the denoising of the selected candidate, step by step (a slider and Play).
import { useEffect, useId, useRef } from "react";
import type { Snapshot } from "../runState";

interface Props {
  /** The run's snapshots: every step, or those shown when steps came faster than frames (each knows its step). */
  snapshots: readonly Pick<Snapshot, "step" | "totalSteps">[];
  /** 0-based index into the snapshots */
  value: number;
  onChange: (index: number) => void;
}

export function Scrubber({ snapshots, value, onChange }: Props) {
  const steps = snapshots.length;
  const shown = snapshots[value];
  const id = useId();
  const timer = useRef<ReturnType<typeof setInterval> | null>(null);
  const stop = (): void => {
    if (timer.current) clearInterval(timer.current);
    timer.current = null;
  };
  useEffect(() => stop, []);
  if (steps < 2) return null;

  const play = (): void => {
    stop();
    let index = 0;
    onChange(0);
    // About 2 s for a whole replay whatever K is, at most 30 frames a second.
    const interval = Math.max(33, 2000 / steps);
    timer.current = setInterval(() => {
      index++;
      onChange(Math.min(index, steps - 1));
      if (index >= steps - 1) stop();
    }, interval);
  };

  return (
    <div className="scrubber">
      <label htmlFor={id}>
        Replay: step {shown?.step ?? value + 1} of {shown?.totalSteps ?? steps}
      </label>
      <input
        id={id}
        type="range"
        min={0}
        max={steps - 1}
        value={value}
        onChange={(e) => {
          stop();
          onChange(Number(e.target.value));
        }}
      />
      <button type="button" onClick={play}>
        ▶ Replay
      </button>
    </div>
  );
}
