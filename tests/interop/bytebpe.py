"""A small byte-level BPE learnt from a few sentences, shared by the fixture scripts (BART, Whisper, GPT-2).

It uses GPT-2's byte map and pre-tokenisation pattern, as the tokenizers that read vocab.json + merges.txt do; the
callers choose the vocabulary's layout (where the specials and the byte symbols go)."""
import collections
import json
import os


def byte_map():
    from transformers.models.gpt2.tokenization_gpt2 import bytes_to_unicode
    return bytes_to_unicode()


def learn_merges(sentences, count):
    """Up to `count` merges, each the most frequent adjacent pair (ties: the larger pair), as (a, b) strings."""
    import regex
    symbols = byte_map()
    pattern = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
    words = collections.Counter()
    for s in sentences:
        for w in pattern.findall(s):
            words[tuple(symbols[b] for b in w.encode("utf-8"))] += 1
    merges = []
    for _ in range(count):
        pairs = collections.Counter()
        for w, n in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        merged = collections.Counter()
        for w, n in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            merged[tuple(out)] += n
        words = merged
    return merges


def write_files(folder, vocab, merges):
    """vocab.json and merges.txt as save_pretrained writes them; returns their paths."""
    os.makedirs(folder, exist_ok=True)
    vocab_path, merges_path = os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(merges_path, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    return vocab_path, merges_path
