#pragma once
// The additive score's forward pass with AVX-512, chosen at run time.
//
// e_j = v · tanh(wq + uk_j) + bias costs one tanh per element: at A = 512
// and a 16k-token source that is 8 M tanh, and the kernel is bound by the
// FMA ports, not by memory (BENCHMARKS.md). The build targets x86-64-v3
// (AVX2) so the package runs everywhere; on CPUs with AVX-512 this path
// does the same arithmetic on 16 lanes instead of 8, twice as fast. It is
// written with intrinsics in a function compiled for AVX-512 alone (no
// Eigen in it, so no template compiled for AVX-512 can leak into AVX2 code),
// and evaluates tanh with the same rational approximation as Eigen's.

#include <cstddef>

namespace alignscope::ops::detail {

/// Whether this CPU runs the AVX-512 path (checked once).
bool haveAvx512();

/// e[i] = v · tanh(wq + uk[i * stride ...]) + bias for i < count; every
/// vector has `size` floats. Call only when haveAvx512().
void additiveScoresAvx512(const float *uk, std::ptrdiff_t stride, const float *wq, const float *v, int size,
                          float bias, float *e, std::ptrdiff_t eStride, std::ptrdiff_t count);

} // namespace alignscope::ops::detail
