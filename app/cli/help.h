#pragma once
// The usage texts of alignscope-cli: one table, one row per command, read by
// `alignscope-cli help`, `help COMMAND` and `COMMAND --help|-h`.

#include <optional>
#include <string>
#include <vector>

namespace alignscope::cli {

/// Usage text of every command (`alignscope-cli help`).
std::string usage();
/// Usage of one command with its options explained; nullopt for an unknown name.
std::optional<std::string> commandUsage(const std::string &name);
/// Names of the commands the table describes, in the order `help` lists them.
std::vector<std::string> commandNames();
/// `--help` or `-h` among a command's arguments (before a `--` that ends options).
bool asksForHelp(const std::vector<std::string> &args);

} // namespace alignscope::cli
