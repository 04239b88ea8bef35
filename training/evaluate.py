"""Run the sampler on a whole test split, write a predictions file and print top-1/3/5 exact match.

    /usr/bin/python3 -m training.evaluate --run runs/cf-tiny --out runs/cf-tiny/test.predictions.jsonl
    /usr/bin/python3 -m training.evaluate --bundle public/models/cf --steps 50 --samples 5

--run reads a training run's checkpoint; --bundle reads an exported browser bundle (the int8/fp16 weights
that ship), so the scores of a bundle are the scores of what the app runs. --k-curve 10,25,50 evaluates
several step counts in one go (the table for choosing the app's default K).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Dict, Optional


from . import data
from .bundle import load_bundle
from .checkpoint import load_checkpoint, load_conditioner, resolve_device, schedule_for
from .config import Config
from .model import CodeFusion
from .predictions import exact_match_table, format_exact_match, prediction_row, write_predictions
from .sample import RANK_MODES, generate
from .tokenizer import Tokenizer


def evaluate(
    model: CodeFusion,
    tok: Tokenizer,
    cfg: Config,
    language: str,
    split: str = "test",
    steps: Optional[int] = None,
    samples: Optional[int] = None,
    seed: int = 0,
    limit: int = 0,
    out: Optional[Path] = None,
    system: str = "codefusion",
    clamp: Optional[str] = None,
    cond=None,
    rank: Optional[str] = None,
    pool_retrieved: Optional[int] = None,
    start: int = 0,
    edit_samples: Optional[int] = None,
    edit_t0: Optional[int] = None,
    leave_one_out: bool = False,
) -> Dict[str, float]:
    """Exact-match table of the model on a split; writes the predictions file when `out` is given.

    Besides exact match the table has `distinct`: the mean number of distinct candidates per request (1 when
    every sample of a request decodes to the same code), a first measure of the top-k's diversity, and
    `from_known`: the share (%) of top-1 candidates that came out of a sample started from a known code.
    edit_samples / edit_t0: retrieve and edit (sample.generate; default the config's). leave_one_out (split train):
    no item finds itself in the retrieval index, as in training (training_split_exclude)."""
    steps = steps or cfg.sampler.steps
    samples = samples or cfg.sampler.samples
    clamp = clamp or cfg.sampler.clamp
    examples = data.load_benchmark(language, split)[start:]
    if limit:
        examples = examples[:limit]
    alpha, sigma = schedule_for(cfg)
    started = time.time()
    rank = rank or cfg.sampler.rank
    pool_retrieved = cfg.sampler.pool_retrieved if pool_retrieved is None else pool_retrieved
    edit_samples = cfg.sampler.edit_samples if edit_samples is None else edit_samples
    edit_t0 = cfg.sampler.edit_t0 if edit_t0 is None else edit_t0
    exclude = None
    if leave_one_out:
        if split != "train":
            raise ValueError("leave_one_out is for the training split")
        exclude = training_split_exclude(cond, examples)
    # request i of the split gets seed + i wherever the slice starts, so slices evaluated apart join up exactly
    candidates = generate(model, tok, alpha, sigma, [e.utterance for e in examples], steps, samples, seed + start,
                          top_k=cfg.sampler.top_k, clamp=clamp, cond=cond, rank=rank, pool_retrieved=pool_retrieved,
                          headers=[e.header for e in examples], channel_scan=cfg.sampler.channel_scan,
                          channel_similarity=cfg.sampler.channel_similarity, exclude=exclude,
                          edit_samples=edit_samples, edit_t0=edit_t0)
    seconds = time.time() - started
    rows = [
        prediction_row(language=language, index=e.index, id=e.id, utterance=e.utterance, gold=e.code, candidates=c,
                       system=system, steps=steps, samples=samples, table=e.table)
        for e, c in zip(examples, candidates)
    ]
    if out is not None:
        write_predictions(out, rows)
    scores = exact_match_table(rows)
    scores.update(steps=steps, samples=samples, clamp=clamp, rank=rank, pool_retrieved=pool_retrieved, seconds=round(seconds, 1),
                  distinct=round(sum(len(c) for c in candidates) / max(1, len(candidates)), 2),
                  edit_samples=edit_samples, edit_t0=edit_t0 if edit_samples else None, leave_one_out=leave_one_out,
                  from_known=round(100.0 * sum(bool(c) and "start" in c[0] for c in candidates) / max(1, len(candidates)), 2))
    return scores


def training_split_exclude(cond, examples) -> list:
    """For items of the training split: the index entry each is (its position in the split, where the index holds the
    split first, train.make_conditioner), checked against the entry's request and code."""
    if cond is None or cond.index is None:
        return [-1] * len(examples)
    entries = cond.index.entries
    for e in examples:
        if e.index >= len(entries) or (entries[e.index].utterance, entries[e.index].code) != (e.utterance, e.code):
            raise ValueError(f"training item {e.index} is not index entry {e.index}: leave-one-out cannot find it")
    return [e.index for e in examples]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=False)
    source.add_argument("--run", help="training run directory (ckpt.pt + tokenizer.json)")
    source.add_argument("--bundle", help="exported browser bundle directory (manifest.json)")
    parser.add_argument("--split", default="test", choices=["train", "test"])
    parser.add_argument("--steps", type=int, default=None, help="sampling steps K (default: the config's)")
    parser.add_argument("--samples", type=int, default=None, help="samples n per request (default: the config's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0, help="only the first N items (quick checks)")
    parser.add_argument("--start", type=int, default=0, help="skip the first N items (to evaluate a split in parts)")
    parser.add_argument("--out", default=None, help="predictions file to write (JSON lines)")
    parser.add_argument("--scores", default=None, help="also write the scores as JSON here")
    parser.add_argument("--k-curve", default=None, help="comma-separated step counts to evaluate, e.g. 10,25,50,100,200")
    parser.add_argument("--clamp", default=None, choices=["decoder", "nearest", "none"], help="default: the config's")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--write-requests", default=None, metavar="FILE",
                        help="only write the split as requests for `npm run generate` (id, index, utterance, gold, table)")
    parser.add_argument("--language", default=None, choices=data.LANGUAGES, help="with --write-requests")
    parser.add_argument("--rank", default=None, choices=RANK_MODES, help="default: the config's")
    parser.add_argument("--pool-retrieved", type=int, default=None, help="retrieved codes in the pool (default: the config's)")
    parser.add_argument("--edit-samples", type=int, default=None,
                        help="retrieve and edit: how many of the n samples start from the best known codes (default: the config's)")
    parser.add_argument("--edit-t0", default=None,
                        help="the time those samples start at (default: the config's); comma-separated for a curve, e.g. 200,400,600,800,1200")
    parser.add_argument("--leave-one-out", action="store_true",
                        help="with --split train: no item finds itself in the retrieval index (the training-pairs check)")
    parser.add_argument("--check-pairs", type=int, default=0,
                        help="instead of a split: train.training_pairs_check on N training pairs (the gate; samples only, "
                             "leave-one-out), with these edit settings")
    args = parser.parse_args(argv)
    if args.write_requests:
        if not args.language:
            parser.error("--write-requests needs --language")
        examples = data.load_benchmark(args.language, args.split)[: args.limit or None]
        with open(args.write_requests, "w", encoding="utf-8") as f:
            for e in examples:
                row = {"id": e.id, "index": e.index, "utterance": e.utterance, "gold": e.code}
                if args.language == "cf":
                    row["table"] = e.table
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {args.write_requests}: {len(examples)} requests")
        return
    if not (args.run or args.bundle):
        parser.error("one of --run or --bundle is required")

    device = resolve_device(args.device)
    if args.run:
        model, cfg, tok = load_checkpoint(Path(args.run), device)
    else:
        model, cfg, tok = load_bundle(Path(args.bundle), device)
    if args.rank:
        cfg.sampler.rank = args.rank  # before the conditioner: rank "channel" loads its table
    cond = load_conditioner(Path(args.run or args.bundle), cfg, tok)
    language = cfg.train.language
    system = f"codefusion-{cfg.train.preset}"
    t0s = [int(t) for t in args.edit_t0.split(",")] if args.edit_t0 else [None]
    if args.check_pairs:
        results = {}
        for t0 in t0s:
            results[str(t0)] = check = check_pairs(model, tok, cfg, cond, args.check_pairs, args.steps, args.samples,
                                                   args.clamp, args.edit_samples, t0)
            print(f"training-pairs check ({check['n']} pairs, K={check['steps']}, n={check['samples']}, edit_samples "
                  f"{check['edit_samples']}, t0 {check['edit_t0']}): top-1 {check['top1']:.2f}%, top-5 {check['top5']:.2f}%, "
                  f"top-1 from a known code {check['from_known']:.1f}% ({check['seconds']}s)", flush=True)
        write_scores(args.scores, results if len(t0s) > 1 else results[str(t0s[0])])
        return
    curve = [(int(k), t0) for k in args.k_curve.split(",") for t0 in t0s] if args.k_curve else [(args.steps, t0) for t0 in t0s]
    results = {}
    for steps, t0 in curve:
        out = Path(args.out) if args.out and len(curve) == 1 else None
        scores = evaluate(model, tok, cfg, language, args.split, steps, args.samples, args.seed, args.limit, out, system,
                          args.clamp, cond, args.rank, args.pool_retrieved, args.start, args.edit_samples, t0,
                          args.leave_one_out)
        key = str(scores["steps"]) if t0 is None else f"{scores['steps']}@{t0}"
        results[key] = scores
        edit = f" edit {scores['edit_samples']}@t0={scores['edit_t0']}" if scores["edit_samples"] else ""
        print(format_exact_match(f"{system} {language} K={scores['steps']} n={scores['samples']}{edit}", scores))
        print(f"  ({scores['seconds']}s for {scores['n']} requests, clamp {scores['clamp']}, "
              f"{scores['distinct']} distinct candidates per request, top-1 from a known code {scores['from_known']}%)", flush=True)
    write_scores(args.scores, results if len(curve) > 1 else next(iter(results.values())))


def check_pairs(model, tok, cfg: Config, cond, count: int, steps: Optional[int], samples: Optional[int],
                clamp: Optional[str], edit_samples: Optional[int], edit_t0: Optional[int]) -> Dict[str, float]:
    """train.training_pairs_check (the gate: samples only, leave-one-out) for a loaded model with these settings."""
    import copy

    from .train import finetuning_pairs, training_pairs_check

    cfg = copy.deepcopy(cfg)
    sc = cfg.sampler
    sc.steps, sc.samples, sc.clamp = steps or sc.steps, samples or sc.samples, clamp or sc.clamp
    sc.edit_samples = sc.edit_samples if edit_samples is None else edit_samples
    sc.edit_t0 = sc.edit_t0 if edit_t0 is None else edit_t0
    pairs = finetuning_pairs(cfg)
    started = time.time()
    check = training_pairs_check(model, tok, cfg, pairs, count, cond)
    return {**check, "seconds": round(time.time() - started, 1), "steps": sc.steps, "samples": sc.samples,
            "edit_samples": sc.edit_samples, "edit_t0": sc.edit_t0 if sc.edit_samples else None}


def write_scores(path: Optional[str], payload) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
