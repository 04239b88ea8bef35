"""The datasets the project trains and evaluates on, read from the project's own copy in data/.

Every loader returns plain Python values; tokenisation and tensors come later (tokenizer.py, tensors.py).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Optional

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

LANGUAGES = ("bash", "python", "cf")
BENCHMARK_FILES = {
    "bash": "codefusion/benchmarks/BashBenchmarks.json",
    "python": "codefusion/benchmarks/PythonBenchmarks.json",
    "cf": "codefusion/benchmarks/CFRuleBenchmarks.json",
}


@dataclass(frozen=True)
class Example:
    """One (utterance, code) pair of a benchmark split.

    index: position in its split (IDs are not unique in the Python split, the index is).
    table: for CF rules, the item's `Data` (header row, then rows); None for other languages.
    """

    index: int
    id: int
    utterance: str
    code: str
    table: Optional[list] = None

    @property
    def header(self) -> Optional[List[str]]:
        """The table's column names (CF), which the request may name (training/slots.py, col slots); else None."""
        return [str(h) for h in self.table[0]] if self.table else None


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    return language


@lru_cache(maxsize=None)
def _benchmark_json(language: str) -> dict:
    with open(DATA / BENCHMARK_FILES[check_language(language)], encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=None)
def _conala_intents(split: str) -> List[str]:
    """CoNaLa's original `intent` per item, in the same order as the CodeFusion Python split."""
    with open(DATA / "conala" / f"conala-{split}.json", encoding="utf-8") as f:
        return [item["intent"] for item in json.load(f)]


def load_benchmark(language: str, split: str) -> List[Example]:
    """The CodeFusion paper's own split ("train" or "test"): utterance and code stripped of the trailing newline.

    Python items whose utterance is null (CoNaLa's rewritten_intent was missing) get CoNaLa's `intent`.
    """
    if split not in ("train", "test"):
        raise ValueError(f"unknown split {split!r}; expected train or test")
    items = _benchmark_json(language)[split]
    examples = []
    for index, item in enumerate(items):
        utterance = item["NL Utterance"]
        if utterance is None:
            if language != "python":
                raise ValueError(f"{language} {split} item {index} has no utterance")
            conala = _conala_intents(split)
            utterance = conala[index]
        examples.append(
            Example(
                index=index,
                id=int(item["ID"]),
                utterance=utterance.strip(),
                code=item["Code"].strip(),
                table=item.get("Data") if language == "cf" else None,
            )
        )
    return examples


# ---------------------------------------------------------------------------------------------------- pre-training

PRETRAINING_FILES = {
    "bash": "codefusion/pretraining/BashSnippets.txt",
    "python": "python-stdlib/snippets.txt",
    "cf": "codefusion/pretraining/ConditionalFormattingSnippets.txt",
}


@lru_cache(maxsize=None)
def _pretraining_lines(language: str) -> tuple:
    with open(DATA / PRETRAINING_FILES[check_language(language)], encoding="utf-8") as f:
        lines = (line.strip() for line in f.read().split("\n"))
        return tuple(line for line in lines if line)


def load_pretraining(language: str, unique: bool = False) -> List[str]:
    """Unlabelled code snippets for pre-training, one per line, stripped, empty lines dropped.

    bash: the CodeFusion release's BashSnippets.txt (88,528 lines, 88,512 non-empty, 61,921 distinct);
    cf: its ConditionalFormattingSnippets.txt (226,468 lines, 3,498 distinct);
    python: data/python-stdlib/snippets.txt, single-line statements/expressions of the Python standard library
    (the release has no Python file; see training/import_data.py).
    Duplicates are kept (how often a snippet occurs is information); unique=True keeps the first occurrence of each.
    """
    lines = _pretraining_lines(language)
    if unique:
        return list(dict.fromkeys(lines))
    return list(lines)


# ---------------------------------------------------------------------------------------------------- extra pairs

TLDR_PAIRS = "tldr/pairs.jsonl"

_OPTION_ALTERNATIVES = re.compile(r"\[([^\[\]]*\|[^\[\]]*)\]")
_SIMPLE_TOKEN = r"[\w./:<>+@~=,*%-]+"
_SIMPLE_ALTERNATIVES = re.compile(rf"{_SIMPLE_TOKEN}(?:\|{_SIMPLE_TOKEN})+")
_SIMPLE_WORD = re.compile(_SIMPLE_TOKEN)
_EMBEDDED_ALTERNATIVES = re.compile(r"([\w./~-]*)\[([^\[\]|]*(?:\|[^\[\]|]*)+)\]([\w./-]*)")
_TRAILING_ELLIPSIS = re.compile(r"(?:\s+|\s*[,:-]|(?<=\d))\.\.\.$")
_PATH_TO = re.compile(r"(?<![\w.-])path/to(?:/|(?![\w/]))")
_MNEMONIC = re.compile(r"(?<=\w)\[(\w+)\]|\[(\w+)\](?=\w)|\[(\w)\]")
_BACKTICKS = re.compile(r"`([^`]*)`")
# tldr's notation for keys pressed inside a running program: <Enter>, <Ctrl c>, <ArrowUp>, <q>, ...
_KEYPRESS = re.compile(
    r"<(?:Ctrl|Alt|Shift|Meta|Super|Cmd|Enter|Return|Space|Esc|Escape|Tab|Backspace|BackSpace|Delete|Del|Home|End"
    r"|PageUp|PageDown|Insert|Arrow\w*|F\d{1,2})\b[^<>]*>"
)


def _is_not_shell(description: str, command: str) -> bool:
    """Pairs that are not a shell command line: keys pressed or commands typed inside a program, links to pages."""
    return (
        description.startswith("[Interactive]")
        or command.startswith(("<", "{{<", "tldr "))
        or re.match(r":\w", command) is not None
        or _KEYPRESS.search(command) is not None
    )


def _path_to(match: "re.Match") -> str:
    return "" if match.group(0).endswith("/") else "."


def _fill_path(text: str) -> str:
    """`path/to/X` -> `X` (file_or_directory -> file, directory -> dir); a bare `path/to` -> `.`."""
    if "path/to" not in text:
        return text
    out = []
    for token in re.split(r"(\s+)", text):
        if _PATH_TO.search(token):
            token = _PATH_TO.sub(_path_to, token)
            token = re.sub(r"file_or_directory?", "file", token)
            token = re.sub(r"(?<![A-Za-z])directory(?![A-Za-z])", "dir", token)
        out.append(token)
    return "".join(out)


def fill_placeholder(content: str) -> str:
    """The argument that stands for one tldr placeholder `{{content}}` (the rule: see load_extra_pairs)."""
    whole = _OPTION_ALTERNATIVES.fullmatch(content)
    if whole:
        alternatives = whole.group(1).split("|")
        if alternatives[0].startswith("-"):
            return next((a for a in alternatives if len(a) > 1), alternatives[0])
        return alternatives[-1]
    text = _TRAILING_ELLIPSIS.sub("", content)
    tokens = text.split(" ")
    if any("|" in t for t in tokens) and all(
        _SIMPLE_WORD.fullmatch(t) or _SIMPLE_ALTERNATIVES.fullmatch(t) for t in tokens
    ):
        text = " ".join(t.split("|")[0] for t in tokens if t != "...")
    elif " " in text and tokens[-1] == "...":
        text = " ".join(tokens[:-1])
    embedded = _EMBEDDED_ALTERNATIVES.fullmatch(text)
    if embedded:
        text = embedded.group(1) + embedded.group(2).split("|")[0] + embedded.group(3)
    return _fill_path(text)


def split_placeholders(command: str) -> List[tuple]:
    """A tldr command as [(is_placeholder, text), ...]; `\\{\\{`/`\\}\\}` are literal braces.

    A placeholder opens at `{{` and closes at the first `}}` where the braces inside it are balanced, so
    `'{{{"key": "value"}}}'` holds the placeholder `{"key": "value"}` and `${{{name[1]}}}` is `${` + `name[1]` + `}`.
    """
    parts: List[tuple] = []
    literal: List[str] = []
    i, n = 0, len(command)
    while i < n:
        if command.startswith("\\{\\{", i) or command.startswith("\\}\\}", i):
            literal.append(command[i + 1] * 2)
            i += 4
        elif command.startswith("{{", i):
            j, depth, content = i + 2, 0, []
            while j < n:
                if command.startswith("\\{\\{", j) or command.startswith("\\}\\}", j):
                    depth += 2 if command[j + 1] == "{" else -2
                    content.append(command[j + 1] * 2)
                    j += 4
                elif depth <= 0 and command.startswith("}}", j):
                    break
                else:
                    depth += {"{": 1, "}": -1}.get(command[j], 0)
                    content.append(command[j])
                    j += 1
            if j >= n:  # unbalanced: close at the first `}}` instead
                end = command.find("}}", i + 2)
                if end < 0:
                    literal.append(command[i:])
                    break
                j, content = end, [command[i + 2 : end]]
            if literal:
                parts.append((False, "".join(literal)))
                literal = []
            parts.append((True, "".join(content)))
            i = j + 2
        else:
            literal.append(command[i])
            i += 1
    if literal:
        parts.append((False, "".join(literal)))
    return parts


def fill_placeholders(command: str) -> str:
    """A tldr command with every `{{placeholder}}` replaced by an argument (see load_extra_pairs)."""
    return "".join(fill_placeholder(text) if is_ph else text for is_ph, text in split_placeholders(command)).strip()


def clean_tldr_description(description: str) -> str:
    """A tldr description as a request: mnemonic brackets dropped ("[c]reate" -> "Create", "g[z]ip" -> "gzip"),
    `code` -> "code", the trailing colon removed."""
    text = _MNEMONIC.sub(lambda m: m.group(1) or m.group(2) or m.group(3), description)
    if description.startswith("[") and text[:1].islower():
        text = text[0].upper() + text[1:]  # "[c]reate ..." -> "Create ..."
    text = _BACKTICKS.sub(lambda m: f"'{m.group(1)}'" if '"' in m.group(1) else f'"{m.group(1)}"', text)
    text = " ".join(text.split())
    return text[:-1].rstrip() if text.endswith(":") else text


def _normalize_code(code: str) -> str:
    return " ".join(code.split())


def _normalize_utterance(utterance: str) -> str:
    return " ".join(utterance.split()).lower()


@lru_cache(maxsize=None)
def _tldr_rows() -> tuple:
    with open(DATA / TLDR_PAIRS, encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f if line.strip())


@lru_cache(maxsize=None)
def _extra_pairs(language: str) -> tuple:
    if check_language(language) != "bash":
        return ()
    test = load_benchmark("bash", "test")
    test_codes = {_normalize_code(ex.code) for ex in test}
    test_utterances = {_normalize_utterance(ex.utterance) for ex in test}
    seen = set()
    examples = []
    for row in _tldr_rows():
        raw_description, raw_command = row["description"], row["command"]
        if _is_not_shell(raw_description, raw_command):
            continue
        utterance = clean_tldr_description(raw_description)
        code = fill_placeholders(raw_command)
        if not utterance or not code or "{{" in code or "}}" in code:
            continue  # literal double braces (Go templates, nested JSON) would read as placeholders
        if (
            _normalize_code(code) in test_codes
            or _normalize_code(raw_command) in test_codes
            or _normalize_utterance(utterance) in test_utterances
            or _normalize_utterance(raw_description) in test_utterances
        ):
            continue
        key = (utterance, code)
        if key in seen:
            continue
        seen.add(key)
        index = len(examples)
        examples.append(Example(index=index, id=-(index + 1), utterance=utterance, code=code))
    return tuple(examples)


def load_extra_pairs(language: str) -> List[Example]:
    """Extra (utterance, code) pairs beyond the CodeFusion split; Bash only (Python and CF: []).

    Bash: tldr-pages' common/ and linux/ pages (data/tldr/pairs.jsonl, CC BY 4.0). index = position in the
    returned list, id = -(index + 1): negative, so never a benchmark ID.

    Utterance: the tldr description with mnemonic brackets dropped ("[c]reate a [f]ile" -> "Create a file"),
    `backticked` text in double quotes (single quotes when it holds a double quote), the trailing colon removed.

    Code: every placeholder {{...}} replaced by an argument, deterministically:
    - option alternatives `{{[-r|--recursive]}}` -> the short form `-r` (the first alternative; `-` alone is
      skipped); subcommand alternatives `{{[ls|list]}}` -> the full name `list` (the last alternative);
    - plain alternatives `{{on|off}}`, `{{path/to/file|url}}` -> the first (`on`, `file`), token by token;
      alternatives inside a name `{{path/to/file.tar[.gz|.bz2]}}` -> the first (`file.tar.gz`);
    - a trailing ellipsis of a list is dropped: `{{path/to/file1 path/to/file2 ...}}` -> `file1 file2`,
      `{{id1,id2,...}}` -> `id1,id2`, `{{value1 value2...}}` -> `value1 value2`;
    - `path/to/` is removed from paths (`{{path/to/file.txt}}` -> `file.txt`, `{{/path/to/key}}` -> `/key`,
      `{{~/path/to/x}}` -> `~/x`), with `file_or_directory` -> `file` and `directory` -> `dir` in the
      name (`{{path/to/directory}}` -> `dir`, `{{path/to/output_directory}}` -> `output_dir`); a bare
      `{{path/to}}` -> `.`;
    - anything else is kept as written: `{{username}}` -> `username`, `{{100}}` -> `100`,
      `{{https://example.com}}` -> `https://example.com`, `"{{*.html}}"` -> `"*.html"`;
    - tldr's escaped braces `\\{\\{`/`\\}\\}` become `{{`/`}}`, and placeholders nest by brace balance
      (`'{{{"k": "v"}}}'` -> `'{"k": "v"}'`).
    Dropped: what is not a shell command line ("[Interactive]" pairs and commands typed inside a program such as
    `:b expr`, keys pressed such as `<Ctrl c>` or `wq<Enter>`, `tldr ...` pointers to other pages),
    commands still containing `{{` or `}}` after filling, exact duplicate (utterance, code) pairs, and every
    pair whose code (filled or raw, whitespace-normalised) equals a Bash TEST code or whose utterance (cleaned
    or raw, whitespace-normalised, case-insensitive) equals a Bash TEST utterance.
    """
    return list(_extra_pairs(language))
