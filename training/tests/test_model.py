"""training/model.py: state-dict names (named layers, old checkpoints still load) and the FLOP formula the
manifest carries (checked here against counts made by hand, product by product)."""
import re

import torch

from training.config import make_config
from training.model import CodeFusion, step_flops, step_flops_formula


def tiny_model():
    cfg = make_config("tiny")
    cfg.model.vocab_size = 64
    torch.manual_seed(0)
    return CodeFusion(cfg.model, cfg.diffusion.T).eval(), cfg


def test_state_dict_names_layers_not_sequential_positions():
    model, _ = tiny_model()
    names = list(model.state_dict())
    assert "denoiser.time_mlp.fc1.weight" in names and "denoiser.time_mlp.fc2.bias" in names
    # the only numbers in a name are the block index of a layers list
    assert [n for n in names if re.search(r"\.\d+\.", n.replace(".layers.", ".layers_"))] == []


def test_a_checkpoint_with_the_old_sequential_names_still_loads():
    model, cfg = tiny_model()
    old = {}
    for name, value in model.state_dict().items():
        name = name.replace("time_mlp.fc1.", "time_mlp.0.").replace("time_mlp.fc2.", "time_mlp.2.")
        old[name] = value.clone()
    assert "denoiser.time_mlp.0.weight" in old and "denoiser.time_mlp.2.bias" in old
    fresh = CodeFusion(cfg.model, cfg.diffusion.T)
    fresh.load_state_dict(old)  # strict: no missing, no unexpected key
    for name, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[name], value), name
    feats = torch.randn(2, cfg.model.d_model)
    assert torch.equal(fresh.denoiser.time_mlp(feats), model.denoiser.time_mlp(feats))


def test_step_flops_of_a_one_layer_denoiser_counted_by_hand():
    cfg = make_config("tiny").model
    for key, value in dict(vocab_size=3, max_code_len=1, d_model=2, d_ff=4, d_embed=1, denoiser_layers=1,
                           decoder_layers=0).items():
        setattr(cfg, key, value)
    # time MLP 2·(2·1·2·2) = 16; in_proj 2·1·2·2 = 8; block: qkv 2·1·2·6 = 24, self out 8, cross q 8, cross out 8,
    # fc1 2·1·2·4 = 16, fc2 16, q·kᵀ 2·1·1·2 = 4, p·v 4, cross q·kᵀ 4, p·v 4 → 96; out_proj 2·1·2·1 = 4.
    # decoder: in_proj 4, out_proj 4; head 2·1·1·3 = 6.
    formula = step_flops_formula(cfg)
    parts = {name: step_flops({name: part}, 1, 1) for name, part in formula.items()}
    assert parts == {"denoiser": 124, "decoder": 8, "head": 6}
    assert step_flops(formula, 1, 1) == 138


def test_step_flops_of_a_batch_against_a_longer_utterance_counted_by_hand():
    cfg = make_config("tiny").model
    for key, value in dict(vocab_size=5, max_code_len=3, d_model=4, d_ff=8, d_embed=2, denoiser_layers=1,
                           decoder_layers=1, n_heads=2).items():
        setattr(cfg, key, value)
    n, Lu, R = 2, 2, 2 * 3  # samples, utterance tokens, rows of the code side

    def mm(m, k, p):
        return 2 * m * k * p

    block = (mm(R, 4, 12) + mm(R, 4, 4)  # qkv, self out
             + n * 2 * (mm(3, 2, 3) + mm(3, 3, 2))  # per sample, per head (dh = 2): q·kᵀ and p·v
             + mm(R, 4, 4) + 2 * (mm(R, 2, Lu) + mm(R, Lu, 2)) + mm(R, 4, 4)  # cross q, per head against memory, out
             + mm(R, 4, 8) + mm(R, 8, 4))  # MLP
    assert block == 2400
    denoiser = 2 * mm(1, 4, 4) + mm(R, 4, 4) + block + mm(R, 4, 2)
    decoder = mm(R, 2, 4) + block + mm(R, 4, 2)
    head = mm(R, 2, 5)
    formula = step_flops_formula(cfg)
    assert {name: step_flops({name: part}, n, Lu) for name, part in formula.items()} == \
        {"denoiser": denoiser, "decoder": decoder, "head": head}
    assert step_flops(formula, n, Lu) == 5464


def test_scale_input_feeds_the_denoiser_alpha_t_x_t_and_off_feeds_x_t():
    model, cfg = tiny_model()
    gen = torch.Generator().manual_seed(1)
    Lc, d = cfg.model.max_code_len, cfg.model.d_embed
    utt = torch.randint(0, 64, (2, 5), generator=gen)
    mask = torch.ones(2, 5, dtype=torch.bool)
    den_kv, _ = model.memory(utt, mask)
    x_t, x0_prev = torch.randn(2, Lc, d, generator=gen), torch.randn(2, Lc, d, generator=gen)
    t, alpha_t = torch.tensor([1100, 50]), torch.tensor([0.01, 0.99])
    with torch.no_grad():
        plain = model.denoiser(x_t, t, x0_prev, den_kv, mask)
        assert torch.equal(model.denoise(x_t, t, alpha_t, x0_prev, den_kv, mask), plain)  # off: x_t as before
        model.cfg.scale_input = True
        scaled = model.denoise(x_t, t, alpha_t, x0_prev, den_kv, mask)
        assert torch.allclose(scaled, model.denoiser(alpha_t[:, None, None] * x_t, t, x0_prev, den_kv, mask))
        # at high noise the input is (almost) gone: the estimate barely depends on which noise x_t holds
        other = model.denoise(torch.randn(2, Lc, d, generator=gen), t, alpha_t, x0_prev, den_kv, mask)
        assert (scaled[0] - other[0]).abs().max() < 0.1 * (scaled[1] - other[1]).abs().max()
