#pragma once
// A 1-D convolution over time for Graph<T>, forward and backward side by
// side: Whisper's front end (two convolutions over the log-mel frames) and,
// later, speech models trained here.
// Shapes: T = input frames, T' = output frames, C = input channels, O =
// output channels, K = kernel width. One row per frame, as everywhere in the
// graph: x (T, C), y (T', O).

#include "common/ops.h"

#include <tbb/parallel_for.h>

namespace alignscope::ops {

struct Conv1dShape {
    int kernel = 3;
    int stride = 1;
    int padding = 1;  ///< zeros on both sides
    /// T' = ⌊(T + 2·padding − kernel) / stride⌋ + 1, as torch.nn.Conv1d.
    Eigen::Index outputFrames(Eigen::Index frames) const { return (frames + 2 * padding - kernel) / stride + 1; }
};

/// The patches each output frame reads, (T', C·K): column c·K + k holds
/// x(t·stride + k − padding, c), zero outside the input. The order matches
/// PyTorch's weight (O, C, K) flattened to (O, C·K).
template <typename T>
Mat<T> conv1dPatches(const Mat<T> &x, const Conv1dShape &s)
{
    const Eigen::Index frames = x.rows(), channels = x.cols(), out = s.outputFrames(frames);
    Mat<T> patches = Mat<T>::Zero(out, channels * s.kernel);
    // Split over output frames: each writes only its own row of the patches.
    tbb::parallel_for(Eigen::Index(0), out, [&](Eigen::Index t) {
        for (int k = 0; k < s.kernel; ++k) {
            const Eigen::Index from = t * s.stride + k - s.padding;
            if (from < 0 || from >= frames)
                continue;
            for (Eigen::Index c = 0; c < channels; ++c)
                patches(t, c * s.kernel + k) = x(from, c);
        }
    });
    return patches;
}

/// torch.nn.Conv1d over the frames: y = patches(x) Wᵀ + b. x (T, C),
/// W (O, C·K) — PyTorch's (O, C, K) weight flattened —, b (1, O) or −1 for
/// none; y (T', O). Backward reads the patches forward cached.
template <typename T>
Id conv1d(G<T> &g, Id x, Id w, Id b, const Conv1dShape &s)
{
    const Mat<T> &input = g.value(x);
    eigen_assert(g.value(w).cols() == input.cols() * s.kernel && s.outputFrames(input.rows()) > 0);
    Mat<T> patches = conv1dPatches(input, s); // (T', C·K)
    Mat<T> y = patches * g.value(w).transpose(); // (T', O)
    if (b >= 0)
        y.rowwise() += g.value(b).row(0);
    if (!g.recording())
        return g.op(std::move(y), {x, w, b >= 0 ? b : x}, [](G<T> &) {});
    const Eigen::Index frames = input.rows(), channels = input.cols();
    return g.op(std::move(y), {x, w, b >= 0 ? b : x}, [x, w, b, s, frames, channels, patches = std::move(patches)](G<T> &g) {
        const Mat<T> &dy = g.grad(g.current()); // (T', O)
        if (g.needsGrad(w))
            g.grad(w).noalias() += dy.transpose() * patches;
        if (b >= 0 && g.needsGrad(b))
            g.grad(b).row(0) += dy.colwise().sum();
        if (!g.needsGrad(x))
            return;
        const Mat<T> dpatches = dy * g.value(w); // (T', C·K)
        Mat<T> &dx = g.grad(x);
        // Frames overlap between output rows (k > stride), so the scatter stays sequential.
        for (Eigen::Index t = 0; t < dpatches.rows(); ++t)
            for (int k = 0; k < s.kernel; ++k) {
                const Eigen::Index from = t * s.stride + k - s.padding;
                if (from < 0 || from >= frames)
                    continue;
                for (Eigen::Index c = 0; c < channels; ++c)
                    dx(from, c) += dpatches(t, c * s.kernel + k);
            }
    });
}

} // namespace alignscope::ops
