#pragma once
// The encoder–decoder network of a ModelConfig, written once over Graph<T>:
// training records it (float, and double for gradient checks), inference
// runs the same code with recording off and B = 1.
// Shapes: B = batch, S = padded source length, H = encoder hidden,
// D = memory state size (H or 2H), Hd = decoder hidden, V = target vocab.

#include "alignscope/config.h"
#include "alignscope/intervention.h"
#include "attention/scorer.h"
#include "common/binder.h"

#include <random>
#include <string>
#include <vector>

namespace alignscope {

template <typename T>
class Network {
public:
    Network(const ModelConfig &config, int sourceVocab, int targetVocab);

    /// Every parameter this config needs, with its shape.
    const ShapeMap &shapes() const { return m_shapes; }
    const ModelConfig &config() const { return m_config; }

    /// Training-time randomness; null at inference.
    struct Noise {
        float dropout = 0.0f;
        std::mt19937 *rng = nullptr;  ///< dropout only when set
        float labelSmoothing = 0.0f;  ///< ε of the loss's target distribution
    };

    struct DecoderState {
        std::vector<int> layers; ///< per layer (B, Hd), or [h | c] (B, 2Hd) for LSTM
        int feed = -1;           ///< Luong input feeding h̃_{t-1} (B, Hd)
    };

    struct Encoded {
        Memory memory;
        DecoderState initial;
    };
    /// Encodes a batch of id sequences (already ending in <eos> if the model appends it).
    Encoded encode(ParamBinder<T> &p, const std::vector<std::vector<int>> &sources, const Noise &noise = {}) const;

    struct Step {
        DecoderState next;
        int query = -1;   ///< (B, Hd) what the scorer saw
        typename Attention<T>::Output attention;
        int logits = -1;  ///< (B, V)
    };
    /// One decoder step after `previous` tokens (B ids); t = step index.
    /// An intervention (inference, B = 1) reshapes α_t before the context
    /// is formed, or zeroes c_t when it silences the model's one "head".
    Step step(ParamBinder<T> &p, const Memory &memory, const DecoderState &state,
              const std::vector<int> &previous, int t, const Noise &noise = {},
              const Intervention *intervention = nullptr) const;

    /// Token cross-entropy of a batch divided by `normaliser` (0: its own
    /// token count); targets end in <eos>. With
    /// probability 1 - teacherForcing a step feeds the model's own argmax.
    int loss(ParamBinder<T> &p, const std::vector<std::vector<int>> &sources,
             const std::vector<std::vector<int>> &targets, float teacherForcing, const Noise &noise,
             int normaliser = 0) const;

    /// Top layer h of a decoder layer state node.
    int hidden(Graph<T> &g, int layerState) const;

private:
    struct RunOutput {
        std::vector<int> outputs;    ///< per timestep (B, H)
        int final = -1;              ///< last state (B, H) or (B, 2H)
    };
    RunOutput runDirection(ParamBinder<T> &p, const std::vector<int> &inputs, const std::string &suffix,
                           const std::vector<std::vector<char>> &masks, bool reverse) const;
    DecoderState initialState(ParamBinder<T> &p, const std::vector<int> &forwardFinals,
                              const std::vector<int> &backwardFinals, Eigen::Index B) const;
    int cell(ParamBinder<T> &p, CellKind kind, const std::string &prefix, const std::string &suffix,
             int x, int state) const;
    /// The tutorial-legacy decoder's attention over its fixed slots; query (1, E + Hd).
    typename Attention<T>::Output legacyAttention(ParamBinder<T> &p, int query, const Memory &m) const;
    void declareRnn(const std::string &prefix, CellKind cell, int layers, int input, int hidden, bool bidirectional);

    ModelConfig m_config;
    ShapeMap m_shapes;
    Attention<T> m_attention;
};

extern template class Network<float>;
extern template class Network<double>;

} // namespace alignscope
