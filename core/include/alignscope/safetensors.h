#pragma once
// safetensors reading and writing. The reader treats every file as hostile:
// bounded header, validated JSON, dtypes, shapes and offsets; it never reads
// out of bounds and reports each failure naming the file and the tensor.

#include "alignscope/result.h"
#include "alignscope/tensor.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace alignscope {

enum class DType { F32, F64, F16, BF16 };

/// Where one tensor lives in a validated file.
struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0; ///< byte offset inside the data section
    std::uint64_t end = 0;
};

/// A float tensor with its shape (row-major data).
struct FloatTensor {
    std::vector<std::int64_t> shape;
    std::vector<float> data;
};

/// A memory-mapped, validated safetensors file.
class SafetensorsFile {
public:
    ~SafetensorsFile();
    SafetensorsFile(SafetensorsFile &&) noexcept;
    SafetensorsFile &operator=(SafetensorsFile &&) noexcept;

    static Result<SafetensorsFile> open(const std::string &path);
    /// Validates bytes already in memory (used by fuzzing and archives).
    static Result<SafetensorsFile> fromBytes(std::vector<std::uint8_t> bytes, const std::string &label);

    const std::string &path() const;
    const std::map<std::string, std::string> &metadata() const;
    const std::vector<TensorInfo> &tensors() const; ///< sorted by name
    const TensorInfo *find(const std::string &name) const;
    /// Converts to float; rejects NaN/Inf naming the tensor.
    Result<FloatTensor> read(const std::string &name) const;
    /// The same into `out`, which holds the tensor's element count (float32
    /// data is copied as it is, without a per-element conversion).
    Result<void> readInto(const std::string &name, float *out) const;
    /// Lets the kernel drop the mapped pages of a tensor already read, so a
    /// large file opened tensor by tensor does not stay resident twice.
    void release(const std::string &name) const;

private:
    SafetensorsFile();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Writes F32 tensors and string metadata atomically (temporary + rename).
Result<void> writeSafetensors(const std::string &path,
                              const std::map<std::string, FloatTensor> &tensors,
                              const std::map<std::string, std::string> &metadata);

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed, then renamed over the target. The previous file survives failure.
Result<void> writeFileAtomically(const std::string &path, const std::string &bytes);

std::string toString(DType t);

} // namespace alignscope
