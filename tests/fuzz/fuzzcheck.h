#pragma once
// Checks the fuzz targets share.

#include "alignscope/result.h"

#include <string>

namespace fuzzcheck {

/// A refused input must be a BadFile error of one line that starts with the
/// label the reader was given; anything else stops the fuzzer.
inline void checkRefusal(const alignscope::Error &e, const std::string &label)
{
    if (e.kind != alignscope::ErrorKind::BadFile || e.message.rfind(label, 0) != 0 ||
        e.message.find('\n') != std::string::npos)
        __builtin_trap();
}

} // namespace fuzzcheck
