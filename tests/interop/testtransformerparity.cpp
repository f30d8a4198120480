// AlignScope's Transformer against an independent PyTorch implementation
// (tools/alignscope_transformer_torch.py), on fixtures it computed
// (tests/data/transformer/parity, made by make_transformer_parity_fixtures.py):
// random models of every family of choices, decoded along PyTorch's own
// tokens, and the bundled model's greedy decodes, equal within 1e-5 in
// every layer's and head's cross-attention, the encoder's self-attention and
// the log-probabilities; and T5's relative-position buckets, identical.

#include "transformer/blocks.h"

#include "alignscope/decode.h"
#include "alignscope/model.h"
#include "alignscope/transformermodel.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>

using namespace alignscope;
using json = nlohmann::json;

class TestTransformerParity : public QObject {
    Q_OBJECT

private slots:
    void testDecodes_data();
    void testDecodes();
    void testRelativeBuckets();
};

namespace {

json readFixture(const char *name)
{
    std::ifstream in(std::string(ALIGNSCOPE_TEST_DATA_DIR "/transformer/parity/") + name);
    return in ? json::parse(in) : json();
}

constexpr double kTolerance = 1e-5;

double maxDifference(const Vector &ours, const json &theirs)
{
    if (ours.size() != Eigen::Index(theirs.size()))
        return 1e300;
    double d = 0;
    for (Eigen::Index i = 0; i < ours.size(); ++i)
        d = std::max(d, std::abs(double(ours[i]) - theirs[size_t(i)].get<double>()));
    return d;
}

} // namespace

void TestTransformerParity::testDecodes_data()
{
    QTest::addColumn<int>("index");
    const json cases = readFixture("decodes.json");
    QVERIFY2(cases.is_array() && !cases.empty(), "tests/data/transformer/parity/decodes.json is missing");
    for (size_t i = 0; i < cases.size(); ++i) {
        std::string tokens;
        for (const auto &t : cases[i].at("source_tokens"))
            tokens += t.get<std::string>() + " ";
        QTest::newRow((cases[i].at("model").get<std::string>() + ": " + tokens).c_str()) << int(i);
    }
}

void TestTransformerParity::testDecodes()
{
    QFETCH(int, index);
    const json c = readFixture("decodes.json").at(size_t(index));
    std::string path = c.at("model").get<std::string>();
    if (path.find('/') != std::string::npos)
        path = std::string(ALIGNSCOPE_SOURCE_DIR "/") + path;
    auto opened = openModel(path);
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    const auto *model = dynamic_cast<const TransformerModel *>(opened.value().get());
    QVERIFY(model);
    const EncodedSource source = model->sourceFromTokens(c.at("source_tokens").get<std::vector<std::string>>());
    QCOMPARE(source.axis.ids, c.at("source_ids").get<std::vector<int>>());
    const json &steps = c.at("steps");
    DecodeOptions options;
    options.topK = 1;
    if (c.at("forced").get<bool>()) // a random model's near-ties: follow PyTorch's tokens
        for (const auto &s : steps)
            options.prefix.push_back(s.at("token_id").get<int>());
    DecodeSession session(*model, source, options);
    QVERIFY(session.run());
    const DecodeTrace &trace = session.trace();
    const std::vector<int> path_ = trace.bestPath();
    QCOMPARE(path_.size(), steps.size());
    for (size_t t = 0; t < steps.size(); ++t) {
        const DecodeNode &node = trace.nodes[size_t(path_[t])];
        const json &s = steps[t];
        QCOMPARE(node.tokenId, s.at("token_id").get<int>());
        QVERIFY2(std::abs(node.logProb - s.at("log_prob").get<double>()) < kTolerance,
                 qPrintable(QStringLiteral("step %1: log p %2 vs %3").arg(t).arg(node.logProb).arg(s.at("log_prob").get<double>())));
        const json &layers = s.at("cross_attention");
        QCOMPARE(int(layers.size()), node.cross.layers);
        for (int l = 0; l < node.cross.layers; ++l)
            for (int h = 0; h < node.cross.heads; ++h) {
                const double d = maxDifference(node.cross.weights.row(node.cross.rowOf(l, h)).transpose(), layers[size_t(l)][size_t(h)]);
                QVERIFY2(d < kTolerance, qPrintable(QStringLiteral("step %1 layer %2 head %3: α differs by %4").arg(t).arg(l).arg(h).arg(d)));
            }
    }
    // The whole next-token distribution of the first steps (log-softmax over V).
    for (size_t t = 0; t < std::min<size_t>(3, steps.size()); ++t) {
        const json &want = steps[t].at("log_probs");
        const std::vector<int> prefix(options.prefix.empty() ? std::vector<int>() : std::vector<int>(options.prefix.begin(), options.prefix.begin() + long(t)));
        auto memory = model->encode(source);
        DecoderStatePtr state = model->initialState(*memory);
        int previous = model->targetSpecials().sos;
        StepOutput out;
        for (size_t k = 0; k <= t; ++k) {
            out = model->step(*memory, *state, previous, int(k));
            state = out.next;
            previous = steps[k].at("token_id").get<int>();
        }
        double worst = 0;
        for (Eigen::Index v = 0; v < out.logProbs.size(); ++v)
            worst = std::max(worst, std::abs(double(out.logProbs[v]) - want[size_t(v)].get<double>()) /
                                        std::max(1.0, std::abs(want[size_t(v)].get<double>())));
        QVERIFY2(worst < kTolerance, qPrintable(QStringLiteral("step %1: log-softmax differs by %2").arg(t).arg(worst)));
    }
    const json &self = c.at("encoder_self_attention");
    QCOMPARE(int(self.size()), trace.encoderSelf.layers);
    for (int l = 0; l < trace.encoderSelf.layers; ++l)
        for (int h = 0; h < trace.encoderSelf.heads; ++h) {
            const Matrix &m = trace.encoderSelf.weights[size_t(trace.encoderSelf.indexOf(l, h))];
            for (Eigen::Index r = 0; r < m.rows(); ++r) {
                const double d = maxDifference(m.row(r).transpose(), self[size_t(l)][size_t(h)][size_t(r)]);
                QVERIFY2(d < kTolerance, qPrintable(QStringLiteral("encoder layer %1 head %2 row %3: %4").arg(l).arg(h).arg(r).arg(d)));
            }
        }
}

// T5's buckets, as PyTorch computes them in T5's own way, for every relative
// position from −300 to 300.
void TestTransformerParity::testRelativeBuckets()
{
    const json b = readFixture("buckets.json");
    QVERIFY2(b.is_object(), "tests/data/transformer/parity/buckets.json is missing");
    const auto relative = b.at("relative").get<std::vector<int>>();
    for (const auto &[buckets, distance] : {std::pair{32, 128}, std::pair{8, 16}})
        for (bool bidirectional : {true, false}) {
            const std::string key = std::to_string(buckets) + "_" + std::to_string(distance) + "_" +
                                    (bidirectional ? "bidirectional" : "causal");
            const auto want = b.at(key).get<std::vector<int>>();
            for (size_t i = 0; i < relative.size(); ++i)
                QVERIFY2(ops::relativePositionBucket(relative[i], bidirectional, buckets, distance) == want[i],
                         qPrintable(QStringLiteral("%1, relative %2: %3 vs %4").arg(QString::fromStdString(key))
                                        .arg(relative[i]).arg(ops::relativePositionBucket(relative[i], bidirectional, buckets, distance))
                                        .arg(want[i])));
        }
}

QTEST_APPLESS_MAIN(TestTransformerParity)
#include "testtransformerparity.moc"
