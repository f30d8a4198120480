#pragma once
// import: converts a PyTorch tutorial checkpoint into an AlignScope model.

#include "cli/commands.h"

namespace alignscope::cli {

int importCommand(const Argv &args);

} // namespace alignscope::cli
