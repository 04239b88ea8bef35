// What the page says about a candidate: what its score is (the engine's shown score, src/engine/scores.ts: a share
// of the ranking's own weight among the candidates of its part) and where a known code comes from. Pure, so each
// sentence is tested against the case it describes (candidateText.test.ts).
import type { RankMode } from "../bundle/manifest";
import { normalizeWhitespace } from "../lang/whitespace";
import type { RankedCandidate } from "./runState";

/** The rankings that put the known codes first and rank the model's samples after them, each part by its own key. */
export function isTwoPart(rank: RankMode | undefined): boolean {
  return rank === "known-first" || rank === "retrieval-first" || rank === "channel";
}

/** How many of the candidates shown are known codes and how many the model's samples. */
export function partsOf(candidates: readonly Pick<RankedCandidate, "fromKnownRequest">[]): {
  known: number;
  samples: number;
} {
  const known = candidates.filter((c) => c.fromKnownRequest).length;
  return { known, samples: candidates.length - known };
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The tooltip of a candidate's score: what the number is, and over which candidates it adds up to 100 %. */
export function scoreMeaning(
  rank: RankMode | undefined,
  candidate: Pick<RankedCandidate, "fromKnownRequest">,
  parts: { known: number; samples: number },
): string {
  const all = parts.known + parts.samples;
  if (isTwoPart(rank) && candidate.fromKnownRequest) {
    const over = `the ${plural(parts.known, "known code", "known codes")} shown, which add up to 100 %`;
    if (rank === "channel") {
      return `How well this code explains the words of your request (a noisy channel: the probability of each word given the code), as a share of ${over}. Known codes are ranked by it.`;
    }
    if (rank === "retrieval-first") {
      return `The similarity of its known request to yours, as a share of ${over}. Known codes are ranked by it.`;
    }
    return `How easily the model reconstructs this code from noise (exp(−denoising loss)), as a share of ${over}. Known codes are ranked by it, before the model's own samples.`;
  }
  if (isTwoPart(rank)) {
    return `How easily the model reconstructs this sample from noise (exp(−denoising loss)), as a share of the ${plural(parts.samples, "sample", "samples")} shown, which add up to 100 %. Samples are ranked after the known codes.`;
  }
  if (rank === "denoise") {
    return `How easily the model reconstructs this code from noise (exp(−denoising loss)), as a share of the ${plural(all, "candidate", "candidates")} shown, which add up to 100 %.`;
  }
  if (candidate.fromKnownRequest) return "A known request's code the samples did not produce: not scored.";
  return `The samples' confidence-weighted votes for this code, as a share of the ${plural(all, "candidate", "candidates")} shown, which add up to 100 %.`;
}

/** A sample that started from a known code (retrieve and edit): the badge, its tooltip and the line under the code;
 * null for a sample from noise and for a known code (which has its own badge, knownOrigin). */
export function editOrigin(candidate: Pick<RankedCandidate, "start" | "fromKnownRequest">): { badge: string; title: string; line: string } | null {
  if (candidate.start === undefined || candidate.fromKnownRequest) return null;
  return {
    badge: "edited from a known code",
    title: `The model started this sample from a similar known request's code, noised part of the way, and denoised it for your request: “${candidate.start}”.`,
    line: `edited from a known code: “${candidate.start}”`,
  };
}

/** Where a known code comes from, as the badge's tooltip and the line under the code say it. */
export function knownOrigin(candidate: Pick<RankedCandidate, "code" | "knownRequest">): { title: string; line: string } | null {
  const source = candidate.knownRequest;
  if (!source) return null;
  const similarity = `similarity ${(source.similarity * 100).toFixed(0)} %`;
  if (normalizeWhitespace(source.code) === normalizeWhitespace(candidate.code)) {
    return {
      title: `The code of the known request “${source.utterance}” (${similarity}), as written: its own values, not yours.`,
      line: `as asked: “${source.utterance}”`,
    };
  }
  return {
    title: `The code of the known request “${source.utterance}” (${similarity}), “${source.code}”, with your request's values and columns put in where your request has them; any other value is still the known request's.`,
    line: `adapted from: “${source.utterance}”`,
  };
}
