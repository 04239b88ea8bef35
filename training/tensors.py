"""From text to tensors: utterances and codes as padded id matrices, and the pre-training inputs.

Code sequences are `max_code_len` ids; the first pad id ends the code (the model generates the padding
too, so it decides the length). Utterances are padded with a boolean mask of the real positions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import torch

from .tokenizer import MASK_ID, PAD_ID, Tokenizer

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class PairTensors:
    utt_ids: torch.Tensor  # [N, Lu] long
    utt_mask: torch.Tensor  # [N, Lu] bool
    code_ids: torch.Tensor  # [N, Lc] long
    kept: List[int]  # indices of the input pairs that fit (code no longer than Lc)


def pad_rows(rows: Sequence[Sequence[int]], length: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Rows of ids cut to `length` (the start is kept) and padded with PAD_ID, and the mask of their real positions;
    an empty row gets one masked-in pad."""
    ids = torch.full((len(rows), length), PAD_ID, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.bool)
    for i, row in enumerate(rows):
        row = list(row)[:length]
        if row:
            ids[i, : len(row)] = torch.tensor(row)
        mask[i, : max(1, len(row))] = True
    return ids, mask


def encode_utterances(tok: Tokenizer, texts: Sequence[str], max_len: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Ids truncated to max_len (the start of the request is kept) and their mask; an empty text gets one pad."""
    return pad_rows([tok.encode(text) for text in texts], max_len)


def encode_codes(tok: Tokenizer, codes: Sequence[str], max_len: int) -> Tuple[torch.Tensor, List[int]]:
    """Pad-terminated code ids; returns the rows of the codes that fit in max_len and their indices."""
    rows, kept = [], []
    for i, code in enumerate(codes):
        row = tok.encode(code)
        if len(row) <= max_len:
            rows.append(row + [PAD_ID] * (max_len - len(row)))
            kept.append(i)
    ids = torch.tensor(rows, dtype=torch.long) if rows else torch.zeros((0, max_len), dtype=torch.long)
    return ids, kept


def pair_tensors(tok: Tokenizer, utterances: Sequence[str], codes: Sequence[str], max_utt: int, max_code: int) -> PairTensors:
    code_ids, kept = encode_codes(tok, codes, max_code)
    utt_ids, utt_mask = encode_utterances(tok, [utterances[i] for i in kept], max_utt)
    return PairTensors(utt_ids, utt_mask, code_ids, kept)


def identifier_token_table(tok: Tokenizer) -> torch.Tensor:
    """[V] bool: tokens that are (part of) an identifier or keyword, the ones CPD pre-training masks."""
    table = torch.zeros(tok.vocab_size, dtype=torch.bool)
    for i in range(tok.vocab_size):
        if i in (PAD_ID, MASK_ID):
            continue
        text = tok.decode([i]).strip()
        table[i] = bool(text) and IDENTIFIER.fullmatch(text) is not None
    return table


def cpd_inputs(
    code_ids: torch.Tensor, identifier_table: torch.Tensor, mask_prob: float, max_utt: int, generator: torch.Generator
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Code-specific continuous paragraph denoising: the encoder reads the snippet with a random share of its
    identifier and keyword tokens replaced by the mask token; the model has to restore the whole snippet."""
    ids = code_ids[:, :max_utt].clone()
    if ids.shape[1] < max_utt:
        ids = torch.cat([ids, torch.full((ids.shape[0], max_utt - ids.shape[1]), PAD_ID, dtype=ids.dtype)], 1)
    draw = torch.rand(ids.shape, generator=generator) < mask_prob
    ids = torch.where(identifier_table[ids] & draw, torch.full_like(ids, MASK_ID), ids)
    lengths = (code_ids[:, :max_utt] != PAD_ID).sum(1).clamp(min=1)
    mask = torch.arange(max_utt)[None, :] < lengths[:, None]
    return ids, mask


def code_length(ids: Sequence[int]) -> int:
    """Number of code tokens before the first pad (the whole row when there is none)."""
    for i, token in enumerate(ids):
        if token == PAD_ID:
            return i
    return len(ids)


def decode_code(tok: Tokenizer, ids: Sequence[int]) -> str:
    """The code a row of ids stands for: everything before the first pad."""
    ids = list(ids)
    return tok.decode(ids[: code_length(ids)])
