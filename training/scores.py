"""The score a final candidate shows (src/engine/scores.ts, the same function; testdata/scores/cases.json holds both
to it): its share of the ranking's own weight among the candidates shown beside it in its group, so a group's
scores add up to 1 and fall in rank order.

The weight is what the ranking sorts by, as a positive number: exp(-denoising loss), exp(the noisy channel's
score) or the known request's similarity for known codes shown as written (ranks "channel", "retrieval-first"), the
vote share for votes. A two-part ranking (known codes first, then the model's samples: "known-first",
"retrieval-first", "channel") sorts each part by its own key, so each part is its own group.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

from .predictions import normalize_whitespace
from .retrieval import Conditioner, Prepared, query_text

TWO_PART_RANKS = ("known-first", "retrieval-first", "channel")


def shown_scores(weights: Sequence[float], groups: Sequence[str]) -> List[float]:
    """Each weight divided by the sum of the weights of its group (0 where that sum is 0: nothing of it was scored);
    sums in list order, as the TypeScript does."""
    if len(weights) != len(groups):
        raise ValueError("shown_scores: one group per weight")
    totals: Dict[str, float] = {}
    for w, g in zip(weights, groups):
        if not (math.isfinite(w) and w >= 0):
            raise ValueError(f"shown_scores: weight {w} is not a finite number >= 0")
        totals[g] = totals.get(g, 0.0) + w
    return [w / totals[g] if totals[g] > 0 else 0.0 for w, g in zip(weights, groups)]


def _written_similarity(cond: Conditioner, prepared: Prepared, utterance: str, rank: str, pool_retrieved: int,
                        channel_scan: int) -> Dict[str, float]:
    """Normalised known code -> the similarity of the most similar known request that has it, among those the
    ranking read (channel: the channel_scan most similar; retrieval-first: the pool_retrieved neighbours)."""
    if cond.index is None:
        return {}
    query = query_text(utterance, prepared.slotted.text, cond.index.query)
    if rank == "channel":
        found = cond.index.most_similar(query, channel_scan)
    else:
        found = prepared.neighbours[:pool_retrieved]
        if len(found) < pool_retrieved:
            found = cond.index.neighbours(query, pool_retrieved)
    out: Dict[str, float] = {}
    for i, similarity in found:
        out.setdefault(normalize_whitespace(prepared.own(cond.index.entries[i].code)), similarity)
    return out


def score_shown(rows: List[List[Dict]], rank: str, utterances: Sequence[str], prepared: Sequence[Prepared],
                retrieved: Sequence[Sequence[str]], losses: Optional[Sequence[Dict[str, float]]], cond: Conditioner,
                pool_retrieved: int, channel_scan: int, channel_similarity: float) -> List[List[Dict]]:
    """Replaces each candidate's score (the ranker's: exp(-loss), or the vote share) by its shown score, rounded to
    6 decimals. losses[r]: code -> denoising loss of request r's pool (None for votes)."""
    from .channel import rank_codes

    as_written = rank in ("retrieval-first", "channel")
    for r, row in enumerate(rows):
        known = {normalize_whitespace(c) for c in retrieved[r]} if r < len(retrieved) else set()
        similarity = _written_similarity(cond, prepared[r], utterances[r], rank, pool_retrieved, channel_scan) \
            if as_written and known else {}
        weights, groups = [], []
        for cand in row:
            key = normalize_whitespace(cand["code"])
            is_known = key in known
            if is_known and key in similarity:
                if rank == "channel":
                    [(_, score)] = rank_codes(cond.channel, utterances[r], [(cand["code"], similarity[key])], channel_similarity)
                    weights.append(math.exp(score))
                else:
                    weights.append(similarity[key])
            elif losses is not None:
                loss = losses[r].get(cand["code"])
                weights.append(math.exp(-loss) if loss is not None else 0.0)
            else:
                weights.append(float(cand["score"]))
            groups.append(("known" if is_known else "sample") if rank in TWO_PART_RANKS else "all")
        for cand, score in zip(row, shown_scores(weights, groups)):
            cand["score"] = round(score, 6)
    return rows
