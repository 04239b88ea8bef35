// Recent requests, kept in localStorage on this machine only. A storage that is full, disabled or holds
// something unreadable never breaks the app: reads give an empty list, writes are skipped.
import type { LanguageId } from "../bundle/manifest";
import { isLanguageId } from "./languages";

export interface RecentRequest {
  language: LanguageId;
  prompt: string;
  steps: number;
  samples: number;
  seed: number;
  /** ms since the epoch */
  at: number;
}

export const RECENT_KEY = "codefusion.recent.v1";
export const MAX_RECENT = 20;

type StorageLike = Pick<Storage, "getItem" | "setItem" | "removeItem">;

function isRecent(value: unknown): value is RecentRequest {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    isLanguageId(r.language) &&
    typeof r.prompt === "string" &&
    [r.steps, r.samples, r.seed, r.at].every((x) => typeof x === "number" && Number.isFinite(x))
  );
}

export function loadRecent(storage: StorageLike): RecentRequest[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter(isRecent).slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

/** Puts a request first (an identical language + prompt moves up instead of repeating); returns the new list. */
export function addRecent(storage: StorageLike, entry: RecentRequest): RecentRequest[] {
  const key = (r: RecentRequest): string => `${r.language}\u0000${r.prompt.trim()}`;
  const list = [entry, ...loadRecent(storage).filter((r) => key(r) !== key(entry))].slice(0, MAX_RECENT);
  try {
    storage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    // full or disabled storage: the list lives for this page only
  }
  return list;
}

export function clearRecent(storage: StorageLike): void {
  try {
    storage.removeItem(RECENT_KEY);
  } catch {
    // nothing to do
  }
}
