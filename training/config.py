"""Configuration: model sizes, diffusion schedule, training and sampling settings, and the presets.

Everything a run needs is in one Config object that is saved in every checkpoint and exported into the
browser bundle's manifest, so training, evaluation, export and the app read the same numbers.
"""
from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class ModelConfig:
    vocab_size: int = 0  # set from the tokenizer
    max_utterance_len: int = 64
    max_code_len: int = 64
    d_model: int = 256  # width of encoder, denoiser and decoder
    n_heads: int = 4
    d_ff: int = 1024
    d_embed: int = 64  # dimension of the diffusion space (the code embedding L)
    encoder_layers: int = 3
    denoiser_layers: int = 6
    decoder_layers: int = 3
    dropout: float = 0.1
    self_conditioning: bool = True  # denoiser also reads its previous estimate of x0 (Chen et al. 2022)
    # Encoder input also reads the code embedding L (model.Encoder), a path for copying tokens from the request.
    # Off: on the CPU (tiny CF, 10 min) it measured no better (test EM 0.6 vs 1.7, training pairs 43 vs 56%).
    shared_input_embedding: bool = False
    # The denoiser reads alpha_t x_t instead of x_t (CodeFusion.denoise): the linear estimate of x0 from x_t alone, which
    # fades to 0 at high noise instead of feeding the denoiser pure noise there (issue 19: the high-noise end, where the
    # request alone decides the code, is learnt too slowly). False (and absent in older bundles): x_t as before.
    scale_input: bool = False
    # Literal slots and retrieval (slots.py, retrieval.py). Both off is the plain CodeFusion configuration.
    slots: bool = False  # literals of request and code become typed placeholders, filled back after decoding
    neighbours: int = 0  # the encoder also reads the slotted code of this many retrieved training pairs
    request_len: int = 48  # tokens of the request kept before the retrieved codes (the rest is cut)
    columns: bool = False  # the request may name a column of its table (CF): col slots, ids after SEP (slots.py)
    base_vocab_size: int = 0  # BPE vocabulary; vocab_size adds the placeholder ids when slots or neighbours are on


@dataclass
class DiffusionConfig:
    """Noise schedule in log signal-to-noise ratio: x_t = alpha_t x0 + sigma_t eps, alpha^2 = sigmoid(logsnr).

    The code embeddings have unit variance per coordinate (rows normalised to norm sqrt(d_embed)), so the
    noise scale is matched to the embedding scale by shifting a cosine logSNR schedule down by
    2 log(shift): with shift = sqrt(d_embed)/2 the middle of the schedule sits where tokens stop being
    recognisable, and the logSNR range is clipped so that t = T carries (almost) no information and t = 1 all.
    """

    T: int = 1200
    logsnr_min: float = -12.0
    logsnr_max: float = 9.0
    shift: float = 0.0  # 0 = derive from d_embed: sqrt(d_embed) / 2


@dataclass
class SamplerConfig:
    steps: int = 50  # K denoising steps out of T (strided, DDIM-style)
    samples: int = 5  # n samples per request (different noise); top-k comes from these
    top_k: int = 5
    clamp: str = "decoder"  # snap x0-hat onto code embeddings before each update: decoder | nearest | none (sample.py)
    # votes (agreement x confidence) | denoise (the pool by the model's reconstruction loss) | known-first (the
    # retrieved codes by that loss, then the samples by that loss: sample.generate) | retrieval-first (the retrieved
    # codes as written, in retrieval order, then the samples by that loss: where the model's ranking hurts, Bash) |
    # channel (the codes of the channel_scan most similar known requests, as written, by log P(request | code) from
    # channel.py's word-translation table plus channel_similarity x their similarity; then the samples by that loss)
    rank: str = "votes"
    pool_retrieved: int = 0  # retrieved codes (slots filled) that join the samples in the ranked pool
    channel_scan: int = 100  # rank "channel": how many most similar known requests it reads
    channel_similarity: float = 0.01  # rank "channel": the weight of retrieval's similarity beside the channel's score
    # Retrieve and edit (SDEdit; issue 19): the first edit_samples of the n samples start from a known code instead of
    # pure noise: the slotted code of the request's retrieved neighbour 1, 2, ... (retrieval order, one each), embedded
    # with L and noised to the first time t0 <= edit_t0 of the K-step schedule, then the schedule's steps from t0 to 0
    # (sample.sample; K = 20: 600 -> 10 steps from 600, 200 -> 3 from 180). 0 = every sample from noise.
    edit_samples: int = 0
    edit_t0: int = 600
    # The user's literals, nobody else's (issue 19 item 5; training/literals.py): an unfilled slot and every literal
    # the request did not give show as {{text}}, {{path}}, {{number}}, ... in samples and known codes alike. False (and
    # absent in older bundles): a known code's unfilled slots keep the known request's literals, as before.
    own_literals: bool = False


@dataclass
class TrainConfig:
    language: str = "cf"
    preset: str = "tiny"
    out_dir: str = "runs/cf-tiny"
    seed: int = 1337
    batch_size: int = 64
    lr: float = 5e-4  # the paper's AdamW learning rate, no weight decay
    weight_decay: float = 0.0
    warmup_steps: int = 200
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    # Each phase ends at whichever limit comes first: steps or wall-clock seconds (0 = no limit).
    pretrain_steps: int = 0
    pretrain_seconds: float = 0.0
    finetune_steps: int = 1000
    finetune_seconds: float = 0.0
    pretrain_uncond_prob: float = 0.5  # pre-training task mix: unconditional generation vs CPD
    cpd_mask_prob: float = 0.5  # share of identifier/keyword tokens masked in CPD
    extra_pairs: bool = True  # add the tldr pairs (Bash) to fine-tuning
    tagger_threshold: float = 0.5  # the slot tagger tags a word at this probability (slots.train_tagger)
    column_pairs: int = 0  # CF: this many column-style pairs per training pair (training/cf_columns.py); sets model.columns
    grammar_pairs: int = 0  # CF: this many pairs written from the rule language (training/cf_grammar.py); sets model.columns
    index_extra: bool = False  # the retrieval index also holds the extra pairs (train.make_conditioner)
    retrieval_query: str = "words"  # words | template: what retrieval compares (retrieval.query_text)
    train_subset: int = 0  # fine-tune on the first N training pairs only (tests); 0 = all
    check_pairs: int = 256  # how many training pairs the end-of-run regeneration check samples
    log_every: int = 100
    device: str = "auto"  # auto | cpu | cuda
    dtype: str = "auto"  # auto (bf16 on CUDA when supported, else fp32) | float32 | bfloat16
    compile: bool = False  # torch.compile (PyTorch 2 only)
    save_every_seconds: float = 300.0  # write <out>/resume.pt this often (0 = never); --resume true goes on from it
    resume: bool = False
    init_bundle: str = ""  # start from this bundle's dequantised weights (a run goes on from what ships); resume wins
    # Edit training (issue 19): this share of the fine-tuning items is noised from a retrieved neighbour's slotted code
    # (leave-one-out, one of the neighbours the encoder reads, drawn uniformly) at t uniform in 1..edit_t0, with the
    # gold code as the target. 0 = off (every item noised from its gold code, as before).
    edit_prob: float = 0.0
    edit_t0: int = 800
    # How training draws t: uniform over 1..T, or "loss": a tenth of the t range with probability proportional to its
    # cross-entropy in the last logging window (floored at t_floor of the mean, so no tenth starves), then uniform within
    # it; a time warping in the spirit of CDCD (Dieleman et al. 2022): steps go where the model still has to learn,
    # not to the low-noise end it has already fitted. The first window is uniform.
    t_sampling: str = "uniform"
    t_floor: float = 0.25


@dataclass
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: Dict[str, Any]) -> "Config":
        return Config(
            model=ModelConfig(**d["model"]),
            diffusion=DiffusionConfig(**d["diffusion"]),
            sampler=SamplerConfig(**d["sampler"]),
            train=TrainConfig(**d["train"]),
        )


# Presets change sizes only; everything else keeps the defaults above unless overridden on the command line.
PRESETS: Dict[str, Dict[str, Dict[str, Any]]] = {
    # CPU tests: trains in a couple of minutes on two cores.
    "tiny": {
        "model": dict(d_model=64, n_heads=2, d_ff=256, d_embed=16, encoder_layers=1, denoiser_layers=2,
                      decoder_layers=1, dropout=0.0, max_utterance_len=32, max_code_len=32),
        "train": dict(batch_size=64, warmup_steps=50, ema_decay=0.99),
        "sampler": dict(steps=20),
    },
    # Sized for two CPU cores (docs/training.md): slots, two retrieved codes, the denoising-loss ranking.
    "cpu": {
        "model": dict(d_model=128, n_heads=4, d_ff=512, d_embed=32, encoder_layers=2, denoiser_layers=3,
                      decoder_layers=1, dropout=0.0, max_utterance_len=128, max_code_len=48, slots=True,
                      neighbours=2, request_len=48),
        "train": dict(batch_size=64, warmup_steps=100, ema_decay=0.995),
        "sampler": dict(steps=20, rank="known-first", pool_retrieved=5, own_literals=True),
    },
    # The GPU preset (training/gpu_run.sh): about 12M parameters, within 16 MiB per language at int8. The shipped
    # models are the cpu preset above (docs/training.md).
    "base": {
        "model": dict(d_model=256, n_heads=4, d_ff=1024, d_embed=64, encoder_layers=3, denoiser_layers=6,
                      decoder_layers=3, dropout=0.1, max_utterance_len=64, max_code_len=64),
        "train": dict(batch_size=256, warmup_steps=500, ema_decay=0.999),
        "sampler": dict(steps=50),
    },
}


def make_config(preset: str, overrides: Optional[Dict[str, Any]] = None) -> Config:
    """The preset's config with `overrides` applied: keys are "section.field" or a unique bare field name."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; expected one of {', '.join(PRESETS)}")
    cfg = Config()
    for section, values in PRESETS[preset].items():
        for k, v in values.items():
            setattr(getattr(cfg, section), k, v)
    cfg.train.preset = preset
    for key, value in (overrides or {}).items():
        section, name = _locate(cfg, key)
        setattr(getattr(cfg, section), name, coerce_value(getattr(getattr(cfg, section), name), value))
    return cfg


def _sections(cfg: Config) -> List[str]:
    return [f.name for f in dataclasses.fields(cfg)]


def _locate(cfg: Config, key: str):
    key = key.replace("-", "_")
    if "." in key:
        section, name = key.split(".", 1)
        if section in _sections(cfg) and hasattr(getattr(cfg, section), name):
            return section, name
        raise ValueError(f"unknown setting {key!r}")
    owners = [s for s in _sections(cfg) if name_in(getattr(cfg, s), key)]
    if len(owners) != 1:
        raise ValueError(f"setting {key!r} is {'ambiguous' if owners else 'unknown'}; write section.{key}")
    return owners[0], key


def name_in(section_obj: Any, name: str) -> bool:
    return name in {f.name for f in dataclasses.fields(section_obj)}


def coerce_value(current: Any, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if isinstance(current, bool):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected a boolean, got {value!r}")
    if isinstance(current, int):
        return int(value)
    if isinstance(current, float):
        return float(value)
    return value


def parse_overrides(items: List[str]) -> Dict[str, str]:
    """Parse ["--lr=3e-4", "--model.d_model", "128", ...] style leftovers into a dict."""
    out: Dict[str, str] = {}
    i = 0
    while i < len(items):
        item = items[i]
        if not item.startswith("--"):
            raise ValueError(f"unexpected argument {item!r}")
        if "=" in item:
            k, v = item[2:].split("=", 1)
            i += 1
        else:
            if i + 1 >= len(items):
                raise ValueError(f"{item} needs a value")
            k, v = item[2:], items[i + 1]
            i += 2
        out[k] = v
    return out


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    parser.epilog = (parser.epilog or "") + (
        " Any config field can be overridden as --section.field=value or --field=value (see training/config.py)."
    )
