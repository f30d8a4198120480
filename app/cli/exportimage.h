#pragma once
// Image side of `alignscope-cli export` (PNG, SVG, PDF). Only built with the
// UI (ALIGNSCOPE_WITH_EXPORT); it starts a headless QGuiApplication, so data
// exports never need a display or Qt Gui.

#include "cli/args.h"

#include "alignscope/trace.h"

#include <memory>
#include <string>
#include <vector>

namespace alignscope::cli {

class ImageExport {
public:
    virtual ~ImageExport() = default;
    /// One figure: one trace, or several stacked (the compare view), each
    /// titled with its model's name, showing `selection`'s layer and head.
    virtual Result<void> write(const std::vector<std::shared_ptr<const DecodeTrace>> &traces,
                               const std::vector<std::string> &names, const std::string &file,
                               const HeadSelection &selection) = 0;
};

/// Parses the figure options of `args` and starts the GUI application;
/// usage error on a bad option.
Result<std::unique_ptr<ImageExport>> openImageExport(const Args &args, const std::string &format);

} // namespace alignscope::cli
