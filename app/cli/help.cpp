// The usage table: what `help`, `help COMMAND` and `COMMAND --help` print.
#include "cli/help.h"

#include <algorithm>
#include <array>

namespace alignscope::cli {

namespace {

struct CommandHelp {
    const char *name;
    /// The command line(s) as `help` lists them: "  name ...", continued by "       ...".
    const char *synopsis;
    /// What `COMMAND --help` adds below the synopsis.
    const char *details;
};

const std::array<CommandHelp, 10> kCommands = {{
    {"translate",
     "  translate --model FILE|FOLDER|NAME [--beam K] [--prefix TEXT] [--max-length N] [--topk N] [--json]\n"
     "       [--layer L --head H|mean|max] [--edit-attention STEP:POS]... [--drop-source POS]...\n"
     "       [--ablate-heads L:H,L:*,...]\n"
     "       (SENTENCE | - | nothing: one sentence per line on standard input)\n"
     "  translate --model WHISPER-FOLDER|ggml-*.bin --audio FILE [--language L] [--task transcribe|translate]\n"
     "       [--timestamps] [--json]\n"
     "  translate --model VIT-GPT2-FOLDER --image FILE [--json] [--encoder-attention]\n",
     "Decodes SENTENCE and prints its translation, or with --json the whole decode trace.\n"
     "  --model M        a model file, Hugging Face folder, PyTorch checkpoint, whisper.cpp ggml file\n"
     "                   (float32, float16, q4_0, q4_1, q5_0, q5_1, q8_0) or bundled model name\n"
     "  --beam K         beam search of width K (default: the model's; greedy for AlignScope's models)\n"
     "  --prefix TEXT    force the translation to start with TEXT (with --audio: after Whisper's prompt)\n"
     "  --max-length N   stop after N target tokens\n"
     "  --topk N         candidates kept per step in the trace (default 10)\n"
     "  --json           print the trace JSON instead of the translation\n"
     "  --layer L --head H|mean|max   the attention row the trace's weights/scores show\n"
     "  --edit-attention STEP:POS     at 1-based STEP put all the cross-attention weight on 0-based\n"
     "                   source position POS (every head), then decode on (repeatable)\n"
     "  --drop-source POS             take source position POS out of every step, the rest\n"
     "                   renormalised (repeatable)\n"
     "  --ablate-heads L:H,L:*        zero these cross-attention heads' outputs (1-based; L:* a whole\n"
     "                   layer; an RNN's one head is 1:1); --json marks edited steps and records it\n"
     "  --audio FILE     transcribe a WAV/FLAC/Ogg/MP3 clip (up to 2 h) with a Whisper folder, in\n"
     "                   consecutive 30 s windows; --json adds each word's start and end (\"words\") and,\n"
     "                   for clips over one window, prints one trace per window per line (\"window\")\n"
     "  --language L     Whisper: the spoken language (en, english or <|en|>; default: the model's choice)\n"
     "  --task T         Whisper: transcribe (default) or translate (into English)\n"
     "  --timestamps     Whisper: predict timestamp tokens (<|1.24|>) as generate(return_timestamps=True)\n"
     "                   does and print one line per segment, [00:01.240 --> 00:03.800] text; --json\n"
     "                   adds the segments (\"segments\": text, start, end, steps)\n"
     "  --image FILE     caption a PNG or JPEG picture (up to 16384 pixels a side, 50 megapixels) with a\n"
     "                   VisionEncoderDecoder folder (ViT + GPT-2); --json's source gives the patch grid\n"
     "                   and each step its weights on it (\"patch_weights\", rows x columns) and on [CLS]\n"
     "                   (\"extra_weight\")\n"
     "  --encoder-attention  also record an image or audio encoder's self-attention in the trace (left\n"
     "                   out by default: 44 MB for ViT-base; a clip's is kept up to 10 s of encoder frames,\n"
     "                   never for Whisper's 30 s windows; a text encoder's is always recorded)\n"
     "With `-` as the sentence, or none while standard input is not a terminal, every line of\n"
     "standard input is a sentence: one translation per line, or with --json one compact trace per\n"
     "line. An empty or blank line gives an empty line ({} with --json). A line that cannot be\n"
     "translated gives an empty line ({\"error\": ..., \"line\": N} with --json) and its error on\n"
     "stderr; the other lines are still translated and the exit code is 4. Empty standard input is a\n"
     "usage error.\n"},
    {"inspect", "  inspect FILE|FOLDER|NAME\n",
     "Prints a model's architecture, attention, configuration, vocabulary sizes, parameters and tensors.\n"},
    {"init",
     "  init --encoder gru|bigru|lstm|bilstm --decoder bahdanau|luong\n"
     "       --scorer additive|dot|general|scaled-dot|concat|location [--local m|p --window D]\n"
     "       --source-vocab FILE --target-vocab FILE [--embedding E] [--hidden H] [--layers L]\n"
     "       [--seed N] --out FILE\n"
     "  init --encoder transformer [--layers L] [--heads H] [--d-model D] [--ffn F] [--norm pre|post]\n"
     "       [--norm-kind layer|rms] [--positions sinusoidal|learned|relative]\n"
     "       [--activation relu|gelu|gelu-tanh|silu] [--gated-ffn]\n"
     "       --source-vocab FILE --target-vocab FILE [--seed N] --out FILE\n",
     "Writes a randomly initialised model. Vocabulary files hold one token per line (index = id),\n"
     "starting with <pad>, <sos>, <eos>, <unk> in that order.\n"},
    {"train",
     "  train --task en-fr|dates|scenes|FILE [--format tsv|eng-fra|audio-tsv] --encoder gru|bigru|lstm|bilstm\n"
     "       --decoder bahdanau|luong --scorer ... [--local m|p --window D] [--epochs N]\n"
     "       [--threads N] [--resume CKPT] [--batch B] [--lr X] [--hidden H] [--embedding E] --out FILE\n"
     "       [--watch SENTENCE --snapshots DIR [--snapshot-format json|png|svg]]\n"
     "       [--tokenizer word|char|bpe|unigram [--vocab-size N] [--shared-vocab]]\n"
     "  train --task ... --encoder transformer [the options of init --encoder transformer] --out FILE\n"
     "  train --task scenes [--patch P] [the options of init --encoder transformer] --out FILE\n",
     "Trains a model on a built-in task or a corpus and writes it to --out (a checkpoint OUT.ckpt\n"
     "after every epoch). It first prints one line saying what it will do: pairs, vocabularies and\n"
     "their tokenizer, parameters and the estimated time per epoch (timed on a copy of the model).\n"
     "  --task T          en-fr, dates, scenes, or a TSV file source<TAB>target[<TAB>Pharaoh links];\n"
     "                    --format eng-fra reads the PyTorch tutorial's eng-fra.txt (--direction en-fr|fr-en);\n"
     "                    scenes: 32 x 32 pictures of 1-3 coloured shapes AlignScope draws, captioned left\n"
     "                    to right (\"a red circle left of a blue square\"), read by a ViT-style encoder\n"
     "  --patch P         scenes: the encoder's patch side in pixels (default 4: an 8 x 8 grid)\n"
     "  --format audio-tsv   FILE is a speech corpus: clip<TAB>transcript lines (WAV/FLAC/Ogg/MP3, a\n"
     "                    relative path from FILE's folder), read by a Whisper-style audio encoder over\n"
     "                    40 log-mel bins at the clip's own length (up to 10 s)\n"
     "  --task-seed N --train-size N --dev-size N --test-size N   how the task is made and split\n"
     "  --epochs N --batch B --lr X --dropout P --label-smoothing E --seed N --threads N\n"
     "  --schedule plateau|inverse-sqrt|cosine --warmup STEPS --patience N --teacher-forcing R\n"
     "  --eval-sentences N   dev sentences decoded per epoch for BLEU, exact match and AER\n"
     "  --min-count N --max-vocab N   word vocabularies without the rarer words, at most N entries\n"
     "                    (the specials included); the rest read as <unk>\n"
     "  --tokenizer word|char|bpe|unigram   tokens (default: the task's own); bpe and unigram train a\n"
     "                    SentencePiece model on the training split, stored in the model file\n"
     "  --vocab-size N    bpe/unigram: pieces per model at most (8000)\n"
     "  --shared-vocab    bpe/unigram: one model for source and target\n"
     "  --embedding E --hidden H --layers L --attention-dim A --max-source-length N\n"
     "  --resume CKPT        continue a run exactly from its checkpoint\n"
     "  --watch SENTENCE --snapshots DIR [--snapshot-format json|png|svg]   attention at every epoch end\n"
     "Progress: a bar on a terminal; otherwise one line per epoch and a plain progress line at least\n"
     "every 30 seconds (ALIGNSCOPE_PROGRESS_SECONDS=S sets that interval).\n"},
    {"eval",
     "  eval --model FILE|NAME --task en-fr|dates|scenes|FILE [--split dev|test] [--limit N] [--per-head]\n"
     "       [--head-importance] [--json]\n",
     "Scores a model on a task's split: loss, perplexity, BLEU, exact match, AER and attention entropy.\n"
     "  --limit N     decode only the first N pairs\n"
     "  --per-head    also score every layer's and head's cross-attention alone\n"
     "  --head-importance  switch each cross-attention head (and each layer's) off alone and report\n"
     "                the mean fall in log P of the model's own output (first 100 pairs, or --limit)\n"
     "The task options of train (--format, --direction, --task-seed, sizes) choose the same split.\n"},
    {"task",
     "  task --task en-fr|dates|FILE [--format tsv|eng-fra|audio-tsv] [--split train|dev|test]\n",
     "Prints a task's split (train by default) as TSV, one source<TAB>target pair per line, the\n"
     "pairs train and eval use (a speech corpus: clip<TAB>transcript). The task options of train\n"
     "(--format, --direction, --task-seed, sizes) choose the same split. tools/make-speech-corpus.sh\n"
     "speaks en-fr's English sentences this way.\n"},
    {"compare",
     "  compare --models A B ... [--target TEXT] [--beam K] [--json] [--layer L --head H|mean|max]\n"
     "       [--audio FILE (one window: 30 s for Whisper) | --image FILE [--encoder-attention]]\n"
     "       SENTENCE\n",
     "Decodes SENTENCE with every model and prints one summary row per model; with --target every\n"
     "model is teacher-forced on that text. --image FILE captions a PNG or JPEG picture with every\n"
     "model instead (a model that does not read images shows why in its row; exit 3).\n"},
    {"export",
     "  export --model FILE|NAME --format png|svg|pdf|json|csv|pharaoh|nematus|srt|vtt\n"
     "       [--view heatmap|lines|heads|compare --models A B ...] [--layer L --head H|mean|max]\n"
     "       [--scale S | --dpi N] [--page fit|a4|letter] [--beam K]\n"
     "       [--title T] [--colormap NAME] [--font F] [--font-size PT] [--cell-size PX] [--no-colorbar]\n"
     "       [--no-values] [--transparent] [--hide-special] [--merge-words] [--threshold X]\n"
     "       [--out FILE|FOLDER]\n"
     "       (SENTENCE | --input FILE | --audio FILE | --image FILE) [--subtitle-timing segment|word]\n"
     "       [--step N | --strip] [--opacity X] [--encoder-attention] [--timestamps]\n",
     "Writes a figure (png, svg, pdf; needs a build with the UI) or data (json, csv, pharaoh, nematus;\n"
     "to stdout without --out). --input FILE --out FOLDER writes one file per line.\n"
     "--merge-words draws a subword model's figures over words: a word's pieces as one column (their\n"
     "weights summed) and one row (averaged), in the heatmap, heads and compare views.\n"
     "--format srt|vtt --audio FILE writes SubRip or WebVTT subtitles of a whole clip (every window)\n"
     "from word timestamps: cues of up to two 42-character lines ended at sentence ends and pauses\n"
     "(--subtitle-timing segment, the default) or one cue per word (word); with --timestamps (Whisper)\n"
     "segment cues follow the model's own timestamp tokens instead. With --audio the other\n"
     "formats show one window (30 s for Whisper); png|svg|pdf draw the spectrogram figure: every\n"
     "token's attention as a row under the spectrogram, or one step's on it (--step N); --view\n"
     "heatmap draws the heatmap over the frames instead.\n"
     "--image FILE captions a PNG or JPEG picture: json is its trace (each step's patch grid);\n"
     "png|svg|pdf draw the overlay figure: one step (--step N, 1-based) or the strip of every word\n"
     "(--strip, the default), the attention at --opacity X (0.6) over the picture.\n"},
    {"import",
     "  import [--arch pytorch-tutorial|pytorch-tutorial-legacy|pytorch-chatbot] [--attn dot|general|concat]\n"
     "       [--layers N] (--checkpoint FILE | --encoder FILE --decoder FILE)\n"
     "       [--source-vocab JSON --target-vocab JSON | --pairs eng-fra.txt [--max-length N]\n"
     "       [--reverse|--no-reverse]] --out FILE\n",
     "Converts a PyTorch tutorial checkpoint into an AlignScope model file. The vocabularies come from\n"
     "the chatbot's voc_dict, JSON arrays (index = id), or are rebuilt from the tutorial's pairs.\n"},
    {"bench",
     "  bench [--quick] [--json] [--model NAME] [--section all|scoring|decode|train|compare|ui] [--repeat N]\n"
     "  bench --section folder --model FOLDER|ggml-*.bin [--steps N] [--repeat N] [--json]\n",
     "Measures the numbers of DESIGN.md (medians and ratios). --quick runs in under a minute;\n"
     "--train-pairs N sizes the training section. --section folder times a Hugging Face folder: opening\n"
     "it, encoding a 20-token source (a picture, a 30 s clip), each of --steps decoder steps, against\n"
     "the weight-streaming floor (a float16 file's decoder weights count 2 bytes each: they are read\n"
     "in 16 bits; per_token_ms_float32_weights times the same steps from float32). Each timed run of the\n"
     "steps follows its own reading of the read bandwidth (the better of 4 KB and 2 MB pages) and is\n"
     "compared with that run's floor; steps are timed once the weights are in 2 MB pages.\n"
     "per_token_over_floor_with_cache also counts the cached keys and values a step reads.\n"},
}};

const char *const kExitCodes = "Exit codes: 0 ok, 2 usage, 3 unreadable or invalid file, 4 invalid sentence.\n";

const CommandHelp *find(const std::string &name)
{
    auto it = std::find_if(kCommands.begin(), kCommands.end(), [&](const CommandHelp &c) { return name == c.name; });
    return it == kCommands.end() ? nullptr : &*it;
}

} // namespace

std::string usage()
{
    std::string s = "usage: alignscope-cli COMMAND [options]\n"
                    "       alignscope-cli help COMMAND | COMMAND --help   (that command's options)\n\n";
    for (const CommandHelp &c : kCommands)
        s += c.synopsis;
    s += "  --version\n"
         "\n"
         "A model FILE is an AlignScope model or a PyTorch tutorial checkpoint (.pt, .pth, or a safetensors\n"
         "state_dict) holding encoder and decoder; its vocabularies come from the chatbot's voc_dict or from\n"
         "STEM.source-vocab.json and STEM.target-vocab.json beside it (JSON arrays, index = id). A FOLDER is a\n"
         "Hugging Face model folder (T5, flan-T5, BART, Marian): config.json, weights and tokenizer files.\n"
         "\n";
    return s + kExitCodes;
}

std::optional<std::string> commandUsage(const std::string &name)
{
    const CommandHelp *c = find(name);
    if (!c)
        return std::nullopt;
    return "usage: alignscope-cli " + name + " [options]\n\n" + c->synopsis + "\n" + c->details + "\n" + kExitCodes;
}

std::vector<std::string> commandNames()
{
    std::vector<std::string> names;
    for (const CommandHelp &c : kCommands)
        names.push_back(c.name);
    return names;
}

bool asksForHelp(const std::vector<std::string> &args)
{
    for (const std::string &a : args) {
        if (a == "--")
            return false;
        if (a == "--help" || a == "-h")
            return true;
    }
    return false;
}

} // namespace alignscope::cli
