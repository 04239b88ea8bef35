"""The byte-level BPE tokenizers: merges, round trips, the committed files and the fixtures the browser tests use."""
import json
import re

import pytest

from training import data
from training import tokenizer as T
from training.tokenizer import MASK_ID, PAD_ID, Tokenizer, train_bpe

LANGUAGES = data.LANGUAGES


@pytest.fixture(scope="module", params=LANGUAGES)
def language(request):
    return request.param


@pytest.fixture(scope="module")
def committed():
    return {lang: T.load_tokenizer(lang) for lang in LANGUAGES}


def toy(merges, pattern=T.PRETOKENIZE_PATTERN):
    """A tokenizer over the byte alphabet plus `merges` (given as strings of the byte alphabet)."""
    vocab = T.base_vocab()
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    return Tokenizer(vocab, merges, pattern)


def pieces(tok, text):
    return tok.tokenize(text)


# --- ids and the file format --------------------------------------------------------------------------------------
def test_special_and_byte_ids(committed):
    assert (PAD_ID, MASK_ID) == (0, 1)
    assert T.SPECIAL_TOKENS == ("<|pad|>", "<|mask|>")
    for tok in committed.values():
        assert (tok.pad_id, tok.mask_id) == (0, 1)
        assert tok.id_to_token(0) == "<|pad|>" and tok.id_to_token(1) == "<|mask|>"
        assert [tok.token_to_id(T.BYTE_TO_CHAR[b]) for b in range(256)] == list(range(2, 258))
        assert tok.encode("a") == [2 + ord("a")]


def test_committed_vocab_sizes(committed):
    assert {lang: tok.vocab_size for lang, tok in committed.items()} == T.VOCAB_SIZES


def test_hf_tokenizer_json_layout(language):
    with open(T.tokenizer_path(language), encoding="utf-8") as f:
        obj = json.load(f)
    assert obj["normalizer"] is None and obj["post_processor"] is None
    assert [(a["id"], a["content"], a["special"]) for a in obj["added_tokens"]] == [(0, "<|pad|>", True), (1, "<|mask|>", True)]
    split, byte_level = obj["pre_tokenizer"]["pretokenizers"]
    assert split == {"type": "Split", "pattern": {"Regex": T.PRETOKENIZE_PATTERN}, "behavior": "Isolated", "invert": False}
    assert byte_level["type"] == "ByteLevel" and byte_level["add_prefix_space"] is False and byte_level["use_regex"] is False
    assert obj["decoder"]["type"] == "ByteLevel"
    model = obj["model"]
    assert model["type"] == "BPE" and model["ignore_merges"] is False and model["unk_token"] is None
    assert sorted(model["vocab"].values()) == list(range(len(model["vocab"])))
    assert all(isinstance(m, list) and len(m) == 2 for m in model["merges"])
    # Every merge makes a token of the vocabulary, so tokenizers.js (which drops unknown tokens) loses nothing.
    assert all(a + b in model["vocab"] for a, b in model["merges"])


def test_save_and_load_are_inverse(tmp_path, committed):
    tok = committed["cf"]
    tok.save(tmp_path / "t.json")
    again = Tokenizer.from_file(tmp_path / "t.json")
    assert again.vocab == tok.vocab and again.merges == tok.merges and again.to_json() == tok.to_json()
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == T.tokenizer_path("cf").read_text(encoding="utf-8")


def test_from_json_refuses_what_it_would_not_reproduce():
    obj = json.loads(T.tokenizer_path("cf").read_text(encoding="utf-8"))
    for key, value in [("normalizer", {"type": "NFC"}), ("post_processor", {"type": "ByteLevel"})]:
        with pytest.raises(ValueError):
            Tokenizer.from_json({**obj, key: value})
    with pytest.raises(ValueError):
        Tokenizer.from_json({**obj, "model": {**obj["model"], "ignore_merges": True}})
    with pytest.raises(ValueError):
        Tokenizer.from_json({**obj, "added_tokens": obj["added_tokens"][:1]})


# --- pre-tokenizer and merges -------------------------------------------------------------------------------------
def test_pre_tokenizer_classes_and_whitespace():
    regex = re.compile(T.PRETOKENIZE_PATTERN)
    split = lambda s: [p.replace("Ġ", " ").replace("Ċ", "\n").replace("ĉ", "\t") for p in T.pre_tokenize(s, regex)]  # noqa: E731
    assert split("Hello  world") == ["Hello", " ", " world"]
    assert split("ls -la  /tmp") == ["ls", " -", "la", " ", " /", "tmp"]
    assert split("x=123;") == ["x", "=", "1", "2", "3", ";"]
    assert split("a 42") == ["a", " 4", "2"]
    assert split("f(a, b)\n\tg") == ["f", "(", "a", ",", " b", ")", "\n", "\t", "g"]
    assert split("end  ") == ["end", "  "]
    assert split("my_var") == ["my", "_", "var"]
    # Non-ASCII letters, digits and spaces are "other" characters: no Unicode classes, so JS and Python agree.
    assert split("é\u00a0٣") == [T.byte_level("é\u00a0٣")]


def test_merges_lowest_rank_first():
    tok = toy([("b", "c"), ("a", "b")])
    assert pieces(tok, "abc") == ["a", "bc"]  # (b, c) has the lower rank although (a, b) comes first
    tok = toy([("a", "b"), ("b", "c")])
    assert pieces(tok, "abc") == ["ab", "c"]


def test_merges_leftmost_first_among_equal_ranks():
    tok = toy([("a", "a")])
    assert pieces(tok, "aaa") == ["aa", "a"]
    assert pieces(tok, "aaaaa") == ["aa", "aa", "a"]
    tok = toy([("a", "a"), ("aa", "aa")])
    assert pieces(tok, "aaaa") == ["aaaa"]
    assert pieces(tok, "aaaaaa") == ["aaaa", "aa"]


def test_merges_are_re_evaluated_after_each_merge():
    tok = toy([("a", "b"), ("c", "d"), ("ab", "cd"), ("b", "c")])
    assert pieces(tok, "abcd") == ["abcd"]
    tok = toy([("b", "c"), ("a", "b"), ("c", "d"), ("ab", "cd")])
    assert pieces(tok, "abcd") == ["a", "bc", "d"]


def test_merges_stay_inside_pre_tokens():
    tok = toy([("a", "Ġ"), ("aĠ", "b"), ("a", "b")])
    assert pieces(tok, "a b") == ["a", "Ġ", "b"]  # "a" and " b" are separate pre-tokens
    assert pieces(tok, "ab") == ["ab"]


# --- training -----------------------------------------------------------------------------------------------------
def test_train_picks_the_most_frequent_pair_then_the_smallest():
    tok = train_bpe(["cd", "ab", "cd"], 259)
    assert tok.merges == [("c", "d")]
    tok = train_bpe(["cd", "ab", "cd", "ab"], 259)
    assert tok.merges == [("a", "b")]  # tie: smallest (left bytes, right bytes)
    tok = train_bpe(["ab", "xy"], 300)
    assert tok.merges == [] and tok.vocab_size == 258  # a pair seen once is never merged


def test_train_reaches_the_vocab_size_and_is_deterministic():
    texts = T.training_texts("cf")
    a = train_bpe(texts, 300)
    b = train_bpe(list(reversed(texts)), 300)
    assert a.vocab_size == 300 and a.to_json() == b.to_json()


def test_training_texts_never_read_the_test_split(monkeypatch):
    asked = []
    real = data.load_benchmark

    def spy(language, split):
        asked.append(split)
        return real(language, split)

    monkeypatch.setattr(data, "load_benchmark", spy)
    for language in ("cf", "python"):
        T.training_texts(language)
    assert asked and set(asked) == {"train"}


def test_retraining_reproduces_the_committed_file(language):
    """Byte for byte: the committed tokenizer is what its recipe makes from today's training data (a few seconds
    for Bash). If the data loaders change on purpose: python3 -m training.tokenizer --language all, then
    --write-fixtures, and retrain the models."""
    text = T.train_language(language).to_json()
    assert text == T.tokenizer_path(language).read_text(encoding="utf-8")


# --- round trips and decoding -------------------------------------------------------------------------------------
def test_round_trip_on_every_test_text(language, committed):
    tok = committed[language]
    for ex in data.load_benchmark(language, "test"):
        for text in (ex.utterance, ex.code):
            ids = tok.encode(text)
            assert tok.decode(ids) == text
            assert min(ids, default=2) >= 2  # never a special id


def test_round_trip_on_unicode_and_odd_text(committed):
    tok = committed["bash"]
    for text in T.PROBES + T._random_probes():
        if re.search("[\ud800-\udfff]", text):
            assert tok.decode(tok.encode(text)) == re.sub("[\ud800-\udfff]", "\ufffd", text)
        else:
            assert tok.decode(tok.encode(text)) == text
        assert all(i >= 2 for i in tok.encode(text))


def test_special_token_text_is_plain_text(committed):
    tok = committed["python"]
    ids = tok.encode("<|pad|> and <|mask|>")
    assert PAD_ID not in ids and MASK_ID not in ids
    assert tok.decode(ids) == "<|pad|> and <|mask|>"


def test_decode_skips_specials_and_replaces_broken_utf8(committed):
    tok = committed["cf"]
    b = lambda *bs: [2 + x for x in bs]  # noqa: E731
    assert tok.decode([PAD_ID, MASK_ID]) == ""
    assert tok.decode(b(0x61) + [MASK_ID] + b(0x62) + [PAD_ID]) == "ab"
    assert tok.decode(b(0xE2, 0x82) + b(0x61)) == "\ufffda"
    assert tok.decode(b(0xE2, 0x82, 0xAC)) == "€"
    with pytest.raises(ValueError):
        tok.decode([tok.vocab_size])
    with pytest.raises(ValueError):
        tok.decode([-1])


# --- fixtures shared with src/tokenizer/tokenizer.test.ts ---------------------------------------------------------
def test_fixtures_are_what_the_encoder_produces_now(language, committed):
    expected = T.fixture_json(language, committed[language])
    assert T.fixture_path(language).read_text(encoding="utf-8") == expected, (
        "rerun: python3 -m training.tokenizer --language all --write-fixtures"
    )
    fixture = json.loads(expected)
    test = data.load_benchmark(language, "test")
    assert [u for u, _ in fixture["utterances"]] == [ex.utterance for ex in test]
    assert [c for c, _ in fixture["codes"]] == [ex.code for ex in test]
