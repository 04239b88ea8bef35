"""The sampler: K strided DDIM steps from noise to code, n samples per request, ranked and deduplicated top-k.

At every step the denoiser estimates x0 from x_t, and that estimate gives the next x_s. Clamping (config
sampler.clamp) snaps the estimate onto code embeddings before the update: "decoder" (the default) runs D + H
on it and takes the embeddings of the argmax tokens, "nearest" takes the nearest embedding (Diffusion-LM),
"none" keeps it. Without clamping the small errors of each estimate accumulate along the DDIM trajectory:
a tiny model that decodes its training pairs perfectly in one step from any t regenerated 17% of them in 20
steps unclamped and 97% with decoder clamping. The denoiser's self-conditioning input stays the raw estimate,
as in training. The decoder + head turn the last estimate into tokens; with `on_step` they
also decode each intermediate estimate, which is what the app shows while the code condenses out of noise.

Ranking: samples whose code is equal after whitespace normalisation form one candidate. A sample's
confidence is the mean log-probability of its argmax tokens up to and including the first pad; a candidate's
score is the sum of exp(confidence) over its samples divided by n, so agreement between samples and their
confidence both count (a score in (0, 1]). Ties keep the order of first appearance.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch

from .config import SamplerConfig
from .diffusion import ddim_step, q_sample, strided_timesteps
from .model import CodeFusion
from .noise import gaussian_noise
from .predictions import normalize_whitespace
from .retrieval import Conditioner, Prepared, decode_slotted, encode_slotted, query_text
from .scores import score_shown
from .slots import neutralise
from .tensors import code_length, pad_rows
from .tokenizer import PAD_ID, Tokenizer


@dataclass
class SampleOutput:
    ids: torch.Tensor  # [B, Lc] argmax tokens of the final estimate
    confidence: torch.Tensor  # [B] mean log-probability of those tokens up to the first pad
    x0: torch.Tensor  # [B, Lc, d_embed] final estimate


CLAMP_MODES = ("decoder", "nearest", "none")
StepCallback = Callable[[int, int, torch.Tensor, torch.Tensor], None]  # (step index, t, ids, confidence)


def token_confidence(logits: torch.Tensor) -> torch.Tensor:
    """Argmax ids [B, L] and mean log-prob [B] over the positions up to and including the first pad."""
    logp = logits.float().log_softmax(-1)
    best, ids = logp.max(-1)
    is_pad = ids == PAD_ID
    L = ids.shape[1]
    first_pad = torch.where(is_pad.any(1), is_pad.float().argmax(1), torch.full_like(ids[:, 0], L - 1))
    keep = torch.arange(L, device=ids.device)[None, :] <= first_pad[:, None]
    return ids, (best * keep).sum(1) / keep.sum(1)


def nearest_embedding(x: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """Ids of the code embeddings nearest (Euclidean) to each vector of x [B, L, d]."""
    dist = (x.float().pow(2).sum(-1, keepdim=True) - 2 * x.float() @ table.float().t() + table.float().pow(2).sum(-1))
    return dist.argmin(-1)


@torch.no_grad()
def sample(
    model: CodeFusion,
    alpha: torch.Tensor,
    sigma: torch.Tensor,
    utt_ids: torch.Tensor,
    utt_mask: torch.Tensor,
    steps: int,
    noise: torch.Tensor,
    clamp: str = "decoder",
    on_step: Optional[StepCallback] = None,
    decode_every: int = 1,
    start_ids: Optional[torch.Tensor] = None,
    t_start: Optional[int] = None,
) -> SampleOutput:
    """Run the K-step sampler for a batch (one row per sample; repeat a request n times for n samples).

    noise: x_T, [B, Lc, d_embed]; the only randomness of the (deterministic DDIM) sampler.
    alpha, sigma: the schedule table (length T+1), on the CPU: the update reads them as Python floats.
    start_ids, t_start (retrieve and edit, SDEdit): every row starts from a known code [B, Lc] instead of noise. The
    rows join the K-step schedule of the samples from noise at its first time t0 <= t_start (edit_start_step; the
    last step if none is), x_t0 = alpha_t0 L(code) + sigma_t0 noise, and go on in step with them to t = 0: they
    take the steps from t0 only, and on_step reports them under the same step indices.
    """
    T = alpha.shape[0] - 1
    den_kv, dec_kv = model.memory(utt_ids, utt_mask)
    if clamp not in CLAMP_MODES:
        raise ValueError(f"clamp must be one of {CLAMP_MODES}, got {clamp!r}")
    table = model.embedding_table()
    B = noise.shape[0]
    pairs = strided_timesteps(T, steps)
    first = 0
    x = noise
    if start_ids is not None:
        first = edit_start_step(pairs, T if t_start is None else t_start)
        t0 = pairs[first][0]
        x = q_sample(model.embed_code(start_ids), alpha[t0].expand(B).to(noise.device), sigma[t0].expand(B).to(noise.device),
                     noise)
    x0_hat = torch.zeros_like(noise)
    no_self_cond = torch.zeros_like(noise)
    for k, (t, s) in enumerate(pairs):
        if k < first:
            continue
        t_batch = torch.full((B,), t, dtype=torch.long, device=noise.device)
        # a model trained without self-conditioning only ever saw zeros there
        x0_prev = x0_hat if model.cfg.self_conditioning else no_self_cond
        x0_hat = model.denoise(x, t_batch, alpha[t].expand(B).to(noise.device), x0_prev, den_kv, utt_mask)
        if k == len(pairs) - 1:
            break  # s = 0: this estimate is the result, decoded below
        show = on_step is not None and k % decode_every == 0
        if clamp == "decoder" or show:
            ids, conf = token_confidence(model.decode_logits(x0_hat, dec_kv, utt_mask)[1])
            if show:
                on_step(k, t, ids, conf)
        if clamp == "decoder":
            x0_target = table[ids]
        elif clamp == "nearest":
            x0_target = table[nearest_embedding(x0_hat, table)]
        else:
            x0_target = x0_hat
        x = ddim_step(x, x0_target, float(alpha[t]), float(sigma[t]), float(alpha[s]), float(sigma[s]))
    ids, conf = token_confidence(model.decode_logits(x0_hat, dec_kv, utt_mask)[1])
    if on_step is not None:
        on_step(len(pairs) - 1, pairs[-1][0], ids, conf)
    return SampleOutput(ids=ids, confidence=conf, x0=x0_hat)


def edit_start_step(pairs: Sequence[Tuple[int, int]], t_start: int) -> int:
    """The step at which a sample from a known code joins the schedule `pairs` (strided_timesteps): the first whose
    time is at most t_start, the last step when none is (at K = 20, T = 1200: t_start 600 starts at step 10, t = 600;
    200 at step 17, t = 180)."""
    if not 1 <= t_start <= pairs[0][0]:
        raise ValueError(f"t_start must be in 1..{pairs[0][0]}, got {t_start}")
    return next((k for k, (t, _) in enumerate(pairs) if t <= t_start), len(pairs) - 1)


def rank_candidates(codes: Sequence[str], confidences: Sequence[float], top_k: int,
                    starts: Optional[Sequence[Optional[int]]] = None) -> List[Dict[str, float]]:
    """Deduplicate samples (whitespace-normalised) and rank them; see the module docstring for the score.
    starts[j]: the index entry sample j started from (retrieve and edit), or None; a candidate then records the
    start of its first sample that had one (mark_starts)."""
    n = len(codes)
    groups: Dict[str, Dict] = {}
    for code, conf in zip(codes, confidences):
        key = normalize_whitespace(code)
        group = groups.setdefault(key, {"code": code, "score": 0.0, "best": float("-inf")})
        group["score"] += float(torch.tensor(conf).exp()) / n
        if conf > group["best"]:
            group["best"], group["code"] = conf, code
    ranked = sorted(groups.values(), key=lambda g: -g["score"])  # sorted() is stable: ties keep first appearance
    out = [{"code": g["code"], "score": round(g["score"], 6)} for g in ranked[:top_k]]
    return mark_starts(out, codes, starts) if starts is not None else out


def mark_starts(candidates: List[Dict], codes: Sequence[str], starts: Sequence[Optional[int]],
                known: Sequence[str] = ()) -> List[Dict]:
    """Give each candidate that came out of a sample started from a known code that code's index entry as "start"
    (the first such sample, in sample order: the best retrieved code first). A candidate equal to one of the `known`
    codes (the pool's retrieved codes, which rank as known codes) gets none."""
    first: Dict[str, int] = {}
    for code, start in zip(codes, starts):
        if start is not None:
            first.setdefault(normalize_whitespace(code), start)
    known_keys = {normalize_whitespace(c) for c in known}
    for cand in candidates:
        key = normalize_whitespace(cand["code"])
        if key in first and key not in known_keys:
            cand["start"] = first[key]
    return candidates


# Denoising-loss ranking: how well the model reconstructs a candidate from its noised embedding, read at a few
# fixed noise levels with the noise term left out (x_t = alpha_t L(y)), so the score needs no random numbers and
# the browser computes the same one. Lower loss = a candidate the model finds likelier for this request.
RANK_TIME_FRACTIONS = (0.25, 0.5, 0.75)


def rank_times(T: int) -> List[int]:
    return [max(1, int(round(f * T))) for f in RANK_TIME_FRACTIONS]


@torch.no_grad()
def denoising_loss(model: CodeFusion, alpha: torch.Tensor, utt_ids: torch.Tensor, utt_mask: torch.Tensor,
                   code_ids: torch.Tensor) -> torch.Tensor:
    """[B] mean cross-entropy of each candidate's tokens (up to and including the first pad) over rank_times()."""
    den_kv, dec_kv = model.memory(utt_ids, utt_mask)
    x0 = model.embed_code(code_ids)
    B, L = code_ids.shape
    is_pad = code_ids == PAD_ID
    first_pad = torch.where(is_pad.any(1), is_pad.float().argmax(1), torch.full_like(code_ids[:, 0], L - 1))
    keep = (torch.arange(L, device=code_ids.device)[None, :] <= first_pad[:, None]).float()
    total = torch.zeros(B, device=code_ids.device)
    times = rank_times(alpha.shape[0] - 1)
    for t in times:
        t_batch = torch.full((B,), t, dtype=torch.long, device=code_ids.device)
        x0_hat = model.denoise(float(alpha[t]) * x0, t_batch, alpha[t].expand(B).to(x0.device), torch.zeros_like(x0), den_kv,
                               utt_mask)
        logits = model.decode_logits(x0_hat, dec_kv, utt_mask)[1]
        ce = torch.nn.functional.cross_entropy(logits.float().transpose(1, 2), code_ids, reduction="none")
        total += (ce * keep).sum(1) / keep.sum(1)
    return total / len(times)


def pool_losses(model: CodeFusion, cond: Conditioner, alpha: torch.Tensor, prepared: Sequence[Prepared],
                pools: Sequence[Sequence[str]], batch_size: int = 256) -> List[Dict[str, float]]:
    """For each request, code -> denoising_loss of every code of its pool that fits in the model's code length."""
    cfg = model.cfg
    device = next(model.parameters()).device
    jobs = []  # (request index, code, code ids)
    for r, (prep, pool) in enumerate(zip(prepared, pools)):
        for code in pool:
            ids = cond.code_ids(code, prep.slotted)
            if len(ids) <= cfg.max_code_len:
                jobs.append((r, code, ids + [PAD_ID] * (cfg.max_code_len - len(ids))))
    out: List[Dict[str, float]] = [{} for _ in prepared]
    for start in range(0, len(jobs), batch_size):
        chunk = jobs[start:start + batch_size]
        utt_ids, utt_mask = pad_rows([prepared[r].input_ids for r, _, _ in chunk], cfg.max_utterance_len)
        code_ids = torch.tensor([ids for _, _, ids in chunk], dtype=torch.long)
        losses = denoising_loss(model, alpha, utt_ids.to(device), utt_mask.to(device), code_ids.to(device)).cpu().tolist()
        for (r, code, _), loss in zip(chunk, losses):
            out[r][code] = loss
    return out


def order_by_loss(codes: Sequence[str], loss: Dict[str, float]) -> List[Dict[str, float]]:
    """`codes` by increasing loss, score exp(-loss), ties in the given order; then those without a loss (too long to
    be scored, nor produced by the model) with score 0."""
    scored = sorted((c for c in codes if c in loss), key=lambda c: loss[c])  # sorted() is stable
    return [{"code": c, "score": round(math.exp(-loss[c]), 6)} for c in scored] + \
        [{"code": c, "score": 0.0} for c in codes if c not in loss]


def keep_order(codes: Sequence[str], loss: Dict[str, float]) -> List[Dict[str, float]]:
    """`codes` in the given order, each scored as order_by_loss scores it (rank "retrieval-first"'s known codes)."""
    return [{"code": c, "score": round(math.exp(-loss[c]), 6) if c in loss else 0.0} for c in codes]


def rank_by_denoising(model: CodeFusion, cond: Conditioner, alpha: torch.Tensor, prepared: Sequence[Prepared],
                      pools: Sequence[Sequence[str]], top_k: int, batch_size: int = 256,
                      known: Optional[Sequence[int]] = None, known_by_loss: bool = True,
                      losses_out: Optional[List[Dict[str, float]]] = None) -> List[List[Dict[str, float]]]:
    """Each request's pool (distinct codes, in order of appearance) ranked by denoising_loss (order_by_loss).
    With `known` (rank "known-first"), the first known[r] codes of pool r (the retrieved ones) are ranked among
    themselves and come before the rest (the samples), ranked among themselves; with known_by_loss False (rank
    "retrieval-first") the known codes keep their pool order (scored all the same). losses_out: gets each request's
    code -> loss (for the shown scores, scores.score_shown)."""
    losses = pool_losses(model, cond, alpha, prepared, pools, batch_size)
    if losses_out is not None:
        losses_out.extend(losses)
    ranked = []
    for r, (pool, loss) in enumerate(zip(pools, losses)):
        if known is None:
            ranked.append(order_by_loss(pool, loss)[:top_k])
        else:
            first = (order_by_loss if known_by_loss else keep_order)(pool[: known[r]], loss)
            ranked.append((first + order_by_loss(pool[known[r]:], loss))[:top_k])
    return ranked


RANK_MODES = ("votes", "denoise", "known-first", "retrieval-first", "channel")


def distinct(codes: Sequence[str]) -> List[str]:
    seen, out = set(), []
    for code in codes:
        key = normalize_whitespace(code)
        if key and key not in seen:
            seen.add(key)
            out.append(code)
    return out


def known_starts(cond: Conditioner, prepared: Prepared, utterance: str, count: int, code_len: int, exclude: int = -1
                 ) -> List[Tuple[int, List[int]]]:
    """The known codes a sample may start from (retrieve and edit): (index entry, code ids padded to max_code_len) of
    the request's `count` best retrieved neighbours (cut to code_len), in retrieval order (the ones its encoder input reads first).
    The code is the neighbour's slotted code, as the encoder reads it: its literals are placeholders numbered as in
    its own request, which this request's literals fill. Never `exclude` (leave-one-out on training pairs)."""
    if cond.index is None or count <= 0:
        return []
    found = prepared.neighbours[:count]
    if len(found) < count:
        found = cond.index.neighbours(query_text(utterance, prepared.slotted.text, cond.index.query), count, exclude)
    length = code_len
    out = []
    for i, _ in found:
        entry = cond.index.entries[i]
        ids = encode_slotted(cond.tok, entry.slotted_code if cond.use_slots else neutralise(entry.code))[:length]
        out.append((i, ids + [PAD_ID] * (length - len(ids))))
    return out


def request_noise(seed: int, samples: int, cfg) -> torch.Tensor:
    """x_T for one request: the engine's seeded noise (noise.py = src/engine/random.ts), [samples, Lc, d_embed], so
    Python and the browser start from the same floats for the same seed."""
    n = samples * cfg.max_code_len * cfg.d_embed
    return torch.from_numpy(gaussian_noise(seed, n)).view(samples, cfg.max_code_len, cfg.d_embed)


def generate(
    model: CodeFusion,
    tok: Tokenizer,
    alpha: torch.Tensor,
    sigma: torch.Tensor,
    utterances: Sequence[str],
    steps: int,
    samples: int,
    seed: int,
    top_k: int = 5,
    clamp: str = "decoder",
    batch_size: int = 512,
    cond: Optional[Conditioner] = None,
    rank: str = "votes",
    pool_retrieved: int = 0,
    exclude: Optional[Sequence[int]] = None,
    headers: Optional[Sequence[Optional[Sequence[str]]]] = None,
    channel_scan: int = SamplerConfig.channel_scan,
    channel_similarity: float = SamplerConfig.channel_similarity,
    edit_samples: int = SamplerConfig.edit_samples,
    edit_t0: int = SamplerConfig.edit_t0,
) -> List[List[Dict[str, float]]]:
    """Top-k candidates for each utterance: n = `samples` samples each; request i starts from the engine's noise for
    seed + i (request_noise), as `npm run generate` does for line i.

    Retrieve and edit: sample j < edit_samples starts from the request's j-th known code (known_starts: its
    retrieved neighbours' slotted codes, in retrieval order) with the same noise row j, joining the K-step schedule
    at its first time <= edit_t0 (sample); the others start from pure noise. A candidate that came out of such a
    sample records that code's index entry ("start").

    With a conditioner the request is slotted and its neighbours retrieved (exclude[i]: the index entry request i
    must not find, for leave-one-out checks on training pairs; headers[i]: the column names of its table, CF); with pool_retrieved > 0 the neighbours' codes,
    slots filled, join the samples; rank "denoise" orders the pool by the model's denoising loss."""
    cfg = model.cfg
    device = next(model.parameters()).device
    if cond is None:
        cond = Conditioner(tok, None, None, 0, cfg.max_utterance_len, cfg.max_utterance_len, False)
    prepared = [cond.prepare(u, exclude[i] if exclude is not None else -1, headers[i] if headers is not None else None)
                for i, u in enumerate(utterances)]
    utt_ids, utt_mask = pad_rows([p.input_ids for p in prepared], cfg.max_utterance_len)
    edit_samples = min(max(0, edit_samples), samples)
    # per request, sample j's known code: (index entry, code ids) for j < edit_samples where it has one
    starts = [known_starts(cond, p, u, edit_samples, cfg.max_code_len, exclude[i] if exclude is not None else -1)
              for i, (p, u) in enumerate(zip(prepared, utterances))]
    sample_starts: List[List[Optional[int]]] = [[e for e, _ in st] + [None] * (samples - len(st)) for st in starts]
    sampled: List[List[str]] = []
    sampled_conf: List[List[float]] = []
    per_batch = max(1, batch_size // samples)
    for start in range(0, len(utterances), per_batch):
        stop = min(start + per_batch, len(utterances))
        ids = utt_ids[start:stop].repeat_interleave(samples, 0).to(device)
        mask = utt_mask[start:stop].repeat_interleave(samples, 0).to(device)
        noise = torch.cat([request_noise(seed + i, samples, cfg) for i in range(start, stop)]).to(device)
        edit_rows = [j * samples + k for j in range(stop - start) for k in range(len(starts[start + j]))]
        if not edit_rows:
            out = sample(model, alpha, sigma, ids, mask, steps, noise, clamp=clamp)
            out_ids, out_conf = out.ids, out.confidence
        else:
            # the samples from known codes and those from noise follow different time grids: two batches
            edit = torch.zeros(len(noise), dtype=torch.bool)
            edit[edit_rows] = True
            start_ids = torch.tensor([code for j in range(start, stop) for _, code in starts[j]], dtype=torch.long)
            out_ids = torch.zeros((len(noise), cfg.max_code_len), dtype=torch.long)
            out_conf = torch.zeros(len(noise))
            edited = sample(model, alpha, sigma, ids[edit.to(device)], mask[edit.to(device)], steps, noise[edit.to(device)],
                            clamp=clamp, start_ids=start_ids.to(device), t_start=edit_t0)
            out_ids[edit], out_conf[edit] = edited.ids.cpu(), edited.confidence.cpu()
            if not edit.all():
                plain = ~edit
                rest = sample(model, alpha, sigma, ids[plain.to(device)], mask[plain.to(device)], steps,
                              noise[plain.to(device)], clamp=clamp)
                out_ids[plain], out_conf[plain] = rest.ids.cpu(), rest.confidence.cpu()
        rows = out_ids.cpu().tolist()
        conf = out_conf.cpu().tolist()
        for j in range(stop - start):
            chunk = slice(j * samples, (j + 1) * samples)
            sampled.append([prepared[start + j].fill(decode_slotted(tok, r[: code_length(r)])) for r in rows[chunk]])
            sampled_conf.append(conf[chunk])
    if rank == "votes" and pool_retrieved == 0:
        return score_shown([rank_candidates(c, k, top_k, st if edit_samples else None)
                            for c, k, st in zip(sampled, sampled_conf, sample_starts)],
                           rank, utterances, prepared, [], None, cond, 0, channel_scan, channel_similarity)
    as_written = rank in ("retrieval-first", "channel")
    losses: Optional[List[Dict[str, float]]] = []  # each request's pool losses, for the shown scores (None: votes)
    if rank == "channel":
        retrieved = [cond.channel_candidates(p, u, pool_retrieved, channel_scan, channel_similarity)
                     for p, u in zip(prepared, utterances)]
    else:
        retrieved = [cond.retrieved_candidates(p, u, pool_retrieved, as_written) for p, u in zip(prepared, utterances)]
    if rank in ("known-first", "retrieval-first", "channel"):
        # The model's own samples reconstruct easily (they are its own estimates), so one pool ranked by the loss
        # puts them first whatever they are worth: the retrieved codes are ranked among themselves and go first.
        pools = [distinct(r + s) for s, r in zip(sampled, retrieved)]
        ranked_rows = rank_by_denoising(model, cond, alpha, prepared, pools, top_k,
                                        known=[len(distinct(r)) for r in retrieved], known_by_loss=not as_written,
                                        losses_out=losses)
    else:
        pools = [distinct(s + r) for s, r in zip(sampled, retrieved)]
        if rank == "denoise":
            ranked_rows = rank_by_denoising(model, cond, alpha, prepared, pools, top_k, losses_out=losses)
        else:
            losses = None
            # votes with a pool: the samples' ranking first, then the retrieved codes not already among them
            ranked_rows = []
            for s, k, pool in zip(sampled, sampled_conf, pools):
                ranked = rank_candidates(s, k, top_k)
                taken = {normalize_whitespace(c["code"]) for c in ranked}
                ranked += [{"code": c, "score": 0.0} for c in pool if normalize_whitespace(c) not in taken]
                ranked_rows.append(ranked[:top_k])
    if edit_samples:
        for ranked, s, st, r in zip(ranked_rows, sampled, sample_starts, retrieved):
            mark_starts(ranked, s, st, known=r)
    # each candidate's share of the ranking's weight within its part (scores.py)
    return score_shown(ranked_rows, rank, utterances, prepared, retrieved, losses, cond, pool_retrieved, channel_scan,
                       channel_similarity)


def denoising_trace(
    model: CodeFusion,
    tok: Tokenizer,
    alpha: torch.Tensor,
    sigma: torch.Tensor,
    utterance: str,
    steps: int,
    samples: int,
    seed: int,
    clamp: str = "decoder",
    decode_every: int = 1,
    cond: Optional[Conditioner] = None,
    edit_samples: int = 0,
    edit_t0: int = SamplerConfig.edit_t0,
) -> List[Dict]:
    """The decoded code of every sample at every (decode_every-th) step, as the app shows it (placeholders filled):
    [{"step": k, "t": t, "codes": [code of sample 1, ...]}, ...], the last entry being the final result.

    With edit_samples (retrieve and edit, as generate does it) the first entry is {"step": -1, "start": [index entry
    of each sample's known code, or None], "codes": [that code filled, or "" for a sample from noise]}, and every
    entry has "ts", each sample's t (None for a sample from a known code before it joins the schedule at edit_t0)."""
    cfg = model.cfg
    device = next(model.parameters()).device
    if cond is None:
        cond = Conditioner(tok, None, None, 0, cfg.max_utterance_len, cfg.max_utterance_len, False)
    prepared = cond.prepare(utterance)
    utt_ids, utt_mask = pad_rows([prepared.input_ids], cfg.max_utterance_len)
    noise = request_noise(seed, samples, cfg).to(device)
    starts = known_starts(cond, prepared, utterance, min(max(0, edit_samples), samples), cfg.max_code_len)

    def text(row: List[int]) -> str:
        return prepared.fill(decode_slotted(tok, row[: code_length(row)]))

    def run(rows: slice, **start) -> Dict[int, tuple]:
        seen: Dict[int, tuple] = {}
        n = len(range(samples)[rows])
        if n:
            sample(model, alpha, sigma, utt_ids.repeat(n, 1).to(device), utt_mask.repeat(n, 1).to(device), steps,
                   noise[rows], clamp=clamp, decode_every=decode_every,
                   on_step=lambda k, t, ids, conf: seen.__setitem__(k, (t, [text(r) for r in ids.cpu().tolist()])), **start)
        return seen

    if not starts:
        return [{"step": k, "t": t, "codes": codes} for k, (t, codes) in sorted(run(slice(None)).items())]
    e = len(starts)
    edited = run(slice(0, e), start_ids=torch.tensor([ids for _, ids in starts], device=device), t_start=edit_t0)
    plain = run(slice(e, None))
    trace: List[Dict] = [{"step": -1, "start": [i for i, _ in starts] + [None] * (samples - e),
                          "codes": [text(ids) for _, ids in starts] + [""] * (samples - e)}]
    for k in sorted(set(edited) | set(plain)):
        # one schedule for both groups: until the samples from known codes join it (t <= edit_t0) they show their code
        t_e, codes_e = edited.get(k, (None, trace[0]["codes"][:e]))
        t_n, codes_n = plain.get(k, (None, []))
        trace.append({"step": k, "t": t_n if t_n is not None else t_e, "ts": [t_e] * e + [t_n] * (samples - e),
                      "codes": codes_e + codes_n})
    return trace


def main(argv=None) -> None:
    """Watch a model turn one request into code: python3 -m training.sample --run runs/cf-tiny "Color cells above 5"."""
    import argparse
    from pathlib import Path

    from .checkpoint import load_checkpoint, load_conditioner, schedule_for

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("utterance")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", help="training run directory")
    source.add_argument("--bundle", help="exported bundle directory")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--every", type=int, default=1, help="show every m-th step")
    parser.add_argument("--edit-samples", type=int, default=None, help="samples that start from known codes (default: the config's)")
    parser.add_argument("--edit-t0", type=int, default=None, help="the time they start at (default: the config's)")
    args = parser.parse_args(argv)
    if args.run:
        model, cfg, tok = load_checkpoint(Path(args.run))
    else:
        from .bundle import load_bundle

        model, cfg, tok = load_bundle(Path(args.bundle))
    alpha, sigma = schedule_for(cfg)
    cond = load_conditioner(Path(args.run or args.bundle), cfg, tok)
    steps, samples = args.steps or cfg.sampler.steps, args.samples or cfg.sampler.samples
    edit_samples = cfg.sampler.edit_samples if args.edit_samples is None else args.edit_samples
    trace = denoising_trace(model, tok, alpha, sigma, args.utterance, steps, samples, args.seed,
                            cfg.sampler.clamp, args.every, cond, edit_samples, args.edit_t0 or cfg.sampler.edit_t0)
    for entry in trace:
        if entry["step"] < 0:
            print("start       " + "  |  ".join(repr(c) if c else "(noise)" for c in entry["codes"]))
            continue
        times = "/".join(str(t) for t in dict.fromkeys(entry.get("ts", [entry["t"]])))
        print(f"step {entry['step'] + 1:>4}/{steps} t={times:>8}  " + "  |  ".join(repr(c) for c in entry["codes"]))
    last = trace[-1]
    confidences = [0.0] * len(last["codes"])  # the ranking below only needs the votes here
    print("top-k:", [c["code"] for c in rank_candidates(last["codes"], confidences, cfg.sampler.top_k)])


if __name__ == "__main__":
    main()
