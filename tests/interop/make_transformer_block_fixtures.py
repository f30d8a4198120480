#!/usr/bin/python3
"""Regenerates tests/data/transformer/blocks_torch.json: PyTorch's own
functions on seeded random inputs, for testtransformerblocks' parity cases.

  /usr/bin/python3 tests/interop/make_transformer_block_fixtures.py

References (Debian's python3-torch 1.13, float64):
  layer_norm      torch.nn.functional.layer_norm
  gelu_erf        torch.nn.functional.gelu
  gelu_tanh       torch.nn.functional.gelu(approximate="tanh")
  silu            torch.nn.functional.silu
  softmax         torch.softmax over the last dimension
  attention_*     torch.nn.functional.multi_head_attention_forward with
                  identity input and output projections (so its output is the
                  heads side by side, before W_o) and per-head weights
                  (average_attn_weights=False): cross-attention over padded
                  keys (key_padding_mask) and causal self-attention (attn_mask)
  cross_entropy_smoothed
                  torch.nn.functional.cross_entropy(label_smoothing=0.1,
                  reduction="sum") with one ignored row
Every input and output is written as nested lists (row-major).
"""

import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "transformer", "blocks_torch.json")


def rows(t):
    return t.detach().to(torch.float64).tolist()


def attention(q, k, v, heads, key_padding_mask=None, attn_mask=None):
    d = q.shape[1]
    eye = torch.eye(d, dtype=torch.float64)
    out, weights = F.multi_head_attention_forward(
        q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1), d, heads,
        in_proj_weight=torch.cat([eye, eye, eye]), in_proj_bias=None,
        bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0,
        out_proj_weight=eye, out_proj_bias=None, training=False,
        key_padding_mask=key_padding_mask, need_weights=True, attn_mask=attn_mask,
        average_attn_weights=False)
    return out.squeeze(1), weights.squeeze(0)  # (T, d), (H, T, S)


def main():
    torch.manual_seed(20261206)
    g = lambda *shape: torch.randn(*shape, dtype=torch.float64)
    x, gamma, beta = g(4, 8), g(8), g(8)
    fixture = {
        "layer_norm": {"x": rows(x), "gamma": rows(gamma), "beta": rows(beta), "eps": 1e-5,
                       "y": rows(F.layer_norm(x, (8,), gamma, beta, 1e-5))},
        "gelu_erf": {"x": rows(x), "y": rows(F.gelu(x))},
        "gelu_tanh": {"x": rows(x), "y": rows(F.gelu(x, approximate="tanh"))},
        "silu": {"x": rows(x), "y": rows(F.silu(x))},
        "softmax": {"x": rows(x), "y": rows(torch.softmax(x, dim=-1))},
    }
    q, k, v = g(3, 8), g(5, 8), g(5, 8)
    pad = torch.tensor([[False, False, False, False, True]])  # the fifth key is padding
    out, w = attention(q, k, v, 2, key_padding_mask=pad)
    fixture["attention_cross_padded"] = {"heads": 2, "q": rows(q), "k": rows(k), "v": rows(v), "valid_keys": 4,
                                         "output": rows(out), "weights": rows(w)}
    s = g(4, 8)
    causal = torch.triu(torch.full((4, 4), float("-inf"), dtype=torch.float64), diagonal=1)
    out, w = attention(s, s, s, 4, attn_mask=causal)
    fixture["attention_causal_self"] = {"heads": 4, "q": rows(s), "k": rows(s), "v": rows(s),
                                        "output": rows(out), "weights": rows(w)}
    logits = g(5, 7)
    targets = torch.tensor([3, 0, -100, 6, 2])  # the third row is ignored (our -1)
    fixture["cross_entropy_smoothed"] = {
        "logits": rows(logits), "targets": [3, 0, -1, 6, 2], "smoothing": 0.1,
        "loss": F.cross_entropy(logits, targets, ignore_index=-100, reduction="sum", label_smoothing=0.1).item()}
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
