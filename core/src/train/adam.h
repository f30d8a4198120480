#pragma once
// Adam (Kingma & Ba) with global gradient-norm clipping.

#include "alignscope/parameters.h"

#include <cmath>

namespace alignscope {

class Adam {
public:
    explicit Adam(const ParameterSet<float> &params) : m_m(zerosLike(params)), m_v(zerosLike(params)) {}

    /// Clips `grads` to `clipNorm` (global L2) and updates `params` in place.
    void step(ParameterSet<float> &params, ParameterSet<float> &grads, float lr, float clipNorm)
    {
        double norm2 = 0.0;
        for (const auto &[name, g] : grads)
            norm2 += g.cast<double>().squaredNorm();
        const double norm = std::sqrt(norm2);
        const float clip = clipNorm > 0 && norm > clipNorm ? static_cast<float>(clipNorm / norm) : 1.0f;
        ++m_t;
        const float c1 = 1.0f - std::pow(m_beta1, static_cast<float>(m_t));
        const float c2 = 1.0f - std::pow(m_beta2, static_cast<float>(m_t));
        for (auto &[name, w] : params) {
            const Matrix g = grads.at(name) * clip;
            Matrix &m = m_m.at(name), &v = m_v.at(name);
            m = m_beta1 * m + (1.0f - m_beta1) * g;
            v = m_beta2 * v + (1.0f - m_beta2) * g.cwiseProduct(g);
            w.array() -= lr * (m.array() / c1) / ((v.array() / c2).sqrt() + m_eps);
        }
    }

    ParameterSet<float> &firstMoments() { return m_m; }
    ParameterSet<float> &secondMoments() { return m_v; }
    long long steps() const { return m_t; }
    void setSteps(long long t) { m_t = t; }

private:
    ParameterSet<float> m_m, m_v;
    long long m_t = 0;
    float m_beta1 = 0.9f, m_beta2 = 0.999f, m_eps = 1e-8f;
};

} // namespace alignscope
