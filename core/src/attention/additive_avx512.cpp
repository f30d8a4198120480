#include "attention/additive_avx512.h"

// GCC 12 warns that the masked min/max builtins behind _mm512_min_ps and
// _mm512_max_ps read an uninitialised pass-through vector; they do not.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

namespace alignscope::ops::detail {

bool haveAvx512()
{
    static const bool have = __builtin_cpu_supports("avx512f");
    return have;
}

namespace {

/// tanh as Eigen computes it for float (generic_fast_tanh_float): clamp to
/// ±7.905, an odd degree-13 over even degree-6 rational, x itself below 4e-4.
__attribute__((target("avx512f"))) inline __m512 tanh16(__m512 a)
{
    const __m512 clamp = _mm512_set1_ps(7.90531110763549805f);
    const __m512 x = _mm512_max_ps(_mm512_min_ps(a, clamp), _mm512_sub_ps(_mm512_setzero_ps(), clamp));
    const __m512 absA = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7fffffff)));
    const __mmask16 tiny = _mm512_cmp_ps_mask(absA, _mm512_set1_ps(0.0004f), _CMP_LT_OQ);
    const __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_fmadd_ps(x2, _mm512_set1_ps(-2.76076847742355e-16f), _mm512_set1_ps(2.00018790482477e-13f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-8.60467152213735e-11f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(5.12229709037114e-08f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(1.48572235717979e-05f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(6.37261928875436e-04f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(4.89352455891786e-03f));
    p = _mm512_mul_ps(x, p);
    __m512 q = _mm512_fmadd_ps(x2, _mm512_set1_ps(1.19825839466702e-06f), _mm512_set1_ps(1.18534705686654e-04f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(2.26843463243900e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(4.89352518554385e-03f));
    return _mm512_mask_blend_ps(tiny, _mm512_div_ps(p, q), x);
}

} // namespace

__attribute__((target("avx512f"))) void additiveScoresAvx512(const float *uk, std::ptrdiff_t stride,
                                                              const float *wq, const float *v, int size,
                                                              float bias, float *e, std::ptrdiff_t eStride,
                                                              std::ptrdiff_t count)
{
    const int full = size / 16 * 16;
    const __mmask16 tail = static_cast<__mmask16>((1u << (size - full)) - 1u);
    for (std::ptrdiff_t i = 0; i < count; ++i) {
        const float *row = uk + i * stride;
        // Two accumulators: the FMA chain is not the limit, tanh is.
        __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
        int k = 0;
        for (; k + 32 <= full; k += 32) {
            const __m512 t0 = tanh16(_mm512_add_ps(_mm512_loadu_ps(row + k), _mm512_loadu_ps(wq + k)));
            const __m512 t1 = tanh16(_mm512_add_ps(_mm512_loadu_ps(row + k + 16), _mm512_loadu_ps(wq + k + 16)));
            acc0 = _mm512_fmadd_ps(t0, _mm512_loadu_ps(v + k), acc0);
            acc1 = _mm512_fmadd_ps(t1, _mm512_loadu_ps(v + k + 16), acc1);
        }
        for (; k < full; k += 16) {
            const __m512 t = tanh16(_mm512_add_ps(_mm512_loadu_ps(row + k), _mm512_loadu_ps(wq + k)));
            acc0 = _mm512_fmadd_ps(t, _mm512_loadu_ps(v + k), acc0);
        }
        if (tail) {
            const __m512 x = _mm512_add_ps(_mm512_maskz_loadu_ps(tail, row + k), _mm512_maskz_loadu_ps(tail, wq + k));
            acc1 = _mm512_fmadd_ps(tanh16(x), _mm512_maskz_loadu_ps(tail, v + k), acc1); // v = 0 past the end
        }
        e[i * eStride] = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) + bias;
    }
}

} // namespace alignscope::ops::detail
