// Fuzzes the Hugging Face tokenizer loader and the tokenizers it builds. The
// input is a folder in one piece: a byte choosing the model type, then its
// files and a text to encode, separated by "@@@@":
//   t5:          spiece.model @@@@ tokenizer_config.json @@@@ text
//   bart, gpt2:  vocab.json @@@@ merges.txt @@@@ tokenizer_config.json @@@@ text
//   marian:      source.spm (also target.spm) @@@@ vocab.json @@@@ tokenizer_config.json @@@@ text
// A missing part leaves its file out. Whatever loads must encode, decode and
// display without crashing, with one span per id inside the text.
#include "alignscope/hftokenizer.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

const std::string &folder()
{
    static const std::string dir = [] {
        std::string pattern = (std::filesystem::temp_directory_path() / "fuzz_hftokenizer.XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            std::abort();
        return pattern;
    }();
    return dir;
}

std::vector<std::string_view> split(std::string_view input)
{
    std::vector<std::string_view> parts;
    for (size_t at; (at = input.find("@@@@")) != std::string_view::npos; input.remove_prefix(at + 4))
        parts.push_back(input.substr(0, at));
    parts.push_back(input);
    return parts;
}

void place(const std::string &name, const std::vector<std::string_view> &parts, size_t index)
{
    const std::string path = folder() + "/" + name;
    if (index < parts.size())
        std::ofstream(path, std::ios::binary).write(parts[index].data(), std::streamsize(parts[index].size()));
    else
        std::filesystem::remove(path);
}

void check(const alignscope::HfTokenizer &tokenizer, const alignscope::TokenizedText &t, size_t textSize)
{
    const size_t n = t.ids.size();
    if (t.pieces.size() != n || t.spans.size() != n || t.special.size() != n || t.words.size() != n)
        __builtin_trap();
    for (size_t i = 0; i < n; ++i) {
        const auto s = t.spans[i];
        if (s.typed() && (s.end < s.begin || size_t(s.end) > textSize))
            __builtin_trap();
        (void)tokenizer.display(t.ids[i]);
    }
    (void)tokenizer.decode(t.ids, true);
    (void)tokenizer.decode(t.ids, false);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace alignscope;
    if (size < 1)
        return 0;
    static const char *const kTypes[] = {"t5", "bart", "gpt2", "marian"};
    const std::string type = kTypes[data[0] % 4];
    const auto parts = split(std::string_view(reinterpret_cast<const char *>(data) + 1, size - 1));
    std::vector<std::string> files;
    if (type == "t5")
        files = {"spiece.model", "tokenizer_config.json"};
    else if (type == "marian")
        files = {"source.spm", "vocab.json", "tokenizer_config.json"};
    else
        files = {"vocab.json", "merges.txt", "tokenizer_config.json"};
    for (const char *name : {"spiece.model", "source.spm", "target.spm", "vocab.json", "merges.txt",
                             "tokenizer_config.json"})
        std::filesystem::remove(folder() + "/" + name);
    for (size_t i = 0; i < files.size(); ++i)
        place(files[i], parts, i);
    if (type == "marian")
        place("target.spm", parts, 0);
    auto loaded = loadHfTokenizer(folder(), type);
    if (!loaded)
        return 0;
    const HfTokenizer &tokenizer = **loaded;
    const std::string_view text = files.size() < parts.size() ? parts[files.size()] : std::string_view("a b");
    for (const bool target : {false, true}) {
        const auto t = target ? tokenizer.encodeTarget(text) : tokenizer.encode(text);
        if (t)
            check(tokenizer, *t, text.size());
    }
    // Arbitrary ids, in and out of range, from the text's bytes.
    std::vector<int> ids;
    for (const char c : text.substr(0, 64))
        ids.push_back(static_cast<signed char>(c) * 3 + tokenizer.size() / 2);
    (void)tokenizer.decode(ids, false);
    (void)tokenizer.decode(ids, true);
    for (const int id : ids) {
        (void)tokenizer.piece(id);
        (void)tokenizer.isSpecial(id);
        (void)tokenizer.id(tokenizer.piece(id));
    }
    (void)tokenizer.specials();
    return 0;
}
