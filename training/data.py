"""The datasets the project trains and evaluates on, read from the project's own copy in data/.

Every loader returns plain Python values; tokenisation and tensors come later (tokenizer.py, tensors.py).
"""
from __future__ import annotations

import json
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
