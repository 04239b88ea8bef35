"""The Gaussian diffusion over code embeddings: noise schedule, forward noising and the strided DDIM update.

Time is discrete, i = 0..T (i = 0 is clean data). The schedule is defined by its log signal-to-noise ratio
logsnr(i); alpha_i^2 = sigmoid(logsnr), sigma_i^2 = sigmoid(-logsnr) (variance preserving), so
x_i = alpha_i * x0 + sigma_i * eps. The browser engine reads alpha and sigma from the exported table
(manifest.json "diffusion"), never from a second copy of this formula.
"""
from __future__ import annotations

import math
from typing import List, Tuple

import torch

from .config import DiffusionConfig


def schedule_shift(cfg: DiffusionConfig, d_embed: int) -> float:
    return cfg.shift if cfg.shift > 0 else math.sqrt(d_embed) / 2.0


def logsnr_table(cfg: DiffusionConfig, d_embed: int) -> torch.Tensor:
    """logSNR at every discrete time 0..T (float64, length T+1), decreasing from logsnr_max to logsnr_min.

    A cosine schedule (logsnr = -2 log tan(pi t / 2)) shifted by -2 log(shift) and truncated to
    [logsnr_min, logsnr_max] by restricting its argument (Kingma et al. 2021, Hoogeboom et al. 2023).
    With unit-variance embeddings the shift sqrt(d_embed)/2 puts the middle of the schedule where a token's
    identity becomes uncertain, so training time is spread over the steps that decide the structure.
    """
    log_shift = 2.0 * math.log(schedule_shift(cfg, d_embed))
    a = math.atan(math.exp(-0.5 * (cfg.logsnr_max + log_shift)))
    b = math.atan(math.exp(-0.5 * (cfg.logsnr_min + log_shift)))
    t = torch.linspace(0.0, 1.0, cfg.T + 1, dtype=torch.float64)
    return -2.0 * torch.log(torch.tan(a + t * (b - a))) - log_shift


def alpha_sigma_table(cfg: DiffusionConfig, d_embed: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """alpha_i and sigma_i for i = 0..T as float32 tensors (the table the manifest exports)."""
    logsnr = logsnr_table(cfg, d_embed)
    alpha = torch.sigmoid(logsnr).sqrt()
    sigma = torch.sigmoid(-logsnr).sqrt()
    return alpha.float(), sigma.float()


def q_sample(x0: torch.Tensor, alpha: torch.Tensor, sigma: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Forward noising x_t = alpha_t x0 + sigma_t eps; alpha and sigma are per batch item ([B])."""
    return alpha[:, None, None] * x0 + sigma[:, None, None] * noise


def strided_timesteps(T: int, steps: int) -> List[Tuple[int, int]]:
    """The K (t, s) pairs a sampler with `steps` = K visits: t from T down to T/K, s the next time (last s = 0).

    t_k = T (K - k) / K rounded half up, in integer arithmetic so that every language computes the same times.
    """
    if not 1 <= steps <= T:
        raise ValueError(f"steps must be in 1..{T}, got {steps}")
    times = [(T * (steps - k) + steps // 2) // steps for k in range(steps)] + [0]
    return [(times[k], times[k + 1]) for k in range(steps)]


def ddim_step(
    x_t: torch.Tensor, x0_hat: torch.Tensor, alpha_t: float, sigma_t: float, alpha_s: float, sigma_s: float
) -> torch.Tensor:
    """Deterministic DDIM update from time t to s < t given the model's estimate of x0.

    eps_hat = (x_t - alpha_t x0_hat) / sigma_t;  x_s = alpha_s x0_hat + sigma_s eps_hat.
    """
    eps_hat = (x_t - alpha_t * x0_hat) / sigma_t
    return alpha_s * x0_hat + sigma_s * eps_hat
