// The request and its settings live in the URL (?lang=bash&q=…&steps=50&n=5&seed=123), so a link reproduces
// the result: the same request, steps, samples and seed give the same code on the same backend.
import type { LanguageId } from "../bundle/manifest";
import { isBackendName, type BackendName } from "../engine/protocol";
import { isLanguageId } from "./languages";

export interface RequestSettings {
  language: LanguageId;
  prompt: string;
  /** Denoising steps K. */
  steps: number;
  /** Samples n drawn per request. */
  samples: number;
  seed: number;
  /** Backend override; undefined = automatic choice. */
  backend?: BackendName;
}

export const LIMITS = {
  steps: { min: 1, max: 1200 },
  samples: { min: 1, max: 16 },
  seed: { min: 0, max: 2 ** 32 - 1 },
  /** The longest request the page runs (the model reads far fewer tokens anyway); a longer one is kept, not run. */
  promptChars: 2000,
  /** The longest request put in the URL: a longer one is left out of the address (the prompt box says so). */
  linkChars: 500,
} as const;

export const DEFAULT_SETTINGS: RequestSettings = { language: "bash", prompt: "", steps: 50, samples: 5, seed: 42 };

function integerIn(text: string | null, { min, max }: { min: number; max: number }): number | undefined {
  if (text === null || !/^\d+$/.test(text.trim())) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}

/** Reads settings from a query string; anything missing or invalid keeps the default. */
export function readUrlState(search: string, defaults: RequestSettings = DEFAULT_SETTINGS): RequestSettings {
  const params = new URLSearchParams(search);
  const lang = params.get("lang");
  const backend = params.get("backend");
  const settings: RequestSettings = {
    language: isLanguageId(lang) ? lang : defaults.language,
    prompt: params.get("q") ?? defaults.prompt,
    steps: integerIn(params.get("steps"), LIMITS.steps) ?? defaults.steps,
    samples: integerIn(params.get("n"), LIMITS.samples) ?? defaults.samples,
    seed: integerIn(params.get("seed"), LIMITS.seed) ?? defaults.seed,
  };
  const chosen = isBackendName(backend) ? backend : defaults.backend;
  if (chosen) settings.backend = chosen;
  return settings;
}

/** The query string for settings (with a leading "?"); the prompt is left out when empty or longer than
 * LIMITS.linkChars (an address of thousands of characters breaks where links are pasted). */
export function writeUrlState(settings: RequestSettings): string {
  const params = new URLSearchParams();
  params.set("lang", settings.language);
  if (settings.prompt.trim() !== "" && [...settings.prompt].length <= LIMITS.linkChars) params.set("q", settings.prompt);
  params.set("steps", String(settings.steps));
  params.set("n", String(settings.samples));
  params.set("seed", String(settings.seed));
  if (settings.backend) params.set("backend", settings.backend);
  return `?${params.toString()}`;
}

/** A new random seed (the Shuffle button). */
export function randomSeed(random: () => number = Math.random): number {
  return Math.floor(random() * (LIMITS.seed.max + 1));
}
