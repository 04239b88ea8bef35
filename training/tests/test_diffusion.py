"""The noise schedule is matched to the embedding scale: at the largest t the noisy vectors say (almost)
nothing about the tokens, at the smallest t almost everything, and the transition is spread over t."""
import math

import torch

from training.config import DiffusionConfig, make_config
from training.diffusion import alpha_sigma_table, ddim_step, logsnr_table, q_sample, strided_timesteps
from training.model import CodeFusion
from training.sample import nearest_embedding


def nearest_accuracy(table: torch.Tensor, ids: torch.Tensor, i: int, alpha, sigma, gen) -> float:
    x0 = table[ids]
    noise = torch.randn(x0.shape, generator=gen)
    x_t = q_sample(x0, alpha[i].expand(ids.shape[0]), sigma[i].expand(ids.shape[0]), noise)
    return (nearest_embedding(x_t, table) == ids).float().mean().item()


def accuracy_curve(d_embed: int, vocab: int, times):
    cfg = make_config("base")
    cfg.model.d_embed, cfg.model.vocab_size = d_embed, vocab
    torch.manual_seed(0)
    model = CodeFusion(cfg.model, cfg.diffusion.T)
    table = model.embedding_table().detach()
    alpha, sigma = alpha_sigma_table(cfg.diffusion, d_embed)
    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(0, vocab, (64, 64), generator=gen)
    return [nearest_accuracy(table, ids, i, alpha, sigma, gen) for i in times]


def test_schedule_endpoints_and_monotone():
    cfg = DiffusionConfig()
    logsnr = logsnr_table(cfg, 64)
    assert math.isclose(logsnr[0].item(), cfg.logsnr_max, abs_tol=1e-6)
    assert math.isclose(logsnr[-1].item(), cfg.logsnr_min, abs_tol=1e-6)
    assert torch.all(logsnr[1:] < logsnr[:-1])
    alpha, sigma = alpha_sigma_table(cfg, 64)
    assert torch.allclose(alpha**2 + sigma**2, torch.ones_like(alpha), atol=1e-6)


def test_noise_matched_to_embedding_scale_base():
    T = DiffusionConfig().T
    vocab = 4096
    acc = accuracy_curve(64, vocab, [1, T // 4, T // 2, 3 * T // 4, T])
    assert acc[0] > 0.99, acc  # smallest t: the tokens are all still there
    assert acc[-1] < 5.0 / vocab, acc  # largest t: nearest-embedding accuracy at chance level (1/V)
    assert acc[0] >= acc[1] >= acc[2] >= acc[3] >= acc[4], acc
    # The transition is spread out: the middle of the schedule is neither trivial nor hopeless.
    assert 0.02 < acc[2] < 0.9, acc


def test_noise_matched_for_tiny_embedding():
    T = DiffusionConfig().T
    acc = accuracy_curve(16, 512, [1, T // 2, T])
    assert acc[0] > 0.99 and acc[-1] < 5.0 / 512 and 0.02 < acc[1] < 0.9, acc


def test_strided_timesteps():
    assert strided_timesteps(1200, 1) == [(1200, 0)]
    pairs = strided_timesteps(1200, 50)
    assert len(pairs) == 50 and pairs[0][0] == 1200 and pairs[-1][1] == 0
    assert all(t > s for t, s in pairs) and all(pairs[k][1] == pairs[k + 1][0] for k in range(49))
    assert len(strided_timesteps(1200, 1200)) == 1200


def test_ddim_step_with_perfect_x0_lands_on_the_noised_point():
    """If x0_hat is exact, the DDIM update moves x_t to alpha_s x0 + sigma_s eps with the same eps."""
    alpha, sigma = alpha_sigma_table(DiffusionConfig(), 16)
    x0, eps = torch.randn(2, 5, 16), torch.randn(2, 5, 16)
    t, s = 900, 300
    x_t = alpha[t] * x0 + sigma[t] * eps
    x_s = ddim_step(x_t, x0, alpha[t].item(), sigma[t].item(), alpha[s].item(), sigma[s].item())
    assert torch.allclose(x_s, alpha[s] * x0 + sigma[s] * eps, atol=1e-5)
    assert torch.allclose(ddim_step(x_t, x0, alpha[t].item(), sigma[t].item(), 1.0, 0.0), x0)
