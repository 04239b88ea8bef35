"""CF rules that name a column: training pairs built from the CF training split and headers written for this project.

Why. The released CF training split never names a column: its rules apply to every cell (`GreaterThan(50)`). A
user's rule is about their table: "highlight sales above 100" on a header Customer | Region | Sales means
`GreaterThan(c[2], 100)`, the column style of the CF language (src/lang/cf.ts; the issue that asked for this
names its spellings: c[k] first, `Top`, `Bottom`, `Duplicates`, `AboveAverage`, `TopPercent`). No training pair
teaches that, so this module writes such pairs, deterministically, from the training split alone (never from test
items):

  1. take a training pair whose rule is a plain condition (comparisons, text, top/bottom, average, duplicates,
     blanks, scales, possibly under AND/OR/NOT);
  2. take a header from HEADERS below (written for this project, not taken from any dataset) and a column of the
     kind the rule needs (a number column for comparisons and statistics, a text column for text rules);
  3. make the request name that column: the first "cells"/"values"/... becomes the column's name (or "<entity>s
     with <column>"), or the request gets " in the <column> column" and the like (`mention`);
  4. write the rule in column style: every condition gets c[k] as its first argument, with the column style's
     spelling (`top(10%)` -> `TopPercent(c[k], 10)`, `Duplicate()` -> `Duplicates(c[k])`).

The model never sees the header's words: the request's column words become a col slot (training/slots.py), and
c[k] in the rule the same slot. So what it learns is where the slot goes and how the column style is spelt.
"""
from __future__ import annotations

import random
import re
from typing import List, Optional, Sequence, Tuple

from . import data

# Headers written for this project: (column name, kind), kind "text" or "num".
HEADERS: Tuple[Tuple[Tuple[str, str], ...], ...] = (
    (("Employee", "text"), ("Department", "text"), ("Salary", "num"), ("Bonus", "num")),
    (("Product", "text"), ("Category", "text"), ("Price", "num"), ("Units", "num"), ("Revenue", "num")),
    (("Month", "text"), ("Income", "num"), ("Expenses", "num"), ("Profit", "num")),
    (("Country", "text"), ("Capital", "text"), ("Population", "num"), ("Area", "num")),
    (("Order", "text"), ("Customer", "text"), ("Amount", "num"), ("Status", "text")),
    (("Player", "text"), ("Team", "text"), ("Goals", "num"), ("Assists", "num"), ("Minutes", "num")),
    (("Item", "text"), ("Supplier", "text"), ("Stock", "num"), ("Reorder Level", "num")),
    (("Course", "text"), ("Instructor", "text"), ("Enrolled", "num"), ("Rating", "num")),
    (("Name", "text"), ("Email", "text"), ("Age", "num"), ("Points", "num")),
    (("Store", "text"), ("Manager", "text"), ("Visitors", "num"), ("Daily Sales", "num")),
    (("Project", "text"), ("Owner", "text"), ("Budget", "num"), ("Spent", "num"), ("Progress", "num")),
    (("Flight", "text"), ("Destination", "text"), ("Delay Minutes", "num"), ("Passengers", "num")),
    (("Task", "text"), ("Assignee", "text"), ("Hours", "num"), ("Priority", "text")),
    (("Patient", "text"), ("Ward", "text"), ("Temperature", "num"), ("Heart Rate", "num")),
    (("Book", "text"), ("Author", "text"), ("Pages", "num"), ("Copies Sold", "num")),
    (("Vehicle", "text"), ("Model", "text"), ("Mileage", "num"), ("Fuel Cost", "num")),
    (("Warehouse", "text"), ("City", "text"), ("Orders", "num"), ("Returns", "num"), ("Comment", "text")),
    (("Athlete", "text"), ("Event", "text"), ("Time", "num"), ("Medal", "text")),
    (("Invoice", "text"), ("Client", "text"), ("Total", "num"), ("Days Overdue", "num"), ("Paid", "text")),
    (("Recipe", "text"), ("Cuisine", "text"), ("Calories", "num"), ("Cooking Time", "num")),
)

# Condition names of the training split -> their column-style spelling (others keep theirs).
COLUMN_STYLE_NAMES = {"top": "Top", "bottom": "Bottom", "duplicate": "Duplicates", "aboveaverage": "AboveAverage",
                      "belowaverage": "BelowAverage"}
TEXT_RULES = {"textcontains", "textequals", "textstartswith", "startswith", "endswith", "textendswith"}
ANY_COLUMN_RULES = {"duplicate", "duplicates", "blanks", "errors", "unique", "uniques"}
LEAF = re.compile(r"\b([A-Za-z]+)\(([^()]*)\)")
STRUCTURE = re.compile(r"^(?:AND|OR|NOT|\(|\)|,|\s|\x00)*$", re.IGNORECASE)
NUMBER = re.compile(r"^-?\d+(?:\.\d+)?%?$")
CELL_WORDS = re.compile(r"\b(cells|values|numbers|rows|entries|items|cell|value)\b", re.IGNORECASE)


def rule_kind(code: str) -> Optional[str]:
    """"text", "num" or "any": the kind of column the rule's conditions read; None when they disagree or the
    rule is not a plain condition (nested calls inside a condition, formulas, columns already)."""
    if "c[" in code or "$" in code:
        return None
    kinds = set()
    for m in LEAF.finditer(code):
        name, args = m.group(1).lower(), m.group(2).strip()
        if name in ("and", "or", "not"):
            return None
        if name in TEXT_RULES or (name in ("equals", "notequals") and args and not NUMBER.match(args)):
            kinds.add("text")
        elif name in ANY_COLUMN_RULES:
            kinds.add("any")
        else:
            kinds.add("num")
    if not kinds or not STRUCTURE.match(LEAF.sub("\x00", code)):
        return None
    kinds.discard("any")
    if len(kinds) > 1:
        return None
    return kinds.pop() if kinds else "any"


def to_column_style(code: str, column: int) -> str:
    """The rule in column style: c[column] first in every condition, column-style names (see COLUMN_STYLE_NAMES)."""
    ref = f"c[{column}]"

    def leaf(m: "re.Match[str]") -> str:
        name, args = m.group(1), m.group(2).strip()
        low = name.lower()
        if low in ("top", "bottom") and args.endswith("%"):
            return f"{'Top' if low == 'top' else 'Bottom'}Percent({ref}, {args[:-1].strip()})"
        name = COLUMN_STYLE_NAMES.get(low, name)
        return f"{name}({ref}, {args})" if args else f"{name}({ref})"

    return LEAF.sub(leaf, code)


def mention(utterance: str, column: str, entity: str, rng: random.Random) -> str:
    """The request rewritten to name the column (and sometimes the row entity, named first)."""
    name = column if rng.random() < 0.5 else column.lower()
    if CELL_WORDS.search(utterance) and rng.random() < 0.7:
        choices = [name, f"{name} values", f"{name} cells", f"values in {name}", f"{entity.lower()}s with {name}",
                   f"{entity.lower()}s where {name} is"]
        return CELL_WORDS.sub(rng.choice(choices), utterance, count=1)
    suffix = rng.choice([f" in the {name} column", f" in column {name}", f" in {name}", f" for {name}",
                         f" in the {name} field"])
    return utterance.rstrip(" .") + suffix


def column_pairs(train: Sequence[data.Example], per_pair: int = 2, seed: int = 0) -> List[data.Example]:
    """per_pair column-style pairs for each training pair whose rule is a plain condition; each carries its header
    as its table (one row). index = position in the list, id = -(index + 1) (never a benchmark ID)."""
    rng = random.Random(seed)
    out: List[data.Example] = []
    for ex in train:
        kind = rule_kind(ex.code)
        if kind is None:
            continue
        for _ in range(per_pair):
            header = rng.choice(HEADERS)
            fits = [k for k, (_, t) in enumerate(header) if kind == "any" or t == kind]
            if not fits:
                continue
            k = rng.choice(fits)
            entity = next((n for j, (n, t) in enumerate(header) if t == "text" and j != k), header[0][0])
            utterance = mention(ex.utterance, header[k][0], entity, rng)
            index = len(out)
            out.append(data.Example(index=index, id=-(index + 1), utterance=utterance,
                                    code=to_column_style(ex.code, k), table=[[n for n, _ in header]]))
    return out


def load_column_pairs(per_pair: int = 2) -> List[data.Example]:
    return column_pairs(data.load_benchmark("cf", "train"), per_pair)
