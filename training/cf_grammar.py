"""CF rules from the rule language itself: (request, rule, header) pairs that cover what everyday requests ask.

Why. The released CF training split (712 pairs) teaches a small, skewed part of the rule language: it never names a
column, and it never (or once) shows `Top`/`Bottom` N of a column, `TextStartsWith`/`TextEndsWith`, `Unique`,
`Errors`, `NoBlanks`, the date periods (`LastMonth`, `Last7Days`, ...), `LEN`, a comparison of two columns, or a
date typed into a rule; NOT/OR/AND occur 11 times in all. cf_columns.py rewrites those 712 pairs in column style,
so it inherits the gaps. A model cannot write a rule form it never saw, so on the everyday requests the model's own
samples fail on exactly those forms (docs/results.md, "CF rules from the grammar").

What. This module writes pairs from the rule language's documentation (src/lang/cf.ts: forms, syntax, semantics),
never from the everyday suite or the test split: for each form a handful of phrasings written for this project, a
header from HEADERS (cf_columns.py, written for this project) or DATE_HEADERS below, and random values (numbers,
text values from VALUES, dates). The request names the column by its header name, as users do, so the column slot
(training/slots.py) carries it; values become num/str/val slots. Deterministic for a seed.

Every rule written here runs in the project's interpreter (training/tests/test_cf_grammar.py checks that its
request's values, filled into the rule, parse, and that each form is covered).
"""
from __future__ import annotations

import random
from typing import Callable, Dict, List, Sequence, Tuple

from . import data
from .cf_columns import HEADERS

# Headers with a date column, written for this project: (name, kind), kind "text" | "num" | "date".
DATE_HEADERS: Tuple[Tuple[Tuple[str, str], ...], ...] = (
    (("Order", "text"), ("Customer", "text"), ("Order Date", "date"), ("Amount", "num")),
    (("Employee", "text"), ("Team", "text"), ("Hire Date", "date"), ("Salary", "num")),
    (("Ticket", "text"), ("Reporter", "text"), ("Created", "date"), ("Status", "text"), ("Priority", "text")),
    (("Invoice", "text"), ("Client", "text"), ("Due Date", "date"), ("Total", "num"), ("Paid", "text")),
    (("Member", "text"), ("Plan", "text"), ("Joined", "date"), ("Expiry", "date"), ("Visits", "num")),
    (("Task", "text"), ("Owner", "text"), ("Deadline", "date"), ("Progress", "num")),
    (("Shipment", "text"), ("Carrier", "text"), ("Delivery Date", "date"), ("Weight", "num")),
    (("Event", "text"), ("Venue", "text"), ("Date", "date"), ("Tickets Sold", "num")),
)

# Text values a user might name, one- and two-word; the model never sees them (slots), the tagger learns from them.
VALUES: Tuple[str, ...] = (
    "Yes", "No", "Paid", "Pending", "Open", "Closed", "Done", "Active", "Inactive", "Shipped", "Cancelled", "Approved",
    "Rejected", "North", "South", "East", "West", "Sales", "Marketing", "HR", "Finance", "London", "Paris", "Berlin",
    "Tokyo", "red", "blue", "green", "urgent", "High", "Low", "Medium", "VIP", "Gold", "Silver", "A", "B", "F", "N/A",
    "In progress", "On hold", "Not started", "Overdue", "Late", "Express", "Standard", "Premium", "Basic", "Remote",
    "Contoso", "Fabrikam", "Northwind", "Acme", "Draft", "Final", "Returned", "Refund", "Monthly", "Annual",
)
SUBSTRINGS: Tuple[str, ...] = (
    "@gmail.com", "@example.org", "inc", "ltd", "error", "test", "2024", "/api", "http", "draft", "temp", "old", "new",
    "x", "pro", "mini", "blue", "sale", "late", "vip", "admin", "info", "support", "north", "refund",
)

Writer = Callable[[random.Random, Tuple[Tuple[str, str], ...]], Tuple[str, str]]


def _column(rng: random.Random, header, kinds: Sequence[str]) -> Tuple[int, str]:
    fits = [k for k, (_, t) in enumerate(header) if t in kinds]
    k = rng.choice(fits)
    name = header[k][0]
    return k, name if rng.random() < 0.5 else name.lower()


def _verb(rng: random.Random) -> str:
    return rng.choice(["highlight", "highlight", "color", "colour", "format", "mark", "flag", "show", "shade", "Highlight"])


def _subject(rng: random.Random, name: str, entity: str) -> str:
    """How a request names the column's cells: "Amount", "Amount values", "orders with Amount", ..."""
    return rng.choice([name, name, f"{name} values", f"{name} cells", f"the {name} cells", f"values in {name}",
                       f"{entity.lower()}s with {name}", f"cells in the {name} column"])


def _entity(header) -> str:
    return header[0][0]


def _number(rng: random.Random) -> Tuple[str, str]:
    """(as the request writes it, as the rule writes it)."""
    r = rng.random()
    if r < 0.45:
        n = rng.choice([rng.randint(1, 20), rng.randint(1, 100), rng.randint(10, 1000)])
        return str(n), str(n)
    if r < 0.65:
        n = rng.randint(1, 99) * rng.choice([100, 1000])
        return (f"{n:,}" if rng.random() < 0.5 else str(n)), str(n)
    if r < 0.85:
        v = f"{rng.uniform(0, 100):.{rng.choice([1, 2])}f}"
        return v, v
    p = str(rng.choice([5, 10, 20, 25, 50, 75, 90]))
    return f"{p}%", f"{p}%"


def _two_numbers(rng: random.Random) -> Tuple[Tuple[str, str], Tuple[str, str]]:
    a = rng.randint(0, 500)
    b = a + rng.randint(1, 500)
    return (str(a), str(a)), (str(b), str(b))


def _text(rng: random.Random, pool: Sequence[str] = VALUES) -> Tuple[str, str]:
    """(as the request writes it, as the rule writes it): quoted in both or in neither."""
    v = rng.choice(pool)
    if " " in v or rng.random() < 0.4:
        q = rng.choice(["'", '"'])
        return f"{q}{v}{q}", f"'{v}'"
    return v, v


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


# ------------------------------------------------------------------------------------------------ the forms
COMPARISONS = {
    "GreaterThan": ["above {v}", "over {v}", "greater than {v}", "more than {v}", "higher than {v}", "exceeding {v}",
                    "larger than {v}", "> {v}", "bigger than {v}"],
    "LessThan": ["below {v}", "under {v}", "less than {v}", "lower than {v}", "smaller than {v}", "< {v}",
                 "that are below {v}", "beneath {v}"],
    "GreaterThanEqual": ["at least {v}", "greater than or equal to {v}", "{v} or more", ">= {v}", "of {v} or above",
                         "no less than {v}"],
    "LessThanEqual": ["at most {v}", "less than or equal to {v}", "{v} or less", "<= {v}", "no more than {v}",
                      "of {v} or below"],
    "Equals": ["equal to {v}", "exactly {v}", "that equal {v}", "= {v}", "that are {v}"],
    "NotEquals": ["not equal to {v}", "other than {v}", "that are not {v}", "!= {v}", "different from {v}"],
}


def comparison(rng, header):
    k, name = _column(rng, header, ["num"])
    fn = rng.choice(list(COMPARISONS))
    said, written = _number(rng)
    phrase = rng.choice(COMPARISONS[fn]).format(v=said)
    where = rng.random()
    if where < 0.6:
        request = f"{_verb(rng)} {_subject(rng, name, _entity(header))} {phrase}"
    else:
        phrase = phrase.removeprefix("that are ").removeprefix("that equal ")
        if where < 0.8:
            request = f"{_verb(rng)} rows where {name} is {phrase}"
        else:
            request = f"{_verb(rng)} {_entity(header).lower()}s whose {name} is {phrase}"
    return request, f"{fn}(c[{k}], {written})"


def sign(rng, header):
    k, name = _column(rng, header, ["num"])
    if rng.random() < 0.5:
        return f"{_verb(rng)} {rng.choice(['negative', 'the negative', 'negative values in'])} {name}", f"LessThan(c[{k}], 0)"
    return f"{_verb(rng)} {rng.choice(['positive', 'the positive', 'positive values in'])} {name}", f"GreaterThan(c[{k}], 0)"


def between(rng, header):
    k, name = _column(rng, header, ["num"])
    (a, aw), (b, bw) = _two_numbers(rng)
    phrase = rng.choice([f"between {a} and {b}", f"from {a} to {b}", f"in the range {a} to {b}",
                         f"between {a} and {b} inclusive", f"of {a}-{b}"])
    return f"{_verb(rng)} {_subject(rng, name, _entity(header))} {phrase}", f"Between(c[{k}], {aw}, {bw})"


def not_between(rng, header):
    k, name = _column(rng, header, ["num"])
    (a, aw), (b, bw) = _two_numbers(rng)
    phrase = rng.choice([f"outside {a} to {b}", f"not between {a} and {b}", f"outside the range {a}-{b}"])
    return f"{_verb(rng)} {_subject(rng, name, _entity(header))} {phrase}", f"NOT(Between(c[{k}], {aw}, {bw}))"


def rank(rng, header):
    k, name = _column(rng, header, ["num"])
    top = rng.random() < 0.55
    if rng.random() < 0.3:  # the single best / worst
        word = rng.choice(["highest", "largest", "maximum", "best", "biggest"] if top else
                          ["lowest", "smallest", "minimum", "worst"])
        return f"{_verb(rng)} the {word} {name}", f"{'Top' if top else 'Bottom'}(c[{k}], 1)"
    n = str(rng.choice([2, 3, 3, 5, 5, 10, 10, 20]))
    if rng.random() < 0.25:
        p = str(rng.choice([5, 10, 20, 25, 50]))
        phrase = rng.choice([f"the top {p}% of {name}", f"top {p} percent of {name}", f"{name} in the top {p}%"] if top else
                            [f"the bottom {p}% of {name}", f"bottom {p} percent of {name}", f"{name} in the bottom {p}%"])
        return f"{_verb(rng)} {phrase}", f"{'Top' if top else 'Bottom'}Percent(c[{k}], {p})"
    word = rng.choice(["highest", "largest", "top", "best", "biggest"] if top else ["lowest", "smallest", "bottom", "worst"])
    phrase = rng.choice([f"the {n} {word} {name}", f"the {word} {n} {name}", f"{word} {n} {name} values",
                         f"the {n} {_entity(header).lower()}s with the {word} {name}"])
    return f"{_verb(rng)} {phrase}", f"{'Top' if top else 'Bottom'}(c[{k}], {n})"


def average(rng, header):
    k, name = _column(rng, header, ["num"])
    above = rng.random() < 0.5
    phrase = rng.choice([f"{name} above average", f"above-average {name}", f"{name} above the average",
                         f"{name} higher than the average"] if above else
                        [f"{name} below average", f"below-average {name}", f"{name} below the average",
                         f"{name} lower than the average"])
    return f"{_verb(rng)} {phrase}", f"{'Above' if above else 'Below'}Average(c[{k}])"


def visual(rng, header):
    k, name = _column(rng, header, ["num"])
    fn, phrases = rng.choice([
        ("ColorScale", ["add a color scale to {n}", "apply a colour scale on {n}", "heat map of {n}", "color scale for {n}"]),
        ("DataBar", ["add data bars to {n}", "show {n} as data bars", "data bars on {n}", "apply data bars for {n}"]),
        ("IconSet", ["add an icon set to {n}", "show icons for {n}", "icon set on {n}", "apply icons to {n}"]),
    ])
    return rng.choice(phrases).format(n=name), f"{fn}(c[{k}])"


TEXT_FORMS = {
    "TextContains": ["containing {v}", "that contain {v}", "with {v} in them", "including {v}", "that include {v}",
                     "which contain {v}", "that mention {v}"],
    "TextEquals": ["equal to {v}", "that are {v}", "that say {v}", "that are exactly {v}", "= {v}", "set to {v}",
                   "marked {v}"],
    "TextStartsWith": ["starting with {v}", "that start with {v}", "beginning with {v}", "that begin with {v}"],
    "TextEndsWith": ["ending with {v}", "that end with {v}", "ending in {v}", "that end in {v}"],
}
NOT_TEXT_FORMS = {
    "TextContains": ["that don't contain {v}", "not containing {v}", "without {v}", "that do not contain {v}"],
    "TextEquals": ["that aren't {v}", "that are not {v}", "other than {v}", "not equal to {v}", "not marked {v}"],
}


def text(rng, header):
    k, name = _column(rng, header, ["text"])
    fn = rng.choice(list(TEXT_FORMS))
    said, written = _text(rng, SUBSTRINGS if fn != "TextEquals" and rng.random() < 0.6 else VALUES)
    phrase = rng.choice(TEXT_FORMS[fn]).format(v=said)
    if rng.random() < 0.75:
        request = f"{_verb(rng)} {_subject(rng, name, _entity(header))} {phrase}"
    else:
        request = f"{_verb(rng)} rows where {name} is {said}" if fn == "TextEquals" else f"{_verb(rng)} {name} {phrase}"
    return request, f"{fn}(c[{k}], {written})"


def not_text(rng, header):
    k, name = _column(rng, header, ["text"])
    fn = rng.choice(list(NOT_TEXT_FORMS))
    said, written = _text(rng, SUBSTRINGS if fn == "TextContains" else VALUES)
    phrase = rng.choice(NOT_TEXT_FORMS[fn]).format(v=said)
    return f"{_verb(rng)} {_subject(rng, name, _entity(header))} {phrase}", f"NOT({fn}(c[{k}], {written}))"


def either(rng, header):
    k, name = _column(rng, header, ["text"])
    fn = rng.choice(["TextEquals", "TextEquals", "TextContains", "TextStartsWith"])
    pool = VALUES if fn == "TextEquals" else SUBSTRINGS
    (a, aw), (b, bw) = _text(rng, pool), _text(rng, pool)
    if aw == bw:
        return text(rng, header)
    verb = {"TextEquals": rng.choice(["that are", "that say", "equal to"]), "TextContains": "containing",
            "TextStartsWith": "starting with"}[fn]
    request = f"{_verb(rng)} {_subject(rng, name, _entity(header))} {verb} {a} or {b}"
    return request, f"OR({fn}(c[{k}], {aw}), {fn}(c[{k}], {bw}))"


def length(rng, header):
    k, name = _column(rng, header, ["text"])
    n = str(rng.randint(2, 30))
    longer = rng.random() < 0.5
    phrase = (rng.choice([f"longer than {n} characters", f"with more than {n} characters", f"over {n} characters long"])
              if longer else rng.choice([f"shorter than {n} characters", f"with fewer than {n} characters",
                                         f"under {n} characters long"]))
    return f"{_verb(rng)} {name} {phrase}", f"{'GreaterThan' if longer else 'LessThan'}(LEN(c[{k}]), {n})"


def any_column(rng, header):
    k, name = _column(rng, header, ["text", "num", "date"])
    fn, phrases = rng.choice([
        ("Duplicates", ["duplicate {n}", "duplicate {n} values", "repeated {n}", "{n} that appear more than once",
                        "{n} duplicates"]),
        ("Unique", ["unique {n}", "{n} that appear only once", "{n} values that occur once", "distinct {n} values"]),
        ("Blanks", ["blank {n} cells", "empty {n} cells", "missing {n}", "{n} cells that are empty", "blanks in {n}"]),
        ("NoBlanks", ["non-blank {n} cells", "filled-in {n} cells", "{n} cells that are not empty"]),
        ("Errors", ["errors in {n}", "{n} cells with errors", "error values in the {n} column"]),
    ])
    return f"{_verb(rng)} {rng.choice(phrases).format(n=name)}", f"{fn}(c[{k}])"


def whole_table(rng, header):
    fn, phrases = rng.choice([
        ("Blanks", ["every empty cell", "all blank cells", "empty cells", "blanks anywhere in the table"]),
        ("Errors", ["every error", "cells with errors like #N/A", "all error values", "cells showing #DIV/0!"]),
        ("Duplicates", ["duplicate values anywhere", "all duplicate cells"]),
    ])
    return f"{_verb(rng)} {rng.choice(phrases)}", f"{fn}()"


def two_columns(rng, header):
    nums = [k for k, (_, t) in enumerate(header) if t == "num"]
    if len(nums) < 2:
        return comparison(rng, header)
    a, b = rng.sample(nums, 2)
    an, bn = header[a][0], header[b][0]
    if rng.random() < 0.5:
        an, bn = an.lower(), bn.lower()
    greater = rng.random() < 0.5
    phrase = rng.choice([f"{an} greater than {bn}", f"{an} above {bn}", f"{an} that exceed {bn}",
                         f"{an} higher than the {bn}"] if greater else
                        [f"{an} less than {bn}", f"{an} below {bn}", f"{an} under the {bn}", f"{an} lower than {bn}"])
    return f"{_verb(rng)} {phrase}", f"{'GreaterThan' if greater else 'LessThan'}(c[{a}], c[{b}])"


DATE_PERIODS = {
    "Yesterday": ["yesterday"], "Today": ["today"], "Tomorrow": ["tomorrow"],
    "Last7Days": ["in the last 7 days", "from the past 7 days", "within the last week's 7 days"],
    "LastWeek": ["last week", "from last week"], "ThisWeek": ["this week", "in this week"],
    "NextWeek": ["next week", "in the coming week"], "LastMonth": ["last month", "from last month", "in the previous month"],
    "ThisMonth": ["this month", "in the current month"], "NextMonth": ["next month", "that fall next month", "in the coming month"],
}


def date_period(rng, header):
    k, name = _column(rng, header, ["date"])
    fn = rng.choice(list(DATE_PERIODS))
    phrase = rng.choice(DATE_PERIODS[fn])
    return f"{_verb(rng)} {_subject(rng, name, _entity(header))} {phrase}", f"{fn}(c[{k}])"


def date_compare(rng, header):
    k, name = _column(rng, header, ["date"])
    d = _date(rng)
    r = rng.random()
    if r < 0.4:
        return f"{_verb(rng)} {_subject(rng, name, _entity(header))} before {d}", f"LessThan(c[{k}], {d})"
    if r < 0.8:
        return f"{_verb(rng)} {_subject(rng, name, _entity(header))} after {d}", f"GreaterThan(c[{k}], {d})"
    e = _date(rng)
    lo, hi = sorted([d, e])
    return f"{_verb(rng)} {_subject(rng, name, _entity(header))} between {lo} and {hi}", f"Between(c[{k}], {lo}, {hi})"


def both(rng, header):
    """Two conditions on two columns (AND)."""
    nums = [k for k, (_, t) in enumerate(header) if t == "num"]
    texts = [k for k, (_, t) in enumerate(header) if t == "text"]
    if not nums or not texts:
        return comparison(rng, header)
    a, b = rng.choice(texts), rng.choice(nums)
    said, written = _text(rng)
    v, vw = _number(rng)
    fn = rng.choice(["GreaterThan", "LessThan"])
    word = "above" if fn == "GreaterThan" else "below"
    request = f"{_verb(rng)} rows where {header[a][0]} is {said} and {header[b][0]} is {word} {v}"
    return request, f"AND(TextEquals(c[{a}], {written}), {fn}(c[{b}], {vw}))"


# (writer, weight, needs a date column)
FORMS: Tuple[Tuple[Writer, float, bool], ...] = (
    (comparison, 5, False), (sign, 0.7, False), (between, 2, False), (not_between, 0.4, False), (rank, 3, False),
    (average, 1.2, False), (visual, 1, False), (text, 4, False), (not_text, 1.5, False), (either, 1.5, False),
    (length, 0.5, False), (any_column, 2.5, False), (whole_table, 0.6, False), (two_columns, 0.8, False),
    (date_period, 1.5, True), (date_compare, 1.2, True), (both, 0.6, False),
)


def grammar_pairs(count: int, seed: int = 0) -> List[data.Example]:
    """count pairs; each carries its header as its table (one row). index = position, id = -(100000 + index)
    (negative: never a benchmark ID, and apart from cf_columns' ids)."""
    rng = random.Random(seed)
    writers = [w for w, _, _ in FORMS]
    weights = [wt for _, wt, _ in FORMS]
    out: List[data.Example] = []
    while len(out) < count:
        i = rng.choices(range(len(writers)), weights)[0]
        needs_date = FORMS[i][2]
        header = rng.choice(DATE_HEADERS if needs_date or rng.random() < 0.25 else HEADERS)
        try:
            request, rule = writers[i](rng, header)
        except IndexError:  # the header has no column of the kind this form needs: draw again
            continue
        request = request[0].upper() + request[1:] if rng.random() < 0.3 else request
        index = len(out)
        out.append(data.Example(index=index, id=-(100000 + index), utterance=request, code=rule,
                                table=[[n for n, _ in header]]))
    return out


def form_counts(pairs: Sequence[data.Example]) -> Dict[str, int]:
    import re

    counts: Dict[str, int] = {}
    for p in pairs:
        for name in re.findall(r"([A-Za-z0-9]+)\(", p.code):
            counts[name] = counts.get(name, 0) + 1
    return counts


def sample_rows(count: int = 400) -> List[dict]:
    """The shared sample's rows: the first count pairs as the TypeScript test reads them."""
    return [{"request": p.utterance, "rule": p.code, "header": p.table[0]} for p in grammar_pairs(count)]


def write_sample(path=None, count: int = 400) -> None:
    """testdata/cf_grammar/pairs.json: the first count pairs, which the TypeScript interpreter checks."""
    import json
    from pathlib import Path

    target = Path(path) if path else Path(__file__).resolve().parents[1] / "testdata" / "cf_grammar" / "pairs.json"
    rows = sample_rows(count)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(rows, indent=0, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--write-sample"]:
        write_sample()
    else:
        for p in grammar_pairs(int(sys.argv[1]) if sys.argv[1:] else 20):
            print(f"{p.utterance}\t{p.code}\t{' | '.join(p.table[0])}")
