/**
 * Explanations of the utilities and flags of a Bash command, from the project's own table (bashExplain.json, built
 * by scripts/build-bash-explain.mjs: the meanings of common flags from the curated scripts/bash-flags.mjs, the rest
 * only from tldr examples that show one option by itself, and the summaries from the tldr pages, CC BY 4.0: show
 * BASH_EXPLAIN_SOURCE with the explanations). A flag the table has no meaning for is left out, never guessed.
 * Nothing is ever executed.
 *
 *   explainBash(code) -> [{utility, summary, flags: [{flag, description}]}]
 *
 * RULES
 *  - Commands come from the project's parser (bash.ts `parseFull`, bashCommands.ts `analyze`/`preorder`): every
 *    simple command in pipelines, lists, `$(…)`, backticks, `<(…)`, loops and conditions, the wrapped command of
 *    `sudo`/`xargs`/`env`/`nohup`/`time`/`nice`/`timeout`/`watch`, and `find … -exec CMD ;`, in source order (a
 *    command before the commands nested in it). The utility is the basename of the command word (`/bin/rm` -> `rm`).
 *  - One entry per distinct utility, in order of first appearance; a utility used several times gets the union of
 *    its flags (in order of first appearance). Utilities the table does not know are omitted.
 *  - Subcommands: when the word right after the utility is a plain word and the table has the page
 *    `utility-word` (tldr's `git-commit`), the entry is that page's, named `utility word` (`git commit`); its flags
 *    are looked up in the subcommand page, then in the utility's own page.
 *  - `tar xvf`: a plain word of letters right after `tar` is its traditional option bundle, read as `-xvf`;
 *    `ps aux`: a plain word of letters right after `ps` is a bundle of BSD options, looked up letter by letter
 *    without a dash (`a`, `u`, `x`: BSD `ps x` is not `ps -x`).
 *  - Flags are the words the analyser marks as flags, as written: `--long=value` -> `--long`; a short word is
 *    looked up whole first (`-rf`, `-la`, find's `-name`, `-1`), and otherwise letter by letter as bashCommands.ts
 *    `splitFlag` splits it (`-rf` -> `-r`, `-f`; `-n5` -> `-n`; never for find, whose primaries are whole words); a bare number (`head -5`, `gzip -9`) not in the
 *    table whole is looked up as `-NUM`. Flags the table does not know are left out.
 *  - Code that does not parse is cut into commands by a plain tokenisation (split at `|`, `&&`, `||`, `;`, `&`,
 *    newlines, `$(`, `(`, `)`, backticks, `-exec`/`-execdir`/`-ok`/`-okdir` … `;`/`+`; the wrappers above hand on
 *    to the next word after their own dash words), so the user still gets explanations.
 */
import table from "./bashExplain.json";
import { parseFull } from "./bash";
import { basename, preorder, splitFlag, type Analysis, type CmdInfo } from "./bashCommands";

export interface UtilityExplanation {
  utility: string;
  summary: string;
  flags: { flag: string; description: string }[];
}

interface TableEntry {
  summary: string;
  flags: Record<string, string>;
}

interface ExplainTable {
  source: string;
  utilities: Record<string, TableEntry>;
}

const TABLE = table as unknown as ExplainTable;

/** The attribution line of the table (tldr-pages, CC BY 4.0): show it wherever the explanations are shown. */
export const BASH_EXPLAIN_SOURCE: string = TABLE.source;

function own<T>(obj: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** The table's entry for a utility name (exact page name), or undefined. */
export function lookupUtility(name: string): { summary: string; flags: Readonly<Record<string, string>> } | undefined {
  return own(TABLE.utilities, name);
}

const WRAPPERS = new Set(["sudo", "xargs", "nohup", "time", "env", "nice", "timeout", "watch", "exec", "command"]);
const SUBCOMMAND = /^[a-z0-9][a-z0-9._-]*$/;

/** `tar xvf`: the traditional option bundle without a dash (the word right after `tar`). */
function isOldStyleBundle(utility: string, next: string): boolean {
  return basename(utility) === "tar" && /^[A-Za-z]+$/.test(next);
}

/** `ps aux`: BSD options without a dash (the word right after `ps`), each letter its own key. */
function bsdBundle(utility: string, next: string): string[] | null {
  return basename(utility) === "ps" && /^[A-Za-z]+$/.test(next) ? [...next] : null;
}

/** One command as the explainer needs it: the utility word, the next word (when it is an argument), flag words. */
interface RawCommand {
  utility: string;
  next: string | null;
  flagWords: string[];
}

/** Utilities whose dash words are never clusters of letters (find's primaries: `-frob` is not `-f -r -o -b`). */
const NO_CLUSTERS = new Set(["find"]);

/** Flag lookup: the whole word, else letter by letter (`splitFlag`). */
function flagKeys(word: string, entries: TableEntry[], clusters: boolean): { flag: string; description: string }[] {
  const find = (key: string): string | undefined => {
    for (const e of entries) {
      const d = own(e.flags, key);
      if (d !== undefined) return d;
    }
    return undefined;
  };
  if (word.startsWith("--")) {
    const key = word.split("=")[0];
    const d = find(key);
    return d === undefined ? [] : [{ flag: key, description: d }];
  }
  const whole = find(word);
  if (whole !== undefined) return [{ flag: word, description: whole }];
  if (/^-[0-9]+$/.test(word)) {
    const number = find("-NUM");
    return number === undefined ? [] : [{ flag: word, description: number }];
  }
  if (/^[A-Za-z]$/.test(word)) {
    // a BSD letter (`ps aux`): only its own key, never a dash option's
    const letter = find(word);
    return letter === undefined ? [] : [{ flag: word, description: letter }];
  }
  const out: { flag: string; description: string }[] = [];
  if (!clusters) return out;
  for (const key of splitFlag(word)) {
    if (key === word) continue;
    const d = find(key);
    if (d !== undefined) out.push({ flag: key, description: d });
  }
  return out;
}

function explainCommands(commands: RawCommand[]): UtilityExplanation[] {
  const out: UtilityExplanation[] = [];
  const byName = new Map<string, { entry: UtilityExplanation; seen: Set<string> }>();
  for (const c of commands) {
    const base = basename(c.utility);
    const main = own(TABLE.utilities, base);
    let name = base;
    let entries: TableEntry[] = main ? [main] : [];
    if (c.next !== null && SUBCOMMAND.test(c.next)) {
      const sub = own(TABLE.utilities, `${base}-${c.next}`);
      if (sub) {
        name = `${base} ${c.next}`;
        entries = [sub, ...entries];
      }
    }
    if (entries.length === 0) continue;
    let slot = byName.get(name);
    if (!slot) {
      slot = { entry: { utility: name, summary: entries[0].summary, flags: [] }, seen: new Set() };
      byName.set(name, slot);
      out.push(slot.entry);
    }
    for (const w of c.flagWords) {
      for (const f of flagKeys(w, entries, !NO_CLUSTERS.has(base))) {
        if (slot.seen.has(f.flag)) continue;
        slot.seen.add(f.flag);
        slot.entry.flags.push(f);
      }
    }
  }
  return out;
}

function fromAnalysis(nodes: CmdInfo[], roles: Analysis["roles"]): RawCommand[] {
  return nodes.map((n) => {
    const words = n.words;
    if (words.length === 0) {
      // the `time` keyword of a pipeline: no words of its own, only its flags
      return { utility: n.cmd.utility, next: null, flagWords: [...n.cmd.flags] };
    }
    const second = words.length > 1 && roles.get(words[1]) === "arg" && !words[1].quoted ? words[1].value : null;
    const flagWords = words.filter((w) => roles.get(w) === "flag").map((w) => w.value);
    if (second !== null && isOldStyleBundle(words[0].value, second)) return { utility: words[0].value, next: null, flagWords: [`-${second}`, ...flagWords] };
    const bsd = second !== null ? bsdBundle(words[0].value, second) : null;
    if (bsd !== null) return { utility: words[0].value, next: null, flagWords: [...bsd, ...flagWords] };
    return { utility: words[0].value, next: second, flagWords };
  });
}

const FIND_EXEC = new Set(["-exec", "-execdir", "-ok", "-okdir"]);
const KEYWORDS = new Set(["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "in", "case", "esac", "function"]);

/** The fallback for code that does not parse: a plain tokenisation into commands. */
function fromTokens(code: string): RawCommand[] {
  const spaced = code.replace(/\$\(|\|\||&&|[|;&()`\n]/g, " \u0000 ");
  const tokens = spaced.split(/\s+/).filter((t) => t !== "");
  const out: RawCommand[] = [];
  let cur: RawCommand | null = null;
  let wrapperOptions = false;
  let afterExec = false;
  for (const raw of tokens) {
    if (raw === "\u0000" || (afterExec && (raw === "\\;" || raw === "+" || raw === "';'" || raw === '";"'))) {
      cur = null;
      afterExec = false;
      continue;
    }
    const t = raw.replace(/^["']+|["']+$/g, "");
    if (cur === null) {
      if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(raw) || t === "" || t === "{" || t === "}" || t === "!") continue;
      if (KEYWORDS.has(t)) continue;
      cur = { utility: t, next: null, flagWords: [] };
      out.push(cur);
      wrapperOptions = WRAPPERS.has(basename(t));
      continue;
    }
    if (cur.next === null && cur.flagWords.length === 0 && !raw.startsWith("-") && !wrapperOptions) {
      if (isOldStyleBundle(cur.utility, t)) {
        cur.flagWords.push(`-${t}`);
        continue;
      }
      const bsd = bsdBundle(cur.utility, t);
      if (bsd !== null) {
        cur.flagWords.push(...bsd);
        continue;
      }
      cur.next = t;
    }
    if (raw.length > 1 && raw.startsWith("-")) {
      cur.flagWords.push(raw);
      if (basename(cur.utility) === "find" && FIND_EXEC.has(raw)) {
        cur = null;
        afterExec = true;
      }
      continue;
    }
    if (wrapperOptions && !/^[0-9.]+[smhd]?$/.test(t)) {
      // the wrapped command starts here
      cur = { utility: t, next: null, flagWords: [] };
      out.push(cur);
      wrapperOptions = WRAPPERS.has(basename(t));
    }
  }
  return out;
}

export function explainBash(code: string): UtilityExplanation[] {
  const src = String(code);
  const r = parseFull(src);
  if (r.ok) {
    const nodes = preorder(r.parsed.analysis.forest);
    return explainCommands(fromAnalysis(nodes, r.parsed.analysis.roles));
  }
  return explainCommands(fromTokens(src));
}
