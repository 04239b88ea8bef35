import { describe, it, expect } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { explainBash, lookupUtility, BASH_EXPLAIN_SOURCE, type UtilityExplanation } from "./bashExplain";
import { parseFull } from "./bash";
import table from "./bashExplain.json";

const utilities = (xs: UtilityExplanation[]) => xs.map((x) => x.utility);
const flags = (xs: UtilityExplanation[], utility: string) => xs.find((x) => x.utility === utility)?.flags.map((f) => f.flag);
const description = (utility: string, flag: string) => lookupUtility(utility)?.flags[flag];

describe("the table", () => {
  it("carries the tldr attribution and the pages the app needs", () => {
    expect(BASH_EXPLAIN_SOURCE).toMatch(/tldr/);
    expect(BASH_EXPLAIN_SOURCE).toMatch(/CC BY 4\.0/);
    expect(lookupUtility("find")?.summary).toBe("Find files or directories under a directory tree, recursively.");
    expect(lookupUtility("find")?.flags["-name"]).toBe("Find files by extension");
    // option placeholders `{{[-r|--recursive]}}` give both forms; no trailing colon, no "More information"
    expect(description("rm", "-r")).toBe("Remove specific files and directories recursively");
    expect(description("rm", "--recursive")).toBe(description("rm", "-r"));
    for (const u of Object.values(table.utilities) as { summary: string; flags: Record<string, string> }[]) {
      expect(u.summary).not.toMatch(/^(More information|See also)/);
      for (const d of Object.values(u.flags)) expect(d).not.toMatch(/:$/);
    }
  });

  it("keeps the common page and adds the linux page's missing flags (cat -n)", () => {
    expect(lookupUtility("cat")?.summary).toBe("Print and concatenate files.");
    expect(description("cat", "-u")).toBeDefined(); // common page
    expect(description("cat", "-n")).toBe("Number all output lines"); // linux page only
  });

  it("does not give a wrapper the flags of the command it runs (xargs sh -c)", () => {
    expect(description("xargs", "-c")).toBeUndefined();
    expect(description("xargs", "-n")).toBeDefined();
    expect(description("sudo", "-u")).toBeDefined();
  });

  it("splits tldr's option clusters but not bare single-dash words (find -name)", () => {
    expect(description("ls", "-l")).toBeDefined(); // only ever shown as {{[-la|-l --all]}}
    expect(description("ls", "-la")).toBeDefined();
    expect(description("find", "-n")).toBeUndefined();
  });

  it("is not fooled by Object.prototype names", () => {
    expect(lookupUtility("constructor")).toBeUndefined();
    expect(lookupUtility("__proto__")).toBeUndefined();
    expect(explainBash("constructor --x; toString -y")).toEqual([]);
  });
});

describe("explainBash", () => {
  it("find with its primaries", () => {
    const r = explainBash("find . -name '*.log' -mtime +7 -delete");
    expect(utilities(r)).toEqual(["find"]);
    expect(r[0].summary).toBe("Find files or directories under a directory tree, recursively.");
    expect(flags(r, "find")).toEqual(["-name", "-mtime", "-delete"]);
    expect(r[0].flags[0]).toEqual({ flag: "-name", description: "Find files by extension" });
  });

  it("sudo and the command it runs, a cluster letter by letter", () => {
    const r = explainBash("sudo rm -rf /tmp/x");
    expect(utilities(r)).toEqual(["sudo", "rm"]);
    expect(flags(r, "sudo")).toEqual([]);
    expect(r[1].flags).toEqual([
      { flag: "-r", description: "Remove specific files and directories recursively" },
      { flag: "-f", description: "Remove specific files ignoring nonexistent ones" },
    ]);
  });

  it("a cluster the table knows whole is kept whole; long options lose their value", () => {
    expect(flags(explainBash("ls -la"), "ls")).toEqual(["-la"]);
    expect(flags(explainBash("ls -al"), "ls")).toEqual(["-a", "-l"]);
    expect(flags(explainBash("rm --recursive --force=yes x"), "rm")).toEqual(["--recursive", "--force"]);
    expect(flags(explainBash("head -n5 f"), "head")).toEqual(["-n"]);
  });

  it("pipelines, lists and substitutions in order of appearance", () => {
    expect(utilities(explainBash("ls -la | grep foo"))).toEqual(["ls", "grep"]);
    expect(utilities(explainBash("echo $(date +%s)"))).toEqual(["echo", "date"]);
    expect(utilities(explainBash("mkdir -p d && cd d || echo `whoami`"))).toEqual(["mkdir", "cd", "echo", "whoami"]);
    const r = explainBash("grep -v x f | sort | uniq -c | sort -rn | head -n 3");
    expect(utilities(r)).toEqual(["grep", "sort", "uniq", "head"]);
    // one entry per utility: the flags of both `sort`s
    expect(flags(r, "sort")).toEqual(expect.arrayContaining(["-r", "-n"]));
    // a flag used twice is listed once
    expect(explainBash("ls -a /x; ls -a -d /y")).toEqual([
      { utility: "ls", summary: "List directory contents.", flags: [
        { flag: "-a", description: description("ls", "-a") },
        { flag: "-d", description: description("ls", "-d") },
      ] },
    ]);
  });

  it("xargs, find -exec, env, paths and loops", () => {
    expect(utilities(explainBash("find . -type f -print0 | xargs -0 grep -l foo"))).toEqual(["find", "xargs", "grep"]);
    const r = explainBash("find /var/log -name '*.gz' -exec rm -f {} \\;");
    expect(utilities(r)).toEqual(["find", "rm"]);
    expect(flags(r, "find")).toEqual(["-name", "-exec"]);
    expect(flags(r, "rm")).toEqual(["-f"]);
    expect(utilities(explainBash("/bin/ls -a /"))).toEqual(["ls"]);
    expect(utilities(explainBash("for f in *.txt; do wc -l \"$f\"; done"))).toEqual(["wc"]);
  });

  it("subcommand pages: git commit", () => {
    const r = explainBash("git add . && git commit -m 'msg'");
    expect(utilities(r)).toEqual(["git add", "git commit"]);
    expect(r[1].summary).toBe(lookupUtility("git-commit")?.summary);
    expect(flags(r, "git commit")).toEqual(["-m"]);
    expect(utilities(explainBash("git -C repo status"))).toEqual(["git"]);
  });

  it("tar's option bundle without a dash", () => {
    expect(flags(explainBash("tar xvf a.tar"), "tar")).toEqual(["-x", "-v", "-f"]);
    expect(flags(explainBash("tar -czf a.tgz dir"), "tar")).toEqual(["-c", "-z", "-f"]);
  });

  it("omits unknown utilities and unknown flags", () => {
    expect(explainBash("frobnicate --wibble x")).toEqual([]);
    const r = explainBash("frobnicate -x | rm --no-such-flag -f x");
    expect(utilities(r)).toEqual(["rm"]);
    expect(flags(r, "rm")).toEqual(["-f"]);
    expect(explainBash("")).toEqual([]);
  });

  it("falls back to plain tokens when the code does not parse", () => {
    const bad = 'ls -la | grep "foo';
    expect(parseFull(bad).ok).toBe(false);
    const r = explainBash(bad);
    expect(utilities(r)).toEqual(["ls", "grep"]);
    expect(flags(r, "ls")).toEqual(["-la"]);

    const bad2 = "sudo rm -rf /tmp/x && echo $(date";
    expect(parseFull(bad2).ok).toBe(false);
    const r2 = explainBash(bad2);
    expect(utilities(r2)).toEqual(["sudo", "rm", "echo", "date"]);
    expect(flags(r2, "rm")).toEqual(["-r", "-f"]);

    const bad3 = "find . -name x -exec rm -f {} \\; | xargs -0 grep -v y (";
    expect(parseFull(bad3).ok).toBe(false);
    expect(utilities(explainBash(bad3))).toEqual(["find", "rm", "xargs", "grep"]);
  });

  it("never throws on odd input", () => {
    for (const code of ["$(", "))))", "'", "a=$(b", "-x", "| |", "\u0000", "find -exec", "sudo", "xargs -I"]) {
      expect(() => explainBash(code)).not.toThrow();
    }
  });
});

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");

describe("the builder", () => {
  // from the tldr pages committed in data/tldr/pages.jsonl.gz, so it runs on every clone
  it("rebuilds the committed table byte for byte (deterministic)", () => {
    const dir = mkdtempSync(join(tmpdir(), "bash-explain-"));
    try {
      execFileSync("node", [join(ROOT, "scripts", "build-bash-explain.mjs"), "--out", dir], { stdio: "pipe" });
      const fresh = readFileSync(join(dir, "bashExplain.json"), "utf8");
      const committed = readFileSync(join(HERE, "bashExplain.json"), "utf8");
      expect(fresh === committed).toBe(true);
      const keys = Object.keys(JSON.parse(fresh).utilities);
      expect(keys).toEqual([...keys].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
