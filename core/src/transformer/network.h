#pragma once
// A Transformer encoder–decoder assembled from the parts in blocks.h by a
// TransformerSpec (norm kind and place, positions, activation, gating,
// biases, tied output), written once over Graph<T>: the whole-sequence
// forward that training will record, and the step-wise decoder with a
// key/value cache that inference runs. Both go through the same layer
// functions, so a cached step equals the last row of the full forward.
// Training packs a batch: the sequences' rows one after another, every
// projection and feed-forward over all rows at once (one large product),
// attention per sequence on its own rows; a batch of one is inference's.
// Shapes: n = source length, t = target positions so far, d = model width,
// H = heads, dk = the head size (d / H unless the spec sets it), f = feed-forward width, V = target vocabulary,
// R = rows of a packed batch (the sum of its sequences' lengths).

#include "alignscope/intervention.h"
#include "alignscope/transformer.h"
#include "common/binder.h"
#include "transformer/blocks.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <random>
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

    /// Training-time regularisation; none at inference and evaluation.
    struct Noise {
        float dropout = 0.0f;
        std::mt19937 *rng = nullptr;  ///< dropout only when set
        float labelSmoothing = 0.0f;  ///< ε of the loss's target distribution
    };

    /// One attention's record for the trace: per head (rows, keys) scores
    /// and weights. Recorded for a batch of one only (what a view shows).
    struct AttentionRecord {
        std::vector<int> scores; ///< H nodes
        std::vector<int> weights;
        int query = -1;          ///< (rows, d) the projected queries, head h in columns h·dk..
        int output = -1;         ///< (rows, d) the heads' outputs side by side, before W_o
    };

    /// Where each sequence of a packed batch sits: rows [start, start + length).
    struct Span {
        int start = 0;
        int length = 0;
    };

    struct Encoded {
        int states = -1;                ///< (n, d) the encoder's output (after its final norm); (R, d) packed
        std::vector<int> crossKeys;     ///< per decoder layer (n, d): computed once per source
        std::vector<int> crossValues;
        std::vector<Span> spans;        ///< per source sequence
        std::vector<AttentionRecord> self; ///< per encoder layer
    };
    Encoded encode(ParamBinder<T> &p, const std::vector<int> &ids) const;
    /// An audio encoder's (spec.melBins > 0) pass over log-mel features
    /// (frames, mels), one row per frame: two convolutions with GELU (the
    /// second halves the frames), the stored positions, the layers. n = ⌈frames / 2⌉.
    /// With `scratch` (the weights p binds) and recording off, each layer
    /// runs in a graph of its own that is let go before the next (a 30 s
    /// window's (n, n) maps are 9 MB per head); `features` must outlive p's graph.
    /// Up to kRecordedAudioFrames encoder frames (10 s), its self-attention is recorded as a text encoder's.
    Encoded encodeAudio(ParamBinder<T> &p, const MatrixX<T> &features, const ParameterSet<T> *scratch = nullptr) const;
    static constexpr int kRecordedAudioFrames = 512;
    /// An image encoder's (spec.patchSize > 0) pass over a picture's pixel
    /// values cut into patches, (patches, 3·p²) row-major over the grid, each
    /// row a patch's channels, then rows, then columns (a conv weight's
    /// (d, 3, p, p) order): the patch embedding, [CLS] first, the positions,
    /// the layers (their self-attention recorded). n = 1 + patches.
    Encoded encodeImage(ParamBinder<T> &p, const MatrixX<T> &patches) const;
    /// A packed batch of pictures' patches (each as encodeImage reads it),
    /// copied into the graph (training: backward runs after they are gone).
    Encoded encodeImages(ParamBinder<T> &p, const std::vector<MatrixX<T>> &patches, const Noise &noise) const;
    /// A packed batch of clips' features (each (frames, mels) as encodeAudio
    /// reads it; lengths may differ), referenced, not copied: they must
    /// outlive the graph (a training run's examples do).
    Encoded encodeAudios(ParamBinder<T> &p, const std::vector<const MatrixX<T> *> &features, const Noise &noise) const;
    /// A packed batch of sources (the sequences in order).
    Encoded encodeBatch(ParamBinder<T> &p, const std::vector<std::vector<int>> &sources, const Noise &noise) const;

    /// The keys and values of a layer's decoded positions, head after head
    /// with room to grow (ops::HeadMajor's layout, stride = capacity), so a
    /// step appends one row per head instead of copying the t rows before it.
    /// Hypotheses with a common prefix share its store: a step appends in
    /// place when its hypothesis holds all the rows written so far, and else
    /// copies its own rows into a store of its own. Rows once written never
    /// change, so every hypothesis keeps reading the same values.
    struct KeyValueStore {
        MatrixX<T> keys, values;                 ///< (H·capacity, dk)
        Eigen::Index capacity = 0;
        std::atomic<Eigen::Index> filled{0};     ///< rows written, claimed one at a time
    };
    /// The decoder's self-attention cache of one layer: the first `rows`
    /// positions of `store` (none at the start).
    struct LayerCache {
        std::shared_ptr<KeyValueStore> store;
        int rows = 0;
        /// (rows, H·dk) in the projections' own layout (tests and checks).
        MatrixX<T> keys() const { return joined(store ? &store->keys : nullptr); }
        MatrixX<T> values() const { return joined(store ? &store->values : nullptr); }

    private:
        MatrixX<T> joined(const MatrixX<T> *headMajor) const;
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
    /// The packed teacher-forced decoder over a packed memory: sequence i
    /// of `inputs` attends over source i; logits (R, V) in the same order.
    Decoded decodeBatch(ParamBinder<T> &p, const Encoded &memory, const std::vector<std::vector<int>> &inputs,
                        const Noise &noise) const;
    /// One position `t` fed `token`, attending over `cache` (t rows per
    /// layer) and itself: inference's path. The returned cache has t + 1 rows.
    /// An intervention reshapes or silences cross-attention heads (the
    /// weights recorded are the ones used).
    Decoded decodeStep(ParamBinder<T> &p, const Encoded &memory, const std::vector<LayerCache> &cache, int token,
                       int t, const Intervention *intervention = nullptr) const;

    /// Training's objective over a batch: token cross-entropy against
    /// targets smoothed by the noise's ε (targets end in <eos>; the
    /// decoder reads `startToken` then the target shifted right), summed and
    /// divided by `normaliser` (0: the batch's own token count). (1, 1).
    int loss(ParamBinder<T> &p, const std::vector<std::vector<int>> &sources,
             const std::vector<std::vector<int>> &targets, int startToken, const Noise &noise,
             int normaliser = 0) const;
    /// The same objective over pictures (encodeImages' input).
    int imageLoss(ParamBinder<T> &p, const std::vector<MatrixX<T>> &patches,
                  const std::vector<std::vector<int>> &targets, int startToken, const Noise &noise,
                  int normaliser = 0) const;
    /// The same objective over clips (encodeAudios' input).
    int audioLoss(ParamBinder<T> &p, const std::vector<const MatrixX<T> *> &features,
                  const std::vector<std::vector<int>> &targets, int startToken, const Noise &noise,
                  int normaliser = 0) const;

private:
    /// The objective's decoder half over an encoded batch.
    int lossOver(ParamBinder<T> &p, const Encoded &memory, const std::vector<std::vector<int>> &targets,
                 int startToken, const Noise &noise, int normaliser) const;
    /// Per-head bias nodes by (query rows, key columns), shared by the
    /// sequences of one batch that have the same lengths.
    using BiasCache = std::map<std::pair<int, int>, std::vector<int>>;

    int embed(ParamBinder<T> &p, const std::string &table, const std::vector<std::vector<int>> &sequences,
              int firstPosition, const std::string &positions, const Noise &noise) const;
    /// The encoder's layers and final norm over embedded rows x (R, d), and the cross keys and values;
    /// `record`: keep each layer's self-attention (a batch of one).
    void encodeLayers(ParamBinder<T> &p, int x, const Noise &noise, bool record, Encoded &out) const;
    /// The final norm (pre-norm) and every decoder layer's cross keys and values.
    void finishEncoder(ParamBinder<T> &p, int x, Encoded &out) const;
    /// Whisper's front end: (frames, mels) -> (frames / 2, d) with positions added.
    int audioFrontEnd(ParamBinder<T> &p, int features) const;
    /// ViT's front end: the node of (patches, 3·p²) -> (1 + patches, d_enc), [CLS] first, positions added.
    int imageFrontEnd(ParamBinder<T> &p, int patches) const;
    /// The sizes of the stack a parameter belongs to: the encoder's own
    /// (spec.encoder*) for names under "encoder.", else the decoder's.
    struct Stack {
        int width = 0, heads = 0, ffn = 0;
        TransformerSpec::Activation activation = TransformerSpec::Activation::Relu;
        double eps = 0;
    };
    Stack stackOf(const std::string &name) const;
    /// Whether a projection has a bias (Whisper's keys have none).
    bool hasBias(const std::string &projection) const;
    int norm(ParamBinder<T> &p, const std::string &name, int x) const;
    int project(ParamBinder<T> &p, const std::string &name, int x) const;
    int feedForward(ParamBinder<T> &p, const std::string &prefix, int x, const Noise &noise) const;
    /// Per-head (rows, keys) relative position biases of one stack, or none.
    std::vector<int> relativeBias(ParamBinder<T> &p, const std::string &table, int firstQuery, int queries, int keys,
                                  bool bidirectional) const;
    /// Per-head (queries, keys) bias nodes for a sequence, or none.
    using BiasFor = std::function<std::vector<int>(int queries, int keys)>;
    /// Relative-position biases of `table` with the queries starting at
    /// `firstQuery`, shared by the sequences of one batch of equal lengths.
    BiasFor biasFor(ParamBinder<T> &p, const std::string &table, int firstQuery, bool bidirectional,
                    BiasCache &cache) const;
    /// Encoder layer i over x (R, d): self-attention of each span, feed-forward.
    int encoderLayer(ParamBinder<T> &p, int i, int x, const std::vector<Span> &spans, const BiasFor &bias,
                     const Noise &noise, std::vector<AttentionRecord> *records) const;
    /// Multi-head attention of every sequence of a packed batch over its own
    /// keys: queries' rows by `querySpans`, keys' and values' by `keySpans`;
    /// causal self-attention when `causal`. Records the heads in `records`
    /// when given (a batch of one). (R, d) before W_o.
    int attend(ParamBinder<T> &p, int q, int k, int v, const std::vector<Span> &querySpans,
               const std::vector<Span> &keySpans, bool causal, const BiasFor &bias,
               std::vector<AttentionRecord> *records, const ops::HeadHooks<T> *hooks = nullptr,
               int heads = 0) const; // heads 0: the decoder's
    /// One decoder layer: self-attention (given: full or cached), cross-attention, feed-forward.
    template <typename SelfAttention>
    int decoderLayer(ParamBinder<T> &p, int i, int x, const Encoded &memory, const std::vector<Span> &spans,
                     Decoded &out, const Noise &noise, SelfAttention selfAttention,
                     const ops::HeadHooks<T> *crossHooks = nullptr) const;
    /// The final norm and the output layer: (rows, d) -> (rows, V).
    int logits(ParamBinder<T> &p, int x) const;
    /// x + dropout(sublayer(x)), with the norm before (pre-norm) or after (post-norm).
    template <typename F>
    int residual(ParamBinder<T> &p, const std::string &normName, int x, const Noise &noise, F sublayer) const;
    void declareLinear(const std::string &name, int out, int in);
    void declareNorm(const std::string &name, int width);
    void declareAttention(const std::string &prefix);
    void declareFeedForward(const std::string &prefix);

    TransformerSpec m_spec;
    int m_sourceVocab = 0;
    int m_targetVocab = 0;
    ShapeMap m_shapes;
};

extern template class TransformerNetwork<float>;
extern template class TransformerNetwork<double>;

} // namespace alignscope
