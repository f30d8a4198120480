#!/usr/bin/python3
"""Parity fixtures for AlignScope's Hugging Face tokenizers (core/src/text/hf*.cpp).

    cd <project root> && /usr/bin/python3 tests/interop/make_hf_tokenizer_fixtures.py [DEST]

DEST is the folder ../shared/hf-reference/lay.sh filled with transformers v4.36.2 (default .hf-reference).
Builds small real tokenizers -- SentencePiece models trained in memory (unigram and bpe) for T5 and Marian, and a
byte-level BPE vocabulary learnt below for BART and GPT-2 -- saves each with transformers' own save_pretrained into
tests/data/hf/tokenizers/<name>/ and writes <name>/expected.json: for every test string what the slow tokenizer
gives (input_ids, convert_ids_to_tokens, text_target ids, decode with and without special tokens), and decode of
some arbitrary id lists. Same DEST, same bytes."""
import collections
import io
import json
import os
import random
import sys

sys.path.insert(0, "../shared/hf-reference")
import hfref  # noqa: E402

OUT = "tests/data/hf/tokenizers"

# Training text: made-up English and French-ish sentences, with punctuation, numbers and accents, so that the
# vocabularies have real subwords but the test strings below still meet unseen words and characters.
SUBJECTS = ["the lighthouse keeper", "a violinist", "my grandfather", "the astronomer", "seven kites", "a heron",
            "the teacher", "they", "the library", "a small boat", "le gardien", "une violoniste", "mon grand-père",
            "l'astronome", "le héron", "la bibliothèque", "we", "she", "it's the dog's bone and it"]
VERBS = ["lit", "tuned", "repairs", "counted", "drifted over", "waited beside", "drew", "carried", "closes",
         "rocked in", "allume", "accorde", "répare", "compte", "attend près de", "dessine", "can't see", "won't fix",
         "they're near", "we'll find", "I'm by"]
OBJECTS = ["the lamp at dusk", "her strings before the concert", "bicycles in a narrow shed", "moons around a planet",
           "the reeds", "a map of the islands", "lanterns up the path", "early on thursday", "the green lagoon",
           "la lampe au crépuscule", "ses cordes avant le concert", "des vélos", "les roseaux", "une carte des îles",
           "12 apples", "3.5 kilometres", "the year 1999", "42 copper pots", "\"quoted words\"", "(brackets)"]
ENDINGS = [".", "!", "?", ",", "", " ...", ";", ":"]

TEST_STRINGS = [
    "", "the lighthouse keeper lit the lamp", "Hello world", " leading space", "trailing space ", "  two leading",
    "runs   of    spaces", "tab\tseparated\twords", "line one\nline two", "\n\nnewlines first",
    "café crème brûlée", "naïve façade à l'été", "ÜNÏCÖDÉ ÀÉÎÕÜ", "“curly quotes” and ‘single’",
    "it’s the dog's bone; they're here, we'll see", "I'd've", "emoji 🙂 and 👍🏽 thumbs", "日本語のテキスト",
    "中文 and English", "numbers 3.14159 and 2024-01-15, 1,000,000", "x=42; y=-7", "unseenword zyxwvut qqq",
    "ALL CAPS SHOUTING", "Hello <extra_id_0> world", "<extra_id_0>start", "end<extra_id_1> ", "a </s> b",
    "text </s>", "<pad><unk>", "Hello <mask> world", "<s>Hello</s>", ">>fr<< the house", ">>de<< x >>fr<< y",
    "e\u0301 combining", "ﬁ ligature ＡＢＣ fullwidth", "zero\u200bwidth", "a\u00a0nbsp", "   ", "!!!???...",
    "mixed 'quotes' \"double\"", "x" * 60, "the teacher drew a map of the islands on the board, " * 3,
    "\u2581already marked", "Ġbyte marker", " <extra_id_2> spaced <extra_id_3> ",
]


def sentences(n=400, seed=7):
    rng = random.Random(seed)
    lines = [f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(ENDINGS)}"
             for _ in range(n)]
    return [line[0].upper() + line[1:] if rng.random() < 0.5 else line for line in lines]


def train_spm(text, vocab_size, model_type, normalization, **extra):
    import sentencepiece as spm
    proto = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(text), model_writer=proto, vocab_size=vocab_size,
                                   model_type=model_type, character_coverage=1.0, num_threads=1, minloglevel=2,
                                   normalization_rule_name=normalization, **extra)
    return proto.getvalue()


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


# ---- byte-level BPE learner (GPT-2's byte map and pre-tokenisation) --------------------------------------------

def byte_map():
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    mapping, extra = {}, 0
    for b in range(256):
        if b in printable:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + extra)
            extra += 1
    return mapping


def learn_byte_bpe(text, n_merges):
    import regex
    pattern = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
    bmap = byte_map()
    counts = collections.Counter()
    for line in text:
        for word in pattern.findall(line):
            counts[tuple(bmap[b] for b in word.encode("utf-8"))] += 1
    words = dict(counts)
    merges = []
    for _ in range(n_merges):
        pairs = collections.Counter()
        for word, c in words.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])  # most frequent; ties broken by the sorted order
        merges.append(best)
        merged = {}
        for word, c in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + c
        words = merged
    return [bmap[b] for b in range(256)], merges


def write_byte_bpe(folder, specials_front, specials_back, alphabet, merges):
    os.makedirs(folder, exist_ok=True)
    vocab = {}
    for token in specials_front + alphabet + [a + b for a, b in merges] + specials_back:
        vocab.setdefault(token, len(vocab))
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    return os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt")


# ---- expected values --------------------------------------------------------------------------------------------

def id_lists(tok, n_special_mixes=6, seed=3):
    """Arbitrary id lists for decode: random ids over the whole vocabulary, and mixes with specials."""
    rng = random.Random(seed)
    size = len(tok)
    lists = [[rng.randrange(size) for _ in range(rng.randint(1, 12))] for _ in range(10)]
    specials = tok.all_special_ids
    for _ in range(n_special_mixes):
        ids = [rng.randrange(size) for _ in range(6)]
        for _ in range(3):
            ids.insert(rng.randrange(len(ids) + 1), rng.choice(specials))
        lists.append(ids)
    lists.append([])
    lists.append(specials)
    return lists


def expected(T, tok, name, kind):
    cases = []
    for text in TEST_STRINGS:
        ids = tok(text).input_ids
        target = tok(text_target=text).input_ids
        cases.append({
            "text": text, "input_ids": ids, "tokens": tok.convert_ids_to_tokens(ids),
            "target_ids": target, "target_tokens": tok.convert_ids_to_tokens(target),
            "decode_skip": tok.decode(ids, skip_special_tokens=True),
            "decode_keep": tok.decode(ids, skip_special_tokens=False),
            "target_decode_skip": tok.decode(target, skip_special_tokens=True),
        })
    decodes = [{"ids": ids, "skip": tok.decode(ids, skip_special_tokens=True),
                "keep": tok.decode(ids, skip_special_tokens=False)} for ids in id_lists(tok)]
    vocab = tok.get_vocab()
    return {"transformers_version": T.__version__, "tokenizer_class": type(tok).__name__, "model_type": kind,
            "name": name, "size": len(tok), "all_special_ids": sorted(set(tok.all_special_ids)),
            "specials": {"pad": tok.pad_token_id, "bos": tok.bos_token_id, "eos": tok.eos_token_id,
                         "unk": tok.unk_token_id},
            "pieces": {str(i): tok.convert_ids_to_tokens(i) for i in sorted(set(vocab.values()))},
            "cases": cases, "decodes": decodes}


def save(T, tok, name, kind):
    folder = os.path.join(OUT, name)
    tok.save_pretrained(folder)
    with open(os.path.join(folder, "config.json"), "w") as f:  # what loadHfTokenizer's caller reads model_type from
        json.dump({"model_type": kind}, f)
    again = type(tok).from_pretrained(folder)  # the saved folder must tokenise exactly as the original does
    exp = expected(T, tok, name, kind)
    assert expected(T, again, name, kind) == exp, name
    hfref.write_json(os.path.join(folder, "expected.json"), exp)
    print(f"{name}: {len(tok)} tokens, {len(exp['cases'])} strings, {len(exp['decodes'])} id lists")


def t5_fixtures(T, text, scratch):
    specs = [("t5-unigram-nfkc", "unigram", "nmt_nfkc", 160, 8), ("t5-bpe", "bpe", "identity", 180, 100)]
    for name, model_type, norm, size, extra_ids in specs:
        spiece = os.path.join(scratch, name + ".model")
        write_bytes(spiece, train_spm(text, size, model_type, norm, pad_id=0, eos_id=1, unk_id=2, bos_id=-1))
        save(T, T.T5Tokenizer(spiece, extra_ids=extra_ids, legacy=True), name, "t5")


def marian_fixtures(T, text, scratch):
    english = [s for s in text if not any(w in s for w in ("le ", "la ", "une ", "mon ", "l'", "des "))]
    french = [s for s in text if s not in english] + english[:40]
    specs = [("marian-unigram", "unigram", {}), ("marian-bpe-bytes", "bpe", {"byte_fallback": True})]
    for name, model_type, extra in specs:
        size = 420 if extra else 150
        paths = {}
        vocab = {"</s>": 0, "<unk>": 1}
        for side, lines in (("source", english), ("target", french)):
            data = train_spm(lines, size, model_type, "identity", **extra)
            paths[side] = os.path.join(scratch, f"{name}-{side}.spm")
            write_bytes(paths[side], data)
            import sentencepiece as spm
            sp = spm.SentencePieceProcessor(model_proto=data)
            for i in range(sp.get_piece_size()):
                if not (sp.is_control(i) or sp.is_unknown(i)):
                    vocab.setdefault(sp.id_to_piece(i), len(vocab))
        for code in (">>fr<<", ">>de<<"):
            vocab[code] = len(vocab)
        vocab["<pad>"] = len(vocab)
        vocab_path = os.path.join(scratch, name + "-vocab.json")
        with open(vocab_path, "w") as f:
            json.dump(vocab, f)
        save(T, T.MarianTokenizer(paths["source"], paths["target"], vocab_path), name, "marian")


def byte_bpe_fixtures(T, text, scratch):
    alphabet, merges = learn_byte_bpe(text, 260)
    vocab, merges_path = write_byte_bpe(os.path.join(scratch, "bart"), ["<s>", "<pad>", "</s>", "<unk>"], ["<mask>"],
                                        alphabet, merges)
    save(T, T.BartTokenizer(vocab, merges_path), "bart-bytebpe", "bart")
    vocab, merges_path = write_byte_bpe(os.path.join(scratch, "gpt2"), [], ["<|endoftext|>"], alphabet, merges)
    save(T, T.GPT2Tokenizer(vocab, merges_path), "gpt2-bytebpe", "gpt2")


def main():
    import tempfile
    T = hfref.setup(sys.argv[1] if len(sys.argv) > 1 else ".hf-reference")
    import warnings
    warnings.simplefilter("ignore")  # T5's "already has </s>" and Marian's sacremoses advice
    text = sentences()
    with tempfile.TemporaryDirectory() as scratch:
        t5_fixtures(T, text, scratch)
        marian_fixtures(T, text, scratch)
        byte_bpe_fixtures(T, text, scratch)


if __name__ == "__main__":
    main()
