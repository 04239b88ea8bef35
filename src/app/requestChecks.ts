// What the prompt box says about a request before it is run: empty, longer than a request may be, too long for a
// link, written in another script or in words the model never saw. Pure (tested in requestChecks.test.ts); the
// prompt box shows the notes and Generate refuses what cannot run. Nothing is ever cut from what the user typed.
import { LIMITS } from "./urlState";

export interface RequestNote {
  kind: "empty" | "too-long" | "no-link" | "script" | "words";
  /** True when the request cannot be generated as it is (Generate is disabled and says why). */
  blocks: boolean;
  text: string;
}

const count = (n: number): string => n.toLocaleString("en-US");

/** Letters of a script other than Latin (CJK, Cyrillic, Arabic, …): the models read only English requests. */
export function nonLatinLetters(text: string): { letters: number; other: number; sample: string } {
  const letters = text.match(/\p{L}/gu) ?? [];
  const other = letters.filter((ch) => !/\p{Script=Latin}/u.test(ch));
  return { letters: letters.length, other: other.length, sample: other.slice(0, 6).join("") };
}

/**
 * The notes for a request. vocabulary: the request's words and those no known request uses (the worker's count,
 * absent before the model is ready or for a model without retrieval).
 */
export function requestNotes(text: string, vocabulary?: { words: number; unknownWords: readonly string[] }): RequestNote[] {
  if (text.trim() === "") {
    return [{ kind: "empty", blocks: true, text: "Type a request (or pick an example below) to generate." }];
  }
  const notes: RequestNote[] = [];
  const chars = [...text].length;
  if (chars > LIMITS.promptChars) {
    notes.push({
      kind: "too-long",
      blocks: true,
      text: `${count(chars)} characters: a request may have at most ${count(LIMITS.promptChars)}. Shorten it to generate (nothing has been cut).`,
    });
  } else if (chars > LIMITS.linkChars) {
    notes.push({
      kind: "no-link",
      blocks: false,
      text: `Longer than ${count(LIMITS.linkChars)} characters: the page's address (a link to this result) leaves the request out.`,
    });
  }
  const script = nonLatinLetters(text);
  if (script.other > 0 && script.other >= 0.2 * script.letters) {
    notes.push({
      kind: "script",
      blocks: false,
      text: `This request is written in a script other than the Latin alphabet (“${script.sample}”): the models were trained on English requests only and cannot read it. Ask in English.`,
    });
  } else if (vocabulary && vocabulary.words >= 2 && vocabulary.unknownWords.length * 2 > vocabulary.words) {
    const examples = vocabulary.unknownWords.slice(0, 3).map((w) => `“${w}”`).join(", ");
    notes.push({
      kind: "words",
      blocks: false,
      text: `Most words of this request (${examples}) occur in none of the model's English training requests: it understands English only.`,
    });
  }
  return notes;
}
