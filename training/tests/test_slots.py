"""Literal slots and retrieval: the rules on hand-made cases, and the shared vectors (testdata/slots, testdata/retrieval)
still being what the Python code says (the TypeScript suites check the same files)."""
import json
from pathlib import Path

import pytest

from training import data
from training.retrieval import Conditioner, RetrievalIndex, build_index, decode_slotted, encode_slotted, query_text
from training.shared_cases import NOISE_FILE, RETRIEVAL_DIR, SLOTS_DIR, noise_cases, slot_cases
from training.slots import (SLOT_TOKENS, SlotTagger, extract_slots, fill_slots, fnv1a, load_tagger, slot_code,
                            slot_pair, train_tagger)
from training.tokenizer import Tokenizer, tokenizer_path


def kinds(text):
    return [(s.kind, s.text) for s in extract_slots(text).slots]


def test_rule_found_literals():
    assert kinds('find "*.log" files older than 7 days in /var/log') == [("str", "*.log"), ("num", "7"), ("path", "/var/log")]
    assert extract_slots('find "*.log" files older than 7 days').text == 'find "⟨str0⟩" files older than ⟨num0⟩ days'
    assert kinds("sort list `lst` by key 'age'") == [("var", "lst"), ("str", "age")]
    assert kinds("files bigger than 10MB named a.csv or *.tmp") == [("num", "10"), ("file", "a.csv"), ("file", "*.tmp")]
    # a number glued to a word before it is no literal; "normal/regular" is no path
    assert kinds("copy log2 and v3 of the normal/regular files") == []
    # the same literal twice is one slot; at most 4 of a kind
    assert [s.token for s in extract_slots("1 and 1, 2 3 4 5").slots] == ["⟨num0⟩", "⟨num1⟩", "⟨num2⟩", "⟨num3⟩"]


def test_code_side_and_filling_back():
    slotted, code = slot_pair("delete .log files older than 7 days", "find . -name '*.log' -mtime +7 -delete", None)
    assert code == "find . -name '*⟨file0⟩' -mtime +⟨num0⟩ -delete"
    assert fill_slots(code, slotted.values()) == "find . -name '*.log' -mtime +7 -delete"
    # a literal inside a longer number or word stays: 7 is not replaced in 17 or x7
    assert slot_code("head -n 17 x7 7", extract_slots("7 lines").slots) == "head -n 17 x7 ⟨num0⟩"
    # a placeholder the request does not have is dropped when filling
    assert fill_slots("echo ⟨str3⟩!", {}) == "echo !"


def test_tagger_learns_unquoted_literals():
    pairs = [(f"highlight cells that contain {w}", f"TextContains({w})") for w in
             ["Apple", "Bear", "FB", "Zed", "Qux", "Mango", "Kiwi", "Ore", "Tin", "Yam"]] * 3
    pairs += [(f"highlight cells greater than {n}", f"GreaterThan({n})") for n in range(30)]
    tagger = train_tagger(pairs)
    slotted = extract_slots("highlight cells that contain Pear", tagger.spans("highlight cells that contain Pear"))
    assert slotted.text == "highlight cells that contain ⟨val0⟩" and slotted.slots[0].text == "Pear"
    # it round-trips through JSON (the bundle's tagger.json)
    again = SlotTagger.from_json(json.loads(json.dumps(tagger.to_json())))
    assert again.spans("highlight cells that contain Pear") == tagger.spans("highlight cells that contain Pear")


def test_fnv1a_reference_values():
    assert fnv1a("") == 0x811C9DC5
    assert fnv1a("a") == 0xE40C292C


def test_placeholder_ids_round_trip():
    tok = Tokenizer.from_file(tokenizer_path("cf"))
    ids = encode_slotted(tok, "GreaterThan(⟨num0⟩)⟨sep⟩TextContains(⟨val1⟩)")
    assert tok.vocab_size + SLOT_TOKENS.index("⟨num0⟩") in ids and max(ids) < tok.vocab_size + len(SLOT_TOKENS)
    assert decode_slotted(tok, ids) == "GreaterThan(⟨num0⟩)⟨sep⟩TextContains(⟨val1⟩)"


def test_shared_slot_vectors_are_current():
    """testdata/slots/cases.json is what slots.py gives now (regenerate: python3 -m training.shared_cases)."""
    stored = json.loads((SLOTS_DIR / "cases.json").read_text())
    tagger = load_tagger(SLOTS_DIR / "tagger.json")
    assert slot_cases(tagger) == stored["cases"]
    assert {k: fnv1a(k) for k in stored["fnv1a"]} == stored["fnv1a"]


def test_shared_retrieval_vectors_are_current():
    stored = json.loads((RETRIEVAL_DIR / "cases.json").read_text())
    tagger = load_tagger(SLOTS_DIR / "tagger.json")
    index = RetrievalIndex.load(RETRIEVAL_DIR / "index.json")
    tok = Tokenizer.from_file(tokenizer_path("cf"))
    for case in stored["cases"]:
        mode_index = RetrievalIndex(index.entries, case["query_mode"])
        cond = Conditioner(tok, tagger, mode_index, stored["neighbours"], stored["max_len"], stored["request_len"], True,
                           columns=True)
        prepared = cond.prepare(case["request"], case["exclude"], case["header"])
        assert prepared.input_ids == case["input_ids"], case["request"]
        assert query_text(case["request"], prepared.slotted.text, case["query_mode"]) == case["query"]
        got = mode_index.neighbours(case["query"], 5, case["exclude"])
        assert [i for i, _ in got] == [i for i, _ in case["neighbours"]], case["request"]
        assert cond.retrieved_candidates(prepared, case["request"], 3) == case["retrieved"]
        own = Conditioner(tok, tagger, mode_index, stored["neighbours"], stored["max_len"], stored["request_len"], True,
                          columns=True, language="cf")
        mine = own.prepare(case["request"], case["exclude"], case["header"])
        assert own.retrieved_candidates(mine, case["request"], 3) == case["retrieved_own"]
        assert own.retrieved_candidates(mine, case["request"], 3, as_written=True) == case["written_own"]


def test_leave_one_out_and_distinct_neighbours():
    pairs = [(e.utterance, e.code) for e in data.load_benchmark("cf", "train")]
    index = build_index(pairs, None)
    for i in range(0, len(pairs), 50):
        u = pairs[i][0]
        found = index.neighbours(query_text(u, extract_slots(u).text), 5, exclude=i)
        assert i not in [j for j, _ in found]
        codes = [" ".join(index.entries[j].slotted_code.split()) for j, _ in found]
        assert len(codes) == len(set(codes))
        scores = [s for _, s in found]
        assert scores == sorted(scores, reverse=True)
        # without exclusion a training request finds itself (or an equal request) first
        assert index.neighbours(query_text(u, extract_slots(u).text), 1)[0][1] == pytest.approx(1.0)


def test_retrieved_candidates_fill_the_requests_literals():
    pairs = [("delete .log files older than 7 days", "find . -name '*.log' -mtime +7 -delete")]
    tok = Tokenizer.from_file(tokenizer_path("bash"))
    cond = Conditioner(tok, None, build_index(pairs, None), 1, 64, 32, True)
    p = cond.prepare("delete .tmp files older than 30 days")
    assert cond.retrieved_candidates(p, "delete .tmp files older than 30 days", 1) == ["find . -name '*.tmp' -mtime +30 -delete"]


def test_known_codes_carry_only_the_requests_literals():
    """Issue 19: a slot the request does not fill is {{kind}}, never the known request's literal; a literal the
    known code has that was never slotted is a placeholder too; a code as written keeps only the request's literals."""
    pairs = [("delete .log files in /var/log older than 7 days", "find /var/log -name '*.log' -mtime +7 -delete"),
             ("rows not containing 'x'", "NOT(TextContains(適))")]
    tok = Tokenizer.from_file(tokenizer_path("bash"))
    old = Conditioner(tok, None, build_index(pairs[:1], None), 1, 64, 32, True)
    new = Conditioner(tok, None, build_index(pairs[:1], None), 1, 64, 32, True, language="bash")
    request = "delete .tmp files older than 30 days"
    assert old.retrieved_candidates(old.prepare(request), request, 1) == ["find /var/log -name '*.tmp' -mtime +30 -delete"]
    p = new.prepare(request)
    assert new.retrieved_candidates(p, request, 1) == ["find {{path}} -name '*.tmp' -mtime +30 -delete"]
    assert new.retrieved_candidates(p, request, 1, as_written=True) == ["find {{path}} -name '{{file}}' -mtime +{{number}} -delete"]
    assert p.fill("find ⟨path0⟩ -name ⟨file0⟩ -mtime +⟨num0⟩ ⟨sep⟩") == "find {{path}} -name .tmp -mtime +30 "
    cf = Conditioner(tok, None, build_index(pairs[1:], None), 1, 64, 32, True, language="cf")
    p = cf.prepare("rows not containing 'order'")
    assert cf.retrieved_candidates(p, "rows not containing 'order'", 1) == ["NOT(TextContains({{text}}))"]


def test_shared_noise_vectors_are_current():
    """testdata/noise.json (read by src/engine/noise.test.ts) is what noise.py gives now."""
    assert json.loads(NOISE_FILE.read_text())["cases"] == noise_cases()


# ------------------------------------------------------------------------------------------------ table columns

def test_column_slots_name_the_header_column_as_c_k():
    header = ["Index", "Customer", "Units Sold", "Value"]
    slotted = extract_slots("Highlight units sold above 5 for each customer's value", (), header)
    assert slotted.text == "Highlight ⟨col0⟩ above ⟨num0⟩ for each ⟨col1⟩'s value"
    assert [(s.kind, s.index, s.text) for s in slotted.slots] == [("col", 0, "c[2]"), ("num", 0, "5"), ("col", 1, "c[1]")]
    assert slot_code("GreaterThan(c[2], 5)", slotted.slots) == "GreaterThan(⟨col0⟩, ⟨num0⟩)"
    assert fill_slots("GreaterThan(⟨col0⟩, ⟨num0⟩)", slotted.values()) == "GreaterThan(c[2], 5)"
    # generic words never name a column; no header, no column slots
    assert extract_slots("Highlight values in the index", (), header).text == "Highlight values in the index"
    assert extract_slots("Highlight units sold above 5").text == "Highlight units sold above ⟨num0⟩"
    # the longest run wins, then the shorter name: "total books sold" is column 2, "books sold" column 1
    header = ["Title", "Books Sold", "Total Books Sold"]
    assert [s.text for s in extract_slots("top 3 total books sold", (), header).slots if s.kind == "col"] == ["c[2]"]
    assert [s.text for s in extract_slots("top 3 books sold", (), header).slots if s.kind == "col"] == ["c[1]"]


def test_column_tokens_come_after_the_separator():
    from training.slots import BASE_SLOT_TOKENS

    assert SLOT_TOKENS[: len(BASE_SLOT_TOKENS)] == BASE_SLOT_TOKENS and BASE_SLOT_TOKENS[-1] == "⟨sep⟩"
    assert SLOT_TOKENS[len(BASE_SLOT_TOKENS):] == ("⟨col0⟩", "⟨col1⟩", "⟨col2⟩", "⟨col3⟩")


def test_column_pairs_are_built_from_training_rules_in_column_style():
    from training import data
    from training.cf_columns import HEADERS, column_pairs, rule_kind, to_column_style

    assert to_column_style("AND(GreaterThanEqual(25),LessThan(50))", 2) == "AND(GreaterThanEqual(c[2], 25),LessThan(c[2], 50))"
    assert to_column_style("top(10%)", 1) == "TopPercent(c[1], 10)"
    assert to_column_style("NOT(Duplicate())", 0) == "NOT(Duplicates(c[0]))"
    assert to_column_style("aboveAverage()", 3) == "AboveAverage(c[3])"
    assert rule_kind("TextContains(FB)") == "text" and rule_kind("Between(1,5)") == "num"
    assert rule_kind("Duplicate()") == "any" and rule_kind("AND(TextContains(a),GreaterThan(5))") is None
    train = data.load_benchmark("cf", "train")
    pairs = column_pairs(train[:60], per_pair=2)
    assert pairs == column_pairs(train[:60], per_pair=2)  # deterministic
    assert pairs and all(p.id < 0 and "c[" in p.code for p in pairs)
    written = {tuple(n for n, _ in h) for h in HEADERS}
    test_headers = {tuple(e.header) for e in data.load_benchmark("cf", "test")}
    assert not written & test_headers  # the headers are our own, not the test tables'
    for p in pairs:  # every pair names its column in the request, and the rule reads that column
        slotted, code = slot_pair(p.utterance, p.code, None, p.header)
        assert "⟨col" in slotted.text and "⟨col" in code and "c[" not in code, (p.utterance, p.code)


def test_numbers_with_thousands_separators_are_one_slot_without_them():
    slotted = extract_slots("greater than 40,000 but not 1,5 or 12,3456")
    assert slotted.text == "greater than ⟨num0⟩ but not ⟨num1⟩,⟨num2⟩ or ⟨num3⟩,3456"
    assert [s.text for s in slotted.slots] == ["40000", "1", "5", "12"]
    assert slot_code("GreaterThan(40000)", slotted.slots) == "GreaterThan(⟨num0⟩)"


def test_fill_drops_digits_the_model_glued_to_a_number_placeholder():
    values = {"⟨num0⟩": "40"}
    assert fill_slots("GreaterThan(⟨num0⟩000)", values) == "GreaterThan(40)"
    assert fill_slots("x = ⟨num0⟩.5 + ⟨num0⟩. y", values) == "x = 40 + 40. y"
    assert fill_slots("top(⟨num0⟩%) ⟨str0⟩1", values) == "top(40%) 1"


def test_fill_drops_a_column_the_request_does_not_name_with_its_comma():
    assert fill_slots("GreaterThan(⟨col0⟩, ⟨num0⟩)", {"⟨num0⟩": "5"}) == "GreaterThan(5)"
    assert fill_slots("NOT(Duplicates(⟨col1⟩))", {}) == "NOT(Duplicates())"
    assert fill_slots("GreaterThan(⟨col0⟩, ⟨num0⟩)", {"⟨col0⟩": "c[2]", "⟨num0⟩": "5"}) == "GreaterThan(c[2], 5)"
