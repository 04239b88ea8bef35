// Copy to the clipboard with a visible confirmation: `copied` names what was copied last, for two seconds.
import { useCallback, useEffect, useRef, useState } from "react";

/** Copies text; falls back to a hidden textarea where the Clipboard API is unavailable (http, old browsers). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

export const COPIED_MS = 2000;

export function useCopyFeedback<K>(): { copied: K | null; copy: (key: K, text: string) => Promise<void> } {
  const [copied, setCopied] = useState<K | null>(null);
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  useEffect(() => () => timers.current.forEach(clearTimeout), []);
  const copy = useCallback(async (key: K, text: string) => {
    if (!(await copyText(text))) return;
    setCopied(key);
    timers.current.push(setTimeout(() => setCopied((c) => (c === key ? null : c)), COPIED_MS));
  }, []);
  return { copied, copy };
}
