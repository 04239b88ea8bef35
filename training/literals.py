"""The user's literals, and nobody else's: a shown candidate carries no literal that the request did not give.

A known code is someone else's code: its file names, paths, numbers and strings are the values of its own request.
Filled into the user's request, its slots take the user's literals; a slot the user's request does not fill, and a
literal the code has that was never slotted (`NOT(TextContains(適))`), becomes an editable placeholder in tldr style
(`{{path}}`, `{{file}}`, `{{number}}`, `{{text}}`) instead of another person's value. The model's own samples get the
same treatment (it may spell a literal of its training codes).

What a literal is, per language (find_literals; src/lang/literals.ts is the same code, testdata/slots/literals.json
holds the shared cases):
  cf      the arguments of a rule that are not a rule, a column reference c[k] or a visual rule's style options:
          numbers (`GreaterThan(c[1], 100)`, `top(10%)`), quoted or unquoted text (`TextContains(c[4], Zamina)`)
  python  string literals (their content; a prefix r/b/f/u and the quotes stay; not an f-string with fields) and
          number literals
  bash    quoted strings (their content), numbers as arguments (`-mtime +7`, `head -n 10`, `-size +10M`, `head -5`,
          `chmod 755`), paths and file names (unquoted words shaped like slots.py's path/file: `/var/log`, `*.txt`,
          the value of `--include=*.py`); never a flag, a command name, a variable (`$f`), a redirection (`2>&1`) or
          syntax (`.`, `/`, `~`, `{}`, `\\;`), nor a generic path (/dev/null, /tmp)

A literal is the request's (given) when its text occurs in the request (case-insensitive), or every word of it
does: words are runs of letters and runs of digits, compared lower-cased and without a plural s; one-letter words,
`$variables`, Python's `{fields}` and `{{placeholders}}` are not checked; a number is given when the request has the
same number (digits, `40,000` = 40000, or a number word: "seven", "third"), and 0 and 1 always are. For text
literals of Bash and Python (not paths, files or numbers) the language's own words (the tagger's stopwords: words
of many training codes, `print`, `NF`) are given too, so `awk '{print $1}'` keeps its program.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import FrozenSet, List, Optional, Tuple

from .slots import PATH_LIKE, header_stem

LANGUAGES = ("bash", "python", "cf")
KINDS = ("text", "number", "path", "file")
EDITABLE = re.compile(r"\{\{[a-z]+\}\}")

Span = Tuple[int, int, str]  # (start, end, kind)


def editable(kind: str) -> str:
    """The placeholder shown for a literal of `kind` the request does not give: {{text}}, {{number}}, ..."""
    return "{{" + kind + "}}"


# slots.py's FILE_LIKE, also with more than one extension (archive.tar.gz)
FILE_SHAPE = re.compile(r"^(?:[\w*?\-\[\]]*(?:\.[\w*?\-]+)*\.[A-Za-z][\w*?\-]*|[\w.\-]*[*?][\w.*?\-]*)$")


def _text_kind(text: str) -> str:
    """A string literal that looks like a path or a file name is one (its placeholder says so)."""
    if PATH_LIKE.match(text) and not any(c.isspace() for c in text):
        return "path"
    if FILE_SHAPE.match(text) and re.search(r"[A-Za-z*?]", text):
        return "file"
    return "text"


# ------------------------------------------------------------------------------------------------------------- CF

CF_COLUMN = re.compile(r"[cC]\s*\[\s*[0-9]+\s*\]")
CF_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
CF_NAME_BEFORE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*$")
CF_VISUAL = ("colorscale", "databar", "iconset")


def _cf_literals(code: str) -> List[Span]:
    spans: List[Span] = []
    stack: List[str] = []  # the function of each open parenthesis, lower case
    start: Optional[int] = None  # where the current argument began (None: not inside an argument)

    def argument(a: int, b: int) -> None:
        text = code[a:b]
        lead = len(text) - len(text.lstrip())
        t = text.strip()
        if not t or not stack or stack[-1] in CF_VISUAL or CF_COLUMN.fullmatch(t):
            return
        a += lead
        if t.endswith("%") and CF_NUMBER.fullmatch(t[:-1].rstrip()):
            spans.append((a, a + len(t[:-1].rstrip()), "number"))
        elif CF_NUMBER.fullmatch(t):
            spans.append((a, a + len(t), "number"))
        else:
            spans.append((a, a + len(t), "text"))

    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        if ch == "(":
            m = CF_NAME_BEFORE.search(code[start if start is not None else 0:i])
            stack.append(m.group(1).lower() if m else "")
            start = i + 1
        elif ch in ",)":
            if start is not None:
                argument(start, i)
            if ch == ")" and stack:
                stack.pop()
            start = i + 1 if ch == "," else None
        elif ch in "\"'" and start is not None and code[start:i].strip() == "":
            close = code.find(ch, i + 1)
            if close > i:
                if close > i + 1 and stack and stack[-1] not in CF_VISUAL:
                    spans.append((i + 1, close, "text"))
                i, start = close + 1, None
                continue
        i += 1
    return spans


# --------------------------------------------------------------------------------------------------------- Python

PY_TOKEN = re.compile(
    r"#[^\n]*"
    r"|(?P<prefix>[rRbBuUfF]{0,2})(?P<quote>'''|\"\"\"|'|\")"
    r"|[A-Za-z_][A-Za-z0-9_]*"
    r"|(?P<number>(?:0[xXoObB][0-9a-fA-F_]+|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?)[jJ]?)"
)


def _python_literals(code: str) -> List[Span]:
    spans: List[Span] = []
    pos = 0
    while True:
        m = PY_TOKEN.search(code, pos)
        if m is None:
            return spans
        if m.group("quote") is not None:
            quote = m.group("quote")
            begin = m.end()
            if len(quote) == 3:
                close = code.find(quote, begin)
            else:
                close = begin
                while close < len(code) and code[close] not in (quote, "\n"):
                    close += 2 if code[close] == "\\" else 1
                if close >= len(code) or code[close] != quote:
                    close = -1
            if close < 0:
                return spans  # an unclosed string: nothing after it is read
            # an f-string with fields is a template of code, not a literal
            if close > begin and not ("f" in m.group("prefix").lower() and "{" in code[begin:close]):
                spans.append((begin, close, _text_kind(code[begin:close])))
            pos = close + len(quote)
            continue
        if m.group("number") is not None:
            spans.append((m.start(), m.end(), "number"))
        pos = max(m.end(), m.start() + 1)


# ----------------------------------------------------------------------------------------------------------- Bash

BASH_TOKEN = re.compile(
    r"'[^']*'"
    r"|\"(?:\\[\s\S]|[^\"\\])*\""
    r"|[0-9]*(?:>>|>&|<&|<<<|<<|<>|>\||>|<)&?-?[0-9]*|&>>?"
    r"|(?:\\[^\n]|[^\s'\"|&;()<>`\\])+"
    r"|\\"
)
BASH_NUMBER = re.compile(r"\+?([0-9]+(?:\.[0-9]+)?)[A-Za-z]?")
GENERIC_PATHS = frozenset({
    "/", ".", "..", "~", "./", "../", "~/", "/tmp", "/tmp/", "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom",
    "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/tty",
})


def _bash_word(word: str, at: int) -> Optional[Span]:
    """The literal of an unquoted word at offset `at`, if it is one."""
    if "$" in word or "`" in word:
        return None
    if word.startswith("-"):
        if re.fullmatch(r"-[0-9]+", word):
            return (at + 1, at + len(word), "number")
        if word.startswith("--") and "=" in word:
            eq = word.index("=") + 1
            return _bash_word(word[eq:], at + eq) if word[eq:] else None
        return None
    m = BASH_NUMBER.fullmatch(word)
    if m:
        return (at + m.start(1), at + m.end(1), "number")
    if word in GENERIC_PATHS:
        return None
    kind = _text_kind(word)
    return (at, at + len(word), kind) if kind != "text" else None


def _bash_literals(code: str) -> List[Span]:
    spans: List[Span] = []
    for m in BASH_TOKEN.finditer(code):
        token, at = m.group(), m.start()
        if token[0] in "'\"" and len(token) >= 2:
            if len(token) > 2:
                content = token[1:-1]
                kind = _text_kind(content)
                if content not in GENERIC_PATHS:
                    spans.append((at + 1, at + len(token) - 1, kind))
        elif not re.search(r"[<>&]", token):  # not a redirection
            found = _bash_word(token, at)
            if found:
                spans.append(found)
    return spans


def find_literals(language: str, code: str) -> List[Span]:
    """(start, end, kind) of every literal of a code, left to right, non-overlapping; kind in KINDS."""
    if language == "cf":
        return _cf_literals(code)
    if language == "python":
        return _python_literals(code)
    if language == "bash":
        return _bash_literals(code)
    raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")


# ---------------------------------------------------------------------------------------------- given or foreign

WORDS = re.compile(r"[^\W\d_]+|\d+")
ASCII_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
THOUSANDS = re.compile(r"(?<![0-9])[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])")  # 40,000 is 40000
NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000", "million": "1000000",
    "first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6", "seventh": "7",
    "eighth": "8", "ninth": "9", "tenth": "10", "once": "1", "twice": "2", "dozen": "12", "half": "0.5",
    "double": "2", "triple": "3", "week": "7", "month": "30", "year": "365",
}
ALWAYS_GIVEN_NUMBERS = frozenset({"0", "1"})
# File extensions a request names by their word ("text files" -> *.txt)
EXTENSION_WORDS = {
    "txt": ("text",), "py": ("python",), "js": ("javascript",), "sh": ("shell", "bash", "script"),
    "md": ("markdown",), "jpg": ("jpeg",), "htm": ("html",), "pl": ("perl",), "rb": ("ruby",),
}
# What is not checked inside a literal: variables ($f, ${f}), Python's format fields, the placeholders themselves
UNCHECKED = re.compile(r"\{\{[a-z]+\}\}|\$\{[^}]*\}|\$[A-Za-z0-9_@#?*!-]+|\{[^{}]*\}")


def canonical_number(text: str) -> str:
    """A decimal's digits without sign, leading zeros or trailing fractional zeros: "+007.50" -> "7.5"."""
    s = text.lstrip("+-")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    s = s.lstrip("0")
    return "0" + s if s.startswith(".") or not s else s


@dataclass(frozen=True)
class LiteralContext:
    """What a request gives: its words and numbers; `language_words`: the language's own words (lower case)."""

    language: str
    request: str
    language_words: FrozenSet[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}; expected one of {LANGUAGES}")

    @property
    def lowered(self) -> str:
        return self.request.lower()

    def words(self) -> FrozenSet[str]:
        words = {header_stem(w) for w in WORDS.findall(self.lowered)}
        return frozenset(words)

    def numbers(self) -> FrozenSet[str]:
        found = {canonical_number(m.group().replace(",", "")) for m in THOUSANDS.finditer(self.request)}
        found |= {canonical_number(m.group()) for m in ASCII_NUMBER.finditer(self.request)}
        found |= {NUMBER_WORDS[w] for w in WORDS.findall(self.lowered) if w in NUMBER_WORDS}
        return frozenset(found | ALWAYS_GIVEN_NUMBERS)

    def gives(self, literal: str, kind: str, words: Optional[FrozenSet[str]] = None,
              numbers: Optional[FrozenSet[str]] = None) -> bool:
        """Whether the request gives this literal (module docstring)."""
        words = self.words() if words is None else words
        numbers = self.numbers() if numbers is None else numbers
        if kind == "number" and re.fullmatch(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", literal):
            return canonical_number(literal) in numbers
        checked = UNCHECKED.sub(" ", literal) if self.language != "cf" else EDITABLE.sub(" ", literal)
        t = checked.strip().lower()
        if not t or t in self.lowered:
            return True
        own = self.language_words if kind == "text" and self.language != "cf" else frozenset()
        for w in WORDS.findall(t):
            if w.isdecimal():
                if w in words or canonical_number(w) in numbers:
                    continue
                return False
            if len(w) == 1 and "a" <= w <= "z":
                continue  # an ASCII letter alone (a sed command, a format letter) says nothing
            stem = header_stem(w)
            if stem in words or w in own:
                continue
            if kind == "file" and any(header_stem(a) in words for a in EXTENSION_WORDS.get(w, ())):
                continue
            return False
        return True

    def foreign(self, code: str) -> List[Span]:
        """The literals of `code` the request does not give."""
        words, numbers = self.words(), self.numbers()
        return [(a, b, kind) for a, b, kind in find_literals(self.language, code)
                if not EDITABLE.fullmatch(code[a:b]) and not self.gives(code[a:b], kind, words, numbers)]

    def own(self, code: str) -> str:
        """The code with every literal the request does not give replaced by its editable placeholder."""
        out = code
        for a, b, kind in reversed(self.foreign(code)):
            out = out[:a] + editable(kind) + out[b:]
        return out

