import hashlib
import json

import numpy as np
import pytest
import torch

from training.config import make_config
from training.export import SHARD_BYTES, dequantize_int8, export_bundle, load_bundle, quantize_int8, read_bundle_state
from training.tokenizer import tokenizer_path
from training.model import CodeFusion, step_flops_formula


def small_model(preset="tiny"):
    cfg = make_config(preset)
    cfg.train.language = "cf"
    cfg.model.vocab_size = 512
    torch.manual_seed(0)
    return CodeFusion(cfg.model, cfg.diffusion.T).eval(), cfg


def test_int8_per_row_quantisation_error_is_bounded():
    w = torch.randn(64, 48) * torch.linspace(0.01, 3, 64)[:, None]  # rows of very different scales
    q, scale = quantize_int8(w)
    back = dequantize_int8(q, scale)
    err = np.abs(back - w.numpy()).max(axis=1)
    assert np.all(err <= scale / 2 + 1e-7)  # at most half a quantisation step per row
    assert q.dtype == np.int8 and np.abs(q).max() == 127


def test_bundle_round_trip_reproduces_the_model(tmp_path):
    model, cfg = small_model()
    manifest = export_bundle(model, cfg, tokenizer_path("cf"), tmp_path)
    loaded, cfg2, tok = load_bundle(tmp_path)
    assert cfg2.to_dict() == cfg.to_dict()
    assert manifest["model"]["parameters"] == model.num_parameters()
    assert manifest["model"]["flops"] == step_flops_formula(cfg.model)
    assert "denoiser.time_mlp.fc1.weight" in {t["name"] for t in manifest["tensors"]}
    dtypes = {t["name"]: t["dtype"] for t in manifest["tensors"]}
    assert dtypes["denoiser.layers.0.mlp.fc1.weight"] == "int8"
    assert dtypes["code_emb.weight"] == "float16" and dtypes["denoiser.layers.0.ln1.bias"] == "float32"
    for name, p in model.state_dict().items():
        q = loaded.state_dict()[name]
        assert torch.allclose(p, q, atol=0.02 * p.abs().max().item() + 1e-6), name
    assert len(manifest["diffusion"]["alpha"]) == cfg.diffusion.T + 1
    assert (tmp_path / "tokenizer.json").exists() and tok.vocab_size == 512


def test_shards_are_bounded_and_hashed(tmp_path):
    model, cfg = small_model("base")
    manifest = export_bundle(model, cfg, tokenizer_path("cf"), tmp_path)
    assert len(manifest["shards"]) > 1
    for shard in manifest["shards"]:
        payload = (tmp_path / shard["file"]).read_bytes()
        assert len(payload) == shard["byteLength"] <= SHARD_BYTES
        assert hashlib.sha256(payload).hexdigest() == shard["sha256"]
    for t in manifest["tensors"]:
        assert t["offset"] % 16 == 0 and t["offset"] + t["byteLength"] <= manifest["shards"][t["shard"]]["byteLength"]
    # within the 16 MiB a language may ship
    assert manifest["totalBytes"] < 16 * 2**20


def test_corrupt_shard_and_wrong_version_are_refused(tmp_path):
    model, cfg = small_model()
    export_bundle(model, cfg, tokenizer_path("cf"), tmp_path)
    shard = tmp_path / "weights-000.bin"
    payload = bytearray(shard.read_bytes())
    payload[100] ^= 0xFF
    shard.write_bytes(bytes(payload))
    with pytest.raises(ValueError, match="SHA-256"):
        read_bundle_state(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["version"] = 99
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="version"):
        read_bundle_state(tmp_path)


def test_a_failed_export_leaves_the_bundle_as_it_was(tmp_path):
    model, cfg = small_model()
    bundle = tmp_path / "cf"
    export_bundle(model, cfg, tokenizer_path("cf"), bundle)
    before = {p.name: p.read_bytes() for p in bundle.iterdir()}
    other, cfg2 = small_model()
    torch.nn.init.normal_(other.head_bias)  # a different model, so a half-written bundle would show
    with pytest.raises(FileNotFoundError):
        export_bundle(other, cfg2, tokenizer_path("cf"), bundle, eval_file=tmp_path / "missing-eval.json")
    assert {p.name: p.read_bytes() for p in bundle.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["cf"]  # no staging directory left behind
    # and a successful one replaces it, keeping files the export does not write
    (bundle / "notes.txt").write_text("kept")
    export_bundle(other, cfg2, tokenizer_path("cf"), bundle)
    assert (bundle / "manifest.json").read_bytes() != before["manifest.json"]
    assert (bundle / "notes.txt").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cf"]
