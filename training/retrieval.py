"""Retrieval conditioning: the encoder reads the request plus the code of its most similar known requests.

The index holds every fine-tuning pair (the training split, and for Bash the tldr pairs) with literals already
in slots (slots.py), so "delete .log files older than 7 days" finds "delete .tmp files older than 30 days" and
reads its code as `find . -name ⟨file0⟩ -mtime +⟨num0⟩ -delete`: a template the model only has to edit.

Similarity is TF-IDF cosine over the slotted request's words (lower-cased ASCII `[a-z0-9_]+`, so a placeholder
⟨num0⟩ is the word num0), smooth idf ln((1 + n) / (1 + df)) + 1, float64. Neighbours are ranked by decreasing
score rounded to 1e-9, ties by index position, and a neighbour whose slotted code equals one already taken is
skipped. Training retrieves leave-one-out (a pair never finds itself), so the model learns to edit a neighbour.

The encoder's input is   request ⟨sep⟩ code of neighbour 1 ⟨sep⟩ code of neighbour 2 ...   cut to
max_utterance_len, the request to at most `request_len` tokens. src/engine/retrieval.ts builds the same index
from the same bundle file (index.json) and finds the same neighbours (testdata/retrieval/cases.json).
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .literals import LiteralContext
from .slots import COLUMN_KIND, PLACEHOLDER, neutralise, SEP, SLOT_TOKENS, SlotTagger, Slotted, fill_slots, slot_code, slot_request

WORD = re.compile(r"[a-z0-9_]+")


def index_words(text: str) -> List[str]:
    return WORD.findall(text.lower())


QUERY_MODES = ("words", "template")


def query_text(utterance: str, slotted: str, mode: str = "words") -> str:
    """What retrieval compares. "words": the request as written (its literals are strong evidence: NL2Bash repeats
    requests with the same literals) plus one word per placeholder kind (num, str, ...), so the template counts
    too. "template": the slotted request alone (CoNaLa's variable names differ from request to request, so
    there they are noise). Measured per language in docs/results.md."""
    if mode == "template":
        return slotted
    if mode != "words":
        raise ValueError(f"unknown query mode {mode!r}; expected one of {QUERY_MODES}")
    return utterance + " " + " ".join(m.group(1) or "sep" for m in PLACEHOLDER.finditer(slotted))


@dataclass
class Entry:
    utterance: str  # as written (shown in the app as a similar known request)
    code: str  # as written
    slotted_utterance: str
    slotted_code: str
    header: Optional[List[str]] = None  # the table's column names, for a pair that names a column (CF)


class RetrievalIndex:
    def __init__(self, entries: Sequence[Entry], query: str = "words"):
        if not entries:
            raise ValueError("nothing to index")
        self.entries = list(entries)
        self.query = query  # how entries (and queries) are read: query_text(..., mode)
        counts = [Counter(index_words(query_text(e.utterance, e.slotted_utterance, query))) for e in self.entries]
        df: Counter = Counter()
        for c in counts:
            df.update(c.keys())
        n = len(self.entries)
        self.vocab = {w: i for i, w in enumerate(sorted(df))}
        self.idf = [math.log((1 + n) / (1 + df[w])) + 1.0 for w in sorted(df)]
        postings: List[List[Tuple[int, float]]] = [[] for _ in self.vocab]
        for doc, c in enumerate(counts):
            weights = [(self.vocab[w], tf * self.idf[self.vocab[w]]) for w, tf in c.items()]
            norm = math.sqrt(sum(v * v for _, v in weights))
            for term, v in weights:
                postings[term].append((doc, v / norm))
        self.post_docs = [np.array([d for d, _ in p], dtype=np.int64) for p in postings]
        self.post_weights = [np.array([v for _, v in p], dtype=np.float64) for p in postings]

    def scores(self, query: str) -> np.ndarray:
        """Cosine of a query_text() to every entry; query terms are summed in order of first appearance."""
        counts = Counter(w for w in index_words(query) if w in self.vocab)
        weights = [(self.vocab[w], tf * self.idf[self.vocab[w]]) for w, tf in counts.items()]
        norm = math.sqrt(sum(v * v for _, v in weights))
        out = np.zeros(len(self.entries), dtype=np.float64)
        if norm == 0:
            return out
        for term, v in weights:
            out[self.post_docs[term]] += (v / norm) * self.post_weights[term]
        return out

    def ranked(self, query: str, exclude: int = -1) -> Tuple[np.ndarray, np.ndarray]:
        """(order, scores): every entry best first, scores rounded to 1e-9, ties by index position; `exclude` -1."""
        scores = np.round(self.scores(query), 9)
        if 0 <= exclude < len(scores):
            scores[exclude] = -1.0
        return np.lexsort((np.arange(len(scores)), -scores)), scores

    def most_similar(self, query: str, n: int) -> List[Tuple[int, float]]:
        """The n entries most similar to a query_text(), (entry index, score) best first, ties by index position,
        every entry (also those with the same code: rank "channel" reads the codes as written)."""
        order, scores = self.ranked(query)
        return [(int(i), float(scores[i])) for i in order[:n]]

    def neighbours(self, query: str, k: int, exclude: int = -1) -> List[Tuple[int, float]]:
        """Up to k (entry index, score) for a query_text(), best first, distinct slotted codes; never `exclude`."""
        order, scores = self.ranked(query, exclude)
        out: List[Tuple[int, float]] = []
        seen = set()
        for i in order:
            if scores[i] < 0:
                break
            key = " ".join(self.entries[i].slotted_code.split())
            if key in seen:
                continue
            seen.add(key)
            out.append((int(i), float(scores[i])))
            if len(out) == k:
                break
        return out

    # --- the bundle file -----------------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {"version": 1, "query": self.query,
                "entries": [[e.utterance, e.code, e.slotted_utterance, e.slotted_code] + ([e.header] if e.header else [])
                            for e in self.entries]}

    @classmethod
    def from_json(cls, obj: dict) -> "RetrievalIndex":
        return cls([Entry(*row) for row in obj["entries"]], obj.get("query", "words"))

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")))

    @classmethod
    def load(cls, path: Path) -> "RetrievalIndex":
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def build_index(pairs: Sequence[Tuple], tagger: Optional[SlotTagger], query: str = "words") -> RetrievalIndex:
    """pairs: (utterance, code) or (utterance, code, header); a header's column words become col slots."""
    entries = []
    for utterance, code, *rest in pairs:
        header = [str(h) for h in rest[0]] if rest and rest[0] else None
        slotted = slot_request(utterance, tagger, header)
        entries.append(Entry(utterance, code, slotted.text, slot_code(code, slotted.slots), header))
    return RetrievalIndex(entries, query)


# ---------------------------------------------------------------------------------------------- the encoder input

def encode_slotted(tok, text: str) -> List[int]:
    """Token ids of text with placeholders: BPE between them, one id each (tok.vocab_size + position in SLOT_TOKENS)."""
    ids: List[int] = []
    prev = 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > prev:
            ids.extend(tok.encode(text[prev:m.start()]))
        ids.append(tok.vocab_size + SLOT_TOKENS.index(m.group(0)))
        prev = m.end()
    if prev < len(text):
        ids.extend(tok.encode(text[prev:]))
    return ids


def decode_slotted(tok, ids: Sequence[int]) -> str:
    """Text of ids that may hold placeholder ids (the inverse of encode_slotted)."""
    out: List[str] = []
    run: List[int] = []
    for i in ids:
        i = int(i)
        if i >= tok.vocab_size:
            out.append(tok.decode(run))
            run = []
            out.append(SLOT_TOKENS[i - tok.vocab_size])
        else:
            run.append(i)
    out.append(tok.decode(run))
    return "".join(out)


def encoder_input(tok, slotted_request: str, neighbour_codes: Sequence[str], max_len: int, request_len: int) -> List[int]:
    """request ⟨sep⟩ code 1 ⟨sep⟩ code 2 ..., the request cut to request_len tokens, the whole to max_len."""
    sep = tok.vocab_size + SLOT_TOKENS.index(SEP)
    ids = encode_slotted(tok, slotted_request)[:request_len]
    for code in neighbour_codes:
        ids = ids + [sep] + encode_slotted(tok, code)
    return ids[:max_len]


@dataclass
class Prepared:
    """A request made ready for the model: its slots, its neighbours and the encoder's input ids; `literals`: what
    the request gives (literals.py), for a conditioner that knows its language (None: literals are not checked)."""

    slotted: Slotted
    neighbours: List[Tuple[int, float]]
    input_ids: List[int]
    literals: Optional[LiteralContext] = None

    def fill(self, code: str) -> str:
        """A decoded code with the request's literals in its placeholders. With `literals`: a placeholder the request
        has no literal for shows as {{text}}, {{number}}, ..., and so does every literal the request does not give."""
        if self.literals is None:
            return fill_slots(code, self.slotted.values())
        return self.literals.own(fill_slots(code, self.slotted.values(), editable=True))

    def own(self, code: str) -> str:
        """A known code as written, with every literal the request does not give as a placeholder (with `literals`)."""
        return code if self.literals is None else self.literals.own(code)


class Conditioner:
    """Slots + retrieval + the encoder input, for training (leave-one-out), evaluation and export alike.

    With neither slots nor retrieval (the plain configuration) the input is the request's BPE ids, as before.
    `language` (bash, python, cf): candidates carry only the request's literals (literals.py; the tagger's
    stopwords are the language's own words); None: they are not checked, and a known code's slots the request
    does not fill keep the known request's literals (as before)."""

    def __init__(self, tok, tagger: Optional[SlotTagger], index: Optional[RetrievalIndex], neighbours: int,
                 max_len: int, request_len: int, use_slots: bool, columns: bool = False, channel=None,
                 language: Optional[str] = None):
        self.tok, self.tagger, self.index, self.columns = tok, tagger, index, columns
        self.language = language
        self._language_words: Optional[frozenset] = None  # the tagger's stopwords, lower case (built on first use)
        self.channel = channel  # channel.Channel, for rank "channel" (None otherwise)
        self.k, self.max_len, self.request_len, self.use_slots = neighbours, max_len, request_len, use_slots

    def prepare(self, utterance: str, exclude: int = -1, header: Optional[Sequence[object]] = None) -> Prepared:
        """header: the column names of the table the request is about (CF), or None."""
        # without slots too, the user's own ⟨ ⟩ never become placeholder ids
        header = header if self.columns else None  # a model without col slots never sees one
        slotted = slot_request(utterance, self.tagger, header) if self.use_slots else Slotted(neutralise(utterance), [])
        found = []
        if self.index is not None and self.k > 0:
            found = self.index.neighbours(query_text(utterance, slotted.text, self.index.query), self.k, exclude)
        codes = [self.index.entries[i].slotted_code for i, _ in found]
        if self.use_slots:
            ids = encoder_input(self.tok, slotted.text, codes, self.max_len, self.request_len)
        else:
            ids = encoder_input(self.tok, slotted.text, [neutralise(self.index.entries[i].code) for i, _ in found],
                                self.max_len, self.request_len)
        literals = None
        if self.language is not None:
            if self._language_words is None:
                self._language_words = frozenset(w.lower() for w in (self.tagger.stopwords if self.tagger else ()))
            literals = LiteralContext(self.language, utterance, self._language_words)
        return Prepared(slotted, found, ids or [0], literals)

    def code_ids(self, code: str, slotted: Slotted) -> List[int]:
        return encode_slotted(self.tok, slot_code(code, slotted.slots) if self.use_slots else neutralise(code))

    def channel_candidates(self, prepared: Prepared, utterance: str, count: int, scan: int, similarity_weight: float) -> List[str]:
        """Rank "channel": the codes, as written, of the `scan` known requests most similar to this one, ordered by
        the channel's score (channel.rank_codes), the best `count`."""
        from .channel import rank_codes

        if self.index is None or self.channel is None:
            raise ValueError('rank "channel" needs a retrieval index and a channel table (channel.json)')
        found = self.index.most_similar(query_text(utterance, prepared.slotted.text, self.index.query), scan)
        ranked = rank_codes(self.channel, utterance, [(self.known_code(prepared, self.index.entries[i]), s) for i, s in found],
                            similarity_weight)
        return [code for code, _ in ranked[:count]]

    def known_code(self, prepared: Prepared, entry) -> str:
        """A known code as rank "channel" offers it: as written; with the request's `literals` (Prepared), the
        known code's literals become the request's slots (its slotted code, filled with this request's literals:
        `wc -l ⟨file0⟩` -> `wc -l access.log`), and what the request does not fill shows as {{file}}, {{number}}, ..."""
        if prepared.literals is None:
            return entry.code
        return prepared.fill(entry.slotted_code) if self.use_slots else prepared.own(entry.code)

    def retrieved_candidates(self, prepared: Prepared, utterance: str, count: int, as_written: bool = False) -> List[str]:
        """The codes of the best `count` neighbours with this request's literals filled into their slots: the
        retrieve-and-fill candidates that join the model's own samples in the ranked pool. as_written: the codes as
        the known requests have them (rank "retrieval-first"). With the request's `literals` (Prepared), no code
        carries a literal the request does not give: slots it does not fill, and the code's other literals, show as
        {{text}}, {{number}}, ... (Prepared.fill, Prepared.own)."""
        if self.index is None:
            return []
        found = prepared.neighbours
        if len(found) < count:
            found = self.index.neighbours(query_text(utterance, prepared.slotted.text, self.index.query), count)
        out = []
        for i, _ in found[:count]:
            entry = self.index.entries[i]
            if prepared.literals is not None:
                out.append(prepared.own(entry.code) if as_written else self.known_code(prepared, entry))
            elif self.use_slots and not as_written:
                # The neighbour's own literals fill what this request lacks, but never its columns: those belong
                # to the neighbour's table (fill_slots then drops the column argument).
                own = {s.token: s.text for s in slot_request(entry.utterance, self.tagger, entry.header).slots
                       if s.kind != COLUMN_KIND}
                values = {**own, **prepared.slotted.values()}
                out.append(fill_slots(entry.slotted_code, values))
            else:
                out.append(entry.code)
        return out
