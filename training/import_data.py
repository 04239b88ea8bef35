"""Builds the project's data/ folder from the original dataset copies (--source, a folder outside the repository
that a clone does not have: data/ is committed) and the machine's Python standard library.

This is the record of where every file under data/ came from; rerunning it reproduces them:

    python3 -m training.import_data                # everything
    python3 -m training.import_data --only tldr    # one part: copies, tldr, stdlib

- copies: data/codefusion/ (CodeFusion benchmarks + pretraining snippets) and data/conala/, byte for byte.
- tldr: data/tldr/pairs.jsonl, one NL->Bash pair per `- description:` line followed by a `` `command` `` line
  of tldr-pages' common/ and linux/ pages, placeholders left raw ({{path/to/file}}, {{[-r|--recursive]}}, ...),
  plus data/tldr/LICENSE.md. The pages themselves are not copied. training.data.load_extra_pairs turns the
  placeholders into arguments.
- stdlib: data/python-stdlib/snippets.txt, short single-line statements and expressions taken with `ast` from the
  Python standard library of the interpreter that runs this script (/usr/lib/python3.11 for Debian's
  /usr/bin/python3), plus data/python-stdlib/LICENSE. The CodeFusion release has no Python pre-training file.

data/README.md documents sources, licenses and counts; it is written by hand, update it when the counts change.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Iterable, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
DEFAULT_SOURCE = ROOT.parent / "shared" / "datasets"

# What is copied unchanged (relative to the source folder -> relative to data/).
COPIES = (
    ("codefusion/README.md", "codefusion/README.md"),
    ("codefusion/benchmarks/BashBenchmarks.json", "codefusion/benchmarks/BashBenchmarks.json"),
    ("codefusion/benchmarks/PythonBenchmarks.json", "codefusion/benchmarks/PythonBenchmarks.json"),
    ("codefusion/benchmarks/CFRuleBenchmarks.json", "codefusion/benchmarks/CFRuleBenchmarks.json"),
    ("codefusion/pretraining/BashSnippets.txt", "codefusion/pretraining/BashSnippets.txt"),
    (
        "codefusion/pretraining/ConditionalFormattingSnippets.txt",
        "codefusion/pretraining/ConditionalFormattingSnippets.txt",
    ),
    ("conala/conala-train.json", "conala/conala-train.json"),
    ("conala/conala-test.json", "conala/conala-test.json"),
)

TLDR_PLATFORMS = ("common", "linux")

# ---------------------------------------------------------------------------------------------------- copies


def copy_files(source: Path, data: Path = DATA) -> List[Path]:
    written = []
    for src, dst in COPIES:
        target = data / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / src, target)
        written.append(target)
    return written


# ---------------------------------------------------------------------------------------------------- tldr


def parse_tldr_page(text: str) -> List[Tuple[str, str]]:
    """(description, command) pairs of one tldr page, placeholders raw.

    A pair is a line `- description` whose next non-blank line is `` `command` ``. The description keeps
    tldr's markup ([c]reate, `backticks`, the trailing colon); the command loses only its enclosing backticks.
    """
    pairs = []
    description: Optional[str] = None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            description = line[2:].strip()
        elif description is not None and len(line) >= 2 and line.startswith("`") and line.endswith("`"):
            pairs.append((description, line[1:-1]))
            description = None
        else:
            description = None
    return pairs


def tldr_pairs(tldr_dir: Path) -> List[dict]:
    """All pairs of the common/ and linux/ pages, sorted by (platform, page, position in the page)."""
    rows = []
    for platform_name in TLDR_PLATFORMS:
        for path in sorted((tldr_dir / platform_name).glob("*.md")):
            text = path.read_text(encoding="utf-8")
            for description, command in parse_tldr_page(text):
                rows.append(
                    {"page": path.stem, "platform": platform_name, "description": description, "command": command}
                )
    return rows


def import_tldr(source: Path, data: Path = DATA) -> int:
    rows = tldr_pairs(source / "tldr")
    out = data / "tldr"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "pairs.jsonl", "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    shutil.copyfile(source / "tldr" / "LICENSE.md", out / "LICENSE.md")
    return len(rows)


# ---------------------------------------------------------------------------------------------------- stdlib

MAX_SNIPPET_CHARS = 120
MAX_SNIPPETS = 100_000

# Folders of the standard library that are not library code (test suites, bundled wheels, build config) or not
# the standard library at all (third-party packages).
SKIP_DIRS = {
    "test",
    "tests",
    "idle_test",
    "__pycache__",
    "site-packages",
    "dist-packages",
    "lib-dynload",
    "_bundled",
    "__phello__",
}
SKIP_DIR_PREFIXES = ("config-",)  # config-3.11-x86_64-linux-gnu: the build's Makefile and friends
SKIP_FILE_PREFIXES = ("test_", "_sysconfigdata")  # _sysconfigdata*: the build's compiler flags, not code

# Simple statements taken whole when they fit on one line.
WHOLE_STATEMENTS = (
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.Expr,
    ast.Import,
    ast.ImportFrom,
    ast.Assert,
    ast.Raise,
    ast.Delete,
)
# Expressions worth taking on their own (from return values, compound statements' headers and statements that
# span several lines). Names, constants, attributes and f-strings' insides are not.
INTERESTING_EXPRESSIONS = (
    ast.Call,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.BinOp,
    ast.BoolOp,
    ast.Compare,
    ast.UnaryOp,
    ast.Subscript,
    ast.Lambda,
    ast.IfExp,
)
TRIVIAL_VALUES = (ast.Name, ast.Constant, ast.Attribute)


def stdlib_files(stdlib: Path) -> List[Path]:
    """The standard library's .py files, sorted by path, without test suites and third-party packages."""
    files = []
    for dirpath, dirnames, filenames in os.walk(stdlib):
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIP_DIRS and not d.startswith(SKIP_DIR_PREFIXES)
        )
        for name in filenames:
            if name.endswith(".py") and not name.startswith(SKIP_FILE_PREFIXES):
                files.append(Path(dirpath) / name)
    return sorted(files, key=lambda p: p.relative_to(stdlib).as_posix())


class _Extractor:
    def __init__(self, source: str):
        self.lines = [line.encode("utf-8") for line in source.splitlines()]
        self.out: List[str] = []

    def segment(self, node: ast.AST) -> Optional[str]:
        """The node's source if it lies on one line, else None."""
        if node.lineno != node.end_lineno:
            return None
        line = self.lines[node.lineno - 1]
        return line[node.col_offset : node.end_col_offset].decode("utf-8").strip()

    def take(self, node: ast.AST) -> None:
        """Take node if it is on one line, otherwise the largest interesting single-line expressions inside it."""
        text = self.segment(node)
        if text is not None:
            if len(text) <= MAX_SNIPPET_CHARS and _reparses_to(text, node):
                self.out.append(text)
            return
        self.descend(node)

    def descend(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.JoinedStr):
                continue  # 3.11 gives wrong positions inside f-strings
            if isinstance(child, INTERESTING_EXPRESSIONS):
                self.take(child)
            elif isinstance(child, ast.expr):
                self.descend(child)

    def statements(self, body: Iterable[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, WHOLE_STATEMENTS):
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, TRIVIAL_VALUES):
                    continue  # docstrings, bare names, `...`
                if isinstance(stmt, ast.Raise) and stmt.exc is None:
                    continue
                self.take(stmt)
            elif isinstance(stmt, ast.Return):
                if stmt.value is not None and not isinstance(stmt.value, TRIVIAL_VALUES):
                    self.take_expression(stmt.value)
            elif isinstance(stmt, (ast.If, ast.While)):
                self.take_expression(stmt.test)
                self.statements(stmt.body)
                self.statements(stmt.orelse)
            elif isinstance(stmt, (ast.For, ast.AsyncFor)):
                self.take_expression(stmt.iter)
                self.statements(stmt.body)
                self.statements(stmt.orelse)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    self.take_expression(item.context_expr)
                self.statements(stmt.body)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.statements(stmt.body)
            elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                self.statements(stmt.body)
                for handler in stmt.handlers:
                    self.statements(handler.body)
                self.statements(stmt.orelse)
                self.statements(stmt.finalbody)
            elif isinstance(stmt, ast.Match):
                self.take_expression(stmt.subject)
                for case in stmt.cases:
                    self.statements(case.body)
            # Pass, Break, Continue, Global, Nonlocal: nothing worth taking

    def take_expression(self, node: ast.expr) -> None:
        if isinstance(node, INTERESTING_EXPRESSIONS):
            self.take(node)
        elif not isinstance(node, ast.JoinedStr):
            self.descend(node)


def _reparses_to(text: str, node: ast.AST) -> bool:
    """The snippet parses on its own to the same tree as the node it was cut from (guards against bad offsets)."""
    try:
        module = ast.parse(text)
    except SyntaxError:
        return False
    if len(module.body) != 1:
        return False
    parsed = module.body[0]
    if isinstance(node, ast.expr):
        if not isinstance(parsed, ast.Expr):
            return False
        parsed = parsed.value
    return ast.dump(parsed) == ast.dump(node)


def extract_snippets(source: str) -> List[str]:
    """Single-line statements and expressions of one module's source, in source order (duplicates kept)."""
    tree = ast.parse(source)
    extractor = _Extractor(source)
    extractor.statements(tree.body)
    return extractor.out


def stdlib_snippets(stdlib: Path, limit: int = MAX_SNIPPETS) -> Tuple[List[str], int]:
    """Distinct snippets over the sorted files, in order of first appearance, at most `limit`; and files read."""
    seen = set()
    snippets = []
    files = stdlib_files(stdlib)
    for path in files:
        try:
            source = path.read_text(encoding="utf-8")
            found = extract_snippets(source)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for text in found:
            if text not in seen:
                seen.add(text)
                snippets.append(text)
    return snippets[:limit], len(files)


def _debian_package_version() -> Optional[str]:
    name = f"libpython{sys.version_info.major}.{sys.version_info.minor}-stdlib"
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", name], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{name} {out}" if out else None


def import_stdlib(stdlib: Optional[Path] = None, data: Path = DATA) -> Tuple[int, int]:
    stdlib = Path(stdlib or sysconfig.get_paths()["stdlib"])
    snippets, files = stdlib_snippets(stdlib)
    out = data / "python-stdlib"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "snippets.txt", "w", encoding="utf-8", newline="\n") as f:
        for text in snippets:
            f.write(text + "\n")
    package = _debian_package_version()
    license_file = stdlib / "LICENSE.txt"
    license_text = license_file.read_text(encoding="utf-8") if license_file.exists() else ""
    (out / "LICENSE").write_text(
        "Python standard library snippets (snippets.txt)\n"
        "================================================\n\n"
        f"Extracted by training/import_data.py from the standard library of Python {platform.python_version()}\n"
        f"({stdlib}{', Debian package ' + package if package else ''}), {files} modules read.\n"
        "The snippets are short excerpts of that code, unchanged.\n\n"
        "Python is distributed under the PSF License Agreement (Python Software Foundation License Version 2),\n"
        "https://docs.python.org/3/license.html; PSF's notice of copyright and License Agreement are retained below"
        + (f", as shipped with this Python in {license_file}:\n\n" + license_text if license_text else ".\n"),
        encoding="utf-8",
    )
    return len(snippets), files


# ---------------------------------------------------------------------------------------------------- main


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the shared datasets folder")
    parser.add_argument("--stdlib", type=Path, default=None, help="standard library folder (default: this Python's)")
    parser.add_argument("--only", choices=("copies", "tldr", "stdlib"), action="append")
    args = parser.parse_args(argv)
    parts = args.only or ["copies", "tldr", "stdlib"]
    if "copies" in parts:
        print(f"copied {len(copy_files(args.source))} files")
    if "tldr" in parts:
        print(f"tldr: {import_tldr(args.source)} pairs -> data/tldr/pairs.jsonl")
    if "stdlib" in parts:
        count, files = import_stdlib(args.stdlib)
        size = (DATA / "python-stdlib" / "snippets.txt").stat().st_size
        print(f"stdlib: {count} snippets from {files} files -> data/python-stdlib/snippets.txt ({size:,} bytes)")


if __name__ == "__main__":
    main()
