// The page of `npm run bench` (scripts/bench.mjs): starts benchWorker.ts, where the engine runs as it does in the
// app (in a Web Worker), hands it the page's query, shows its log and publishes its result as window.benchResult.
// The query parameters are benchWorker.ts's.
import type { BenchMessage, BenchPageResult } from "./benchWorker";

declare global {
  interface Window {
    benchResult?: BenchPageResult;
  }
}

const logElement = document.getElementById("log");
const output = document.getElementById("result");
const worker = new Worker(new URL("./benchWorker.ts", import.meta.url), { type: "module" });
worker.onmessage = (event: MessageEvent<BenchMessage>): void => {
  const message = event.data;
  if ("log" in message) {
    console.log(`[bench] ${message.log}`);
    if (logElement) logElement.textContent += `${message.log}\n`;
    return;
  }
  window.benchResult = message.result;
  if (output) output.textContent = JSON.stringify(message.result, null, 2);
};
worker.onerror = (event: ErrorEvent): void => {
  window.benchResult = { error: `the bench worker failed: ${event.message}` };
  if (output) output.textContent = window.benchResult.error;
};
worker.postMessage({ query: location.search });
