"""Literal slots: the request's literals become typed placeholders, one token each; they are filled back after decoding.

A non-autoregressive decoder cannot spell a literal it has to copy (a number, a file name, a quoted string): a
literal is several byte-level tokens and their order scrambles. So, as NL2Bash's Tellina (argument slot
filling) and TranX on CoNaLa (`str_i`, `var_i`) do, every literal of the request is replaced by a placeholder
such as `⟨num0⟩`, the same literal in the code by the same placeholder, and the model works on placeholders
only. After decoding, each placeholder is replaced by the request's literal again.

Kinds (at most MAX_PER_KIND of each per request, numbered in order of first appearance):
  str   a quoted span, "..." or '...' (the quotes stay outside the slot, in the request and the code)
  var   a backticked span, `...` (CoNaLa's variable names)
  path  a word holding a slash: /mnt/zip, ~/logs/, src/*.c
  file  a file name or glob: a.csv, *.so, .log, "*.txt" without quotes
  num   a number not glued to a word: 7, 10 (of "10MB"), 3.5, 40,000 (filled back as 40000)
  val   an unquoted literal found by the learnt tagger (FB in "contain FB", myCommand, REGEX): see SlotTagger
  col   a column of the table the request is about (CF rules): words of the request that name a header
        column ("sales" for a header "Sales") become ⟨col0⟩, filled back as the column reference c[k]; see
        column_spans. Only when a header is given; its tokens come after SEP, so models without columns keep
        their ids.

The rules are the same in training/slots.py and src/lang/slots.ts; testdata/slots/cases.json holds the shared
cases that prove it (both test suites read it). The tagger's weights ship inside each model bundle.
"""
from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

SLOT_KINDS = ("str", "var", "path", "file", "num", "val")
MAX_PER_KIND = 4
SEP = "⟨sep⟩"  # separates the request from the retrieved code in the encoder's input (retrieval.py)
COLUMN_KIND = "col"
SLOT_TOKENS: Tuple[str, ...] = (tuple(f"⟨{k}{i}⟩" for k in SLOT_KINDS for i in range(MAX_PER_KIND)) + (SEP,)
                                + tuple(f"⟨{COLUMN_KIND}{i}⟩" for i in range(MAX_PER_KIND)))
# The placeholders of a model without columns: the first part of SLOT_TOKENS (bundles list theirs in the manifest).
BASE_SLOT_TOKENS = SLOT_TOKENS[: SLOT_TOKENS.index(SEP) + 1]
PLACEHOLDER = re.compile(r"⟨(str|var|path|file|num|val|col)([0-%d])⟩|⟨sep⟩" % (MAX_PER_KIND - 1))


def neutralise(text: str) -> str:
    """A request or code never brings its own placeholders: ⟨ and ⟩ become < and > (same length, same offsets)."""
    return text.replace("⟨", "<").replace("⟩", ">")

# Request-side patterns, tried in this order; a later one never overlaps an earlier match.
QUOTED = re.compile(r"(?<![\w'\"`])\"([^\"\n]{1,80})\"|(?<![\w'\"`])'([^'\n]{1,80})'(?!\w)")
BACKTICKED = re.compile(r"`([^`\n]{1,80})`")
WORD = re.compile(r"[^\s,;()\[\]{}]+")
# A number; thousands separators ("40,000") belong to it, and its slot holds it without them (the code writes 40000).
NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)")
TRAILING = ".,:;!?"
# A path starts like one (/, ~, ./, ../, $VAR/) or holds two slashes or ends with one; "normal/regular" is no path.
PATH_LIKE = re.compile(r"^(?:[/~]|\.\.?/|\$\w+/).|^[^/]*/[^/]*/|^[^/]+/$")
FILE_LIKE = re.compile(r"^(?:[\w*?\-\[\]]*\.[A-Za-z][\w*?]*|[\w.\-]*[*?][\w.*?\-]*)$")


@dataclass
class Slot:
    kind: str
    index: int
    text: str  # the literal as written in the request (for str/var: between the quotes)

    @property
    def token(self) -> str:
        return f"⟨{self.kind}{self.index}⟩"


@dataclass
class Slotted:
    text: str  # the request with placeholders
    slots: List[Slot] = field(default_factory=list)

    def values(self) -> Dict[str, str]:
        return {s.token: s.text for s in self.slots}


def _candidate_spans(request: str) -> List[Tuple[int, int, str]]:
    """(start, end, kind) of every rule-found literal, left to right, non-overlapping."""
    spans: List[Tuple[int, int, str]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e, _ in spans)

    for m in QUOTED.finditer(request):
        g = 1 if m.group(1) is not None else 2
        if m.group(g).strip():
            spans.append((m.start(g), m.end(g), "str"))
    for m in BACKTICKED.finditer(request):
        if m.group(1).strip() and free(m.start(1), m.end(1)):
            spans.append((m.start(1), m.end(1), "var"))
    for m in WORD.finditer(request):
        word, start = m.group(), m.start()
        end = start + len(word.rstrip(TRAILING))
        word = request[start:end]
        if not word or not free(start, end) or any(c in word for c in "\"'`"):
            continue
        if PATH_LIKE.match(word):
            spans.append((start, end, "path"))
        elif FILE_LIKE.match(word) and re.search(r"[A-Za-z*?]", word) and not re.fullmatch(r"[\d.]+", word):
            spans.append((start, end, "file"))
    for m in NUMBER.finditer(request):
        if free(m.start(), m.end()):
            spans.append((m.start(), m.end(), "num"))
    return sorted(spans)


# ------------------------------------------------------------------------------------------------ table columns
# A CF rule is about one column of the user's table ("highlight sales above 100" -> GreaterThan(c[2], 100) for a
# header Customer | Region | Sales). The request names the column by its header's words, in any case, singular or
# plural ("books sold" for "Books Sold", "nights" for "Nights"). Words every table has ("value", "index", "cells")
# never name a column on their own.

HEADER_WORD = re.compile(r"[^\W_]+")  # letters and digits: "Sales_2019" is "sales", "2019"
GENERIC_HEADER_WORDS = frozenset({
    "index", "value", "cell", "column", "row", "data", "number", "the", "of", "a", "an", "in", "and", "or", "to",
    "for", "by", "no", "is", "it", "that", "with", "are", "on", "at",
})


def header_stem(word: str) -> str:
    """Lower case without a plural s ("Nights" -> "night", "class" stays), so request and header words meet."""
    w = word.lower()
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def column_spans(request: str, header: Sequence[object]) -> List[Tuple[int, int, int]]:
    """(start, end, column) of every run of request words that names a header column, left to right.

    At each word the longest run of consecutive words equal (by header_stem) to consecutive words of one
    column's name wins, if it holds a word that is neither in GENERIC_HEADER_WORDS nor a number; ties go to the shorter name, then the
    earlier column. The run is then skipped."""
    words = [(m.start(), m.end(), header_stem(m.group())) for m in HEADER_WORD.finditer(request)]
    names = [[header_stem(w) for w in HEADER_WORD.findall(str(h))] for h in header]
    spans: List[Tuple[int, int, int]] = []
    i = 0
    while i < len(words):
        best: Optional[Tuple[Tuple[int, int, int], int, int]] = None
        for k, name in enumerate(names):
            for first in range(len(name)):
                n = 0
                while i + n < len(words) and first + n < len(name) and words[i + n][2] == name[first + n]:
                    n += 1
                if n and any(w not in GENERIC_HEADER_WORDS and not w.isdecimal() for w in name[first:first + n]):
                    key = (n, -len(name), -k)
                    if best is None or key > best[0]:
                        best = (key, k, n)
        if best is None:
            i += 1
            continue
        _, k, n = best
        spans.append((words[i][0], words[i + n - 1][1], k))
        i += n
    return spans


def column_reference(column: int) -> str:
    return f"c[{column}]"


def extract_slots(request: str, tagged: Sequence[Tuple[int, int]] = (), header: Optional[Sequence[object]] = None) -> Slotted:
    """Replace the request's literals by placeholders. `tagged`: extra (start, end) spans from the tagger (kind val),
    used only where they overlap no rule-found literal. `header`: the table's column names (CF); the words that
    name a column become a col slot whose value is the column reference, and no other literal overlaps them."""
    request = neutralise(request)
    columns = column_spans(request, header) if header else []
    spans = [sp for sp in _candidate_spans(request) if all(sp[1] <= s or sp[0] >= e for s, e, _ in columns)]
    references = {(a, b): column_reference(k) for a, b, k in columns}
    spans += [(a, b, COLUMN_KIND) for a, b, _ in columns]
    for a, b in tagged:
        if all(b <= s or a >= e for s, e, _ in spans):
            spans.append((a, b, "val"))
    spans.sort()
    counters: Counter = Counter()
    by_text: Dict[Tuple[str, str], Slot] = {}
    slots: List[Slot] = []
    out: List[str] = []
    prev = 0
    for a, b, kind in spans:
        literal = references[(a, b)] if kind == COLUMN_KIND else request[a:b]
        if kind == "num":
            literal = literal.replace(",", "")
        slot = by_text.get((kind, literal))
        if slot is None:
            if counters[kind] >= MAX_PER_KIND:
                continue
            slot = Slot(kind, counters[kind], literal)
            counters[kind] += 1
            by_text[(kind, literal)] = slot
            slots.append(slot)
        out.append(request[prev:a])
        out.append(slot.token)
        prev = b
    out.append(request[prev:])
    return Slotted("".join(out), slots)


def _code_pattern(slot: Slot) -> "re.Pattern[str]":
    """Where a literal counts as the same literal in the code: not inside a longer word or number."""
    lit = re.escape(slot.text)
    if slot.kind == "num":
        return re.compile(r"(?<![\w.])" + lit + r"(?![0-9]|\.[0-9])")
    before = r"(?<![\w])" if re.match(r"\w", slot.text) else ""
    after = r"(?![\w])" if re.search(r"\w$", slot.text) else ""
    return re.compile(before + lit + after)


def slot_code(code: str, slots: Sequence[Slot]) -> str:
    """The code with each slot's literal replaced by its placeholder (longest literals first, no overlaps)."""
    code = neutralise(code)
    taken: List[Tuple[int, int, str]] = []
    for slot in sorted(slots, key=lambda s: (-len(s.text), _kind_order(s.kind), s.index)):
        for m in _code_pattern(slot).finditer(code):
            if all(m.end() <= s or m.start() >= e for s, e, _ in taken):
                taken.append((m.start(), m.end(), slot.token))
    taken.sort()
    out, prev = [], 0
    for a, b, token in taken:
        out.append(code[prev:a])
        out.append(token)
        prev = b
    out.append(code[prev:])
    return "".join(out)


def _kind_order(kind: str) -> int:
    return len(SLOT_KINDS) if kind == COLUMN_KIND else SLOT_KINDS.index(kind)


# Digits right after a number placeholder: no training code has them (a number is slotted only where no digit
# follows it, see _code_pattern), so the model wrote them on its own ("⟨num0⟩000" for "greater than 40"). They
# would make another number than the request's, and are dropped.
GLUED_DIGITS = re.compile(r"(⟨num[0-%d]⟩)(?:\.?[0-9])+" % (MAX_PER_KIND - 1))


# A column placeholder the request has no column for goes with the ", " after it: GreaterThan(⟨col0⟩, 5) becomes
# GreaterThan(5), a rule on every cell, rather than GreaterThan(, 5).
COLUMN_ARGUMENT = re.compile(r"(⟨col[0-%d]⟩)(?:,\s*)?" % (MAX_PER_KIND - 1))


# What a placeholder the request has no literal for shows, with `editable`: tldr's style, named by the slot's kind.
EDITABLE_NAMES = {"str": "text", "var": "name", "path": "path", "file": "file", "num": "number", "val": "text"}


def fill_slots(code: str, values: Dict[str, str], editable: bool = False) -> str:
    """Placeholders back to literals; one the request does not have is left out, or with `editable` shown as
    {{text}}, {{number}}, ... (EDITABLE_NAMES; training/literals.py). GLUED_DIGITS and a missing column's
    COLUMN_ARGUMENT are left out either way, and so is ⟨sep⟩."""
    code = GLUED_DIGITS.sub(r"\1", code)
    code = COLUMN_ARGUMENT.sub(lambda m: m.group(0) if m.group(1) in values else "", code)

    def fill(m: "re.Match[str]") -> str:
        if m.group(0) in values:
            return values[m.group(0)]
        return "{{" + EDITABLE_NAMES[m.group(1)] + "}}" if editable and m.group(1) in EDITABLE_NAMES else ""

    return PLACEHOLDER.sub(fill, code)


# ------------------------------------------------------------------------------------------------------ the tagger
# Unquoted literals ("contain Bull or Bear", "run myCommand") have no shape a rule can see. A logistic
# regression over hashed word features decides for each word of the request whether it is a literal; runs of
# tagged words (with the joiners between them) become one span. It learns from the training pairs themselves: a
# word is a literal when it occurs in the pair's code as a whole word but is not part of the language's own
# vocabulary (a word that occurs in many training codes: find, grep, GreaterThan).

TAG_WORD = re.compile(r"[^\s\"'`,;()\[\]{}]+")
HASH_BITS = 18
JOINERS = {"or", "and", "&", "-"}


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over UTF-8 bytes (the same function in src/lang/slots.ts)."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def word_shape(word: str) -> str:
    s = re.sub(r"[A-Z]", "X", word)
    s = re.sub(r"[a-z]", "x", s)
    s = re.sub(r"[0-9]", "d", s)
    return re.sub(r"(.)\1+", r"\1\1", s)


def _clean(word: str) -> str:
    return word.rstrip(TRAILING)


def tag_features(words: Sequence[str], i: int) -> List[str]:
    """The features of word i: itself, its shape, its neighbours, its position."""
    w = words[i]
    low = w.lower()
    prev1 = words[i - 1].lower() if i > 0 else "<s>"
    prev2 = words[i - 2].lower() if i > 1 else "<s>"
    next1 = words[i + 1].lower() if i + 1 < len(words) else "</s>"
    return [
        "bias", "w=" + low, "shape=" + word_shape(w), "p1=" + prev1, "p2=" + prev2, "n1=" + next1,
        "p1w=" + prev1 + "|" + low, "p1s=" + prev1 + "|" + word_shape(w), "n1s=" + next1 + "|" + word_shape(w),
        "cap=" + str(w[:1].isupper()), "first=" + str(i == 0), "last=" + str(i == len(words) - 1),
        "len=" + str(min(len(w), 8)),
    ]


class SlotTagger:
    """Logistic regression over hashed features; weights [2^HASH_BITS] float32, stored in the bundle as JSON."""

    def __init__(self, weights: Optional[List[float]] = None, threshold: float = 0.5, stopwords: Iterable[str] = ()):
        self.weights = weights if weights is not None else [0.0] * (1 << HASH_BITS)
        self.threshold = threshold
        self.stopwords = set(stopwords)  # the language's own words: never literals

    def score(self, words: Sequence[str], i: int) -> float:
        mask = (1 << HASH_BITS) - 1
        z = sum(self.weights[fnv1a(f) & mask] for f in tag_features(words, i))
        return 1.0 / (1.0 + math.exp(-z))

    def spans(self, request: str) -> List[Tuple[int, int]]:
        """(start, end) of the request's tagged literals (word runs, joined over 'or'/'and' between tagged words)."""
        matches = [(m.start(), m.start() + len(_clean(m.group())), _clean(m.group())) for m in TAG_WORD.finditer(request)]
        matches = [m for m in matches if m[2]]
        words = [w for _, _, w in matches]
        tagged = [w.lower() not in self.stopwords and self.score(words, i) >= self.threshold for i, w in enumerate(words)]
        spans: List[Tuple[int, int]] = []
        i = 0
        while i < len(words):
            if not tagged[i]:
                i += 1
                continue
            j = i
            while j + 2 < len(words) and tagged[j + 2] and words[j + 1].lower() in JOINERS and not tagged[j + 1]:
                j += 2
            while j + 1 < len(words) and tagged[j + 1]:
                j += 1
            spans.append((matches[i][0], matches[j][1]))
            i = j + 1
        return spans

    def to_json(self) -> dict:
        nz = {str(i): round(w, 5) for i, w in enumerate(self.weights) if abs(w) > 1e-4}
        return {"hash_bits": HASH_BITS, "threshold": self.threshold, "stopwords": sorted(self.stopwords), "weights": nz}

    @classmethod
    def from_json(cls, obj: dict) -> "SlotTagger":
        weights = [0.0] * (1 << int(obj["hash_bits"]))
        for k, v in obj["weights"].items():
            weights[int(k)] = float(v)
        return cls(weights, float(obj["threshold"]), obj.get("stopwords", ()))


def language_words(codes: Sequence[str], min_codes: int = 15) -> set:
    """Words of the language itself: those that occur in at least `min_codes` training codes (lower-cased)."""
    df: Counter = Counter()
    for code in codes:
        df.update({w.lower() for w in re.findall(r"[A-Za-z_][\w\-]*", code)})
    return {w for w, c in df.items() if c >= min_codes}


def tag_labels(request: str, code: str, stopwords: set) -> Tuple[List[str], List[int]]:
    """Words of the request (outside rule-found literals) and 1 for those that occur in the code as a whole word."""
    spans = _candidate_spans(request)
    words, labels = [], []
    code_words = set(re.findall(r"[^\s\"'`,;()\[\]{}=|<>]+", code))
    for m in TAG_WORD.finditer(request):
        w = _clean(m.group())
        if not w:
            continue
        inside = any(m.start() < e and m.start() + len(w) > s for s, e, _ in spans)
        words.append(w)
        labels.append(int(not inside and w.lower() not in stopwords and w in code_words and not w.isdigit()))
    return words, labels


def train_tagger(pairs: Sequence[Tuple[str, str]], epochs: int = 8, lr: float = 0.5, l2: float = 1e-6, seed: int = 0,
                 threshold: float = 0.5) -> SlotTagger:
    """SGD on the log-loss over every word of every training request (deterministic for a seed). The probabilities
    come out low (few words are literals): on CF, with 20 % of the training requests held out, F1 is best at a
    threshold of 0.04 (precision 0.76, recall 0.72) and 0.48 at 0.5 (0.86, 0.33) (docs/training.md)."""
    import random

    stop = language_words([c for _, c in pairs])
    rows = []
    mask = (1 << HASH_BITS) - 1
    for request, code in pairs:
        words, labels = tag_labels(request, code, stop)
        for i, y in enumerate(labels):
            if words[i].lower() in stop:
                continue
            rows.append(([fnv1a(f) & mask for f in tag_features(words, i)], y))
    weights = [0.0] * (1 << HASH_BITS)
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(rows)
        step = lr / (1 + epoch)
        for idx, y in rows:
            z = sum(weights[j] for j in idx)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = p - y
            for j in idx:
                weights[j] -= step * (g + l2 * weights[j])
    return SlotTagger(weights, threshold, stop)


# ----------------------------------------------------------------------------------------------- one pair at a time

def slot_pair(request: str, code: str, tagger: Optional[SlotTagger], header: Optional[Sequence[object]] = None) -> Tuple[Slotted, str]:
    """The request and its code with placeholders (training); the code keeps literals the request does not have."""
    slotted = slot_request(request, tagger, header)
    return slotted, slot_code(code, slotted.slots)


def slot_request(request: str, tagger: Optional[SlotTagger], header: Optional[Sequence[object]] = None) -> Slotted:
    return extract_slots(request, tagger.spans(request) if tagger else (), header)


def save_tagger(tagger: SlotTagger, path: Path) -> None:
    Path(path).write_text(json.dumps(tagger.to_json(), separators=(",", ":")))


def load_tagger(path: Path) -> SlotTagger:
    return SlotTagger.from_json(json.loads(Path(path).read_text()))
