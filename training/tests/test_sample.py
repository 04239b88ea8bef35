import torch

from training.config import make_config
from training.model import CodeFusion
from training.sample import rank_candidates, sample, token_confidence
from training.diffusion import alpha_sigma_table
from training.tokenizer import PAD_ID


def test_rank_candidates_dedupes_by_whitespace_and_votes():
    codes = ["ls -l", "ls  -l", "pwd", "ls -l ", "cd /"]
    conf = [-0.1, -0.2, -0.01, -0.3, -2.0]
    ranked = rank_candidates(codes, conf, top_k=5)
    assert [c["code"] for c in ranked] == ["ls -l", "pwd", "cd /"]  # three votes beat one confident sample
    assert ranked[0]["score"] > ranked[1]["score"] > ranked[2]["score"]
    assert all(0 < c["score"] <= 1 for c in ranked)
    assert len(rank_candidates(codes, conf, top_k=2)) == 2


def test_rank_candidates_breaks_vote_ties_by_confidence():
    ranked = rank_candidates(["a", "b"], [-2.0, -0.1], top_k=5)
    assert [c["code"] for c in ranked] == ["b", "a"]


def test_token_confidence_stops_at_first_pad():
    V = 5
    logits = torch.full((1, 4, V), -10.0)
    logits[0, 0, 3] = 10.0  # token 3, confident
    logits[0, 1, PAD_ID] = 0.0  # pad, unsure (p ~ 0.5 against token 2)
    logits[0, 1, 2] = 0.0
    logits[0, 2, 4] = 0.0  # after the pad: must not count
    logits[0, 3, PAD_ID] = 10.0
    ids, conf = token_confidence(logits)
    assert ids[0, 0] == 3 and ids[0, 1] == PAD_ID
    expected = (torch.log_softmax(logits[0, 0], -1)[3] + torch.log_softmax(logits[0, 1], -1)[PAD_ID]) / 2
    assert torch.allclose(conf[0], expected)


def test_sampler_is_deterministic_given_noise_and_reports_every_step():
    cfg = make_config("tiny")
    cfg.model.vocab_size = 50
    torch.manual_seed(0)
    model = CodeFusion(cfg.model, cfg.diffusion.T).eval()
    alpha, sigma = alpha_sigma_table(cfg.diffusion, cfg.model.d_embed)
    utt = torch.randint(2, 50, (3, 7))
    mask = torch.ones(3, 7, dtype=torch.bool)
    noise = torch.randn(3, cfg.model.max_code_len, cfg.model.d_embed)
    seen = []
    a = sample(model, alpha, sigma, utt, mask, 8, noise, on_step=lambda k, t, ids, conf: seen.append((k, t)))
    b = sample(model, alpha, sigma, utt, mask, 8, noise.clone())
    assert torch.equal(a.ids, b.ids) and torch.allclose(a.confidence, b.confidence)
    assert [k for k, _ in seen] == list(range(8)) and seen[0][1] == cfg.diffusion.T
    every_third = []
    sample(model, alpha, sigma, utt, mask, 8, noise, on_step=lambda k, t, ids, conf: every_third.append(k), decode_every=3)
    assert every_third == [0, 3, 6, 7]  # the final step is always reported


def test_denoising_trace_ends_with_what_generate_returns():
    from training.sample import denoising_trace, generate
    from training.tokenizer import load_tokenizer

    tok = load_tokenizer("cf")
    cfg = make_config("tiny")
    cfg.model.vocab_size = tok.vocab_size
    torch.manual_seed(1)
    model = CodeFusion(cfg.model, cfg.diffusion.T).eval()
    alpha, sigma = alpha_sigma_table(cfg.diffusion, cfg.model.d_embed)
    trace = denoising_trace(model, tok, alpha, sigma, "Color cells greater than 5", steps=6, samples=3, seed=4)
    assert [e["step"] for e in trace] == list(range(6)) and all(len(e["codes"]) == 3 for e in trace)
    final = generate(model, tok, alpha, sigma, ["Color cells greater than 5"], steps=6, samples=3, seed=4)[0]
    assert {c["code"] for c in final} == set(trace[-1]["codes"])


def test_retrieval_first_keeps_the_known_codes_in_retrieval_order_as_written():
    """rank "retrieval-first": the neighbours' codes as written, in retrieval order, then the samples by loss;
    "known-first" fills the request's literals into them and orders them by the loss."""
    from training.retrieval import Conditioner, build_index
    from training.sample import generate
    from training.tokenizer import load_tokenizer

    tok = load_tokenizer("cf")
    pairs = [("Color cells greater than 7", "GreaterThan(7)"), ("Color cells less than 3", "LessThan(3)"),
             ("Color cells equal to 9", "Equals(9)")]
    cfg = make_config("tiny", {"slots": True, "neighbours": 1})
    cfg.model.vocab_size = tok.vocab_size + 25
    torch.manual_seed(2)
    model = CodeFusion(cfg.model, cfg.diffusion.T).eval()
    alpha, sigma = alpha_sigma_table(cfg.diffusion, cfg.model.d_embed)
    cond = Conditioner(tok, None, build_index(pairs, None), 1, cfg.model.max_utterance_len, 16, True)
    request = "Color cells greater than 5 or less than 5"
    first = generate(model, tok, alpha, sigma, [request], 4, 2, 0, top_k=5, cond=cond, rank="retrieval-first", pool_retrieved=3)[0]
    assert [c["code"] for c in first[:3]] == ["GreaterThan(7)", "LessThan(3)", "Equals(9)"]
    known = generate(model, tok, alpha, sigma, [request], 4, 2, 0, top_k=5, cond=cond, rank="known-first", pool_retrieved=3)[0]
    assert {c["code"] for c in known[:3]} == {"GreaterThan(5)", "LessThan(5)", "Equals(5)"}
