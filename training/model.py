"""CodeFusion (Singh et al. 2023), read top to bottom:

  utterance ids --E--> memory                       (transformer encoder)
  code ids      --L--> x0 (unit-variance vectors)   (trainable embedding of code tokens into the diffusion space)
  x_t = alpha_t x0 + sigma_t eps                    (diffusion.py)
  (x_t, t, x0_prev, memory) --N--> x0_hat           (denoiser: self-attention over x_t, cross-attention to memory)
  (x0_hat, memory) --D--> z --H--> logits           (decoder with cross-attention, then one linear head: all tokens at once)

H is tied to L: logits = exp(head_log_scale) * (z @ L_normalisedᵀ) + bias. The decoder's second loss pulls z onto the clean embedding
of each token, so with tied weights a z that meets that loss is already decoded correctly; an untied head
starts from small random weights and spends the first thousands of steps learning what L already says. The
learnt scale lets the logits sharpen without pulling z off the embeddings (the second loss keeps z near L(y)).

Loss (both phases): |x0_hat - x0|^2 + |z - x0|^2 - log p(code | z). The paper writes the first term as noise
prediction; predicting x0 is the same estimate in another parametrisation and lets D read x0_hat directly.

Every operation here has a counterpart in the browser engine; docs/model-format.md lists them, and
src/engine/model.ts has the same sections in the same order (attention, block, time, encoder, denoiser, decoder,
head), each module loading its weights by the state-dict prefix it has here: change both together. Attention uses
F.scaled_dot_product_attention where PyTorch has it (2.x) and the same arithmetic by hand on PyTorch 1.13.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import ModelConfig
from .diffusion import q_sample

KV = Tuple[torch.Tensor, torch.Tensor]


# ---- Attention: attention(), SelfAttention, CrossAttention, MLP ---------------------------------------------------


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, key_mask: Optional[torch.Tensor]) -> torch.Tensor:
    """Softmax attention. q [B,h,Lq,dh], k/v [B,h,Lk,dh], key_mask [B,Lk] bool (True = attend) or None."""
    if hasattr(F, "scaled_dot_product_attention"):
        mask = key_mask[:, None, None, :] if key_mask is not None else None
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if key_mask is not None:
        scores = scores.masked_fill(~key_mask[:, None, None, :], float("-inf"))
    return scores.softmax(dim=-1) @ v


class SelfAttention(nn.Module):
    def __init__(self, d: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
        B, L, d = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        y = attention(q, k, v, mask)
        return self.out(y.transpose(1, 2).reshape(B, L, d))


class CrossAttention(nn.Module):
    """Queries from the code positions, keys and values from the encoder's memory (projected once per request)."""

    def __init__(self, d: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.q = nn.Linear(d, d)
        self.kv = nn.Linear(d, 2 * d)
        self.out = nn.Linear(d, d)

    def project_memory(self, memory: torch.Tensor) -> KV:
        B, M, d = memory.shape
        k, v = self.kv(memory).view(B, M, 2, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        return k, v

    def forward(self, x: torch.Tensor, memory_kv: KV, memory_mask: torch.Tensor) -> torch.Tensor:
        B, L, d = x.shape
        q = self.q(x).view(B, L, self.n_heads, d // self.n_heads).transpose(1, 2)
        y = attention(q, memory_kv[0], memory_kv[1], memory_mask)
        return self.out(y.transpose(1, 2).reshape(B, L, d))


class MLP(nn.Module):
    def __init__(self, d: int, d_ff: int):
        super().__init__()
        self.fc1 = nn.Linear(d, d_ff)
        self.fc2 = nn.Linear(d_ff, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


# ---- Block --------------------------------------------------------------------------------------------------------


class Block(nn.Module):
    """Pre-LayerNorm transformer block; with `cross`, a cross-attention sublayer between self-attention and MLP."""

    def __init__(self, cfg: ModelConfig, cross: bool):
        super().__init__()
        d = cfg.d_model
        self.ln1 = nn.LayerNorm(d)
        self.self_attn = SelfAttention(d, cfg.n_heads)
        self.cross = cross
        if cross:
            self.ln2 = nn.LayerNorm(d)
            self.cross_attn = CrossAttention(d, cfg.n_heads)
        self.ln3 = nn.LayerNorm(d)
        self.mlp = MLP(d, cfg.d_ff)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, mask=None, memory_kv: Optional[KV] = None, memory_mask=None):
        x = x + self.drop(self.self_attn(self.ln1(x), mask))
        if self.cross:
            x = x + self.drop(self.cross_attn(self.ln2(x), memory_kv, memory_mask))
        return x + self.drop(self.mlp(self.ln3(x)))


# ---- Time: TimeMLP and the sinusoidal features of t ---------------------------------------------------------------


class TimeMLP(nn.Module):
    """The denoiser's time embedding: fc2(SiLU(fc1(features(t)))), one d_model vector per t."""

    # Checkpoints and bundles from before this module held nn.Sequential(Linear, SiLU, Linear): keys .0 and .2.
    OLD_KEYS = {"0.": "fc1.", "2.": "fc2."}

    def __init__(self, d: int):
        super().__init__()
        self.fc1 = nn.Linear(d, d)
        self.fc2 = nn.Linear(d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.silu(self.fc1(x)))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for key in [k for k in state_dict if k.startswith(prefix)]:
            rest = key[len(prefix):]
            for old, new in self.OLD_KEYS.items():
                if rest.startswith(old):
                    state_dict[prefix + new + rest[len(old):]] = state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def timestep_features(t: torch.Tensor, T: int, dim: int) -> torch.Tensor:
    """Sinusoidal features of t/T * 1000 ([B] -> [B, dim]): cos half then sin half, as in DDPM."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = (t.float() * (1000.0 / T))[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


# ---- Encoder E ----------------------------------------------------------------------------------------------------


class Encoder(nn.Module):
    """E: a transformer over the utterance. For unconditional pre-training its input vectors are Gaussian noise.

    With cfg.shared_input_embedding, each input token also enters through the code embedding L (projected to
    d_model by `from_code`): utterance and code tokens then share one space, so copying a token from the
    request into the code (a number, a file name, a string) is one learnt linear path that works for every
    token, including tokens never seen in a training code.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.from_code = nn.Linear(cfg.d_embed, cfg.d_model, bias=False) if cfg.shared_input_embedding else None
        self.pos_emb = nn.Parameter(torch.zeros(cfg.max_utterance_len, cfg.d_model))
        self.layers = nn.ModuleList(Block(cfg, cross=False) for _ in range(cfg.encoder_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, ids, mask, code_table: torch.Tensor, uncond: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = self.tok_emb(ids)
        if self.from_code is not None:
            h = h + self.from_code(code_table[ids])
        if uncond is not None:
            noise = torch.randn_like(h) * self.tok_emb.weight.detach().std()
            h = torch.where(uncond[:, None, None], noise, h)
        h = self.drop(h + self.pos_emb[: ids.shape[1]])
        for layer in self.layers:
            h = layer(h, mask)
        return self.ln_f(h)


# ---- Denoiser N ---------------------------------------------------------------------------------------------------


class Denoiser(nn.Module):
    """N: estimates x0 from x_t, the time t and (self-conditioning) its own previous estimate."""

    def __init__(self, cfg: ModelConfig, T: int):
        super().__init__()
        d = cfg.d_model
        self.T = T
        self.in_proj = nn.Linear(2 * cfg.d_embed, d)
        self.pos_emb = nn.Parameter(torch.zeros(cfg.max_code_len, d))
        self.time_mlp = TimeMLP(d)
        self.layers = nn.ModuleList(Block(cfg, cross=True) for _ in range(cfg.denoiser_layers))
        self.ln_f = nn.LayerNorm(d)
        self.out_proj = nn.Linear(d, cfg.d_embed)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x_t, t, x0_prev, memory_kv: List[KV], memory_mask) -> torch.Tensor:
        h = self.in_proj(torch.cat([x_t, x0_prev], dim=-1))
        h = h + self.pos_emb[: x_t.shape[1]] + self.time_mlp(timestep_features(t, self.T, h.shape[-1]))[:, None, :]
        h = self.drop(h)
        for layer, kv in zip(self.layers, memory_kv):
            h = layer(h, None, kv, memory_mask)
        return self.out_proj(self.ln_f(h))


# ---- Decoder D ----------------------------------------------------------------------------------------------------


class Decoder(nn.Module):
    """D: a transformer with cross-attention that maps x0_hat back towards the clean embeddings, z."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        d = cfg.d_model
        self.in_proj = nn.Linear(cfg.d_embed, d)
        self.pos_emb = nn.Parameter(torch.zeros(cfg.max_code_len, d))
        self.layers = nn.ModuleList(Block(cfg, cross=True) for _ in range(cfg.decoder_layers))
        self.ln_f = nn.LayerNorm(d)
        self.out_proj = nn.Linear(d, cfg.d_embed)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x0_hat, memory_kv: List[KV], memory_mask) -> torch.Tensor:
        h = self.drop(self.in_proj(x0_hat) + self.pos_emb[: x0_hat.shape[1]])
        for layer, kv in zip(self.layers, memory_kv):
            h = layer(h, None, kv, memory_mask)
        return self.out_proj(self.ln_f(h))


# ---- Head H (tied to the code embedding L) and the whole model ----------------------------------------------------


class CodeFusion(nn.Module):
    def __init__(self, cfg: ModelConfig, T: int):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.code_emb = nn.Embedding(cfg.vocab_size, cfg.d_embed)  # L
        self.denoiser = Denoiser(cfg, T)  # N
        self.decoder = Decoder(cfg)  # D
        self.head_bias = nn.Parameter(torch.zeros(cfg.vocab_size))  # H = (L_normalised, scale, bias)
        self.head_log_scale = nn.Parameter(torch.zeros(1))
        self.apply(self._init_weights)
        nn.init.normal_(self.code_emb.weight, std=1.0)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def embed_code(self, ids: torch.Tensor) -> torch.Tensor:
        """L(y): rows normalised to norm sqrt(d_embed), i.e. unit variance per coordinate like the noise."""
        return self.embedding_table()[ids]

    def embedding_table(self) -> torch.Tensor:
        w = self.code_emb.weight
        return F.normalize(w, dim=-1) * math.sqrt(w.shape[-1])

    def memory(self, utt_ids, utt_mask, uncond=None) -> Tuple[List[KV], List[KV]]:
        """Encode the utterance once and project it to every cross-attention layer's keys and values."""
        mem = self.encoder(utt_ids, utt_mask, self.embedding_table(), uncond)
        den = [layer.cross_attn.project_memory(mem) for layer in self.denoiser.layers]
        dec = [layer.cross_attn.project_memory(mem) for layer in self.decoder.layers]
        return den, dec

    def denoise(self, x_t, t, alpha_t: torch.Tensor, x0_prev, den_kv: List[KV], utt_mask) -> torch.Tensor:
        """x0_hat = N(x_t, t, x0_prev). With cfg.scale_input N reads alpha_t x_t (alpha_t per item, [B]): E[x0 | x_t] for
        unit-variance x0 and no request, so at high t its input fades to 0 rather than pure noise that it has to learn
        to ignore, and at low t it is x_t."""
        x_in = alpha_t.to(x_t.dtype)[:, None, None] * x_t if self.cfg.scale_input else x_t
        return self.denoiser(x_in, t, x0_prev, den_kv, utt_mask)

    def decode_logits(self, x0_hat, dec_kv, utt_mask) -> Tuple[torch.Tensor, torch.Tensor]:
        z = self.decoder(x0_hat, dec_kv, utt_mask)
        return z, (z @ self.embedding_table().t()) * self.head_log_scale.exp() + self.head_bias

    def forward(
        self,
        utt_ids: torch.Tensor,
        utt_mask: torch.Tensor,
        code_ids: torch.Tensor,
        t: torch.Tensor,
        alpha: torch.Tensor,
        sigma: torch.Tensor,
        uncond: Optional[torch.Tensor] = None,
        use_self_cond: bool = False,
        start_ids: Optional[torch.Tensor] = None,
    ) -> Dict[str, torch.Tensor]:
        """Training losses for one batch; per item (shape [B]) so the caller can weight or bucket them by t.

        start_ids: the code x_t is noised from (default code_ids). Edit training (train.py) starts some items from a
        retrieved neighbour's code; the targets stay code_ids."""
        den_kv, dec_kv = self.memory(utt_ids, utt_mask, uncond)
        x0 = self.embed_code(code_ids)
        x_start = x0 if start_ids is None else self.embed_code(start_ids)
        x_t = q_sample(x_start, alpha, sigma, torch.randn_like(x0))
        x0_prev = torch.zeros_like(x0)
        if use_self_cond and self.cfg.self_conditioning:
            with torch.no_grad():
                x0_prev = self.denoise(x_t, t, alpha, x0_prev, den_kv, utt_mask).detach()
        x0_hat = self.denoise(x_t, t, alpha, x0_prev, den_kv, utt_mask)
        z, logits = self.decode_logits(x0_hat, dec_kv, utt_mask)
        denoise = (x0_hat.float() - x0.float()).pow(2).mean(dim=(1, 2))
        decode = (z.float() - x0.float()).pow(2).mean(dim=(1, 2))
        ce = F.cross_entropy(logits.float().transpose(1, 2), code_ids, reduction="none").mean(dim=1)
        return {"denoise": denoise, "decode": decode, "ce": ce, "loss": denoise + decode + ce}


# ---- FLOPs: the arithmetic floor of one denoising step ------------------------------------------------------------
# The matrix-multiplication FLOPs (2·m·k·n per product) of what the sampler runs per step for n samples: one
# denoiser call N and one decoder + head call D, H (the last step runs N only and the final D + H after it, so K
# steps cost K of each). The encoder and the projection of the memory into keys and values run once per request
# and are not counted; nor are element-wise operations, LayerNorms, softmaxes or gathers. The code side is always
# max_code_len positions; the utterance is Lu real tokens. Written into the bundle's manifest at export
# (model.flops) and read from there by both benches (src/engine/flops.ts, training/bench.py).


def step_flops_formula(cfg: ModelConfig) -> Dict[str, Dict[str, int]]:
    """Per part (denoiser, decoder, head): fixed + n·(per_sample + per_sample_per_utterance_token·Lu)."""
    d, f, e, Lc, V = cfg.d_model, cfg.d_ff, cfg.d_embed, cfg.max_code_len, cfg.vocab_size
    # one Block with cross-attention, per sample: the linears on Lc rows (qkv 3d², self out d², cross q d²,
    # cross out d², MLP 2·d·d_ff), self-attention q·kᵀ and p·v (summed over heads: h·dh = d), and per memory
    # token the cross-attention q·kᵀ and p·v
    block = 2 * Lc * (6 * d * d + 2 * d * f) + 2 * 2 * Lc * Lc * d
    block_per_token = 2 * 2 * Lc * d
    return {
        "denoiser": {
            "fixed": 2 * 2 * d * d,  # the time MLP: two d×d linears on one row, shared by the batch
            # in_proj, the blocks, out_proj
            "per_sample": 2 * Lc * 2 * e * d + cfg.denoiser_layers * block + 2 * Lc * d * e,
            "per_sample_per_utterance_token": cfg.denoiser_layers * block_per_token,
        },
        "decoder": {
            "fixed": 0,
            "per_sample": 2 * Lc * e * d + cfg.decoder_layers * block + 2 * Lc * d * e,
            "per_sample_per_utterance_token": cfg.decoder_layers * block_per_token,
        },
        "head": {"fixed": 0, "per_sample": 2 * Lc * e * V, "per_sample_per_utterance_token": 0},  # z · Lᵀ
    }


def step_flops(formula: Dict[str, Dict[str, int]], n: int, utterance_len: int) -> int:
    """FLOPs of one denoising step for n samples against utterance_len memory tokens, from step_flops_formula."""
    return sum(p["fixed"] + n * (p["per_sample"] + p["per_sample_per_utterance_token"] * utterance_len)
               for p in formula.values())
