/**
 * Destructive shell patterns the app warns about before showing (or letting anyone copy) a generated command.
 * Two kinds, each with its reason in plain words:
 *  - catastrophic ones (the first block of DANGER_PATTERNS): whole-system deletes, formatting disks, fork bombs …;
 *  - everyday destructive ones (the second block): anything that deletes (`rm`, `unlink`, `find -delete`,
 *    `-exec rm`, `shred`, `truncate`, a `>` redirection or `tee` that empties a file), ends processes (`kill`,
 *    `pkill`, `killall`), may overwrite (`mv`/`cp` without `-n`/`-i`, `dd of=FILE`), changes permissions or owners
 *    recursively (`chmod -R`, `chown -R`, `chgrp -R`), or runs as root (`sudo CMD`, `doas CMD`, `su`). Where a
 *    catastrophic pattern fires on a command, the everyday one of the same family is not repeated for it.
 * Structural: the checks run on the parsed commands (bashCommands.ts), so text inside quotes or arguments is not a
 * command (`echo "rm -rf /"`, `grep rm file`, `echo kill` are harmless) while wrappers are seen through
 * (`sudo rm -rf /`, `find / -exec rm -rf / \;`, `xargs rm`, `kill $(lsof -t -i:8080)`). The strings run by
 * `sh|bash|zsh|dash|ksh -c STRING`, `su -c STRING`, `eval …` and `watch 'STRING'` are parsed and checked too (3 levels
 * deep). The fork bomb is found structurally (a function that runs itself twice, or in the background, and is
 * called); a regular expression is used for it only when the code does not parse.
 * Every danger is reported once per id and matched text; `match` is the offending command (or redirection) as written.
 */
import { analyze, basename, preorder, type CmdInfo } from "./bashCommands";
import { parseScript, type FunctionNode, type ListNode, type Redirect } from "./bashParser";

/** A destructive pattern found in a piece of code: which one, why it is dangerous, and the offending text. */
export interface Danger {
  id: string;
  reason: string;
  match: string;
}

export const DANGER_PATTERNS: readonly { id: string; reason: string }[] = [
  { id: "rm-recursive-broad", reason: "Deletes recursively a whole tree that is far too broad: the root, a system directory, your home directory, the current or parent directory, or everything a bare * matches." },
  { id: "rm-no-preserve-root", reason: "Turns off rm's safeguard against deleting the entire filesystem." },
  { id: "dd-to-device", reason: "dd writes straight onto a disk or partition device, destroying the data on it." },
  { id: "mkfs", reason: "Formats a disk or partition (or turns it into swap), erasing everything stored on it." },
  { id: "chmod-system", reason: "Changes permissions across the whole system (or makes / world-writable with 777), which breaks security and can stop the system from booting." },
  { id: "chown-system", reason: "Changes the owner of system files recursively, which breaks sudo, ssh and most services." },
  { id: "write-raw-disk", reason: "Writes directly onto a raw disk device, overwriting its partition table and filesystems." },
  { id: "fork-bomb", reason: "A fork bomb: a function that keeps starting copies of itself until the machine runs out of processes and freezes." },
  { id: "pipe-to-shell", reason: "Downloads a script from the internet and runs it at once, without any chance to read what it does." },
  { id: "shutdown", reason: "Shuts down, halts or restarts the machine." },
  { id: "kill-all", reason: "Sends a signal to every process you are allowed to signal (pid -1), which usually ends your session or takes the system down." },
  { id: "mv-dev-null", reason: "Moves files onto /dev/null: the files are lost, and /dev/null itself can be replaced by a regular file." },
  { id: "overwrite-system-file", reason: "Overwrites or deletes a critical system file such as /etc/passwd, /etc/shadow or /etc/sudoers, which can lock everyone out of the system." },
  // everyday destructive commands
  { id: "delete", reason: "Deletes files for good: rm and unlink do not use a trash can, so what they remove cannot be restored." },
  { id: "delete-recursive", reason: "Deletes directories with everything inside them (-r), for good: nothing goes to a trash can." },
  { id: "find-delete", reason: "Deletes every file that find matches (-delete), for good: run it once without -delete to see what it would remove." },
  { id: "shred", reason: "Overwrites files with random data so that they can never be recovered (with -u it deletes them too)." },
  { id: "truncate", reason: "Cuts files to the given size (-s 0 empties them): what is cut off is lost." },
  { id: "redirect-truncate", reason: "The > redirection empties the file before writing to it: what it held is lost (>> would append instead)." },
  { id: "tee-overwrite", reason: "tee replaces what the file held with its input (tee -a would append instead)." },
  { id: "kill", reason: "Ends running processes; with -9 (SIGKILL) they stop at once, without saving their work or cleaning up." },
  { id: "kill-by-name", reason: "Ends every process whose name matches, not just one: other programs with a similar name are ended too." },
  { id: "overwrite-move", reason: "mv replaces a file of the same name at the destination without asking (mv -n or mv -i would not)." },
  { id: "overwrite-copy", reason: "cp replaces a file of the same name at the destination without asking (cp -n or cp -i would not)." },
  { id: "dd-overwrite", reason: "dd writes over its output file (of=…) from the start: what that file held is lost." },
  { id: "chmod-recursive", reason: "Changes the permissions of every file and directory below the path (-R): hard to undo, and it can lock you out of your files or open them to others." },
  { id: "chown-recursive", reason: "Changes the owner of every file and directory below the path (-R): hard to undo, and programs that need their files can stop working." },
  { id: "run-as-root", reason: "Runs the command as root (the administrator): nothing stops it from changing or deleting system files." },
];

const REASON = new Map(DANGER_PATTERNS.map((p) => [p.id, p.reason]));

const SYSTEM_DIRS = ["/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/opt", "/proc", "/root", "/sbin", "/srv", "/sys", "/usr", "/var", "/System", "/Users", "/Library", "/Applications"];
const ROOTISH = new Set(["/", "/*", ...SYSTEM_DIRS, ...SYSTEM_DIRS.map((d) => `${d}/*`)]);
const BROAD = new Set([...ROOTISH, "~", "~/*", "$HOME", "${HOME}", "$HOME/*", "${HOME}/*", ".", "./*", "*", "..", "../*", ".*", "/.*", "~/.*"]);
const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "fish", "csh", "tcsh"]);
const DOWNLOADERS = new Set(["curl", "wget", "fetch"]);
const RAW_DISK = /^\/dev\/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme[0-9]|mmcblk[0-9]|disk[0-9]|rdisk[0-9]|md[0-9]|dm-[0-9]|mapper\/|loop[0-9]|sr[0-9])/;
const DEV_SAFE = /^\/dev\/(null|zero|stdout|stderr|stdin|tty|full|random|urandom|fd\/|pts\/)/;
const CRITICAL = /^\/etc\/(passwd|shadow|group|gshadow|sudoers|fstab)$|^\/boot\/./;
const WRITE_OPS = new Set([">", ">|", "&>", ">>", "&>>", "<>"]);

/** `a//b/` -> `a/b`; `/` stays; `./` -> `.`. */
function normPath(p: string): string {
  let s = p.replace(/\/{2,}/g, "/");
  while (s.length > 1 && s.endsWith("/")) s = s.slice(0, -1);
  return s;
}

/**
 * Whether the command has one of the flags `names`. A plain name is compared with the split flags (`--backup` matches
 * `--backup` and `--backup=numbered`, `-n` matches `-vn`); a `--name=value` name with the whole flag word, since the
 * split flags drop the value (`--update=none` matches only `--update=none`, not `--update=all` or a `--update=none`
 * operand after `--`).
 */
function hasFlag(c: CmdInfo, ...names: string[]): boolean {
  const split = names.filter((n) => !n.includes("="));
  const whole = names.filter((n) => n.includes("="));
  if (c.cmd.flags.some((f) => split.includes(f))) return true;
  return whole.length > 0 && c.words.slice(1).some((w) => whole.includes(w.value) && !c.argWords.includes(w));
}

function recursive(c: CmdInfo): boolean {
  return hasFlag(c, "-r", "-R", "--recursive");
}

function subtree(c: CmdInfo): CmdInfo[] {
  return preorder([c]);
}

/** Walks any AST object, calling `f` on every object that has a string `type` (nodes) or is a redirect. */
function walk(root: unknown, f: (o: Record<string, unknown>) => void): void {
  const visit = (n: unknown): void => {
    if (n === null || typeof n !== "object") return;
    if (Array.isArray(n)) {
      for (const x of n) visit(x);
      return;
    }
    const o = n as Record<string, unknown>;
    f(o);
    for (const k of Object.keys(o)) visit(o[k]);
  };
  visit(root);
}

function isRedirect(o: Record<string, unknown>): o is Record<string, unknown> & Redirect {
  return typeof o.op === "string" && typeof o.fd === "string" && typeof o.target === "object";
}

const FORK_BOMB_RE = /([A-Za-z_:.][\w:.-]*)\s*\(\s*\)\s*\{\s*\1\s*\|\s*\1\s*&\s*;?\s*\}\s*;?\s*\1/;

function scan(code: string, depth: number, out: Danger[]): void {
  /** Records a danger; returns true (so a catastrophic finding can keep the everyday one of its family away). */
  const add = (id: string, match: string, detail = ""): true => {
    const m = match.trim();
    const reason = `${REASON.get(id) ?? id}${detail ? ` ${detail}` : ""}`;
    if (!out.some((d) => d.id === id && d.match === m)) out.push({ id, reason, match: m });
    return true;
  };
  const parsed = parseScript(code);
  if (!parsed.ok) {
    const fb = FORK_BOMB_RE.exec(code);
    if (fb) add("fork-bomb", fb[0]);
    return;
  }
  const ast: ListNode = parsed.ast;
  const { forest } = analyze(ast);
  const all = preorder(forest);
  const text = (c: { start: number; end: number }): string => code.slice(c.start, c.end);

  // `… | xargs rm`, `xargs kill`: the wrapped command gets its arguments from standard input
  const fedByXargs = new Set(all.filter((c) => basename(c.cmd.utility) === "xargs").flatMap((c) => c.children));
  for (const c of all) {
    const u = basename(c.cmd.utility);
    const hasOperands = c.argWords.length > 0 || fedByXargs.has(c);
    const args = c.argWords.map((w) => w.value);
    const paths = args.map(normPath);
    const onlyHelp = hasFlag(c, "--help", "--version");
    switch (u) {
      case "rm":
      case "unlink": {
        if (onlyHelp) break;
        let critical = false;
        if (hasFlag(c, "--no-preserve-root")) critical = add("rm-no-preserve-root", text(c));
        if (recursive(c) && paths.some((p) => BROAD.has(p))) critical = add("rm-recursive-broad", text(c));
        if (paths.some((p) => CRITICAL.test(p))) critical = add("overwrite-system-file", text(c));
        if (!critical && hasOperands) add(u === "rm" && recursive(c) ? "delete-recursive" : "delete", text(c));
        break;
      }
      case "find":
        if (hasFlag(c, "-delete")) add("find-delete", text(c));
        break;
      case "truncate":
        if (!onlyHelp) add("truncate", text(c));
        break;
      case "kill":
      case "pkill":
      case "killall": {
        if (onlyHelp || hasFlag(c, "-l", "-L", "--list", "--table") || c.words.slice(1).some((w) => /^-(0|s0|-signal=0)$/.test(w.value))) break;
        if (u === "kill" && c.words.slice(2).some((w) => w.value === "-1")) {
          add("kill-all", text(c));
          break;
        }
        if (!hasOperands) break;
        // `kill $(lsof -t -i:8080)`, `kill `pgrep x``: the targets come from another command
        const chosen = c.argWords.some((w) => w.parts.some((part) => part.kind === "sub"));
        const detail = chosen ? "The processes are chosen by another command ($(…)), so you do not see which ones before they are ended." : "";
        add(u === "kill" ? "kill" : "kill-by-name", text(c), detail);
        break;
      }
      case "dd":
        for (const a of args) {
          if (a.startsWith("of=")) {
            const target = normPath(a.slice(3));
            let critical = false;
            if (target.startsWith("/dev/") && !DEV_SAFE.test(target)) critical = add("dd-to-device", text(c));
            if (CRITICAL.test(target)) critical = add("overwrite-system-file", text(c));
            if (!critical && !DEV_SAFE.test(target)) add("dd-overwrite", text(c));
          }
        }
        break;
      case "mke2fs":
      case "mkswap":
      case "wipefs":
        add("mkfs", text(c));
        break;
      case "chmod": {
        const mode = args[0] ?? "";
        const wide = /^0?777$|^(a|ugo)\+rwx$|^[0-7]?[0-7][0-7][2367]$|^o\+w/.test(mode);
        const targets = paths.slice(1);
        if ((recursive(c) && targets.some((p) => ROOTISH.has(p))) || (wide && targets.some((p) => p === "/" || p === "/*"))) add("chmod-system", text(c));
        else if (recursive(c) && targets.length > 0) add("chmod-recursive", text(c));
        break;
      }
      case "chown":
      case "chgrp":
        if (recursive(c) && paths.slice(1).some((p) => ROOTISH.has(p))) add("chown-system", text(c));
        else if (recursive(c) && paths.length > 1) add("chown-recursive", text(c));
        break;
      case "tee": {
        const append = hasFlag(c, "-a", "--append");
        for (const p of paths) {
          let critical = false;
          if (RAW_DISK.test(p)) critical = add("write-raw-disk", text(c));
          if (CRITICAL.test(p) && !append) critical = add("overwrite-system-file", text(c));
          if (!critical && !append && !DEV_SAFE.test(p) && p !== "-") add("tee-overwrite", text(c));
        }
        break;
      }
      case "cp":
      case "mv":
      case "install":
      case "shred":
      case "cat": {
        const dest = paths[paths.length - 1];
        let critical = false;
        if (u !== "cat" && dest !== undefined && paths.length >= (u === "shred" ? 1 : 2)) {
          if (RAW_DISK.test(dest)) critical = add("write-raw-disk", text(c));
          if (CRITICAL.test(dest)) critical = add("overwrite-system-file", text(c));
          if (u === "mv" && dest === "/dev/null") critical = add("mv-dev-null", text(c));
        }
        if (critical || onlyHelp) break;
        if (u === "shred" && paths.length > 0) add("shred", text(c));
        // -n/--no-clobber/--update=none(-fail) never replace, -i asks first, -b keeps a backup (not --backup=none|off,
        // which makes none); -t DIR names the destination itself
        const backup = hasFlag(c, "-b", "--backup") && !hasFlag(c, "--backup=none", "--backup=off");
        const careful = backup || hasFlag(c, "-n", "--no-clobber", "-i", "--interactive", "--update=none", "--update=none-fail");
        if ((u === "mv" || u === "cp") && !careful && (paths.length >= 2 || hasFlag(c, "-t", "--target-directory"))) {
          add(u === "mv" ? "overwrite-move" : "overwrite-copy", text(c));
        }
        break;
      }
      case "shutdown":
      case "reboot":
      case "halt":
      case "poweroff":
        add("shutdown", text(c));
        break;
      case "init":
      case "telinit":
        if (args.some((a) => a === "0" || a === "6")) add("shutdown", text(c));
        break;
      case "systemctl":
        if (args.some((a) => ["poweroff", "reboot", "halt", "kexec"].includes(a))) add("shutdown", text(c));
        break;
      case "kill":
        if (c.words.slice(2).some((w) => w.value === "-1")) add("kill-all", text(c));
        break;
      case "killall5":
        add("kill-all", text(c));
        break;
      case "eval":
      case "source":
      case ".":
        if (subtree(c).slice(1).some((d) => DOWNLOADERS.has(basename(d.cmd.utility)))) add("pipe-to-shell", text(c));
        if (u === "eval" && depth < 3 && args.length) scan(args.join(" "), depth + 1, out);
        break;
      case "sudo":
      case "doas":
        // `sudo -l`, `sudo -v`, `sudo -k`: no command is run
        if (c.children.length > 0 || hasOperands || hasFlag(c, "-s", "-i", "--shell", "--login")) add("run-as-root", text(c));
        break;
      case "su":
      case "watch": {
        if (u === "su") {
          // `su`, `su -`, `su root`, `su -c CMD`: root; `su - postgres` is another user
          const command = c.words.findIndex((w) => w.value === "-c" || w.value === "--command");
          const users = c.argWords.filter((w) => command < 0 || w !== c.words[command + 1]).map((w) => w.value);
          if (users.every((name) => name === "root" || name === "-")) add("run-as-root", text(c));
        }
        // the command string of `su -c STRING` or `watch 'STRING'` is checked as well
        const i = c.words.findIndex((w) => w.value === "-c" || w.value === "--command");
        const str = u === "su" ? (i >= 0 ? c.words[i + 1]?.value : undefined) : args.length === 1 ? args[0] : undefined;
        if (str !== undefined && depth < 3) scan(str, depth + 1, out);
        break;
      }
      default:
        if (/^mkfs(\..+)?$/.test(u)) add("mkfs", text(c));
    }
    if (SHELLS.has(u)) {
      // sh -c "$(curl …)", bash <(wget -O- …)
      if (subtree(c).slice(1).some((d) => DOWNLOADERS.has(basename(d.cmd.utility)))) add("pipe-to-shell", text(c));
      const i = c.words.findIndex((w) => /^-[a-z]*c[a-z]*$/.test(w.value));
      const str = i >= 0 ? c.words[i + 1] : undefined;
      if (str !== undefined && depth < 3) scan(str.value, depth + 1, out);
    }
  }

  // curl … | sh: a downloader in an earlier element of a pipeline than a shell
  const byPipe = new Map<number, { index: number; c: CmdInfo }[]>();
  for (const c of all) for (const p of c.pipelines) byPipe.set(p.id, [...(byPipe.get(p.id) ?? []), { index: p.index, c }]);
  for (const members of byPipe.values()) {
    const dl = members.filter((m) => subtree(m.c).some((d) => DOWNLOADERS.has(basename(d.cmd.utility))));
    for (const m of members) {
      const runsShell = subtree(m.c).some((d) => SHELLS.has(basename(d.cmd.utility)) && !d.words.some((w) => /^-[a-z]*c[a-z]*$/.test(w.value)));
      if (runsShell && dl.some((d) => d.index < m.index)) {
        const first = dl.filter((d) => d.index < m.index)[0].c;
        add("pipe-to-shell", code.slice(first.start, m.c.end));
      }
    }
  }

  // redirections onto raw disks and critical files (also `> /dev/sda` with no command)
  walk(ast, (o) => {
    if (!isRedirect(o)) return;
    const target = normPath(o.target.value);
    // `>&2`, `2>&1`, `>&-` duplicate or close a descriptor; `>&file` writes to file as `&>` does
    const duplicate = (o.op === ">&" || o.op === "<&") && /^([0-9]+-?|-)$/.test(target);
    if ((!WRITE_OPS.has(o.op) && o.op !== ">&") || duplicate) return;
    const at = code.slice(o.start, o.end);
    let critical = false;
    if (RAW_DISK.test(target)) critical = add("write-raw-disk", at);
    if (CRITICAL.test(target) && o.op !== ">>" && o.op !== "&>>") critical = add("overwrite-system-file", at);
    const truncates = o.op === ">" || o.op === ">|" || o.op === "&>" || o.op === ">&";
    const toProcess = o.target.parts.some((part) => part.kind === "sub" && part.open !== "$(");
    if (!critical && truncates && !toProcess && !DEV_SAFE.test(target) && target !== "") add("redirect-truncate", at);
  });

  // fork bomb: a function that calls itself twice (or in the background) and is called
  const functions: FunctionNode[] = [];
  walk(ast, (o) => {
    if (o.type === "function") functions.push(o as unknown as FunctionNode);
  });
  for (const fn of functions) {
    const name = fn.name.value;
    const body: ListNode = {
      type: "list",
      items: [{ type: "pipeline", bang: false, time: null, commands: [fn.body], ops: [], start: fn.body.start, end: fn.body.end }],
      ops: [""],
      start: fn.body.start,
      end: fn.body.end,
    };
    const selfCalls = preorder(analyze(body).forest).filter((c) => c.cmd.utility === name).length;
    const background = code.slice(fn.body.start, fn.body.end).includes("&");
    const called = all.filter((c) => c.cmd.utility === name).length > selfCalls;
    if (called && (selfCalls >= 2 || (selfCalls >= 1 && background))) add("fork-bomb", code.slice(fn.start, ast.end));
  }
}

export function findDangers(code: string): Danger[] {
  const out: Danger[] = [];
  try {
    scan(String(code), 0, out);
  } catch {
    // never throws: a failure of the checks reports what was found so far
  }
  return out;
}
