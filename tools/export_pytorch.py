#!/usr/bin/python3
"""Writes an AlignScope model file (safetensors with the alignscope.*
metadata) from a PyTorch tutorial's encoder and decoder, where they were
trained. Needs only torch. The result opens with `alignscope --model FILE`
and `alignscope-cli translate --model FILE`, the same as what
`alignscope-cli import` makes from the same files.

Architectures (told apart by the decoder's keys, or given with --arch):
  pytorch-tutorial         seq2seq_translation_tutorial since 2023 (attention.Wa/Ua/Va)
  pytorch-tutorial-legacy  the same tutorial before 2023 (attn, attn_combine over MAX_LENGTH slots)
  pytorch-chatbot          chatbot_tutorial's LuongAttnDecoderRNN (dot, general or concat)

From a training script:
  import export_pytorch
  export_pytorch.export(encoder.state_dict(), decoder.state_dict(),
                        [input_lang.index2word[i] for i in range(input_lang.n_words)],
                        [output_lang.index2word[i] for i in range(output_lang.n_words)],
                        "model.safetensors")
From saved files:
  tools/export_pytorch.py --encoder enc.pt --decoder dec.pt \
      --source-vocab fra.json --target-vocab eng.json --out model.safetensors
  tools/export_pytorch.py --checkpoint 4000_checkpoint.tar --out chatbot.safetensors   # vocabulary from voc_dict
Vocabulary files are JSON arrays of tokens (index = id).
"""

import argparse
import json
import struct
import sys

import torch

ARCHES = ("pytorch-tutorial", "pytorch-tutorial-legacy", "pytorch-chatbot")

# (AlignScope prefix, their prefix) per module, as core/src/io/pytorchimport.cpp maps them.
ENCODER_NAMES = [("encoder.embedding.", "embedding."), ("encoder.rnn.", "gru.")]
DECODER_NAMES = {
    "pytorch-tutorial": [("decoder.embedding.", "embedding."), ("decoder.rnn.", "gru."),
                         ("decoder.attention.W.", "attention.Wa."), ("decoder.attention.U.", "attention.Ua."),
                         ("decoder.attention.v.", "attention.Va."), ("decoder.out.", "out.")],
    "pytorch-tutorial-legacy": [("decoder.embedding.", "embedding."), ("decoder.rnn.", "gru."),
                                ("decoder.attention.location.", "attn."), ("decoder.combine.", "attn_combine."),
                                ("decoder.out.", "out.")],
    "pytorch-chatbot": [("decoder.embedding.", "embedding."), ("decoder.rnn.", "gru."),
                        ("decoder.attention.W.", "attn.attn."), ("decoder.attention.v.weight", "attn.v"),
                        ("decoder.concat.", "concat."), ("decoder.out.", "out.")],
}


def detect(decoder_sd):
    if "attention.Wa.weight" in decoder_sd:
        return "pytorch-tutorial"
    if "attn_combine.weight" in decoder_sd:
        return "pytorch-tutorial-legacy"
    if "concat.weight" in decoder_sd:
        return "pytorch-chatbot"
    sys.exit("export_pytorch: the decoder is none of " + ", ".join(ARCHES))


def layers(sd):
    n = 0
    while "gru.weight_ih_l%d" % n in sd:
        n += 1
    return n


def config(arch, encoder_sd, decoder_sd):
    """The alignscope.config pytorchimport.cpp writes for the same files."""
    hidden = encoder_sd["embedding.weight"].shape[1]
    chatbot = arch == "pytorch-chatbot"
    specials = {"pad": 0, "sos": 1, "eos": 2, "unk": -1} if chatbot else {"pad": 0, "sos": 0, "eos": 1, "unk": -1}
    scorer, max_length, kind = "additive", 64, "bahdanau"
    if arch == "pytorch-tutorial-legacy":
        scorer, max_length, kind = "location", decoder_sd["attn.weight"].shape[0], "tutorial-legacy"
    elif chatbot:
        kind = "luong"
        scorer = "concat" if "attn.v" in decoder_sd else "general" if "attn.attn.weight" in decoder_sd else "dot"
    mode = {"mode": arch, "lowercase": True}  # the tutorial's normalizeString
    return {
        "format_version": 1,
        "encoder": {"cell": "gru", "bidirectional": chatbot, "merge": "sum" if chatbot else "concat",
                    "layers": layers(encoder_sd), "embedding": hidden, "hidden": hidden},
        "decoder": {"kind": kind, "cell": "gru", "layers": layers(decoder_sd), "embedding": hidden, "hidden": hidden,
                    "init": "final-stack" if chatbot else "final", "input_feeding": False, "deep_output": chatbot},
        "attention": {"scorer": scorer, "dimension": hidden, "local": "none", "window": 3,
                      "max_source_length": int(max_length)},
        "special": {"source": specials, "target": specials},
        "append_source_eos": True,
        "tokenizer": {"source": mode, "target": mode},
        "dropout": 0.1,
    }


def rename(sd, names):
    out = {}
    for key, tensor in sd.items():
        for ours, theirs in names:
            if key.startswith(theirs):
                out[ours + key[len(theirs):]] = tensor
                break
    return out


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def export(encoder_sd, decoder_sd, source_tokens, target_tokens, path, arch=None):
    """Writes `path`; arch defaults to what the decoder's keys say."""
    found = detect(decoder_sd)
    if arch and arch != found:
        sys.exit("export_pytorch: --arch %s, but the decoder is %s" % (arch, found))
    if encoder_sd["embedding.weight"].shape[0] != len(source_tokens) or \
            decoder_sd["embedding.weight"].shape[0] != len(target_tokens):
        sys.exit("export_pytorch: the embeddings have %d and %d rows but the vocabularies %d and %d tokens" % (
            encoder_sd["embedding.weight"].shape[0], decoder_sd["embedding.weight"].shape[0],
            len(source_tokens), len(target_tokens)))
    tensors = rename(encoder_sd, ENCODER_NAMES)
    tensors.update(rename(decoder_sd, DECODER_NAMES[found]))
    if "decoder.attention.v.weight" in tensors and found == "pytorch-chatbot":
        tensors["decoder.attention.v.weight"] = tensors["decoder.attention.v.weight"].reshape(1, -1)
    metadata = {"alignscope.config": json.dumps(config(found, encoder_sd, decoder_sd)),
                "alignscope.source_vocab": json.dumps(list(source_tokens), ensure_ascii=False),
                "alignscope.target_vocab": json.dumps(list(target_tokens), ensure_ascii=False)}
    write_safetensors(path, tensors, metadata)


def modules(args):
    """(encoder state_dict, decoder state_dict, voc_dict or None) from the files given."""
    if args.checkpoint:
        c = torch.load(args.checkpoint, map_location="cpu")
        for e, d in (("encoder", "decoder"), ("en", "de"), ("encoder_state_dict", "decoder_state_dict")):
            if e in c and d in c:
                return c[e], c[d], c.get("voc_dict")
        sys.exit("export_pytorch: %s holds no encoder/decoder (or en/de) state_dicts" % args.checkpoint)
    return torch.load(args.encoder, map_location="cpu"), torch.load(args.decoder, map_location="cpu"), None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--arch", choices=ARCHES)
    p.add_argument("--checkpoint")
    p.add_argument("--encoder")
    p.add_argument("--decoder")
    p.add_argument("--source-vocab")
    p.add_argument("--target-vocab")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    if bool(args.checkpoint) == bool(args.encoder or args.decoder) or (args.encoder and not args.decoder):
        p.error("give either --checkpoint FILE or both --encoder FILE and --decoder FILE")
    encoder_sd, decoder_sd, voc = modules(args)
    if args.source_vocab and args.target_vocab:
        source = json.load(open(args.source_vocab, encoding="utf-8"))
        target = json.load(open(args.target_vocab, encoding="utf-8"))
    elif voc is not None:
        source = target = [voc["index2word"][i] for i in range(voc["num_words"])]
    else:
        p.error("give --source-vocab FILE --target-vocab FILE (JSON arrays, index = id)")
    export(encoder_sd, decoder_sd, source, target, args.out, args.arch)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
