#!/usr/bin/python3
"""An independent PyTorch re-implementation of AlignScope's encoder-decoder
with attention, written from core/src/model/network.cpp,
core/src/attention/scorer.cpp + kernels.h and core/src/decode/decode.cpp.

Uses:
  * numerical parity: tests/interop/make_parity_fixtures.py decodes with it
    and commits the outputs, testparity.cpp compares AlignScope with them;
  * the fair baseline of BENCHMARKS.md (bench/pytorch_reference.py).

It reads an AlignScope .safetensors file itself (no safetensors package):
8-byte little-endian header length, a JSON header (tensor name -> dtype,
shape, data_offsets; "__metadata__" -> alignscope.config,
alignscope.source_vocab, alignscope.target_vocab), then the raw data.
The modules are plain nn.Embedding / nn.GRU / nn.LSTM / nn.Linear whose
state_dict names are the file's tensor names (bridge layers aside), so
loading is load_state_dict(strict=True).

Shapes: B = batch, S = padded source length, D = encoder state size
(H or 2H), Hd = decoder hidden, Q = query size (= Hd; E + Hd for the
tutorial-legacy decoder), V = target vocab, L = its MAX_LENGTH slots.

Command line (needs torch: run with /usr/bin/python3):
  tools/alignscope_torch.py MODEL.safetensors TOKEN... [--target TOKEN...]
      [--dtype float32|float64]
prints the greedy (or forced) decode as JSON.
"""

import argparse
import json
import math
import struct
import sys

import numpy as np
import torch
from torch import nn

# ---- safetensors -----------------------------------------------------------

_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


def read_safetensors(path):
    """Returns ({name: float32 numpy array}, {metadata key: str})."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if 8 + n > len(blob):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = memoryview(blob)[8 + n:]
    meta = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        lo, hi = info["data_offsets"]
        raw = bytes(data[lo:hi])
        dt = info["dtype"]
        if dt == "BF16":
            # bfloat16 is the top half of a float32.
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif dt in _DTYPES:
            arr = np.frombuffer(raw, dtype=np.dtype(_DTYPES[dt]).newbyteorder("<"))
        else:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {dt}")
        tensors[name] = arr.astype(np.float32).reshape(info["shape"])
    return tensors, meta


def write_safetensors(path, tensors, metadata):
    """Writes F32 tensors (name -> numpy array) with string metadata."""
    header = {"__metadata__": dict(metadata)}
    blobs, offset = [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        blobs.append(arr.tobytes())
        offset += arr.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# ---- configuration ---------------------------------------------------------

def full_config(cfg):
    """config.cpp's defaults filled in under the JSON's own values."""
    base = {
        "encoder": {"cell": "gru", "bidirectional": False, "merge": "concat", "layers": 1,
                    "embedding": 64, "hidden": 128},
        "decoder": {"kind": "bahdanau", "cell": "gru", "layers": 1, "embedding": 64, "hidden": 128,
                    "init": "bridge", "input_feeding": True, "deep_output": True},
        "attention": {"scorer": "additive", "dimension": 128, "local": "none", "window": 3,
                      "max_source_length": 64},
        "special": {"source": {"pad": 0, "sos": 1, "eos": 2, "unk": 3},
                    "target": {"pad": 0, "sos": 1, "eos": 2, "unk": 3}},
        "append_source_eos": True,
        "dropout": 0.1,
    }
    out = json.loads(json.dumps(base))
    for key, value in cfg.items():
        if isinstance(value, dict) and key in out:
            for k2, v2 in value.items():
                if isinstance(v2, dict) and k2 in out[key]:
                    out[key][k2].update(v2)
                else:
                    out[key][k2] = v2
        else:
            out[key] = value
    return out


def state_size(enc):
    return 2 * enc["hidden"] if enc["bidirectional"] and enc["merge"] == "concat" else enc["hidden"]


# ---- attention -------------------------------------------------------------

class Attention(nn.Module):
    """Scorer + (local) masked softmax + context; submodule names follow
    the file's "decoder.attention.*" tensors."""

    def __init__(self, acfg, q, d):
        super().__init__()
        self.kind, self.local = acfg["scorer"], acfg["local"]
        self.window, self.max_len, self.d, self.q = acfg["window"], acfg["max_source_length"], d, q
        a = acfg["dimension"]
        if self.kind == "additive":
            self.W, self.U, self.v = nn.Linear(q, a), nn.Linear(d, a), nn.Linear(a, 1)
        elif self.kind == "general":
            self.W = nn.Linear(d, q)
        elif self.kind == "concat":
            self.W, self.v = nn.Linear(q + d, a), nn.Linear(a, 1, bias=False)
        elif self.kind == "location":
            self.location = nn.Linear(q, self.max_len)
        elif self.kind not in ("dot", "scaled-dot"):
            raise ValueError(f"unknown scorer {self.kind}")
        if self.local == "p":
            self.predict = nn.Module()
            self.predict.W = nn.Linear(q, a, bias=False)
            self.predict.v = nn.Linear(a, 1, bias=False)

    def keys(self, memory):
        """Per-sentence keys from H (B, S, D)."""
        if self.kind == "additive":
            return self.U(memory)
        if self.kind == "general":
            return self.W(memory)
        if self.kind == "concat":  # W [q; h] + b = W_q q + (W_h h + b)
            return nn.functional.linear(memory, self.W.weight[:, self.q:], self.W.bias)
        return memory

    def scores(self, query, keys):
        """e (B, S) of queries (B, Q)."""
        if self.kind == "additive":
            return self.v(torch.tanh(self.W(query).unsqueeze(1) + keys)).squeeze(2)
        if self.kind == "concat":
            wq = nn.functional.linear(query, self.W.weight[:, :self.q])
            return self.v(torch.tanh(wq.unsqueeze(1) + keys)).squeeze(2)
        if self.kind in ("dot", "general", "scaled-dot"):
            e = torch.bmm(keys, query.unsqueeze(2)).squeeze(2)
            return e / math.sqrt(self.d) if self.kind == "scaled-dot" else e
        # location: e_t = W_a q_t + b over a fixed length; positions past it score 0.
        S = keys.shape[1]
        e = self.location(query)
        if S <= self.max_len:
            return e[:, :S]
        return torch.cat([e, e.new_zeros(e.shape[0], S - self.max_len)], dim=1)

    def forward(self, query, memory, keys, lengths, t):
        """lengths: LongTensor (B) real lengths. Returns scores, weights, context."""
        e = self.scores(query, keys)
        B, S = e.shape
        hi = lengths.clamp(max=self.max_len) if self.kind == "location" else lengths
        lo = torch.zeros_like(hi)
        positions = torch.arange(S, device=e.device).unsqueeze(0)  # (1, S)
        if self.local != "none":
            if self.local == "m":
                centre = torch.clamp(hi - 1, min=0).clamp(max=t).to(e.dtype).unsqueeze(1)
            else:
                gate = torch.sigmoid(self.predict.v(torch.tanh(self.predict.W(query))))
                centre = gate * hi.to(e.dtype).unsqueeze(1)  # (B, 1) p_t = S σ(.)
            D = self.window
            pt = torch.floor(centre.detach() + 0.5).long().squeeze(1)  # std::lround for p >= 0
            wlo, whi = torch.clamp(pt - D, min=0), torch.minimum(hi, pt + D + 1)
            empty = wlo >= whi  # a window past the end still covers the last position
            lo = torch.where(empty, torch.clamp(hi - 1, min=0), wlo)
            hi = torch.where(empty, hi, whi)
        allowed = (positions >= lo.unsqueeze(1)) & (positions < hi.unsqueeze(1))
        weights = torch.softmax(e.masked_fill(~allowed, -math.inf), dim=1)
        weights = torch.nan_to_num(weights, nan=0.0)  # rows with nothing allowed
        if self.local != "none":
            sigma = D / 2.0
            weights = weights * torch.exp(-(positions.to(e.dtype) - centre) ** 2 / (2 * sigma * sigma))
        context = torch.bmm(weights.unsqueeze(1), memory).squeeze(1)
        return e, weights, context


# ---- the network -----------------------------------------------------------

class Encoder(nn.Module):
    def __init__(self, ecfg, vocab, dropout):
        super().__init__()
        self.cfg = ecfg
        rnn = nn.LSTM if ecfg["cell"] == "lstm" else nn.GRU
        self.embedding = nn.Embedding(vocab, ecfg["embedding"])
        # Dropout between stacked layers in training, as AlignScope's encoder.
        self.rnn = rnn(ecfg["embedding"], ecfg["hidden"], num_layers=ecfg["layers"],
                       bidirectional=ecfg["bidirectional"], batch_first=True,
                       dropout=dropout if ecfg["layers"] > 1 else 0.0)


class Decoder(nn.Module):
    def __init__(self, cfg, vocab):
        super().__init__()
        e, d, a = cfg["encoder"], cfg["decoder"], cfg["attention"]
        D = state_size(e)
        self.cfg = d
        self.embedding = nn.Embedding(vocab, d["embedding"])
        legacy = d["kind"] == "tutorial-legacy"
        if d["kind"] == "bahdanau":
            rnn_in = d["embedding"] + D
        elif legacy:
            rnn_in = d["hidden"]  # ReLU(combine [emb; c_t])
        else:
            rnn_in = d["embedding"] + (d["hidden"] if d["input_feeding"] else 0)
        rnn = nn.LSTM if d["cell"] == "lstm" else nn.GRU
        self.rnn = rnn(rnn_in, d["hidden"], num_layers=d["layers"], batch_first=True)
        if d["init"] == "bridge":
            bridge_in = e["hidden"] * (2 if e["bidirectional"] else 1)
            self.bridge = nn.ModuleList(nn.Linear(bridge_in, d["hidden"]) for _ in range(d["layers"]))
        # The legacy decoder's attn reads [emb; s_{t-1}]: Q = E + Hd.
        self.attention = Attention(a, d["embedding"] + d["hidden"] if legacy else d["hidden"], D)
        out_in = d["hidden"]
        if legacy:
            self.combine = nn.Linear(d["embedding"] + D, d["hidden"])
        elif d["kind"] == "luong":
            self.concat = nn.Linear(d["hidden"] + D, d["hidden"])
        elif d["deep_output"]:
            out_in = d["hidden"] + d["embedding"] + D
        self.out = nn.Linear(out_in, vocab)


class AlignScopeModel(nn.Module):
    def __init__(self, config, source_vocab, target_vocab):
        super().__init__()
        self.config = full_config(config)
        self.source_vocab, self.target_vocab = list(source_vocab), list(target_vocab)
        self.dropout = float(self.config.get("dropout", 0.0))
        self.encoder = Encoder(self.config["encoder"], len(self.source_vocab), self.dropout)
        self.decoder = Decoder(self.config, len(self.target_vocab))
        self.src_special = self.config["special"]["source"]
        self.tgt_special = self.config["special"]["target"]

    # -- loading --
    @classmethod
    def from_file(cls, path, dtype=torch.float32):
        tensors, meta = read_safetensors(path)
        for key in ("alignscope.config", "alignscope.source_vocab", "alignscope.target_vocab"):
            if key not in meta:
                raise ValueError(f"{path}: metadata has no {key!r}")
        model = cls(json.loads(meta["alignscope.config"]), json.loads(meta["alignscope.source_vocab"]),
                    json.loads(meta["alignscope.target_vocab"]))
        model.load_file_tensors(tensors)
        return model.to(dtype).eval()

    @staticmethod
    def _module_name(file_name):
        # decoder.bridge.weight_l0 -> decoder.bridge.0.weight (ModuleList of nn.Linear)
        prefix = "decoder.bridge."
        if file_name.startswith(prefix):
            kind, layer = file_name[len(prefix):].split("_l")
            return f"{prefix}{layer}.{kind}"
        return file_name

    def load_file_tensors(self, tensors):
        expected = self.state_dict()
        state = {}
        for name, arr in tensors.items():
            key = self._module_name(name)
            if key not in expected:
                continue  # extra tensors (e.g. checkpoint optimiser state)
            t = torch.from_numpy(np.array(arr, dtype=np.float32))
            if tuple(t.shape) != tuple(expected[key].shape):
                raise ValueError(f"tensor {name!r} has shape {list(t.shape)}, "
                                 f"the config needs {list(expected[key].shape)}")
            state[key] = t
        missing = sorted(set(expected) - set(state))
        if missing:
            raise ValueError(f"model file lacks tensors: {missing}")
        self.load_state_dict(state, strict=True)

    def file_tensors(self):
        """The inverse of load_file_tensors: {file name: numpy float32}."""
        out = {}
        for key, t in self.state_dict().items():
            name = key
            if key.startswith("decoder.bridge."):
                _, _, layer, kind = key.split(".")
                name = f"decoder.bridge.{kind}_l{layer}"
            out[name] = t.detach().to(torch.float32).cpu().numpy()
        return out

    # -- token ids --
    def source_ids(self, tokens):
        """Ids of source tokens (OOV -> <unk>, or <pad> without one), <eos> appended as configured."""
        index = {t: i for i, t in enumerate(self.source_vocab)}
        unk = self.src_special["unk"]
        ids = [index.get(t, unk if unk >= 0 else self.src_special["pad"]) for t in tokens]
        if self.config["append_source_eos"]:
            ids.append(self.src_special["eos"])
        return ids

    def target_ids(self, tokens):
        index = {t: i for i, t in enumerate(self.target_vocab)}
        return [index.get(t, self.tgt_special["unk"]) for t in tokens]

    # -- network --
    def _drop(self, x):
        return nn.functional.dropout(x, self.dropout, self.training) if self.training else x

    def encode(self, src, lengths):
        """src LongTensor (B, S), lengths LongTensor (B) -> (memory (B, S, D), keys, initial state)."""
        e = self.config["encoder"]
        emb = self._drop(self.encoder.embedding(src))
        # Packed sequences: padded rows keep their state, as AlignScope's encoder.
        if src.shape[0] > 1 or int(lengths[0]) != src.shape[1]:
            packed = nn.utils.rnn.pack_padded_sequence(emb, lengths.cpu(), batch_first=True,
                                                       enforce_sorted=False)
            out, final = self.encoder.rnn(packed)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        else:
            out, final = self.encoder.rnn(emb)
        if e["bidirectional"] and e["merge"] == "sum":
            out = out[..., :e["hidden"]] + out[..., e["hidden"]:]
        memory = out  # (B, S, D)
        keys = self.decoder.attention.keys(memory)
        return memory, keys, self.initial_state(final, src.shape[0], memory)

    def initial_state(self, final, B, like):
        """Decoder state: h (L, B, Hd) for the GRU, (h, c) for the LSTM; plus the input feed."""
        e, d = self.config["encoder"], self.config["decoder"]
        dirs = 2 if e["bidirectional"] else 1
        fh, fc = (final if e["cell"] == "lstm" else (final, None))
        zeros = like.new_zeros(B, d["hidden"])
        hs, cs = [], []
        for k in range(d["layers"]):
            src = min(k, e["layers"] - 1)
            if d["init"] == "final":  # forward direction's final state of layer src
                hs.append(fh[src * dirs])
                cs.append(fc[src * dirs] if fc is not None else zeros)
                continue
            if d["init"] == "zero":
                h = zeros
            else:
                x = torch.cat([fh[src * dirs], fh[src * dirs + 1]], 1) if dirs == 2 else fh[src * dirs]
                h = torch.tanh(self.decoder.bridge[k](x))
            hs.append(h)
            cs.append(zeros)
        h = torch.stack(hs)
        state = (h, torch.stack(cs)) if d["cell"] == "lstm" else h
        feed = zeros if d["kind"] == "luong" and d["input_feeding"] else None
        return state, feed

    def _run_rnn(self, x, state):
        """One step through the stacked decoder RNN, dropout between layers as nn.GRU(dropout=p)."""
        rnn = self.decoder.rnn
        if self.training and self.dropout > 0 and rnn.num_layers > 1:
            rnn.dropout = self.dropout
        out, state = rnn(x.unsqueeze(1), state)
        rnn.dropout = 0.0
        return out.squeeze(1), state

    def step(self, memory, keys, lengths, state, previous, t):
        """previous LongTensor (B). Returns dict: state, query, scores, weights, context, logits."""
        d = self.config["decoder"]
        rnn_state, feed = state
        emb = self._drop(self.decoder.embedding(previous))
        top = lambda s: (s[0] if d["cell"] == "lstm" else s)[-1]
        if d["kind"] == "tutorial-legacy":
            # Pre-2023 PyTorch tutorial: e = W_a [emb; s_{t-1}] + b over L slots, softmax
            # over all L, the source's S weights kept unrenormalised (batch 1, S <= L);
            # s_t = GRU(s_{t-1}, ReLU(combine [emb; c_t])), output out(s_t).
            query = torch.cat([emb, top(rnn_state)], 1)
            # A source longer than L (AlignScope refuses such sentences) gets 0 past L, as network.cpp.
            e = self.decoder.attention.location(query)  # (B, L)
            S, L = memory.shape[1], e.shape[1]
            widen = lambda x: x[:, :S] if S <= L else torch.cat([x, x.new_zeros(x.shape[0], S - L)], 1)
            scores, weights = widen(e), widen(torch.softmax(e, dim=1))
            context = torch.bmm(weights.unsqueeze(1), memory).squeeze(1)
            combined = torch.relu(self.decoder.combine(torch.cat([emb, context], 1)))
            h, rnn_state = self._run_rnn(combined, rnn_state)
            logits = self.decoder.out(self._drop(h))
        elif d["kind"] == "bahdanau":
            # Attention from s_{t-1}; s_t = f(s_{t-1}, [emb; c_t]); output g(s_t, emb, c_t).
            query = top(rnn_state)
            scores, weights, context = self.decoder.attention(query, memory, keys, lengths, t)
            h, rnn_state = self._run_rnn(torch.cat([emb, context], 1), rnn_state)
            features = torch.cat([h, emb, context], 1) if d["deep_output"] else h
            logits = self.decoder.out(self._drop(features))
        else:
            # Luong: RNN on [emb; h̃_{t-1}], attention from h_t, h̃_t = tanh(W_c [h_t; c_t]).
            x = torch.cat([emb, feed], 1) if feed is not None else emb
            query, rnn_state = self._run_rnn(x, rnn_state)
            scores, weights, context = self.decoder.attention(query, memory, keys, lengths, t)
            attentional = torch.tanh(self.decoder.concat(torch.cat([query, context], 1)))
            feed = attentional if d["input_feeding"] else None
            logits = self.decoder.out(self._drop(attentional))
        return {"state": (rnn_state, feed), "query": query, "scores": scores, "weights": weights,
                "context": context, "logits": logits}

    # -- decoding (batch 1) --
    @torch.no_grad()
    def decode(self, source_tokens, forced=None, max_length=None, record=True):
        """Greedy decode of one sentence (source tokens without <eos>), or
        forced when `forced` (target tokens; <eos> is appended) is given.
        Mirrors decode.cpp: <pad> and <sos> are masked out, stop at <eos>
        or after 2n + 10 tokens (n = source ids incl. <eos>)."""
        ids = self.source_ids(source_tokens)
        src = torch.tensor([ids], dtype=torch.long)
        lengths = torch.tensor([len(ids)], dtype=torch.long)
        memory, keys, state = self.encode(src, lengths)
        prefix = None
        if forced is not None:
            prefix = self.target_ids(forced) + [self.tgt_special["eos"]]
            max_length = len(prefix)
        elif max_length is None:
            max_length = 2 * len(ids) + 10
        sp = self.tgt_special
        masked = [i for i in (sp["pad"], sp["sos"]) if 0 <= i < len(self.target_vocab) and i != sp["eos"]]
        previous = torch.tensor([sp["sos"]], dtype=torch.long)
        steps = []
        for t in range(max_length):
            out = self.step(memory, keys, lengths, state, previous, t)
            logp = torch.log_softmax(out["logits"][0], dim=0)
            logp[masked] = -math.inf
            tok = prefix[t] if prefix is not None else int(torch.argmax(logp))  # first max = lowest id
            if record:
                top2 = torch.topk(logp, min(2, logp.numel())).values
                steps.append({
                    "token": self.target_vocab[tok], "token_id": tok, "log_prob": float(logp[tok]),
                    "margin": float(top2[0] - top2[-1]),
                    "query": out["query"][0].tolist(), "scores": out["scores"][0].tolist(),
                    "weights": out["weights"][0].tolist(), "context": out["context"][0].tolist(),
                })
            else:
                steps.append(tok)
            if tok == sp["eos"]:
                break
            state = out["state"]
            previous = torch.tensor([tok], dtype=torch.long)
        shown = list(source_tokens)
        if self.config["append_source_eos"]:
            shown.append(self.source_vocab[self.src_special["eos"]])
        return {"source_tokens": shown, "source_ids": ids, "steps": steps}

    # -- training loss (batched, teacher forcing) --
    def loss(self, src, src_lengths, tgt, tgt_lengths):
        """Token cross-entropy / token count; tgt (B, T) ends in <eos>, padded with -100."""
        if self.config["decoder"]["kind"] == "tutorial-legacy":
            raise ValueError("the tutorial-legacy decoder is import-only (AlignScope's train refuses it)")
        memory, keys, state = self.encode(src, src_lengths)
        B, T = tgt.shape
        previous = torch.full((B,), self.tgt_special["sos"], dtype=torch.long)
        total = memory.new_zeros(())
        for t in range(T):
            out = self.step(memory, keys, src_lengths, state, previous, t)
            gold = tgt[:, t]
            total = total + nn.functional.cross_entropy(out["logits"], gold, ignore_index=-100,
                                                        reduction="sum")
            previous = torch.where(gold >= 0, gold, torch.full_like(gold, self.tgt_special["pad"]))
            state = out["state"]
        return total / int(tgt_lengths.sum())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("tokens", nargs="+", help="source tokens (already tokenised)")
    ap.add_argument("--target", nargs="+", help="force these target tokens (then <eos>)")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = ap.parse_args(argv)
    model = AlignScopeModel.from_file(args.model, getattr(torch, args.dtype))
    result = model.decode(args.tokens, forced=args.target)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
