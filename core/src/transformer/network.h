#pragma once
// A Transformer encoder–decoder assembled from the parts in blocks.h by a
// TransformerSpec (norm kind and place, positions, activation, gating,
// biases, tied output), written once over Graph<T>: the whole-sequence
// forward that training will record, and the step-wise decoder with a
// key/value cache that inference runs. Both go through the same layer
// functions, so a cached step equals the last row of the full forward.
// Shapes: n = source length, t = target positions so far, d = model width,
// H = heads, dk = d / H, f = feed-forward width, V = target vocabulary.

#include "alignscope/transformer.h"
#include "common/binder.h"
#include "transformer/blocks.h"

#include <string>
#include <vector>

namespace alignscope {

template <typename T>
class TransformerNetwork {
public:
    TransformerNetwork(const TransformerSpec &spec, int sourceVocab, int targetVocab);

    /// Every parameter the spec needs, with its shape.
    const ShapeMap &shapes() const { return m_shapes; }
    const TransformerSpec &spec() const { return m_spec; }

    /// One attention's record for the trace: per head (rows, keys) scores and weights.
    struct AttentionRecord {
        std::vector<int> scores; ///< H nodes
        std::vector<int> weights;
    };

    struct Encoded {
        int states = -1;                ///< (n, d) the encoder's output (after its final norm)
        std::vector<int> crossKeys;     ///< per decoder layer (n, d): computed once per source
        std::vector<int> crossValues;
        std::vector<AttentionRecord> self; ///< per encoder layer
    };
    Encoded encode(ParamBinder<T> &p, const std::vector<int> &ids) const;

    /// The decoder's self-attention cache of one layer: keys and values of
    /// the positions decoded so far, (t, d) each.
    struct LayerCache {
        MatrixX<T> keys, values;
    };

    struct Decoded {
        int logits = -1;                   ///< (rows, V)
        std::vector<AttentionRecord> cross; ///< per decoder layer, (rows, n) per head
        std::vector<AttentionRecord> self;  ///< per decoder layer, (rows, t) per head
        std::vector<LayerCache> cache;      ///< the cache after these rows (step-wise only)
    };
    /// Teacher-forced: every position of `inputs` (the decoder's inputs,
    /// <sos> first) at once, under a causal mask. Training's path.
    Decoded decodeAll(ParamBinder<T> &p, const Encoded &memory, const std::vector<int> &inputs) const;
    /// One position `t` fed `token`, attending over `cache` (t rows per
    /// layer) and itself: inference's path. The returned cache has t + 1 rows.
    Decoded decodeStep(ParamBinder<T> &p, const Encoded &memory, const std::vector<LayerCache> &cache, int token,
                       int t) const;

private:
    int embed(ParamBinder<T> &p, const std::string &table, const std::vector<int> &ids, int firstPosition,
              const std::string &positions) const;
    int norm(ParamBinder<T> &p, const std::string &name, int x) const;
    int project(ParamBinder<T> &p, const std::string &name, int x) const;
    int feedForward(ParamBinder<T> &p, const std::string &prefix, int x) const;
    /// Per-head (rows, keys) relative position biases of one stack, or none.
    std::vector<int> relativeBias(ParamBinder<T> &p, const std::string &table, int firstQuery, int queries, int keys,
                                  bool bidirectional) const;
    /// One decoder layer: self-attention (given: full or cached), cross-attention, feed-forward.
    template <typename SelfAttention>
    int decoderLayer(ParamBinder<T> &p, int i, int x, const Encoded &memory, Decoded &out,
                     SelfAttention selfAttention) const;
    /// The final norm and the output layer: (rows, d) -> (rows, V).
    int logits(ParamBinder<T> &p, int x) const;
    /// x + sublayer(x), with the norm before (pre-norm) or after (post-norm).
    template <typename F>
    int residual(ParamBinder<T> &p, const std::string &normName, int x, F sublayer) const;
    void declareLinear(const std::string &name, int out, int in);
    void declareNorm(const std::string &name, int width);
    void declareFeedForward(const std::string &prefix);

    TransformerSpec m_spec;
    int m_sourceVocab = 0;
    int m_targetVocab = 0;
    ShapeMap m_shapes;
};

extern template class TransformerNetwork<float>;
extern template class TransformerNetwork<double>;

} // namespace alignscope
