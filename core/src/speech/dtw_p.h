#pragma once
// The numerical parts of word timestamps, as transformers v4.36's
// modeling_whisper (_dynamic_time_warping, _median_filter) and
// openai/whisper's timing.py (dtw_cpu, median_filter) compute them.
// Shapes: T = rows (tokens), M = columns (frames).

#include "alignscope/tensor.h"

#include <vector>

namespace alignscope::speech {

/// The cheapest monotonic path from (0, 0) to (T-1, M-1) through `cost`
/// (T, M), moving down, right or diagonally: row and column of every cell on
/// it, in order. Costs accumulate in float32 and ties go right, then down,
/// exactly as the references do, so the same matrix gives the same path.
struct WarpingPath {
    std::vector<int> rows;
    std::vector<int> columns;
};
WarpingPath dynamicTimeWarping(const MatrixX<double> &cost);

/// Median of each `width`-wide window along every row of `x` (T, M), the
/// edges reflected (x[-1] = x[1]); `x` as it is when M <= width / 2.
/// `width` is odd.
Matrix medianFilterRows(const Matrix &x, int width);

/// Each column of `x` (T, M) minus its mean over the rows, over its standard
/// deviation (the biased one); a constant column becomes NaN, as in torch.
Matrix normalizeColumns(const Matrix &x);

/// The column where each row of a warping path is first reached: (rows of
/// the path) entries, from its jumps between rows.
std::vector<int> rowStarts(const WarpingPath &path);

} // namespace alignscope::speech
