// whisper.cpp model files, read as its loader (whisper_model_load) reads
// them, with every size the file states checked against what is left of it
// before anything is allocated. No model is built here (the fuzzer drives it).
#include "alignscope/ggml.h"

#include "hf/ggml_p.h"

#include <cstring>
#include <fstream>
#include <map>

namespace alignscope {

namespace {


constexpr int kMaxVocab = 1 << 20;
constexpr int kMaxState = 16384;
constexpr int kMaxLayers = 64;
constexpr int kMaxContext = 1 << 16;
constexpr std::uint32_t kMaxTokenBytes = 1 << 16;
constexpr int kMaxNameBytes = 1024;

/// Reads little-endian fields, refusing any that would pass the file's end.
class Reader {
public:
    Reader(std::istream &in, std::uint64_t size, std::string label) : m_in(in), m_size(size), m_label(std::move(label)) {}
    std::uint64_t left() const { return m_size - m_at; }
    std::uint64_t at() const { return m_at; }
    Result<void> need(std::uint64_t bytes, const std::string &what) const
    {
        if (bytes > left())
            return fileError(m_label + ": truncated: " + what + " needs " + std::to_string(bytes) + " bytes at offset " +
                             std::to_string(m_at) + " but the file has " + std::to_string(left()) + " left");
        return {};
    }
    Result<void> bytes(void *out, std::uint64_t n, const std::string &what)
    {
        if (auto ok = need(n, what); !ok)
            return ok;
        if (n && !m_in.read(static_cast<char *>(out), std::streamsize(n)))
            return fileError(m_label + ": could not read " + what + " at offset " + std::to_string(m_at));
        m_at += n;
        return {};
    }
    Result<std::int32_t> i32(const std::string &what)
    {
        unsigned char b[4];
        if (auto ok = bytes(b, 4, what); !ok)
            return ok.error();
        return std::int32_t(std::uint32_t(b[0]) | std::uint32_t(b[1]) << 8 | std::uint32_t(b[2]) << 16 |
                            std::uint32_t(b[3]) << 24);
    }
    Result<void> skip(std::uint64_t n, const std::string &what)
    {
        if (auto ok = need(n, what); !ok)
            return ok;
        m_in.seekg(std::streamoff(m_at + n));
        m_at += n;
        return {};
    }
    const std::string &label() const { return m_label; }

private:
    std::istream &m_in;
    std::uint64_t m_size;
    std::uint64_t m_at = 0;
    std::string m_label;
};

Result<int> sizeField(Reader &r, const char *what, int least, int most)
{
    auto v = r.i32(what);
    if (!v)
        return v.error();
    if (v.value() < least || v.value() > most)
        return fileError(r.label() + ": " + what + " is " + std::to_string(v.value()) + ", outside " +
                         std::to_string(least) + ".." + std::to_string(most) + "; not a whisper.cpp model file, or a damaged one");
    return v.value();
}

} // namespace

float ggml::littleFloat(const unsigned char *b)
{
    std::uint32_t u = std::uint32_t(b[0]) | std::uint32_t(b[1]) << 8 | std::uint32_t(b[2]) << 16 | std::uint32_t(b[3]) << 24;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

int GgmlWhisperFile::eot() const { return nVocab >= 51865 ? 50257 : 50256; }
int GgmlWhisperFile::sot() const { return eot() + 1; }
int GgmlWhisperFile::languages() const { return nVocab - 51765 - (nVocab >= 51865 ? 1 : 0); }
int GgmlWhisperFile::firstAfterLanguages() const { return 50357 + (nVocab >= 51865 ? languages() - 98 : 0); }

bool isGgmlFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    unsigned char b[4] = {};
    return in.read(reinterpret_cast<char *>(b), 4) &&
           (std::uint32_t(b[0]) | std::uint32_t(b[1]) << 8 | std::uint32_t(b[2]) << 16 | std::uint32_t(b[3]) << 24) == ggml::kMagic;
}

Result<GgmlWhisperFile> parseGgmlWhisper(std::istream &in, std::uint64_t size, const std::string &label)
{
    Reader r(in, size, label);
    auto magic = r.i32("the magic");
    if (!magic)
        return magic.error();
    if (std::uint32_t(magic.value()) != ggml::kMagic)
        return fileError(label + ": not a whisper.cpp model file (no ggml magic 0x67676d6c at its start)");
    GgmlWhisperFile f;
    struct Field {
        int *to;
        const char *name;
        int least, most;
    };
    const Field fields[] = {{&f.nVocab, "n_vocab", 51864, kMaxVocab}, {&f.nAudioCtx, "n_audio_ctx", 1, kMaxContext},
                            {&f.nAudioState, "n_audio_state", 1, kMaxState}, {&f.nAudioHead, "n_audio_head", 1, 256},
                            {&f.nAudioLayer, "n_audio_layer", 1, kMaxLayers}, {&f.nTextCtx, "n_text_ctx", 1, kMaxContext},
                            {&f.nTextState, "n_text_state", 1, kMaxState}, {&f.nTextHead, "n_text_head", 1, 256},
                            {&f.nTextLayer, "n_text_layer", 1, kMaxLayers}, {&f.nMels, "n_mels", 1, 512},
                            {&f.ftype, "ftype", 0, 1 << 30}};
    for (const Field &field : fields) {
        auto v = sizeField(r, field.name, field.least, field.most);
        if (!v)
            return v.error();
        *field.to = v.value();
    }
    // whisper.cpp's ftypes: 0 f32, 1 f16, 2 q4_0, 3 q4_1, 7 q8_0, 8 q5_0, 9 q5_1 (plus 1000 x the quantisation version).
    if (const int t = f.ftype % 1000; t > 3 && (t < 7 || t > 9))
        return fileError(label + ": ftype " + std::to_string(t) + " is a whisper.cpp file type AlignScope does not read "
                         "(it reads f32, f16, q4_0, q4_1, q5_0, q5_1 and q8_0 files)");
    if (f.nTextState != f.nAudioState || f.nTextHead != f.nAudioHead)
        return fileError(label + ": the encoder (" + std::to_string(f.nAudioState) + " wide, " +
                         std::to_string(f.nAudioHead) + " heads) and decoder (" + std::to_string(f.nTextState) + ", " +
                         std::to_string(f.nTextHead) + ") differ; Whisper's are equal");
    if (f.nAudioState % f.nAudioHead != 0)
        return fileError(label + ": n_audio_state " + std::to_string(f.nAudioState) + " does not split into " +
                         std::to_string(f.nAudioHead) + " heads");

    auto mels = sizeField(r, "the mel filters' n_mel", 1, 512);
    if (!mels)
        return mels.error();
    auto bins = sizeField(r, "the mel filters' n_fft", 1, 16384);
    if (!bins)
        return bins.error();
    f.filterMels = mels.value();
    f.filterBins = bins.value();
    const std::uint64_t filterBytes = std::uint64_t(f.filterMels) * std::uint64_t(f.filterBins) * 4;
    if (auto ok = r.need(filterBytes, "the mel filters"); !ok)
        return ok.error();
    std::vector<unsigned char> raw(filterBytes);
    if (auto ok = r.bytes(raw.data(), filterBytes, "the mel filters"); !ok)
        return ok.error();
    f.filters.resize(size_t(f.filterMels) * size_t(f.filterBins));
    for (size_t i = 0; i < f.filters.size(); ++i)
        f.filters[i] = ggml::littleFloat(raw.data() + 4 * i);

    auto count = sizeField(r, "the vocabulary's size", 0, f.nVocab);
    if (!count)
        return count.error();
    if (auto ok = r.need(std::uint64_t(count.value()) * 4, "the vocabulary"); !ok)
        return ok.error();
    f.tokens.reserve(size_t(count.value()));
    for (int i = 0; i < count.value(); ++i) {
        const std::string what = "token " + std::to_string(i);
        auto length = r.i32(what + "'s length");
        if (!length)
            return length.error();
        const std::uint32_t n = std::uint32_t(length.value());
        if (n > kMaxTokenBytes)
            return fileError(label + ": " + what + " is " + std::to_string(n) + " bytes long; a damaged vocabulary");
        if (auto ok = r.need(n, what); !ok)
            return ok.error();
        std::string token(n, '\0');
        if (auto ok = r.bytes(token.data(), n, what); !ok)
            return ok.error();
        f.tokens.push_back(std::move(token));
    }

    std::map<std::string, size_t> seen;
    while (r.left() > 0) {
        const std::string what = "tensor " + std::to_string(f.tensors.size() + 1);
        auto dims = sizeField(r, (what + "'s n_dims").c_str(), 1, 4);
        if (!dims)
            return dims.error();
        auto nameLength = sizeField(r, (what + "'s name length").c_str(), 1, kMaxNameBytes);
        if (!nameLength)
            return nameLength.error();
        auto type = r.i32(what + "'s type");
        if (!type)
            return type.error();
        GgmlWhisperFile::Tensor t;
        t.type = type.value();
        std::uint64_t elements = 1;
        for (int d = 0; d < dims.value(); ++d) {
            auto n = sizeField(r, (what + "'s size").c_str(), 1, 1 << 30);
            if (!n)
                return n.error();
            t.shape.insert(t.shape.begin(), n.value()); // ggml lists the innermost first
            elements *= std::uint64_t(n.value());
            if (elements > 2 * size) // the densest type, q4_0, takes 18 bytes per 32 values
                return fileError(label + ": " + what + " states " + std::to_string(elements) +
                                 "+ elements, more than the file's " + std::to_string(size) + " bytes hold");
        }
        while (t.shape.size() > 1 && t.shape.back() == 1) // a conv bias [n, 1] is our [n]
            t.shape.pop_back();
        t.name.assign(size_t(nameLength.value()), '\0');
        if (auto ok = r.bytes(t.name.data(), t.name.size(), what + "'s name"); !ok)
            return ok.error();
        if (ggmlTypeName(t.type).empty())
            return fileError(label + ": tensor \"" + t.name + "\" is stored as ggml type " + std::to_string(t.type) +
                             "; AlignScope reads f32, f16, q4_0, q4_1, q5_0, q5_1 and q8_0 tensors");
        const std::uint64_t bytes = ggmlTensorBytes(t.type, elements, t.shape.back());
        if (bytes == 0)
            return fileError(label + ": tensor \"" + t.name + "\" is " + ggmlTypeName(t.type) + " but its rows of " +
                             std::to_string(t.shape.back()) + " values are not whole blocks of 32");
        if (!seen.emplace(t.name, f.tensors.size()).second)
            return fileError(label + ": tensor \"" + t.name + "\" appears twice");
        t.offset = r.at();
        if (auto ok = r.skip(bytes, "tensor \"" + t.name + "\"'s data"); !ok)
            return ok.error();
        f.tensors.push_back(std::move(t));
    }
    return f;
}

} // namespace alignscope
