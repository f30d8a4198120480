// Dynamic time warping and the median filter behind word timestamps,
// computed as transformers v4.36 (modeling_whisper.py) and openai/whisper
// (timing.py) compute them, so a path ties the same way.
#include "speech/dtw_p.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace alignscope::speech {

WarpingPath dynamicTimeWarping(const MatrixX<double> &cost)
{
    const Eigen::Index rows = cost.rows(), cols = cost.cols();
    assert(rows > 0 && cols > 0);
    // acc (T+1, M+1) in float32 as the references keep it; step: 0 diagonal, 1 down, 2 right.
    MatrixX<float> acc = MatrixX<float>::Constant(rows + 1, cols + 1, std::numeric_limits<float>::infinity());
    MatrixX<signed char> step = MatrixX<signed char>::Constant(rows + 1, cols + 1, -1);
    acc(0, 0) = 0.0f;
    for (Eigen::Index j = 1; j <= cols; ++j)
        for (Eigen::Index i = 1; i <= rows; ++i) {
            const float c0 = acc(i - 1, j - 1), c1 = acc(i - 1, j), c2 = acc(i, j - 1);
            float c = c2;
            signed char t = 2;
            if (c0 < c1 && c0 < c2)
                c = c0, t = 0;
            else if (c1 < c0 && c1 < c2)
                c = c1, t = 1;
            acc(i, j) = float(cost(i - 1, j - 1) + double(c));
            step(i, j) = t;
        }
    step.row(0).setConstant(2);
    step.col(0).setConstant(1);
    WarpingPath path;
    for (Eigen::Index i = rows, j = cols; i > 0 || j > 0;) {
        path.rows.push_back(int(i - 1));
        path.columns.push_back(int(j - 1));
        const signed char t = step(i, j);
        i -= t == 0 || t == 1;
        j -= t == 0 || t == 2;
    }
    std::reverse(path.rows.begin(), path.rows.end());
    std::reverse(path.columns.begin(), path.columns.end());
    return path;
}

Matrix medianFilterRows(const Matrix &x, int width)
{
    assert(width > 0 && width % 2 == 1);
    const int pad = width / 2;
    const Eigen::Index cols = x.cols();
    if (cols <= pad)
        return x;
    Matrix out(x.rows(), cols);
    std::vector<float> window(static_cast<size_t>(width));
    for (Eigen::Index r = 0; r < x.rows(); ++r)
        for (Eigen::Index c = 0; c < cols; ++c) {
            for (int k = 0; k < width; ++k) {
                Eigen::Index at = c + k - pad; // reflect: -1 -> 1, cols -> cols - 2
                at = at < 0 ? -at : at >= cols ? 2 * (cols - 1) - at : at;
                window[size_t(k)] = x(r, at);
            }
            // sort() as the references do: NaN sorts last, so a NaN window's median is a number or NaN as theirs.
            std::sort(window.begin(), window.end(), [](float a, float b) { return std::isnan(b) ? !std::isnan(a) : a < b; });
            out(r, c) = window[size_t(pad)];
        }
    return out;
}

Matrix normalizeColumns(const Matrix &x)
{
    Matrix out(x.rows(), x.cols());
    for (Eigen::Index c = 0; c < x.cols(); ++c) {
        const auto column = x.col(c).cast<double>();
        const double mean = column.mean();
        const double sd = std::sqrt((column.array() - mean).square().mean());
        out.col(c) = ((column.array() - mean) / sd).cast<float>();
    }
    return out;
}

std::vector<int> rowStarts(const WarpingPath &path)
{
    std::vector<int> starts;
    for (size_t k = 0; k < path.rows.size(); ++k)
        if (k == 0 || path.rows[k] != path.rows[k - 1])
            starts.push_back(path.columns[k]);
    return starts;
}

} // namespace alignscope::speech
