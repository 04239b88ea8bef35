/**
 * A parser of the shell command language (bash dialect), written for NL2Bash-style one-liners but covering the grammar:
 * words with quoting (single, double, `$'…'`, `$"…"`, backslash escapes), parameter expansion `${…}`, command
 * substitution `$(…)` and backticks (parsed recursively), arithmetic `$((…))` / `((…))`, process substitution `<(…)`
 * `>(…)`, extglob groups `!(…)` `@(…)` …, array assignments `a=(…)`; operators `| |& && || ; & ;; ( ) { }`, `!`,
 * `time [-p]`; redirections `< > >> >| <> << <<- <<< >& <& &> &>>` with an optional fd number; compound commands
 * (subshell, group, `if`, `for`, `for ((…))`, `select`, `while`, `until`, `case`, `[[ … ]]`, functions); comments;
 * here-documents (bodies read after the next newline; an unterminated one ends at end of input, as bash only warns).
 *
 * `parseScript(code)` returns the AST or a syntax error with a 0-based character position (the opening quote / paren /
 * `$(` for unbalanced ones, the offending token otherwise, `code.length` for an unexpected end). It never throws.
 * The interpretation of words (utility, flags, wrappers) lives in bashCommands.ts; the public API in bash.ts.
 */

export interface WordPartLiteral {
  kind: "lit";
}
export interface WordPartSub {
  kind: "sub";
  /** `$(`: command substitution ($(…) or backticks); `<(` / `>(`: process substitution. */
  open: "$(" | "<(" | ">(";
  body: ListNode;
}
export type WordPart = WordPartLiteral | WordPartSub;

export interface Word {
  /** The source text of the word. */
  raw: string;
  /** The word after quote removal (expansions kept as written). */
  value: string;
  start: number;
  end: number;
  /** True when any part of the word was quoted or escaped. */
  quoted: boolean;
  /** Literal runs and substitutions in order (quotes themselves are not parts). */
  parts: WordPart[];
}

export interface Redirect {
  fd: string;
  op: string;
  target: Word;
  start: number;
  end: number;
}

export interface SimpleNode {
  type: "simple";
  assigns: Word[];
  words: Word[];
  redirects: Redirect[];
  start: number;
  end: number;
}
export interface PipelineNode {
  type: "pipeline";
  bang: boolean;
  /** `time` keyword in front of the pipeline ("time" or "time -p"), else null. */
  time: string | null;
  commands: CommandNode[];
  /** "|" or "|&", one fewer than commands. */
  ops: string[];
  start: number;
  end: number;
}
export interface ListNode {
  type: "list";
  items: PipelineNode[];
  /** Operator after each item: "&&", "||", ";", "&", "\n" or "" (none, last item). */
  ops: string[];
  start: number;
  end: number;
}
export interface CompoundNode {
  type: "subshell" | "group";
  body: ListNode;
  redirects: Redirect[];
  start: number;
  end: number;
}
export interface ForNode {
  type: "for";
  keyword: "for" | "select";
  variable: Word;
  words: Word[] | null;
  body: ListNode;
  redirects: Redirect[];
  start: number;
  end: number;
}
export interface ArithForNode {
  type: "arithfor";
  header: Word;
  body: ListNode;
  redirects: Redirect[];
  start: number;
  end: number;
}
export interface LoopNode {
  type: "while" | "until";
  condition: ListNode;
  body: ListNode;
  redirects: Redirect[];
  start: number;
  end: number;
}
export interface IfNode {
  type: "if";
  clauses: { condition: ListNode; body: ListNode }[];
  elseBody: ListNode | null;
  redirects: Redirect[];
  start: number;
  end: number;
}
export interface CaseNode {
  type: "case";
  subject: Word;
  items: { patterns: Word[]; body: ListNode | null; terminator: string }[];
  redirects: Redirect[];
  start: number;
  end: number;
}
export interface CondNode {
  type: "cond";
  /** Words and operators between `[[` and `]]`; operators are words whose `raw` is the operator. */
  words: Word[];
  redirects: Redirect[];
  start: number;
  end: number;
}
export interface ArithNode {
  type: "arith";
  expr: Word;
  redirects: Redirect[];
  start: number;
  end: number;
}
export interface FunctionNode {
  type: "function";
  name: Word;
  body: CommandNode;
  start: number;
  end: number;
}
export type CommandNode =
  | SimpleNode
  | CompoundNode
  | ForNode
  | ArithForNode
  | LoopNode
  | IfNode
  | CaseNode
  | CondNode
  | ArithNode
  | FunctionNode;

export type ParseResult =
  | { ok: true; ast: ListNode }
  | { ok: false; error: { message: string; position: number } };

class ShellSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

type Token =
  | { t: "word"; word: Word; start: number; end: number }
  | { t: "op"; op: string; start: number; end: number }
  | { t: "redir"; fd: string; op: string; start: number; end: number }
  | { t: "eof"; start: number; end: number };

const RESERVED = new Set([
  "if", "then", "elif", "else", "fi", "case", "esac", "for", "select", "while", "until", "do", "done",
  "function", "in", "{", "}", "!", "[[", "]]", "time",
]);
const OPERATORS = [";;&", ";;", ";&", "&&", "||", "|&", "|", "&", ";", "(", ")", "\n"];
const REDIR_OPS = ["<<<", "<<-", "&>>", "<<", ">>", "<>", ">|", ">&", "<&", "&>", "<", ">"];
const META = new Set([" ", "\t", "\n", "|", "&", ";", "(", ")", "<", ">"]);
const NAME_EQ = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
const MAX_DEPTH = 200;

function isBlank(c: string): boolean {
  return c === " " || c === "\t" || c === "\r";
}

class Parser {
  private pos = 0;
  private peeked: Token | null = null;
  private pendingHeredocs: { delimiter: string; strip: boolean }[] = [];
  private depth = 0;

  constructor(private readonly src: string) {}

  parse(): ListNode {
    const list = this.parseList(new Set(), true);
    const tok = this.peek();
    if (tok.t !== "eof") this.unexpected(tok);
    return list;
  }

  // ---------------------------------------------------------------- errors

  private fail(message: string, position: number): never {
    throw new ShellSyntaxError(message, position);
  }

  private unexpected(tok: Token): never {
    if (tok.t === "eof") this.fail("syntax error: unexpected end of input", this.src.length);
    const text = tok.t === "word" ? tok.word.raw : tok.t === "op" ? tok.op : tok.fd + tok.op;
    this.fail(`syntax error near unexpected token \`${text === "\n" ? "newline" : text}'`, tok.start);
  }

  // ---------------------------------------------------------------- lexer

  private skipBlanksAndComments(): void {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c !== undefined && isBlank(c)) this.pos++;
      else if (c === "\\" && s[this.pos + 1] === "\n") this.pos += 2;
      else if (c === "#") {
        while (this.pos < s.length && s[this.pos] !== "\n") this.pos++;
      } else break;
    }
  }

  private peek(): Token {
    if (!this.peeked) this.peeked = this.lex();
    return this.peeked;
  }

  private next(): Token {
    const tok = this.peek();
    this.peeked = null;
    return tok;
  }

  private lex(): Token {
    this.skipBlanksAndComments();
    const s = this.src;
    const start = this.pos;
    if (start >= s.length) return { t: "eof", start, end: start };
    if (s[start] === "\n") {
      this.pos++;
      this.readHeredocBodies();
      return { t: "op", op: "\n", start, end: start + 1 };
    }
    // Process substitution at the start of a word.
    if ((s[start] === "<" || s[start] === ">") && s[start + 1] === "(") {
      const word = this.readWord();
      return { t: "word", word, start, end: this.pos };
    }
    // fd number in front of a redirection: 2>, 2>>, 1>&2 ...
    const fdm = /^[0-9]+(?=[<>])/.exec(s.slice(start, start + 12));
    if (fdm) {
      const after = start + fdm[0].length;
      const op = REDIR_OPS.find((o) => s.startsWith(o, after) && !o.startsWith("&"));
      if (op) {
        this.pos = after + op.length;
        return { t: "redir", fd: fdm[0], op, start, end: this.pos };
      }
    }
    for (const op of REDIR_OPS) {
      if (s.startsWith(op, start)) {
        this.pos = start + op.length;
        return { t: "redir", fd: "", op, start, end: this.pos };
      }
    }
    for (const op of OPERATORS) {
      if (s.startsWith(op, start)) {
        this.pos = start + op.length;
        return { t: "op", op, start, end: this.pos };
      }
    }
    const word = this.readWord();
    return { t: "word", word, start, end: this.pos };
  }

  private readHeredocBodies(): void {
    const s = this.src;
    const docs = this.pendingHeredocs;
    this.pendingHeredocs = [];
    for (const doc of docs) {
      for (;;) {
        if (this.pos >= s.length) return; // bash: warning, here-document delimited by end-of-file
        let eol = s.indexOf("\n", this.pos);
        if (eol < 0) eol = s.length;
        let line = s.slice(this.pos, eol);
        if (doc.strip) line = line.replace(/^\t+/, "");
        this.pos = Math.min(eol + 1, s.length);
        if (line === doc.delimiter) break;
      }
    }
  }

  /** Reads one word starting at this.pos (which is not at a metacharacter, except `<(`/`>(`). */
  private readWord(stopChars: ReadonlySet<string> = META, allowParensInWord = false): Word {
    const s = this.src;
    const start = this.pos;
    let value = "";
    let quoted = false;
    const parts: WordPart[] = [];
    let litOpen = false;
    const lit = (text: string): void => {
      value += text;
      if (!litOpen) {
        parts.push({ kind: "lit" });
        litOpen = true;
      }
    };
    const sub = (part: WordPartSub, text: string): void => {
      value += text;
      parts.push(part);
      litOpen = false;
    };
    let parenDepth = 0;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (parenDepth === 0 && stopChars.has(c)) {
        if ((c === "<" || c === ">") && s[this.pos + 1] === "(" && this.pos === start) {
          const p0 = this.pos;
          const body = this.parseSubstitutionBody(this.pos + 2, p0, `${c}(`);
          sub({ kind: "sub", open: c === "<" ? "<(" : ">(", body }, s.slice(p0, this.pos));
          continue;
        }
        if (c === "(" && value.length > 0) {
          // extglob group ?(…) *(…) +(…) @(…) !(…), or an array assignment a=(…)
          const prev = s[this.pos - 1];
          if (prev === "=" && NAME_EQ.test(value) && value.endsWith("=") && this.pos - start === value.length) {
            // array assignment: the elements are words (their substitutions are parsed)
            const p0 = this.pos;
            const subs: WordPartSub[] = [];
            this.pos++;
            for (;;) {
              while (this.pos < s.length && (isBlank(s[this.pos]) || s[this.pos] === "\n")) this.pos++;
              if (this.pos >= s.length) this.fail("unclosed `('", p0);
              if (s[this.pos] === ")") {
                this.pos++;
                break;
              }
              const w = this.readWord();
              for (const part of w.parts) if (part.kind === "sub") subs.push(part);
            }
            lit(s.slice(p0, this.pos));
            parts.push(...subs);
            if (subs.length) litOpen = false;
            continue;
          }
          if ("?*+@!".includes(prev)) {
            const p0 = this.pos;
            this.skipBalancedParens();
            lit(s.slice(p0, this.pos));
            continue;
          }
        }
        break;
      }
      if (allowParensInWord) {
        if (c === "(") parenDepth++;
        else if (c === ")") {
          if (parenDepth === 0) break;
          parenDepth--;
        }
      }
      if (c === "\\") {
        quoted = true;
        const n = s[this.pos + 1];
        if (n === undefined) {
          lit("\\");
          this.pos++;
        } else if (n === "\n") {
          this.pos += 2;
        } else {
          lit(n);
          this.pos += 2;
        }
        continue;
      }
      if (c === "'") {
        quoted = true;
        const close = s.indexOf("'", this.pos + 1);
        if (close < 0) this.fail("unterminated single quote", this.pos);
        lit(s.slice(this.pos + 1, close));
        this.pos = close + 1;
        continue;
      }
      if (c === '"') {
        quoted = true;
        this.readDoubleQuoted(lit, sub);
        continue;
      }
      if (c === "`") {
        const p0 = this.pos;
        const body = this.readBackquote();
        sub({ kind: "sub", open: "$(", body }, s.slice(p0, this.pos));
        continue;
      }
      if (c === "$") {
        if (this.readDollar(lit, sub)) continue;
      }
      lit(c);
      this.pos++;
    }
    if (this.pos === start) this.fail("syntax error: empty word", start);
    return { raw: s.slice(start, this.pos), value, start, end: this.pos, quoted, parts };
  }

  /** Handles `$…` at this.pos; returns false when the `$` is a plain character. */
  private readDollar(lit: (t: string) => void, sub: (p: WordPartSub, t: string) => void): boolean {
    const s = this.src;
    const p0 = this.pos;
    const n = s[p0 + 1];
    if (n === "(") {
      if (s[p0 + 2] === "(") {
        const end = this.findArithEnd(p0 + 3);
        if (end >= 0) {
          this.pos = p0 + 3;
          this.scanArith(end, sub);
          this.pos = end + 2;
          lit(s.slice(p0, this.pos));
          return true;
        }
      }
      const body = this.parseSubstitutionBody(p0 + 2, p0, "$(");
      sub({ kind: "sub", open: "$(", body }, s.slice(p0, this.pos));
      return true;
    }
    if (n === "{") {
      this.pos = p0 + 2;
      this.scanBraces(p0, sub);
      lit(s.slice(p0, this.pos));
      return true;
    }
    if (n === "'") {
      // ANSI-C quoting: backslash escapes inside
      let i = p0 + 2;
      while (i < s.length && s[i] !== "'") i += s[i] === "\\" ? 2 : 1;
      if (i >= s.length) this.fail("unterminated $' quote", p0);
      lit(s.slice(p0 + 2, i));
      this.pos = i + 1;
      return true;
    }
    if (n === '"') {
      this.pos = p0 + 1;
      this.readDoubleQuoted(lit, sub);
      return true;
    }
    return false;
  }

  private readDoubleQuoted(lit: (t: string) => void, sub: (p: WordPartSub, t: string) => void): void {
    const s = this.src;
    const open = this.pos;
    this.pos++;
    let any = false;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === '"') {
        this.pos++;
        if (!any) lit("");
        return;
      }
      any = true;
      if (c === "\\") {
        const n = s[this.pos + 1];
        if (n === "\n") this.pos += 2;
        else if (n !== undefined && '$`"\\'.includes(n)) {
          lit(n);
          this.pos += 2;
        } else {
          lit("\\");
          this.pos++;
        }
        continue;
      }
      if (c === "`") {
        const p0 = this.pos;
        const body = this.readBackquote();
        sub({ kind: "sub", open: "$(", body }, s.slice(p0, this.pos));
        continue;
      }
      if (c === "$" && (s[this.pos + 1] === "(" || s[this.pos + 1] === "{")) {
        this.readDollar(lit, sub);
        continue;
      }
      lit(c);
      this.pos++;
    }
    this.fail("unterminated double quote", open);
  }

  /** `$(` / `<(` / `>(`: parses the command list from `from` up to the matching `)`. */
  private parseSubstitutionBody(from: number, openPos: number, open: string): ListNode {
    if (++this.depth > MAX_DEPTH) this.fail("nesting too deep", openPos);
    const savedPeek = this.peeked;
    const savedHeredocs = this.pendingHeredocs;
    this.peeked = null;
    this.pendingHeredocs = [];
    this.pos = from;
    const body = this.parseList(new Set(), true, openPos, open);
    const tok = this.next();
    if (tok.t === "eof") this.fail(`unclosed \`${open}'`, openPos);
    if (tok.t !== "op" || tok.op !== ")") this.unexpected(tok);
    this.peeked = savedPeek;
    this.pendingHeredocs = savedHeredocs;
    this.depth--;
    return body;
  }

  /** Backquoted command substitution at this.pos: unescapes \` \\ \$ and parses the inside as a script. */
  private readBackquote(): ListNode {
    const s = this.src;
    const open = this.pos;
    let i = open + 1;
    let inner = "";
    const map: number[] = [];
    while (i < s.length && s[i] !== "`") {
      if (s[i] === "\\" && i + 1 < s.length && "`\\$".includes(s[i + 1])) {
        map.push(i + 1);
        inner += s[i + 1];
        i += 2;
      } else {
        map.push(i);
        inner += s[i];
        i++;
      }
    }
    if (i >= s.length) this.fail("unterminated backquote", open);
    this.pos = i + 1;
    if (++this.depth > MAX_DEPTH) this.fail("nesting too deep", open);
    const inner_parser = new Parser(inner);
    inner_parser.depth = this.depth;
    try {
      const body = inner_parser.parse();
      shiftPositions(body, (p) => (p < map.length ? map[p] : i));
      return body;
    } catch (e) {
      if (e instanceof ShellSyntaxError) {
        const p = e.position < map.length ? map[e.position] : i;
        this.fail(`${e.message} (inside backquotes)`, p);
      }
      throw e;
    } finally {
      this.depth--;
    }
  }

  /** Index of the `))` closing an arithmetic expansion whose body starts at `from`, or -1 if it is not one. */
  private findArithEnd(from: number): number {
    const s = this.src;
    let depth = 0;
    let i = from;
    while (i < s.length) {
      const c = s[i];
      if (c === "\\") i += 2;
      else if (c === "'") {
        const j = s.indexOf("'", i + 1);
        if (j < 0) return -1;
        i = j + 1;
      } else if (c === '"') {
        let j = i + 1;
        while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
        if (j >= s.length) return -1;
        i = j + 1;
      } else if (c === "(") {
        depth++;
        i++;
      } else if (c === ")") {
        if (depth === 0) return s[i + 1] === ")" ? i : -1;
        depth--;
        i++;
      } else i++;
    }
    return -1;
  }

  /** Scans an arithmetic body up to `end`, parsing the command substitutions in it. */
  private scanArith(end: number, sub: (p: WordPartSub, t: string) => void): void {
    const s = this.src;
    while (this.pos < end) {
      const c = s[this.pos];
      if (c === "`") {
        const p0 = this.pos;
        sub({ kind: "sub", open: "$(", body: this.readBackquote() }, s.slice(p0, this.pos));
      } else if (c === "$" && s[this.pos + 1] === "(" && s[this.pos + 2] !== "(") {
        const p0 = this.pos;
        sub({ kind: "sub", open: "$(", body: this.parseSubstitutionBody(p0 + 2, p0, "$(") }, s.slice(p0, this.pos));
      } else this.pos++;
    }
  }

  /** At `'`: moves past the closing quote (nothing is special inside single quotes). */
  private skipSingleQuoted(): void {
    const j = this.src.indexOf("'", this.pos + 1);
    if (j < 0) this.fail("unterminated single quote", this.pos);
    this.pos = j + 1;
  }

  /** After `${`: scans to the matching `}` (quotes, nested `${`, `$(` respected). */
  private scanBraces(openPos: number, sub: (p: WordPartSub, t: string) => void): void {
    const s = this.src;
    let depth = 1;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === "\\") this.pos += 2;
      else if (c === "'") this.skipSingleQuoted(); else if (c === '"') {
        this.readDoubleQuoted(() => undefined, sub);
      } else if (c === "`") {
        const p0 = this.pos;
        sub({ kind: "sub", open: "$(", body: this.readBackquote() }, s.slice(p0, this.pos));
      } else if (c === "$" && s[this.pos + 1] === "(") {
        this.readDollar(() => undefined, sub);
      } else if (c === "$" && s[this.pos + 1] === "{") {
        this.pos += 2;
        depth++;
      } else if (c === "}") {
        this.pos++;
        if (--depth === 0) return;
      } else this.pos++;
    }
    this.fail("unclosed `${'", openPos);
  }

  /** At `(`: skips to after the matching `)` (quotes respected); error when unbalanced. */
  private skipBalancedParens(): void {
    const s = this.src;
    const open = this.pos;
    let depth = 0;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === "\\") this.pos += 2;
      else if (c === "'") this.skipSingleQuoted(); else if (c === '"') {
        this.readDoubleQuoted(() => undefined, () => undefined);
      } else if (c === "(") {
        depth++;
        this.pos++;
      } else if (c === ")") {
        this.pos++;
        if (--depth === 0) return;
      } else this.pos++;
    }
    this.fail("unclosed `('", open);
  }

  // ---------------------------------------------------------------- grammar

  private isReserved(tok: Token, word: string): boolean {
    return tok.t === "word" && !tok.word.quoted && tok.word.raw === word;
  }

  private skipNewlines(): void {
    for (;;) {
      const tok = this.peek();
      if (tok.t === "op" && tok.op === "\n") this.next();
      else return;
    }
  }

  /**
   * list := and_or ((';' | '&' | '\n') and_or)* — stops at a reserved word of `stopWords` in command position,
   * at `)`, `;;`-style terminators or end of input. `top`: an empty list is allowed.
   */
  private parseList(stopWords: ReadonlySet<string>, allowEmpty: boolean, openPos = -1, open = ""): ListNode {
    const items: PipelineNode[] = [];
    const ops: string[] = [];
    const start = this.peek().start;
    for (;;) {
      this.skipNewlines();
      const tok = this.peek();
      if (tok.t === "eof") {
        if (openPos >= 0) this.fail(`unclosed \`${open}'`, openPos);
        break;
      }
      if (tok.t === "op" && (tok.op === ")" || tok.op.startsWith(";;") || tok.op === ";&")) break;
      if (tok.t === "word" && !tok.word.quoted && stopWords.has(tok.word.raw)) break;
      // and_or
      items.push(this.parsePipeline());
      ops.push("");
      for (;;) {
        const opTok = this.peek();
        if (opTok.t === "op" && (opTok.op === "&&" || opTok.op === "||")) {
          this.next();
          ops[ops.length - 1] = opTok.op;
          this.skipNewlines();
          items.push(this.parsePipeline());
          ops.push("");
        } else break;
      }
      const sep = this.peek();
      if (sep.t === "op" && (sep.op === ";" || sep.op === "&" || sep.op === "\n")) {
        this.next();
        ops[ops.length - 1] = sep.op;
        continue;
      }
      break;
    }
    if (openPos >= 0 && this.peek().t === "eof") this.fail(`unclosed \`${open}'`, openPos);
    if (!allowEmpty && items.length === 0) this.unexpected(this.peek());
    const end = items.length ? items[items.length - 1].end : start;
    return { type: "list", items, ops, start, end };
  }

  private parsePipeline(): PipelineNode {
    let tok = this.peek();
    const start = tok.start;
    let time: string | null = null;
    let bang = false;
    if (this.isReserved(tok, "time")) {
      this.next();
      time = "time";
      tok = this.peek();
      if (tok.t === "word" && tok.word.raw === "-p") {
        this.next();
        time = "time -p";
        tok = this.peek();
      }
    }
    while (this.isReserved(tok, "!")) {
      this.next();
      bang = true;
      tok = this.peek();
    }
    const commands: CommandNode[] = [];
    const ops: string[] = [];
    if ((time !== null || bang) && this.atPipelineEnd(tok)) {
      // `time` alone or `!` alone is a valid (empty) pipeline in bash
      return { type: "pipeline", bang, time, commands, ops, start, end: tok.start };
    }
    commands.push(this.parseCommand());
    for (;;) {
      const opTok = this.peek();
      if (opTok.t === "op" && (opTok.op === "|" || opTok.op === "|&")) {
        this.next();
        ops.push(opTok.op);
        this.skipNewlines();
        commands.push(this.parseCommand());
      } else break;
    }
    return { type: "pipeline", bang, time, commands, ops, start, end: commands[commands.length - 1].end };
  }

  private atPipelineEnd(tok: Token): boolean {
    return tok.t === "eof" || (tok.t === "op" && [";", "&", "\n", "&&", "||", ")"].includes(tok.op));
  }

  /** A compound command's trailing redirections (`{ …; } > out`, `while …; done < in`) belong to it. */
  private withRedirects<T extends { redirects: Redirect[] }>(node: T): T {
    this.parseRedirects(node.redirects);
    return node;
  }

  private parseRedirects(into: Redirect[]): void {
    for (;;) {
      const tok = this.peek();
      if (tok.t !== "redir") return;
      into.push(this.parseRedirect());
    }
  }

  private parseRedirect(): Redirect {
    const tok = this.next();
    if (tok.t !== "redir") this.unexpected(tok);
    const target = this.next();
    if (target.t !== "word") this.unexpected(target);
    if (tok.op === "<<" || tok.op === "<<-") {
      this.pendingHeredocs.push({ delimiter: target.word.value, strip: tok.op === "<<-" });
    }
    return { fd: tok.fd, op: tok.op, target: target.word, start: tok.start, end: target.end };
  }

  private parseCommand(): CommandNode {
    if (++this.depth > MAX_DEPTH) this.fail("nesting too deep", this.peek().start);
    try {
      return this.parseCommandInner();
    } finally {
      this.depth--;
    }
  }

  private parseCommandInner(): CommandNode {
    const tok = this.peek();
    if (tok.t === "op") {
      if (tok.op === "(") {
        if (this.src[tok.start + 1] === "(") {
          const end = this.findArithEnd(tok.start + 2);
          if (end >= 0) {
            this.peeked = null;
            this.pos = tok.start + 2;
            const exprStart = this.pos;
            const subs: WordPartSub[] = [];
            this.scanArith(end, (p) => subs.push(p));
            this.pos = end + 2;
            const expr = this.literalWord(exprStart, end, subs);
            return this.withRedirects<ArithNode>({ type: "arith", expr, redirects: [], start: tok.start, end: this.pos });
          }
        }
        this.next();
        const body = this.parseList(new Set(), false, tok.start, "(");
        const close = this.next();
        if (close.t !== "op" || close.op !== ")") this.unexpected(close);
        return this.withRedirects<CompoundNode>({ type: "subshell", body, redirects: [], start: tok.start, end: close.end });
      }
      this.unexpected(tok);
    }
    if (tok.t === "eof") this.unexpected(tok);
    if (tok.t === "word" && !tok.word.quoted) {
      switch (tok.word.raw) {
        case "{":
          return this.parseGroup();
        case "if":
          return this.parseIf();
        case "for":
        case "select":
          return this.parseFor();
        case "while":
        case "until":
          return this.parseLoop();
        case "case":
          return this.parseCase();
        case "function":
          return this.parseFunctionKeyword();
        case "[[":
          return this.parseCond();
        case "then":
        case "elif":
        case "else":
        case "fi":
        case "do":
        case "done":
        case "esac":
        case "}":
        case "]]":
          this.unexpected(tok);
      }
    }
    return this.parseSimple();
  }

  private literalWord(start: number, end: number, subs: WordPartSub[] = []): Word {
    const raw = this.src.slice(start, end);
    return { raw, value: raw, start, end, quoted: false, parts: [{ kind: "lit" }, ...subs] };
  }

  private expectWord(word: string): Token {
    const tok = this.next();
    if (!this.isReserved(tok, word)) this.unexpected(tok);
    return tok;
  }

  private parseGroup(): CompoundNode {
    const open = this.next();
    const body = this.parseList(new Set(["}"]), false, open.start, "{");
    const close = this.peek();
    this.expectWord("}");
    return this.withRedirects<CompoundNode>({ type: "group", body, redirects: [], start: open.start, end: close.end });
  }

  private bodyUntil(words: string[], openPos: number, open: string): ListNode {
    return this.parseList(new Set(words), false, openPos, open);
  }

  private parseIf(): IfNode {
    const open = this.next();
    const clauses: IfNode["clauses"] = [];
    let elseBody: ListNode | null = null;
    for (;;) {
      const condition = this.bodyUntil(["then"], open.start, "if");
      this.expectWord("then");
      const body = this.bodyUntil(["elif", "else", "fi"], open.start, "if");
      clauses.push({ condition, body });
      const tok = this.next();
      if (this.isReserved(tok, "elif")) continue;
      if (this.isReserved(tok, "else")) {
        elseBody = this.bodyUntil(["fi"], open.start, "if");
        this.next();
      }
      break;
    }
    return this.withRedirects<IfNode>({ type: "if", clauses, elseBody, redirects: [], start: open.start, end: this.pos });
  }

  private parseDoGroup(openPos: number, open: string): ListNode {
    this.skipNewlines();
    const tok = this.peek();
    if (tok.t === "eof") this.fail(`unclosed \`${open}'`, openPos);
    if (this.isReserved(tok, "{")) {
      // bash accepts `for x in …; { list; }`
      this.next();
      const body = this.bodyUntil(["}"], openPos, open);
      this.expectWord("}");
      return body;
    }
    this.expectWord("do");
    const body = this.bodyUntil(["done"], openPos, open);
    this.expectWord("done");
    return body;
  }

  private parseFor(): ForNode | ArithForNode {
    const open = this.next();
    const keyword = open.t === "word" && open.word.raw === "select" ? "select" : "for";
    const s = this.src;
    this.skipBlanksAndComments();
    if (keyword === "for" && s.startsWith("((", this.pos)) {
      const end = this.findArithEnd(this.pos + 2);
      if (end < 0) this.fail("unclosed `(('", this.pos);
      const hs = this.pos + 2;
      this.pos = hs;
      const subs: WordPartSub[] = [];
      this.scanArith(end, (p) => subs.push(p));
      this.pos = end + 2;
      const header = this.literalWord(hs, end, subs);
      const sep = this.peek();
      if (sep.t === "op" && (sep.op === ";" || sep.op === "\n")) this.next();
      const body = this.parseDoGroup(open.start, "for");
      return this.withRedirects<ArithForNode>({ type: "arithfor", header, body, redirects: [], start: open.start, end: this.pos });
    }
    const nameTok = this.next();
    if (nameTok.t !== "word") this.unexpected(nameTok);
    let words: Word[] | null = null;
    this.skipNewlines();
    const tok = this.peek();
    if (this.isReserved(tok, "in")) {
      this.next();
      words = [];
      for (;;) {
        const w = this.peek();
        if (w.t !== "word") break;
        this.next();
        words.push(w.word);
      }
      const sep = this.next();
      if (!(sep.t === "op" && (sep.op === ";" || sep.op === "\n"))) this.unexpected(sep);
    } else if (tok.t === "op" && tok.op === ";") {
      this.next();
    }
    const body = this.parseDoGroup(open.start, keyword);
    return this.withRedirects<ForNode>({
      type: "for", keyword, variable: nameTok.word, words, body, redirects: [], start: open.start, end: this.pos,
    });
  }

  private parseLoop(): LoopNode {
    const open = this.next();
    const type = open.t === "word" && open.word.raw === "until" ? "until" : "while";
    const condition = this.bodyUntil(["do"], open.start, type);
    this.expectWord("do");
    const body = this.bodyUntil(["done"], open.start, type);
    this.expectWord("done");
    return this.withRedirects<LoopNode>({ type, condition, body, redirects: [], start: open.start, end: this.pos });
  }

  private parseCase(): CaseNode {
    const open = this.next();
    const subj = this.next();
    if (subj.t !== "word") this.unexpected(subj);
    this.skipNewlines();
    this.expectWord("in");
    const items: CaseNode["items"] = [];
    for (;;) {
      this.skipNewlines();
      const tok = this.peek();
      if (tok.t === "eof") this.fail("unclosed `case'", open.start);
      if (this.isReserved(tok, "esac")) {
        this.next();
        break;
      }
      if (tok.t === "op" && tok.op === "(") this.next();
      const patterns: Word[] = [];
      for (;;) {
        const w = this.next();
        if (w.t !== "word") this.unexpected(w);
        patterns.push(w.word);
        const sep = this.next();
        if (sep.t === "op" && sep.op === "|") continue;
        if (sep.t === "op" && sep.op === ")") break;
        this.unexpected(sep);
      }
      const body = this.parseList(new Set(["esac"]), true);
      const term = this.peek();
      let terminator = "";
      if (term.t === "op" && (term.op === ";;" || term.op === ";&" || term.op === ";;&")) {
        this.next();
        terminator = term.op;
      } else if (term.t === "eof") this.fail("unclosed `case'", open.start);
      else if (!this.isReserved(term, "esac")) this.unexpected(term);
      items.push({ patterns, body: body.items.length ? body : null, terminator });
    }
    return this.withRedirects<CaseNode>({ type: "case", subject: subj.word, items, redirects: [], start: open.start, end: this.pos });
  }

  private parseFunctionKeyword(): FunctionNode {
    const open = this.next();
    const name = this.next();
    if (name.t !== "word") this.unexpected(name);
    const p = this.peek();
    if (p.t === "op" && p.op === "(") {
      this.next();
      const close = this.next();
      if (close.t !== "op" || close.op !== ")") this.unexpected(close);
    }
    this.skipNewlines();
    const body = this.parseCommand();
    return { type: "function", name: name.word, body, start: open.start, end: body.end };
  }

  private parseCond(): CondNode {
    const open = this.next();
    if (this.peeked) this.fail("internal: lookahead in [[", open.start);
    const s = this.src;
    const words: Word[] = [];
    let afterRegexOp = false;
    let parens = 0;
    for (;;) {
      while (this.pos < s.length && (isBlank(s[this.pos]) || s[this.pos] === "\n")) this.pos++;
      const p = this.pos;
      if (p >= s.length) this.fail("unclosed `[['", open.start);
      if (s.startsWith("]]", p) && (p + 2 >= s.length || META.has(s[p + 2]))) {
        this.pos = p + 2;
        break;
      }
      const op = ["&&", "||", "(", ")", "!"].find((o) => s.startsWith(o, p));
      if (op && !afterRegexOp && (op !== "!" || p + 1 >= s.length || META.has(s[p + 1]))) {
        if (op === "(") parens++;
        if (op === ")" && --parens < 0) this.fail("syntax error near unexpected token `)'", p);
        this.pos = p + op.length;
        words.push(this.literalWord(p, this.pos));
        continue;
      }
      if ((s[p] === "<" || s[p] === ">") && s[p + 1] !== "(") {
        this.pos = p + 1;
        words.push(this.literalWord(p, this.pos));
        continue;
      }
      if (afterRegexOp) {
        words.push(this.readWord(new Set([" ", "\t", "\n"]), true));
        afterRegexOp = false;
        continue;
      }
      const w = this.readWord();
      words.push(w);
      afterRegexOp = w.raw === "=~";
    }
    if (parens !== 0) this.fail("syntax error in conditional expression: unbalanced `('", open.start);
    return this.withRedirects<CondNode>({ type: "cond", words, redirects: [], start: open.start, end: this.pos });
  }

  private parseSimple(): CommandNode {
    const assigns: Word[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    const start = this.peek().start;
    let end = start;
    for (;;) {
      const tok = this.peek();
      if (tok.t === "redir") {
        const r = this.parseRedirect();
        redirects.push(r);
        end = r.end;
        continue;
      }
      if (tok.t === "word") {
        this.next();
        if (words.length === 0 && NAME_EQ.test(tok.word.raw)) assigns.push(tok.word);
        else words.push(tok.word);
        end = tok.end;
        continue;
      }
      if (tok.t === "op" && tok.op === "(") {
        // function definition: name ( ) compound-command
        if (words.length === 1 && assigns.length === 0 && redirects.length === 0) {
          this.next();
          const close = this.next();
          if (close.t !== "op" || close.op !== ")") this.unexpected(close);
          this.skipNewlines();
          const body = this.parseCommand();
          return { type: "function", name: words[0], body, start, end: body.end };
        }
        this.unexpected(tok);
      }
      break;
    }
    if (assigns.length === 0 && words.length === 0 && redirects.length === 0) this.unexpected(this.peek());
    return { type: "simple", assigns, words, redirects, start, end };
  }
}

/** Rewrites every position in a (backquote) sub-tree through `f`. */
function shiftPositions(node: unknown, f: (p: number) => number): void {
  const seen = new Set<object>();
  const visit = (n: unknown): void => {
    if (n === null || typeof n !== "object" || seen.has(n)) return;
    seen.add(n);
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    const o = n as Record<string, unknown>;
    if (typeof o.start === "number") o.start = f(o.start);
    if (typeof o.end === "number") o.end = f(Math.max(0, o.end - 1)) + 1;
    for (const k of Object.keys(o)) if (k !== "start" && k !== "end") visit(o[k]);
  };
  visit(node);
}

export function parseScript(code: string): ParseResult {
  try {
    return { ok: true, ast: new Parser(code).parse() };
  } catch (e) {
    if (e instanceof ShellSyntaxError) return { ok: false, error: { message: e.message, position: e.position } };
    if (e instanceof RangeError) return { ok: false, error: { message: "input too deeply nested", position: 0 } };
    return { ok: false, error: { message: `internal parser error: ${String(e)}`, position: 0 } };
  }
}

/** The reserved words of the shell (recognised unquoted in command position). */
export const RESERVED_WORDS: ReadonlySet<string> = RESERVED;
