#pragma once
// The matrix–vector kernel the decode partner (alignscope/partner.h) shares:
// work split by output rows, every output element computed by the same
// sequence of operations on either thread (kernels::gemvRows), so results
// are bit-for-bit those of one core.

#include "alignscope/partner.h"
#include "alignscope/tensor.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace alignscope {

namespace kernels {

/// y[r0, r1) = W[r0, r1) x for a row-major W (rows × cols, leading
/// dimension ld): each row's dot product with x by the same sequence of
/// fused multiply-adds and the same reduction, whatever the row range.
void gemvRows(const float *W, Eigen::Index ld, Eigen::Index cols, const float *x, float *y, Eigen::Index r0,
              Eigen::Index r1);

/// A weight matrix kept in 16 bits besides its float32 values, for weights
/// that came from a float16 or bfloat16 file: every value is exactly the
/// float32 one (widening is exact), so a product read from it streams half
/// the bytes and gives the same bits as one read from the float32 matrix.
struct HalfMatrix {
    enum class Kind { F16, BF16 };
    Kind kind = Kind::F16;
    Eigen::Index rows = 0, cols = 0;
    std::vector<std::uint16_t> bits; ///< row-major, rows × cols
};

/// W in 16 bits when every value of W survives the round trip exactly
/// (float16 preferred, else bfloat16); nullopt otherwise (W's values are
/// float32 ones: a 16-bit copy would change the model).
std::optional<HalfMatrix> exactHalf(const Matrix &W);

/// gemvRows for a HalfMatrix: the same fused multiply-adds and reduction on
/// the widened values, so the same bits as gemvRows on the float32 matrix.
void gemvRowsHalf(const HalfMatrix &W, const float *x, float *y, Eigen::Index r0, Eigen::Index r1);

/// y = W x (W rows × cols, x of cols, y of rows), the rows shared with the
/// partner thread when a decode session holds it. With `half` (W's exact
/// 16-bit copy) the weights are read from it instead.
void gemv(const Matrix &W, const float *x, float *y, const HalfMatrix *half = nullptr);

/// Y = X Wᵀ for a few rows of X (B × cols, Y B × rows): always computed as
/// two products over the two halves of W's rows (Y's columns), the second
/// on the partner thread when a decode session holds it, so the bits do
/// not depend on whether it did. For the encoder's projections at inference
/// (a sentence, a picture's patches, a clip's 1500 frames).
void gemmHalves(const Matrix &W, const Matrix &X, Matrix &Y);

/// f(0, n/2) on this thread and f(n/2, n) on the partner thread when a
/// decode session holds it (else here too, after the first), for work made
/// of independent items each computed the same way wherever it runs
/// (element-wise functions, attention heads): the bits do not depend on
/// where. f must not throw.
void halves(Eigen::Index n, const std::function<void(Eigen::Index, Eigen::Index)> &f);
/// Element-wise work at least this large (items × their size) takes halves().
inline constexpr Eigen::Index kPartnerMinimumElements = 32 * 1024;

/// Products at least this large (rows × cols) take the kernel above;
/// smaller ones cost less than a hand-off.
inline constexpr Eigen::Index kPartnerMinimum = 64 * 1024;

} // namespace kernels

} // namespace alignscope
