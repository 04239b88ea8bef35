"""Read a browser bundle back into PyTorch: the manifest, the dequantised weights and the model (export.py writes it).

Weights are dequantised exactly as the engine does (float32 q * scale), so evaluating a bundle scores the weights
that ship. This module imports no sampler and no exporter: the sampler's CLI, evaluation, benches and training
(--init_bundle) read bundles through it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Dict, Tuple

import numpy as np
import torch

from .config import Config
from .model import CodeFusion
from .tokenizer import Tokenizer

FORMAT = "codefusion-bundle"
FORMAT_VERSION = 1


def dequantize_int8(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """float32(q) * float32(scale) per row, in float32 arithmetic (what the engine does)."""
    return (q.reshape(q.shape[0], -1).astype(np.float32) * scale[:, None].astype(np.float32)).reshape(q.shape)


def read_bundle_state(bundle_dir: Path) -> Tuple[dict, Dict[str, torch.Tensor]]:
    """The manifest and the dequantised float32 state dict; every shard's SHA-256 is verified."""
    bundle_dir = Path(bundle_dir)
    manifest = json.loads((bundle_dir / "manifest.json").read_text())
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise ValueError(f"{bundle_dir}: not a {FORMAT} version {FORMAT_VERSION} bundle")
    shards = []
    for shard in manifest["shards"]:
        payload = (bundle_dir / shard["file"]).read_bytes()
        if hashlib.sha256(payload).hexdigest() != shard["sha256"]:
            raise ValueError(f"{bundle_dir / shard['file']}: SHA-256 does not match the manifest")
        shards.append(payload)
    state = {}
    for t in manifest["tensors"]:
        raw = shards[t["shard"]][t["offset"]: t["offset"] + t["byteLength"]]
        if t["dtype"] == "int8":
            qz = t["quantization"]
            scale_bytes = shards[qz["scaleShard"]][qz["scaleOffset"]: qz["scaleOffset"] + 4 * qz["scaleLength"]]
            array = dequantize_int8(np.frombuffer(raw, np.int8).reshape(t["shape"]), np.frombuffer(scale_bytes, np.float32))
        else:
            array = np.frombuffer(raw, np.float16 if t["dtype"] == "float16" else np.float32).astype(np.float32).reshape(t["shape"])
        state[t["name"]] = torch.from_numpy(array.copy())
    return manifest, state


def load_bundle(bundle_dir: Path, device: str = "cpu") -> Tuple[CodeFusion, Config, Tokenizer]:
    """The bundle's model (dequantised weights, eval mode), its config and its tokenizer."""
    manifest, state = read_bundle_state(bundle_dir)
    cfg = bundle_config(manifest)
    model = CodeFusion(cfg.model, cfg.diffusion.T)
    model.load_state_dict(state)
    model.to(device).eval()
    return model, cfg, Tokenizer.from_file(Path(bundle_dir) / manifest["tokenizer"]["file"])




def bundle_config(manifest: dict) -> Config:
    """The Config a manifest describes; what the manifest derives (parameters, flops, the alpha/sigma tables, the
    sampler's rank_times) and fields this code does not know are left out, missing fields keep their defaults."""
    defaults = Config()

    def known(section: str, values: dict) -> dict:
        names = {f.name for f in dataclasses.fields(getattr(defaults, section))}
        return {k: v for k, v in values.items() if k in names}

    base = defaults.to_dict()
    return Config.from_dict({
        "model": {**base["model"], **known("model", manifest["model"])},
        "diffusion": {**base["diffusion"], **known("diffusion", manifest["diffusion"])},
        "sampler": {**base["sampler"], **known("sampler", manifest["sampler"])},
        "train": {**base["train"], **known("train", manifest["training"])},
    })
