from pathlib import Path

from training.data import ROOT
from training.predictions import exact_match_at_k, exact_match_table, normalize_whitespace, prediction_row, read_predictions, write_predictions


def test_normalize_whitespace_collapses_runs_and_strips():
    assert normalize_whitespace("  ls   -la\t/tmp \n") == "ls -la /tmp"
    assert normalize_whitespace("a\n\nb") == "a b"


def test_exact_match_respects_k_and_whitespace():
    cands = ["ls -l", "ls  -la", "pwd"]
    assert not exact_match_at_k("ls -la", cands, 1)
    assert exact_match_at_k("ls -la", cands, 2)
    assert exact_match_at_k(" ls -la ", cands, 3)
    assert not exact_match_at_k("ls -la /", cands, 3)  # one token more is not a match
    assert not exact_match_at_k("LS -la", cands, 3)  # case matters


def test_exact_match_table_on_hand_made_rows(tmp_path):
    rows = [
        prediction_row(language="bash", index=0, id=0, utterance="u", gold="a", candidates=[{"code": "a", "score": 1}], system="s", steps=None, samples=None),
        prediction_row(language="bash", index=1, id=1, utterance="u", gold="b", candidates=[{"code": "x", "score": 1}, {"code": "y", "score": 0.5}, {"code": "b", "score": 0.1}], system="s", steps=None, samples=None),
        prediction_row(language="bash", index=2, id=2, utterance="u", gold="c", candidates=[], system="s", steps=None, samples=None),
        prediction_row(language="bash", index=3, id=3, utterance="u", gold="d", candidates=[{"code": c, "score": 0} for c in "vwxyd"], system="s", steps=None, samples=None),
    ]
    assert exact_match_table(rows) == {"top1": 25.0, "top3": 50.0, "top5": 75.0, "n": 4}
    path = tmp_path / "p.jsonl"
    write_predictions(path, rows)
    assert read_predictions(path) == rows


def test_committed_predictions_files_follow_the_format():
    """testdata/predictions holds the retrieval baseline's and the tiny rehearsal model's predictions for the
    TypeScript metric suite; they must stay readable and complete, and the baseline's must still be what the
    baseline computes."""
    from pathlib import Path

    from training import baseline, data

    folder = Path(__file__).resolve().parents[2] / "testdata" / "predictions"
    sizes = {"bash": 2522, "python": 500, "cf": 178}
    for language, n in sizes.items():
        gold = [e.code for e in data.load_benchmark(language, "test")]
        for system in ("retrieval", "tiny"):
            rows = read_predictions(folder / f"{system}-{language}.jsonl")
            assert len(rows) == n and [r["gold"] for r in rows] == gold
            for r in rows:
                assert r["format"] == 1 and r["language"] == language and 1 <= len(r["candidates"]) <= 5
                assert ("table" in r) == (language == "cf")
                codes = [normalize_whitespace(c["code"]) for c in r["candidates"]]
                assert len(set(codes)) == len(codes)  # distinct after whitespace normalisation
        assert read_predictions(folder / f"retrieval-{language}.jsonl") == baseline.predict(language)


def test_pipeline_puts_every_typescript_metric_into_eval_json():
    """training.pipeline asks `npm run eval`'s suite for every metric of eval.json (one place computes them)."""
    from training.pipeline import typescript_metrics

    metrics = typescript_metrics(Path(ROOT) / "testdata" / "predictions" / "retrieval-cf.jsonl")
    assert metrics["files"] == ["testdata/predictions/retrieval-cf.jsonl"]
    row = metrics["report"]["cf"][0]
    assert row["metrics"]["exact_match"] == {"top1": 3.37, "top3": 4.49, "top5": 4.49}
    assert "execution_match" in row["metrics"]
    assert typescript_metrics(Path(ROOT) / "no-such.predictions.jsonl") is None
