// Paces the denoising show. On a fast backend a whole run can arrive within a frame or two, and the user would see
// only the end. The editor instead walks through the snapshots at most one step per animation frame, skipping
// ahead only when far behind (it catches up within about 30 frames), so every run is watchable.
import { useEffect, useState } from "react";

/** How many snapshots to advance on a frame when `behind` snapshots are waiting. */
export function pacedAdvance(behind: number, catchUpFrames = 30): number {
  return behind <= 0 ? 0 : Math.max(1, Math.ceil(behind / catchUpFrames));
}

/** The snapshot index to show for the run `runKey`, moving towards `target` frame by frame. */
export function usePacedIndex(target: number, runKey: string | null): number {
  const [shown, setShown] = useState<{ key: string | null; index: number }>({ key: runKey, index: -1 });
  const current = shown.key === runKey ? shown.index : -1;
  useEffect(() => {
    if (current >= target) return;
    const frame = requestAnimationFrame(() => setShown({ key: runKey, index: current + pacedAdvance(target - current) }));
    return () => cancelAnimationFrame(frame);
  }, [current, target, runKey]);
  return Math.min(current, target);
}
