#pragma once
// A small reverse-mode autodiff tape over Eigen matrices. Every op computes
// its value eagerly; when the graph records, it also stores a backward
// closure that reads only what the forward cached. Inference uses the same
// ops with recording off, so training and decoding share one code path.
//
// Shapes: every node is a matrix; a batch puts one sentence per row
// (B = batch, S = padded source length, memories are (B*S, d)).

#include "alignscope/tensor.h"

#include <algorithm>
#include <cassert>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

namespace alignscope {

namespace kernels {
struct HalfMatrix;
}

template <typename T>
class Graph {
public:
    using Mat = MatrixX<T>;
    using Id = int;
    using Backward = std::function<void(Graph &)>;

    explicit Graph(bool record) : m_record(record) {}

    bool recording() const { return m_record; }

    /// A constant owned by the graph.
    Id constant(Mat value)
    {
        Node n;
        n.value = std::move(value);
        return push(std::move(n));
    }

    /// A leaf that refers to storage outside the graph (a weight, or a
    /// cached encoder memory). Gradients accumulate into `grad` when given.
    /// `half`: the weight's exact 16-bit copy (kernels::HalfMatrix), which
    /// one-row products at inference read instead. `byHead`: the same values
    /// of a (n, H·dk) key or value matrix laid out head after head ((H·n, dk),
    /// head h in rows h·n..), which one-query attention reads as contiguous blocks.
    Id external(const Mat &value, Mat *grad = nullptr, const kernels::HalfMatrix *half = nullptr,
                const Mat *byHead = nullptr)
    {
        Node n;
        n.ref = &value;
        n.half = half;
        n.byHead = byHead;
        n.paramGrad = m_record ? grad : nullptr;
        n.needsGrad = n.paramGrad != nullptr;
        return push(std::move(n));
    }

    /// Adds an op result. `backward` runs only if some input needs a gradient.
    Id op(Mat value, const std::vector<Id> &inputs, Backward backward)
    {
        Node n;
        n.value = std::move(value);
        if (m_record) {
            for (Id i : inputs)
                n.needsGrad = n.needsGrad || m_nodes[i].needsGrad;
            if (n.needsGrad)
                n.backward = std::move(backward);
        }
        return push(std::move(n));
    }

    const Mat &value(Id id) const
    {
        const Node &n = m_nodes[id];
        return n.ref ? *n.ref : n.value;
    }
    bool needsGrad(Id id) const { return m_nodes[id].needsGrad; }
    /// The 16-bit copy of an external weight, or null.
    const kernels::HalfMatrix *half(Id id) const { return m_nodes[id].half; }
    /// The head-after-head layout of an external key or value matrix, or null.
    const Mat *byHead(Id id) const { return m_nodes[id].byHead; }

    /// Gradient buffer of a node, zero-initialised on first use.
    Mat &grad(Id id)
    {
        Node &n = m_nodes[id];
        if (n.paramGrad)
            return *n.paramGrad;
        if (n.grad.size() == 0) {
            const Mat &v = value(id);
            n.grad = Mat::Zero(v.rows(), v.cols());
        }
        return n.grad;
    }
    /// Gradient of an op output as seen by its own backward (may be empty if
    /// nothing downstream used it).
    bool hasGrad(Id id) const { return m_nodes[id].grad.size() != 0 || m_nodes[id].paramGrad; }

    /// Seeds d(loss)/d(loss) = 1 for a 1x1 node and runs the tape backwards.
    void backward(Id loss)
    {
        assert(m_record && value(loss).size() == 1);
        grad(loss).setConstant(T(1));
        for (Id i = loss; i >= 0; --i) {
            Node &n = m_nodes[i];
            if (n.backward && n.grad.size() != 0) {
                m_current = i;
                n.backward(*this);
            }
        }
    }

    /// Inference only: frees the values of the nodes made since `first`
    /// except those in `keep` (a finished layer's intermediates), so a deep
    /// stack reuses a few layers' worth of memory instead of holding every
    /// layer's until the graph ends. A freed node must not be read again.
    void release(Id first, const std::vector<Id> &keep)
    {
        if (m_record)
            return;
        for (Id i = first; i < size(); ++i)
            if (std::find(keep.begin(), keep.end(), i) == keep.end())
                m_nodes[size_t(i)].value = Mat();
    }

    /// The node whose backward is running (ops' closures read their own grad).
    Id current() const { return m_current; }
    int size() const { return static_cast<int>(m_nodes.size()); }

private:
    struct Node {
        Mat value;
        const Mat *ref = nullptr;
        const kernels::HalfMatrix *half = nullptr;
        const Mat *byHead = nullptr;
        Mat grad;
        Mat *paramGrad = nullptr;
        Backward backward;
        bool needsGrad = false;
    };

    Id push(Node n)
    {
        m_nodes.push_back(std::move(n));
        return static_cast<Id>(m_nodes.size() - 1);
    }

    // deque: references to values stay valid while later ops are added.
    std::deque<Node> m_nodes;
    bool m_record;
    Id m_current = -1;
};

} // namespace alignscope
