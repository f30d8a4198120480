#!/usr/bin/python3
"""Regenerates tests/data/pytorch/: the PyTorch tutorials' seq2seq models
with random weights, saved the way their users save them (torch.save of
state_dicts), and what the tutorials' own evaluation computes on them.
testpytorchimport.cpp imports each checkpoint and checks weights, greedy
tokens, attention weights and log-probabilities against these files.

Run from the repository root with torch installed (CI has no torch and only
reads the committed files):
  /usr/bin/python3 tests/interop/make_tutorial_fixtures.py

The modules below follow the tutorials' architecture line for line:
- intermediate_source/seq2seq_translation_tutorial.py (2023+): EncoderRNN,
  BahdanauAttention, AttnDecoderRNN, evaluate();
- beginner_source/chatbot_tutorial.py: EncoderRNN (bidirectional, summed),
  Attn (dot/general/concat), LuongAttnDecoderRNN, GreedySearchDecoder.
Checkpoints are float32; the reference runs the same modules in float64 on
those float32 weights, so it is exact up to float64 rounding.

Per model: <name>.json = {"architecture", "attn", "layers", "files": {...},
"source_vocab", "target_vocab", "weights": {our name: flat values},
"cases": [{"source_ids", "tokens" (greedy ids up to and incl. EOS or the
step limit), "log_probs" (rows per step), "weights" (rows per step),
"min_margin"}]}.
Malformed checkpoints go to malformed/ (see make_malformed()).
"""

import collections
import io
import json
import pathlib
import pickle
import struct
import zipfile

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "pytorch"
device = torch.device("cpu")

# ---------------------------------------------------------------- tutorial
SOS_token = 0
EOS_token = 1
MAX_LENGTH = 10


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        embedded = self.dropout(self.embedding(input))
        output, hidden = self.gru(embedded)
        return output, hidden


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super(BahdanauAttention, self).__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1):
        super(AttnDecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long, device=device).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs = []
        attentions = []
        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden, attn_weights = self.forward_step(
                decoder_input, decoder_hidden, encoder_outputs)
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)
            if target_tensor is not None:
                decoder_input = target_tensor[:, i].unsqueeze(1)
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()
        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        attentions = torch.cat(attentions, dim=1)
        return decoder_outputs, decoder_hidden, attentions

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input))
        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        input_gru = torch.cat((embedded, context), dim=2)
        output, hidden = self.gru(input_gru, hidden)
        output = self.out(output)
        return output, hidden, attn_weights


def evaluate_tutorial(encoder, decoder, input_ids):
    """The tutorial's evaluate(), on ids (tensorFromSentence appends EOS)."""
    with torch.no_grad():
        input_tensor = torch.tensor(input_ids + [EOS_token], dtype=torch.long).view(1, -1)
        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs, decoder_hidden, decoder_attn = decoder(encoder_outputs, encoder_hidden)
        _, topi = decoder_outputs.topk(1)
        decoded_ids = topi.squeeze()
        tokens = []
        for idx in decoded_ids:
            tokens.append(idx.item())
            if idx.item() == EOS_token:
                break
        return tokens, decoder_outputs[0], decoder_attn[0]


# ---------------------------------------------------------------- chatbot
PAD_token = 0
SOS_chat = 1
EOS_chat = 2


class ChatEncoderRNN(nn.Module):
    def __init__(self, hidden_size, embedding, n_layers=1, dropout=0):
        super(ChatEncoderRNN, self).__init__()
        self.n_layers = n_layers
        self.hidden_size = hidden_size
        self.embedding = embedding
        self.gru = nn.GRU(hidden_size, hidden_size, n_layers,
                          dropout=(0 if n_layers == 1 else dropout), bidirectional=True)

    def forward(self, input_seq, input_lengths, hidden=None):
        embedded = self.embedding(input_seq)
        packed = nn.utils.rnn.pack_padded_sequence(embedded, input_lengths)
        outputs, hidden = self.gru(packed, hidden)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs)
        outputs = outputs[:, :, :self.hidden_size] + outputs[:, :, self.hidden_size:]
        return outputs, hidden


class Attn(nn.Module):
    def __init__(self, method, hidden_size):
        super(Attn, self).__init__()
        self.method = method
        if self.method not in ['dot', 'general', 'concat']:
            raise ValueError(self.method, "is not an appropriate attention method.")
        self.hidden_size = hidden_size
        if self.method == 'general':
            self.attn = nn.Linear(self.hidden_size, hidden_size)
        elif self.method == 'concat':
            self.attn = nn.Linear(self.hidden_size * 2, hidden_size)
            self.v = nn.Parameter(torch.FloatTensor(hidden_size))

    def dot_score(self, hidden, encoder_output):
        return torch.sum(hidden * encoder_output, dim=2)

    def general_score(self, hidden, encoder_output):
        energy = self.attn(encoder_output)
        return torch.sum(hidden * energy, dim=2)

    def concat_score(self, hidden, encoder_output):
        energy = self.attn(torch.cat((hidden.expand(encoder_output.size(0), -1, -1), encoder_output), 2)).tanh()
        return torch.sum(self.v * energy, dim=2)

    def forward(self, hidden, encoder_outputs):
        if self.method == 'general':
            attn_energies = self.general_score(hidden, encoder_outputs)
        elif self.method == 'concat':
            attn_energies = self.concat_score(hidden, encoder_outputs)
        elif self.method == 'dot':
            attn_energies = self.dot_score(hidden, encoder_outputs)
        attn_energies = attn_energies.t()
        return F.softmax(attn_energies, dim=1).unsqueeze(1)


class LuongAttnDecoderRNN(nn.Module):
    def __init__(self, attn_model, embedding, hidden_size, output_size, n_layers=1, dropout=0.1):
        super(LuongAttnDecoderRNN, self).__init__()
        self.attn_model = attn_model
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.n_layers = n_layers
        self.dropout = dropout
        self.embedding = embedding
        self.embedding_dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(hidden_size, hidden_size, n_layers, dropout=(0 if n_layers == 1 else dropout))
        self.concat = nn.Linear(hidden_size * 2, hidden_size)
        self.out = nn.Linear(hidden_size, output_size)
        self.attn = Attn(attn_model, hidden_size)

    def forward(self, input_step, last_hidden, encoder_outputs):
        embedded = self.embedding(input_step)
        embedded = self.embedding_dropout(embedded)
        rnn_output, hidden = self.gru(embedded, last_hidden)
        attn_weights = self.attn(rnn_output, encoder_outputs)
        context = attn_weights.bmm(encoder_outputs.transpose(0, 1))
        rnn_output = rnn_output.squeeze(0)
        context = context.squeeze(1)
        concat_input = torch.cat((rnn_output, context), 1)
        concat_output = torch.tanh(self.concat(concat_input))
        output = self.out(concat_output)
        output = F.softmax(output, dim=1)
        return output, hidden, attn_weights  # the tutorial returns (output, hidden); weights kept for the fixture


def evaluate_chatbot(encoder, decoder, input_ids, max_length=MAX_LENGTH):
    """GreedySearchDecoder.forward + evaluate(), recording log-probs and weights."""
    with torch.no_grad():
        ids = input_ids + [EOS_chat]
        input_seq = torch.LongTensor([ids]).transpose(0, 1)
        lengths = torch.tensor([len(ids)])
        encoder_outputs, encoder_hidden = encoder(input_seq, lengths)
        decoder_hidden = encoder_hidden[:decoder.n_layers]
        decoder_input = torch.ones(1, 1, device=device, dtype=torch.long) * SOS_chat
        tokens, log_probs, weights = [], [], []
        for _ in range(max_length):
            decoder_output, decoder_hidden, attn = decoder(decoder_input, decoder_hidden, encoder_outputs)
            decoder_scores, decoder_input = torch.max(decoder_output, dim=1)
            tokens.append(decoder_input.item())
            log_probs.append(torch.log(decoder_output[0]))
            weights.append(attn[0, 0])
            decoder_input = torch.unsqueeze(decoder_input, 0)
            if tokens[-1] == EOS_chat:
                break
        return tokens, torch.stack(log_probs), torch.stack(weights)


# ---------------------------------------------------------------- helpers
def vocab(n, specials):
    return specials + ["w%d" % i for i in range(n - len(specials))]


def randomise(module, scale):
    """Default init scaled so attention is far from uniform."""
    with torch.no_grad():
        for p in module.parameters():
            p.mul_(scale)


def margin(log_probs, steps):
    m = 1e9
    for row in log_probs[:steps]:
        top = torch.topk(row, 2).values
        m = min(m, float(top[0] - top[1]))
    return m


def rows(t):
    return [[float(x) for x in r] for r in t]


def case(tokens, log_probs, weights, source_ids):
    steps = len(tokens)
    return {"source_ids": source_ids, "tokens": tokens, "log_probs": rows(log_probs[:steps]),
            "weights": rows(weights[:steps]), "min_margin": margin(log_probs, steps)}


def write_safetensors(path, tensors):
    """A safetensors file without alignscope metadata (the format's plain layout)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().float().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


# ---------------------------------------------------------------- fixtures
def make_tutorial(name, hidden, n_src, n_tgt, seed, sentences):
    torch.manual_seed(seed)
    encoder = EncoderRNN(n_src, hidden)
    decoder = AttnDecoderRNN(hidden, n_tgt)
    randomise(encoder, 2.0)
    randomise(decoder, 2.5)
    encoder.eval()
    decoder.eval()
    files = {"encoder": name + "_encoder.pt", "decoder": name + "_decoder.pt", "checkpoint": name + ".pt"}
    torch.save(encoder.state_dict(), OUT / files["encoder"])
    torch.save(decoder.state_dict(), OUT / files["decoder"])
    torch.save({"encoder": encoder.state_dict(), "decoder": decoder.state_dict()}, OUT / files["checkpoint"])
    encoder.double()
    decoder.double()
    cases = []
    for ids in sentences:
        tokens, log_probs, weights = evaluate_tutorial(encoder, decoder, ids)
        cases.append(case(tokens, log_probs, weights, ids + [EOS_token]))
    sd_e, sd_d = encoder.state_dict(), decoder.state_dict()
    weights = {"encoder.rnn.weight_hh_l0": sd_e["gru.weight_hh_l0"], "decoder.attention.v.weight": sd_d["attention.Va.weight"],
               "decoder.attention.U.bias": sd_d["attention.Ua.bias"], "decoder.out.bias": sd_d["out.bias"]}
    return {"architecture": "pytorch-tutorial", "attn": "additive", "layers": 1, "hidden": hidden, "files": files,
            "source_vocab": vocab(n_src, ["SOS", "EOS"]), "target_vocab": vocab(n_tgt, ["SOS", "EOS"]),
            "weights": {k: [float(x) for x in v.flatten()] for k, v in weights.items()}, "cases": cases}, (encoder, decoder)


def make_chatbot(name, attn, hidden, n_words, layers, seed, sentences):
    torch.manual_seed(seed)
    embedding = nn.Embedding(n_words, hidden)
    encoder = ChatEncoderRNN(hidden, embedding, layers, 0.1)
    decoder = LuongAttnDecoderRNN(attn, embedding, hidden, n_words, layers, 0.1)
    if attn == "concat":
        with torch.no_grad():
            decoder.attn.v.normal_()  # the tutorial leaves v uninitialised; fixtures must be reproducible
    randomise(encoder, 1.5)
    randomise(decoder, 1.5)
    # One Adam step so the optimizer states hold tensors, as a saved training run does.
    opt_e = torch.optim.Adam(encoder.parameters(), lr=1e-4)
    opt_d = torch.optim.Adam(decoder.parameters(), lr=1e-4)
    for p in list(encoder.parameters()) + list(decoder.parameters()):
        p.grad = torch.zeros_like(p)
    opt_e.step()
    opt_d.step()
    encoder.eval()
    decoder.eval()
    voc = {"name": "toy", "trimmed": False, "word2index": {w: i + 3 for i, w in enumerate(vocab(n_words, [])[:n_words - 3])},
           "word2count": {}, "index2word": {PAD_token: "PAD", SOS_chat: "SOS", EOS_chat: "EOS"}, "num_words": n_words}
    files = {"checkpoint": name + ".pt"}
    torch.save({"iteration": 4000, "en": encoder.state_dict(), "de": decoder.state_dict(),
                "en_opt": opt_e.state_dict(), "de_opt": opt_d.state_dict(), "loss": 2.5,
                "voc_dict": voc, "embedding": embedding.state_dict()}, OUT / files["checkpoint"])
    encoder.double()
    decoder.double()
    cases = []
    for ids in sentences:
        tokens, log_probs, weights = evaluate_chatbot(encoder, decoder, ids)
        cases.append(case(tokens, log_probs, weights, ids + [EOS_chat]))
    sd_d = decoder.state_dict()
    weights = {"decoder.concat.bias": sd_d["concat.bias"], "decoder.out.bias": sd_d["out.bias"]}
    if attn == "concat":
        weights["decoder.attention.v.weight"] = sd_d["attn.v"]
    specials = ["PAD", "SOS", "EOS"]
    return {"architecture": "pytorch-chatbot", "attn": attn, "layers": layers, "hidden": hidden, "files": files,
            "source_vocab": vocab(n_words, specials), "target_vocab": vocab(n_words, specials),
            "weights": {k: [float(x) for x in v.flatten()] for k, v in weights.items()}, "cases": cases}


def pickle_bytes(*ops):
    return b"".join(ops)


def torch_zip(path, pkl, storages, compress=False):
    """A torch.save-shaped archive with our own pickle."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/version", "3\n")
        for key, data in storages.items():
            z.writestr("archive/data/" + key, data)


def make_malformed(tutorial_files):
    bad = OUT / "malformed"
    bad.mkdir(exist_ok=True)
    P = pickle
    # A pickle that would run os.system('echo pwned') if a plain unpickler loaded it.
    evil = pickle_bytes(P.PROTO + b"\x02", P.GLOBAL + b"os\nsystem\n", P.SHORT_BINUNICODE + b"\x0aecho pwned",
                        P.TUPLE1, P.REDUCE, P.STOP)
    torch_zip(bad / "evil_global.pt", evil, {})
    # The same with an allowed-looking module: builtins.eval.
    evil2 = pickle_bytes(P.PROTO + b"\x02", P.GLOBAL + b"builtins\neval\n", P.SHORT_BINUNICODE + b"\x011",
                         P.TUPLE1, P.REDUCE, P.STOP)
    torch_zip(bad / "evil_eval.pt", evil2, {})
    good = (OUT / tutorial_files["encoder"]).read_bytes()
    (bad / "truncated.pt").write_bytes(good[: len(good) // 2])
    # A valid archive with one storage removed.
    with zipfile.ZipFile(OUT / tutorial_files["encoder"]) as src, zipfile.ZipFile(bad / "missing_storage.pt", "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith("/data/1"):
                dst.writestr(info.filename, src.read(info.filename))
    # Deflated entries (torch never writes them).
    buf = io.BytesIO()
    torch.save(collections.OrderedDict(w=torch.zeros(2)), buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, \
            zipfile.ZipFile(bad / "compressed.pt", "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    # A storage shorter than the tensor that views it.
    buf = io.BytesIO()
    torch.save(collections.OrderedDict(w=torch.zeros(4, 4)), buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(bad / "short_storage.pt", "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info.filename, data[:20] if info.filename.endswith("/data/0") else data)
    # STACK_GLOBAL (protocol 4) naming os.system: an opcode a state_dict never uses.
    stack = pickle_bytes(P.PROTO + b"\x04", P.SHORT_BINUNICODE + b"\x02os", P.SHORT_BINUNICODE + b"\x06system",
                         P.STACK_GLOBAL, P.SHORT_BINUNICODE + b"\x02id", P.TUPLE1, P.REDUCE, P.STOP)
    torch_zip(bad / "stack_global.pt", stack, {})
    # Lists sharing lists 70 levels deep (2^70 paths) and a list holding itself:
    # no tensors, and the reader must neither hang nor recurse forever.
    ops = [P.PROTO + b"\x02", P.EMPTY_LIST, P.BINPUT + b"\x00"]
    for i in range(1, 71):
        ops += [P.EMPTY_LIST, P.MARK, P.BINGET + bytes([i - 1]), P.BINGET + bytes([i - 1]), P.APPENDS,
                P.BINPUT + bytes([i])]
    ops += [P.BINGET + bytes([70]), P.APPEND, P.STOP]
    torch_zip(bad / "shared_lists.pt", pickle_bytes(*ops), {})
    # The legacy (pre-2023) tutorial's AttnDecoderRNN: attention over MAX_LENGTH slots.
    legacy = collections.OrderedDict()
    for name, shape in [("embedding.weight", (11, 16)), ("attn.weight", (MAX_LENGTH, 32)), ("attn.bias", (MAX_LENGTH,)),
                        ("attn_combine.weight", (16, 32)), ("attn_combine.bias", (16,)), ("out.weight", (11, 16)),
                        ("out.bias", (11,))]:
        legacy[name] = torch.zeros(shape)
    torch.save(legacy, bad / "legacy_decoder.pt")
    # A transposed (non-contiguous) view saved as is.
    torch.save(collections.OrderedDict(w=torch.arange(12.0).view(3, 4).t()), bad / "transposed.pt")
    # A decoder whose hidden size disagrees with the encoder's.
    torch.manual_seed(9)
    torch.save(AttnDecoderRNN(12, 11).state_dict(), bad / "decoder_hidden12.pt")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    sentences = [[2, 3, 4], [5, 2, 7, 6, 3], [8]]
    index = []
    fixture, (enc, dec) = make_tutorial("tutorial_h16", 16, 12, 11, 1, sentences)
    index.append(("tutorial_h16", fixture))
    write_safetensors(OUT / "tutorial_h16_encoder.safetensors", {k: v for k, v in enc.state_dict().items()})
    write_safetensors(OUT / "tutorial_h16_decoder.safetensors", {k: v for k, v in dec.state_dict().items()})
    fixture["files"]["safetensors_encoder"] = "tutorial_h16_encoder.safetensors"
    fixture["files"]["safetensors_decoder"] = "tutorial_h16_decoder.safetensors"
    fixture, _ = make_tutorial("tutorial_h7", 7, 9, 13, 2, [[2, 3], [4, 5, 6, 7, 8, 2], [3, 3, 3]])
    index.append(("tutorial_h7", fixture))
    for attn, hidden, layers, seed in [("dot", 8, 1, 3), ("general", 9, 2, 4), ("concat", 6, 2, 5)]:
        name = "chatbot_%s_h%d_l%d" % (attn, hidden, layers)
        index.append((name, make_chatbot(name, attn, hidden, 14, layers, seed, [[3, 4, 5], [6, 7, 8, 9, 10, 3], [11]])))
    for name, fixture in index:
        (OUT / (name + ".json")).write_text(json.dumps(fixture, indent=1) + "\n")
        margins = [c["min_margin"] for c in fixture["cases"]]
        print(name, "steps", [len(c["tokens"]) for c in fixture["cases"]], "min margin %.2e" % min(margins))
    make_malformed(index[0][1]["files"])


if __name__ == "__main__":
    main()
