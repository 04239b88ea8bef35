"""The literal finder (training/literals.py): the shared vectors (testdata/slots/literals.json, which
src/lang/literals.test.ts reads too) and hand-made cases per language."""
import json
from pathlib import Path

from training.literals import LiteralContext, canonical_number, find_literals
from training.slots import fill_slots

ROOT = Path(__file__).resolve().parents[2]


def own(language, request, code, words=()):
    return LiteralContext(language, request, frozenset(words)).own(code)


def test_shared_vectors():
    shared = json.loads((ROOT / "testdata" / "slots" / "literals.json").read_text(encoding="utf-8"))
    words = frozenset(shared["language_words"])
    for case in shared["cases"]:
        context = LiteralContext(case["language"], case["request"], words)
        code = case["code"]
        assert [[code[a:b], k] for a, b, k in find_literals(case["language"], code)] == case["literals"], code
        assert [[code[a:b], k] for a, b, k in context.foreign(code)] == case["foreign"], code
        assert context.own(code) == case["own"], code


def test_cf():
    assert own("cf", "highlight Status cells containing 'order'", "TextContains(c[4], Zamina)") == "TextContains(c[4], {{text}})"
    assert own("cf", "cells that do not contain x", "NOT(TextContains(c[2], 適))") == "NOT(TextContains(c[2], {{text}}))"
    assert own("cf", "above 40,000", "GreaterThan(c[1], 40000)") == "GreaterThan(c[1], 40000)"
    assert own("cf", "above 50", "GreaterThan(c[1], 100)") == "GreaterThan(c[1], {{number}})"
    assert own("cf", "top percent", "top(c[1], 20%)") == "top(c[1], {{number}}%)"
    assert own("cf", "a colour scale", "ColorScale(c[2], red, green)") == "ColorScale(c[2], red, green)"


def test_bash():
    assert own("bash", "delete log files older than 7 days", 'find /var/log -name "*.log" -mtime +30 -delete') == \
        'find {{path}} -name "*.log" -mtime +{{number}} -delete'
    assert own("bash", "show the first 5 lines", "head -5 data.csv > out.txt") == "head -5 {{file}} > {{file}}"
    assert own("bash", "print the first column", "awk '{print $1}' f", ["print"]) == "awk '{print $1}' f"
    assert own("bash", "count", 'grep -c "ERROR" log') == 'grep -c "{{text}}" log'
    assert own("bash", "list", 'ls -l /dev/null ~ . "$HOME" 2>&1') == 'ls -l /dev/null ~ . "$HOME" 2>&1'


def test_python():
    assert own("python", "save df to csv", "df.to_csv('data.csv', sep=',')") == "df.to_csv('{{file}}', sep=',')"
    assert own("python", "round to two decimals", "round(x, 2) + y[0]") == "round(x, 2) + y[0]"
    assert own("python", "say hello", "print(f'{name}!', 'hello', 'bye')") == "print(f'{name}!', 'hello', '{{text}}')"


def test_numbers_and_placeholders():
    assert canonical_number("+007.50") == "7.5" and canonical_number(".5") == "0.5" and canonical_number("0.0") == "0"
    values = {"⟨num0⟩": "7"}
    code = "find ⟨path0⟩ -name ⟨file1⟩ -mtime +⟨num0⟩ -exec grep ⟨str0⟩ ⟨val2⟩ ⟨var0⟩ ⟨sep⟩"
    assert fill_slots(code, values, editable=True) == "find {{path}} -name {{file}} -mtime +7 -exec grep {{text}} {{text}} {{name}} "
    assert fill_slots(code, values) == "find  -name  -mtime +7 -exec grep    "
    assert LiteralContext("cf", "x").foreign("TextContains({{text}})") == []


def test_the_sampler_setting_gives_the_conditioner_its_language():
    """sampler.own_literals (absent in older bundles: False) is what switches the request's-literals-only candidates on,
    in evaluation and export (checkpoint.load_conditioner) as in the engine (manifest.sampler.own_literals)."""
    import json
    from pathlib import Path

    from training.bundle import bundle_config
    from training.checkpoint import load_conditioner
    from training.tokenizer import Tokenizer

    golden = Path(__file__).resolve().parents[2] / "testdata" / "golden"
    manifest = json.loads((golden / "manifest.json").read_text())
    tok = Tokenizer.from_file(golden / manifest["tokenizer"]["file"])
    cfg = bundle_config({**manifest, "sampler": {k: v for k, v in manifest["sampler"].items() if k != "own_literals"}})
    assert cfg.sampler.own_literals is False and load_conditioner(golden, cfg, tok).language is None
    cfg.sampler.own_literals = True
    assert load_conditioner(golden, cfg, tok).language == cfg.train.language == "cf"
