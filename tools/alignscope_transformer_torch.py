#!/usr/bin/python3
"""An independent PyTorch re-implementation of AlignScope's Transformer
encoder-decoder (written from the definitions in "Attention Is All You
Need" and the T5 paper, for the choices a TransformerSpec names), reading an
AlignScope .safetensors model file.

Uses:
  * numerical parity: tests/interop/make_transformer_parity_fixtures.py
    decodes with it and commits the outputs; testtransformerparity.cpp
    compares AlignScope with them;
  * the PyTorch baseline of BENCHMARKS.md (bench/pytorch_reference.py
    --transformer).

Only torch.nn building blocks in eager mode: nn.Embedding, nn.Linear,
softmax, matmul. Decoding keeps a key/value cache per decoder layer and
computes cross-attention keys and values once per source, as a careful
PyTorch user would.

Shapes: n = source length, t = target positions so far, d = model width,
H = heads, dk = d / H, f = feed-forward width, V = target vocabulary.

Command line (needs torch: run with /usr/bin/python3):
  tools/alignscope_transformer_torch.py MODEL.safetensors TOKEN... [--dtype float32|float64]
prints the greedy decode as JSON.
"""

import argparse
import json
import math
import os
import sys

import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from alignscope_torch import read_safetensors  # noqa: E402  (the same file reader)


def relative_bucket(relative, bidirectional, buckets, max_distance):
    """T5's bucket of key − query positions (a LongTensor), as T5 defines it:
    exact buckets for small distances, logarithmic ones up to max_distance;
    bidirectional halves the buckets between the two signs, causal keeps the past."""
    out = torch.zeros_like(relative)
    if bidirectional:
        buckets //= 2
        out += (relative > 0).long() * buckets
        n = relative.abs()
    else:
        n = -torch.clamp(relative, max=0)
    exact = buckets // 2
    small = n < exact
    large = exact + (torch.log(n.float() / exact) / math.log(max_distance / exact) * (buckets - exact)).long()
    large = torch.clamp(large, max=buckets - 1)
    return out + torch.where(small, n, large)


class Transformer(nn.Module):
    """Parameters by the file's names: {encoder,decoder}.layers.i.{self,cross}.{q,k,v,o},
    .ffn.{in,gate,out}, *_norm, {source,target,shared}.embed, *.positions,
    *.relative_bias, output.{weight,bias}."""

    def __init__(self, spec, params, dtype):
        super().__init__()
        self.s = spec
        self.p = {k: torch.tensor(v, dtype=dtype) for k, v in params.items()}
        self.dtype = dtype

    # -- parts ---------------------------------------------------------------
    def linear(self, name, x):
        b = self.p.get(name + ".bias") if self.s["bias"] else None
        return F.linear(x, self.p[name + ".weight"], None if b is None else b.reshape(-1))

    def norm(self, name, x):
        w = self.p[name + ".weight"].reshape(-1)
        if self.s["norm"] == "rms":
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.s["eps"]) * w
        b = self.p[name + ".bias"].reshape(-1) if self.s["bias"] else None
        return F.layer_norm(x, (x.shape[-1],), w, b, self.s["eps"])

    def act(self, x):
        a = self.s["activation"]
        if a == "relu":
            return F.relu(x)
        if a == "gelu":
            return F.gelu(x)
        if a == "gelu-tanh":
            return F.gelu(x, approximate="tanh")
        return F.silu(x)

    def ffn(self, prefix, x, drop=lambda z: z):
        """`drop`: dropout on the hidden layer (training)."""
        h = self.linear(prefix + "ffn.in", x)
        h = self.act(self.linear(prefix + "ffn.gate", x)) * h if self.s["gated_ffn"] else self.act(h)
        return self.linear(prefix + "ffn.out", drop(h))

    def residual(self, norm, x, sub):
        if self.s["pre_norm"]:
            return x + sub(self.norm(norm, x))
        return self.norm(norm, x + sub(x))

    def positions(self, table, first, rows):
        d = self.s["d_model"]
        if self.s["positions"] == "sinusoidal":
            p = torch.arange(first, first + rows, dtype=torch.float64)[:, None]
            i = torch.arange(0, d, 2, dtype=torch.float64)[None, :]
            angle = p / torch.pow(10000.0, i / d)
            pe = torch.zeros(rows, d, dtype=torch.float64)
            pe[:, 0::2] = torch.sin(angle)
            pe[:, 1::2] = torch.cos(angle)[:, : d // 2]
            return pe.to(self.dtype)
        if self.s["positions"] == "learned":
            at = torch.clamp(torch.arange(first, first + rows), max=self.s["max_positions"] - 1)
            return F.embedding(at + self.s.get("position_offset", 0), self.p[table])
        return None

    def embed(self, table, ids, first, positions):
        """ids: a LongTensor, (rows) or (batch, rows); positions from `first`."""
        w = self.p["shared.embed"] if self.s["shared_embedding"] else self.p[table]
        x = F.embedding(ids, w)
        if self.s["scale_embedding"]:
            x = x * math.sqrt(self.s["d_model"])
        pe = self.positions(positions, first, ids.shape[-1])
        return x if pe is None else x + pe

    def output(self, x):
        """The final norm and the output layer: (..., d) -> (..., V)."""
        if self.s["pre_norm"]:
            x = self.norm("decoder.final_norm", x)
        if self.s["tied_output"] and self.s["rescale_tied_output"]:
            x = x * self.s["d_model"] ** -0.5
        w = (self.p["output.weight"] if not self.s["tied_output"]
             else self.p["shared.embed"] if self.s["shared_embedding"] else self.p["target.embed"])
        return F.linear(x, w, self.p["output.bias"].reshape(-1) if self.s["bias"] else None)

    def bias(self, table, first_query, queries, keys, bidirectional):
        """(H, queries, keys) relative position bias, or None."""
        if self.s["positions"] != "relative":
            return None
        rel = torch.arange(keys)[None, :] - torch.arange(first_query, first_query + queries)[:, None]
        b = relative_bucket(rel, bidirectional, self.s["relative_buckets"], self.s["relative_max_distance"])
        return F.embedding(b, self.p[table]).permute(2, 0, 1)

    def attention(self, q, k, v, bias=None, causal=False):
        """q (T, d), k and v (S, d) -> output (T, d) before W_o, weights and scores (H, T, S)."""
        H = self.s["heads"]
        dk = q.shape[-1] // H
        qh, kh, vh = (x.reshape(x.shape[0], H, dk).transpose(0, 1) for x in (q, k, v))
        e = qh @ kh.transpose(1, 2)
        if self.s["scaled_attention"]:
            e = e / math.sqrt(dk)
        if bias is not None:
            e = e + bias
        masked = e
        if causal:
            T, S = e.shape[1], e.shape[2]
            masked = e.masked_fill(torch.ones(T, S, dtype=torch.bool).triu(1), float("-inf"))
        a = torch.softmax(masked, dim=-1)
        return (a @ vh).transpose(0, 1).reshape(q.shape[0], H * dk), a, e

    # -- the model -------------------------------------------------------------
    def encode(self, ids):
        x = self.embed("source.embed", torch.tensor(ids), 0, "encoder.positions")
        bias = self.bias("encoder.relative_bias", 0, len(ids), len(ids), True)
        self_attn = []
        for i in range(self.s["encoder_layers"]):
            l = f"encoder.layers.{i}."

            def sa(h):
                out, a, _ = self.attention(self.linear(l + "self.q", h), self.linear(l + "self.k", h),
                                           self.linear(l + "self.v", h), bias)
                self_attn.append(a)
                return self.linear(l + "self.o", out)

            x = self.residual(l + "self_norm", x, sa)
            x = self.residual(l + "ffn_norm", x, lambda h: self.ffn(l, h))
        states = self.norm("encoder.final_norm", x) if self.s["pre_norm"] else x
        cross = [(self.linear(f"decoder.layers.{i}.cross.k", states), self.linear(f"decoder.layers.{i}.cross.v", states))
                 for i in range(self.s["decoder_layers"])]
        return states, cross, self_attn

    def step(self, cross, cache, token, t):
        """One decoder position: logits (V), per layer cross weights (H, n), the new cache."""
        x = self.embed("target.embed", torch.tensor([token]), t, "decoder.positions")
        bias = self.bias("decoder.relative_bias", t, 1, t + 1, False)
        weights, new_cache = [], []
        for i in range(self.s["decoder_layers"]):
            l = f"decoder.layers.{i}."

            def sa(h):
                k = torch.cat([cache[i][0], self.linear(l + "self.k", h)]) if cache else self.linear(l + "self.k", h)
                v = torch.cat([cache[i][1], self.linear(l + "self.v", h)]) if cache else self.linear(l + "self.v", h)
                new_cache.append((k, v))
                out, _, _ = self.attention(self.linear(l + "self.q", h), k, v, bias)
                return self.linear(l + "self.o", out)

            def ca(h):
                out, a, _ = self.attention(self.linear(l + "cross.q", h), cross[i][0], cross[i][1])
                weights.append(a[:, 0, :])
                return self.linear(l + "cross.o", out)

            x = self.residual(l + "self_norm", x, sa)
            x = self.residual(l + "cross_norm", x, ca)
            x = self.residual(l + "ffn_norm", x, lambda h: self.ffn(l, h))
        return self.output(x)[0], weights, new_cache


# ---- training: padded batches ---------------------------------------------------

def batch_attention(model, q, k, v, bias=None, key_padding=None, causal=False):
    """q (B, T, d), k and v (B, S, d); key_padding (B, S) True where padded."""
    B, T, _ = q.shape
    S = k.shape[1]
    H = model.s["heads"]
    dk = q.shape[-1] // H
    qh, kh, vh = (x.reshape(x.shape[0], x.shape[1], H, dk).transpose(1, 2) for x in (q, k, v))
    e = qh @ kh.transpose(-1, -2)  # (B, H, T, S)
    if model.s["scaled_attention"]:
        e = e / math.sqrt(dk)
    if bias is not None:
        e = e + bias
    mask = torch.zeros(B, 1, T, S, dtype=torch.bool)
    if key_padding is not None:
        mask = mask | key_padding[:, None, None, :]
    if causal:
        mask = mask | torch.ones(T, S, dtype=torch.bool).triu(1)
    a = torch.softmax(e.masked_fill(mask, float("-inf")), dim=-1)
    return (a @ vh).transpose(1, 2).reshape(B, T, H * dk)


def batch_loss(model, sources, targets, sos, pad, dropout=0.1, smoothing=0.1):
    """Mean token cross-entropy (label-smoothed) of a padded batch, with dropout
    where AlignScope's trainer puts it: embeddings, every sublayer's output,
    the feed-forward hidden layer. sources / targets: lists of id lists
    (targets end in <eos>); the decoder reads <sos> then the target shifted."""
    drop = lambda x: F.dropout(x, dropout, training=True)  # noqa: E731
    S, T = max(map(len, sources)), max(map(len, targets))
    src = torch.tensor([s + [pad] * (S - len(s)) for s in sources])
    dec_in = torch.tensor([[sos] + t[:-1] + [pad] * (T - len(t)) for t in targets])
    gold = torch.tensor([t + [-100] * (T - len(t)) for t in targets])
    src_pad = torch.tensor([[j >= len(s) for j in range(S)] for s in sources])
    tgt_pad = torch.tensor([[j >= len(t) for j in range(T)] for t in targets])

    def embed(table, ids, positions):
        return drop(model.embed(table, ids, 0, positions))

    def ffn(prefix, h):
        return model.ffn(prefix, h, drop)

    def residual(norm, x, sub):
        return model.residual(norm, x, lambda h: drop(sub(h)))

    x = embed("source.embed", src, "encoder.positions")
    bias = model.bias("encoder.relative_bias", 0, S, S, True)
    for i in range(model.s["encoder_layers"]):
        l = f"encoder.layers.{i}."
        x = residual(l + "self_norm", x, lambda h: model.linear(l + "self.o", batch_attention(
            model, model.linear(l + "self.q", h), model.linear(l + "self.k", h), model.linear(l + "self.v", h),
            bias, src_pad)))
        x = residual(l + "ffn_norm", x, lambda h: ffn(l, h))
    memory = model.norm("encoder.final_norm", x) if model.s["pre_norm"] else x
    y = embed("target.embed", dec_in, "decoder.positions")
    bias = model.bias("decoder.relative_bias", 0, T, T, False)
    for i in range(model.s["decoder_layers"]):
        l = f"decoder.layers.{i}."
        y = residual(l + "self_norm", y, lambda h: model.linear(l + "self.o", batch_attention(
            model, model.linear(l + "self.q", h), model.linear(l + "self.k", h), model.linear(l + "self.v", h),
            bias, tgt_pad, causal=True)))
        y = residual(l + "cross_norm", y, lambda h: model.linear(l + "cross.o", batch_attention(
            model, model.linear(l + "cross.q", h), model.linear(l + "cross.k", memory),
            model.linear(l + "cross.v", memory), None, src_pad)))
        y = residual(l + "ffn_norm", y, lambda h: ffn(l, h))
    logits = model.output(y)
    tokens = int((gold >= 0).sum())
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), gold.reshape(-1), ignore_index=-100,
                           reduction="sum", label_smoothing=smoothing)
    return loss / max(1, tokens), tokens


def load(path, dtype=torch.float32):
    tensors, meta = read_safetensors(path)
    config = json.loads(meta["alignscope.config"])
    if config.get("architecture") != "transformer":
        raise ValueError(f"{path}: not a Transformer model file")
    src = json.loads(meta["alignscope.source_vocab"])
    tgt = json.loads(meta["alignscope.target_vocab"])
    return Transformer(config["transformer"], tensors, dtype), config, src, tgt


@torch.no_grad()
def greedy(model, config, src_vocab, tgt_vocab, tokens, max_length=None, full_log_probs=True):
    """AlignScope's greedy decode: source ids then <eos>; at most 2n + 10 steps;
    never <pad> or <sos>."""
    specials_s, specials_t = config["special"]["source"], config["special"]["target"]
    index = {w: i for i, w in enumerate(src_vocab)}
    ids = [index.get(w, specials_s["unk"]) for w in tokens] + [specials_s["eos"]]
    states, cross, self_attn = model.encode(ids)
    steps, cache, previous = [], None, specials_t["sos"]
    limit = max_length or min(2 * len(ids) + 10, 256)
    for t in range(limit):
        logits, weights, cache = model.step(cross, cache, previous, t)
        logp = torch.log_softmax(logits, -1)
        # As AlignScope's decoder: <pad> and <sos> are never emitted.
        choice = logp.clone()
        choice[[specials_t["pad"], specials_t["sos"]]] = float("-inf")
        best = int(torch.argmax(choice))
        step = {"token": tgt_vocab[best], "token_id": best, "log_prob": float(logp[best]),
                "cross_attention": [w.tolist() for w in weights]}
        if full_log_probs:
            step["log_probs"] = logp.tolist()
        steps.append(step)
        previous = best
        if best == specials_t["eos"]:
            break
    return {"source_ids": ids, "steps": steps,
            "encoder_self_attention": [a.tolist() for a in self_attn]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("tokens", nargs="+", help="source tokens (already tokenised)")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    a = ap.parse_args(argv)
    model, config, src, tgt = load(a.model, getattr(torch, a.dtype))
    out = greedy(model, config, src, tgt, a.tokens, full_log_probs=False)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
