"""Choose the test-split requests the e2e suite asks the real app (e2e/quality.spec.ts).

    /usr/bin/python3 -m training.e2e_requests --predictions runs/*/test.predictions.jsonl

From each language's predictions of the shipped bundle (pipeline.py writes them with the app's defaults, request i
with seed i), the first `--per-language` items whose gold code is in the top 5, taken evenly across the split, so
the test checks what the evaluation measured and nothing hand-picked. A CF item keeps its table's header and first
rows (TABLE_ROWS): the evaluation gave the model that header, so the test pastes the table into the app first.
Writes e2e/fixtures/test-requests.json.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from .predictions import exact_match_at_k, read_predictions

TABLE_ROWS = 5
OUT = Path(__file__).resolve().parent.parent / "e2e" / "fixtures" / "test-requests.json"


def item_of(r: dict) -> dict:
    item = {"language": r["language"], "index": r["index"], "utterance": r["utterance"], "gold": r["gold"],
            "steps": r["steps"], "samples": r["samples"]}
    if r.get("table"):
        table = [["" if v is None else str(v) for v in row] for row in r["table"][: TABLE_ROWS + 1]]
        if len(table) == 1:  # a header-only table: one row of blank cells, since the app wants a row
            table.append([" "] * len(table[0]))
        item["table"] = table
    return item


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--predictions", nargs="+", required=True)
    parser.add_argument("--per-language", type=int, default=3)
    args = parser.parse_args(argv)
    chosen = []
    for file in args.predictions:
        rows = read_predictions(Path(file))
        hits = [r for r in rows if exact_match_at_k(r["gold"], [c["code"] for c in r["candidates"]], 5)]
        step = max(1, len(hits) // args.per_language)
        for r in hits[::step][: args.per_language]:
            chosen.append(item_of(r))
        print(f"{file}: {len(hits)} of {len(rows)} items have their gold code in the top 5; took {min(len(hits), args.per_language)}")
        # Retrieve and edit: the first item whose top-1 is a sample that started from a known code and ends on the
        # gold code (the model wrote the answer by editing a known code; the e2e test checks the app says so)
        edited = [r for r in rows if r["candidates"] and "start" in r["candidates"][0]
                  and exact_match_at_k(r["gold"], [r["candidates"][0]["code"]], 1)]
        if edited:
            r = edited[0]
            chosen.append({**item_of(r), "edited": True, "edited_from_entry": r["candidates"][0]["start"]})
        print(f"{file}: {len(edited)} items have a top-1 sample edited from a known code that is their gold code")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(chosen, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {OUT}: {len(chosen)} requests")


if __name__ == "__main__":
    main()
