// Fuzzes the session reader (File ▸ Open session): any input is refused
// whole or read; what is read writes back and reads again the same.
#include "mainwindow/session.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace alignscope::ui;
    auto session = sessionFromJson(QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size)));
    if (!session)
        return 0;
    auto again = sessionFromJson(sessionToJson(*session));
    if (!again || again->sentence != session->sentence || again->prefix != session->prefix
        || again->windowState != session->windowState || again->colormap != session->colormap)
        __builtin_trap(); // a session we wrote must read back unchanged
    return 0;
}
