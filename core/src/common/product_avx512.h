#pragma once
// Y = X Wᵀ through Eigen's matrix product compiled for AVX-512, for CPUs that
// have it (the build targets AVX2; AVX-512's 16 lanes double a core's
// multiply–add rate where its units are full width, as on AMD Zen 5).
// Deliberately free of Eigen types: the implementation includes Eigen under
// another namespace name (see product_avx512.cpp).

#include <cstddef>

namespace alignscope::kernels {

/// Whether this build has the AVX-512 product and this CPU can run it
/// (AVX-512 F, DQ, VL and BW). The same answer for the whole run.
bool wideProducts();
/// Whether product_avx512.cpp was built for AVX-512 (a constant: reading it runs none of that file's code).
extern const bool productAvx512Built;

/// Y (n × m, row stride ldy) = X (n × k, row-major, contiguous) times the
/// transpose of W (m × k, row-major, contiguous). Call only when
/// wideProducts(); for fixed shapes, the same bits on any thread.
void productAvx512(const float *X, std::ptrdiff_t n, std::ptrdiff_t k, const float *W, std::ptrdiff_t m, float *Y,
                   std::ptrdiff_t ldy);

} // namespace alignscope::kernels
