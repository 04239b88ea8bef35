"""A training run's directory: ckpt.pt (config + EMA weights) and tokenizer.json beside it.

ckpt.pt holds only tensors and strings (the config and any extra record as JSON text), so it loads with
torch.load(weights_only=True) on PyTorch 1.13 (whose safe unpickler refuses floats) and 2.x alike.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Tuple

import torch

from .config import Config
from .diffusion import alpha_sigma_table
from .model import CodeFusion
from .tokenizer import Tokenizer



def save_checkpoint(run_dir: Path, model: CodeFusion, cfg: Config, tokenizer_file: Path, extra: dict) -> Path:
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if Path(tokenizer_file).resolve() != (run_dir / "tokenizer.json").resolve():
        shutil.copyfile(tokenizer_file, run_dir / "tokenizer.json")
    path = run_dir / "ckpt.pt"
    torch.save({"config": json.dumps(cfg.to_dict()), "model": model.state_dict(), "extra": json.dumps(extra)}, path)
    return path


def resolve_device(name: str) -> str:
    """The config's device setting ("auto", "cpu", "cuda") as a device to use: auto is CUDA when there is a GPU."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def load_checkpoint(run_dir: Path, device: str = "cpu") -> Tuple[CodeFusion, Config, Tokenizer]:
    run_dir = Path(run_dir)
    state = torch.load(run_dir / "ckpt.pt", map_location="cpu", weights_only=True)
    cfg = Config.from_dict(json.loads(state["config"]))
    model = CodeFusion(cfg.model, cfg.diffusion.T)
    model.load_state_dict(state["model"])
    model.to(device).eval()
    return model, cfg, Tokenizer.from_file(run_dir / "tokenizer.json")


def schedule_for(cfg: Config) -> Tuple[torch.Tensor, torch.Tensor]:
    """alpha and sigma tables (CPU, float32) for a config."""
    return alpha_sigma_table(cfg.diffusion, cfg.model.d_embed)


def load_conditioner(directory: Path, cfg: Config, tok: Tokenizer):
    """The slot tagger and retrieval index saved beside a checkpoint or inside a bundle (None for a plain model)."""
    from .retrieval import Conditioner, RetrievalIndex
    from .slots import load_tagger

    mc = cfg.model
    if not mc.slots and mc.neighbours <= 0:
        return None
    directory = Path(directory)
    tagger = load_tagger(directory / "tagger.json") if mc.slots else None
    index = RetrievalIndex.load(directory / "index.json") if mc.neighbours > 0 else None
    channel = load_channel(directory, index) if cfg.sampler.rank == "channel" else None
    return Conditioner(tok, tagger, index, mc.neighbours, mc.max_utterance_len, mc.request_len, mc.slots, mc.columns,
                       channel, language=cfg.train.language if cfg.sampler.own_literals else None)


def load_channel(directory: Path, index):
    """The channel table (channel.py) of a bundle or run: its channel.json, or learnt from the index's pairs if missing
    (a run trained before rank "channel" existed keeps it as its channel.json)."""
    from .channel import Channel, train_channel

    if index is None:
        raise ValueError('rank "channel" needs a retrieval index (model.neighbours > 0)')
    path = Path(directory) / "channel.json"
    if path.exists():
        return Channel.load(path)
    channel = train_channel([(e.utterance, e.code) for e in index.entries])
    if (Path(directory) / "ckpt.pt").exists():  # a run keeps it; a bundle is only ever written by export
        channel.save(path)
    return channel  # train_channel rounds as the file stores, so this is what a reader of channel.json gets
