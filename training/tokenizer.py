"""Byte-level BPE tokenizers, one per language, trained from the training data only.

Each tokenizer is saved as a Hugging Face `tokenizer.json` (training/tokenizers/<language>.json) that the browser
loads with `@huggingface/tokenizers` (see src/tokenizer/); this module is a pure-Python (stdlib only) trainer,
encoder and decoder that gives exactly the same ids. See docs/tokenizer.md for the design and the measurements.

Pipeline (identical in Python, tokenizers.js and HF's Rust tokenizers):
  1. no normalizer;
  2. pre-tokenizer: Sequence[Split(PRETOKENIZE_PATTERN, Isolated), ByteLevel(add_prefix_space=False,
     use_regex=False)]: the text is cut into pre-tokens by an ASCII-only regex, every pre-token's UTF-8 bytes
     are mapped to GPT-2's printable byte alphabet;
  3. BPE within each pre-token: repeatedly merge the adjacent pair of lowest merge rank (leftmost on ties);
  4. no post-processor (no BOS/EOS).

Ids: 0 <|pad|> (padding and end of code), 1 <|mask|> (masked identifier in pre-training), 2 + b for byte b
(0..255), then one id per merge in the order learned. encode() never produces 0 or 1, even for text that
literally contains "<|pad|>"; decode() skips them.

CLI:
  python3 -m training.tokenizer --language all              train and write training/tokenizers/<language>.json
  python3 -m training.tokenizer --language cf --write-fixtures   write testdata/tokenizer/cf.json (test ids)
  python3 -m training.tokenizer --language all --measure 1000,2000,4000,8000   length table per vocab size
"""
from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from training import data as data_module

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER_DIR = ROOT / "training" / "tokenizers"
FIXTURE_DIR = ROOT / "testdata" / "tokenizer"

PAD_ID = 0
MASK_ID = 1
PAD_TOKEN = "<|pad|>"
MASK_TOKEN = "<|mask|>"
SPECIAL_TOKENS = (PAD_TOKEN, MASK_TOKEN)
BYTE_OFFSET = len(SPECIAL_TOKENS)  # id of the single byte b is BYTE_OFFSET + b

# ASCII-only classes, so that Python's `re`, JavaScript's RegExp (tokenizers.js) and Oniguruma (HF Rust) agree
# exactly: a run of letters, a single digit, or a run of other non-space characters, each optionally with one
# leading space; whitespace runs leave their last space to the next pre-token (GPT-2's `\s+(?!\S)` trick).
# Digits are split one by one so that every number is spelt the same way wherever it appears (see the docs).
PRETOKENIZE_PATTERN = (
    r" ?[A-Za-z]+| ?[0-9]| ?[^ \t\n\r\f\vA-Za-z0-9]+|[ \t\n\r\f\v]+(?![^ \t\n\r\f\v])|[ \t\n\r\f\v]+"
)

# Chosen from the measurements in docs/tokenizer.md.
VOCAB_SIZES = {"bash": 4096, "python": 2048, "cf": 512}
MIN_FREQUENCY = 2  # a pair seen once is never merged


def bytes_to_unicode() -> Dict[int, str]:
    """GPT-2's reversible byte -> printable character map (the same table as HF's ByteLevel and tokenizers.js)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: the browser's TextEncoder writes U+FFFD for each
        return _LONE_SURROGATE.sub("\ufffd", text).encode("utf-8")


def byte_level(text: str) -> str:
    return "".join(BYTE_TO_CHAR[b] for b in _utf8(text))


def pre_tokenize(text: str, pattern: "re.Pattern[str]") -> List[str]:
    """Split (Isolated: matches and the gaps between them are both kept), then map each piece to byte-level."""
    pieces: List[str] = []
    prev = 0
    for m in pattern.finditer(text):
        if m.start() > prev:
            pieces.append(text[prev:m.start()])
        if m.end() > m.start():
            pieces.append(m.group())
        prev = m.end()
    if prev < len(text):
        pieces.append(text[prev:])
    return [byte_level(p) for p in pieces]


class Tokenizer:
    """A byte-level BPE tokenizer; `vocab` maps token strings (byte-level alphabet) to ids 0..vocab_size-1."""

    def __init__(self, vocab: Dict[str, int], merges: Sequence[Tuple[str, str]], pattern: str = PRETOKENIZE_PATTERN):
        self.vocab = dict(vocab)
        self.merges = [tuple(m) for m in merges]
        self.pattern = pattern
        self._regex = re.compile(pattern)
        self._ranks = {m: i for i, m in enumerate(self.merges)}
        self._id_to_token = [""] * len(self.vocab)
        for token, i in self.vocab.items():
            if not 0 <= i < len(self.vocab) or self._id_to_token[i]:
                raise ValueError(f"vocabulary ids must be 0..{len(self.vocab) - 1}, each once (token {token!r}: {i})")
            self._id_to_token[i] = token
        for i, token in enumerate(SPECIAL_TOKENS):
            if self._id_to_token[i] != token:
                raise ValueError(f"id {i} must be {token!r}, not {self._id_to_token[i]!r}")
        for b, ch in BYTE_TO_CHAR.items():
            if self.vocab.get(ch) != BYTE_OFFSET + b:
                raise ValueError(f"byte {b} must have id {BYTE_OFFSET + b}")
        if len(self._ranks) != len(self.merges):
            raise ValueError("duplicate merges")
        for a, b in self.merges:
            if a not in self.vocab or b not in self.vocab or a + b not in self.vocab:
                raise ValueError(f"merge {a!r} + {b!r} uses or makes a token outside the vocabulary")
            if a + b in SPECIAL_TOKENS:
                raise ValueError(f"merge {a!r} + {b!r} makes a special token")
        self._cache: Dict[str, Tuple[int, ...]] = {}

    # --- encoding -------------------------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    @property
    def pad_id(self) -> int:
        return PAD_ID

    @property
    def mask_id(self) -> int:
        return MASK_ID

    def id_to_token(self, i: int) -> str:
        return self._id_to_token[i]

    def token_to_id(self, token: str) -> Optional[int]:
        return self.vocab.get(token)

    def _bpe(self, piece: str) -> Tuple[int, ...]:
        """Merge within one pre-token as HF / tokenizers.js do: lowest rank first, leftmost among equal ranks."""
        cached = self._cache.get(piece)
        if cached is not None:
            return cached
        symbols = list(piece)
        ranks = self._ranks
        while len(symbols) > 1:
            best_rank = -1
            best_at = -1
            for i in range(len(symbols) - 1):
                r = ranks.get((symbols[i], symbols[i + 1]))
                if r is not None and (best_at < 0 or r < best_rank):
                    best_rank, best_at = r, i
            if best_at < 0:
                break
            symbols[best_at:best_at + 2] = [symbols[best_at] + symbols[best_at + 1]]
        ids = tuple(self.vocab[s] for s in symbols)
        if len(self._cache) < 200_000:
            self._cache[piece] = ids
        return ids

    def tokenize(self, text: str) -> List[str]:
        return [self._id_to_token[i] for i in self.encode(text)]

    def encode(self, text: str) -> List[int]:
        ids: List[int] = []
        for piece in pre_tokenize(text, self._regex):
            ids.extend(self._bpe(piece))
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """Text of `ids`, special tokens skipped; invalid UTF-8 becomes U+FFFD (as the browser's TextDecoder)."""
        chars: List[str] = []
        n = len(self._id_to_token)
        for i in ids:
            i = int(i)
            if not 0 <= i < n:
                raise ValueError(f"token id {i} is outside the vocabulary (size {n})")
            if i >= BYTE_OFFSET:
                chars.append(self._id_to_token[i])
        data = bytes(CHAR_TO_BYTE[c] for c in "".join(chars))
        return data.decode("utf-8", errors="replace")

    # --- files ----------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        """The HF tokenizer.json text; one vocabulary entry / merge per line, so diffs stay readable."""
        d = lambda x: json.dumps(x, ensure_ascii=False)  # noqa: E731
        added = [
            {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
             "special": True}
            for i, t in enumerate(SPECIAL_TOKENS)
        ]
        pre_tokenizer = {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": self.pattern}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
            ],
        }
        decoder = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}
        model_head = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False}
        lines = ["{", '  "version": "1.0",', '  "truncation": null,', '  "padding": null,', '  "added_tokens": [']
        lines.append(",\n".join("    " + d(a) for a in added))
        lines.append("  ],")
        lines.append('  "normalizer": null,')
        lines.append(f'  "pre_tokenizer": {d(pre_tokenizer)},')
        lines.append('  "post_processor": null,')
        lines.append(f'  "decoder": {d(decoder)},')
        lines.append('  "model": {')
        for k, v in model_head.items():
            lines.append(f"    {d(k)}: {d(v)},")
        lines.append('    "vocab": {')
        lines.append(",\n".join(f"      {d(t)}: {i}" for i, t in enumerate(self._id_to_token)))
        lines.append("    },")
        if self.merges:
            lines.append('    "merges": [')
            lines.append(",\n".join(f"      {d(list(m))}" for m in self.merges))
            lines.append("    ]")
        else:
            lines.append('    "merges": []')
        lines.append("  }")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def save(self, path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(self.to_json())

    @classmethod
    def from_json(cls, obj: dict) -> "Tokenizer":
        """Load a tokenizer.json written by save(); anything this encoder would not reproduce exactly is refused."""
        if obj.get("normalizer") is not None or obj.get("post_processor") is not None:
            raise ValueError("expected no normalizer and no post-processor")
        pre = obj.get("pre_tokenizer") or {}
        steps = pre.get("pretokenizers") if pre.get("type") == "Sequence" else None
        if (
            not steps or len(steps) != 2
            or steps[0].get("type") != "Split" or steps[0].get("behavior") != "Isolated" or steps[0].get("invert")
            or "Regex" not in steps[0].get("pattern", {})
            or steps[1].get("type") != "ByteLevel" or steps[1].get("add_prefix_space") or steps[1].get("use_regex")
        ):
            raise ValueError("expected pre_tokenizer Sequence[Split(Regex, Isolated), ByteLevel(no prefix, no regex)]")
        if (obj.get("decoder") or {}).get("type") != "ByteLevel":
            raise ValueError("expected a ByteLevel decoder")
        model = obj["model"]
        if model.get("type") != "BPE" or model.get("ignore_merges") or model.get("dropout") or model.get("byte_fallback"):
            raise ValueError("expected a plain BPE model (no dropout, ignore_merges or byte_fallback)")
        merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        added = {a["id"]: a["content"] for a in obj.get("added_tokens", [])}
        if added != {i: t for i, t in enumerate(SPECIAL_TOKENS)}:
            raise ValueError(f"expected added tokens {SPECIAL_TOKENS}, got {added}")
        return cls(model["vocab"], merges, steps[0]["pattern"]["Regex"])

    @classmethod
    def from_file(cls, path) -> "Tokenizer":
        with open(path, encoding="utf-8") as f:
            return cls.from_json(json.load(f))


# --- training -----------------------------------------------------------------------------------------------
def base_vocab() -> Dict[str, int]:
    vocab = {t: i for i, t in enumerate(SPECIAL_TOKENS)}
    for b in range(256):
        vocab[BYTE_TO_CHAR[b]] = BYTE_OFFSET + b
    return vocab


def train_bpe(texts: Iterable[str], vocab_size: int, *, min_frequency: int = MIN_FREQUENCY,
              pattern: str = PRETOKENIZE_PATTERN) -> Tokenizer:
    """Learn merges until the vocabulary has `vocab_size` tokens (or no pair occurs `min_frequency` times).

    Deterministic: the next merge is the pair with the highest count over the pre-token frequency table (pairs
    counted per occurrence, overlaps included); ties go to the pair whose (bytes of left, bytes of right) is
    smallest. Counts are updated incrementally for the pre-tokens that contain the merged pair only.
    """
    regex = re.compile(pattern)
    vocab = base_vocab()
    if vocab_size < len(vocab):
        raise ValueError(f"vocab_size must be at least {len(vocab)}")
    counts: Counter = Counter()
    for text in texts:
        counts.update(pre_tokenize(text, regex))
    tokens = [""] * len(vocab)  # id -> string
    for t, i in vocab.items():
        tokens[i] = t
    token_bytes = [t.encode("utf-8") if i < BYTE_OFFSET else bytes([CHAR_TO_BYTE[t]]) for i, t in enumerate(tokens)]

    words: List[List[int]] = []
    freqs: List[int] = []
    for piece in sorted(counts):
        words.append([vocab[c] for c in piece])
        freqs.append(counts[piece])

    pair_counts: Dict[Tuple[int, int], int] = {}
    where: Dict[Tuple[int, int], set] = {}
    for wi, (w, f) in enumerate(zip(words, freqs)):
        for p in zip(w, w[1:]):
            pair_counts[p] = pair_counts.get(p, 0) + f
            where.setdefault(p, set()).add(wi)

    def entry(p: Tuple[int, int], c: int):
        return (-c, token_bytes[p[0]], token_bytes[p[1]], p)

    heap = [entry(p, c) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    merges: List[Tuple[str, str]] = []
    while len(tokens) < vocab_size and heap:
        neg, _, _, pair = heapq.heappop(heap)
        c = pair_counts.get(pair, 0)
        if c != -neg:
            continue  # stale entry: the count changed after it was pushed (the new count has its own entry)
        if c < min_frequency:
            break
        a, b = pair
        new_token = tokens[a] + tokens[b]
        if new_token in SPECIAL_TOKENS:  # impossible with this pre-tokenizer ("<|", "pad", "|>" are split)
            del pair_counts[pair]
            continue
        new_id = vocab.get(new_token)
        if new_id is None:  # the same string can be reached by two merge paths; it keeps its first id
            new_id = len(tokens)
            vocab[new_token] = new_id
            tokens.append(new_token)
            token_bytes.append(token_bytes[a] + token_bytes[b])
        merges.append((tokens[a], tokens[b]))

        changed: Dict[Tuple[int, int], int] = {}
        for wi in sorted(where.pop(pair, ())):
            w = words[wi]
            f = freqs[wi]
            merged: List[int] = []
            i = 0
            n = len(w)
            found = False
            while i < n:
                if i + 1 < n and w[i] == a and w[i + 1] == b:
                    merged.append(new_id)
                    i += 2
                    found = True
                else:
                    merged.append(w[i])
                    i += 1
            if not found:
                continue
            for p in zip(w, w[1:]):
                changed[p] = changed.get(p, 0) - f
            for p in zip(merged, merged[1:]):
                changed[p] = changed.get(p, 0) + f
                where.setdefault(p, set()).add(wi)
            words[wi] = merged
        for p, delta in changed.items():
            if delta == 0:
                continue
            c = pair_counts.get(p, 0) + delta
            if c > 0:
                pair_counts[p] = c
                heapq.heappush(heap, entry(p, c))
            else:
                pair_counts.pop(p, None)
                where.pop(p, None)
        pair_counts.pop(pair, None)
    return Tokenizer(vocab, merges, pattern)


# --- the project's data ---------------------------------------------------------------------------------------
def training_texts(language: str) -> List[str]:
    """Everything the tokenizer of `language` learns from; never the test split.

    The train split's utterances and codes and the extra pairs (tldr for Bash) count once per occurrence; the
    pre-training snippets count once per distinct line, so that the duplicate-heavy snippet files (the CF file
    has 226k lines but 3.5k distinct ones) do not drown the benchmark's own text.
    """
    texts: List[str] = []
    for ex in data_module.load_benchmark(language, "train") + data_module.load_extra_pairs(language):
        texts.append(ex.utterance)
        texts.append(ex.code)
    texts.extend(sorted(set(data_module.load_pretraining(language))))
    return texts


def tokenizer_path(language: str) -> Path:
    return TOKENIZER_DIR / f"{data_module.check_language(language)}.json"


def fixture_path(language: str) -> Path:
    return FIXTURE_DIR / f"{data_module.check_language(language)}.json"


def train_language(language: str, vocab_size: Optional[int] = None) -> Tokenizer:
    return train_bpe(training_texts(language), vocab_size or VOCAB_SIZES[language])


def load_tokenizer(language: str) -> Tokenizer:
    """The committed tokenizer of `language` (training/tokenizers/<language>.json)."""
    return Tokenizer.from_file(tokenizer_path(language))


# --- fixtures shared with the TypeScript tests ------------------------------------------------------------------
PROBES = [
    "",
    " ",
    "a",
    "  leading and trailing spaces  ",
    "tabs\tand\t\tnewlines\n\nand\r\nCRLF\rCR",
    "x\u000bvertical\u000cformfeed",
    "<|pad|>",
    "<|mask|> is not a mask",
    "text <|pad|><|mask|> text",
    "12345678901234567890 3.14159 -42 1e-10 0x1F",
    "café naïve résumé",
    "non\u00a0breaking\u3000ideographic\u2028line\u2029para",
    "经济 日本語 한국어 العربية עברית",
    "emoji 😀👍🏽 family 👨‍👩‍👧",
    "combining e\u0301 and a\u0308",
    "NUL\u0000 BEL\u0007 ESC\u001b DEL\u007f C1\u0085",
    "lone surrogate \ud800 here",
    "ls -la | grep '^d' && echo \"$HOME\" > /tmp/x 2>&1",
    "df[df['a'] > 0].groupby('b').agg({'c': 'sum'})",
    "AND(GreaterThanEqual(25),LessThan(50))",
    "    def f(x):\n        return x ** 2\n",
    "a" * 300,
    "____init____ __x__ _ a_b_c",
]


def _random_probes(n: int = 150, seed: int = 99) -> List[str]:
    """Random strings (fixed seed) over an alphabet that stresses the pre-tokenizer: every ASCII class, all six
    ASCII whitespace characters in runs, Latin-1, Unicode spaces and digits, CJK, astral emoji, combining marks."""
    pool = (
        [chr(c) for c in range(0x20, 0x7F)] + list(" \t\n\r\f\v") * 6 + list("  ") * 10
        + list("\u00a0\u00e9\u00df\u00b2\u0660\u0967\u2028\u3000\u200b\u0301\ufeff\u4e2d\u6587\u00bd")
        + ["\U0001F600", "\U0001F44D\U0001F3FD", "\U00010348", "\x00", "\x1b", "\x85"]
    )
    rng = random.Random(seed)
    return ["".join(rng.choice(pool) for _ in range(rng.randrange(0, 60))) for _ in range(n)]


def _decode_probes(tok: Tokenizer, n: int = 40) -> List[List[int]]:
    """Id sequences for checking decode(): specials mixed in, broken UTF-8, random tokens (fixed seed)."""
    byte = lambda *bs: [BYTE_OFFSET + b for b in bs]  # noqa: E731
    cases = [
        [PAD_ID],
        [MASK_ID, PAD_ID],
        byte(0x61) + [MASK_ID] + byte(0x62) + [PAD_ID, PAD_ID],
        byte(0xE2, 0x82),  # truncated 3-byte sequence
        byte(0xE2, 0x82, 0x61),
        byte(0xF0, 0x80, 0x80, 0x61),  # overlong start
        byte(0xC0, 0xAF),
        byte(0xED, 0xA0, 0x80),  # UTF-8 of a surrogate
        byte(0xFF, 0xFE, 0x61),
        byte(0xF4, 0x90, 0x80, 0x80),  # beyond U+10FFFF
        byte(0x80, 0x80, 0xE6, 0x97),
        byte(0xEF, 0xBB, 0xBF, 0x61),  # BOM is kept
    ]
    rng = random.Random(1234)
    for _ in range(n):
        cases.append([rng.randrange(tok.vocab_size) for _ in range(rng.randrange(1, 12))])
    return cases


def fixture_json(language: str, tok: Tokenizer) -> str:
    """Every test utterance and test code with the Python ids, plus probes; one item per line."""
    test = data_module.load_benchmark(language, "test")
    d = lambda x: json.dumps(x, ensure_ascii=True, separators=(",", ":"))  # noqa: E731  (ASCII: lone surrogates survive)
    sections = {
        "utterances": [[ex.utterance, tok.encode(ex.utterance)] for ex in test],
        "codes": [[ex.code, tok.encode(ex.code)] for ex in test],
        "probes": [[p, tok.encode(p)] for p in PROBES + _random_probes()],
        "decode": [[ids, tok.decode(ids)] for ids in _decode_probes(tok)],
    }
    lines = ["{", f'  "language": {d(language)},', f'  "tokenizer": {d(f"training/tokenizers/{language}.json")},',
             f'  "vocab_size": {tok.vocab_size},']
    for k, (name, items) in enumerate(sections.items()):
        lines.append(f'  "{name}": [')
        lines.append(",\n".join("    " + d(item) for item in items))
        lines.append("  ]" + ("," if k < len(sections) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_fixtures(language: str) -> Path:
    path = fixture_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(fixture_json(language, load_tokenizer(language)))
    return path


# --- measurements ----------------------------------------------------------------------------------------------
def _percentile(sorted_values: List[int], q: float) -> int:
    if not sorted_values:
        return 0
    k = min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))  # nearest rank
    return sorted_values[k]


def measure(language: str, sizes: List[int], limit: int = 64, pattern: str = PRETOKENIZE_PATTERN) -> List[str]:
    """Markdown rows, one per vocab size and field (utterance / code): token lengths on train and test (mean, p99,
    p99.5, max, share within `limit` tokens), and the share of test tokens whose id occurs fewer than 5 times in
    the same field of the train split (a rough measure of how much of the vocabulary the model can learn)."""
    texts = training_texts(language)
    splits = {s: data_module.load_benchmark(language, s) for s in ("train", "test")}
    rows = []
    for size in sizes:
        t0 = time.time()
        tok = train_bpe(texts, size, pattern=pattern)
        seconds = time.time() - t0
        for field in ("utterance", "code"):
            cells = []
            encoded = {s: [tok.encode(getattr(e, field)) for e in exs] for s, exs in splits.items()}
            for split in ("train", "test"):
                lengths = sorted(len(ids) for ids in encoded[split])
                fit = sum(1 for x in lengths if x <= limit) / max(1, len(lengths))
                cells.append(f"{sum(lengths) / max(1, len(lengths)):.1f} / {_percentile(lengths, 99)} / "
                             f"{_percentile(lengths, 99.5)} / {lengths[-1] if lengths else 0} | {100 * fit:.1f}%")
            seen = Counter(i for ids in encoded["train"] for i in ids)
            test_ids = [i for ids in encoded["test"] for i in ids]
            rare = sum(1 for i in test_ids if seen[i] < 5) / max(1, len(test_ids))
            rows.append(f"| {language} | {size} ({tok.vocab_size}) | {field} | {cells[0]} | {cells[1]} | "
                        f"{100 * rare:.1f}% | {seconds:.1f}s |")
    return rows


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--language", required=True, choices=list(data_module.LANGUAGES) + ["all"])
    parser.add_argument("--vocab-size", type=int, default=None, help=f"default per language: {VOCAB_SIZES}")
    parser.add_argument("--write-fixtures", action="store_true",
                        help="only write testdata/tokenizer/<language>.json from the committed tokenizer")
    parser.add_argument("--measure", default=None, metavar="SIZES",
                        help="comma-separated vocab sizes: print the length table instead of writing files")
    args = parser.parse_args(argv)
    languages = data_module.LANGUAGES if args.language == "all" else (args.language,)
    if args.measure:
        sizes = [int(s) for s in args.measure.split(",")]
        print("| language | vocab (actual) | field | train: mean / p99 / p99.5 / max | train <= 64 | "
              "test: mean / p99 / p99.5 / max | test <= 64 | test tokens rare in train | train time |")
        print("|---|---|---|---|---|---|---|---|---|")
        for language in languages:
            for row in measure(language, sizes):
                print(row, flush=True)
        return 0
    for language in languages:
        if args.write_fixtures:
            print(f"{language}: wrote {write_fixtures(language).relative_to(ROOT)}")
            continue
        t0 = time.time()
        tok = train_language(language, args.vocab_size)
        path = tokenizer_path(language)
        tok.save(path)
        print(f"{language}: {tok.vocab_size} tokens, {len(tok.merges)} merges in {time.time() - t0:.1f}s -> "
              f"{path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
