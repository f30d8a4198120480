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
- the same tutorial before 2023: EncoderRNN stepped one token at a time,
  AttnDecoderRNN with attn/attn_combine over max_length slots, evaluate()
  (fixtures legacy_*; "weights" are the slots of the source tokens only);
- both versions' normalizeString, readLangs/filterPair/Lang (normalize.json,
  eng_fra_pairs.json from the hand-written eng-fra-mini.txt);
- beginner_source/chatbot_tutorial.py: EncoderRNN (bidirectional, summed),
  Attn (dot/general/concat), LuongAttnDecoderRNN, GreedySearchDecoder.
Checkpoints are float32; the reference runs the same modules in float64 on
those float32 weights, so it is exact up to float64 rounding.

Per model: <name>.json = {"architecture", "attn", "layers", "files": {...},
"source_vocab", "target_vocab", "weights": {our name: flat values},
"cases": [{"source_ids", "tokens" (greedy ids up to and incl. EOS or the
step limit), "log_probs" (rows per step), "weights" (rows per step),
"min_margin"}]}.
Malformed checkpoints go to malformed/ (see make_malformed()); *_exported.safetensors
are written by tools/export_pytorch.py (export_with_tool()). Rerunning rewrites the
malformed zips with new timestamps only; the torch.save files come out identical.
"""

import collections
import io
import json
import pathlib
import pickle
import re
import struct
import sys
import unicodedata
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


# ---------------------------------------------------------------- legacy tutorial (before 2023)
class LegacyEncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super(LegacyEncoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size)

    def forward(self, input, hidden):
        embedded = self.embedding(input).view(1, 1, -1)
        output = embedded
        output, hidden = self.gru(output, hidden)
        return output, hidden

    def initHidden(self, dtype):
        return torch.zeros(1, 1, self.hidden_size, device=device, dtype=dtype)


class LegacyAttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1, max_length=MAX_LENGTH):
        super(LegacyAttnDecoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.dropout_p = dropout_p
        self.max_length = max_length
        self.embedding = nn.Embedding(self.output_size, self.hidden_size)
        self.attn = nn.Linear(self.hidden_size * 2, self.max_length)
        self.attn_combine = nn.Linear(self.hidden_size * 2, self.hidden_size)
        self.dropout = nn.Dropout(self.dropout_p)
        self.gru = nn.GRU(self.hidden_size, self.hidden_size)
        self.out = nn.Linear(self.hidden_size, self.output_size)

    def forward(self, input, hidden, encoder_outputs):
        embedded = self.embedding(input).view(1, 1, -1)
        embedded = self.dropout(embedded)
        attn_weights = F.softmax(self.attn(torch.cat((embedded[0], hidden[0]), 1)), dim=1)
        attn_applied = torch.bmm(attn_weights.unsqueeze(0), encoder_outputs.unsqueeze(0))
        output = torch.cat((embedded[0], attn_applied[0]), 1)
        output = self.attn_combine(output).unsqueeze(0)
        output = F.relu(output)
        output, hidden = self.gru(output, hidden)
        output = F.log_softmax(self.out(output[0]), dim=1)
        return output, hidden, attn_weights


def evaluate_legacy(encoder, decoder, input_ids, max_length):
    """The pre-2023 evaluate(): encoder_outputs is max_length x H, zero past the sentence."""
    with torch.no_grad():
        input_tensor = torch.tensor(input_ids + [EOS_token], dtype=torch.long).view(-1, 1)
        input_length = input_tensor.size()[0]
        encoder_hidden = encoder.initHidden(torch.float64)
        encoder_outputs = torch.zeros(max_length, encoder.hidden_size, device=device, dtype=torch.float64)
        for ei in range(input_length):
            encoder_output, encoder_hidden = encoder(input_tensor[ei], encoder_hidden)
            encoder_outputs[ei] += encoder_output[0, 0]
        decoder_input = torch.tensor([[SOS_token]], device=device)
        decoder_hidden = encoder_hidden
        tokens, log_probs, weights = [], [], []
        for di in range(max_length):
            decoder_output, decoder_hidden, decoder_attention = decoder(decoder_input, decoder_hidden, encoder_outputs)
            topv, topi = decoder_output.data.topk(1)
            tokens.append(topi.item())
            log_probs.append(decoder_output[0])
            weights.append(decoder_attention[0, :input_length])  # the slots of the source tokens
            if topi.item() == EOS_token:
                break
            decoder_input = topi.squeeze().detach()
        return tokens, torch.stack(log_probs), torch.stack(weights)


# ---------------------------------------------------------------- the tutorials' text handling
def unicodeToAscii(s):
    return ''.join(c for c in unicodedata.normalize('NFD', s) if unicodedata.category(c) != 'Mn')


def normalizeString_legacy(s):
    s = unicodeToAscii(s.lower().strip())
    s = re.sub(r"([.!?])", r" \1", s)
    s = re.sub(r"[^a-zA-Z.!?]+", r" ", s)
    return s


def normalizeString_2023(s):
    s = unicodeToAscii(s.lower().strip())
    s = re.sub(r"([.!?])", r" \1", s)
    s = re.sub(r"[^a-zA-Z!?]+", r" ", s)
    return s.strip()


def normalizeString_chatbot(s):
    s = unicodeToAscii(s.lower().strip())
    s = re.sub(r"([.!?])", r" \1", s)
    s = re.sub(r"[^a-zA-Z.!?]+", r" ", s)
    s = re.sub(r"\s+", r" ", s).strip()
    return s


class Lang:
    def __init__(self, name):
        self.name = name
        self.word2index = {}
        self.word2count = {}
        self.index2word = {0: "SOS", 1: "EOS"}
        self.n_words = 2

    def addSentence(self, sentence):
        for word in sentence.split(' '):
            self.addWord(word)

    def addWord(self, word):
        if word not in self.word2index:
            self.word2index[word] = self.n_words
            self.word2count[word] = 1
            self.index2word[self.n_words] = word
            self.n_words += 1
        else:
            self.word2count[word] += 1


eng_prefixes = (
    "i am ", "i m ",
    "he is", "he s ",
    "she is", "she s ",
    "you are", "you re ",
    "we are", "we re ",
    "they are", "they re "
)


def prepare_pairs(path, normalizeString, max_length, reverse):
    """readLangs + filterPairs + the Lang loop of prepareData, on one file."""
    lines = open(path, encoding='utf-8').read().strip().split('\n')
    pairs = [[normalizeString(s) for s in l.split('\t')] for l in lines]
    if reverse:
        pairs = [list(reversed(p)) for p in pairs]
    input_lang, output_lang = Lang("in"), Lang("out")
    kept = [p for p in pairs if len(p[0].split(' ')) < max_length and len(p[1].split(' ')) < max_length
            and p[1].startswith(eng_prefixes)]
    for pair in kept:
        input_lang.addSentence(pair[0])
        output_lang.addSentence(pair[1])
    as_list = lambda lang: [lang.index2word[i] for i in range(lang.n_words)]
    return {"source": as_list(input_lang), "target": as_list(output_lang), "read": len(pairs), "kept": len(kept)}


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


def make_legacy(name, hidden, n_src, n_tgt, max_length, seed, sentences, separate):
    torch.manual_seed(seed)
    encoder = LegacyEncoderRNN(n_src, hidden)
    decoder = LegacyAttnDecoderRNN(hidden, n_tgt, max_length=max_length)
    randomise(encoder, 2.0)
    randomise(decoder, 2.5)
    encoder.eval()
    decoder.eval()
    if separate:
        files = {"encoder": name + "_encoder.pt", "decoder": name + "_decoder.pt"}
        torch.save(encoder.state_dict(), OUT / files["encoder"])
        torch.save(decoder.state_dict(), OUT / files["decoder"])
    else:
        files = {"checkpoint": name + ".pt"}
        torch.save({"encoder": encoder.state_dict(), "decoder": decoder.state_dict()}, OUT / files["checkpoint"])
    encoder.double()
    decoder.double()
    cases = []
    for ids in sentences:
        tokens, log_probs, weights = evaluate_legacy(encoder, decoder, ids, max_length)
        cases.append(case(tokens, log_probs, weights, ids + [EOS_token]))
    sd_d = decoder.state_dict()
    weights = {"decoder.attention.location.bias": sd_d["attn.bias"], "decoder.combine.bias": sd_d["attn_combine.bias"],
               "decoder.out.bias": sd_d["out.bias"]}
    return {"architecture": "pytorch-tutorial-legacy", "attn": "location", "layers": 1, "hidden": hidden,
            "max_length": max_length, "files": files,
            "source_vocab": vocab(n_src, ["SOS", "EOS"]), "target_vocab": vocab(n_tgt, ["SOS", "EOS"]),
            "weights": {k: [float(x) for x in v.flatten()] for k, v in weights.items()}, "cases": cases}


TRICKY = ["Va !", "  J'ai 20 ans.  ", "Ça va?", "Où est l'hôtel...", "naïve café — déjà vu!", "İstanbul", "\u212a\u212b",
          "Straße", "\"Quoi ?\" dit-il.", "œuvre ﬁn", "tab\there", "\u00a0nbsp\u2009thin\u3000", "...", "?!", "A.B.C",
          "e\u0301te\u0301", "ﾃｽﾄ ok", "Hello,world", "", "  "]


def make_text_fixtures():
    """normalize.json: the three normalizeString versions and their split(' ');
    eng_fra_pairs.json: prepareData's index2word from eng-fra-mini.txt."""
    functions = {"pytorch-tutorial": normalizeString_2023, "pytorch-tutorial-legacy": normalizeString_legacy,
                 "pytorch-chatbot": normalizeString_chatbot}
    cases = [{"input": t, **{k: f(t) for k, f in functions.items()}} for t in TRICKY]
    (OUT / "normalize.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
    pairs = OUT / "eng-fra-mini.txt"
    out = []
    for arch, max_length, reverse in [("pytorch-tutorial", 10, True), ("pytorch-tutorial-legacy", 10, True),
                                      ("pytorch-tutorial", 8, False), ("pytorch-tutorial-legacy", 6, True)]:
        built = prepare_pairs(pairs, functions[arch], max_length, reverse)
        out.append({"arch": arch, "max_length": max_length, "reverse": reverse, **built})
        print("pairs", arch, max_length, reverse, "read", built["read"], "kept", built["kept"],
              "words", len(built["source"]), len(built["target"]))
    (OUT / "eng_fra_pairs.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    # A 2023+ tutorial model sized for the pairs' vocabularies, and what its
    # evaluate() feeds the encoder for typed sentences (indexesFromSentence).
    built = out[0]
    torch.manual_seed(11)
    encoder, decoder = EncoderRNN(len(built["source"]), 8), AttnDecoderRNN(8, len(built["target"]))
    torch.save({"encoder": encoder.state_dict(), "decoder": decoder.state_dict()}, OUT / "tutorial_pairs_h8.pt")
    word2index = {w: i for i, w in enumerate(built["source"]) if i >= 2}
    typed = ["Je suis fatigué.", "  Tu es en retard !", "Il est au CAFÉ?"]
    ids = [[word2index[w] for w in normalizeString_2023(t).split(' ')] + [EOS_token] for t in typed]
    (OUT / "tutorial_pairs_h8.json").write_text(json.dumps({"sentences": typed, "source_ids": ids}, indent=1,
                                                           ensure_ascii=False) + "\n")


class Voc:
    """chatbot_tutorial's Voc, line for line."""
    def __init__(self, name):
        self.name = name
        self.trimmed = False
        self.word2index = {}
        self.word2count = {}
        self.index2word = {PAD_token: "PAD", SOS_chat: "SOS", EOS_chat: "EOS"}
        self.num_words = 3

    def addSentence(self, sentence):
        for word in sentence.split(' '):
            self.addWord(word)

    def addWord(self, word):
        if word not in self.word2index:
            self.word2index[word] = self.num_words
            self.word2count[word] = 1
            self.index2word[self.num_words] = word
            self.num_words += 1
        else:
            self.word2count[word] += 1

    def trim(self, min_count):
        if self.trimmed:
            return
        self.trimmed = True
        keep_words = [k for k, v in self.word2count.items() if v >= min_count]
        self.word2index = {}
        self.word2count = {}
        self.index2word = {PAD_token: "PAD", SOS_chat: "SOS", EOS_chat: "EOS"}
        self.num_words = 3
        for word in keep_words:
            self.addWord(word)


CHAT_LINES = ["Hello there!", "How are you today?", "I'm fine, thank you.", "Where is the café?",
              "It's over there.", "Thank you very much!", "You're welcome.", "What time is it?",
              "It is five o'clock.", "Are you sure?", "Yes, I am sure.", "Good night."]


def make_chatbot_voc(name, attn, hidden, layers, seed):
    """A full chatbot checkpoint as the tutorial's trainIters saves it: a real
    Voc in voc_dict, Adam states after one real step. Also a copy whose voc
    was trimmed after the embedding was made (sizes disagree)."""
    voc = Voc("toy")
    for line in CHAT_LINES:
        voc.addSentence(normalizeString_chatbot(line))
    torch.manual_seed(seed)
    embedding = nn.Embedding(voc.num_words, hidden)
    encoder = ChatEncoderRNN(hidden, embedding, layers, 0.1)
    decoder = LuongAttnDecoderRNN(attn, embedding, hidden, voc.num_words, layers, 0.1)
    randomise(encoder, 1.5)
    randomise(decoder, 1.5)
    opt_e = torch.optim.Adam(encoder.parameters(), lr=1e-4)
    opt_d = torch.optim.Adam(decoder.parameters(), lr=1e-4)
    # One training step on the first exchange (teacher forced, NLL of the decoder's softmax).
    src = [voc.word2index[w] for w in normalizeString_chatbot(CHAT_LINES[0]).split(' ')] + [EOS_chat]
    tgt = [voc.word2index[w] for w in normalizeString_chatbot(CHAT_LINES[1]).split(' ')] + [EOS_chat]
    enc_out, enc_hidden = encoder(torch.LongTensor([src]).t(), torch.tensor([len(src)]))
    hidden_state, previous, loss = enc_hidden[:layers], torch.LongTensor([[SOS_chat]]), 0
    for y in tgt:
        out, hidden_state, _ = decoder(previous, hidden_state, enc_out)
        loss = loss - torch.log(out[0, y])
        previous = torch.LongTensor([[y]])
    loss.backward()
    opt_e.step()
    opt_d.step()
    encoder.eval()
    decoder.eval()
    checkpoint = {"iteration": 1, "en": encoder.state_dict(), "de": decoder.state_dict(),
                  "en_opt": opt_e.state_dict(), "de_opt": opt_d.state_dict(), "loss": float(loss) / len(tgt),
                  "voc_dict": voc.__dict__, "embedding": embedding.state_dict()}
    files = {"checkpoint": name + ".pt"}
    torch.save(checkpoint, OUT / files["checkpoint"])
    encoder.double()
    decoder.double()
    cases = []
    for line in ["Hello there!", "Where is the café?", "Are you sure?"]:
        ids = [voc.word2index[w] for w in normalizeString_chatbot(line).split(' ')]
        tokens, log_probs, weights = evaluate_chatbot(encoder, decoder, ids)
        c = case(tokens, log_probs, weights, ids + [EOS_chat])
        c["sentence"] = line
        cases.append(c)
    index2word = [voc.index2word[i] for i in range(voc.num_words)]
    trimmed = Voc("toy")
    for line in CHAT_LINES:
        trimmed.addSentence(normalizeString_chatbot(line))
    trimmed.trim(2)
    checkpoint["voc_dict"] = trimmed.__dict__
    torch.save(checkpoint, OUT / (name + "_trimmed_voc.pt"))
    print(name, "voc", voc.num_words, "trimmed", trimmed.num_words)
    return {"architecture": "pytorch-chatbot", "attn": attn, "layers": layers, "hidden": hidden, "files": files,
            "source_vocab": index2word, "target_vocab": index2word, "trimmed_words": trimmed.num_words,
            "weights": {}, "cases": cases}


def export_with_tool(fixtures):
    """Model files written by tools/export_pytorch.py, which testpytorchimport.cpp
    loads and checks against the same references as the imports."""
    sys.path.insert(0, str(ROOT / "tools"))
    import export_pytorch
    for name in ("legacy_h16", "chatbot_voc_general_h10_l2"):
        f = fixtures[name]
        c = torch.load(OUT / f["files"]["checkpoint"])
        encoder, decoder = (c["encoder"], c["decoder"]) if "encoder" in c else (c["en"], c["de"])
        export_pytorch.export(encoder, decoder, f["source_vocab"], f["target_vocab"],
                              OUT / (name + "_exported.safetensors"))


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
    # A chatbot checkpoint saving the Voc object itself instead of voc.__dict__:
    # its class is a global the reader must refuse.
    voc = Voc("toy")
    voc.addSentence("hello there")
    torch.save({"en": {"embedding.weight": torch.zeros(5, 2)}, "voc": voc}, bad / "voc_object.pt")
    # A voc_dict whose index2word skips id 4.
    gap = dict(voc.__dict__, index2word={0: "PAD", 1: "SOS", 2: "EOS", 3: "hello", 5: "there"})
    torch.save({"voc_dict": gap}, bad / "voc_gap.pt")
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
    index.append(("legacy_h16", make_legacy("legacy_h16", 16, 12, 11, MAX_LENGTH, 6,
                                            [[2, 3, 4], [5, 2, 7, 6, 3, 8, 9, 10, 11], [8]], False)))
    index.append(("legacy_h7_len13", make_legacy("legacy_h7_len13", 7, 9, 13, 13, 7,
                                                 [[2, 3], [4, 5, 6, 7, 8, 2, 3, 4, 5, 6, 7, 8], [3, 3, 3]], True)))
    index.append(("chatbot_voc_general_h10_l2", make_chatbot_voc("chatbot_voc_general_h10_l2", "general", 10, 2, 8)))
    make_text_fixtures()
    export_with_tool(dict(index))
    for name, fixture in index:
        (OUT / (name + ".json")).write_text(json.dumps(fixture, indent=1) + "\n")
        margins = [c["min_margin"] for c in fixture["cases"]]
        print(name, "steps", [len(c["tokens"]) for c in fixture["cases"]], "min margin %.2e" % min(margins))
    make_malformed(index[0][1]["files"])


if __name__ == "__main__":
    main()
