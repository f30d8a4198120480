#pragma once
// Reading the binary outputs of the fixture scripts (tests/interop/make_*.py).

#include "alignscope/tensor.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace alignscope::testing {

/// A whole file's bytes; empty when it cannot be read.
inline std::vector<char> readBytes(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A fixture's JSON; null when the file cannot be read or is not JSON (the caller's checks then fail).
inline nlohmann::json readJson(const std::string &path)
{
    const std::vector<char> text = readBytes(path);
    nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    return j.is_discarded() ? nlohmann::json() : j;
}

/// A little-endian float32, row-major (rows, cols) file; empty when the size differs.
inline Matrix readF32(const std::string &path, Eigen::Index rows, Eigen::Index cols)
{
    const std::vector<char> bytes = readBytes(path);
    Matrix m(rows, cols);
    if (bytes.size() != std::size_t(m.size()) * 4)
        return Matrix();
    std::memcpy(m.data(), bytes.data(), bytes.size()); // x86-64 and aarch64 are little-endian like the file
    return m;
}

} // namespace alignscope::testing
