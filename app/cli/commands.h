#pragma once
// alignscope-cli commands. Each returns the process exit code (DESIGN.md:
// 0 ok, 2 usage, 3 bad file, 4 bad sentence) and prints one-line errors.

#include "alignscope/result.h"

#include <string>
#include <vector>

namespace alignscope::cli {

using Argv = std::vector<std::string>;

int translateCommand(const Argv &args);
int inspectCommand(const Argv &args);
int initCommand(const Argv &args);
int trainCommand(const Argv &args);
int evalCommand(const Argv &args);
/// Prints a task's split as TSV pairs (what a synthesis script or another toolkit reads).
int taskCommand(const Argv &args);
int compareCommand(const Argv &args);
int benchCommand(const Argv &args);
int exportCommand(const Argv &args);

/// Prints "alignscope-cli: <message>" on stderr and returns the exit code of its kind.
int fail(const Error &error);

} // namespace alignscope::cli
