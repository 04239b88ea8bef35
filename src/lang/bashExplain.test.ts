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
    expect(lookupUtility("find")?.flags["-name"]).toMatch(/^Match the file name/);
    // every spelling of an option has its meaning; no trailing colon, no "More information"
    expect(description("rm", "-r")).toBe("Remove directories and everything inside them");
    expect(description("rm", "--recursive")).toBe(description("rm", "-r"));
    expect(description("rm", "-R")).toBe(description("rm", "-r"));
    for (const u of Object.values(table.utilities) as { summary: string; flags: Record<string, string> }[]) {
      expect(u.summary).not.toMatch(/^(More information|See also)/);
      for (const d of Object.values(u.flags)) expect(d).not.toMatch(/:$/);
    }
  });

  it("keeps the common page's summary and adds the linux page's option lines (cal -m)", () => {
    expect(lookupUtility("cat")?.summary).toBe("Print and concatenate files.");
    expect(lookupUtility("cal")?.summary).toBeDefined();
    expect(description("cal", "-m")).toBe("Use Monday as the first day of the week"); // linux page only
  });

  it("takes a tldr line only where it shows one option by itself, never an example that merely contains it", () => {
    // `ls {{[-a|--all]}}`-style lines of a page the curated table does not cover are kept …
    expect(description("mktemp", "--directory")).toBe("Create an empty temporary directory and print its absolute path");
    // … examples with several options, literal values or pipes are not: these had the example sentences of issue 20
    for (const [utility, flag] of [["find", "-daystart"], ["jq", "-r"], ["ffmpeg", "-i"], ["tar", "-a"]] as const) {
      const d = description(utility, flag);
      if (d !== undefined) expect(d, `${utility} ${flag}`).not.toMatch(/^(Find all files|Extract|Convert|Create)/);
    }
    for (const u of Object.values(table.utilities) as { flags: Record<string, string> }[]) {
      for (const d of Object.values(u.flags)) expect(d).not.toMatch(/pass the results to a single command/);
    }
  });

  it("does not give a wrapper the flags of the command it runs (xargs sh -c)", () => {
    expect(description("xargs", "-c")).toBeUndefined();
    expect(description("xargs", "-n")).toBeDefined();
    expect(description("sudo", "-u")).toBeDefined();
  });

  it("splits tldr's option clusters but not bare single-dash words (find -name)", () => {
    expect(description("ls", "-l")).toBeDefined();
    expect(description("ls", "-la")).toBeUndefined(); // a cluster is several options, explained letter by letter
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
    expect(r[0].flags[0]).toEqual({ flag: "-name", description: description("find", "-name") });
    expect(r[0].flags[1]?.description).toMatch(/^Modification time, in days/);
  });

  it("sudo and the command it runs, a cluster letter by letter", () => {
    const r = explainBash("sudo rm -rf /tmp/x");
    expect(utilities(r)).toEqual(["sudo", "rm"]);
    expect(flags(r, "sudo")).toEqual([]);
    expect(r[1].flags).toEqual([
      { flag: "-r", description: "Remove directories and everything inside them" },
      { flag: "-f", description: "Never ask, and ignore files that do not exist" },
    ]);
  });

  it("a cluster the table knows whole is kept whole; long options lose their value", () => {
    expect(flags(explainBash("wget -np -r http://x/"), "wget")).toEqual(["-np", "-r"]);
    expect(flags(explainBash("ls -la"), "ls")).toEqual(["-l", "-a"]);
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
    expect(flags(r, "ls")).toEqual(["-l", "-a"]);

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

describe("explainBash on 20 common commands: each flag gets the meaning of the utility's own option", () => {
  const cases: [string, Record<string, Record<string, RegExp>>][] = [
    ["find . -type f -mtime -1", { find: { "-type": /kind of file/, "-mtime": /^Modification time, in days/ } }],
    ["find /tmp -name '*.log' -print", { find: { "-name": /file name/, "-print": /^Print the path of each match/ } }],
    ["find . -name '*.tmp' -exec rm -f {} \\;", { find: { "-exec": /^Run a command on each match/ }, rm: { "-f": /^Never ask/ } }],
    ["find . -name '*.bak' -delete", { find: { "-delete": /^Delete each match/ } }],
    ["tar -xvf archive.tar", { tar: { "-x": /^Extract files/, "-v": /^Verbose: list each file/, "-f": /archive file/ } }],
    ["tar czf backup.tgz dir", { tar: { "-c": /^Create a new archive/, "-z": /gzip/, "-f": /archive file/ } }],
    ["split -l 1000 big.txt part_", { split: { "-l": /^Put this many lines in each output file/ } }],
    ["grep -rn TODO src", { grep: { "-r": /every file under/, "-n": /line number/ } }],
    ["grep -iv error log.txt", { grep: { "-i": /^Ignore case/, "-v": /do NOT match/ } }],
    ["ls -lah", { ls: { "-l": /^Long format/, "-a": /hidden/, "-h": /K, M, G/ } }],
    ["sort -t, -k2 -nr data.csv", { sort: { "-t": /separates fields/, "-k": /field/, "-n": /as numbers/, "-r": /^Reverse/ } }],
    ["sort access.log | uniq -c | sort -rn | head -5", { uniq: { "-c": /number of times/ }, head: { "-5": /first NUM lines/ } }],
    ["cut -d: -f1 /etc/passwd", { cut: { "-d": /separates fields/, "-f": /fields to print/ } }],
    ["awk -F, '{print $1}' data.csv", { awk: { "-F": /^The field separator/ } }],
    ["sed -i 's/foo/bar/g' notes.txt", { sed: { "-i": /in place/ } }],
    ["wc -l notes.txt", { wc: { "-l": /^Count lines/ } }],
    ["du -sh * | sort -h", { du: { "-s": /total/, "-h": /K, M, G/ }, sort: { "-h": /sizes such as 2K/ } }],
    ["df -h", { df: { "-h": /K, M, G/ } }],
    ["head -n 20 app.log && tail -f app.log", { head: { "-n": /first N lines/ }, tail: { "-f": /appended/ } }],
    ["find . -print0 | xargs -0 grep -l foo", { find: { "-print0": /NUL/ }, xargs: { "-0": /NUL/ }, grep: { "-l": /names of the files/ } }],
    ["cp -r src/ backup/ && mv -i a.txt b.txt", { cp: { "-r": /directories/ }, mv: { "-i": /^Ask before replacing/ } }],
    ["chmod -R 755 public && chown -R www-data public", { chmod: { "-R": /below the path/ }, chown: { "-R": /below the path/ } }],
    ["gzip -9 -k big.log", { gzip: { "-9": /^Best compression/, "-k": /^Keep the input files/ } }],
    ["ps aux | grep node", { ps: { a: /every user/, u: /user-oriented/, x: /without a terminal/ } }],
    ["ps -ef", { ps: { "-e": /^Every process/, "-f": /^Full format/ } }],
    ["kill -9 $(lsof -t -i:8080)", { kill: { "-9": /KILL/ }, lsof: { "-t": /only process ids/, "-i": /^Network connections/ } }],
    ["rm -rf build", { rm: { "-r": /directories/, "-f": /never ask/i } }],
  ];
  it.each(cases)("%s", (code, expected) => {
    const r = explainBash(code);
    for (const [utility, meanings] of Object.entries(expected)) {
      const entry = r.find((x) => x.utility === utility);
      expect(entry, `${code}: ${utility}`).toBeDefined();
      for (const [flag, meaning] of Object.entries(meanings)) {
        const got = entry?.flags.find((f) => f.flag === flag)?.description;
        expect(got, `${code}: ${utility} ${flag}`).toMatch(meaning);
      }
    }
  });

  it("covers at least 20 commands", () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it("a flag with no known meaning shows nothing", () => {
    expect(flags(explainBash("find . -frobnicate"), "find")).toEqual([]);
    expect(flags(explainBash("ls -y"), "ls")).toEqual([]);
    expect(flags(explainBash("ps q"), "ps")).toEqual([]); // no dash option's meaning for a BSD letter
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
