"""Noisy-channel ranking of retrieved codes: how well does a known code explain the words of this request?

Retrieval (retrieval.py) finds known requests that read like this one; the best of them often does something else
("delete all empty directories" for "find all empty directories"). The channel turns the question around: it scores
a known code by the probability that a request for that code would use this request's words, P(request | code),
with IBM Model 1 (Brown et al. 1993), a word-translation table t(word | code token) learnt by EM from the index's
own pairs (request, code):

    log P(request | code) / |request| = mean over request words w of  log( sum_c t(w | c) / (|code| + 1) + 1e-9 )

where c runs over the code's tokens and one NULL token (request words that no code token explains: "all", "the").
A code that cannot say "delete" makes "delete" cost; a code whose literals the request lacks explains fewer of its
words. Rank "channel" (sample.generate) orders the codes of the `channel_scan` most similar known requests by
log P(request | code) / |request| + channel_similarity * similarity, each code as written, once.

Words are retrieval's (index_words: lower-cased ASCII [a-z0-9_]+); code tokens are runs of ASCII letters and "_",
runs of digits, and every other non-space character alone. The table keeps t >= PRUNE (rounded to 6 significant
digits); any other pair gets FLOOR. src/engine/channel.ts reads the same table (the bundle's channel.json) and
scores the same (testdata/channel/cases.json).
"""
from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .retrieval import index_words

CODE_TOKEN = re.compile(r"[A-Za-z_]+|[0-9]+|[^ \t\n\r\f\vA-Za-z_0-9]")
NULL = "<null>"  # the code token that explains words no code token does; never a real token (has no letters run...)
PRUNE = 1e-5
FLOOR = 1e-6
SMOOTH = 1e-9  # inside the log, so a word no token explains costs log(FLOOR) at most, never -inf
ITERATIONS = 8


def code_tokens(code: str) -> List[str]:
    return CODE_TOKEN.findall(code)


def _significant(x: float) -> float:
    return float(f"{x:.6g}")


class Channel:
    """t(word | code token): table[token][word]."""

    def __init__(self, table: Dict[str, Dict[str, float]]):
        self.table = table

    def log_likelihood(self, utterance: str, code: str) -> float:
        """Mean over the request's words of log P(word | code) (module docstring); 0.0 for a request without words."""
        words = index_words(utterance)
        if not words:
            return 0.0
        rows = [self.table.get(c) for c in code_tokens(code)] + [self.table.get(NULL)]
        total = 0.0
        for w in words:
            p = 0.0
            for row in rows:  # code order, NULL last: the TypeScript sum adds in the same order
                p += row.get(w, FLOOR) if row is not None else FLOOR
            total += math.log(p / len(rows) + SMOOTH)
        return total / len(words)

    # --- the bundle file ------------------------------------------------------------------------------------
    def to_json(self) -> dict:
        tokens = sorted(self.table)
        words = sorted({w for row in self.table.values() for w in row})
        wid = {w: i for i, w in enumerate(words)}
        rows = [[[wid[w], p] for w, p in sorted(self.table[c].items(), key=lambda kv: wid[kv[0]])] for c in tokens]
        return {"version": 1, "null": NULL, "floor": FLOOR, "smooth": SMOOTH, "tokens": tokens, "words": words, "rows": rows}

    @classmethod
    def from_json(cls, obj: dict) -> "Channel":
        if obj.get("version") != 1 or obj.get("floor") != FLOOR or obj.get("smooth") != SMOOTH or obj.get("null") != NULL:
            raise ValueError("channel.json: unknown version or constants")
        words = obj["words"]
        return cls({c: {words[w]: float(p) for w, p in row} for c, row in zip(obj["tokens"], obj["rows"])})

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")))

    @classmethod
    def load(cls, path: Path) -> "Channel":
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def train_channel(pairs: Sequence[Tuple[str, str]], iterations: int = ITERATIONS) -> Channel:
    """IBM Model 1 by EM on (request, code) pairs, t initialised uniform; pruned and rounded as it ships."""
    data = [(index_words(u), code_tokens(c) + [NULL]) for u, c, *_ in pairs]
    data = [(ws, cs) for ws, cs in data if ws]
    t: Dict[Tuple[str, str], float] = defaultdict(lambda: 1.0)  # uniform: only ratios matter in the first E-step
    for _ in range(iterations):
        count: Dict[Tuple[str, str], float] = defaultdict(float)
        total: Dict[str, float] = defaultdict(float)
        for words, tokens in data:
            for w in words:
                den = sum(t[(w, c)] for c in tokens)
                for c in tokens:
                    p = t[(w, c)] / den
                    count[(w, c)] += p
                    total[c] += p
        t = defaultdict(lambda: FLOOR, {(w, c): v / total[c] for (w, c), v in count.items()})
    table: Dict[str, Dict[str, float]] = {}
    for (w, c), p in sorted(t.items()):
        if p >= PRUNE:
            table.setdefault(c, {})[w] = _significant(p)
    return Channel(table)


def rank_codes(channel: Channel, utterance: str, found: Sequence[Tuple[str, float]], similarity_weight: float) -> List[Tuple[str, float]]:
    """found: (code as written, retrieval similarity) of the most similar known requests, best first. Each distinct
    code (whitespace-normalised) once, at its first (most similar) place, scored log P(request | code) / |request| + weight * similarity,
    by decreasing score rounded to 1e-9 (np.round), ties in retrieval order."""
    from .predictions import normalize_whitespace

    scored: List[Tuple[float, int, str]] = []
    seen = set()
    for rank, (code, similarity) in enumerate(found):
        key = normalize_whitespace(code)
        if not key or key in seen:  # a later copy scores the same but for a lower similarity
            continue
        seen.add(key)
        score = channel.log_likelihood(utterance, code) + similarity_weight * similarity
        scored.append((float(np.round(score, 9)), rank, code))  # as retrieval rounds: rint(x * 1e9) / 1e9
    ordered = sorted(scored, key=lambda v: (-v[0], v[1]))
    return [(code, score) for score, _, code in ordered]
