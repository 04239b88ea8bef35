"""The noisy-channel ranking (training/channel.py): EM learns what a code token says, the score is the formula of
its docstring, the ranking prefers the code that explains the request, it finds the training pairs' own codes, and
the shared vectors (testdata/channel/, read by src/engine/channel.test.ts) are what this code writes."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

from training import data
from training.baseline import TfidfRetriever
from training.channel import FLOOR, NULL, SMOOTH, Channel, code_tokens, rank_codes, train_channel
from training.predictions import normalize_whitespace
from training.retrieval import Conditioner, RetrievalIndex, query_text
from training.slots import load_tagger
from training.tokenizer import Tokenizer, tokenizer_path

ROOT = Path(__file__).resolve().parents[2]


def test_code_tokens():
    assert code_tokens("find . -name '*.log' -mtime +7") == ["find", ".", "-", "name", "'", "*", ".", "log", "'", "-",
                                                              "mtime", "+", "7"]
    assert code_tokens("ls_2x\tü") == ["ls_", "2", "x", "ü"]


def test_em_learns_which_token_says_which_word():
    pairs = [("delete the file a", "rm a"), ("delete file b", "rm b"), ("list the files", "ls"),
             ("list files in c", "ls c"), ("delete all files", "rm *")]
    channel = train_channel(pairs)
    assert channel.table["rm"]["delete"] > 0.3
    assert channel.table["ls"]["list"] > 0.3
    assert channel.table["rm"].get("list", 0.0) < 0.01
    # the code that says "delete" explains a delete request better, whatever else it holds
    assert channel.log_likelihood("delete the file d", "rm d") > channel.log_likelihood("delete the file d", "ls d")


def test_log_likelihood_is_the_formula():
    channel = Channel({"rm": {"delete": 0.5}, NULL: {"all": 0.3}})
    expected = (math.log((0.5 + FLOOR) / 2 + SMOOTH) + math.log((FLOOR + 0.3) / 2 + SMOOTH)) / 2
    assert channel.log_likelihood("Delete ALL", "rm") == pytest.approx(expected, abs=1e-15)
    assert channel.log_likelihood("", "rm") == 0.0


def test_rank_codes_prefers_the_explaining_code_and_keeps_each_code_once():
    channel = Channel({"rm": {"delete": 0.5}, "find": {"find": 0.7}})
    ranked = rank_codes(channel, "delete all", [("find", 0.9), ("rm", 0.5), ("rm ", 0.4)], 0.01)
    assert [c for c, _ in ranked] == ["rm", "find"]
    # codes the channel scores alike: the more similar first; equal scores: retrieval order
    assert [c for c, _ in rank_codes(channel, "delete", [("ls", 0.2), ("cat", 0.6)], 0.01)] == ["cat", "ls"]
    assert [c for c, _ in rank_codes(channel, "delete", [("ls", 0.5), ("cat", 0.5)], 0.01)] == ["ls", "cat"]


def test_json_round_trip_and_refusals():
    channel = train_channel([("delete file a", "rm a"), ("list files", "ls")])
    again = Channel.from_json(json.loads(json.dumps(channel.to_json())))
    assert again.table == channel.table
    with pytest.raises(ValueError):
        Channel.from_json({**channel.to_json(), "version": 2})


def test_the_channel_finds_its_training_pairs_codes():
    """The sampler check's counterpart: on its own pairs (the first 1,000 Bash training pairs, 20 most similar each,
    the pair itself among them), the channel puts the pair's own code first for most (82 % measured; retrieval's
    order alone: 92 %, since every pair finds itself first) and in its top 5 for nearly all."""
    pairs = [(e.utterance, e.code) for e in data.load_benchmark("bash", "train")[:1000]]
    channel = train_channel(pairs)
    retriever = TfidfRetriever([u for u, _ in pairs], [c for _, c in pairs])
    top1 = top5 = 0
    for utterance, code in pairs:
        scores = np.round(retriever.similarities(utterance), 9)
        order = np.lexsort((np.arange(len(scores)), -scores))[:20]
        ranked = [normalize_whitespace(c) for c, _ in rank_codes(channel, utterance, [(pairs[i][1], float(scores[i])) for i in order], 0.01)]
        top1 += ranked[0] == normalize_whitespace(code)
        top5 += normalize_whitespace(code) in ranked[:5]
    assert top1 / len(pairs) >= 0.78
    assert top5 / len(pairs) >= 0.95


def test_shared_vectors_are_what_this_code_writes():
    shared = json.loads((ROOT / "testdata" / "channel" / "cases.json").read_text(encoding="utf-8"))
    index = RetrievalIndex.load(ROOT / "testdata" / "retrieval" / "index.json")
    saved = Channel.load(ROOT / "testdata" / "channel" / "channel.json")
    assert saved.table == Channel.from_json(train_channel([(e.utterance, e.code) for e in index.entries]).to_json()).table
    for code, tokens in shared["code_tokens"]:
        assert code_tokens(code) == tokens
    tagger = load_tagger(ROOT / "testdata" / "slots" / "tagger.json")
    cond = Conditioner(Tokenizer.from_file(tokenizer_path("cf")), tagger, index, 2, 96, 48, True, columns=True, channel=saved)
    for case in shared["cases"][::7]:
        prepared = cond.prepare(case["request"], -1, case["header"])
        found = index.most_similar(query_text(case["request"], prepared.slotted.text, index.query), shared["scan"])
        assert [[i, s] for i, s in found] == case["most_similar"]
        assert [saved.log_likelihood(case["request"], index.entries[i].code) for i, _ in found] == case["log_likelihoods"]
        assert cond.channel_candidates(prepared, case["request"], 5, shared["scan"], shared["similarity_weight"]) == case["candidates"]
    own = Conditioner(Tokenizer.from_file(tokenizer_path("cf")), tagger, index, 2, 96, 48, True, columns=True, channel=saved,
                      language="bash")
    for case in shared["cases"][::7]:
        mine = own.prepare(case["request"], -1, case["header"])
        got = own.channel_candidates(mine, case["request"], 5, shared["scan"], shared["similarity_weight"])
        assert got == case["candidates_own"], case["request"]
