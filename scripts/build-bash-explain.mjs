// Builds src/lang/bashExplain.json, the table that explains Bash utilities and their flags (used by
// src/lang/bashExplain.ts), from the tldr pages (tldr-pages/tldr, CC BY 4.0).
//
// Run:   node scripts/build-bash-explain.mjs            (or: npm run build:bash-explain)
//        node scripts/build-bash-explain.mjs --out DIR  (writes DIR/bashExplain.json instead; used by the test)
//        node scripts/build-bash-explain.mjs --tldr DIR (pages from DIR/{common,linux}, a checkout of tldr-pages/tldr's
//                                                       pages/ at commit 08e345f4; default: data/tldr/pages.jsonl.gz)
//        node scripts/build-bash-explain.mjs --tldr DIR --write-pages   (writes data/tldr/pages.jsonl.gz from DIR:
//                                                       those pages, one JSON line each, so a clone can rebuild)
// Plain Node (>= 18), no dependencies. The output is deterministic (sorted keys, no timestamps).
//
// RULES
//  - Pages: `common/*.md`, then `linux/*.md` for names that are not in common. The utility name is the file name
//    (`git-commit` is the page of `git commit`). For the 35 names with both pages (`cat`, `sed`, `head`, `kill` …)
//    the common page gives the summary and its flags, and the linux page adds the flags the common page lacks
//    (GNU options such as `cat -n`, `sed -i`).
//  - summary: the first `> ` line of the page (never the `See also:` / `More information:` lines).
//  - Flags, first: the curated table scripts/bash-flags.mjs (COMMON_FLAGS: what each common flag of ~90 common
//    utilities means, from their own documentation; ALIASES: `egrep` has grep's). It wins over tldr wherever it
//    has the flag; a curated utility without a tldr page gets an entry with an empty summary.
//  - Flags, second, from tldr only where an example describes ONE option by itself: its command line is the page's
//    utility (after `sudo`, `VAR=value`) with exactly one option (`{{[-a|--all]}}` or `-name` count as one, a
//    cluster `-la` or an old-style `tar xf` as several) and otherwise only placeholders (`{{path/to/file}}`,
//    `'{{*.ext}}'`): no literal value (`split -l 10`, `find . -type d`), no pipe, list or substitution, and no number
//    of the command line in its description ("… having 10 lines"). Then the description is what that option does
//    (`ls {{[-a|--all]}}`: "List all files, including hidden files"). An example with several options describes
//    their combination, never one of them, so it is not used (that was the source of `-mtime` explained as "Find all
//    files modified today and pass the results to a single command …").
//  - A flag with neither a curated meaning nor such an example has no entry: the app then shows nothing for it.
//  - Examples: a `- description` line followed by a `` `command` `` line. The description loses its trailing colon
//    and tldr's mnemonic brackets (`[c]reate` -> `create`, outside backticks).
//  - How an example's options are read: option placeholders `{{[-r|--recursive]}}` are one option with each
//    alternative a spelling (`{{[-la|-l --all]}}` is several); choice placeholders made only of options
//    (`{{--context|--before-context}}`) too; other placeholders and quoted placeholders are values; a bare word
//    starting with `-` is one option as written (`find -name`, `java -jar`: without a per-utility grammar it cannot be
//    told from a cluster); `--long=value` -> `--long`; `tar xf` (the word right after `tar`) is an old-style bundle.
//  - When several single-option examples describe a flag, the earlier one in the page wins.
//  - Size (all 6,608 pages would make 2.1 MB): a page is kept when
//      * its utility (or `utility subcommand`) is used as a command by the CodeFusion Bash data
//        (data/codefusion/benchmarks/BashBenchmarks.json, data/codefusion/pretraining/BashSnippets.txt), or
//      * it is used as a command by a tldr pair (data/tldr/pairs.jsonl) of ANOTHER page (every page uses itself), or
//      * it is a `common` page that is not a subcommand page (`git-commit` is one because `git` is a page).
//    "Used as a command" is a rough tokenisation: the first word of each part of the line split at `|`, `&&`, `||`,
//    `;`, backticks, `$(`, `<(`, `-exec`, `then`, `do`, `else`, after `VAR=value` words and the wrappers.
//    Pages with neither a summary nor a flag are dropped.
import { readFileSync, readdirSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { ALIASES, COMMON_FLAGS } from "./bash-flags.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function argValue(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const TLDR_DIR = argValue("--tldr", null);
const PAGES_FILE = join(ROOT, "data", "tldr", "pages.jsonl.gz");
const OUT_DIR = resolve(argValue("--out", join(ROOT, "src", "lang")));
const SOURCE =
  "tldr-pages (https://github.com/tldr-pages/tldr, pages/common and pages/linux, commit 08e345f4), " +
  "© the tldr-pages team and contributors, CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/): " +
  "summaries, and the descriptions of examples that show one option by itself (trailing colons and mnemonic brackets " +
  "removed); the meanings of common flags are the project's own table (scripts/bash-flags.mjs)";

// ------------------------------------------------------------------------------------------------ tldr pages

/** Splits a command line into tokens: {text, kind} with kind "word" | "op" | "quoted"; placeholders are kept
 *  inside word text as \u0001index\u0002 references into `holes`. */
function tokenize(line, holes) {
  // replace placeholders by references first (they may hold spaces, quotes and pipes)
  let s = "";
  for (let i = 0; i < line.length; ) {
    if (line.startsWith("\\{\\{", i) || line.startsWith("\\}\\}", i)) {
      s += line.slice(i + 1, i + 2) + line.slice(i + 3, i + 4);
      i += 4;
    } else if (line.startsWith("{{", i)) {
      // a placeholder ends at the first `}}` not followed by another `}` (`{{{"a": 1}}}` holds braces)
      let j = line.indexOf("}}", i + 2);
      while (j >= 0 && line[j + 2] === "}") j++;
      if (j < 0) j = line.length;
      holes.push(line.slice(i + 2, j));
      s += `\u0001${holes.length - 1}\u0002`;
      i = j + 2;
    } else s += line[i++];
  }
  const tokens = [];
  let cur = "";
  let quoted = false;
  const flush = () => {
    if (cur !== "" || quoted) tokens.push({ text: cur, kind: quoted ? "quoted" : "word" });
    cur = "";
    quoted = false;
  };
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (c === " " || c === "\t") {
      flush();
      i++;
    } else if (c === "'" || c === '"') {
      // a word with any quoted part is "quoted" when it starts with the quote (`'-x'` is not a flag)
      if (cur === "") quoted = true;
      const j = s.indexOf(c, i + 1);
      const end = j < 0 ? s.length : j;
      cur += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[i + 1];
      i += 2;
    } else if (s.startsWith("&&", i) || s.startsWith("||", i) || s.startsWith("$(", i)) {
      flush();
      tokens.push({ text: s.slice(i, i + 2), kind: "op" });
      i += 2;
    } else if (c === "|" || c === ";" || c === "`" || c === "(" || c === ")") {
      flush();
      tokens.push({ text: c, kind: "op" });
      i++;
    } else {
      cur += c;
      i++;
    }
  }
  flush();
  return tokens;
}

const SHORT_CLUSTER = /^-[A-Za-z0-9]+$/;

function longFlag(w) {
  return w.split("=")[0];
}

/** Flags of one placeholder's content, or [] when it is a value. */
function placeholderFlags(content) {
  const out = [];
  let m = /^\[(.*)\]$/s.exec(content);
  if (m && m[1].includes("|")) {
    for (const alt of m[1].split("|")) {
      for (const w of alt.trim().split(/\s+/)) {
        if (w.startsWith("--") && w.length > 2) out.push(longFlag(w));
        else if (SHORT_CLUSTER.test(w)) {
          out.push(w);
          if (w.length > 2 && /^-[A-Za-z]+$/.test(w)) for (const ch of w.slice(1)) out.push(`-${ch}`);
        }
      }
    }
    return out;
  }
  if (content.includes("|")) {
    const alts = content.split("|");
    if (alts.every((a) => /^--?[A-Za-z][\w-]*$/.test(a))) return alts;
  }
  return out;
}

/** The spellings of the one option an example shows by itself, or null (see RULES: no literal value, no pipe …). */
function singleOption(name, line) {
  const holes = [];
  const tokens = tokenize(line, holes);
  if (tokens.some((t) => t.kind === "op")) return null;
  let i = 0;
  while (i < tokens.length && tokens[i].kind === "word" && ((tokens[i].text === "sudo" && name !== "sudo") || /^[A-Za-z_]\w*=/.test(tokens[i].text))) i++;
  let joined = "";
  let matched = -1;
  for (let k = i; k < tokens.length && k < i + 4; k++) {
    if (tokens[k].kind !== "word") break;
    joined = joined ? `${joined}-${tokens[k].text}` : tokens[k].text;
    if (joined === name) {
      matched = k + 1;
      break;
    }
    if (!name.startsWith(`${joined}-`)) break;
  }
  if (matched < 0) return null;
  const onlyPlaceholders = (text) => text.replace(/\u0001\d+\u0002/g, "") === "";
  const options = [];
  for (let j = matched; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.kind === "quoted" || !t.text.startsWith("-") || t.text === "--") {
      const only = /^\u0001(\d+)\u0002$/.exec(t.text);
      if (only && t.kind === "word") {
        const content = holes[Number(only[1])];
        const flags = placeholderFlags(content);
        if (flags.length === 0) continue; // a value
        // one option spelled several ways: every alternative is one word, none a cluster of letters
        const alts = /^\[(.*)\]$/s.exec(content)?.[1].split("|") ?? content.split("|");
        if (alts.some((a) => a.trim().split(/\s+/).length !== 1 || /^-[A-Za-z]{2,}$/.test(a.trim()))) return null;
        options.push(flags);
        continue;
      }
      if (t.text === "--") continue;
      if (onlyPlaceholders(t.text)) continue; // `'{{*.ext}}'`, `{{user}}:{{group}}`
      return null; // a literal value: the description speaks of it
    }
    const w = t.text.split("\u0001")[0];
    if (w.startsWith("--")) {
      const f = longFlag(w);
      if (!/^--[A-Za-z0-9][\w.-]*$/.test(f)) return null;
      options.push([f]);
    } else {
      const m = /^-[A-Za-z0-9][A-Za-z0-9_-]*/.exec(w);
      if (!m) return null;
      options.push([m[0]]);
    }
    // a literal value attached to the option (`-n5`, `--lines=10`)
    const rest = t.text.slice(w.length);
    const value = w.includes("=") ? w.slice(w.indexOf("=") + 1) : "";
    if (!onlyPlaceholders(rest) || (value !== "" && !onlyPlaceholders(value))) return null;
  }
  return options.length === 1 ? options[0] : null;
}

/** The numbers written in an example's command line (`split -l 10`, `{{10}}`): a description naming one of them
 *  describes the example, not the option. */
function numbersOf(text) {
  return new Set(text.match(/\d+/g) ?? []);
}

function cleanDescription(text) {
  // drop mnemonic brackets outside backticks: `[c]reate` -> `create`, `e[x]tract` -> `extract`
  const pieces = text.split("`");
  for (let i = 0; i < pieces.length; i += 2) pieces[i] = pieces[i].replace(/\[([A-Za-z0-9])\]/g, "$1");
  const s = pieces.join("`").replace(/:\s*$/, "").replace(/\s+/g, " ").trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function parsePage(name, text) {
  const lines = text.split(/\r?\n/);
  let summary = "";
  const examples = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith(">") && summary === "") {
      const s = line.slice(1).trim();
      if (!/^(More information|See also)\b/i.test(s)) summary = s;
    } else if (line.startsWith("- ")) {
      let j = i + 1;
      while (j < lines.length && lines[j].trim() === "") j++;
      const cmd = lines[j]?.trim() ?? "";
      if (cmd.startsWith("`") && cmd.endsWith("`") && cmd.length > 1) {
        examples.push({ description: cleanDescription(line.slice(2)), command: cmd.slice(1, -1) });
        i = j;
      }
    }
  }
  const described = new Map(); // flag -> description of the first example showing it by itself
  for (const ex of examples) {
    const spellings = singleOption(name, ex.command);
    if (spellings === null) continue;
    const numbers = numbersOf(ex.command);
    if ((ex.description.match(/\d+/g) ?? []).some((n) => numbers.has(n))) continue;
    for (const f of spellings) if (!described.has(f)) described.set(f, ex.description);
  }
  const flags = {};
  for (const f of [...described.keys()].sort()) flags[f] = described.get(f);
  return { summary, flags };
}

// ------------------------------------------------------------------------------------------------ project data

const WRAPPERS = new Set(["sudo", "xargs", "nohup", "time", "env", "nice", "timeout", "watch", "exec", "command", "builtin"]);

/** Utility names (and `utility-subcommand` names) used by a command line, by a rough tokenisation. */
function usedNames(code, into) {
  const parts = code.split(/\|\||&&|[|;`\n]|\$\(|<\(|>\(|\s-exec(?:dir)?\s|\s-ok(?:dir)?\s|\bthen\b|\bdo\b|\belse\b/);
  for (const part of parts) {
    const words = part.trim().split(/\s+/).filter((w) => w !== "" && !/^[({!]$/.test(w));
    let i = 0;
    while (i < words.length) {
      const w = words[i];
      if (/^[A-Za-z_]\w*=/.test(w) || w === "if" || w === "while" || w === "until" || w === "{{") {
        i++;
        continue;
      }
      const base = w.replace(/^.*\//, "");
      if (WRAPPERS.has(base)) {
        into.add(base);
        i++;
        while (i < words.length && words[i].startsWith("-")) i++; // options of the wrapper (values are not skipped)
        continue;
      }
      break;
    }
    if (i >= words.length) continue;
    const u = words[i].replace(/^.*\/(?=.)/, "").replace(/^["']|["']$/g, "");
    if (u === "") continue;
    into.add(u);
    if (i + 1 < words.length && /^[a-z0-9][\w.-]*$/.test(words[i + 1])) into.add(`${u}-${words[i + 1]}`);
  }
}

/** Names used as commands by the project's Bash data: the CodeFusion Bash data (benchmarks and pretraining
 *  snippets), and the tldr pairs' commands where the name is not the pair's own page (or its parent). */
function projectNames() {
  const names = new Set();
  const bench = join(ROOT, "data", "codefusion", "benchmarks", "BashBenchmarks.json");
  if (existsSync(bench)) {
    const j = JSON.parse(readFileSync(bench, "utf8"));
    for (const split of Object.values(j)) for (const it of split) usedNames(String(it.Code ?? ""), names);
  }
  const snippets = join(ROOT, "data", "codefusion", "pretraining", "BashSnippets.txt");
  if (existsSync(snippets)) for (const line of readFileSync(snippets, "utf8").split("\n")) usedNames(line, names);
  const pairs = join(ROOT, "data", "tldr", "pairs.jsonl");
  if (existsSync(pairs)) {
    for (const line of readFileSync(pairs, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      const pair = JSON.parse(line);
      // placeholders `{{[-r|--recursive]}}` hold pipes: blank them out before splitting into parts
      const own = new Set();
      usedNames(String(pair.command).replace(/\{\{.*?\}\}/g, "X"), own);
      for (const n of own) if (n !== pair.page && !String(pair.page).startsWith(`${n}-`)) names.add(n);
    }
  }
  return names;
}

// ------------------------------------------------------------------------------------------------ main

/** The tldr pages as [{platform, name, text}], common then linux, each sorted by file name. */
function readPages() {
  if (TLDR_DIR === null) {
    const lines = gunzipSync(readFileSync(PAGES_FILE)).toString("utf8").split("\n");
    return lines.filter((line) => line !== "").map((line) => JSON.parse(line));
  }
  const list = [];
  for (const platform of ["common", "linux"]) {
    const dir = join(resolve(TLDR_DIR), platform);
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith(".md")) continue;
      list.push({ platform, name: file.slice(0, -3), text: readFileSync(join(dir, file), "utf8") });
    }
  }
  return list;
}

/** The curated meanings of a utility's flags (every spelling of each), over the ones tldr's examples gave. */
function curatedFlags(name) {
  const own = Object.prototype.hasOwnProperty.call(COMMON_FLAGS, name) ? COMMON_FLAGS[name] : null;
  const alias = Object.prototype.hasOwnProperty.call(ALIASES, name) ? COMMON_FLAGS[ALIASES[name]] : null;
  const out = {};
  for (const table of [alias, own]) {
    if (!table) continue;
    for (const [spellings, meaning] of Object.entries(table)) {
      for (const spelling of spellings.split(" ")) out[spelling] = meaning.charAt(0).toUpperCase() + meaning.slice(1);
    }
  }
  return out;
}

function withCurated(name, fromTldr) {
  const merged = { ...fromTldr, ...curatedFlags(name) };
  const flags = {};
  for (const f of Object.keys(merged).sort()) flags[f] = merged[f];
  return flags;
}

function main() {
  const list = readPages();
  if (process.argv.includes("--write-pages")) {
    const jsonl = list.map((page) => `${JSON.stringify(page)}\n`).join("");
    writeFileSync(PAGES_FILE, gzipSync(Buffer.from(jsonl, "utf8"), { level: 9 }));
    console.log(`${PAGES_FILE}: ${list.length} pages`);
    return;
  }
  const pages = new Map(); // name -> {platform, text, linuxText}, common first
  for (const { platform, name, text } of list) {
    if (!pages.has(name)) pages.set(name, { platform, text, linuxText: null });
    else pages.get(name).linuxText = text;
  }
  const used = projectNames();
  const isSubcommandPage = (name) => {
    for (let i = name.indexOf("-"); i > 0; i = name.indexOf("-", i + 1)) if (pages.has(name.slice(0, i))) return true;
    return false;
  };
  const utilities = {};
  let considered = 0;
  for (const name of [...pages.keys()].sort()) {
    const { platform, text, linuxText } = pages.get(name);
    if (!used.has(name) && !(platform === "common" && !isSubcommandPage(name))) continue;
    considered++;
    const page = parsePage(name, text);
    if (linuxText !== null) {
      // a name with both pages: the common page's summary and flags, plus the flags only the linux page shows
      const extra = parsePage(name, linuxText).flags;
      const flags = { ...page.flags };
      for (const f of Object.keys(extra)) if (!Object.prototype.hasOwnProperty.call(flags, f)) flags[f] = extra[f];
      page.flags = {};
      for (const f of Object.keys(flags).sort()) page.flags[f] = flags[f];
    }
    page.flags = withCurated(name, page.flags);
    if (page.summary === "" && Object.keys(page.flags).length === 0) continue;
    utilities[name] = page;
  }
  // curated utilities without a tldr page
  for (const name of [...Object.keys(COMMON_FLAGS), ...Object.keys(ALIASES)]) {
    if (!Object.prototype.hasOwnProperty.call(utilities, name)) utilities[name] = { summary: "", flags: withCurated(name, {}) };
  }
  const sorted = {};
  for (const name of Object.keys(utilities).sort()) sorted[name] = utilities[name];
  for (const name of Object.keys(utilities)) delete utilities[name];
  Object.assign(utilities, sorted);
  const json = JSON.stringify({ source: SOURCE, utilities });
  mkdirSync(OUT_DIR, { recursive: true });
  const out = join(OUT_DIR, "bashExplain.json");
  writeFileSync(out, `${json}\n`);
  const nFlags = Object.values(utilities).reduce((a, u) => a + Object.keys(u.flags).length, 0);
  console.log(
    `${out}: ${Object.keys(utilities).length} utilities (of ${pages.size} pages, ${considered} kept), ` +
      `${nFlags} flags, ${json.length + 1} bytes`,
  );
}

main();
