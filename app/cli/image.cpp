// translate / compare / export --image: one picture, one caption.
#include "cli/image.h"

#include "cli/commands.h"

#include "alignscope/imagefile.h"

#include <iostream>

namespace alignscope::cli {

Result<RgbImage> pictureOf(const Args &args)
{
    if (!args.positionals().empty())
        return usageError("give either a sentence or --image FILE, not both");
    if (args.value("audio"))
        return usageError("give either --audio FILE or --image FILE, not both");
    return readImageFile(*args.value("image"));
}

int translateImage(const Args &args, const Seq2Seq &model, const DecodeOptions &options, const HeadSelection &selection)
{
    auto picture = pictureOf(args);
    if (!picture)
        return fail(picture.error());
    auto source = model.prepareImage(picture.value());
    if (!source)
        return fail(source.error());
    auto trace = translateSource(model, std::move(source.value()), options);
    if (!trace)
        return fail(trace.error());
    const auto path = trace->bestPath();
    if (args.has("json"))
        std::cout << traceToJson(trace.value(), path, true, selection) << "\n";
    else
        std::cout << trace->translation(path) << "\n";
    return 0;
}

} // namespace alignscope::cli
