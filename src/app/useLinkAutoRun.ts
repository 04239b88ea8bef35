// A link with a request (?q=…) runs it once, as soon as the model is ready: the link reproduces the result.
import { useEffect, useRef } from "react";

export function useLinkAutoRun(ready: boolean, prompt: string, generate: () => void): void {
  const pending = useRef(new URLSearchParams(location.search).has("q"));
  useEffect(() => {
    if (ready && pending.current && prompt.trim() !== "") {
      pending.current = false;
      generate();
    }
  }, [ready, generate, prompt]);
}
