"""Shared test cases for the rules that Python and TypeScript must apply identically: slots and retrieval.

    /usr/bin/python3 -m training.shared_cases      # writes testdata/slots/ and testdata/retrieval/

testdata/slots/tagger.json    a slot tagger trained on the CF training split (the test vectors' weights)
testdata/slots/cases.json     requests of every language -> placeholders, slots, tagged spans; codes -> slotted
                              code and filled back; fnv1a of a few strings
testdata/retrieval/index.json an index of the first 300 Bash and all CF training pairs (with that tagger) and
                              200 CF column pairs (training/cf_columns.py, with their headers)
testdata/retrieval/cases.json queries -> neighbours (entry, score), encoder input ids (CF tokenizer), retrieved
                              candidates
testdata/channel/channel.json a channel table (channel.py) learnt from that index's pairs
testdata/channel/cases.json   code tokens; queries -> the most similar entries, each code's log P(request | code),
                              the channel's candidates (rank "channel")
testdata/slots/literals.json  codes of every language -> their literals, those a request does not give, the code
                              with those as placeholders (literals.py)
testdata/noise.json           the engine's seeded noise (noise.py = src/engine/random.ts) for a few seeds
Both test suites read them (training/tests/test_slots.py, test_channel.py, src/lang/slots.test.ts,
src/engine/retrieval.test.ts, src/engine/channel.test.ts).
"""
from __future__ import annotations

import json
from pathlib import Path

from . import data
from .noise import gaussian_noise
from .retrieval import QUERY_MODES, Conditioner, RetrievalIndex, build_index, query_text
from .cf_columns import column_pairs
from .literals import LiteralContext, find_literals
from .slots import fnv1a, save_tagger, slot_code, slot_request, fill_slots, train_tagger, load_tagger
from .tokenizer import Tokenizer, tokenizer_path

ROOT = Path(__file__).resolve().parent.parent
SLOTS_DIR = ROOT / "testdata" / "slots"
RETRIEVAL_DIR = ROOT / "testdata" / "retrieval"
CHANNEL_DIR = ROOT / "testdata" / "channel"
CODE_TOKEN_CASES = ["find . -name '*.log' -mtime +7 -delete", "ls\t-la  ~/dir_2\n", "echo ünï ⟨num0⟩ 😀x", "a\x0bb\x0cc",
                    "=AND(A1>10,B$2<=3.5e2)", ""]

HAND_MADE = [
    ("find all .log files older than 7 days and delete them", "find . -name '*.log' -mtime +7 -delete"),
    ("find all files larger than 10MB in the current directory", "find . -size +10M"),
    ("Color cells that are greater than 50 and less than 100", "AND(GreaterThan(50),LessThan(100))"),
    ("Highlight cells that contain Bull or Bear", "TextContains(Bull or Bear)"),
    ("sort a list of dictionaries `lst` by the key 'age'", "sorted(lst, key=lambda d: d['age'])"),
    ("copy /etc/hosts to ~/backup/ and name it \"hosts.bak\"", "cp /etc/hosts ~/backup/hosts.bak"),
    ("don't list files named *.tmp in src/app/", "ls src/app/ | grep -v '.tmp'"),
    ("equal to 2015 or 3.5, not 12a or v2", "OR(Equals(2015),Equals(3.5))"),
    ("print 'x' 5 times, then 'x' again", "for i in $(seq 5); do echo 'x'; done; echo 'x'"),
    ("numbers 1 2 3 4 5 6 7 in ‘quotes’ — ünïcode", "echo 1 2 3 4 5 6 7"),
    ("set the value to ⟨num7⟩ or ⟨num0⟩ please", "echo ⟨num0⟩"),
    ("", ""),
]
# Requests about a table (CF column slots): request, code, header.
SAMPLE_HEADER = ["Customer", "Region", "Sales", "Order date", "Paid"]  # the app's sample table (src/app/cfPreview.ts)
HAND_MADE_COLUMNS = [
    ("Highlight sales above 100", "GreaterThan(c[2], 100)", SAMPLE_HEADER),
    ("color customers from the North region", "TextEquals(c[1], North)", SAMPLE_HEADER),
    ("orders where Order Date is blank", "Blanks(c[3])", SAMPLE_HEADER),
    ("top 3 of Total Books Sold", "Top(c[2], 3)", ["Title", "Books Sold", "Total Books Sold"]),
    ("Color the NIGHTS that are 5", "Equals(c[1], 5)", ["ID", "Nights"]),
    ("Preise über 5 in der Spalte Größe", "GreaterThan(c[0], 5)", ["Größe", "Preis"]),
    ("highlight duplicate values in the index", "Duplicate()", ["Index", "Value"]),
    ("class sizes over 30", "GreaterThan(c[1], 30)", ["Class", "Sizes"]),
    ("Highlight 'Status' equal to Done", "TextEquals(c[1], Done)", ["Task", "Status"]),
    ("students' grades above average", "AboveAverage(c[1])", ["Student", "Grade"]),
    ("sales 2020 and sales 2021 above 7", "GreaterThan(c[1], 7)", ["Region", "Sales 2020", "Sales 2021"]),
    ("a, b, c, d and e", "a", ["a", "b", "c", "d", "e"]),
    ("Sales_2020 above 40,000 and unit 1 below 1, not 1,5 or 12,3456", "GreaterThan(c[2], 40000)",
     ["Region", "Sales_2019", "Sales_2020", "Unit 1", "2"]),
]


def slot_cases(tagger) -> list:
    requests = [(u, c, None) for u, c in HAND_MADE] + list(HAND_MADE_COLUMNS)
    for language in data.LANGUAGES:
        requests += [(e.utterance, e.code, None) for e in data.load_benchmark(language, "test")[:60]]
    requests += [(e.utterance, e.code, e.header) for e in data.load_benchmark("cf", "test")]
    cases = []
    for utterance, code, header in requests:
        spans = tagger.spans(utterance)
        slotted = slot_request(utterance, tagger, header)
        plain = slot_request(utterance, None, header)
        coded = slot_code(code, slotted.slots)
        cases.append({
            "request": utterance,
            "code": code,
            "header": header,
            "tagged": [list(s) for s in spans],
            "slotted": slotted.text,
            "slots": [[s.kind, s.index, s.text] for s in slotted.slots],
            "slotted_without_tagger": plain.text,
            "slotted_code": coded,
            "filled": fill_slots(coded, slotted.values()),
        })
    return cases


# (language, request, code): the literal finder's hand-made cases (issue 19: the user's literals, nobody else's)
LITERAL_CASES = [
    ("cf", "highlight Status cells containing 'order'", "TextContains(c[4], Zamina)"),
    ("cf", "cells that do not contain x", "NOT(TextContains(c[2], 適))"),
    ("cf", "between 25 and 50", "AND(GreaterThanEqual(25),LessThan(50))"),
    ("cf", "top ten percent of sales", "top(c[1], 10%)"),
    ("cf", "mark tasks in progress", 'TextEquals("In Progress")'),
    ("cf", "a colour scale", "ColorScale(c[2], red, green)"),
    ("cf", "greater than 40,000", "GreaterThan(LEN(c[1]), 40000) , Between( 1 ,  7 ) 'x' TextContains('')"),
    ("cf", "filled in", "TextContains({{text}})"),
    ("bash", "delete log files older than 7 days", 'find /var/log -name "*.log" -mtime +30 -delete'),
    ("bash", "find text files containing foo", r"find . -type f -name '*.txt' -exec grep -l 'foo' {} \; 2>/dev/null"),
    ("bash", "show the first 5 lines", "head -5 data.csv | awk '{print $1}' > out.txt"),
    ("bash", "extract the archive", "tar -xzvf archive.tar.gz -C ~/backup --exclude=*.tmp"),
    ("bash", "list", 'ls -l /dev/null; echo "$HOME/x" 2>&1 >>log &>/dev/null'),
    ("bash", "files over 10 MB", 'find . -size +10M -o -size -2k | xargs -n 1 echo "unclosed'),
    ("bash", "sum the numbers", "awk '{ s += $1 } END { print s }' nums; sed 's/foo/bar/g' a.txt; grep -c \"total sum\" x"),
    ("python", "save df to csv", "df.to_csv('data.csv', index=False, sep=',')"),
    ("python", "round y to two decimals", "x = round(y, 2) + 0x1f + 1e5 # comment 'q'"),
    ("python", "format the name", "f'{name} is {age:03d}' + r'\\d+' + 'hello' + '''a\nb''' + b\"é\\\"x\" + 'π😀x'"),
    ("python", "open the log", r"open('/var/log/syslog').read().split('\n')[0:10]"),
    ("python", "unclosed", "print('x' + 'abc"),
]
LITERAL_LANGUAGE_WORDS = ["print", "end", "sum", "nf", "utf"]


def literal_cases() -> dict:
    """The literal finder and the check of which literals a request gives (literals.py = src/lang/literals.ts)."""
    rows = list(LITERAL_CASES)
    for language in data.LANGUAGES:  # each test request against the code of another pair (a foreign known code)
        train = data.load_benchmark(language, "train")
        test = data.load_benchmark(language, "test")[:80]
        rows += [(language, e.utterance, train[(7 * i) % len(train)].code) for i, e in enumerate(test)]
        rows += [(language, e.utterance, e.code) for e in test[:40]]  # and against its own code
    cases = []
    for language, request, code in rows:
        context = LiteralContext(language, request, frozenset(LITERAL_LANGUAGE_WORDS))
        cases.append({
            "language": language,
            "request": request,
            "code": code,
            "literals": [[code[a:b], kind] for a, b, kind in find_literals(language, code)],
            "foreign": [[code[a:b], kind] for a, b, kind in context.foreign(code)],
            "own": context.own(code),
        })
    return {"language_words": LITERAL_LANGUAGE_WORDS, "cases": cases}


NOISE_FILE = ROOT / "testdata" / "noise.json"
NOISE_CASES = [(0, 8), (7, 33), (123456789, 5), (2**32 + 5, 4), (4294967295, 3001)]


def noise_cases() -> list:
    return [{"seed": seed, "count": count, "values": [float(v) for v in gaussian_noise(seed, count)]}
            for seed, count in NOISE_CASES]


def main() -> None:
    NOISE_FILE.write_text(json.dumps({"cases": noise_cases()}) + "\n")
    SLOTS_DIR.mkdir(parents=True, exist_ok=True)
    RETRIEVAL_DIR.mkdir(parents=True, exist_ok=True)
    cf_train = data.load_benchmark("cf", "train")
    tagger = train_tagger([(e.utterance, e.code) for e in cf_train])
    save_tagger(tagger, SLOTS_DIR / "tagger.json")
    tagger = load_tagger(SLOTS_DIR / "tagger.json")  # what the other side reads: weights rounded as stored
    slots = {
        "fnv1a": {s: fnv1a(s) for s in ["", "a", "bias", "w=find", "p1=<s>", "ünïcode", "⟨num0⟩"]},
        "cases": slot_cases(tagger),
    }
    (SLOTS_DIR / "cases.json").write_text(json.dumps(slots, ensure_ascii=False, indent=1) + "\n")
    (SLOTS_DIR / "literals.json").write_text(json.dumps(literal_cases(), ensure_ascii=False, indent=1) + "\n")

    pairs = [(e.utterance, e.code) for e in data.load_benchmark("bash", "train")[:300]]
    pairs += [(e.utterance, e.code) for e in cf_train]
    pairs += [(e.utterance, e.code, e.header) for e in column_pairs(cf_train)[:200]]
    index = build_index(pairs, tagger)
    index.save(RETRIEVAL_DIR / "index.json")
    tok = Tokenizer.from_file(tokenizer_path("cf"))
    queries = [(u, None) for u, _ in HAND_MADE] + [(u, h) for u, _, h in HAND_MADE_COLUMNS]
    queries += [(e.utterance, e.header) for e in data.load_benchmark("cf", "test")[:40]]
    queries += [(e.utterance, e.header) for e in data.load_benchmark("cf", "test")[60:100]]
    queries += [(e.utterance, None) for e in data.load_benchmark("bash", "test")[:40]]
    cases = []
    for mode in QUERY_MODES:  # the same entries read both ways (index.json says "words"; "template" is Python's)
        mode_index = RetrievalIndex(index.entries, mode)
        cond = Conditioner(tok, tagger, mode_index, 2, 96, 48, True, columns=True)
        # the same with the request's literals only (a known code's unfilled slots and foreign literals: {{...}})
        own = Conditioner(tok, tagger, mode_index, 2, 96, 48, True, columns=True, language="cf")
        for i, (q, header) in enumerate(queries):
            exclude = i if i % 7 == 3 else -1  # a few leave-one-out queries
            prepared = cond.prepare(q, exclude, header)
            query = query_text(q, prepared.slotted.text, mode)
            cases.append({
                "request": q,
                "header": header,
                "query_mode": mode,
                "exclude": exclude,
                "query": query,
                "neighbours": [[j, s] for j, s in mode_index.neighbours(query, 5, exclude)],
                "input_ids": prepared.input_ids,
                "retrieved": cond.retrieved_candidates(prepared, q, 3),
                "retrieved_own": own.retrieved_candidates(own.prepare(q, exclude, header), q, 3),
                "written_own": own.retrieved_candidates(own.prepare(q, exclude, header), q, 3, as_written=True),
            })
    retrieval = {"tokenizer": "training/tokenizers/cf.json", "neighbours": 2, "max_len": 96, "request_len": 48,
                 "cases": cases}
    (RETRIEVAL_DIR / "cases.json").write_text(json.dumps(retrieval, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(slots['cases'])} slot cases and {len(cases)} retrieval cases")
    print(f"wrote {channel_cases(index, tok, tagger, queries)} channel cases")


def channel_cases(index: RetrievalIndex, tok, tagger, queries) -> int:
    from .channel import Channel, code_tokens, rank_codes, train_channel

    CHANNEL_DIR.mkdir(parents=True, exist_ok=True)
    train_channel([(e.utterance, e.code) for e in index.entries]).save(CHANNEL_DIR / "channel.json")
    channel = Channel.load(CHANNEL_DIR / "channel.json")  # what the other side reads
    cond = Conditioner(tok, tagger, index, 2, 96, 48, True, columns=True, channel=channel)
    own = Conditioner(tok, tagger, index, 2, 96, 48, True, columns=True, channel=channel, language="bash")
    scan, weight = 20, 0.01
    cases = []
    for q, header in queries + [("", None), ("the", None), ("Delete ALL *.TMP files, now!", None)]:
        prepared = cond.prepare(q, -1, header)
        found = index.most_similar(query_text(q, prepared.slotted.text, index.query), scan)
        cases.append({
            "request": q,
            "header": header,
            "most_similar": [[i, s] for i, s in found],
            "log_likelihoods": [channel.log_likelihood(q, index.entries[i].code) for i, _ in found],
            "ranked": [[c, s] for c, s in rank_codes(channel, q, [(index.entries[i].code, s) for i, s in found], weight)],
            "candidates": cond.channel_candidates(prepared, q, 5, scan, weight),
            "candidates_own": own.channel_candidates(own.prepare(q, -1, header), q, 5, scan, weight),
        })
    payload = {"scan": scan, "similarity_weight": weight,
               "code_tokens": [[c, code_tokens(c)] for c in CODE_TOKEN_CASES], "cases": cases}
    (CHANNEL_DIR / "cases.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return len(cases)


if __name__ == "__main__":
    main()
