// Reading torch.save files: the zip directory, the restricted unpickler's
// tensor references checked against their storages, and float conversion.
// Safetensors files with the same names go through SafetensorsFile.
#include "alignscope/pytorch.h"

#include "io/halffloat_p.h"
#include "io/pytorchzip_p.h"
#include "io/unpickler_p.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

namespace alignscope {

namespace {

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndOfDirectory = 0x06054b50;

template <typename T>
T le(std::span<const std::uint8_t> b, std::size_t at)
{
    T v;
    std::memcpy(&v, b.data() + at, sizeof(T)); // callers checked the bounds
    return v;
}

/// The end-of-central-directory record: last 22 bytes plus up to 64 KiB of comment.
std::optional<std::size_t> findEndOfDirectory(std::span<const std::uint8_t> b)
{
    if (b.size() < 22)
        return std::nullopt;
    const std::size_t lowest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
    for (std::size_t at = b.size() - 22 + 1; at-- > lowest;)
        if (le<std::uint32_t>(b, at) == kEndOfDirectory && at + 22 + le<std::uint16_t>(b, at + 20) == b.size())
            return at;
    return std::nullopt;
}

Result<std::pair<std::string, ZipEntry>> readCentralEntry(std::span<const std::uint8_t> b, std::size_t &at,
                                                          std::size_t directoryEnd, const std::string &label)
{
    if (directoryEnd - at < 46 || le<std::uint32_t>(b, at) != kCentralHeader)
        return fileError(label + ": zip central directory is damaged (the file is truncated or not a zip)");
    const auto method = le<std::uint16_t>(b, at + 10);
    const std::uint64_t packed = le<std::uint32_t>(b, at + 20), size = le<std::uint32_t>(b, at + 24);
    const std::size_t nameLength = le<std::uint16_t>(b, at + 28);
    const std::size_t skip = nameLength + le<std::uint16_t>(b, at + 30) + le<std::uint16_t>(b, at + 32);
    const std::uint64_t local = le<std::uint32_t>(b, at + 42);
    if (directoryEnd - at - 46 < skip)
        return fileError(label + ": zip central directory is damaged (an entry runs past its end)");
    std::string name(reinterpret_cast<const char *>(b.data() + at + 46), nameLength);
    at += 46 + skip;
    if (size == 0xffffffffu || packed == 0xffffffffu || local == 0xffffffffu)
        return fileError(label + ": zip entry \"" + name + "\" uses zip64, which is not supported");
    if (method != 0 || packed != size)
        return fileError(label + ": zip entry \"" + name + "\" is compressed (method " + std::to_string(method) +
                         "); only the stored entries torch.save writes are supported");
    if (local > b.size() || b.size() - local < 30 || le<std::uint32_t>(b, local) != kLocalHeader)
        return fileError(label + ": zip entry \"" + name + "\" points outside the file (truncated archive)");
    const std::uint64_t data = local + 30 + le<std::uint16_t>(b, local + 26) + le<std::uint16_t>(b, local + 28);
    if (data > b.size() || b.size() - data < size)
        return fileError(label + ": zip entry \"" + name + "\" runs past the end of the file (truncated archive)");
    return std::make_pair(std::move(name), ZipEntry{data, size});
}

Result<std::vector<std::uint8_t>> readWholeFile(const std::string &path)
{
    // istreambuf_iterator throws on a directory (its read fails with EISDIR).
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return fileError(path + ": is a folder, not a checkpoint file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fileError(path + ": cannot open the file");
    // One read of the whole file (byte-wise iteration reads ~200 MB/s).
    const auto size = std::filesystem::file_size(path, ec);
    if (ec)
        return fileError(path + ": cannot read the file (" + ec.message() + ")");
    std::vector<std::uint8_t> bytes(size);
    in.read(reinterpret_cast<char *>(bytes.data()), std::streamsize(size));
    if (in.bad() || std::uintmax_t(in.gcount()) != size)
        return fileError(path + ": cannot read the file");
    return bytes;
}

const char *dtypeName(pickle::StorageType t)
{
    switch (t) {
    case pickle::StorageType::F32: return "float32";
    case pickle::StorageType::F64: return "float64";
    case pickle::StorageType::F16: return "float16";
    case pickle::StorageType::BF16: return "bfloat16";
    case pickle::StorageType::I64: return "int64";
    }
    return "?";
}

std::string safetensorsDtypeName(DType t)
{
    switch (t) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::F16: return "float16";
    case DType::BF16: return "bfloat16";
    }
    return "?";
}

float elementAt(const std::uint8_t *p, pickle::StorageType t)
{
    switch (t) {
    case pickle::StorageType::F32: { float v; std::memcpy(&v, p, 4); return v; }
    case pickle::StorageType::F64: { double v; std::memcpy(&v, p, 8); return static_cast<float>(v); }
    case pickle::StorageType::F16: { std::uint16_t v; std::memcpy(&v, p, 2); return halfToFloat(v); }
    case pickle::StorageType::BF16: { std::uint16_t v; std::memcpy(&v, p, 2); return bfloat16ToFloat(v); }
    case pickle::StorageType::I64: { std::int64_t v; std::memcpy(&v, p, 8); return static_cast<float>(v); }
    }
    return 0.0f;
}

/// Checks that the tensor is contiguous (row-major; any stride on a size-1
/// dimension, as PyTorch allows) and lies inside its storage. 128-bit sums
/// so no crafted size or stride can overflow.
std::optional<std::string> checkTensor(const pickle::TensorRef &t, std::uint64_t storageBytes)
{
    const int element = pickle::elementSize(t.storage.type);
    constexpr std::int64_t kLimit = std::int64_t(1) << 40;
    if (t.storage.numel > kLimit || static_cast<std::uint64_t>(t.storage.numel) * element > storageBytes)
        return "its storage holds " + std::to_string(storageBytes) + " bytes, fewer than the " +
               std::to_string(t.storage.numel) + " elements the pickle declares";
    // `extent` skips zero dimensions, so an empty tensor cannot hide huge
    // ones whose product would overflow wherever the shape is multiplied out.
    __int128 count = 1, extent = 1;
    for (std::size_t i = t.shape.size(); i-- > 0;) {
        if (t.shape[i] != 1 && t.strides[i] != count)
            return std::string("it is not contiguous; save tensor.contiguous() instead");
        count *= t.shape[i];
        extent *= std::max<std::int64_t>(t.shape[i], 1);
        if (extent > kLimit)
            return std::string("its shape is implausibly large");
    }
    if (count > 0 && __int128(t.offset) + count > t.storage.numel)
        return "it needs elements up to " + std::to_string(static_cast<std::int64_t>(t.offset + count)) +
               " of a storage with " + std::to_string(t.storage.numel);
    return std::nullopt;
}

} // namespace

Result<std::map<std::string, ZipEntry>> readZipDirectory(std::span<const std::uint8_t> b, const std::string &label)
{
    const auto end = findEndOfDirectory(b);
    if (!end)
        return fileError(label + ": no zip end-of-directory record (the file is truncated or not a zip archive)");
    const std::uint64_t count = le<std::uint16_t>(b, *end + 10);
    const std::uint64_t size = le<std::uint32_t>(b, *end + 12), start = le<std::uint32_t>(b, *end + 16);
    if (count == 0xffff || size == 0xffffffffu || start == 0xffffffffu)
        return fileError(label + ": the zip archive uses zip64, which is not supported");
    if (start > *end || *end - start < size)
        return fileError(label + ": the zip central directory lies outside the file (truncated archive)");
    std::map<std::string, ZipEntry> entries;
    std::size_t at = start;
    for (std::uint64_t i = 0; i < count; ++i) {
        auto e = readCentralEntry(b, at, start + size, label);
        if (!e)
            return e.error();
        entries.insert(std::move(e.value()));
    }
    return entries;
}

struct PyTorchCheckpoint::Impl {
    std::string path;
    std::vector<CheckpointTensorInfo> infos;
    // zip: the file, and per tensor its reference and storage's first byte
    std::vector<std::uint8_t> bytes;
    std::map<std::string, std::pair<pickle::TensorRef, std::uint64_t>> refs;
    std::optional<SafetensorsFile> safetensors;
    std::optional<Result<std::vector<std::string>>> vocabulary; // voc_dict's index2word

    Result<void> openZip();
    Result<void> openSafetensors(std::vector<std::uint8_t> fileBytes);
    Result<FloatTensor> readZip(const std::string &name) const;
};

Result<void> PyTorchCheckpoint::Impl::openZip()
{
    auto entries = readZipDirectory(bytes, path);
    if (!entries)
        return entries.error();
    std::string prefix;
    int pickles = 0;
    for (const auto &[name, e] : *entries) {
        const auto slash = name.find('/');
        if (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0) {
            prefix = name.substr(0, slash + 1);
            ++pickles;
        }
    }
    if (pickles != 1)
        return fileError(path + ": the archive holds " + std::to_string(pickles) +
                         " <name>/data.pkl entries; a torch.save file holds exactly one");
    const auto order = entries->find(prefix + "byteorder");
    if (order != entries->end() &&
        std::string(reinterpret_cast<const char *>(bytes.data() + order->second.offset), order->second.size) != "little")
        return fileError(path + ": the checkpoint was saved big-endian, which is not supported");
    const ZipEntry pkl = entries->at(prefix + "data.pkl");
    auto contents = pickle::unpickle(std::span(bytes).subspan(pkl.offset, pkl.size), path);
    if (!contents)
        return contents.error();
    if (contents->hasVocDict) {
        if (contents->vocDictProblem.empty())
            vocabulary = std::move(contents->index2word);
        else
            vocabulary = fileError(path + ": " + contents->vocDictProblem);
    }
    for (auto &[name, t] : contents->tensors) {
        const auto storage = entries->find(prefix + "data/" + t.storage.key);
        if (storage == entries->end())
            return fileError(path + ": tensor \"" + name + "\" refers to storage data/" + t.storage.key +
                             ", which the archive does not hold");
        if (auto bad = checkTensor(t, storage->second.size))
            return fileError(path + ": tensor \"" + name + "\" does not fit its storage: " + *bad);
        infos.push_back({name, dtypeName(t.storage.type), t.shape});
        refs[name] = {t, storage->second.offset};
    }
    return {};
}

Result<void> PyTorchCheckpoint::Impl::openSafetensors(std::vector<std::uint8_t> fileBytes)
{
    auto f = SafetensorsFile::fromBytes(std::move(fileBytes), path);
    if (!f)
        return f.error();
    for (const TensorInfo &t : f->tensors())
        infos.push_back({t.name, safetensorsDtypeName(t.dtype), t.shape});
    safetensors.emplace(std::move(f.value()));
    return {};
}

Result<FloatTensor> PyTorchCheckpoint::Impl::readZip(const std::string &name) const
{
    const auto &[t, base] = refs.at(name);
    const int element = pickle::elementSize(t.storage.type);
    FloatTensor out;
    out.shape = t.shape;
    std::int64_t count = 1;
    for (auto d : t.shape)
        count *= d;
    out.data.resize(static_cast<std::size_t>(count));
    if (count == 0)
        return out;
    // Contiguous and inside the storage: checkTensor made sure of both.
    const std::uint8_t *first = bytes.data() + base + static_cast<std::uint64_t>(t.offset) * element;
    for (std::int64_t i = 0; i < count; ++i) {
        const float v = elementAt(first + static_cast<std::uint64_t>(i) * element, t.storage.type);
        if (!std::isfinite(v))
            return fileError(path + ": tensor \"" + name + "\" holds a NaN or infinite value at element " +
                             std::to_string(i));
        out.data[static_cast<std::size_t>(i)] = v;
    }
    return out;
}

PyTorchCheckpoint::PyTorchCheckpoint() : m_impl(std::make_unique<Impl>()) {}
PyTorchCheckpoint::~PyTorchCheckpoint() = default;
PyTorchCheckpoint::PyTorchCheckpoint(PyTorchCheckpoint &&) noexcept = default;
PyTorchCheckpoint &PyTorchCheckpoint::operator=(PyTorchCheckpoint &&) noexcept = default;

Result<PyTorchCheckpoint> PyTorchCheckpoint::open(const std::string &path)
{
    auto bytes = readWholeFile(path);
    if (!bytes)
        return bytes.error();
    return fromBytes(std::move(bytes.value()), path);
}

Result<PyTorchCheckpoint> PyTorchCheckpoint::fromBytes(std::vector<std::uint8_t> bytes, const std::string &label)
{
    PyTorchCheckpoint c;
    c.m_impl->path = label;
    const bool zip = bytes.size() >= 4 && le<std::uint32_t>(bytes, 0) == kLocalHeader;
    Result<void> opened;
    if (zip) {
        c.m_impl->bytes = std::move(bytes);
        opened = c.m_impl->openZip();
    } else if (bytes.size() >= 9 && bytes[8] == '{') {
        opened = c.m_impl->openSafetensors(std::move(bytes));
    } else {
        return fileError(label + ": neither a torch.save zip archive nor a safetensors file "
                         "(legacy pre-1.6 torch.save files are not supported; re-save with a current PyTorch)");
    }
    if (!opened)
        return opened.error();
    auto &infos = c.m_impl->infos;
    std::sort(infos.begin(), infos.end(), [](const auto &a, const auto &b) { return a.name < b.name; });
    return c;
}

const std::string &PyTorchCheckpoint::path() const { return m_impl->path; }
const std::optional<Result<std::vector<std::string>>> &PyTorchCheckpoint::vocabulary() const
{
    return m_impl->vocabulary;
}
const std::vector<CheckpointTensorInfo> &PyTorchCheckpoint::tensors() const { return m_impl->infos; }

const CheckpointTensorInfo *PyTorchCheckpoint::find(const std::string &name) const
{
    const auto &v = m_impl->infos;
    auto it = std::lower_bound(v.begin(), v.end(), name, [](const auto &i, const std::string &n) { return i.name < n; });
    return it != v.end() && it->name == name ? &*it : nullptr;
}

Result<FloatTensor> PyTorchCheckpoint::read(const std::string &name) const
{
    if (!find(name))
        return fileError(m_impl->path + ": no tensor \"" + name + "\"");
    if (m_impl->safetensors)
        return m_impl->safetensors->read(name);
    return m_impl->readZip(name);
}

} // namespace alignscope
