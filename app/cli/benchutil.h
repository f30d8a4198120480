#pragma once
// Timing helpers shared by the bench sections (bench.cpp, benchui.cpp).

#include "alignscope/model.h"
#include "alignscope/rnnmodel.h"

#include <algorithm>
#include <chrono>
#include <string>
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

/// The same for the part `timed(setup())` of each run: `setup`'s work
/// (e.g. encoding the source a decode starts from) is left out.
template <typename Setup, typename Timed>
double medianMs(int repeat, Setup &&setup, Timed &&timed)
{
    using Clock = std::chrono::steady_clock;
    std::vector<double> t;
    for (int i = 0; i <= repeat; ++i) { // the first is the warm-up
        auto prepared = setup();
        const auto start = Clock::now();
        timed(prepared);
        if (i > 0)
            t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

/// A sentence of `n` in-vocabulary source words (every 7th word of the
/// vocabulary from `offset`, specials skipped), space-joined.
template <typename Model> // RnnModel, TransformerModel: any with a source vocabulary
std::string sentenceOf(const Model &m, int n, int offset = 0)
{
    const int size = std::max(1, m.sourceVocab().size() - 4);
    std::string s;
    for (int i = 0; i < n; ++i) {
        if (i)
            s += ' ';
        s += m.sourceVocab().token(4 + (offset + i * 7) % size);
    }
    return s;
}

} // namespace alignscope::cli
