// safetensors reader and writer. Layout: 8-byte little-endian header length
// N, N bytes of JSON header, then the data section. Every check of the
// reference implementation (huggingface/safetensors) is repeated here, plus
// duplicate keys, which nlohmann-json would otherwise drop silently.

#include "alignscope/safetensors.h"
#include "io/halffloat_p.h"

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <system_error>
#include <tuple>

namespace alignscope {
namespace {

using Json = nlohmann::json;
using Bytes = std::span<const std::uint8_t>;

constexpr std::uint64_t kMaxHeaderBytes = 100'000'000; // the reference's limit
constexpr std::size_t kLengthBytes = 8;
constexpr std::size_t kMaxQuotedName = 80;
constexpr std::size_t kMaxNesting = 128; // serde_json's recursion limit, which the reference inherits
constexpr const char *kMetadataKey = "__metadata__";

// ---- message helpers ------------------------------------------------------

// Names come from hostile files: escape control characters and cut long
// names so that every message stays one readable line.
std::string quotedName(std::string_view text)
{
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size() && i < kMaxQuotedName; ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\n')
            out += "\\n";
        else if (c == '"' || c == '\\')
            out += std::string("\\") + char(c);
        else if (c < 0x20 || c == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
        } else
            out += char(c);
    }
    return out + (text.size() > kMaxQuotedName ? "...\"" : "\"");
}

template <typename Number>
std::string listText(const std::vector<Number> &values)
{
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i)
        out += (i ? ", " : "") + std::to_string(values[i]);
    return out + "]";
}

Error headerError(const std::string &label, const std::string &what)
{
    return fileError(label + ": " + what);
}

Error tensorError(const std::string &label, const std::string &name, const std::string &what)
{
    return fileError(label + ": tensor " + quotedName(name) + ": " + what);
}

// ---- dtypes ---------------------------------------------------------------

std::size_t dtypeSize(DType type)
{
    switch (type) {
    case DType::F64: return 8;
    case DType::F32: return 4;
    case DType::F16:
    case DType::BF16: return 2;
    }
    return 4;
}

std::optional<DType> dtypeFromName(const std::string &name)
{
    for (DType type : {DType::F32, DType::F64, DType::F16, DType::BF16})
        if (toString(type) == name)
            return type;
    return std::nullopt;
}

// ---- the raw header -------------------------------------------------------

template <typename Unsigned>
Unsigned loadLittleEndian(const std::uint8_t *p)
{
    Unsigned value = 0;
    for (std::size_t i = 0; i < sizeof(Unsigned); ++i)
        value |= Unsigned(p[i]) << (8 * i);
    return value;
}

// Returns the byte offset of the first invalid UTF-8 sequence, if any.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text)
{
    const auto *p = reinterpret_cast<const utf8proc_uint8_t *>(text.data());
    std::size_t at = 0;
    while (at < text.size()) {
        utf8proc_int32_t codepoint = 0;
        const utf8proc_ssize_t n = utf8proc_iterate(p + at, utf8proc_ssize_t(text.size() - at), &codepoint);
        if (n <= 0)
            return at;
        at += std::size_t(n);
    }
    return std::nullopt;
}

// Deepest nesting of objects and arrays, outside strings. Checked before
// parsing: nlohmann-json copes with deep nesting without recursion, but a
// 100 MB header of brackets would take a minute and gigabytes to reject.
std::size_t nestingDepth(std::string_view text)
{
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\')
                ++i; // skip the escaped character, which may be a quote
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

// Checks the length prefix and the framing of the header; returns its text.
Result<std::string_view> headerText(Bytes bytes, const std::string &label)
{
    const std::string notSafetensors = "; the file is corrupt or not a safetensors file";
    if (bytes.empty())
        return headerError(label, "file is empty (0 bytes); not a safetensors file");
    if (bytes.size() < kLengthBytes)
        return headerError(label, "file is " + std::to_string(bytes.size())
                                      + " bytes, too short for a safetensors header (needs at least 8)"
                                      + notSafetensors);
    const auto length = loadLittleEndian<std::uint64_t>(bytes.data());
    if (length > kMaxHeaderBytes)
        return headerError(label, "header length " + std::to_string(length) + " bytes exceeds the "
                                      + std::to_string(kMaxHeaderBytes) + "-byte limit" + notSafetensors);
    if (length > bytes.size() - kLengthBytes)
        return headerError(label, "header of " + std::to_string(length) + " bytes extends past the end of the file ("
                                      + std::to_string(bytes.size()) + " bytes); the file is truncated");
    if (length == 0)
        return headerError(label, "header is empty" + notSafetensors);
    const std::string_view text(reinterpret_cast<const char *>(bytes.data() + kLengthBytes), length);
    if (text.front() != '{')
        return headerError(label, "header does not start with '{'" + notSafetensors);
    // nlohmann-json stops at a NUL byte as if the input ended there, which
    // would let anything after it through unchecked.
    if (const auto nul = text.find('\0'); nul != std::string_view::npos)
        return headerError(label, "header contains a NUL byte (header byte " + std::to_string(nul) + ")"
                                      + notSafetensors);
    if (const auto bad = firstInvalidUtf8(text))
        return headerError(label, "header is not valid UTF-8 (header byte " + std::to_string(*bad) + ")"
                                      + notSafetensors);
    if (nestingDepth(text) > kMaxNesting)
        return headerError(label, "header nests objects or arrays more than " + std::to_string(kMaxNesting)
                                      + " levels deep" + notSafetensors);
    return text;
}

// nlohmann-json keeps only the last of duplicate keys, so a hostile file
// could hide one tensor behind another. The parser callback sees every key;
// this records the first duplicate.
class DuplicateKeyFinder {
public:
    void observe(Json::parse_event_t event, const Json &parsed)
    {
        if (event == Json::parse_event_t::object_start) {
            m_keysPerObject.emplace_back();
            m_lastKey.emplace_back();
        } else if (event == Json::parse_event_t::object_end && !m_keysPerObject.empty()) {
            m_keysPerObject.pop_back();
            m_lastKey.pop_back();
        } else if (event == Json::parse_event_t::key && parsed.is_string() && !m_keysPerObject.empty()) {
            const auto &key = parsed.get_ref<const std::string &>();
            if (!m_keysPerObject.back().insert(key).second && !m_message)
                m_message = describe(key);
            m_lastKey.back() = key;
        }
    }
    const std::optional<std::string> &message() const { return m_message; }

private:
    std::string describe(const std::string &key) const
    {
        if (m_keysPerObject.size() == 1)
            return key == kMetadataKey ? "duplicate \"__metadata__\"" : "duplicate tensor name " + quotedName(key);
        const std::string &owner = m_lastKey.front();
        const std::string where = owner == kMetadataKey ? "\"__metadata__\"" : "tensor " + quotedName(owner);
        return where + ": duplicate key " + quotedName(key);
    }

    std::vector<std::set<std::string>> m_keysPerObject; // one per open object
    std::vector<std::string> m_lastKey;
    std::optional<std::string> m_message;
};

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line
// 1, column 9: <reason>; last read: '<bytes>'"; keep only the reason, never
// the raw bytes of the file.
std::string parseReason(const std::string &what)
{
    std::string reason = what;
    if (const auto tag = reason.find("] "); tag != std::string::npos)
        reason = reason.substr(tag + 2);
    if (const auto colon = reason.find(": "); reason.starts_with("parse error") && colon != std::string::npos)
        reason = reason.substr(colon + 2);
    if (const auto lastRead = reason.find("; last read"); lastRead != std::string::npos)
        reason = reason.substr(0, lastRead);
    return reason.size() > 120 ? reason.substr(0, 120) + "..." : reason;
}

Result<Json> parseJson(std::string_view text, const std::string &label)
{
    DuplicateKeyFinder finder;
    Json header;
    try {
        header = Json::parse(text.begin(), text.end(), [&finder](int, Json::parse_event_t event, Json &parsed) {
            finder.observe(event, parsed);
            return true;
        });
    } catch (const Json::parse_error &e) {
        return headerError(label, "header is not valid JSON at header byte " + std::to_string(e.byte) + " ("
                                      + parseReason(e.what()) + "); the file is corrupt or not a safetensors file");
    } catch (const Json::exception &e) { // out_of_range: a number too large for a double
        return headerError(label, "header is not valid JSON (" + parseReason(e.what())
                                      + "); the file is corrupt or not a safetensors file");
    } catch (const std::exception &e) { // bad_alloc on a huge header, or any other surprise
        return headerError(label, std::string("cannot parse the header: ") + e.what());
    }
    if (finder.message())
        return headerError(label, *finder.message());
    if (!header.is_object()) // unreachable after the '{' check, kept as a guard
        return headerError(label, std::string("header must be a JSON object, found ") + header.type_name());
    return header;
}

// ---- header fields --------------------------------------------------------

Result<std::map<std::string, std::string>> readMetadata(const Json &header, const std::string &label)
{
    std::map<std::string, std::string> metadata;
    const auto found = header.find(kMetadataKey);
    if (found == header.end())
        return metadata;
    if (!found->is_object())
        return headerError(label, std::string("\"__metadata__\" must be an object of strings, found ")
                                      + found->type_name());
    for (const auto &[key, value] : found->items()) {
        if (!value.is_string())
            return headerError(label, "\"__metadata__\" entry " + quotedName(key) + " must be a string, found "
                                          + value.type_name());
        metadata.emplace(key, value.get<std::string>());
    }
    return metadata;
}

std::string typeDescription(const Json &value)
{
    if (value.is_number_float())
        return "a non-integer number";
    return (value.is_object() || value.is_array() ? "an " : "a ") + std::string(value.type_name());
}

Result<DType> readDType(const Json &dtype, const std::string &label, const std::string &name)
{
    if (!dtype.is_string())
        return tensorError(label, name, "\"dtype\" must be a string, found " + typeDescription(dtype));
    const auto &text = dtype.get_ref<const std::string &>();
    if (const auto type = dtypeFromName(text))
        return *type;
    return tensorError(label, name, "unsupported dtype " + quotedName(text) + " (supported: F32, F64, F16, BF16)");
}

Result<std::vector<std::int64_t>> readShape(const Json &shape, const std::string &label, const std::string &name)
{
    if (!shape.is_array())
        return tensorError(label, name, "\"shape\" must be an array of integers, found " + typeDescription(shape));
    std::vector<std::int64_t> dims;
    for (const Json &dim : shape) {
        if (!dim.is_number_integer())
            return tensorError(label, name, "\"shape\" must be an array of integers, found " + typeDescription(dim)
                                                + " in it");
        if (dim.is_number_unsigned() && dim.get<std::uint64_t>() > std::uint64_t(INT64_MAX))
            return tensorError(label, name, "shape dimension " + std::to_string(dim.get<std::uint64_t>())
                                                + " is too large (overflows 64 bits)");
        dims.push_back(dim.get<std::int64_t>());
    }
    if (std::any_of(dims.begin(), dims.end(), [](std::int64_t d) { return d < 0; }))
        return tensorError(label, name, "shape " + listText(dims) + " has a negative dimension");
    return dims;
}

Result<std::pair<std::uint64_t, std::uint64_t>> readOffsets(const Json &offsets, const std::string &label,
                                                            const std::string &name)
{
    const auto isOffset = [](const Json &v) { return v.is_number_unsigned(); }; // negatives parse as signed
    if (!offsets.is_array() || offsets.size() != 2 || !isOffset(offsets[0]) || !isOffset(offsets[1]))
        return tensorError(label, name, "\"data_offsets\" must be [begin, end] with two non-negative integers");
    const std::uint64_t begin = offsets[0].get<std::uint64_t>();
    const std::uint64_t end = offsets[1].get<std::uint64_t>();
    if (end < begin)
        return tensorError(label, name, "data_offsets " + listText(std::vector{begin, end}) + " end before they begin");
    return std::pair{begin, end};
}

// Bytes the tensor needs, or nothing when that overflows 64 bits.
std::optional<std::uint64_t> byteSize(const std::vector<std::int64_t> &shape, DType type)
{
    std::uint64_t bytes = dtypeSize(type);
    for (std::int64_t dim : shape) {
        const auto d = std::uint64_t(dim);
        if (d != 0 && bytes > std::numeric_limits<std::uint64_t>::max() / d)
            return std::nullopt;
        bytes *= d;
    }
    return bytes;
}

Result<const Json *> requiredField(const Json &entry, const char *key, const std::string &label,
                                   const std::string &name)
{
    const auto found = entry.find(key);
    if (found == entry.end())
        return tensorError(label, name, std::string("missing \"") + key + "\"");
    return &*found;
}

// Checks one entry on its own; the layout of all entries is checked after.
Result<TensorInfo> readTensor(const std::string &name, const Json &entry, std::uint64_t dataSize,
                              const std::string &label)
{
    if (!entry.is_object())
        return tensorError(label, name, "entry must be an object with \"dtype\", \"shape\" and \"data_offsets\", found "
                                            + typeDescription(entry));
    auto dtypeField = requiredField(entry, "dtype", label, name);
    auto shapeField = requiredField(entry, "shape", label, name);
    auto offsetsField = requiredField(entry, "data_offsets", label, name);
    for (const auto *field : {&dtypeField, &shapeField, &offsetsField})
        if (!*field)
            return field->error();
    auto dtype = readDType(**dtypeField, label, name);
    if (!dtype)
        return dtype.error();
    auto shape = readShape(**shapeField, label, name);
    if (!shape)
        return shape.error();
    auto offsets = readOffsets(**offsetsField, label, name);
    if (!offsets)
        return offsets.error();
    TensorInfo info{name, *dtype, std::move(*shape), offsets->first, offsets->second};

    const auto needed = byteSize(info.shape, info.dtype);
    const std::string shapeText = "shape " + listText(info.shape) + " of " + toString(info.dtype);
    if (!needed)
        return tensorError(label, name, shapeText + " has too many elements (byte size overflows 64 bits)");
    const std::string offsetsText = "data_offsets " + listText(std::vector{info.begin, info.end});
    if (*needed != info.end - info.begin)
        return tensorError(label, name, offsetsText + " hold " + std::to_string(info.end - info.begin)
                                            + " bytes but " + shapeText + " needs " + std::to_string(*needed));
    if (info.end > dataSize)
        return tensorError(label, name, offsetsText + " run past the end of the data section ("
                                            + std::to_string(dataSize) + " bytes); the file is truncated");
    return info;
}

// Sorted by offset, each tensor must start where the previous one ended and
// the last must end at the end of the data section: no gaps, no overlaps.
Result<void> checkCoverage(std::vector<TensorInfo> byOffset, std::uint64_t dataSize, const std::string &label)
{
    std::sort(byOffset.begin(), byOffset.end(), [](const TensorInfo &a, const TensorInfo &b) {
        return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
    });
    std::uint64_t expected = 0;
    const TensorInfo *previous = nullptr;
    for (const TensorInfo &t : byOffset) {
        if (t.begin != expected) {
            const std::string after = previous ? "the previous tensor " + quotedName(previous->name) + " ends at byte "
                                                   + std::to_string(expected)
                                               : std::string("the first tensor must start at byte 0");
            const std::string problem = t.begin > expected
                ? "a gap of " + std::to_string(t.begin - expected) + " bytes"
                : std::string("they overlap");
            return tensorError(label, t.name, "starts at byte " + std::to_string(t.begin) + " but " + after + " ("
                                                  + problem + "); tensors must cover the data section exactly");
        }
        expected = t.end;
        previous = &t;
    }
    if (expected != dataSize)
        return headerError(label, "data section is " + std::to_string(dataSize) + " bytes but the tensors cover only "
                                      + std::to_string(expected) + "; the file has trailing bytes or lost a tensor");
    return {};
}

struct ParsedHeader {
    std::map<std::string, std::string> metadata;
    std::vector<TensorInfo> tensors; // sorted by name
    std::uint64_t dataStart = 0;
};

// The one validation routine behind open() and fromBytes().
Result<ParsedHeader> parseFile(Bytes bytes, const std::string &label)
{
    auto text = headerText(bytes, label);
    if (!text)
        return text.error();
    auto header = parseJson(*text, label);
    if (!header)
        return header.error();
    auto metadata = readMetadata(*header, label);
    if (!metadata)
        return metadata.error();
    ParsedHeader parsed{std::move(*metadata), {}, kLengthBytes + text->size()};
    const std::uint64_t dataSize = bytes.size() - parsed.dataStart;
    for (const auto &[name, entry] : header->items()) { // items() iterates in name order
        if (name == kMetadataKey)
            continue;
        auto info = readTensor(name, entry, dataSize, label);
        if (!info)
            return info.error();
        parsed.tensors.push_back(std::move(*info));
    }
    if (auto covered = checkCoverage(parsed.tensors, dataSize, label); !covered)
        return covered.error();
    return parsed;
}

// ---- memory mapping -------------------------------------------------------

// A read-only mapping of a whole file, unmapped on destruction. A file
// truncated by another process while mapped would raise SIGBUS; that race is
// outside what a reader can prevent.
class MappedFile {
public:
    MappedFile() = default;
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;
    MappedFile(MappedFile &&other) noexcept { swap(other); }
    MappedFile &operator=(MappedFile &&other) noexcept
    {
        MappedFile(std::move(other)).swap(*this);
        return *this;
    }
    ~MappedFile()
    {
        if (m_data)
            ::munmap(m_data, m_size);
    }

    static Result<MappedFile> map(const std::string &path);
    Bytes bytes() const { return {static_cast<const std::uint8_t *>(m_data), m_size}; }

private:
    void swap(MappedFile &other) noexcept
    {
        std::swap(m_data, other.m_data);
        std::swap(m_size, other.m_size);
    }
    void *m_data = nullptr;
    std::size_t m_size = 0;
};

std::string errnoText(int error)
{
    return std::system_category().message(error);
}

Result<MappedFile> MappedFile::map(const std::string &path)
{
    // O_NONBLOCK: opening a FIFO must not hang; it is rejected below.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return fileError(path + ": cannot open: " + errnoText(errno));
    struct stat info {};
    const int statError = ::fstat(fd, &info) == 0 ? 0 : errno;
    MappedFile file;
    std::optional<Error> error;
    if (statError)
        error = fileError(path + ": cannot read: " + errnoText(statError));
    else if (S_ISDIR(info.st_mode))
        error = fileError(path + ": is a directory, not a safetensors file; choose the .safetensors file inside it");
    else if (!S_ISREG(info.st_mode))
        error = fileError(path + ": is not a regular file");
    else if (info.st_size > 0) { // mmap rejects length 0; an empty mapping is fine
        file.m_size = std::size_t(info.st_size);
        void *data = ::mmap(nullptr, file.m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED)
            error = fileError(path + ": cannot map into memory: " + errnoText(errno));
        else
            file.m_data = data;
    }
    ::close(fd); // the mapping keeps the file alive
    if (error)
        return *error;
    return file;
}

// ---- values ---------------------------------------------------------------

float loadValue(const std::uint8_t *p, DType type)
{
    switch (type) {
    case DType::F32: return std::bit_cast<float>(loadLittleEndian<std::uint32_t>(p));
    case DType::F16: return halfToFloat(loadLittleEndian<std::uint16_t>(p));
    case DType::BF16: return bfloat16ToFloat(loadLittleEndian<std::uint16_t>(p));
    case DType::F64: return float(std::bit_cast<double>(loadLittleEndian<std::uint64_t>(p)));
    }
    return 0.0f;
}

std::string nonFiniteName(double value)
{
    return std::isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
}

std::string shortNumber(double value)
{
    char text[32];
    std::snprintf(text, sizeof(text), "%.6g", value);
    return text;
}

// Finds the first value that is not a finite float; F64 values outside the
// float range count, since they would become Inf.
std::optional<std::string> firstBadValue(const std::uint8_t *data, std::size_t count, DType type)
{
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint8_t *p = data + i * dtypeSize(type);
        const double wide = type == DType::F64 ? std::bit_cast<double>(loadLittleEndian<std::uint64_t>(p))
                                               : double(loadValue(p, type));
        if (!std::isfinite(wide))
            return "value at flat index " + std::to_string(i) + " is " + nonFiniteName(wide);
        if (!std::isfinite(float(wide)))
            return "value at flat index " + std::to_string(i) + " (" + shortNumber(wide)
                + ") is outside the float range";
    }
    return std::nullopt;
}

std::size_t elementCount(const std::vector<std::int64_t> &shape)
{
    std::size_t count = 1;
    for (std::int64_t dim : shape)
        count *= std::size_t(dim);
    return count;
}

// ---- writing --------------------------------------------------------------

void appendLittleEndian(std::string &out, std::uint64_t value, std::size_t bytes)
{
    for (std::size_t i = 0; i < bytes; ++i)
        out += char((value >> (8 * i)) & 0xffu);
}

Result<void> checkWritable(const std::string &name, const FloatTensor &tensor)
{
    const auto bad = [&name](const std::string &what) { return inputError("tensor " + quotedName(name) + ": " + what); };
    if (name == kMetadataKey)
        return bad("this name is reserved for metadata");
    if (std::any_of(tensor.shape.begin(), tensor.shape.end(), [](std::int64_t d) { return d < 0; }))
        return bad("shape " + listText(tensor.shape) + " has a negative dimension");
    const auto bytes = byteSize(tensor.shape, DType::F32);
    if (!bytes || *bytes / 4 != tensor.data.size())
        return bad("shape " + listText(tensor.shape) + " does not match its " + std::to_string(tensor.data.size())
                   + " values");
    // A file the reader would reject is not worth writing.
    const auto nonFinite = std::find_if(tensor.data.begin(), tensor.data.end(),
                                        [](float v) { return !std::isfinite(v); });
    if (nonFinite != tensor.data.end())
        return bad("value at flat index " + std::to_string(nonFinite - tensor.data.begin()) + " is "
                   + nonFiniteName(*nonFinite) + "; refusing to write a file that cannot be read back");
    return {};
}

Result<std::string> headerJson(const std::map<std::string, FloatTensor> &tensors,
                               const std::map<std::string, std::string> &metadata)
{
    Json header = Json::object();
    if (!metadata.empty())
        header[kMetadataKey] = metadata;
    std::uint64_t offset = 0;
    for (const auto &[name, tensor] : tensors) { // std::map: sorted name order
        const std::uint64_t end = offset + tensor.data.size() * sizeof(float);
        header[name] = {{"dtype", "F32"}, {"shape", tensor.shape}, {"data_offsets", {offset, end}}};
        offset = end;
    }
    try {
        std::string text = header.dump();
        // Pad with spaces so the data section starts 8-byte aligned, as the
        // reference writer does.
        text.append((8 - text.size() % 8) % 8, ' ');
        return text;
    } catch (const Json::exception &) {
        return inputError("cannot write safetensors: a tensor name or metadata string is not valid UTF-8");
    }
}

} // namespace

// ---- SafetensorsFile ------------------------------------------------------

struct SafetensorsFile::Impl {
    std::string label;
    MappedFile mapping;              // what open() reads
    std::vector<std::uint8_t> owned; // what fromBytes() reads
    Bytes bytes;                     // the whole file, in one of the two above
    ParsedHeader header;

    Result<void> validate()
    {
        auto parsed = parseFile(bytes, label);
        if (!parsed)
            return parsed.error();
        header = std::move(*parsed);
        return {};
    }
};

SafetensorsFile::SafetensorsFile() : m_impl(std::make_unique<Impl>()) {}
SafetensorsFile::~SafetensorsFile() = default;
SafetensorsFile::SafetensorsFile(SafetensorsFile &&) noexcept = default;
SafetensorsFile &SafetensorsFile::operator=(SafetensorsFile &&) noexcept = default;

Result<SafetensorsFile> SafetensorsFile::open(const std::string &path)
{
    auto mapping = MappedFile::map(path);
    if (!mapping)
        return mapping.error();
    SafetensorsFile file;
    file.m_impl->label = path;
    file.m_impl->mapping = std::move(*mapping);
    file.m_impl->bytes = file.m_impl->mapping.bytes();
    if (auto valid = file.m_impl->validate(); !valid)
        return valid.error();
    return file;
}

Result<SafetensorsFile> SafetensorsFile::fromBytes(std::vector<std::uint8_t> bytes, const std::string &label)
{
    SafetensorsFile file;
    file.m_impl->label = label;
    file.m_impl->owned = std::move(bytes);
    file.m_impl->bytes = file.m_impl->owned;
    if (auto valid = file.m_impl->validate(); !valid)
        return valid.error();
    return file;
}

const std::string &SafetensorsFile::path() const { return m_impl->label; }
const std::map<std::string, std::string> &SafetensorsFile::metadata() const { return m_impl->header.metadata; }
const std::vector<TensorInfo> &SafetensorsFile::tensors() const { return m_impl->header.tensors; }

const TensorInfo *SafetensorsFile::find(const std::string &name) const
{
    const auto &tensors = m_impl->header.tensors;
    const auto found = std::lower_bound(tensors.begin(), tensors.end(), name,
                                        [](const TensorInfo &t, const std::string &n) { return t.name < n; });
    return found != tensors.end() && found->name == name ? &*found : nullptr;
}

Result<FloatTensor> SafetensorsFile::read(const std::string &name) const
{
    const TensorInfo *info = find(name);
    if (!info)
        return fileError(m_impl->label + ": no tensor named " + quotedName(name) + " (the file holds "
                         + std::to_string(m_impl->header.tensors.size()) + " tensors)");
    // Validation guarantees [begin, end) lies inside the data section and
    // holds exactly elementCount * dtypeSize bytes.
    FloatTensor tensor{info->shape, std::vector<float>(elementCount(info->shape))};
    if (auto done = readInto(name, tensor.data.data()); !done)
        return done.error();
    return tensor;
}

Result<void> SafetensorsFile::readInto(const std::string &name, float *out) const
{
    const TensorInfo *info = find(name);
    if (!info)
        return fileError(m_impl->label + ": no tensor named " + quotedName(name));
    const std::uint8_t *data = m_impl->bytes.data() + m_impl->header.dataStart + info->begin;
    const std::size_t count = elementCount(info->shape);
    if (count == 0) // an empty tensor (its `out` may be null)
        return {};
    if (info->dtype == DType::F32 && std::endian::native == std::endian::little) {
        std::memcpy(out, data, count * sizeof(float));
        if (Eigen::Map<const Eigen::ArrayXf>(out, Eigen::Index(count)).allFinite())
            return {};
    } else {
        for (std::size_t i = 0; i < count; ++i)
            out[i] = loadValue(data + i * dtypeSize(info->dtype), info->dtype);
        if (info->dtype != DType::F64 && Eigen::Map<const Eigen::ArrayXf>(out, Eigen::Index(count)).allFinite())
            return {};
    }
    if (const auto bad = firstBadValue(data, count, info->dtype))
        return tensorError(m_impl->label, name, *bad + "; the weights are corrupt (did training diverge?)");
    return {};
}

void SafetensorsFile::release(const std::string &name) const
{
    const TensorInfo *info = find(name);
    if (!info || !m_impl->owned.empty() || m_impl->bytes.size() == 0)
        return;
    // Whole pages inside the tensor only: a neighbour's bytes stay mapped.
    const auto page = std::uintptr_t(::sysconf(_SC_PAGESIZE));
    const auto begin = std::uintptr_t(m_impl->bytes.data() + m_impl->header.dataStart + info->begin);
    const auto end = std::uintptr_t(m_impl->bytes.data() + m_impl->header.dataStart + info->end);
    const std::uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
    if (last > first)
        ::madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}

// ---- free functions -------------------------------------------------------

Result<void> writeSafetensors(const std::string &path, const std::map<std::string, FloatTensor> &tensors,
                              const std::map<std::string, std::string> &metadata)
{
    for (const auto &[name, tensor] : tensors)
        if (auto writable = checkWritable(name, tensor); !writable)
            return Error{writable.error().kind, path + ": " + writable.error().message};
    auto header = headerJson(tensors, metadata);
    if (!header)
        return Error{header.error().kind, path + ": " + header.error().message};
    std::string bytes;
    bytes.reserve(kLengthBytes + header->size() + 4 * tensors.size()); // grows once per tensor at most
    appendLittleEndian(bytes, header->size(), kLengthBytes);
    bytes += *header;
    for (const auto &[name, tensor] : tensors)
        for (float value : tensor.data)
            appendLittleEndian(bytes, std::bit_cast<std::uint32_t>(value), sizeof(float));
    return writeFileAtomically(path, bytes);
}

std::string toString(DType t)
{
    switch (t) {
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    }
    return "?";
}

} // namespace alignscope
