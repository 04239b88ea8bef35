"""Export a trained model as a browser bundle (training/bundle.py reads one back into PyTorch).

    /usr/bin/python3 -m training.export --run runs/cf-base --out public/models/cf [--eval runs/cf-base/eval.json]

A bundle is a directory: manifest.json, tokenizer.json, weights-NNN.bin shards (each at most 4 MiB) and,
when given, eval.json. The format is the contract with the tfjs engine: docs/model-format.md.
Weights: 2-D matrices as int8 with one float32 scale per output row (symmetric, scale = max|row| / 127), the
diffusion embedding L and the position embeddings as float16, vectors (biases, LayerNorm) as float32.
bundle.load_bundle() dequantises exactly as the engine does (float32 q * scale), so evaluating a bundle scores
the weights that ship.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import torch

from .bundle import FORMAT, FORMAT_VERSION, dequantize_int8, load_bundle, read_bundle_state  # noqa: F401 (re-exported)
from .checkpoint import load_checkpoint, schedule_for
from .config import Config
from .model import CodeFusion, step_flops_formula
from .sample import rank_times
from .slots import BASE_SLOT_TOKENS, SEP, SLOT_TOKENS
from .tokenizer import MASK_ID, PAD_ID, Tokenizer

SHARD_BYTES = 4 * 1024 * 1024
ALIGN = 16

# Tensors kept at half precision rather than int8: the diffusion space itself and the position tables.
FLOAT16_TENSORS = ("code_emb.weight", "encoder.pos_emb", "denoiser.pos_emb", "decoder.pos_emb")


def tensor_dtype(name: str, tensor: torch.Tensor, weights: str) -> str:
    """The stored dtype of a parameter for a given weight precision ("int8", "float16" or "float32")."""
    if weights == "float32" or tensor.ndim < 2:
        return "float32"
    if weights == "float16" or name in FLOAT16_TENSORS:
        return "float16"
    return "int8"


def quantize_int8(w: torch.Tensor) -> Tuple[np.ndarray, np.ndarray]:
    """Symmetric per-output-row int8: q = round(w / scale), scale = max|row| / 127 (1 for an all-zero row)."""
    w2 = w.detach().float().reshape(w.shape[0], -1)
    scale = w2.abs().amax(dim=1) / 127.0
    scale = torch.where(scale > 0, scale, torch.ones_like(scale))
    q = torch.clamp(torch.round(w2 / scale[:, None]), -127, 127).to(torch.int8)
    return q.reshape(w.shape).numpy(), scale.numpy().astype(np.float32)


class ShardWriter:
    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.shards: List[bytearray] = [bytearray()]

    def add(self, payload: bytes) -> Tuple[int, int]:
        """Place bytes (aligned) in the current shard, opening a new one when it would pass SHARD_BYTES."""
        if len(payload) > SHARD_BYTES:
            raise ValueError(f"a tensor of {len(payload)} bytes does not fit in one {SHARD_BYTES}-byte shard")
        shard = self.shards[-1]
        offset = -(-len(shard) // ALIGN) * ALIGN
        if offset + len(payload) > SHARD_BYTES:
            self.shards.append(bytearray())
            shard, offset = self.shards[-1], 0
        shard.extend(b"\0" * (offset - len(shard)))
        shard.extend(payload)
        return len(self.shards) - 1, offset

    def write(self) -> List[dict]:
        table = []
        for i, shard in enumerate(self.shards):
            name = f"weights-{i:03d}.bin"
            (self.out_dir / name).write_bytes(bytes(shard))
            table.append({"file": name, "byteLength": len(shard), "sha256": hashlib.sha256(shard).hexdigest()})
        return table


def export_bundle(model: CodeFusion, cfg: Config, tokenizer_file: Path, out_dir: Path, weights: str = "int8",
                  eval_file: Path | None = None, conditioning_dir: Path | None = None) -> dict:
    """Write the bundle for `model` into out_dir and return the manifest. The slot tagger and retrieval index are
    read from conditioning_dir (default: the tokenizer's directory, i.e. the run).

    The bundle is written to a staging directory beside out_dir first and moved in only when every file is
    written: an export that fails (a missing tagger or eval file, a tensor too large) leaves out_dir as it was.
    Other files in out_dir stay; old shards, and a tagger, index or channel table the new model does not use, go."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-export-", dir=out_dir.parent))
    try:
        manifest = _write_bundle(model, cfg, tokenizer_file, staging, weights, eval_file,
                                 Path(conditioning_dir or Path(tokenizer_file).parent))
        for old in out_dir.glob("weights-*.bin"):
            old.unlink()
        for name in ("tagger.json", "index.json", "channel.json"):
            (out_dir / name).unlink(missing_ok=True)
        for path in sorted(staging.iterdir()):  # the manifest last: a reader never sees it before its shards
            if path.name != "manifest.json":
                os.replace(path, out_dir / path.name)
        os.replace(staging / "manifest.json", out_dir / "manifest.json")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _write_bundle(model: CodeFusion, cfg: Config, tokenizer_file: Path, out_dir: Path, weights: str,
                  eval_file: Path | None, conditioning_dir: Path) -> dict:
    writer = ShardWriter(out_dir)
    tensors = []
    for name, value in model.state_dict().items():
        dtype = tensor_dtype(name, value, weights)
        entry = {"name": name, "shape": list(value.shape), "dtype": dtype}
        if dtype == "int8":
            q, scale = quantize_int8(value)
            entry["shard"], entry["offset"] = writer.add(q.tobytes())
            entry["byteLength"] = q.nbytes
            shard, offset = writer.add(scale.tobytes())
            entry["quantization"] = {"scheme": "int8-symmetric-per-row", "axis": 0, "scaleShard": shard,
                                     "scaleOffset": offset, "scaleLength": int(scale.shape[0])}
        else:
            array = value.detach().cpu().numpy().astype(np.float16 if dtype == "float16" else np.float32)
            entry["shard"], entry["offset"] = writer.add(array.tobytes())
            entry["byteLength"] = array.nbytes
        tensors.append(entry)
    shards = writer.write()
    shutil.copyfile(tokenizer_file, out_dir / "tokenizer.json")
    conditioning = export_conditioning(cfg, conditioning_dir, out_dir)
    alpha, sigma = schedule_for(cfg)
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "language": cfg.train.language,
        # derived from the config, like parameters: flops is the matmul count of one denoising step (model.py)
        "model": {**dataclasses.asdict(cfg.model), "parameters": model.num_parameters(),
                  "flops": step_flops_formula(cfg.model)},
        "diffusion": {**dataclasses.asdict(cfg.diffusion), "alpha": alpha.tolist(), "sigma": sigma.tolist()},
        # rank_times: where the denoising-loss ranking reads the model (sample.rank_times), for every bundle
        "sampler": {**dataclasses.asdict(cfg.sampler), "rank_times": rank_times(cfg.diffusion.T)},
        "training": dataclasses.asdict(cfg.train),
        "tokenizer": {"file": "tokenizer.json", "padId": PAD_ID, "maskId": MASK_ID, "vocabSize": cfg.model.vocab_size},
        **({"conditioning": conditioning} if conditioning else {}),
        "weights": weights,
        "tensors": tensors,
        "shards": shards,
        "totalBytes": sum(s["byteLength"] for s in shards),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    if eval_file is not None:
        manifest = attach_eval(out_dir, eval_file)
    return manifest


def export_conditioning(cfg: Config, run_dir: Path, out_dir: Path) -> dict | None:
    """Copy the slot tagger and the retrieval index into the bundle; the manifest's "conditioning" entry names them
    with their SHA-256, and says which ids are placeholders."""
    mc = cfg.model
    wanted = {"tagger": ("tagger.json", mc.slots), "index": ("index.json", mc.neighbours > 0),
              "channel": ("channel.json", cfg.sampler.rank == "channel")}
    if cfg.sampler.rank == "channel":
        from .checkpoint import load_channel
        from .retrieval import RetrievalIndex

        load_channel(run_dir, RetrievalIndex.load(run_dir / "index.json"))  # learnt from the index's pairs if missing
    payloads = {key: (run_dir / name).read_bytes() for key, (name, on) in wanted.items() if on}
    for name, _ in wanted.values():
        (out_dir / name).unlink(missing_ok=True)
    if not payloads:
        return None
    files = {}
    for key, payload in payloads.items():
        name = wanted[key][0]
        (out_dir / name).write_bytes(payload)
        files[key] = {"file": name, "byteLength": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    return {
        **files,
        "slotTokens": list(SLOT_TOKENS if mc.columns else BASE_SLOT_TOKENS),
        "separator": SEP,
        "baseVocabSize": mc.base_vocab_size,
    }


def attach_eval(bundle_dir: Path, eval_file: Path) -> dict:
    """Put an evaluation report into a bundle as eval.json and name it in the manifest."""
    bundle_dir = Path(bundle_dir)
    if Path(eval_file).resolve() != (bundle_dir / "eval.json").resolve():
        shutil.copyfile(eval_file, bundle_dir / "eval.json")
    manifest = json.loads((bundle_dir / "manifest.json").read_text())
    manifest["eval"] = "eval.json"
    (bundle_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", required=True, help="training run directory (ckpt.pt + tokenizer.json)")
    parser.add_argument("--out", required=True, help="bundle directory, e.g. public/models/cf")
    parser.add_argument("--weights", default="int8", choices=["int8", "float16", "float32"])
    parser.add_argument("--eval", default=None, help="evaluation report to ship beside the model (eval.json)")
    args = parser.parse_args(argv)
    if args.eval and not Path(args.eval).is_file():
        parser.error(f"--eval {args.eval}: no such file (training.pipeline writes one; or leave --eval out)")
    model, cfg, _ = load_checkpoint(Path(args.run))
    manifest = export_bundle(model, cfg, Path(args.run) / "tokenizer.json", Path(args.out), args.weights,
                             Path(args.eval) if args.eval else None)
    print(f"wrote {args.out}: {manifest['model']['parameters'] / 1e6:.2f}M parameters, "
          f"{manifest['totalBytes'] / 2**20:.2f} MiB in {len(manifest['shards'])} shards ({args.weights})")


if __name__ == "__main__":
    main()
