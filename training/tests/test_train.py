"""Training end to end on the CPU with the tiny preset.

The regeneration test proves the sampler and the schedule, not the quality: a model trained for about two
minutes on a small set of CF-rule pairs must regenerate most of them exactly through the full K-step
sampler. (Before decoder clamping, such a model decoded its pairs perfectly in one step from any t and
still regenerated only 17% of them through 20 DDIM steps: exactly the bug this catches.)
"""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from training.checkpoint import load_checkpoint
from training.config import make_config
from training.evaluate import evaluate
from training.export import export_bundle, load_bundle
from training.predictions import read_predictions
from training.train import train

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cf_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cf-tiny")
    cfg = make_config("tiny", {"train_subset": 32, "finetune_steps": 400, "lr": 2e-3, "warmup_steps": 20,
                               "check_pairs": 32, "log_every": 100})
    cfg.train.language = "cf"
    cfg.train.out_dir = str(out)
    summary = train(cfg)
    return out, summary


def test_tiny_cf_model_regenerates_its_training_pairs(cf_run):
    _, summary = cf_run
    check = summary["training_pairs_check"]
    assert check["n"] == 32
    assert check["top1"] >= 75.0, check


def test_run_directory_and_log(cf_run):
    out, summary = cf_run
    assert (out / "ckpt.pt").exists() and (out / "tokenizer.json").exists()
    log = json.loads((out / "train_log.json").read_text())
    assert log["phases"]["finetune"]["steps"] == 400
    per_t = log["phases"]["finetune"]["loss_per_t_bucket"]["ce"]
    assert len(per_t) == 10
    assert summary["parameters"] > 0


def test_predictions_file_and_bundle_scores(cf_run, tmp_path):
    out, _ = cf_run
    model, cfg, tok = load_checkpoint(out)
    scores = evaluate(model, tok, cfg, "cf", "test", steps=5, samples=2, limit=12, out=tmp_path / "p.jsonl")
    rows = read_predictions(tmp_path / "p.jsonl")
    assert len(rows) == 12 == scores["n"]
    assert all(r["language"] == "cf" and r["steps"] == 5 and r["samples"] == 2 and "table" in r for r in rows)
    assert all(1 <= len(r["candidates"]) <= 2 for r in rows)
    # the exported (int8) bundle gives a model that samples the same way as the checkpoint it came from
    export_bundle(model, cfg, out / "tokenizer.json", tmp_path / "bundle")
    bundled, cfg2, tok2 = load_bundle(tmp_path / "bundle")
    again = evaluate(bundled, tok2, cfg2, "cf", "train", steps=10, samples=1, limit=32)
    first = evaluate(model, tok, cfg, "cf", "train", steps=10, samples=1, limit=32)
    assert abs(again["top1"] - first["top1"]) <= 10.0, (again, first)


def test_pretraining_phase_runs_both_tasks(tmp_path):
    cfg = make_config("tiny", {"pretrain_steps": 3, "finetune_steps": 2, "check_pairs": 0, "log_every": 1, "batch_size": 8})
    cfg.train.language = "bash"
    cfg.train.out_dir = str(tmp_path)
    summary = train(cfg)
    assert summary["phases"]["pretrain"]["steps"] == 3 and summary["phases"]["finetune"]["steps"] == 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_distributed_training_with_two_processes(tmp_path):
    """DistributedDataParallel over gloo on the CPU: two ranks train in lockstep and rank 0 saves.

    The ranks are started with the environment torchrun gives them (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_*):
    Debian's PyTorch 1.13 torchrun cannot start workers under Python 3.11 (its Std enum parsing returns None);
    on PyTorch 2 `torchrun --nproc_per_node 2 -m training.train ...` does the same.
    """
    port = str(free_port())
    cmd = [sys.executable, "-m", "training.train", "--language", "cf", "--preset", "tiny", "--out", str(tmp_path),
           "--finetune_steps", "4", "--check_pairs", "0", "--batch_size", "8", "--log_every", "1"]
    procs = []
    for rank in range(2):
        env = {**os.environ, "OMP_NUM_THREADS": "1", "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2",
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": port}
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), "\n".join(o[-2000:] for o in outputs)
    log = json.loads((tmp_path / "train_log.json").read_text())
    assert log["world_size"] == 2 and log["phases"]["finetune"]["steps"] == 4
    assert "(world 2)" in outputs[0]
    state = torch.load(tmp_path / "ckpt.pt", map_location="cpu", weights_only=True)
    assert all(torch.isfinite(v).all() for v in state["model"].values())
