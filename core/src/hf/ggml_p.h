#pragma once
// What the whisper.cpp reader (ggmlparse.cpp) and opener (ggmlfile.cpp) share.

#include <cstdint>

namespace alignscope::ggml {

constexpr std::uint32_t kMagic = 0x67676d6c; // "ggml", little-endian
/// A little-endian float32.
float littleFloat(const unsigned char *bytes);

} // namespace alignscope::ggml
