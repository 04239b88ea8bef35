"""The shown score (training/scores.py) against the vectors the browser's scores.ts is held to as well."""
import json
from pathlib import Path

import pytest

from training.scores import shown_scores

CASES = json.loads((Path(__file__).resolve().parents[2] / "testdata" / "scores" / "cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_cases(case):
    assert shown_scores(case["weights"], case["groups"]) == pytest.approx(case["scores"], rel=1e-12, abs=0)


def test_each_group_sums_to_one_and_keeps_the_weights_order():
    weights = [0.3, 0.1, 0.05, 0.9, 0.2]
    groups = ["known", "known", "known", "sample", "sample"]
    scores = shown_scores(weights, groups)
    assert sum(scores[:3]) == pytest.approx(1) and sum(scores[3:]) == pytest.approx(1)
    assert scores[:3] == sorted(scores[:3], reverse=True) and scores[3:] == sorted(scores[3:], reverse=True)


def test_refuses_a_negative_weight_and_mismatched_groups():
    with pytest.raises(ValueError):
        shown_scores([-1.0], ["all"])
    with pytest.raises(ValueError):
        shown_scores([1.0], [])
