import json
from pathlib import Path

from training.bench import fit_line, main

GOLDEN = Path(__file__).resolve().parents[2] / "testdata" / "golden"


def test_fit_line_recovers_slope_and_intercept():
    line = fit_line([(25, 30.0), (50, 55.0), (100, 105.0)])
    assert abs(line["slope"] - 1.0) < 1e-12 and abs(line["intercept"] - 5.0) < 1e-9
    assert fit_line([(25, 1.0)]) is None


def test_bench_runs_on_the_golden_bundle(tmp_path, capsys):
    out_file = tmp_path / "bench.json"
    out = main(["--bundle", str(GOLDEN), "--device", "cpu", "--ks", "2,4", "--step-ks", "2,4", "--reps", "1",
                "--peak-size", "128", "--json", str(out_file)])
    assert json.loads(out_file.read_text()) == json.loads(capsys.readouterr().out)
    (cpu,) = out["results"]
    assert cpu["device"] == "cpu" and cpu["peak"]["gflops"] > 0
    assert [g["K"] for g in cpu["generations"]] == [2, 4] and all(g["ms"] > 0 for g in cpu["generations"])
    steps = {s["n"]: s for s in cpu["steps"]}
    assert set(steps) == {1, 5}
    for s in steps.values():
        assert s["ms_per_step"] is not None and s["direct_ms"] > 0 and s["floor_ms"] > 0 and s["flops"] > 0
    assert steps[5]["flops"] > steps[1]["flops"]
