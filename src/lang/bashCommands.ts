/**
 * From the AST of bashParser.ts to simple commands: utility, flags, arguments, and the nesting of commands inside
 * commands (wrappers, `find -exec`, substitutions). Used by bash.ts (parseBash, templates, NLC2CMD) and bashDanger.ts.
 *
 * RULES
 *  - The utility is the first word after the assignments. Flags are the words starting with `-` (not `-` itself, not
 *    after `--`), split for scoring: `--long=value` -> `--long`; `-la` -> `-l`, `-a`; an all-digit cluster stays whole
 *    (`-10`, `-9`); a digit run after letters or any other character ends the cluster as an attached value (`-n5` ->
 *    `-n`, `-F:` -> `-F`, `-I{}` -> `-I`). Every other word is an argument. No per-utility option grammar is used
 *    (so `tail -n -5` counts `-5` as a flag) except for the wrappers and `find` below.
 *  - Wrappers are commands of their own AND hand their command on: `sudo`, `xargs`, `nohup`, `time` (keyword or
 *    utility), `env` (its NAME=value words are arguments), `nice`, `timeout` (duration is an argument) and `watch`
 *    (when the command is given as separate words; `watch 'ls -l'` keeps the string as an argument). Their own
 *    options are parsed with the options that take a value (`sudo -u USER`, `xargs -I {} -n 1 -d X`, `nice -n 5`);
 *    the wrapped command is a child of the wrapper.
 *  - `find`: the primaries (`-name`, `-type`, `-mtime`, `-exec` …) are flags, their operands arguments (so
 *    `-mtime -3`'s `-3` is an argument); `( ) ! ,` are operators (neither flags nor arguments); `-exec`, `-execdir`,
 *    `-ok`, `-okdir` take a command up to `;` or `{} +`, which becomes a child of `find`. Unknown dash words are split
 *    like other flags (`-EXdsx` -> `-E -X -d -s -x`, as in the NLC2CMD reference's own example).
 *  - Commands inside `$(…)`, backticks, `<(…)`, `>(…)` in a command's words or redirections are its children; those
 *    in assignments, `for … in` lists, `case` subjects, arithmetic are top-level, in source order. `[[ … ]]` is a
 *    command with utility `[[`; `(( … ))`, `for`, `while`, `if`, `case`, functions, `{ }`, `( )` are structure, not
 *    commands. Commands are listed in pre-order (parent before children), left to right.
 */
import type { CommandNode, ListNode, Redirect, SimpleNode, Word } from "./bashParser";

/** One simple command as scored: its utility, its flags (split, see RULES) and its arguments. */
export interface BashCommand {
  utility: string;
  flags: string[];
  args: string[];
}

export type Role = "utility" | "flag" | "arg" | "op";

export interface CmdInfo {
  cmd: BashCommand;
  /** Argument words of this command (in order), for checks that need quoting or positions. */
  argWords: Word[];
  /** All words of this command in order (utility, flags, args; not the wrapped command's). */
  words: Word[];
  /** Redirections of the simple command this command (or its outermost wrapper) heads. */
  redirects: Redirect[];
  start: number;
  end: number;
  children: CmdInfo[];
  /** The pipelines this command is an element of (or inside an element of): pipeline id (unique per parse), index. */
  pipelines: { id: number; index: number }[];
}

export interface Analysis {
  forest: CmdInfo[];
  roles: Map<Word, Role>;
}

export function splitFlag(v: string): string[] {
  if (v.startsWith("--")) return [v.split("=")[0]];
  const body = v.slice(1);
  if (/^[0-9]+$/.test(body)) return [v];
  const out: string[] = [];
  for (let k = 0; k < body.length; k++) {
    const ch = body[k];
    if (/[A-Za-z]/.test(ch)) out.push(`-${ch}`);
    else if (/[0-9]/.test(ch) && k === 0) out.push(`-${ch}`);
    else break;
  }
  return out.length ? out : [v];
}

function isFlagWord(v: string): boolean {
  return v.length > 1 && v.startsWith("-");
}

export function basename(utility: string): string {
  const i = utility.lastIndexOf("/");
  return i >= 0 && i < utility.length - 1 ? utility.slice(i + 1) : utility;
}

interface WrapperSpec {
  /** Short options that take a value (attached or next word). */
  shortArg: string;
  /** Short options whose value may only be attached (`xargs -i{}`). */
  shortOptional?: string;
  longArg: string[];
  assignments?: boolean;
  /** Positional operands before the command (`timeout DURATION cmd`). */
  positionals?: number;
  /** `watch`: a single remaining word is a command string, not a command. */
  stringCommand?: boolean;
}

const WRAPPERS: Record<string, WrapperSpec> = {
  sudo: {
    shortArg: "ugpCUrtDRT",
    longArg: ["--user", "--group", "--prompt", "--close-from", "--other-user", "--role", "--type", "--chdir", "--chroot", "--host", "--command-timeout"],
  },
  xargs: {
    shortArg: "InLPsdEa",
    shortOptional: "ile",
    longArg: ["--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"],
  },
  nohup: { shortArg: "", longArg: [] },
  time: { shortArg: "of", longArg: ["--output", "--format"] },
  env: { shortArg: "uCS", longArg: ["--unset", "--chdir", "--split-string"], assignments: true },
  nice: { shortArg: "n", longArg: ["--adjustment"] },
  timeout: { shortArg: "sk", longArg: ["--signal", "--kill-after"], positionals: 1 },
  watch: { shortArg: "nq", longArg: ["--interval", "--equexit"], stringCommand: true },
};

const FIND_NOARG = new Set(
  (
    "-print -print0 -ls -delete -prune -quit -depth -d -mount -xdev -x -empty -true -false -readable -writable " +
    "-executable -follow -noleaf -nouser -nogroup -daystart -ignore_readdir_race -noignore_readdir_race -warn " +
    "-nowarn -help --help -version --version -o -a -or -and -not -H -L -P -E -X -s -xattr -acl"
  ).split(" "),
);
const FIND_ONEARG = new Set(
  (
    "-name -iname -path -ipath -wholename -iwholename -regex -iregex -type -xtype -user -group -uid -gid -perm " +
    "-size -mtime -atime -ctime -Btime -mmin -amin -cmin -Bmin -newer -anewer -cnewer -Bnewer -links -inum " +
    "-samefile -maxdepth -mindepth -fstype -lname -ilname -printf -fprint -fprint0 -fls -used -regextype -context " +
    "-files0-from -D -f -flags"
  ).split(" "),
);
const FIND_EXEC = new Set(["-exec", "-execdir", "-ok", "-okdir"]);
const FIND_OPS = new Set(["(", ")", "!", ","]);

class Analyzer {
  readonly roles = new Map<Word, Role>();
  private pipelines = 0;

  list(list: ListNode): CmdInfo[] {
    const out: CmdInfo[] = [];
    for (const item of list.items) {
      const inner: CmdInfo[] = [];
      const id = this.pipelines++;
      item.commands.forEach((c, index) => {
        for (const info of this.command(c)) {
          info.pipelines.push({ id, index });
          inner.push(info);
        }
      });
      if (item.time !== null) {
        out.push({
          cmd: { utility: "time", flags: item.time === "time -p" ? ["-p"] : [], args: [] },
          argWords: [], words: [], redirects: [], start: item.start, end: item.end, children: inner, pipelines: [],
        });
      } else out.push(...inner);
    }
    return out;
  }

  /** Top-level trees of the substitutions in a word. */
  subs(w: Word): CmdInfo[] {
    const out: CmdInfo[] = [];
    for (const p of w.parts) if (p.kind === "sub") out.push(...this.list(p.body));
    return out;
  }

  private redirectSubs(rs: Redirect[]): CmdInfo[] {
    return rs.flatMap((r) => {
      this.roles.set(r.target, "arg");
      return this.subs(r.target);
    });
  }

  private argsTrees(ws: Word[]): CmdInfo[] {
    return ws.flatMap((w) => {
      this.roles.set(w, "arg");
      return this.subs(w);
    });
  }

  command(node: CommandNode): CmdInfo[] {
    switch (node.type) {
      case "simple":
        return this.simple(node);
      case "subshell":
      case "group":
        return [...this.list(node.body), ...this.redirectSubs(node.redirects)];
      case "for":
        this.roles.set(node.variable, "arg");
        return [...this.argsTrees(node.words ?? []), ...this.list(node.body), ...this.redirectSubs(node.redirects)];
      case "arithfor":
        return [...this.argsTrees([node.header]), ...this.list(node.body), ...this.redirectSubs(node.redirects)];
      case "while":
      case "until":
        return [...this.list(node.condition), ...this.list(node.body), ...this.redirectSubs(node.redirects)];
      case "if": {
        const out: CmdInfo[] = [];
        for (const c of node.clauses) out.push(...this.list(c.condition), ...this.list(c.body));
        if (node.elseBody) out.push(...this.list(node.elseBody));
        return [...out, ...this.redirectSubs(node.redirects)];
      }
      case "case": {
        const out = this.argsTrees([node.subject]);
        for (const it of node.items) {
          out.push(...this.argsTrees(it.patterns));
          if (it.body) out.push(...this.list(it.body));
        }
        return [...out, ...this.redirectSubs(node.redirects)];
      }
      case "cond": {
        const info: CmdInfo = {
          cmd: { utility: "[[", flags: [], args: [] },
          argWords: [], words: node.words, redirects: node.redirects, start: node.start, end: node.end, children: [],
          pipelines: [],
        };
        for (const w of node.words) {
          if (["&&", "||", "(", ")", "!"].includes(w.raw) && !w.quoted) this.roles.set(w, "op");
          else if (isFlagWord(w.value) && !w.quoted) {
            this.roles.set(w, "flag");
            info.cmd.flags.push(w.value);
          } else if (["=", "==", "!=", "=~", "<", ">"].includes(w.raw)) this.roles.set(w, "op");
          else {
            this.roles.set(w, "arg");
            info.cmd.args.push(w.value);
            info.argWords.push(w);
            info.children.push(...this.subs(w));
          }
        }
        info.children.push(...this.redirectSubs(node.redirects));
        return [info];
      }
      case "arith":
        return [...this.argsTrees([node.expr]), ...this.redirectSubs(node.redirects)];
      case "function":
        this.roles.set(node.name, "arg");
        return this.command(node.body);
    }
  }

  private simple(node: SimpleNode): CmdInfo[] {
    const out = this.argsTrees(node.assigns);
    if (node.words.length === 0) return [...out, ...this.redirectSubs(node.redirects)];
    const info = this.words(node.words, 0);
    info.redirects = node.redirects;
    info.start = node.start;
    info.end = node.end;
    info.children.push(...this.redirectSubs(node.redirects));
    out.push(info);
    return out;
  }

  private addFlag(info: CmdInfo, w: Word): void {
    this.roles.set(w, "flag");
    info.words.push(w);
    info.cmd.flags.push(...splitFlag(w.value));
    info.children.push(...this.subs(w));
  }

  private addArg(info: CmdInfo, w: Word): void {
    this.roles.set(w, "arg");
    info.words.push(w);
    info.argWords.push(w);
    info.cmd.args.push(w.value);
    info.children.push(...this.subs(w));
  }

  private addOp(info: CmdInfo, w: Word): void {
    this.roles.set(w, "op");
    info.words.push(w);
  }

  /** The command starting at words[i] (through to the end of `words`). */
  words(words: Word[], i: number): CmdInfo {
    const u = words[i];
    this.roles.set(u, "utility");
    const info: CmdInfo = {
      cmd: { utility: u.value, flags: [], args: [] },
      argWords: [], words: [u], redirects: [], start: u.start, end: words[words.length - 1].end,
      children: this.subs(u),
      pipelines: [],
    };
    const base = basename(u.value);
    if (base === "find") this.find(info, words, i + 1);
    else if (Object.prototype.hasOwnProperty.call(WRAPPERS, base)) this.wrapper(info, words, i + 1, WRAPPERS[base]);
    else this.generic(info, words, i + 1);
    return info;
  }

  private generic(info: CmdInfo, words: Word[], j: number): void {
    let afterDashes = false;
    for (; j < words.length; j++) {
      const w = words[j];
      if (!afterDashes && w.value === "--") {
        this.addOp(info, w);
        afterDashes = true;
      } else if (!afterDashes && isFlagWord(w.value)) this.addFlag(info, w);
      else this.addArg(info, w);
    }
  }

  private wrapper(info: CmdInfo, words: Word[], j: number, spec: WrapperSpec): void {
    let positionals = spec.positionals ?? 0;
    while (j < words.length) {
      const w = words[j];
      const v = w.value;
      if (v === "--") {
        this.addOp(info, w);
        j++;
        break;
      }
      if (isFlagWord(v)) {
        this.addFlag(info, w);
        j++;
        if (v.startsWith("--")) {
          if (!v.includes("=") && spec.longArg.includes(v) && j < words.length) this.addArg(info, words[j++]);
          continue;
        }
        // short cluster: the first letter that takes a value ends it; the value is attached or the next word
        for (let k = 1; k < v.length; k++) {
          const ch = v[k];
          if (spec.shortOptional?.includes(ch)) break;
          if (spec.shortArg.includes(ch)) {
            if (k === v.length - 1 && j < words.length) this.addArg(info, words[j++]);
            break;
          }
        }
        continue;
      }
      if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) {
        this.addArg(info, w);
        j++;
        continue;
      }
      if (positionals > 0) {
        this.addArg(info, w);
        positionals--;
        j++;
        continue;
      }
      break;
    }
    if (j >= words.length) return;
    if (spec.stringCommand && j === words.length - 1 && /\s/.test(words[j].value)) {
      this.addArg(info, words[j]);
      return;
    }
    info.children.push(this.words(words, j));
  }

  private find(info: CmdInfo, words: Word[], j: number): void {
    // leading options -H -L -P -D debugopts -Olevel
    while (j < words.length && /^-([HLP]|O[0-9]*|D)$/.test(words[j].value)) {
      const v = words[j].value;
      this.addFlag(info, words[j++]);
      if (v === "-D" && j < words.length) this.addArg(info, words[j++]);
    }
    for (; j < words.length; j++) {
      const w = words[j];
      const v = w.value;
      if (FIND_OPS.has(v)) {
        this.addOp(info, w);
      } else if (FIND_EXEC.has(v)) {
        this.roles.set(w, "flag");
        info.words.push(w);
        info.cmd.flags.push(v);
        let k = j + 1;
        while (k < words.length && !(words[k].value === ";" || (words[k].value === "+" && k > j + 1 && words[k - 1].value === "{}"))) k++;
        if (k > j + 1) info.children.push(this.words(words.slice(j + 1, k), 0));
        if (k < words.length) this.addOp(info, words[k]);
        j = k;
      } else if (FIND_NOARG.has(v)) {
        this.roles.set(w, "flag");
        info.words.push(w);
        info.cmd.flags.push(v);
      } else if (FIND_ONEARG.has(v) || /^-newer[aBcmt][aBcmt]$/.test(v) || v === "-fprintf") {
        this.roles.set(w, "flag");
        info.words.push(w);
        info.cmd.flags.push(v);
        const n = v === "-fprintf" ? 2 : 1;
        for (let a = 0; a < n && j + 1 < words.length; a++) this.addArg(info, words[++j]);
      } else if (isFlagWord(v)) {
        this.addFlag(info, w);
      } else this.addArg(info, w);
    }
  }
}

export function analyze(ast: ListNode): Analysis {
  const a = new Analyzer();
  return { forest: a.list(ast), roles: a.roles };
}

export function preorder(forest: readonly CmdInfo[]): CmdInfo[] {
  const out: CmdInfo[] = [];
  const visit = (n: CmdInfo): void => {
    out.push(n);
    for (const c of n.children) visit(c);
  };
  for (const n of forest) visit(n);
  return out;
}

/** The flags of a command and of every command nested in it (as the NLC2CMD reference collects them). */
export function subtreeFlags(n: CmdInfo): Set<string> {
  const set = new Set<string>();
  const visit = (x: CmdInfo): void => {
    for (const f of x.cmd.flags) set.add(f);
    for (const c of x.children) visit(c);
  };
  visit(n);
  return set;
}
