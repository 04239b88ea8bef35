"""The CF pairs written from the rule language (training/cf_grammar.py).

testdata/cf_grammar/pairs.json holds the first 400 pairs of the default seed; src/lang/cfGrammar.test.ts parses and
runs every one of them with the TypeScript interpreter (the rule language has one implementation, in TypeScript),
so this test proves that the file is what the generator writes today.
"""
import json
import re
from pathlib import Path

from training.cf_grammar import FORMS, form_counts, grammar_pairs, sample_rows
from training.slots import NUMBER

SAMPLE = Path(__file__).resolve().parents[2] / "testdata" / "cf_grammar" / "pairs.json"
COLUMN = re.compile(r"c\[(\d+)\]")


def test_deterministic_and_distinct_ids():
    a, b = grammar_pairs(500), grammar_pairs(500)
    assert [(p.utterance, p.code) for p in a] == [(p.utterance, p.code) for p in b]
    assert len({p.id for p in a}) == 500 and all(p.id <= -100000 for p in a)


def test_every_form_and_the_forms_the_released_pairs_lack():
    counts = form_counts(grammar_pairs(3000))
    for name in ("Top", "Bottom", "TopPercent", "TextStartsWith", "TextEndsWith", "Unique", "Errors", "NoBlanks",
                 "LastMonth", "NextMonth", "Last7Days", "LEN", "NOT", "OR", "AND", "Between", "Blanks"):
        assert counts.get(name, 0) >= 5, name
    assert len(FORMS) >= 15


def test_columns_exist_and_values_come_from_the_request():
    for p in grammar_pairs(2000):
        header = p.table[0]
        for k in COLUMN.findall(p.code):
            assert int(k) < len(header), (p.code, header)
        # every number the rule writes is one the request gave (commas of 15,000 aside), or a constant of the form:
        # the 0 of negative/positive, the 1 of "the highest"
        said = {m.group().replace(",", "") for m in NUMBER.finditer(p.utterance)}
        rule_numbers = re.findall(r"(?<![\w.\[-])\d+(?:\.\d+)?", COLUMN.sub("", p.code))
        for n in rule_numbers:
            assert n in said or n in ("0", "1") or re.search(r"\d{4}-\d\d-\d\d", p.code), (p.utterance, p.code)
        # quoted text in the rule is quoted text of the request
        for q in re.findall(r"'([^']*)'", p.code):
            assert q in p.utterance, (p.utterance, p.code)


def test_the_shared_sample_is_current():
    assert json.loads(SAMPLE.read_text()) == sample_rows(400), "regenerate: python3 -m training.cf_grammar --write-sample"
