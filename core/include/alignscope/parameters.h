#pragma once
// Named parameter tensors in a fixed (sorted) order. Biases and 1-D tensors
// are stored as 1 x n row matrices; shapes follow PyTorch ([out, in]).

#include "alignscope/tensor.h"

#include <map>
#include <string>

namespace alignscope {

template <typename T>
using ParameterSet = std::map<std::string, MatrixX<T>>;

/// Element-type conversion of a whole set (float weights -> double for gradient checks).
template <typename To, typename From>
ParameterSet<To> castParameters(const ParameterSet<From> &from)
{
    ParameterSet<To> out;
    for (const auto &[name, m] : from)
        out.emplace(name, m.template cast<To>());
    return out;
}

/// Same names and shapes, all zeros.
template <typename T>
ParameterSet<T> zerosLike(const ParameterSet<T> &p)
{
    ParameterSet<T> out;
    for (const auto &[name, m] : p)
        out.emplace(name, MatrixX<T>::Zero(m.rows(), m.cols()));
    return out;
}

/// Total number of scalars.
template <typename T>
long long parameterCount(const ParameterSet<T> &p)
{
    long long n = 0;
    for (const auto &[name, m] : p)
        n += m.size();
    return n;
}

} // namespace alignscope
