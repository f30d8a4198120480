// TransformerModel (#18): the assembled encoder–decoder for every family's
// choices (norm kind and place, positions, activation, gating, biases, tied
// output). A cached step equals the teacher-forced full forward's row; the
// whole network's gradient matches finite differences in double; decoding
// through the strategies records L × H cross-attention and the causal
// self-attention of every step.

#include "transformer/network.h"

#include "alignscope/decode.h"
#include "alignscope/model.h"
#include "alignscope/safetensors.h"
#include "alignscope/transformermodel.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <random>

using namespace alignscope;
using Spec = TransformerSpec;

Q_DECLARE_METATYPE(alignscope::TransformerSpec)

class TestTransformerModel : public QObject {
    Q_OBJECT

private slots:
    void testCachedStepsEqualFullForward_data();
    void testCachedStepsEqualFullForward();
    void testCacheGrowsAndForks_data();
    void testCacheGrowsAndForks();
    void testNetworkGradient_data();
    void testNetworkGradient();
    void testPackedBatchEqualsSentences_data();
    void testPackedBatchEqualsSentences();
    void testTraceHoldsEveryHead_data();
    void testTraceHoldsEveryHead();
    void testSpecValidation();
    void testPositionOffset();
    void testFileRoundTrip();
    void testBadFiles();
};

namespace {

Vocabulary words(std::vector<std::string> tokens)
{
    return Vocabulary::build({std::move(tokens)});
}

TransformerModel tinyModel(const Spec &spec, unsigned seed = 5)
{
    return TransformerModel::initialise(spec, words({"the", "cat", "sat", "on", "mat"}),
                                        words({"le", "chat", "assis", "sur", "tapis"}), seed);
}

void addSpecs()
{
    QTest::addColumn<Spec>("spec");
    Spec base;
    base.encoderLayers = base.decoderLayers = 2;
    base.heads = 4;
    base.dModel = 16;
    base.ffn = 24;
    QTest::newRow("base: post-norm, sinusoidal, relu") << [&] { Spec s = base; s.preNorm = false; return s; }();
    QTest::newRow("pre-norm, learned positions, gelu, untied") << [&] {
        Spec s = base;
        s.positions = Spec::Positions::Learned;
        s.activation = Spec::Activation::GeluErf;
        s.tiedOutput = false;
        s.scaleEmbedding = true;
        return s;
    }();
    QTest::newRow("T5: rms, relative, gated gelu-tanh, no bias, unscaled") << [&] {
        Spec s = base;
        s.norm = Spec::Norm::Rms;
        s.positions = Spec::Positions::Relative;
        s.relativeBuckets = 8;
        s.relativeMaxDistance = 16;
        s.activation = Spec::Activation::GeluTanh;
        s.gatedFeedForward = true;
        s.bias = false;
        s.scaledAttention = false;
        s.rescaleTiedOutput = true;
        return s;
    }();
    QTest::newRow("silu, 3 + 1 layers") << [&] {
        Spec s = base;
        s.activation = Spec::Activation::Silu;
        s.encoderLayers = 3;
        s.decoderLayers = 1;
        return s;
    }();
}

} // namespace

void TestTransformerModel::testCachedStepsEqualFullForward_data() { addSpecs(); }

// Decoding position by position with the key/value cache gives the same
// logits and attention as the teacher-forced forward over the whole prefix.
void TestTransformerModel::testCachedStepsEqualFullForward()
{
    QFETCH(Spec, spec);
    const TransformerModel model = tinyModel(spec);
    const std::vector<int> source = {4, 5, 6, 2}, inputs = {1, 4, 7, 5, 6};
    Graph<float> g(false);
    ParamBinder<float> p(g, model.parameters());
    const auto &net = model.network();
    const auto enc = net.encode(p, source);
    const auto all = net.decodeAll(p, enc, inputs);
    std::vector<TransformerNetwork<float>::LayerCache> cache(size_t(spec.decoderLayers));
    for (int t = 0; t < int(inputs.size()); ++t) {
        const auto step = net.decodeStep(p, enc, cache, inputs[size_t(t)], t);
        const Matrix row = g.value(all.logits).row(t);
        const float d = (g.value(step.logits) - row).cwiseAbs().maxCoeff();
        QVERIFY2(d < 1e-5f, qPrintable(QStringLiteral("step %1: logits differ by %2").arg(t).arg(d)));
        for (int l = 0; l < spec.decoderLayers; ++l)
            for (int h = 0; h < spec.heads; ++h) {
                const Matrix cross = g.value(all.cross[size_t(l)].weights[size_t(h)]).row(t);
                QVERIFY((g.value(step.cross[size_t(l)].weights[size_t(h)]) - cross).cwiseAbs().maxCoeff() < 1e-5f);
                const Matrix self = g.value(all.self[size_t(l)].weights[size_t(h)]).row(t).head(t + 1);
                QVERIFY((g.value(step.self[size_t(l)].weights[size_t(h)]) - self).cwiseAbs().maxCoeff() < 1e-5f);
            }
        cache = step.cache;
        QCOMPARE(cache.front().rows, t + 1);
        QCOMPARE(cache.front().keys().rows(), Eigen::Index(t + 1));
    }
}

void TestTransformerModel::testCacheGrowsAndForks_data() { addSpecs(); }

// The key/value cache appends in place and grows past its room (40 steps
// cross several capacities); two hypotheses that leave one state (a beam's
// fork, an edit re-decoded from an earlier step) each see their own rows,
// and the state they left keeps its own: every step still equals the full
// forward's row of its own prefix.
void TestTransformerModel::testCacheGrowsAndForks()
{
    QFETCH(Spec, spec);
    const TransformerModel model = tinyModel(spec);
    const auto &net = model.network();
    Graph<float> g(false);
    ParamBinder<float> p(g, model.parameters());
    const auto enc = net.encode(p, {4, 5, 6, 2});
    std::vector<int> inputs{1};
    for (int t = 1; t <= 40; ++t)
        inputs.push_back(3 + (t * 7) % 5);
    const auto all = net.decodeAll(p, enc, inputs);
    auto logitsDiffer = [&](const auto &step, const Matrix &row) {
        return (g.value(step.logits) - row).cwiseAbs().maxCoeff();
    };
    using Cache = std::vector<TransformerNetwork<float>::LayerCache>;
    constexpr int kFork = 36; // inside the last store, which holds rows beyond it
    Cache cache(size_t(spec.decoderLayers)), atFork;
    for (int t = 0; t < 40; ++t) {
        const auto step = net.decodeStep(p, enc, cache, inputs[size_t(t)], t);
        const float d = logitsDiffer(step, g.value(all.logits).row(t));
        QVERIFY2(d < 1e-5f, qPrintable(QStringLiteral("step %1: logits differ by %2").arg(t).arg(d)));
        cache = step.cache;
        if (t == kFork - 1)
            atFork = cache;
    }
    QCOMPARE(cache.front().rows, 40);
    QCOMPARE(atFork.front().store, cache.front().store);
    // Re-decode from there with another token (a beam's fork, an edit): the
    // store already holds the first run's row, so this hypothesis takes its own copy.
    const Matrix keysBefore = atFork.front().keys(), firstRun = cache.back().values();
    std::vector<int> other(inputs.begin(), inputs.begin() + kFork + 1);
    other[kFork] = inputs[kFork] == 3 ? 4 : 3;
    const auto fork = net.decodeStep(p, enc, atFork, other[kFork], kFork);
    const auto forkAll = net.decodeAll(p, enc, other);
    QVERIFY(logitsDiffer(fork, g.value(forkAll.logits).row(kFork)) < 1e-5f);
    QVERIFY(fork.cache.front().store != cache.front().store);
    // Neither the state it left nor the first run changed: the first run's next step is still its own.
    QCOMPARE(atFork.front().keys(), keysBefore);
    QCOMPARE(cache.back().values(), firstRun);
    const auto next = net.decodeStep(p, enc, cache, inputs[40], 40);
    QVERIFY(logitsDiffer(next, g.value(all.logits).row(40)) < 1e-5f);
    // Stepping twice from one state gives the same numbers both times.
    const auto twice = net.decodeStep(p, enc, atFork, other[kFork], kFork);
    QCOMPARE(g.value(twice.logits), g.value(fork.logits));
}

void TestTransformerModel::testNetworkGradient_data() { addSpecs(); }

// The training loss of the whole network, recorded in double: its
// gradient w.r.t. entries of every kind of parameter against central
// differences.
void TestTransformerModel::testNetworkGradient()
{
    QFETCH(Spec, spec);
    const TransformerNetwork<double> net(spec, 9, 9);
    const TransformerModel model = tinyModel(spec, 9);
    ParameterSet<double> params, grads;
    for (const auto &[name, m] : model.parameters()) {
        params.emplace(name, m.cast<double>());
        grads.emplace(name, MatrixX<double>::Zero(m.rows(), m.cols()));
    }
    // Training's loss: a packed batch of two pairs of different lengths,
    // dropout (the same masks on every evaluation) and label smoothing.
    const std::vector<std::vector<int>> sources = {{4, 5, 6, 2}, {7, 3, 2}}, targets = {{4, 7, 5, 2}, {6, 2}};
    auto loss = [&](ParameterSet<double> *gradients) {
        Graph<double> g(gradients != nullptr);
        ParamBinder<double> p(g, params, gradients);
        std::mt19937 masks(42);
        const int l = net.loss(p, sources, targets, 1, {0.2f, &masks, 0.1f});
        if (gradients)
            g.backward(l);
        return g.value(l)(0, 0);
    };
    loss(&grads);
    std::mt19937 rng(3);
    int checked = 0;
    for (auto &[name, m] : params) {
        // A few entries of every tensor: enough to catch a wrong term in any op.
        for (int k = 0; k < 3; ++k, ++checked) {
            const Eigen::Index i = Eigen::Index(rng() % std::uint32_t(m.size()));
            const double saved = m.data()[i], h = 1e-6;
            m.data()[i] = saved + h;
            const double up = loss(nullptr);
            m.data()[i] = saved - h;
            const double down = loss(nullptr);
            m.data()[i] = saved;
            const double numeric = (up - down) / (2 * h), analytic = grads.at(name).data()[i];
            QVERIFY2(std::abs(analytic - numeric) < 1e-6 * std::max(1.0, std::abs(numeric)),
                     qPrintable(QStringLiteral("%1[%2]: analytic %3, numeric %4").arg(QString::fromStdString(name))
                                    .arg(i).arg(analytic, 0, 'g', 10).arg(numeric, 0, 'g', 10)));
        }
    }
    QVERIFY(checked > 60);
}

void TestTransformerModel::testPackedBatchEqualsSentences_data() { addSpecs(); }

// A packed batch is only a faster way to run its sentences: its loss is the
// sum of theirs, and so is its gradient; the logits of each sentence equal
// a batch of one's.
void TestTransformerModel::testPackedBatchEqualsSentences()
{
    QFETCH(Spec, spec);
    const TransformerModel model = tinyModel(spec, 4);
    const auto &net = model.network();
    const std::vector<std::vector<int>> sources = {{4, 5, 6, 2}, {7, 2}, {3, 4, 5, 6, 7, 2}};
    const std::vector<std::vector<int>> targets = {{4, 7, 5, 2}, {6, 5, 4, 2}, {2}};
    auto lossOf = [&](const std::vector<std::vector<int>> &src, const std::vector<std::vector<int>> &tgt,
                      ParameterSet<float> &grads) {
        Graph<float> g(true);
        ParamBinder<float> p(g, model.parameters(), &grads);
        const int l = net.loss(p, src, tgt, 1, {}, 1);
        g.backward(l);
        return double(g.value(l)(0, 0));
    };
    ParameterSet<float> batchGrads = zerosLike(model.parameters()), sentenceGrads = zerosLike(model.parameters());
    const double batch = lossOf(sources, targets, batchGrads);
    double sum = 0.0;
    for (size_t i = 0; i < sources.size(); ++i)
        sum += lossOf({sources[i]}, {targets[i]}, sentenceGrads);
    QVERIFY2(std::abs(batch - sum) < 1e-4 * std::abs(sum), qPrintable(QStringLiteral("%1 vs %2").arg(batch).arg(sum)));
    for (const auto &[name, g] : batchGrads)
        QVERIFY2((g - sentenceGrads.at(name)).cwiseAbs().maxCoeff() < 1e-4f * std::max(1.0f, g.cwiseAbs().maxCoeff()),
                 name.c_str());
    Graph<float> g(false);
    ParamBinder<float> p(g, model.parameters());
    const auto packed = net.decodeBatch(p, net.encodeBatch(p, sources, {}), {{1, 4, 7}, {1, 6}}, {});
    for (int i = 0; i < 2; ++i) {
        const std::vector<int> in = i == 0 ? std::vector<int>{1, 4, 7} : std::vector<int>{1, 6};
        const auto alone = net.decodeAll(p, net.encode(p, sources[size_t(i)]), in);
        const Matrix rows = g.value(packed.logits).middleRows(i == 0 ? 0 : 3, Eigen::Index(in.size()));
        QVERIFY((g.value(alone.logits) - rows).cwiseAbs().maxCoeff() < 1e-5f);
    }
}

void TestTransformerModel::testTraceHoldsEveryHead_data() { addSpecs(); }

// Greedy, beam and forced decodes record, at every step, L × H rows of
// cross-attention over the source and causal self-attention over the
// positions so far; each row is a distribution.
void TestTransformerModel::testTraceHoldsEveryHead()
{
    QFETCH(Spec, spec);
    const TransformerModel model = tinyModel(spec);
    QCOMPARE(model.description().layers, spec.decoderLayers);
    QCOMPARE(model.description().heads, spec.heads);
    QCOMPARE(model.description().architecture, std::string("transformer"));
    for (int beam : {1, 3}) {
        DecodeOptions o;
        o.beamWidth = beam;
        o.maxLength = 6;
        auto trace = translate(model, "the cat sat", o);
        QVERIFY2(trace, trace ? "" : trace.error().message.c_str());
        QCOMPARE(trace->sourceLength(), 4); // the cat sat <eos>
        for (const DecodeNode &node : trace->nodes) {
            QCOMPARE(node.cross.layers, spec.decoderLayers);
            QCOMPARE(node.cross.heads, spec.heads);
            QCOMPARE(node.cross.weights.rows(), Eigen::Index(spec.decoderLayers * spec.heads));
            QCOMPARE(node.cross.weights.cols(), Eigen::Index(4));
            QCOMPARE(node.self.weights.cols(), Eigen::Index(node.step + 1));
            for (Eigen::Index r = 0; r < node.cross.weights.rows(); ++r) {
                QVERIFY(std::abs(node.cross.weights.row(r).sum() - 1.0f) < 1e-5f);
                QVERIFY(std::abs(node.self.weights.row(r).sum() - 1.0f) < 1e-5f);
            }
        }
        // The selection reaches the matrix: one head differs from the mean.
        const auto path = trace->bestPath();
        QVERIFY(trace->weightMatrix(path, HeadSelection::of(0, 0)) != trace->weightMatrix(path, HeadSelection{}));

        // Each head's numbers for the explain panel: e = q·k_j (/ √dk), and
        // its output Σ_j α_tj v_j before W_o, from the recorded queries, keys and values.
        const int dk = spec.headSize();
        QCOMPARE(int(trace->crossKeys.size()), spec.decoderLayers);
        for (int n : path) {
            const DecodeNode &node = trace->nodes[size_t(n)];
            QCOMPARE(node.crossQueries.rows(), Eigen::Index(spec.decoderLayers * spec.heads));
            for (int l = 0; l < spec.decoderLayers; ++l)
                for (int h = 0; h < spec.heads; ++h) {
                    const int row = node.cross.rowOf(l, h);
                    const Matrix K = trace->crossKeys[size_t(l)].middleCols(h * dk, dk);
                    const Matrix V = trace->crossValues[size_t(l)].middleCols(h * dk, dk);
                    Vector e = K * node.crossQueries.row(row).transpose(); // cross-attention has no position bias

                    if (spec.scaledAttention)
                        e /= std::sqrt(float(dk));
                    QVERIFY((e - node.cross.scores.row(row).transpose()).cwiseAbs().maxCoeff() < 1e-4f);
                    const Vector o = V.transpose() * node.cross.weights.row(row).transpose();
                    QVERIFY((o - node.crossOutputs.row(row).transpose()).cwiseAbs().maxCoeff() < 1e-5f);
                }
        }

        // Attention within one sequence: the encoder's (n, n) per layer and
        // head, once per source; the decoder's causal (T, T) along the path.
        QCOMPARE(trace->encoderSelf.layers, spec.encoderLayers);
        QCOMPARE(int(trace->encoderSelf.weights.size()), spec.encoderLayers * spec.heads);
        for (int sel = 0; sel < 3; ++sel) {
            const HeadSelection selection = sel == 0 ? HeadSelection::of(0, 1) : sel == 1 ? HeadSelection{} : HeadSelection{0, HeadSelection::Reduce::Max, 0};
            const Matrix enc = trace->encoderSelfWeights(selection);
            QCOMPARE(enc.rows(), Eigen::Index(4));
            QCOMPARE(enc.cols(), Eigen::Index(4));
            const Matrix dec = trace->decoderSelfWeights(path, selection);
            QCOMPARE(dec.rows(), Eigen::Index(path.size()));
            QCOMPARE(dec.cols(), Eigen::Index(path.size()));
            for (Eigen::Index r = 0; r < dec.rows(); ++r) {
                QVERIFY(dec.row(r).tail(dec.cols() - r - 1).isZero()); // causal: nothing after t
                if (sel < 2) { // one head and the mean are distributions; the max is not
                    QVERIFY(std::abs(dec.row(r).sum() - 1.0f) < 1e-5f);
                    QVERIFY(r >= enc.rows() || std::abs(enc.row(r).sum() - 1.0f) < 1e-5f);
                }
            }
        }
        QCOMPARE(trace->encoderSelfWeights(HeadSelection::of(1, 2)),
                 trace->encoderSelf.weights[size_t(trace->encoderSelf.indexOf(1, 2))]);
        const auto json = nlohmann::json::parse(traceToJson(*trace, path));
        QCOMPARE(int(json.at("encoder_self_attention").size()), spec.encoderLayers);
        QCOMPARE(json["encoder_self_attention"][0][1][2][3].get<float>(), trace->encoderSelfWeights(HeadSelection::of(0, 1))(2, 3));
    }
    auto forced = forceDecode(model, "the cat sat", "le chat assis");
    QVERIFY(forced);
    QCOMPARE(forced->targetTokens(forced->bestPath()), (std::vector<std::string>{"le", "chat", "assis"}));
}

// BART's learned positions: position p reads row p + 2 of a table two rows
// longer. The same model without the offset, given the table less its
// first two rows, computes the same logits.
void TestTransformerModel::testPositionOffset()
{
    Spec s;
    s.encoderLayers = s.decoderLayers = 1;
    s.heads = 2;
    s.dModel = 8;
    s.ffn = 16;
    s.positions = Spec::Positions::Learned;
    s.maxPositions = 16;
    s.positionOffset = 2;
    const TransformerModel offset = tinyModel(s, 11);
    QCOMPARE(offset.parameters().at("encoder.positions").rows(), Eigen::Index(18));
    Spec plainSpec = s;
    plainSpec.positionOffset = 0;
    ParameterSet<float> params = offset.parameters();
    for (const char *table : {"encoder.positions", "decoder.positions"})
        params[table] = Matrix(offset.parameters().at(table).bottomRows(16));
    const TransformerModel plain(plainSpec, offset.sourceVocab(), offset.targetVocab(), params);
    const std::vector<int> source = {4, 5, 6, 2}, inputs = {1, 4, 7};
    auto logits = [&](const TransformerModel &m) {
        Graph<float> g(false);
        ParamBinder<float> p(g, m.parameters());
        return Matrix(g.value(m.network().decodeAll(p, m.network().encode(p, source), inputs).logits));
    };
    QVERIFY(logits(offset) == logits(plain));
    auto parsed = transformerConfigFromJson(transformerConfigToJson(offset.fileConfig()));
    QVERIFY(parsed);
    QCOMPARE(parsed->spec.positionOffset, 2);
    s.positionOffset = -1;
    QVERIFY(!validateSpec(s));
}

void TestTransformerModel::testSpecValidation()
{
    Spec s;
    QVERIFY(validateSpec(s));
    s.dModel = 30;
    s.heads = 4;
    auto bad = validateSpec(s);
    QVERIFY(!bad);
    QVERIFY(QString::fromStdString(bad.error().message).contains(QStringLiteral("divisible")));
    s = Spec();
    s.heads = 0;
    QVERIFY(!validateSpec(s));
}

// A saved model opens (by openModel, which reads the architecture from the
// file) as the same model: the same spec, and the same decode to the bit.
void TestTransformerModel::testFileRoundTrip()
{
    QTemporaryDir dir;
    const std::string file = dir.filePath(QStringLiteral("t5ish.safetensors")).toStdString();
    Spec spec;
    spec.dModel = 16;
    spec.heads = 2;
    spec.ffn = 20;
    spec.norm = Spec::Norm::Rms;
    spec.positions = Spec::Positions::Relative;
    spec.gatedFeedForward = true;
    spec.bias = false;
    const TransformerModel model = tinyModel(spec, 12);
    QVERIFY(model.save(file));
    auto opened = openModel(file);
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    const auto *back = dynamic_cast<const TransformerModel *>(opened.value().get());
    QVERIFY(back);
    QCOMPARE(back->name(), std::string("t5ish"));
    QVERIFY(back->spec().norm == Spec::Norm::Rms);
    QVERIFY(back->spec().positions == Spec::Positions::Relative);
    QVERIFY(back->spec().gatedFeedForward && !back->spec().bias);
    auto a = translate(model, "the cat sat on the mat"), b = translate(*back, "the cat sat on the mat");
    QVERIFY(a && b);
    QCOMPARE(a->targetTokens(a->bestPath()), b->targetTokens(b->bestPath()));
    QVERIFY(a->weightMatrix(a->bestPath(), HeadSelection::of(1, 1)) == b->weightMatrix(b->bestPath(), HeadSelection::of(1, 1)));
}

// A damaged file is one line naming the file and what is wrong.
void TestTransformerModel::testBadFiles()
{
    QTemporaryDir dir;
    const std::string good = dir.filePath(QStringLiteral("good.safetensors")).toStdString();
    Spec spec;
    spec.dModel = 8;
    spec.heads = 2;
    spec.ffn = 8;
    const TransformerModel model = tinyModel(spec);
    QVERIFY(model.save(good));
    // A tensor left out.
    auto file = SafetensorsFile::open(good);
    QVERIFY(file);
    std::map<std::string, FloatTensor> tensors;
    for (const TensorInfo &t : file->tensors())
        if (t.name != "decoder.layers.1.cross.k.weight")
            tensors.emplace(t.name, file->read(t.name).value());
    const std::string missing = dir.filePath(QStringLiteral("missing.safetensors")).toStdString();
    QVERIFY(writeSafetensors(missing, tensors, file->metadata()));
    auto opened = openModel(missing);
    QVERIFY(!opened);
    QCOMPARE(opened.error().kind, ErrorKind::BadFile);
    QVERIFY2(opened.error().message.find("decoder.layers.1.cross.k.weight") != std::string::npos,
             opened.error().message.c_str());
    // A config whose sizes do not fit together.
    auto meta = file->metadata();
    std::string &config = meta.at("alignscope.config");
    config.replace(config.find("\"heads\":2"), 9, "\"heads\":3");
    const std::string odd = dir.filePath(QStringLiteral("odd.safetensors")).toStdString();
    std::map<std::string, FloatTensor> all;
    for (const TensorInfo &t : file->tensors())
        all.emplace(t.name, file->read(t.name).value());
    QVERIFY(writeSafetensors(odd, all, meta));
    opened = openModel(odd);
    QVERIFY(!opened);
    QVERIFY2(opened.error().message.find("divisible") != std::string::npos, opened.error().message.c_str());
}

QTEST_APPLESS_MAIN(TestTransformerModel)
#include "testtransformermodel.moc"
