import ast

import pytest

from training import data, import_data
from training.predictions import normalize_whitespace

SPLIT_SIZES = {
    ("bash", "train"): 10_085,
    ("bash", "test"): 2_522,
    ("python", "train"): 2_379,
    ("python", "test"): 500,
    ("cf", "train"): 712,
    ("cf", "test"): 178,
}


@pytest.mark.parametrize("language,split", sorted(SPLIT_SIZES))
def test_split_sizes_and_no_empty_items(language, split):
    examples = data.load_benchmark(language, split)
    assert len(examples) == SPLIT_SIZES[(language, split)]
    assert [ex.index for ex in examples] == list(range(len(examples)))
    assert all(ex.utterance and ex.utterance == ex.utterance.strip() for ex in examples)
    # One CF test item (index 27, ID 740) has an empty rule in the benchmark file itself.
    empty = [ex.index for ex in examples if not ex.code]
    assert empty == ([27] if (language, split) == ("cf", "test") else [])


@pytest.mark.parametrize("split", ["train", "test"])
def test_cf_items_have_tables(split):
    for ex in data.load_benchmark("cf", split):
        assert isinstance(ex.table, list) and ex.table and isinstance(ex.table[0], list) and ex.table[0]
    assert all(ex.table is None for ex in data.load_benchmark("bash", split)[:50])


def _raw_line_count(language):
    with open(data.DATA / data.PRETRAINING_FILES[language], encoding="utf-8") as f:
        return len(f.read().splitlines())


def test_bash_pretraining():
    assert _raw_line_count("bash") == 88_528
    lines = data.load_pretraining("bash")
    assert len(lines) == 88_512  # 16 lines hold only (non-breaking) spaces
    assert all(line and line == line.strip() for line in lines)
    unique = data.load_pretraining("bash", unique=True)
    assert len(unique) == len(set(lines)) == 61_921
    assert unique[0] == lines[0] == "ps -aef"


def test_cf_pretraining():
    assert _raw_line_count("cf") == 226_468
    lines = data.load_pretraining("cf")
    assert len(lines) == 226_468
    assert len(data.load_pretraining("cf", unique=True)) == 3_498


def test_python_pretraining_is_single_lines_that_parse():
    lines = data.load_pretraining("python")
    assert 20_000 <= len(lines) <= 100_000
    assert len(set(lines)) == len(lines)
    for line in lines:
        assert "\n" not in line and len(line) <= import_data.MAX_SNIPPET_CHARS
        ast.parse(line)
    assert (data.DATA / "python-stdlib" / "snippets.txt").stat().st_size < 6_000_000


def test_pretraining_returns_fresh_lists():
    first = data.load_pretraining("cf")
    first.clear()
    assert len(data.load_pretraining("cf")) == 226_468


def test_extra_pairs_bash():
    pairs = data.load_extra_pairs("bash")
    assert 27_000 <= len(pairs) <= 29_500
    assert [p.index for p in pairs] == list(range(len(pairs)))
    assert all(p.id == -(p.index + 1) for p in pairs)
    assert all(p.utterance and p.code and p.table is None for p in pairs)
    assert not any("{{" in p.code or "}}" in p.code for p in pairs)
    assert not any("{{" in p.utterance or "}}" in p.utterance for p in pairs)
    assert len({(p.utterance, p.code) for p in pairs}) == len(pairs)
    test = data.load_benchmark("bash", "test")
    test_codes = {normalize_whitespace(ex.code) for ex in test}
    test_utterances = {normalize_whitespace(ex.utterance).lower() for ex in test}
    assert not any(normalize_whitespace(p.code) in test_codes for p in pairs)
    assert not any(normalize_whitespace(p.utterance).lower() in test_utterances for p in pairs)
    assert data.load_extra_pairs("python") == [] and data.load_extra_pairs("cf") == []


def test_extra_pairs_are_cleaned():
    pairs = data.load_extra_pairs("bash")
    assert not any(p.utterance.endswith(":") for p in pairs)
    assert not any(p.code.startswith("tldr ") or "<Enter>" in p.code for p in pairs)
    tar = {p.utterance: p.code for p in pairs if p.code.startswith("tar ")}
    assert tar["Create an archive and write it to a file"] == "tar cf target.tar file1 file2"


@pytest.mark.parametrize(
    "raw,filled",
    [
        ("tar cf {{path/to/target.tar}} {{path/to/file1 path/to/file2 ...}}", "tar cf target.tar file1 file2"),
        ("tar xf {{path/to/source.tar[.gz|.bz2|.xz]}} {{[-C|--directory]}} {{path/to/directory}}",
         "tar xf source.tar.gz -C dir"),
        ("rm {{[-r|--recursive]}} {{path/to/file_or_directory}}", "rm -r file"),
        ("ip {{[a|address]}}", "ip address"),
        ("sudo ip {{[l|link]}} {{[s|set]}} {{ethX}} {{up|down}}", "sudo ip link set ethX up"),
        ("head {{[-n|--lines]}} {{10}} {{path/to/file}}", "head -n 10 file"),
        ("chown {{username}} {{/path/to/key}} {{~/path/to/x}}", "chown username /key ~/x"),
        ("sudo {{path/to}}/pig.py", "sudo ./pig.py"),
        ("cp {{path/to/output_directory}} {{path/to/directory1 path/to/directory2 ...}}", "cp output_dir dir1 dir2"),
        ("nmap {{port1,port2,...}} {{value1 value2...}}", "nmap port1,port2 value1 value2"),
        ("tar xf {{path/to/source.tar}} --wildcards \"{{*.html}}\"", "tar xf source.tar --wildcards \"*.html\""),
        ("curl {{[-d|--data]}} '{{{\"name\":\"bob\"}}}' {{http://example.com/users/1234}}",
         "curl -d '{\"name\":\"bob\"}' http://example.com/users/1234"),
        ("echo ${{{array_name[@]}}}", "echo ${array_name[@]}"),
        ("mkdir {{[-p|--parents]}} {{path/to/{a,b}/{x,y}}}", "mkdir -p {a,b}/{x,y}"),
        ("git diff 'HEAD@{{{3 months|weeks|days ago}}}'", "git diff 'HEAD@{3 months|weeks|days ago}'"),
        ("docker inspect '\\{\\{.LogPath\\}\\}'", "docker inspect '{{.LogPath}}'"),
        ("grep {{[-E|--extended-regexp]}} '{{^(foo|bar)$}}' {{path/to/file}}", "grep -E '^(foo|bar)$' file"),
        ("routel {{[-6|--family inet6]}} {{[-|--no-underlining]}}", "routel -6 --no-underlining"),
    ],
)
def test_fill_placeholders(raw, filled):
    assert data.fill_placeholders(raw) == filled


def test_clean_tldr_description():
    clean = data.clean_tldr_description
    assert clean("[c]reate a g[z]ipped archive and write it to a [f]ile:") == "Create a gzipped archive and write it to a file"
    assert clean("E[x]tract an archive to `stdout`:") == 'Extract an archive to "stdout"'
    assert clean('Print `"quoted"`:') == "Print '\"quoted\"'"
    assert clean("Use the [me] macro package:") == "Use the [me] macro package"


def test_parse_tldr_page():
    page = "# tar\n\n> Archiver.\n\n- [c]reate an archive:\n\n`tar cf {{target.tar}} {{file}}`\n\n- Orphan text\n\n- Last:\n\n`tar xf x`\n"
    assert import_data.parse_tldr_page(page) == [
        ("[c]reate an archive:", "tar cf {{target.tar}} {{file}}"),
        ("Last:", "tar xf x"),
    ]


def test_extract_snippets():
    source = (
        '"""Docstring."""\n'
        "import os\n"
        "x = compute(1,\n"
        "            other(2))  # comment\n"
        "def f(a):\n"
        "    if a.startswith('#'):  # a comment\n"
        "        return a.strip()\n"
        "    return a\n"
        "for item in sorted(items):\n"
        "    pass\n"
        "y = f'{x!r}'\n"
    )
    assert import_data.extract_snippets(source) == [
        "import os",
        "other(2)",
        "a.startswith('#')",
        "a.strip()",
        "sorted(items)",
        "y = f'{x!r}'",
    ]
