// A link with a request (?q=…) runs it once, as soon as the model is ready: the link reproduces the result. Only
// when the link is opened, not when the page is reloaded: the address follows what the user types, so a reload
// after other requests would otherwise run again whatever the box held last (and a shared link on every reload).
import { useEffect, useRef } from "react";

/** How this page was reached: "reload" for the browser's Reload, "navigate" for a link or a typed address. */
function navigationType(): string {
  const [entry] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
  return entry?.type ?? "navigate";
}

export function useLinkAutoRun(ready: boolean, prompt: string, generate: () => void): void {
  const pending = useRef(new URLSearchParams(location.search).has("q") && navigationType() !== "reload");
  useEffect(() => {
    if (ready && pending.current && prompt.trim() !== "") {
      pending.current = false;
      generate();
    }
  }, [ready, generate, prompt]);
}
