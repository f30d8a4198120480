// AttentionStepKernel: a scorer's attend() over fixed inputs, for timing.
#include "alignscope/attentionkernel.h"

#include "attention/scorer.h"

namespace alignscope {

struct AttentionStepKernel::Impl {
    Attention<float> attention;
    ParameterSet<float> params;
    Matrix states; // (n, d)
    Matrix query;  // (1, d)
    Matrix keys;   // (n, k)

    static AttentionConfig config(ScorerKind kind, const Matrix &states)
    {
        AttentionConfig c;
        c.scorer = kind;
        c.dimension = static_cast<int>(states.cols());
        c.maxSourceLength = static_cast<int>(states.rows());
        return c;
    }

    Impl(ScorerKind kind, const Matrix &h, const Matrix &q)
        : attention(config(kind, h), static_cast<int>(h.cols()), static_cast<int>(h.cols())), states(h), query(q)
    {
        ShapeMap shapes;
        attention.declare(shapes);
        for (const auto &[name, s] : shapes)
            params.emplace(name, Matrix::Constant(s.first, s.second, 0.01f));
        Graph<float> setup(false);
        ParamBinder<float> sp(setup, params);
        keys = setup.value(attention.keys(sp, setup.external(states)));
    }
};

AttentionStepKernel::AttentionStepKernel(ScorerKind kind, const Matrix &states, const Matrix &query)
    : m_impl(std::make_unique<Impl>(kind, states, query))
{
}

AttentionStepKernel::~AttentionStepKernel() = default;

void AttentionStepKernel::run() const
{
    Graph<float> g(false);
    ParamBinder<float> p(g, m_impl->params);
    const Eigen::Index n = m_impl->states.rows();
    Memory m{g.external(m_impl->states), g.external(m_impl->keys), n, {static_cast<int>(n)}};
    (void)m_impl->attention.attend(p, g.external(m_impl->query), m, 0);
}

double AttentionStepKernel::bytesRead() const
{
    return double(m_impl->keys.size() + m_impl->states.size()) * sizeof(float);
}

} // namespace alignscope
