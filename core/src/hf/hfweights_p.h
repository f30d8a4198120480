#pragma once
// The weights of a Hugging Face folder, wherever save_pretrained put them:
// model.safetensors, pytorch_model.bin, or shards named by
// model.safetensors.index.json / pytorch_model.bin.index.json. A shard
// index is hostile input: a shard outside the folder (../, an absolute path,
// a link leading out) or a missing shard is refused naming it.

#include "alignscope/result.h"
#include "alignscope/safetensors.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace alignscope::hf {

/// A folder's small text file (a config, an index) whole, refused when it
/// is larger than `most` bytes; errors name the file.
Result<std::string> readSmallFile(const std::string &path, std::uintmax_t most);

class WeightFiles {
public:
    ~WeightFiles();
    WeightFiles(WeightFiles &&) noexcept;
    WeightFiles &operator=(WeightFiles &&) noexcept;

    /// Finds and validates the weight files of `folder` (safetensors first, as transformers prefers).
    static Result<WeightFiles> open(const std::string &folder);
    /// The parsing of a shard index alone: the shard file of every tensor,
    /// each a plain file name inside the folder. For the fuzzer and tests.
    static Result<std::map<std::string, std::string>> parseIndex(const std::string &json, const std::string &label);

    /// "model.safetensors", "pytorch_model.bin", "3 shards of model.safetensors.index.json".
    const std::string &description() const;
    bool has(const std::string &name) const;
    /// The tensor's shape ([] when absent).
    std::vector<std::int64_t> shape(const std::string &name) const;
    /// The tensor as float32, whatever it is stored as (F32, F16, BF16), into
    /// `out` (its element count); a mapped file's pages are let go after.
    Result<void> readInto(const std::string &name, float *out) const;
    /// Every tensor name, sorted.
    std::vector<std::string> names() const;

private:
    WeightFiles();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace alignscope::hf
