"""Predictions files and the exact-match metric (the paper's Table 6).

A predictions file is JSON lines, one test item per line (format: docs/predictions-format.md). The model's
sampler (evaluate.py) and the retrieval baseline (baseline.py) both write it; the TypeScript metric suite
reads it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

FORMAT_VERSION = 1
TOP_K = (1, 3, 5)


def normalize_whitespace(code: str) -> str:
    """Whitespace-normalised form used by exact match: runs of whitespace become one space, ends stripped."""
    return " ".join(code.split())


def exact_match_at_k(gold: str, candidates: Sequence[str], k: int) -> bool:
    """True when one of the first k candidates equals the gold code after whitespace normalisation."""
    target = normalize_whitespace(gold)
    return any(normalize_whitespace(c) == target for c in candidates[:k])


def exact_match_table(rows: Iterable[dict], ks: Sequence[int] = TOP_K) -> Dict[str, float]:
    """Top-k exact match in percent over predictions rows: {"top1": .., "top3": .., "top5": .., "n": ..}."""
    rows = list(rows)
    if not rows:
        raise ValueError("no predictions to score")
    scores: Dict[str, float] = {}
    for k in ks:
        hits = sum(exact_match_at_k(r["gold"], [c["code"] for c in r["candidates"]], k) for r in rows)
        scores[f"top{k}"] = round(100.0 * hits / len(rows), 2)
    scores["n"] = len(rows)
    return scores


def prediction_row(
    *,
    language: str,
    index: int,
    id: int,
    utterance: str,
    gold: str,
    candidates: List[dict],
    system: str,
    steps: Optional[int],
    samples: Optional[int],
    table: Optional[list] = None,
) -> dict:
    """One line of a predictions file. candidates: [{"code": str, "score": float}, ...] best first, distinct."""
    row = {
        "format": FORMAT_VERSION,
        "language": language,
        "index": index,
        "id": id,
        "utterance": utterance,
        "gold": gold,
        "candidates": candidates,
        "system": system,
        "steps": steps,
        "samples": samples,
    }
    if table is not None:
        row["table"] = table
    return row


def write_predictions(path: Path, rows: Iterable[dict]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_predictions(path: Path) -> List[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def format_exact_match(title: str, scores: Dict[str, float]) -> str:
    """A one-table printout: the system, n, and top-1/3/5 exact match."""
    return (
        f"{'system':<40} {'n':>6} {'EM@1':>7} {'EM@3':>7} {'EM@5':>7}\n"
        f"{title:<40} {scores['n']:>6} {scores['top1']:>7.2f} {scores['top3']:>7.2f} {scores['top5']:>7.2f}"
    )
