#pragma once
// The zip container of `torch.save`: stored (uncompressed) entries found
// through the central directory. Every offset and size is checked against
// the file before a byte is read; compressed entries and zip64 are refused.

#include "alignscope/result.h"

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace alignscope {

struct ZipEntry {
    std::uint64_t offset = 0; ///< first data byte in the file
    std::uint64_t size = 0;
};

/// Entries of a zip held in memory, by name. Errors start with `label`.
Result<std::map<std::string, ZipEntry>> readZipDirectory(std::span<const std::uint8_t> bytes,
                                                         const std::string &label);

} // namespace alignscope
