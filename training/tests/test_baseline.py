import json
from pathlib import Path

import pytest

from training import baseline, predictions


def test_most_similar_utterance_wins():
    r = baseline.TfidfRetriever(
        ["list all files", "delete the temporary files", "count lines in a file"],
        ["ls -a", "rm -rf /tmp/*", "wc -l file"],
    )
    top = r.top_k("Delete temporary files now")
    assert top[0]["code"] == "rm -rf /tmp/*"
    assert [c["score"] for c in top] == sorted((c["score"] for c in top), reverse=True)
    assert 0 < top[0]["score"] <= 1.0
    assert r.top_k("count the lines")[0]["code"] == "wc -l file"
    assert r.top_k("list all files", k=1) == [{"code": "ls -a", "score": 1.0}]


def test_tokenisation_is_lowercase_words():
    assert baseline.tokenize("Find *.TXT files, in /tmp!") == ["find", "txt", "files", "in", "tmp"]


def test_candidates_distinct_after_whitespace_normalisation_and_at_most_five():
    utterances = [f"print the word {i}" for i in range(10)] + ["print the word"]
    codes = ["echo  a", "echo a", " echo a ", "echo b", "echo c", "echo d", "echo e", "echo f", "echo g", "echo h", "x"]
    r = baseline.TfidfRetriever(utterances, codes)
    top = r.top_k("print the word")
    assert len(top) == 5
    normalized = [predictions.normalize_whitespace(c["code"]) for c in top]
    assert len(set(normalized)) == 5
    assert top[0]["code"] == "x"  # the identical utterance
    assert normalized[1:] == ["echo a", "echo b", "echo c", "echo d"]  # ties: earlier training item first
    assert len(r.top_k("print the word", k=3)) == 3


def test_fewer_candidates_when_few_distinct_codes():
    r = baseline.TfidfRetriever(["a b", "a c", "b c"], ["same", "same ", "other"])
    top = r.top_k("a")
    assert [c["code"] for c in top] == ["same", "other"]


def test_unknown_words_score_zero():
    r = baseline.TfidfRetriever(["alpha beta", "gamma"], ["one", "two"])
    assert [c["score"] for c in r.top_k("zeta")] == [0.0, 0.0]


# What this retriever scores on the committed test splits, top-1 / top-3 / top-5 exact match, to the hundredth (the
# figures docs/eval-baseline.json and docs/results.md report). Tight on purpose: Python's 0.4 is 2 hits in 500, so
# one hit more or less fails, and so does any change to the tokenisation, the weighting or the tie-breaking.
EXPECTED = {"bash": (9.36, 13.76, 14.79), "python": (0.4, 0.6, 0.6), "cf": (3.37, 4.49, 4.49)}
# The reference figures the baseline was built to reproduce (the CodeFusion paper's retrieval baseline, as the
# project's brief gives them); each measured figure lies within 0.2 of them.
REFERENCE = {"bash": (9.3, 13.6, 14.8), "python": (0.4, 0.6, 0.6), "cf": (3.4, 4.5, 4.5)}
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_real_splits_score_the_documented_figures(language):
    rows = baseline.predict(language)
    scores = predictions.exact_match_table(rows)
    measured = tuple(scores[f"top{k}"] for k in (1, 3, 5))
    assert measured == pytest.approx(EXPECTED[language], abs=0.005), (language, scores)
    assert measured == pytest.approx(REFERENCE[language], abs=0.2), (language, scores)
    report = json.loads((DOCS / "eval-baseline.json").read_text())["report"][language]
    documented = next(r for r in report if r["system"] == "retrieval-tfidf")["metrics"]["exact_match"]
    assert tuple(documented[f"top{k}"] for k in (1, 3, 5)) == EXPECTED[language]
    assert all(1 <= len(r["candidates"]) <= 5 for r in rows)
    assert all(r["system"] == "retrieval-tfidf" and r["steps"] is None and r["samples"] is None for r in rows)
    assert all(("table" in r) == (language == "cf") for r in rows)
    json.dumps(rows[0])


def test_cli_writes_predictions(tmp_path):
    out = tmp_path / "cf.predictions.jsonl"
    baseline.main(["--language", "cf", "--out", str(out)])
    rows = predictions.read_predictions(out)
    assert len(rows) == 178 and rows[0]["language"] == "cf" and rows[0]["index"] == 0
