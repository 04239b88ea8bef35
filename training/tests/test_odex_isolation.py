"""ODEX (data/odex/, the CoNaLa test questions with executable tests) is an evaluation set: none of its questions may
reach what the Python model trains on or what the app retrieves from.

What Python trains and retrieves on (training/data.py, training/train.py): the CodeFusion Python train split
(data.load_benchmark("python", "train"), which is CoNaLa's annotated train split item by item, utterances from
CoNaLa's rewritten_intent or intent), extra pairs (data.load_extra_pairs("python"), none today), unlabelled code only
(data/python-stdlib/snippets.txt, no requests), and the shipped bundle's retrieval index
(public/models/python/index.json, built from the train split). Two checks:
- by question: ODEX's task_id is the StackOverflow post; no CoNaLa train item comes from one of those posts;
- by text: no ODEX intent, normalised (case, whitespace, quotes and backticks, final punctuation), equals a
  training or retrieval request. The same normalisation finds 376 of ODEX's 425 distinct intents in the Python test
  split (ODEX's annotators reworded the rest), so a leak would be seen.
Measured when written: no overlap. Near misses exist and are allowed (different posts, e.g. "erase all the contents
of a file `filename`" against the training request "erase the contents of a file `filename`").
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from training import data

ROOT = Path(__file__).resolve().parents[2]
ODEX = ROOT / "data" / "odex" / "en_test.jsonl"
INDEX = ROOT / "public" / "models" / "python" / "index.json"


def normalise(request: str) -> str:
    without_quotes = re.sub(r"[`'\"]", "", request)
    return " ".join(without_quotes.lower().split()).rstrip(".?! ")


def odex_tasks() -> list:
    with open(ODEX, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def conala(split: str) -> list:
    with open(data.DATA / "conala" / f"conala-{split}.json", encoding="utf-8") as f:
        return json.load(f)


def overlap(requests) -> list:
    """The ODEX intents (as written) whose normalised text is one of the given requests', sorted."""
    seen = {normalise(r) for r in requests if r}
    return sorted({t["intent"] for t in odex_tasks() if normalise(t["intent"]) in seen})


def test_odex_is_the_439_tasks_from_conala_test_posts():
    tasks = odex_tasks()
    assert len(tasks) == 439
    test_posts = {item["question_id"] for item in conala("test")}
    assert {t["task_id"] for t in tasks} <= test_posts


def test_no_conala_train_item_comes_from_an_odex_post():
    train = conala("train")
    # The CodeFusion Python train split is CoNaLa's train split, item by item: the post check covers it too.
    python_train = data.load_benchmark("python", "train")
    assert len(python_train) == len(train)
    for example, item in zip(python_train, train):
        assert example.utterance in ((item["rewritten_intent"] or "").strip(), item["intent"].strip())
    odex_posts = {t["task_id"] for t in odex_tasks()}
    assert sorted(odex_posts & {item["question_id"] for item in train}) == []


def test_no_odex_intent_is_a_training_request():
    assert overlap(e.utterance for e in data.load_benchmark("python", "train")) == []
    assert overlap(e.utterance for e in data.load_extra_pairs("python")) == []
    train = conala("train")
    assert overlap([item["intent"] for item in train] + [item["rewritten_intent"] for item in train]) == []


def test_no_odex_intent_is_in_the_shipped_retrieval_index():
    with open(INDEX, encoding="utf-8") as f:
        entries = json.load(f)["entries"]
    assert len(entries) > 0
    assert overlap(entry[0] for entry in entries) == []


def test_the_check_sees_odex_in_the_test_split():
    # The positive control: the same normalisation finds ODEX's intents where they are (the Python test split).
    found = overlap(e.utterance for e in data.load_benchmark("python", "test"))
    assert len(found) == 376
    assert "check if all elements in list `myList` are identical" in found
