#pragma once
// Matrix types shared by the engine. Row-major so that a PyTorch weight
// [out, in] maps straight onto a matrix and a row h_j of H is contiguous.

#include <Eigen/Core>

namespace alignscope {

template <typename T>
using MatrixX = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using VectorX = Eigen::Matrix<T, Eigen::Dynamic, 1>;
template <typename T>
using RowVectorX = Eigen::Matrix<T, 1, Eigen::Dynamic>;

using Matrix = MatrixX<float>;
using Vector = VectorX<float>;
using RowVector = RowVectorX<float>;

} // namespace alignscope
