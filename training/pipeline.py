"""One language end to end: train, export the browser bundle, evaluate the bundle on the test split.

    python3 -m training.pipeline --language cf --preset base --bundle public/models/cf --run runs/cf-base \
        --pretrain_seconds 110 --finetune_seconds 250 [--k-curve 10,25,50,100,200] [--deadline 500]

The scores are those of the exported weights (int8), i.e. of what the app runs; they go into eval.json inside
the bundle. --deadline (seconds since start) skips the optional K curve when too little time is left, so a
time-boxed GPU run still brings back a complete bundle.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


from . import data
from .baseline import predict as baseline_predictions
from .checkpoint import load_checkpoint, load_conditioner, resolve_device
from .config import add_config_arguments, coerce_value, make_config, parse_overrides
from .evaluate import evaluate
from .bundle import load_bundle
from .export import attach_eval, export_bundle
from .predictions import exact_match_table, format_exact_match, prediction_row, read_predictions, write_predictions
from .train import train


def pool_variants(model, tok, cfg, cond, language: str, limit: int, run_dir: Path) -> dict:
    """Exact match of each part of the candidate pool and each ranking, from one sampling pass: the samples (the same
    noise as the shipped ranking: request i, seed i), the retrieved codes with slots filled, and every distinct
    code's denoising loss. Each variant's predictions go to run_dir/test.<variant>.predictions.jsonl."""
    from .checkpoint import schedule_for
    from .sample import distinct, generate, keep_order, order_by_loss, pool_losses

    examples = data.load_benchmark(language, "test")[: limit or None]
    alpha, sigma = schedule_for(cfg)
    sc = cfg.sampler
    voted = generate(model, tok, alpha, sigma, [e.utterance for e in examples], sc.steps, sc.samples, 0,
                     top_k=sc.samples, clamp=sc.clamp, cond=cond, rank="votes", pool_retrieved=0,
                     headers=[e.header for e in examples])
    rows: dict = {}
    for e, votes in zip(examples, voted):
        prepared = cond.prepare(e.utterance, header=e.header)
        samples = [c["code"] for c in votes]
        retrieved = distinct(cond.retrieved_candidates(prepared, e.utterance, sc.pool_retrieved))
        written = distinct(cond.retrieved_candidates(prepared, e.utterance, sc.pool_retrieved, as_written=True))
        channel = (distinct(cond.channel_candidates(prepared, e.utterance, sc.pool_retrieved, sc.channel_scan, sc.channel_similarity))
                   if cond.channel is not None else [])
        loss = pool_losses(model, cond, alpha, [prepared], [distinct(retrieved + written + channel + samples)])[0]

        def by_loss(codes):
            return order_by_loss(codes, loss)

        lists = {
            "samples, votes": votes,
            "samples, denoise rank": by_loss(distinct(samples)),
            "retrieved codes only, retrieval order": [{"code": c, "score": round(1.0 / (i + 1), 6)} for i, c in enumerate(retrieved)],
            "retrieved codes only, denoise rank": by_loss(retrieved),
            "pool, denoise rank": by_loss(distinct(samples + retrieved)),
            "pool, known-first": by_loss(retrieved) + by_loss([c for c in distinct(samples) if c not in retrieved]),
            "retrieved codes as written, retrieval order": [{"code": c, "score": round(1.0 / (i + 1), 6)} for i, c in enumerate(written)],
            "pool, retrieval-first": keep_order(written, loss) + by_loss([c for c in distinct(samples) if c not in written]),
        }
        if cond.channel is not None:
            lists["retrieved codes as written, channel order"] = keep_order(channel, loss)
            lists["pool, channel"] = keep_order(channel, loss) + by_loss([c for c in distinct(samples) if c not in channel])
        for name, cands in lists.items():
            rows.setdefault(name, []).append(prediction_row(language=language, index=e.index, id=e.id, utterance=e.utterance, gold=e.code,
                                             candidates=cands[: sc.top_k], system=name.replace(", ", "/").replace(" ", "-"),
                                             steps=sc.steps, samples=sc.samples, table=e.table))
    out = {}
    for name, r in rows.items():
        write_predictions(run_dir / f"test.{name.replace(', ', '.').replace(' ', '-')}.predictions.jsonl", r)
        out[name] = exact_match_table(r)
    return out


def typescript_metrics(predictions: Path):
    """Every metric of `npm run eval` (the TypeScript metric suite, the one place they are computed) on a predictions
    file, for eval.json; None, with a note, where Node or the suite is missing (a bare GPU machine)."""
    import os
    import subprocess
    import tempfile

    root = Path(data.ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "metrics.json"
        try:
            file = os.path.relpath(Path(predictions).resolve(), root)  # as the file list of eval.json says it
            subprocess.run(["npx", "tsx", "src/eval/cli.ts", file, "--out", str(out)], cwd=root,
                           check=True, capture_output=True, timeout=1800)
            return json.loads(out.read_text())
        except (OSError, subprocess.SubprocessError, ValueError) as err:
            print(f"eval.json without the TypeScript metrics ({err}); add them with npm run eval", flush=True)
            return None


def main(argv=None) -> None:
    started = time.time()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--language", required=True, choices=data.LANGUAGES)
    parser.add_argument("--run", required=True, help="training run directory")
    parser.add_argument("--bundle", required=True, help="where the browser bundle goes, e.g. public/models/cf")
    parser.add_argument("--weights", default="int8", choices=["int8", "float16", "float32"])
    parser.add_argument("--k-curve", default="", help="also evaluate these step counts (comma-separated)")
    parser.add_argument("--deadline", type=float, default=0, help="seconds after start by which to be done (0 = none)")
    parser.add_argument("--eval-limit", type=int, default=0, help="evaluate only the first N test items (rehearsals)")
    parser.add_argument("--skip-train", action="store_true",
                        help="export and evaluate the run's existing checkpoint (trained before, e.g. in the background)")
    parser.add_argument("--train-command", default="", help="the command that trained the run, for eval.json")
    parser.add_argument("--variants", action="store_true",
                        help="also score the pool's parts: samples only (denoise and votes) and retrieved codes only")
    parser.add_argument("--clamp-modes", action="store_true", help="also score the other clamping modes")
    parser.add_argument("--variants-limit", type=int, default=0, help="score the variants on the first N test items only")
    parser.add_argument("--reuse-predictions", action="store_true",
                        help="score the run's test.predictions.jsonl of the same bundle instead of sampling again")
    parser.add_argument("--reevaluate", action="store_true",
                        help="no training, no export: evaluate the bundle as it is (e.g. after a sampler setting in its "
                             "manifest changed) and rewrite its eval.json, keeping what it says about training")
    add_config_arguments(parser)
    args, rest = parser.parse_known_args(argv)
    cfg = make_config(args.preset, parse_overrides(rest))
    cfg.train.language = args.language
    cfg.train.out_dir = args.run
    run_dir, bundle_dir = Path(args.run), Path(args.bundle)

    model_device = resolve_device(cfg.train.device)
    before = {}
    if args.reevaluate:
        # what the bundle's eval.json says about its training stays; the scores are measured again
        before = json.loads((bundle_dir / "eval.json").read_text())
        summary = {k: before.get(k) for k in ("parameters", "device", "train_seconds", "phases", "training_pairs_check")}
        run_dir.mkdir(parents=True, exist_ok=True)
    else:
        if args.skip_train:
            summary = json.loads((run_dir / "train_log.json").read_text())
        else:
            summary = train(cfg)
        model, cfg, tok = load_checkpoint(run_dir)
        # Sampler settings given on the command line apply to what ships (e.g. --rank for a run trained before).
        for key, value in parse_overrides(rest).items():
            name = key.split(".", 1)[-1].replace("-", "_")
            if (key.startswith("sampler.") or "." not in key) and hasattr(cfg.sampler, name):
                setattr(cfg.sampler, name, coerce_value(getattr(cfg.sampler, name), value))
        export_bundle(model, cfg, run_dir / "tokenizer.json", bundle_dir, args.weights)
    bundled, cfg, tok = load_bundle(bundle_dir, model_device)
    cond = load_conditioner(bundle_dir, cfg, tok)

    system = f"codefusion-{cfg.train.preset}"
    if args.reuse_predictions:
        rows = read_predictions(run_dir / "test.predictions.jsonl")
        if rows[0]["steps"] != cfg.sampler.steps or rows[0]["samples"] != cfg.sampler.samples:
            raise SystemExit("test.predictions.jsonl was made with other sampler settings")
        scores = exact_match_table(rows)
        scores.update(steps=cfg.sampler.steps, samples=cfg.sampler.samples, clamp=cfg.sampler.clamp,
                      rank=cfg.sampler.rank, pool_retrieved=cfg.sampler.pool_retrieved, seconds=None,
                      distinct=round(sum(len(r["candidates"]) for r in rows) / len(rows), 2))
    else:
        scores = evaluate(bundled, tok, cfg, args.language, "test", limit=args.eval_limit,
                          out=run_dir / "test.predictions.jsonl", system=system, cond=cond)
    print(format_exact_match(f"{system} {args.language} K={scores['steps']} n={scores['samples']}", scores), flush=True)
    base_rows = baseline_predictions(args.language)
    if args.eval_limit:
        base_rows = base_rows[: args.eval_limit]
    baseline = exact_match_table(base_rows)
    print(format_exact_match(f"retrieval-tfidf {args.language}", baseline), flush=True)

    def time_left_for(steps: int, what: str) -> bool:
        """A K-step evaluation costs about K / default-K times the one just done; skip it past the deadline."""
        elapsed = time.time() - started
        estimate = scores["seconds"] * steps / scores["steps"]
        if args.deadline and elapsed + estimate > args.deadline:
            print(f"skipping {what} (about {estimate:.0f}s, {args.deadline - elapsed:.0f}s left)", flush=True)
            return False
        return True

    # The other clamping modes at the default K: the sampler's main design choice, measured on real models.
    clamp_table = {cfg.sampler.clamp: scores}
    for mode in ("none", "nearest") if args.clamp_modes else ():
        if mode != cfg.sampler.clamp and time_left_for(scores["steps"], f"clamp={mode}"):
            clamp_table[mode] = evaluate(bundled, tok, cfg, args.language, "test", limit=args.eval_limit,
                                         system=system, clamp=mode, cond=cond)
            print(format_exact_match(f"{system} {args.language} clamp={mode}", clamp_table[mode]), flush=True)

    # The pool's parts, so nobody mistakes retrieval for generation: the diffusion samples alone, the retrieved
    # codes alone, and each ranking of them (one sampling pass; pool_variants).
    variants = {}
    if args.variants and cfg.sampler.pool_retrieved > 0:
        variants = pool_variants(bundled, tok, cfg, cond, args.language, args.variants_limit or args.eval_limit, run_dir)
        for name, table in variants.items():
            print(format_exact_match(f"{args.language} {name}", table), flush=True)

    k_curve = {}
    for k in [int(x) for x in args.k_curve.split(",") if x]:
        if time_left_for(k, f"K={k}"):
            k_curve[str(k)] = evaluate(bundled, tok, cfg, args.language, "test", steps=k, limit=args.eval_limit,
                                       system=system, cond=cond)
            print(format_exact_match(f"{system} {args.language} K={k}", k_curve[str(k)]), flush=True)

    report = {
        "language": args.language,
        "system": system,
        "split": "test",
        "metric": "exact match, whitespace-normalised, percent (docs/predictions-format.md)",
        "exact_match": scores,
        "baseline": {"system": "retrieval-tfidf", "exact_match": baseline},
        "k_curve": k_curve,
        "clamp_modes": clamp_table,
        "variants": variants,
        "train_command": args.train_command or before.get("train_command"),
        "weights": args.weights,
        "parameters": summary["parameters"] if summary else None,
        "bundle_bytes": json.loads((bundle_dir / "manifest.json").read_text())["totalBytes"],
        "device": summary["device"] if summary else None,
        "train_seconds": summary["train_seconds"] if summary else None,
        "phases": summary["phases"] if summary else None,
        "training_pairs_check": summary["training_pairs_check"] if summary else None,
        "wall_seconds": round(time.time() - started, 1),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if before.get("functional"):
        report["functional"] = before["functional"]  # measured by npm run eval -- --functional --write, not here
    metrics = typescript_metrics(run_dir / "test.predictions.jsonl")
    if metrics is not None:
        report["metrics"] = metrics
    (run_dir / "eval.json").write_text(json.dumps(report, indent=1) + "\n")
    attach_eval(bundle_dir, run_dir / "eval.json")
    print(f"{args.language}: bundle {bundle_dir} with eval.json, {report['wall_seconds']}s in all", flush=True)


if __name__ == "__main__":
    main()
