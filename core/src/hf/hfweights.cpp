// The weight files of a Hugging Face folder: one file or shards.
#include "hf/hfweights_p.h"

#include "alignscope/pytorch.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace alignscope::hf {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// Index files are small (t5-11b's is 60 KB); anything huge is not one.
constexpr std::uintmax_t kMaxIndexBytes = 64u << 20;
constexpr size_t kMaxShards = 10000;


/// The file of a shard `name` (a plain file name, as parseIndex accepts):
/// it must exist and, links followed, stay inside the folder.
Result<fs::path> shardPath(const fs::path &folder, const std::string &name, const std::string &index)
{
    const fs::path full = folder / name; // a plain file name: parseIndex checked it
    std::error_code ec;
    if (!fs::exists(full, ec))
        return fileError(index + " names shard \"" + name + "\", which is missing from the folder; download it again");
    // Links are followed only where they stay home: inside the folder, or,
    // for a Hub cache snapshot (…/models--org--name/snapshots/REV, whose
    // files link to ../../blobs/), inside that repository's cache folder.
    const fs::path real = fs::canonical(full, ec);
    if (ec || !fs::is_regular_file(real, ec))
        return fileError(index + " names shard \"" + name + "\", which is not a regular file; refused");
    const fs::path home = fs::canonical(folder, ec);
    const bool snapshot = home.parent_path().filename() == "snapshots";
    const fs::path root = snapshot ? home.parent_path().parent_path() : home;
    const auto [rootEnd, realAt] = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
    if (rootEnd != root.end())
        return fileError(index + " names shard \"" + name + "\", a link that leads out of the folder (to " +
                         real.string() + "); refused");
    return full;
}

} // namespace

Result<std::string> readSmallFile(const std::string &path, std::uintmax_t most)
{
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec)
        return fileError(path + ": cannot read it (" + ec.message() + ")");
    if (size > most)
        return fileError(path + " is " + std::to_string(size) + " bytes; too large for what it should hold");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    if (!in && !in.eof())
        return fileError(path + ": cannot read it");
    return s.str();
}

struct WeightFiles::Impl {
    /// One weight file: safetensors are memory-mapped, torch zips read whole.
    struct File {
        std::string path;
        std::optional<SafetensorsFile> mapped;
        std::optional<PyTorchCheckpoint> checkpoint;
    };
    struct Where {
        size_t file = 0;
        std::vector<std::int64_t> shape;
    };
    std::string description;
    std::vector<File> files;
    std::map<std::string, Where> tensors;

    Result<void> add(const fs::path &path)
    {
        File f{path.string(), std::nullopt, std::nullopt};
        if (path.extension() == ".safetensors") {
            auto opened = SafetensorsFile::open(path.string());
            if (!opened)
                return opened.error();
            f.mapped.emplace(std::move(opened.value()));
        } else {
            auto opened = PyTorchCheckpoint::open(path.string());
            if (!opened)
                return opened.error();
            f.checkpoint.emplace(std::move(opened.value()));
        }
        files.push_back(std::move(f));
        return {};
    }

    Result<void> note(size_t file, const std::string &name, const std::vector<std::int64_t> &shape)
    {
        if (tensors.count(name))
            return fileError(files[file].path + ": tensor \"" + name + "\" is also in " + files[tensors.at(name).file].path +
                             "; the shards overlap");
        tensors.emplace(name, Where{file, shape});
        return {};
    }

    /// Indexes every tensor once the files are in place.
    Result<void> index(const std::map<std::string, std::string> *expected)
    {
        for (size_t f = 0; f < files.size(); ++f) {
            if (files[f].mapped) {
                for (const TensorInfo &t : files[f].mapped->tensors())
                    if (auto ok = note(f, t.name, t.shape); !ok)
                        return ok;
            } else {
                for (const CheckpointTensorInfo &t : files[f].checkpoint->tensors())
                    if (auto ok = note(f, t.name, t.shape); !ok)
                        return ok;
            }
        }
        if (expected)
            for (const auto &[name, shard] : *expected)
                if (!tensors.count(name))
                    return fileError(description + ": the index puts tensor \"" + name + "\" in " + shard +
                                     ", which does not hold it; the shards do not match the index");
        return {};
    }
};

WeightFiles::WeightFiles() : m_impl(std::make_unique<Impl>()) {}
WeightFiles::~WeightFiles() = default;
WeightFiles::WeightFiles(WeightFiles &&) noexcept = default;
WeightFiles &WeightFiles::operator=(WeightFiles &&) noexcept = default;

Result<std::map<std::string, std::string>> WeightFiles::parseIndex(const std::string &text, const std::string &label)
{
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("weight_map") || !j.at("weight_map").is_object())
        return fileError(label + " is not a shard index (a JSON object with a \"weight_map\"); download it again");
    std::map<std::string, std::string> map;
    std::set<std::string> shards;
    for (const auto &[name, shard] : j.at("weight_map").items()) {
        if (!shard.is_string())
            return fileError(label + ": the shard of tensor \"" + name + "\" is not a file name");
        const std::string file = shard.get<std::string>();
        const fs::path p(file);
        if (file.empty() || p.is_absolute() || p.has_parent_path() || file == "." || file == ".." ||
            file.find('\\') != std::string::npos || file.find('\0') != std::string::npos)
            return fileError(label + " names shard \"" + file + "\", which is not a file name inside the folder; refused");
        shards.insert(file);
        if (shards.size() > kMaxShards)
            return fileError(label + " names more than " + std::to_string(kMaxShards) + " shards; refused");
        map.emplace(name, file);
    }
    if (map.empty())
        return fileError(label + " names no tensors");
    return map;
}

Result<WeightFiles> WeightFiles::open(const std::string &folderPath)
{
    const fs::path folder(folderPath);
    WeightFiles w;
    Impl &m = *w.m_impl;
    std::error_code ec;
    for (const char *single : {"model.safetensors", "pytorch_model.bin"}) {
        if (!fs::exists(folder / single, ec))
            continue;
        m.description = single;
        if (auto added = m.add(folder / single); !added)
            return added.error();
        if (auto indexed = m.index(nullptr); !indexed)
            return indexed.error();
        return w;
    }
    for (const char *indexName : {"model.safetensors.index.json", "pytorch_model.bin.index.json"}) {
        const fs::path indexPath = folder / indexName;
        if (!fs::exists(indexPath, ec))
            continue;
        auto text = readSmallFile(indexPath.string(), kMaxIndexBytes);
        if (!text)
            return text.error();
        auto map = parseIndex(text.value(), indexPath.string());
        if (!map)
            return map.error();
        std::set<std::string> shards;
        for (const auto &[name, shard] : map.value())
            shards.insert(shard);
        for (const std::string &shard : shards) {
            auto path = shardPath(folder, shard, indexPath.string());
            if (!path)
                return path.error();
            if (auto added = m.add(path.value()); !added)
                return added.error();
        }
        m.description = std::to_string(shards.size()) + " shards of " + indexName;
        if (auto indexed = m.index(&map.value()); !indexed)
            return indexed.error();
        return w;
    }
    return fileError(folderPath + " has no weights (model.safetensors, pytorch_model.bin, or a *.index.json "
                                  "naming shards); is the download complete?");
}

const std::string &WeightFiles::description() const { return m_impl->description; }

bool WeightFiles::has(const std::string &name) const { return m_impl->tensors.count(name) != 0; }

std::vector<std::int64_t> WeightFiles::shape(const std::string &name) const
{
    auto it = m_impl->tensors.find(name);
    return it == m_impl->tensors.end() ? std::vector<std::int64_t>{} : it->second.shape;
}

Result<void> WeightFiles::readInto(const std::string &name, float *out) const
{
    auto it = m_impl->tensors.find(name);
    if (it == m_impl->tensors.end())
        return fileError(m_impl->description + " has no tensor \"" + name + "\"");
    const Impl::File &f = m_impl->files[it->second.file];
    if (f.mapped) {
        auto done = f.mapped->readInto(name, out);
        f.mapped->release(name);
        return done;
    }
    auto tensor = f.checkpoint->read(name);
    if (!tensor)
        return tensor.error();
    std::copy(tensor->data.begin(), tensor->data.end(), out);
    return {};
}

std::vector<std::string> WeightFiles::names() const
{
    std::vector<std::string> out;
    for (const auto &[name, where] : m_impl->tensors)
        out.push_back(name);
    return out;
}

} // namespace alignscope::hf
