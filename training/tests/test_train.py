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


@pytest.fixture(scope="module")
def cf_conditioned_run(tmp_path_factory):
    """The tiny model with slots, two retrieved codes (leave-one-out) and the denoising-loss ranking of the pool."""
    out = tmp_path_factory.mktemp("cf-tiny-conditioned")
    cfg = make_config("tiny", {"train_subset": 32, "finetune_steps": 400, "lr": 2e-3, "warmup_steps": 20,
                               "check_pairs": 32, "log_every": 100, "slots": True, "neighbours": 2,
                               "max_utterance_len": 64, "rank": "denoise", "pool_retrieved": 3})
    cfg.train.language = "cf"
    cfg.train.out_dir = str(out)
    summary = train(cfg)
    return out, summary


def test_conditioned_model_regenerates_its_training_pairs(cf_conditioned_run):
    """With slots and leave-one-out retrieval the sampler still regenerates most training pairs: the input layout,
    the placeholder ids and the filling back are consistent between training and sampling."""
    out, summary = cf_conditioned_run
    assert (out / "tagger.json").exists() and (out / "index.json").exists()
    check = summary["training_pairs_check"]
    assert check["n"] == 32 and check["top1"] >= 75.0, check


def test_conditioned_bundle_ranks_the_pool(cf_conditioned_run, tmp_path):
    """The exported bundle carries the tagger and the index, and ranking by denoising loss puts a training pair's
    own code first among its pool more often than not (the score is the model's, not noise)."""
    from training.checkpoint import load_conditioner, schedule_for
    from training.sample import generate

    out, _ = cf_conditioned_run
    model, cfg, tok = load_checkpoint(out)
    export_bundle(model, cfg, out / "tokenizer.json", tmp_path / "bundle")
    bundled, cfg2, tok2 = load_bundle(tmp_path / "bundle")
    cond = load_conditioner(tmp_path / "bundle", cfg2, tok2)
    manifest = json.loads((tmp_path / "bundle" / "manifest.json").read_text())
    assert manifest["conditioning"]["index"]["file"] == "index.json" and manifest["sampler"]["rank_times"]
    from training.data import load_benchmark

    pairs = load_benchmark("cf", "train")[:32]
    alpha, sigma = schedule_for(cfg2)
    ranked = generate(bundled, tok2, alpha, sigma, [p.utterance for p in pairs], 10, 2, 0, cond=cond, rank="denoise",
                      pool_retrieved=3, exclude=list(range(32)))
    first = sum(" ".join(r[0]["code"].split()) == " ".join(p.code.split()) for r, p in zip(ranked, pairs) if r)
    assert first >= 20, first
    assert all(0.0 <= c["score"] <= 1.0 for r in ranked for c in r)


def test_resume_goes_on_from_the_saved_step(tmp_path, capsys):
    """A run stopped mid-phase goes on from its last save with --resume: same step count in the end, not more."""
    from training.train import Trainer

    cfg = make_config("tiny", {"finetune_steps": 8, "check_pairs": 0, "log_every": 1, "batch_size": 8})
    cfg.train.language = "cf"
    cfg.train.out_dir = str(tmp_path)
    cfg.model.vocab_size = 512
    Trainer(cfg, torch.device("cpu")).save_resume("finetune", 5, 1.0)
    cfg.train.resume = True
    summary = train(cfg)
    assert "resumed from" in capsys.readouterr().out
    assert summary["phases"]["finetune"]["steps"] == 8
    records = json.loads((tmp_path / "train_log.json").read_text())["log"]["finetune"]["records"]
    assert [r["step"] for r in records] == [6, 7, 8]  # steps 1..5 were done before the stop


def test_resume_extends_a_finished_phase_given_a_larger_budget(tmp_path, capsys):
    """A finished run resumed with more steps goes on from its last step; with the same budget it stays done."""
    cfg = make_config("tiny", {"finetune_steps": 3, "check_pairs": 0, "log_every": 1, "batch_size": 8})
    cfg.train.language = "cf"
    cfg.train.out_dir = str(tmp_path)
    cfg.model.vocab_size = 512
    train(cfg)
    cfg.train.resume = True
    assert train(cfg)["phases"]["finetune"]["steps"] == 3
    assert "already done in the resumed run" in capsys.readouterr().out
    cfg.train.finetune_steps = 5
    summary = train(cfg)
    assert "extending the finished phase from step 3" in capsys.readouterr().out
    assert summary["phases"]["finetune"]["steps"] == 5
    records = json.loads((tmp_path / "train_log.json").read_text())["log"]["finetune"]["records"]
    assert [r["step"] for r in records] == [1, 2, 3, 4, 5]


def test_t_sampling_loss_draws_each_tenth_of_t_by_its_cross_entropy_and_uniform_draws_all():
    from training.train import T_BUCKETS, Trainer

    cfg = make_config("tiny")
    cfg.model.vocab_size = 32
    cfg.train.t_sampling, cfg.train.t_floor = "loss", 0.25
    trainer = Trainer(cfg, torch.device("cpu"))
    T, n = cfg.diffusion.T, 40000
    weights = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 3.0, 3.0])  # the window's CE per tenth
    t = trainer.draw_t(n, weights)
    assert int(t.min()) >= 1 and int(t.max()) <= T
    share = torch.bincount((t - 1) * T_BUCKETS // T, minlength=T_BUCKETS).float() / n
    floored = weights.clamp(min=0.25 * float(weights.mean()))  # a fitted tenth keeps a quarter of the mean
    assert torch.allclose(share, floored / floored.sum(), atol=0.01), share
    # within a tenth, every t of it is drawn: the last tenth spans 1081..1200
    last = t[t > T - T // T_BUCKETS]
    assert int(last.min()) == T - T // T_BUCKETS + 1 and int(last.max()) == T
    # before the first logged window (no weights) and with t_sampling uniform: uniform over 1..T
    for weights_or_none, mode in ((None, "loss"), (weights, "uniform")):
        cfg.train.t_sampling = mode
        share = torch.bincount((trainer.draw_t(n, weights_or_none) - 1) * T_BUCKETS // T, minlength=T_BUCKETS).float() / n
        assert torch.allclose(share, torch.full((T_BUCKETS,), 0.1), atol=0.01), (mode, share)
