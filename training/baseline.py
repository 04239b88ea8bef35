"""The retrieval baseline: answer with the code of the most similar training utterance (TF-IDF over words).

    python3 -m training.baseline --language bash --out runs/baseline/bash.predictions.jsonl
    python3 -m training.baseline --language all          # writes runs/baseline/{bash,python,cf}.predictions.jsonl

Utterances are lowercased and split into word tokens (`\\w+`); a vector holds raw term counts times the smooth
idf ln((1 + n) / (1 + df)) + 1 (n = training utterances, df = those holding the word), L2-normalised; words
not seen in training are ignored. Similarity is the cosine (dot product of the normalised vectors). Only the
CodeFusion TRAIN split is searched. The top-5 candidates are the codes of the most similar training utterances,
taken in order of decreasing similarity (ties: earlier training item first), skipping a code equal after
whitespace normalisation to one already taken; each candidate's score is its cosine similarity.
"""
from __future__ import annotations

import argparse
import math
import re
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from training import data, predictions

SYSTEM = "retrieval-tfidf"
TOKEN = re.compile(r"\w+")
DEFAULT_OUT = Path(data.ROOT) / "runs" / "baseline"


def tokenize(utterance: str) -> List[str]:
    return TOKEN.findall(utterance.lower())


class TfidfRetriever:
    """TF-IDF index of training utterances, each paired with its code."""

    def __init__(self, utterances: Sequence[str], codes: Sequence[str]):
        if len(utterances) != len(codes):
            raise ValueError("utterances and codes differ in length")
        if not utterances:
            raise ValueError("nothing to index")
        self.codes = list(codes)
        self.normalized = [predictions.normalize_whitespace(c) for c in self.codes]
        counts = [Counter(tokenize(u)) for u in utterances]
        df: Counter = Counter()
        for c in counts:
            df.update(c.keys())
        n = len(utterances)
        self.vocab: Dict[str, int] = {w: i for i, w in enumerate(sorted(df))}
        self.idf = np.array([math.log((1 + n) / (1 + df[w])) + 1.0 for w in sorted(df)], dtype=np.float64)
        # Postings: for each word, the documents holding it and the word's weight in their normalised vectors.
        postings: List[List[tuple]] = [[] for _ in self.vocab]
        for doc, c in enumerate(counts):
            weights = {self.vocab[w]: tf * self.idf[self.vocab[w]] for w, tf in c.items()}
            norm = math.sqrt(sum(v * v for v in weights.values()))
            for term, v in weights.items():
                postings[term].append((doc, v / norm))
        self.post_docs = [np.array([d for d, _ in p], dtype=np.int64) for p in postings]
        self.post_weights = [np.array([v for _, v in p], dtype=np.float64) for p in postings]
        self.n = n

    def query_vector(self, utterance: str) -> Dict[int, float]:
        c = Counter(t for t in tokenize(utterance) if t in self.vocab)
        weights = {self.vocab[w]: tf * self.idf[self.vocab[w]] for w, tf in c.items()}
        norm = math.sqrt(sum(v * v for v in weights.values()))
        return {t: v / norm for t, v in weights.items()} if norm > 0 else {}

    def similarities(self, utterance: str) -> np.ndarray:
        """Cosine similarity of the utterance to every training utterance."""
        scores = np.zeros(self.n, dtype=np.float64)
        for term, weight in self.query_vector(utterance).items():
            scores[self.post_docs[term]] += weight * self.post_weights[term]
        return scores

    def top_k(self, utterance: str, k: int = 5) -> List[dict]:
        """Up to k candidates {"code", "score"}, best first, distinct after whitespace normalisation."""
        scores = self.similarities(utterance)
        # Exact order: by decreasing score, ties by training position. Look at the best few first (every item
        # scoring at least the 64th best score, so ties are never cut), the whole list only if that runs short.
        for pool in (64, self.n):
            if pool < self.n:
                threshold = np.partition(scores, self.n - pool)[self.n - pool]
                indices = np.nonzero(scores >= threshold)[0]
            else:
                indices = np.arange(self.n)
            order = indices[np.lexsort((indices, -scores[indices]))]
            candidates: List[dict] = []
            taken = set()
            for i in order:
                if self.normalized[i] in taken:
                    continue
                taken.add(self.normalized[i])
                candidates.append({"code": self.codes[i], "score": round(float(scores[i]), 6)})
                if len(candidates) == k:
                    return candidates
            if pool >= self.n or len(indices) >= self.n:
                return candidates
        return candidates


def predict(language: str, k: int = 5) -> List[dict]:
    """Predictions rows for the language's test split."""
    train = data.load_benchmark(language, "train")
    test = data.load_benchmark(language, "test")
    retriever = TfidfRetriever([ex.utterance for ex in train], [ex.code for ex in train])
    return [
        predictions.prediction_row(
            language=language,
            index=ex.index,
            id=ex.id,
            utterance=ex.utterance,
            gold=ex.code,
            candidates=retriever.top_k(ex.utterance, k),
            system=SYSTEM,
            steps=None,
            samples=None,
            table=ex.table if language == "cf" else None,
        )
        for ex in test
    ]


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="TF-IDF retrieval baseline over the CodeFusion training split")
    parser.add_argument("--language", choices=data.LANGUAGES + ("all",), default="all")
    parser.add_argument("--out", type=Path, default=None, help="predictions file (default runs/baseline/LANG...)")
    args = parser.parse_args(argv)
    languages = data.LANGUAGES if args.language == "all" else (args.language,)
    if args.out is not None and len(languages) > 1:
        parser.error("--out names one file; give --language too, or leave --out out")
    for language in languages:
        out = args.out or DEFAULT_OUT / f"{language}.predictions.jsonl"
        rows = predict(language)
        predictions.write_predictions(out, rows)
        print(f"{language}: wrote {out}")
        print(predictions.format_exact_match(f"{SYSTEM} ({language})", predictions.exact_match_table(rows)))


if __name__ == "__main__":
    main()
