"""The committed golden vectors (testdata/golden) still describe what the PyTorch code computes: a change to the
model, sampler, schedule, tokenizer or export format that would break parity with the browser engine fails
here first (regenerate with `/usr/bin/python3 -m training.golden` when the change is intended)."""
import json

import pytest

from training.golden import GOLDEN_DIR, write_golden


def decode(entry):
    import base64

    import numpy as np

    data = np.frombuffer(base64.b64decode(entry["data"]), dtype="<f4" if entry["dtype"] == "float32" else "<i4")
    return data.reshape(entry["shape"])


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden")
    return out, write_golden(out)


def test_golden_bundle_is_byte_identical(fresh):
    out, _ = fresh
    for name in ("manifest.json", "tokenizer.json", "weights-000.bin"):
        assert (out / name).read_bytes() == (GOLDEN_DIR / name).read_bytes(), name


def test_golden_vectors_match_pytorch(fresh):
    import numpy as np

    _, now = fresh
    committed = json.loads((GOLDEN_DIR / "golden.json").read_text())
    for path in (("encoder_output",), ("denoiser", "x0_hat"), ("decoder", "z"), ("decoder", "logits"), ("sampling", "confidence")):
        a, b = now, committed
        for key in path:
            a, b = a[key], b[key]
        a, b = decode(a), decode(b)
        assert a.shape == b.shape
        assert np.abs(a - b).max() <= 1e-5 * max(1.0, np.abs(b).max()), path
    for key in ("step_ids", "final_ids"):
        assert np.array_equal(decode(now["sampling"][key]), decode(committed["sampling"][key])), key
    assert now["sampling"]["codes"] == committed["sampling"]["codes"]
    assert now["sampling"]["candidates"] == committed["sampling"]["candidates"]
    assert committed["min_logit_margin"] > 1e-3  # argmax decisions are not ties a backend could flip


def test_golden_edit_case_matches_pytorch(fresh):
    """Retrieve and edit (issue 19): the samples that start from known codes, and which code each candidate came from."""
    import numpy as np

    _, now = fresh
    committed = json.loads((GOLDEN_DIR / "golden.json").read_text())["edit"]
    now = now["edit"]
    for key in ("start_ids", "step_ids", "final_ids"):
        assert np.array_equal(decode(now[key]), decode(committed[key])), key
    assert np.abs(decode(now["confidence"]) - decode(committed["confidence"])).max() <= 1e-5
    for key in ("starts", "codes", "candidates", "first_step", "edit_samples", "edit_t0", "seed", "samples", "steps"):
        assert now[key] == committed[key], key
    assert committed["edit_samples"] > 0 and 0 < committed["first_step"] < committed["steps"]
    started = [c["start"] for c in committed["candidates"] if "start" in c]
    assert started and set(started) <= {s["entry"] for s in committed["starts"]}
    assert committed["min_logit_margin"] > 1e-3
