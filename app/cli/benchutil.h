#pragma once
// Timing helpers shared by the bench sections (bench.cpp, benchui.cpp).

#include <algorithm>
#include <chrono>
#include <vector>

namespace alignscope::cli {

/// Median wall time in milliseconds of `repeat` runs of `f` (after one warm-up).
template <typename F>
double medianMs(int repeat, F &&f)
{
    using Clock = std::chrono::steady_clock;
    f();
    std::vector<double> t;
    for (int i = 0; i < repeat; ++i) {
        const auto start = Clock::now();
        f();
        t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

} // namespace alignscope::cli
