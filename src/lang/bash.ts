/**
 * Bash: parsing, NL2Bash-style templates, the NLC2CMD metric and the danger table. See docs/bash-metrics.md.
 *
 *   parseBash(code)                -> {ok, commands: [{utility, flags, args}], error?: {message, position}} (never throws)
 *   isValidBash(code)              -> syntactic validity (bash grammar; see bashParser.ts)
 *   bashTemplate(code)             -> template string, or null when the code does not parse
 *   nlc2cmdScore(gold, predicted)  -> IBM NLC2CMD (NeurIPS 2020) per-pair score in -1..1 (confidence 1)
 *   nlc2cmdTopK(gold, preds, k)    -> the competition's rule over the first k predictions
 *   findDangers(code), DANGER_PATTERNS (bashDanger.ts)
 *
 * COMMANDS (bashCommands.ts): every simple command in pre-order (parent before the commands nested in it), walking into
 * pipelines, lists, subshells, groups, loops, `$(…)`, backticks, `<(…)`; wrappers (`sudo`, `xargs`, `nohup`, `time`,
 * `env`, `nice`, `timeout`, `watch`) are listed themselves and followed by the command they run, `find … -exec CMD ;`
 * likewise. `flags` are split for scoring (`-la` -> `-l`, `-a`; `--color=auto` -> `--color`); for `find` the
 * primaries (`-name`, `-type`, `-exec` …) are the flags and their operands arguments.
 *
 * TEMPLATE RULE: the parse printed back with every utility name, flag word (as written, except that the value of
 * `--opt=value` becomes `ARG`), reserved word, operator (`| |& && || ; & ( ) { }`, `!`, find's `\( \) ! , \; +`,
 * `--`), redirection operator (`2>&1`-style fd duplications kept whole) and `[[ ]]` test operator kept, and every
 * argument (paths, patterns, numbers, quoted strings, variables, assignment names and values, loop variables,
 * redirection targets, here-doc delimiters) replaced by `ARG`. A word made of literal text and substitutions keeps
 * the substitutions: `"$(date +%s).log"` -> `$( date ARG )ARG`; backticks print as `$( … )`. Tokens are joined by one
 * space, newlines become `;`, a trailing `;` is dropped. The template is taken of the whitespace-normalised code
 * (as exact match compares it), so two codes equal under exact match have the same template (checked over the data
 * in bash.test.ts); code whose normalised form does not parse (a here-document) is templated as written.
 */
import { analyze, preorder, subtreeFlags, type Analysis, type BashCommand, type CmdInfo } from "./bashCommands";
import { normalizeWhitespace } from "./whitespace";
import { parseScript, type CommandNode, type ListNode, type PipelineNode, type Redirect, type Word } from "./bashParser";

// Types live where they are produced (bashCommands.ts, bashDanger.ts), so those modules never import this one.
export type { BashCommand } from "./bashCommands";
export { findDangers, DANGER_PATTERNS, type Danger } from "./bashDanger";

export interface BashParse {
  ok: boolean;
  commands: BashCommand[];
  error?: { message: string; position: number };
}

interface Parsed {
  ast: ListNode;
  analysis: Analysis;
}

/** Internal: the AST and command analysis, or the syntax error. */
export function parseFull(code: string): { ok: true; parsed: Parsed } | { ok: false; error: { message: string; position: number } } {
  const r = parseScript(code);
  if (!r.ok) return r;
  try {
    return { ok: true, parsed: { ast: r.ast, analysis: analyze(r.ast) } };
  } catch (e) {
    return { ok: false, error: { message: `internal analysis error: ${String(e)}`, position: 0 } };
  }
}

export function parseBash(code: string): BashParse {
  const r = parseFull(String(code));
  if (!r.ok) return { ok: false, commands: [], error: r.error };
  return { ok: true, commands: preorder(r.parsed.analysis.forest).map((n) => n.cmd) };
}

export function isValidBash(code: string): boolean {
  return parseScript(String(code)).ok;
}

// ------------------------------------------------------------------------------------------------ template

const PLACEHOLDER = "ARG";

class Templater {
  constructor(private readonly roles: Analysis["roles"]) {}

  word(w: Word): string {
    let out = "";
    for (const p of w.parts) out += p.kind === "lit" ? PLACEHOLDER : `${p.open} ${this.list(p.body)} )`;
    return out || PLACEHOLDER;
  }

  private assignment(w: Word): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.exec(w.raw);
    const rest = m ? w.raw.slice(m[0].length) : w.raw;
    const op = m && m[0].endsWith("+=") ? "+=" : "=";
    if (rest === "") return `${PLACEHOLDER}${op}`;
    const parts = w.parts.slice();
    if (parts.length > 1 && parts[0].kind === "lit" && /^"?(\$\(|`|<\(|>\()/.test(rest)) parts.shift();
    return `${PLACEHOLDER}${op}${this.word({ ...w, parts })}`;
  }

  private roleWord(w: Word): string {
    const role = this.roles.get(w) ?? "arg";
    if (role === "utility") return w.parts.some((p) => p.kind === "sub") ? this.word(w) : w.value;
    if (role === "flag") {
      const eq = w.value.indexOf("=");
      if (w.value.startsWith("--") && eq > 0) return `${w.value.slice(0, eq)}=${PLACEHOLDER}`;
      return w.value;
    }
    if (role === "op") {
      const v = w.value;
      return v === ";" ? "\\;" : v === "(" ? "\\(" : v === ")" ? "\\)" : v;
    }
    return this.word(w);
  }

  private redirect(r: Redirect): string {
    const op = `${r.fd}${r.op}`;
    if ((r.op === ">&" || r.op === "<&") && /^([0-9]+-?|-)$/.test(r.target.value)) return `${op}${r.target.value}`;
    return `${op} ${this.word(r.target)}`;
  }

  private withRedirects(head: string, rs: Redirect[]): string {
    return rs.length ? `${head} ${rs.map((r) => this.redirect(r)).join(" ")}` : head;
  }

  list(l: ListNode): string {
    const out: string[] = [];
    l.items.forEach((item, i) => {
      out.push(this.pipeline(item));
      const op = l.ops[i];
      const last = i === l.items.length - 1;
      if (op === "&&" || op === "||" || op === "&") out.push(op);
      else if ((op === ";" || op === "\n") && !last) out.push(";");
    });
    return out.join(" ");
  }

  private pipeline(p: PipelineNode): string {
    const out: string[] = [];
    if (p.time) out.push(p.time);
    if (p.bang) out.push("!");
    p.commands.forEach((c, i) => {
      out.push(this.command(c));
      if (i < p.ops.length) out.push(p.ops[i]);
    });
    return out.join(" ");
  }

  private body(l: ListNode): string {
    return this.list(l);
  }

  command(c: CommandNode): string {
    switch (c.type) {
      case "simple": {
        const items: { start: number; text: string }[] = [];
        for (const w of c.assigns) items.push({ start: w.start, text: this.assignment(w) });
        for (const w of c.words) items.push({ start: w.start, text: this.roleWord(w) });
        for (const r of c.redirects) items.push({ start: r.start, text: this.redirect(r) });
        items.sort((a, b) => a.start - b.start);
        return items.map((x) => x.text).join(" ");
      }
      case "subshell":
        return this.withRedirects(`( ${this.body(c.body)} )`, c.redirects);
      case "group":
        return this.withRedirects(`{ ${this.body(c.body)} ; }`, c.redirects);
      case "for": {
        const head = c.words === null ? `${c.keyword} ${PLACEHOLDER}` : [`${c.keyword} ${PLACEHOLDER} in`, ...c.words.map((w) => this.word(w))].join(" ");
        return this.withRedirects(`${head} ; do ${this.body(c.body)} ; done`, c.redirects);
      }
      case "arithfor":
        return this.withRedirects(`for (( ${this.word(c.header)} )) ; do ${this.body(c.body)} ; done`, c.redirects);
      case "while":
      case "until":
        return this.withRedirects(`${c.type} ${this.body(c.condition)} ; do ${this.body(c.body)} ; done`, c.redirects);
      case "if": {
        const parts = c.clauses.map((cl, i) => `${i === 0 ? "if" : "elif"} ${this.body(cl.condition)} ; then ${this.body(cl.body)} ;`);
        if (c.elseBody) parts.push(`else ${this.body(c.elseBody)} ;`);
        return this.withRedirects(`${parts.join(" ")} fi`, c.redirects);
      }
      case "case": {
        const items = c.items.map((it) => {
          const pats = it.patterns.map((w) => this.word(w)).join(" | ");
          return `${pats} ) ${it.body ? `${this.body(it.body)} ` : ""}${it.terminator || ";;"}`;
        });
        return this.withRedirects(`case ${this.word(c.subject)} in ${items.join(" ")} esac`.replace(/ {2,}/g, " "), c.redirects);
      }
      case "cond":
        return this.withRedirects(`[[ ${c.words.map((w) => this.roleWord(w)).join(" ")} ]]`, c.redirects);
      case "arith":
        return this.withRedirects(`(( ${this.word(c.expr)} ))`, c.redirects);
      case "function":
        return `${PLACEHOLDER} ( ) ${this.command(c.body)}`;
    }
  }
}

export function bashTemplate(code: string): string | null {
  const original = parseFull(String(code));
  if (!original.ok) return null;
  // The template is taken of the code as exact match sees it (whitespace normalised), so equal codes under exact
  // match always have equal templates; code whose normalised form no longer parses (here-documents, comments
  // followed by more lines) is templated as written.
  const normalised = parseFull(normalizeWhitespace(code));
  const r = normalised.ok ? normalised : original;
  return new Templater(r.parsed.analysis.roles).list(r.parsed.ast);
}

// ------------------------------------------------------------------------------------------------ NLC2CMD

interface UtilityNode {
  name: string;
  flags: Set<string>;
}

/** Utility nodes in pre-order, each with the flags of its subtree; [] when the code does not parse (as bashlint's None). */
function utilityNodes(code: string): UtilityNode[] {
  const r = parseFull(String(code));
  if (!r.ok) return [];
  return preorder(r.parsed.analysis.forest).map((n: CmdInfo) => ({ name: n.cmd.utility, flags: subtreeFlags(n) }));
}

function flagScore(g: UtilityNode | undefined, p: UtilityNode | undefined): number {
  const gf = g ? g.flags : new Set<string>();
  const pf = p ? p.flags : new Set<string>();
  if (gf.size === 0 && pf.size === 0) return 1;
  let inter = 0;
  for (const f of gf) if (pf.has(f)) inter++;
  const union = gf.size + pf.size - inter;
  const z = Math.max(1, gf.size, pf.size);
  return (2 * inter - union) / z;
}

/**
 * IBM's NLC2CMD metric for one prediction (confidence 1), after IBM/clai `utils/metric/metric_utils.py`
 * (`compute_metric`): the utilities of both commands in pre-order, padded to the same length, compared position by
 * position: S_u = 1 if the names are equal (case-insensitive) else 0; S_f = (2|F_g ∩ F_p| − |F_g ∪ F_p|) / max(1,
 * |F_g|, |F_p|) over the flag sets (1 when both are empty; it can reach −2, e.g. `ls -l` vs `ls -a`); per position
 * S_u · (1 + S_f)/2 − (1 − S_u), so −1..1 (−0.5..1 for a right utility); the mean over positions (0 when neither
 * command has a utility).
 */
export function nlc2cmdScore(gold: string, predicted: string): number {
  const g = utilityNodes(gold);
  const p = utilityNodes(predicted);
  const n = Math.max(g.length, p.length);
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const gu = g[i];
    const pu = p[i];
    const su = gu !== undefined && pu !== undefined && gu.name.toLowerCase() === pu.name.toLowerCase() ? 1 : 0;
    const sf = flagScore(gu, pu);
    sum += su * ((1 + sf) / 2) - (1 - su);
  }
  return sum / n;
}

/**
 * The competition's rule for the top-k predictions of one item (`get_score` of the NLC2CMD evaluation harness): the
 * maximum score if any of the first k predictions scores above 0, otherwise their mean; −1 when there are none.
 */
export function nlc2cmdTopK(gold: string, predictions: readonly string[], k: number): number {
  const scores = predictions.slice(0, Math.max(0, Math.floor(k))).map((p) => nlc2cmdScore(gold, p));
  if (scores.length === 0) return -1;
  if (scores.some((s) => s > 0)) return Math.max(...scores);
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}
