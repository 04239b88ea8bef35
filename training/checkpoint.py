"""A training run's directory: ckpt.pt (config + EMA weights) and tokenizer.json beside it."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Tuple

import torch

from .config import Config
from .diffusion import alpha_sigma_table
from .model import CodeFusion
from .tokenizer import Tokenizer

ROOT = Path(__file__).resolve().parent.parent


def tokenizer_path(language: str) -> Path:
    """The committed tokenizer of a language (training/tokenizers/<language>.json)."""
    return ROOT / "training" / "tokenizers" / f"{language}.json"


def save_checkpoint(run_dir: Path, model: CodeFusion, cfg: Config, tokenizer_file: Path, extra: dict) -> Path:
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if Path(tokenizer_file).resolve() != (run_dir / "tokenizer.json").resolve():
        shutil.copyfile(tokenizer_file, run_dir / "tokenizer.json")
    path = run_dir / "ckpt.pt"
    torch.save({"config": cfg.to_dict(), "model": model.state_dict(), **extra}, path)
    return path


def load_checkpoint(run_dir: Path, device: str = "cpu") -> Tuple[CodeFusion, Config, Tokenizer]:
    run_dir = Path(run_dir)
    state = torch.load(run_dir / "ckpt.pt", map_location="cpu")
    cfg = Config.from_dict(state["config"])
    model = CodeFusion(cfg.model, cfg.diffusion.T)
    model.load_state_dict(state["model"])
    model.to(device).eval()
    return model, cfg, Tokenizer.from_file(run_dir / "tokenizer.json")


def schedule_for(cfg: Config) -> Tuple[torch.Tensor, torch.Tensor]:
    """alpha and sigma tables (CPU, float32) for a config."""
    return alpha_sigma_table(cfg.diffusion, cfg.model.d_embed)
