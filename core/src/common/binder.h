#pragma once
// Binds a ParameterSet's tensors into a Graph by name, once per graph.

#include "alignscope/parameters.h"
#include "common/graph.h"
#include "common/partner.h"

#include <cassert>
#include <map>
#include <string>
#include <utility>

namespace alignscope {

/// Expected parameter shapes by name: (rows, cols), biases as (1, n).
using ShapeMap = std::map<std::string, std::pair<int, int>>;

template <typename T>
class ParamBinder {
public:
    /// `grads` (same names as `params`) receives gradients when the graph records.
    /// `halves`: exact 16-bit copies of some weights (kernels::HalfMatrix) by name, for inference.
    ParamBinder(Graph<T> &g, const ParameterSet<T> &params, ParameterSet<T> *grads = nullptr,
                const std::map<std::string, kernels::HalfMatrix> *halves = nullptr)
        : m_graph(g), m_params(params), m_grads(grads), m_halves(halves) {}

    int operator()(const std::string &name)
    {
        auto it = m_bound.find(name);
        if (it != m_bound.end())
            return it->second;
        auto p = m_params.find(name);
        assert(p != m_params.end() && "parameter missing: the loader validates every name");
        MatrixX<T> *grad = m_grads ? &m_grads->at(name) : nullptr;
        const kernels::HalfMatrix *half = nullptr;
        if (m_halves)
            if (const auto h = m_halves->find(name); h != m_halves->end())
                half = &h->second;
        const int id = m_graph.external(p->second, grad, half);
        m_bound.emplace(name, id);
        return id;
    }

    Graph<T> &graph() { return m_graph; }

private:
    Graph<T> &m_graph;
    const ParameterSet<T> &m_params;
    ParameterSet<T> *m_grads;
    const std::map<std::string, kernels::HalfMatrix> *m_halves;
    std::map<std::string, int> m_bound;
};

} // namespace alignscope
