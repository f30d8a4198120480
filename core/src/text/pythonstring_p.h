#pragma once
// Python string behaviour the PyTorch tutorials' text handling relies on.

#include <string>
#include <string_view>
#include <vector>

namespace alignscope {

/// str.strip(): removes what str.isspace() calls whitespace from both ends
/// of UTF-8 text (returned unchanged when it is not valid UTF-8).
std::string pythonStrip(std::string_view text);

/// str.split(separator) for one character: every separator splits and
/// empty pieces are kept ("a\t\tb" -> "a", "", "b"; "" -> "").
std::vector<std::string_view> splitKeepingEmpty(std::string_view text, char separator);

} // namespace alignscope
