#pragma once
// `bench --section ui`: what a user of the window feels — heatmap paint time
// for 50², 500² and 2000² cells, export time per format, one step of the main
// window (cursor moved and every view repainted) and a re-decode after an
// edit, all offscreen. Only in builds with the UI (ALIGNSCOPE_WITH_EXPORT).

#include <nlohmann/json.hpp>

namespace alignscope::cli {

nlohmann::ordered_json uiBench(int repeat);

} // namespace alignscope::cli
