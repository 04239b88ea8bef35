"""PyTorch reference timings of an exported bundle, the counterpart of the browser bench (`npm run bench`).

    /usr/bin/python3 -m training.bench --bundle public/models/cf --json out.json
    python3 -m training.bench --bundle public/models/cf --device cuda --json $OUT/torch-cuda.json   # GPU machine

Loads the bundle with `training.export.load_bundle` (the dequantised weights, as the browser runs them) and times,
on each device asked for:
  - load: reading, verifying and dequantising the shards and building the model;
  - peak: a square float32 matmul (GFLOP/s);
  - whole generations (`training.sample.generate`: tokenise, encode, K steps, decode, rank) for one request with
    n = 5 samples at K = 25/50/100/200, median of a few runs (intermediate steps are not decoded into text: the
    browser's decodeEvery = K);
  - ms per denoising step at n = 1 and n = 5: the least-squares slope of generation time over K (as the browser
    bench), and a direct median of single steps (denoiser + decoder + head + argmax + update) beside it;
  - the step's matmul FLOPs (the manifest's model.flops, written at export by model.step_flops_formula and read by
    the browser bench too; with the utterance padded to max_utterance_len as this sampler computes it) over the
    peak: the floor, and the ratio measured / floor.
On CUDA every timing is bracketed by torch.cuda.synchronize(). Prints JSON (and writes it with --json).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import torch

from .checkpoint import schedule_for
from .diffusion import ddim_step
from .export import load_bundle
from .model import step_flops, step_flops_formula
from .sample import generate, token_confidence
from .tensors import encode_utterances

UTTERANCE = "highlight cells in column B that are greater than 100"


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _timed(device: str, fn) -> float:
    _sync(device)
    start = time.perf_counter()
    fn()
    _sync(device)
    return (time.perf_counter() - start) * 1000.0


def fit_line(points: Sequence[tuple]) -> Optional[Dict[str, float]]:
    if len(points) < 2:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    return {"slope": slope, "intercept": my - slope * mx}


def measure_peak(device: str, size: int, reps: int) -> Dict[str, float]:
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=gen).to(device)
    b = torch.randn(size, size, generator=gen).to(device)
    inner = 1 if device == "cpu" else 20
    _timed(device, lambda: a @ b)  # warm-up (cuBLAS handle, threads)

    def run():
        for _ in range(inner):
            a @ b

    times = [_timed(device, run) / inner for _ in range(max(reps, 3))]
    ms = statistics.median(times)
    return {"size": size, "ms": ms, "gflops": 2 * size ** 3 / (ms * 1e6), "dtype": "float32"}


def bench_device(bundle: Path, device: str, ks: List[int], step_ks: List[int], samples: List[int], n_gen: int,
                 reps: int, peak_size: int, utterance: str, max_run_ms: float) -> Dict:
    load_ms = []
    for _ in range(2):  # the first includes imports' lazy initialisation and the OS reading the files
        start = time.perf_counter()
        model, cfg, tok = load_bundle(bundle, device=device)
        _sync(device)
        load_ms.append((time.perf_counter() - start) * 1000.0)
    alpha, sigma = schedule_for(cfg)
    # bundles exported before model.flops existed: the same formula from the config
    formula = json.loads((bundle / "manifest.json").read_text())["model"].get("flops") or step_flops_formula(cfg.model)
    result: Dict = {
        "device": device,
        "device_name": torch.cuda.get_device_name(0) if device.startswith("cuda") else platform.processor() or "cpu",
        "threads": torch.get_num_threads(),
        "load_ms": {"first": load_ms[0], "second": load_ms[1]},
        "peak": measure_peak(device, peak_size, reps),
        "generations": [],
        "steps": [],
        "notes": [],
    }

    def gen_ms(K: int, n: int, seed: int) -> float:
        return _timed(device, lambda: generate(model, tok, alpha, sigma, [utterance], K, n, seed,
                                               cfg.sampler.top_k, cfg.sampler.clamp))

    # warm-up (allocator, kernels), then a probe that predicts each run's time
    gen_ms(2, n_gen, 0)
    probe_k = min(ks + step_ks)
    per_step = gen_ms(probe_k, n_gen, 0) / probe_k

    def timed_k(K: int, n: int) -> Dict:
        predicted = per_step * K
        if predicted > max_run_ms:
            return {"K": K, "n": n, "ms": None, "runs_ms": [], "skipped": f"predicted {predicted / 1000:.0f} s"}
        runs = [gen_ms(K, n, 1 + r) for r in range(reps)]
        return {"K": K, "n": n, "ms": statistics.median(runs), "runs_ms": runs}

    result["generations"] = [timed_k(K, n_gen) for K in ks]

    # direct single-step timing: what one step of training/sample.py's loop does
    utt_ids, utt_mask = encode_utterances(tok, [utterance], cfg.model.max_utterance_len)
    table = model.embedding_table().detach()
    for n in samples:
        timings = result["generations"] if n == n_gen else [timed_k(K, n) for K in step_ks]
        # the fastest run of each K: on a shared machine the least disturbed one (the table shows medians)
        points = [(g["K"], min(g["runs_ms"])) for g in timings if g["runs_ms"]]
        line = fit_line(points)
        ids_b, mask_b = utt_ids.repeat(n, 1).to(device), utt_mask.repeat(n, 1).to(device)
        with torch.no_grad():
            den_kv, dec_kv = model.memory(ids_b, mask_b)
            x = torch.randn(n, cfg.model.max_code_len, cfg.model.d_embed, generator=torch.Generator().manual_seed(0)).to(device)
            x0 = torch.zeros_like(x)
            t_batch = torch.full((n,), cfg.diffusion.T // 2, dtype=torch.long, device=device)
            a_t, s_t = float(alpha[cfg.diffusion.T // 2]), float(sigma[cfg.diffusion.T // 2])
            a_s, s_s = float(alpha[cfg.diffusion.T // 2 - 10]), float(sigma[cfg.diffusion.T // 2 - 10])

            def one_step():
                x0_hat = model.denoise(x, t_batch, alpha[t_batch.cpu()].to(device), x0, den_kv, mask_b)
                ids, _ = token_confidence(model.decode_logits(x0_hat, dec_kv, mask_b)[1])
                ddim_step(x, table[ids], a_t, s_t, a_s, s_s)

            one_step()
            direct = statistics.median(_timed(device, one_step) for _ in range(max(5, 4 * reps)))
        flops = step_flops(formula, n, cfg.model.max_utterance_len)
        floor_ms = flops / (result["peak"]["gflops"] * 1e6)
        slope = line["slope"] if line else None
        result["steps"].append({
            "n": n,
            "method": "least-squares slope of the fastest whole-generation time over K = " + ", ".join(str(p[0]) for p in points),
            "ms_per_step": slope,
            "intercept_ms": line["intercept"] if line else None,
            "direct_ms": direct,
            "points": [{"K": k, "ms": v} for k, v in points],
            "flops": flops,
            "floor_ms": floor_ms,
            "floor_ratio": (slope / floor_ms) if slope is not None else None,
        })
    skipped = [g["K"] for g in result["generations"] if g.get("skipped")]
    if skipped:
        result["notes"].append(f"K = {', '.join(map(str, skipped))} skipped: predicted over {max_run_ms / 1000:.0f} s")
    return result


def main(argv=None) -> Dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, help="exported bundle directory, e.g. public/models/cf")
    parser.add_argument("--device", default="auto", help="cpu, cuda, or auto (cpu, plus cuda when available)")
    parser.add_argument("--ks", default="25,50,100,200", help="K values of the generation sweep")
    parser.add_argument("--step-ks", default="25,50", help="two K values for the step slope at the other n")
    parser.add_argument("--samples", default="1,5", help="n values whose step time is measured")
    parser.add_argument("--n", type=int, default=5, help="samples per generation in the sweep")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--peak-size", type=int, default=1024)
    parser.add_argument("--max-run-s", type=float, default=60.0, help="skip a K whose run is predicted longer")
    parser.add_argument("--utterance", default=UTTERANCE)
    parser.add_argument("--json", default=None, help="also write the result here")
    args = parser.parse_args(argv)
    ints = lambda s: [int(v) for v in s.split(",") if v.strip()]  # noqa: E731
    if args.device == "auto":
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    else:
        devices = [d.strip() for d in args.device.split(",") if d.strip()]
    bundle = Path(args.bundle)
    manifest = json.loads((bundle / "manifest.json").read_text())
    out = {
        "bundle": str(bundle),
        "language": manifest["language"],
        "parameters": manifest["model"]["parameters"],
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "utterance": args.utterance,
        "results": [],
    }
    for device in devices:
        out["results"].append(bench_device(bundle, device, ints(args.ks), ints(args.step_ks), ints(args.samples),
                                           args.n, args.reps, args.peak_size, args.utterance, args.max_run_s * 1000))
    text = json.dumps(out, indent=1)
    if args.json:
        Path(args.json).write_text(text + "\n")
    print(text)
    return out


if __name__ == "__main__":
    main()
