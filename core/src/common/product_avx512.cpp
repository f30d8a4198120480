// Compiled with AVX-512 enabled (core/src/common/CMakeLists.txt) and called
// only when the CPU has it (wideProducts(), which lives in partner.cpp: no
// code from this file runs before that check).
//
// Eigen is included here under its own namespace name. Its templates are
// instantiated in every other file for AVX2; under the same names, the linker
// could keep this file's AVX-512 copies for those callers too (one definition
// each), and an AVX2-only CPU would then fault. Renamed, nothing here can
// stand in for code elsewhere: this object defines only symbols in that
// namespace and the two functions below (`nm -C` on it shows no std:: ones).
#include "common/product_avx512.h"

#if defined(ALIGNSCOPE_WIDE_PRODUCTS)
#define Eigen AlignscopeEigenAvx512
#include <Eigen/Core>
#undef Eigen

namespace alignscope::kernels {

namespace wide = ::AlignscopeEigenAvx512;

extern const bool productAvx512Built = true;

void productAvx512(const float *X, std::ptrdiff_t n, std::ptrdiff_t k, const float *W, std::ptrdiff_t m, float *Y,
                   std::ptrdiff_t ldy)
{
    using RowMajor = wide::Matrix<float, wide::Dynamic, wide::Dynamic, wide::RowMajor>;
    const wide::Map<const RowMajor> x(X, n, k), w(W, m, k);
    wide::Map<RowMajor, 0, wide::OuterStride<>> y(Y, n, m, wide::OuterStride<>(ldy));
    y.noalias() = x * w.transpose();
}

} // namespace alignscope::kernels

#else

namespace alignscope::kernels {

extern const bool productAvx512Built = false;
void productAvx512(const float *, std::ptrdiff_t, std::ptrdiff_t, const float *, std::ptrdiff_t, float *, std::ptrdiff_t) {}

} // namespace alignscope::kernels

#endif
