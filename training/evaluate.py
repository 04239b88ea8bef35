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
) -> Dict[str, float]:
    """Exact-match table of the model on a split; writes the predictions file when `out` is given.

    Besides exact match the table has `distinct`: the mean number of distinct candidates per request (1 when
    every sample of a request decodes to the same code), a first measure of the top-k's diversity."""
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
    # request i of the split gets seed + i wherever the slice starts, so slices evaluated apart join up exactly
    candidates = generate(model, tok, alpha, sigma, [e.utterance for e in examples], steps, samples, seed + start,
                          top_k=cfg.sampler.top_k, clamp=clamp, cond=cond, rank=rank, pool_retrieved=pool_retrieved,
                          headers=[e.header for e in examples], channel_scan=cfg.sampler.channel_scan,
                          channel_similarity=cfg.sampler.channel_similarity)
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
                  distinct=round(sum(len(c) for c in candidates) / max(1, len(candidates)), 2))
    return scores


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
        from .export import load_bundle

        model, cfg, tok = load_bundle(Path(args.bundle), device)
    if args.rank:
        cfg.sampler.rank = args.rank  # before the conditioner: rank "channel" loads its table
    cond = load_conditioner(Path(args.run or args.bundle), cfg, tok)
    language = cfg.train.language
    system = f"codefusion-{cfg.train.preset}"
    results = {}
    for steps in ([int(k) for k in args.k_curve.split(",")] if args.k_curve else [args.steps]):
        out = Path(args.out) if args.out and not args.k_curve else None
        scores = evaluate(model, tok, cfg, language, args.split, steps, args.samples, args.seed, args.limit, out, system,
                          args.clamp, cond, args.rank, args.pool_retrieved, args.start)
        results[str(scores["steps"])] = scores
        print(format_exact_match(f"{system} {language} K={scores['steps']} n={scores['samples']}", scores))
        print(f"  ({scores['seconds']}s for {scores['n']} requests, clamp {scores['clamp']}, "
              f"{scores['distinct']} distinct candidates per request)", flush=True)
    if args.scores:
        Path(args.scores).parent.mkdir(parents=True, exist_ok=True)
        payload = results if args.k_curve else next(iter(results.values()))
        Path(args.scores).write_text(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
