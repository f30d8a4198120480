#!/usr/bin/python3
"""Regenerates tests/data/cells/*.json: reference GRU and LSTM cell outputs
and gradients computed by PyTorch (nn.GRUCell / nn.LSTMCell, float64).

Run from anywhere:  /usr/bin/python3 tests/interop/make_cell_fixture.py
testcells.cpp loads these files and compares AlignScope's cells with them.

Each file holds the cell's weights in PyTorch's layout and gate order
(weight_ih (G*H, in), weight_hh (G*H, H), bias_ih / bias_hh (G*H)), a batch
of inputs x (B, in) and states h (and c), the outputs, and the gradients of
loss = sum(h' * rh) (+ sum(c' * rc) for the LSTM) w.r.t. every input and
weight, where rh / rc are fixed random tensors stored in the file.
"""

import json
import pathlib

import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "data" / "cells"
CASES = [  # (kind, batch, input, hidden, seed)
    ("gru", 2, 3, 4, 11),
    ("gru", 2, 5, 7, 12),
    ("lstm", 2, 3, 4, 13),
    ("lstm", 2, 5, 7, 14),
]


def rows(t):
    t = t.detach()
    return t.tolist() if t.dim() == 2 else [t.tolist()]


def make(kind, batch, inp, hidden, seed):
    torch.manual_seed(seed)
    cls = torch.nn.GRUCell if kind == "gru" else torch.nn.LSTMCell
    cell = cls(inp, hidden).double()
    # Wider than PyTorch's default init so the gates leave the linear region.
    with torch.no_grad():
        for p in cell.parameters():
            p.uniform_(-0.8, 0.8)
    x = torch.randn(batch, inp, dtype=torch.float64, requires_grad=True)
    h = torch.randn(batch, hidden, dtype=torch.float64, requires_grad=True)
    rh = torch.randn(batch, hidden, dtype=torch.float64)
    out = {"kind": kind, "batch": batch, "input": inp, "hidden": hidden, "seed": seed}
    if kind == "gru":
        h2 = cell(x, h)
        loss = (h2 * rh).sum()
        inputs = {"x": x, "h": h}
        outputs = {"h_out": h2}
    else:
        c = torch.randn(batch, hidden, dtype=torch.float64, requires_grad=True)
        rc = torch.randn(batch, hidden, dtype=torch.float64)
        h2, c2 = cell(x, (h, c))
        loss = (h2 * rh).sum() + (c2 * rc).sum()
        inputs = {"x": x, "h": h, "c": c}
        outputs = {"h_out": h2, "c_out": c2}
        out["rc"] = rows(rc)
    out["rh"] = rows(rh)
    loss.backward()
    for name, p in cell.named_parameters():
        out[name] = rows(p)
        out["grad_" + name] = rows(p.grad)
    for name, t in inputs.items():
        out[name] = rows(t)
        out["grad_" + name] = rows(t.grad)
    for name, t in outputs.items():
        out[name] = rows(t)
    out["loss"] = loss.item()
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for kind, batch, inp, hidden, seed in CASES:
        data = make(kind, batch, inp, hidden, seed)
        path = OUT / f"{kind}_{inp}x{hidden}.json"
        # repr-exact doubles: json writes the shortest round-tripping form.
        path.write_text(json.dumps(data, indent=1) + "\n")
        print("wrote", path)


if __name__ == "__main__":
    main()
