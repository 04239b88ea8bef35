"""Train a CodeFusion model for one language: pre-training on unlabelled snippets, then fine-tuning on pairs.

    /usr/bin/python3 -m training.train --language cf --preset tiny --out runs/cf-tiny --finetune_steps 1500
    torchrun --nproc_per_node 2 -m training.train --language bash --preset base --out runs/bash ...

Each phase runs until its step or wall-clock limit (config: pretrain_steps/_seconds, finetune_steps/_seconds).
The learning rate warms up, then follows a cosine over the phase's progress (the larger of the step and time
fractions), so a time-limited run on a fast or slow GPU still completes its schedule. At the end rank 0 saves
ckpt.pt (EMA weights) and checks that the sampler regenerates training pairs (printed as exact match).
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import json
import math
import os
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

import torch
import torch.distributed as dist

from . import data
from .bundle import bundle_config, read_bundle_state
from .checkpoint import resolve_device, save_checkpoint, schedule_for
from .config import Config, add_config_arguments, make_config, parse_overrides
from .model import CodeFusion
from .predictions import exact_match_table
from .retrieval import Conditioner, build_index
from .sample import generate, known_starts
from .slots import BASE_SLOT_TOKENS, SLOT_TOKENS, save_tagger, train_tagger
from .tensors import cpd_inputs, encode_codes, identifier_token_table, pad_rows, pair_tensors
from .tokenizer import PAD_ID, Tokenizer, tokenizer_path

T_BUCKETS = 10


class Batch(NamedTuple):
    """One training batch. start_ids and edit: the code each item is noised from and which items are edit starts
    (edit training, finetuning_batches); None when every item is noised from its own code."""

    utt_ids: torch.Tensor
    utt_mask: torch.Tensor
    code_ids: torch.Tensor
    uncond: Optional[torch.Tensor]
    start_ids: Optional[torch.Tensor] = None
    edit: Optional[torch.Tensor] = None
LOSS_TERMS = ("denoise", "decode", "ce")


def bucket_means(sums: torch.Tensor) -> Dict[str, list]:
    """Mean of each loss term per bucket of t from [4, T_BUCKETS] sums (the last row counts items)."""
    means = (sums[:3] / sums[3].clamp(min=1)).cpu().tolist()
    counts = sums[3].cpu().tolist()
    return {key: [round(v, 4) if c > 0 else None for v, c in zip(means[i], counts)] for i, key in enumerate(LOSS_TERMS)}


class Trainer:
    def __init__(self, cfg: Config, device: torch.device, rank: int = 0, world: int = 1):
        self.cfg, self.device, self.rank, self.world = cfg, device, rank, world
        tc = cfg.train
        torch.manual_seed(tc.seed)  # same initial weights on every rank
        self.raw_model = CodeFusion(cfg.model, cfg.diffusion.T).to(device)
        self.ema = copy.deepcopy(self.raw_model).eval()
        for p in self.ema.parameters():
            p.requires_grad_(False)
        self.model: torch.nn.Module = self.raw_model
        if world > 1:
            self.model = torch.nn.parallel.DistributedDataParallel(
                self.raw_model, device_ids=[device.index] if device.type == "cuda" else None
            )
        if tc.compile and hasattr(torch, "compile"):
            self.model = torch.compile(self.model)
        self.opt = torch.optim.AdamW(self.raw_model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay, betas=(0.9, 0.98))
        alpha, sigma = schedule_for(cfg)
        self.alpha, self.sigma = alpha.to(device), sigma.to(device)
        self.generator = torch.Generator().manual_seed(tc.seed + 1000 + rank)  # different batches per rank
        self.autocast = self._autocast_context()
        self.ema_updates = 0
        self.log: Dict[str, dict] = {}  # per phase: steps, seconds, log records, loss per bucket of t
        self.resume_path = Path(cfg.train.out_dir) / "resume.pt"
        self.resumed: Optional[dict] = None  # {"phase", "step", "seconds"} of the state loaded by load_resume()

    # --- resumable runs: the whole training state every save_every_seconds, so a run can stop and go on later ---
    def save_resume(self, phase: str, step: int, seconds: float) -> None:
        if self.rank != 0:
            return
        state = {"phase": phase, "step": step, "seconds": seconds, "ema_updates": self.ema_updates,
                 "model": self.raw_model.state_dict(), "ema": self.ema.state_dict(), "opt": self.opt.state_dict(),
                 "generator": self.generator.get_state(), "log": json.dumps(self.log)}
        tmp = self.resume_path.with_suffix(".tmp")
        self.resume_path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(state, tmp)
        os.replace(tmp, self.resume_path)

    def load_resume(self) -> bool:
        if not self.resume_path.exists():
            return False
        state = torch.load(self.resume_path, map_location=self.device)
        self.raw_model.load_state_dict(state["model"])
        self.ema.load_state_dict(state["ema"])
        self.opt.load_state_dict(state["opt"])
        self.generator.set_state(state["generator"].cpu() if hasattr(state["generator"], "cpu") else state["generator"])
        self.ema_updates = int(state["ema_updates"])
        self.log = json.loads(state["log"])
        self.resumed = {"phase": state["phase"], "step": int(state["step"]), "seconds": float(state["seconds"])}
        print(f"resumed from {self.resume_path}: {self.resumed}", flush=True)
        return True

    def init_from_bundle(self, bundle_dir: Path) -> None:
        """Start from a bundle's dequantised weights (model and EMA; a fresh optimiser): a run goes on from what ships.
        The bundle's architecture must be this config's."""
        manifest, state = read_bundle_state(bundle_dir)
        ours, theirs = dataclasses.asdict(self.cfg.model), bundle_config(manifest).model
        differ = [f"{k}: {getattr(theirs, k)!r} in the bundle, {v!r} here" for k, v in ours.items()
                  if k not in ("dropout",) and getattr(theirs, k) != v]
        if differ:
            raise ValueError(f"{bundle_dir} is another architecture: " + "; ".join(differ))
        self.raw_model.load_state_dict(state)
        self.ema.load_state_dict(state)
        print(f"initialised from {bundle_dir} (its dequantised weights)", flush=True)

    def _autocast_context(self):
        want = self.cfg.train.dtype
        if self.device.type == "cuda" and want in ("auto", "bfloat16") and torch.cuda.is_bf16_supported():
            return lambda: torch.autocast("cuda", dtype=torch.bfloat16)
        if want == "bfloat16" and self.device.type == "cpu":
            return lambda: torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext

    def lr_at(self, step: int, progress: float) -> float:
        tc = self.cfg.train
        warm = min(1.0, (step + 1) / max(1, tc.warmup_steps))
        return tc.lr * warm * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress))))

    @torch.no_grad()
    def update_ema(self) -> None:
        self.ema_updates += 1
        decay = min(self.cfg.train.ema_decay, (1 + self.ema_updates) / (10 + self.ema_updates))
        for e, p in zip(self.ema.parameters(), self.raw_model.parameters()):
            e.mul_(decay).add_(p.detach(), alpha=1 - decay)
        for e, b in zip(self.ema.buffers(), self.raw_model.buffers()):
            e.copy_(b)

    def draw_t(self, B: int, t_weights: Optional[torch.Tensor]) -> torch.Tensor:
        """B training times in 1..T: uniform, or (t_sampling "loss", once a window has been logged) a tenth of the range
        drawn by t_weights floored at t_floor of their mean, then uniform within it."""
        T = self.cfg.diffusion.T
        if self.cfg.train.t_sampling not in ("uniform", "loss"):
            raise ValueError(f"t_sampling must be uniform or loss, got {self.cfg.train.t_sampling!r}")
        if self.cfg.train.t_sampling == "uniform" or t_weights is None:
            return torch.randint(1, T + 1, (B,), generator=self.generator).to(self.device)
        weights = t_weights.clamp(min=self.cfg.train.t_floor * float(t_weights.mean()))
        bucket = torch.multinomial(weights, B, replacement=True, generator=self.generator)
        # bucket b holds the t with (t - 1) * T_BUCKETS // T == b: from b*T/10 + 1 to (b+1)*T/10 (rounded as below)
        low = (bucket * T + T_BUCKETS - 1) // T_BUCKETS + 1
        high = ((bucket + 1) * T + T_BUCKETS - 1) // T_BUCKETS
        t = low + (torch.rand(B, generator=self.generator) * (high - low + 1)).long()
        return t.clamp(max=T).to(self.device)

    def run_phase(self, name: str, batch_fn, max_steps: int, max_seconds: float) -> None:
        """Train until max_steps or max_seconds (whichever first; 0 = unlimited, both 0 = skip the phase)."""
        if max_steps <= 0 and max_seconds <= 0:
            return
        records: List[dict] = []
        if name in self.log:
            # A finished phase goes on only when it is given a larger budget (--finetune_seconds 8000 after a
            # 3000-second run): the cosine schedule then restarts from where the new budget puts it.
            done = self.resumed if self.resumed is not None and self.resumed["phase"] == name + ":done" else None
            if done is None or phase_progress(done["step"], done["seconds"], max_steps, max_seconds) >= 1.0:
                print(f"[{name}] already done in the resumed run", flush=True)
                return
            print(f"[{name}] extending the finished phase from step {done['step']} ({done['seconds']:.0f} s)", flush=True)
            records = self.log.pop(name)["records"]
            self.resumed = {**done, "phase": name}
        tc = self.cfg.train
        self.model.train()
        start = time.time()
        step = 0
        if self.resumed is not None and self.resumed["phase"] == name:
            step, start = self.resumed["step"], start - self.resumed["seconds"]
        last_save = time.time()
        # Loss per tenth of the time range, summed on the device over each logging window (no sync per step).
        sums = torch.zeros(4, T_BUCKETS, device=self.device)
        edit_sums = torch.zeros(2, device=self.device)  # CE summed over the edit items of the window, and their count
        per_t: Dict[str, list] = {}
        t_weights: Optional[torch.Tensor] = None  # t_sampling "loss": the last window's CE per tenth of t
        while True:
            progress = phase_progress(step, time.time() - start, max_steps, max_seconds)
            if self._should_stop(progress >= 1.0):
                break
            for group in self.opt.param_groups:
                group["lr"] = self.lr_at(step, progress)
            batch = Batch(*batch_fn())
            utt_ids, utt_mask, code_ids, uncond, start_ids, edit = [x.to(self.device, non_blocking=True) if x is not None else None
                                                                    for x in batch]
            B = code_ids.shape[0]
            t = self.draw_t(B, t_weights)
            if edit is not None:
                # edit items start from their neighbour's code at t <= edit_t0 (drawn only when edit training is on,
                # so a run without it draws the same numbers as before)
                t_edit = torch.randint(1, tc.edit_t0 + 1, (B,), generator=self.generator).to(self.device)
                t = torch.where(edit, t_edit, t)
            use_sc = bool(torch.rand((), generator=self.generator) < 0.5)
            with self.autocast():
                out = self.model(utt_ids, utt_mask, code_ids, t, self.alpha[t], self.sigma[t], uncond, use_sc, start_ids)
            loss = out["loss"].mean()
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            if tc.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(self.raw_model.parameters(), tc.grad_clip)
            self.opt.step()
            self.update_ema()
            step += 1
            if tc.save_every_seconds > 0 and time.time() - last_save >= tc.save_every_seconds:
                self.save_resume(name, step, time.time() - start)
                last_save = time.time()
            bucket = (t - 1) * T_BUCKETS // self.cfg.diffusion.T
            # ce_per_t counts the items noised from their own code only (comparable with runs without edit training);
            # the edit items' CE is logged apart (edit_ce)
            plain = torch.ones(B, device=self.device) if edit is None else (~edit).float()
            for i, key in enumerate(LOSS_TERMS):
                sums[i].index_add_(0, bucket, out[key].detach().float() * plain)
            sums[3].index_add_(0, bucket, plain)
            if edit is not None:
                edit_sums += torch.stack([(out["ce"].detach().float() * edit).sum(), edit.float().sum()])
            if step % tc.log_every == 0 or step == 1:
                per_t = bucket_means(sums)
                if tc.t_sampling == "loss" and bool((sums[3] > 0).all()):
                    t_weights = (sums[2] / sums[3]).cpu()
                sums.zero_()
                record = {
                    "step": step,
                    "seconds": round(time.time() - start, 1),
                    "lr": self.opt.param_groups[0]["lr"],
                    **{k: round(out[k].detach().float().mean().item(), 4) for k in ("loss",) + LOSS_TERMS},
                    "ce_per_t": per_t["ce"],
                }
                if edit is not None:
                    record["edit_ce"] = round((edit_sums[0] / edit_sums[1].clamp(min=1)).item(), 4)
                    edit_sums.zero_()
                records.append(record)
                if self.rank == 0:
                    print(f"[{name}] " + " ".join(f"{k} {v}" for k, v in record.items()), flush=True)
        if sums[3].sum() > 0:
            per_t = bucket_means(sums)
        self.log[name] = {"steps": step, "seconds": round(time.time() - start, 1), "records": records, "loss_per_t_bucket": per_t}
        if tc.save_every_seconds > 0:
            self.save_resume(name + ":done", step, time.time() - start)
        if self.rank == 0:
            print(f"[{name}] done: {step} steps in {time.time() - start:.0f}s; last window's CE per tenth of t "
                  f"(low noise -> high): {per_t.get('ce')}", flush=True)

    def _should_stop(self, local: bool) -> bool:
        """All ranks stop together: rank 0's clock decides."""
        if self.world == 1:
            return local
        flag = torch.tensor([1.0 if local else 0.0], device=self.device)
        dist.broadcast(flag, src=0)
        return bool(flag.item())


def pretraining_batches(cfg: Config, tok: Tokenizer, snippets: List[str], generator: torch.Generator):
    """Unconditional generation or CPD, drawn per item; returns a function giving one batch."""
    tc, mc = cfg.train, cfg.model
    codes, _ = encode_codes(tok, snippets, mc.max_code_len)
    if len(codes) == 0:
        raise ValueError("no pre-training snippet fits in max_code_len")
    table = identifier_token_table(tok)
    print(f"pre-training on {len(codes)} snippets ({len(snippets) - len(codes)} longer than {mc.max_code_len} tokens dropped)")

    def batch():
        idx = torch.randint(0, len(codes), (tc.batch_size,), generator=generator)
        code = codes[idx]
        utt_ids, utt_mask = cpd_inputs(code, table, tc.cpd_mask_prob, mc.max_utterance_len, generator)
        uncond = torch.rand(tc.batch_size, generator=generator) < tc.pretrain_uncond_prob
        return Batch(utt_ids, utt_mask, code, uncond)

    return batch


def finetuning_pairs(cfg: Config) -> List[data.Example]:
    pairs = data.load_benchmark(cfg.train.language, "train")
    if cfg.train.train_subset:
        pairs = pairs[: cfg.train.train_subset]
    if cfg.train.column_pairs > 0:
        from .cf_columns import column_pairs

        pairs = pairs + column_pairs(pairs, cfg.train.column_pairs)
    if cfg.train.grammar_pairs > 0:
        from .cf_grammar import grammar_pairs

        pairs = pairs + grammar_pairs(cfg.train.grammar_pairs)
    if cfg.train.extra_pairs and not cfg.train.train_subset:
        pairs = pairs + data.load_extra_pairs(cfg.train.language)
    return pairs


def finetuning_batches(cfg: Config, tok: Tokenizer, pairs: List[data.Example], generator: torch.Generator,
                       cond: Optional[Conditioner] = None):
    """Batches of (request + retrieved codes, code) pairs, by length: each batch is drawn from one of a few buckets
    of similar input length and cut to its longest input, so short requests do not pay for long ones.
    Retrieval is leave-one-out: pair i never finds itself in the index (built from the same pairs)."""
    tc, mc = cfg.train, cfg.model
    if cond is None:
        tensors = pair_tensors(tok, [p.utterance for p in pairs], [p.code for p in pairs], mc.max_utterance_len, mc.max_code_len)
        inputs = [row[m].tolist() for row, m in zip(tensors.utt_ids, tensors.utt_mask)]
        codes = tensors.code_ids
        kept = tensors.kept
    else:
        inputs, code_rows, kept, starts = [], [], [], []
        for i, p in enumerate(pairs):
            prepared = cond.prepare(p.utterance, exclude=i, header=p.header)
            ids = cond.code_ids(p.code, prepared.slotted)
            if len(ids) <= mc.max_code_len:
                inputs.append(prepared.input_ids)
                code_rows.append(ids + [PAD_ID] * (mc.max_code_len - len(ids)))
                kept.append(i)
                if tc.edit_prob > 0:
                    starts.append([ids for _, ids in known_starts(cond, prepared, p.utterance, mc.neighbours, mc.max_code_len, i)])
        codes = torch.tensor(code_rows, dtype=torch.long)
    print(f"fine-tuning on {len(kept)} pairs ({len(pairs) - len(kept)} with code longer than {mc.max_code_len} tokens dropped)")
    utt_ids, utt_mask = pad_rows(inputs, mc.max_utterance_len)
    lengths = utt_mask.sum(1)
    order = torch.argsort(lengths, stable=True)
    n_buckets = max(1, min(8, len(kept) // max(1, tc.batch_size)))
    buckets = [b for b in torch.tensor_split(order, n_buckets) if len(b)]
    sizes = torch.tensor([float(len(b)) for b in buckets])

    edit_starts = None
    if tc.edit_prob > 0:
        if cond is None or cond.index is None:
            raise ValueError("edit training (edit_prob > 0) needs retrieval (model.neighbours > 0)")
        # [N, k, Lc] the slotted codes of each pair's leave-one-out neighbours (the ones its encoder input reads), and
        # how many it has
        k = max(1, mc.neighbours)
        start_count = torch.tensor([len(s) for s in starts], dtype=torch.long)
        edit_starts = torch.full((len(starts), k, mc.max_code_len), PAD_ID, dtype=torch.long)
        for row, rows in enumerate(starts):
            if rows:
                edit_starts[row, : len(rows)] = torch.tensor(rows[:k], dtype=torch.long)
        print(f"edit training: {tc.edit_prob:.0%} of the items start from one of their {k} neighbours' codes at t <= {tc.edit_t0}")

    def batch() -> Batch:
        b = buckets[int(torch.multinomial(sizes, 1, generator=generator))]
        idx = b[torch.randint(0, len(b), (tc.batch_size,), generator=generator)]
        width = int(lengths[idx].max())
        if edit_starts is None:
            return Batch(utt_ids[idx, :width], utt_mask[idx, :width], codes[idx], None)
        count = start_count[idx]
        edit = (torch.rand(len(idx), generator=generator) < tc.edit_prob) & (count > 0)
        which = (torch.rand(len(idx), generator=generator) * count.clamp(min=1)).long()
        start = torch.where(edit[:, None], edit_starts[idx, which], codes[idx])
        return Batch(utt_ids[idx, :width], utt_mask[idx, :width], codes[idx], None, start, edit)

    return batch


def make_conditioner(cfg: Config, tok: Tokenizer, pairs: List[data.Example], run_dir: Optional[Path]) -> Optional[Conditioner]:
    """The slot tagger and the retrieval index learnt from the fine-tuning pairs (saved beside the checkpoint)."""
    mc = cfg.model
    if not mc.slots and mc.neighbours <= 0:
        return None
    tagger = train_tagger([(p.utterance, p.code) for p in pairs], threshold=cfg.train.tagger_threshold) if mc.slots else None
    # The index holds the benchmark's training split and the column pairs (first in `pairs`, so leave-one-out
    # positions agree); the extra pairs too with index_extra. Measured on Bash: retrieve-and-fill top-1 7.97
    # without the 28k tldr pairs, 7.73 with them (docs/results.md), and the bundle is 4x smaller without.
    indexed = pairs if cfg.train.index_extra else [p for p in pairs if p.id >= 0 or p.table]
    index = None
    if mc.neighbours > 0:
        index = build_index([(p.utterance, p.code, p.header if mc.columns else None) for p in indexed],
                            tagger if mc.slots else None, cfg.train.retrieval_query)
    if run_dir is not None:
        run_dir.mkdir(parents=True, exist_ok=True)
        if tagger is not None:
            save_tagger(tagger, run_dir / "tagger.json")
        if index is not None:
            index.save(run_dir / "index.json")
    return Conditioner(tok, tagger, index, mc.neighbours, mc.max_utterance_len, mc.request_len, mc.slots, mc.columns,
                       language=cfg.train.language if cfg.sampler.own_literals else None)


def training_pairs_check(model: CodeFusion, tok: Tokenizer, cfg: Config, pairs: List[data.Example], count: int,
                         cond: Optional[Conditioner] = None) -> Dict[str, float]:
    """Exact match of the sampler on training pairs: a model that cannot regenerate what it was trained on has
    a sampling or schedule bug (docs/training.md, "Noise schedule"). The model's own samples only (no retrieved
    codes in the pool; with sampler.edit_samples, some start from known codes), with leave-one-out retrieval as in
    training. The pairs: every (len(pairs) // count)-th, the first `count` of them."""
    step = max(1, len(pairs) // count)
    chosen = pairs[::step][:count]
    alpha, sigma = schedule_for(cfg)
    sc = cfg.sampler
    cands = generate(model, tok, alpha, sigma, [p.utterance for p in chosen], sc.steps, sc.samples, seed=0, top_k=sc.top_k,
                     clamp=sc.clamp, cond=cond, exclude=list(range(0, len(pairs), step))[:count],
                     headers=[p.header for p in chosen], edit_samples=sc.edit_samples, edit_t0=sc.edit_t0)
    rows = [{"gold": p.code, "candidates": c} for p, c in zip(chosen, cands)]
    # from_known: the share of top-1 candidates that came out of a sample started from a known code
    return {**exact_match_table(rows),
            "from_known": round(100.0 * sum(bool(c) and "start" in c[0] for c in cands) / max(1, len(cands)), 2)}


def phase_progress(step: int, seconds: float, max_steps: int, max_seconds: float) -> float:
    """How far a phase is through its budget (1.0 = done): the larger of its step and time fractions (0 = no limit)."""
    return max(step / max_steps if max_steps else 0.0, seconds / max_seconds if max_seconds else 0.0)


def setup_distributed(device_name: str):
    """(rank, world, device) from torchrun's environment, or a single process."""
    want_cuda = resolve_device(device_name) == "cuda"
    if "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        dist.init_process_group(backend="nccl" if want_cuda else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        local = int(os.environ.get("LOCAL_RANK", "0"))
        device = torch.device("cuda", local) if want_cuda else torch.device("cpu")
        if want_cuda:
            torch.cuda.set_device(device)
        return rank, world, device
    return 0, 1, torch.device("cuda" if want_cuda else "cpu")


def train(cfg: Config) -> Optional[Dict]:
    """Train per cfg; rank 0 returns the run summary (also written to <out_dir>/train_log.json)."""
    tc = cfg.train
    rank, world, device = setup_distributed(tc.device)
    if device.type == "cuda":
        torch.set_float32_matmul_precision("high")  # TF32 for the float32 parts (sampling, evaluation)
    tok_file = tokenizer_path(tc.language)
    tok = Tokenizer.from_file(tok_file)
    cfg.model.base_vocab_size = tok.vocab_size
    cfg.model.columns = cfg.model.columns or tc.column_pairs > 0 or tc.grammar_pairs > 0
    slot_tokens = SLOT_TOKENS if cfg.model.columns else BASE_SLOT_TOKENS
    cfg.model.vocab_size = tok.vocab_size + (len(slot_tokens) if cfg.model.slots or cfg.model.neighbours > 0 else 0)
    started = time.time()
    trainer = Trainer(cfg, device, rank, world)
    resumed = trainer.load_resume() if tc.resume else False
    if tc.init_bundle and not resumed:
        trainer.init_from_bundle(Path(tc.init_bundle))
    if rank == 0:
        print(f"{tc.language}/{tc.preset}: {trainer.raw_model.num_parameters() / 1e6:.2f}M parameters on {device} (world {world})", flush=True)

    pairs = finetuning_pairs(cfg)
    cond = make_conditioner(cfg, tok, pairs, Path(tc.out_dir) if rank == 0 else None)
    if tc.init_bundle and rank == 0 and cond is not None:
        # the bundle's model read its tagger's slots and its index's neighbours: this run should rebuild the same
        for name in ("tagger.json", "index.json"):
            ours, theirs = Path(tc.out_dir) / name, Path(tc.init_bundle) / name
            if ours.exists() and theirs.exists():
                same = ours.read_bytes() == theirs.read_bytes()
                print(f"{name}: {'the same as' if same else 'NOT the same as (check the pairs and tagger_threshold of)'} "
                      f"the bundle's", flush=True)
    if tc.pretrain_steps > 0 or tc.pretrain_seconds > 0:
        snippets = data.load_pretraining(tc.language)
        trainer.run_phase("pretrain", pretraining_batches(cfg, tok, snippets, trainer.generator), tc.pretrain_steps, tc.pretrain_seconds)
    trainer.run_phase("finetune", finetuning_batches(cfg, tok, pairs, trainer.generator, cond), tc.finetune_steps, tc.finetune_seconds)

    summary = None
    if rank == 0:
        train_seconds = time.time() - started
        run_dir = Path(tc.out_dir)
        save_checkpoint(run_dir, trainer.ema, cfg, tok_file, {"log": trainer.log})
        check = training_pairs_check(trainer.ema, tok, cfg, pairs, tc.check_pairs, cond) if tc.check_pairs else None
        if check:
            print(f"training-pairs check: sampler exact match on {check['n']} training pairs: "
                  f"top-1 {check['top1']:.1f}%, top-5 {check['top5']:.1f}% (K={cfg.sampler.steps}, n={cfg.sampler.samples})", flush=True)
        summary = {
            "language": tc.language,
            "preset": tc.preset,
            "parameters": trainer.raw_model.num_parameters(),
            "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
            "world_size": world,
            "train_seconds": round(train_seconds, 1),
            "phases": {k: {kk: vv for kk, vv in v.items() if kk != "records"} for k, v in trainer.log.items()},
            "training_pairs_check": check,
            "config": cfg.to_dict(),
        }
        (run_dir / "train_log.json").write_text(json.dumps({**summary, "log": trainer.log}, indent=1))
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return summary


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--language", required=True, choices=data.LANGUAGES)
    parser.add_argument("--out", default=None, help="run directory (default runs/<language>-<preset>)")
    add_config_arguments(parser)
    args, rest = parser.parse_known_args(argv)
    cfg = make_config(args.preset, parse_overrides(rest))
    cfg.train.language = args.language
    cfg.train.out_dir = args.out or f"runs/{args.language}-{args.preset}"
    train(cfg)


if __name__ == "__main__":
    main()
