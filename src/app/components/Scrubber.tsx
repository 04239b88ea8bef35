// After a run: replay the denoising of the selected candidate, step by step (a slider and Play).
import { useEffect, useId, useRef } from "react";

interface Props {
  /** The denoising step of each snapshot (1-based): every step, or those shown when steps came faster than frames. */
  snapshotSteps: readonly number[];
  /** The run's K. */
  totalSteps: number;
  /** 0-based index into the snapshots */
  value: number;
  onChange: (index: number) => void;
}

export function Scrubber({ snapshotSteps, totalSteps, value, onChange }: Props) {
  const steps = snapshotSteps.length;
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
        Replay: step {snapshotSteps[value] ?? value + 1} of {totalSteps}
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
