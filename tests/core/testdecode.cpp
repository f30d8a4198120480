// Decoding (alignscope/decode.h): trace shapes and invariants, greedy
// against an independent argmax loop, beam search against a hand-built
// model where it must beat greedy, forced prefixes, the length guard,
// step-wise sessions, cancellation, thread-count independence, several
// models at once, and the trace JSON of DESIGN.md.

#include "alignscope/decode.h"
#include "alignscope/rnnmodel.h"

#include <QtTest>

#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include <atomic>
#include <cmath>
#include <limits>

using namespace alignscope;

namespace {

const std::vector<std::string> kSourceTokens = {"<pad>", "<sos>", "<eos>", "<unk>", "the", "cat", "sat"};
const std::vector<std::string> kTargetTokens = {"<pad>", "<sos>", "<eos>", "<unk>", "le", "chat", "assis"};
constexpr int kEos = 2;

Vocabulary vocab(const std::vector<std::string> &tokens)
{
    return Vocabulary::fromTokens(tokens, "test").value();
}

ModelConfig smallConfig(ScorerKind scorer, LocalMode local = LocalMode::None, int hidden = 8)
{
    ModelConfig c;
    c.encoder.embedding = 6;
    c.encoder.hidden = hidden;
    c.decoder.embedding = 6;
    c.decoder.hidden = hidden;
    c.attention.dimension = 8;
    c.attention.scorer = scorer;
    c.attention.local = local;
    c.attention.window = 1;
    c.attention.maxSourceLength = 16;
    // Bahdanau's additive and location scorers, Luong's for the rest.
    const bool bahdanau = scorer == ScorerKind::Additive || scorer == ScorerKind::Location;
    c.decoder.kind = bahdanau ? DecoderKind::Bahdanau : DecoderKind::Luong;
    return c;
}

RnnModel smallModel(ScorerKind scorer, LocalMode local = LocalMode::None, unsigned seed = 11u)
{
    return RnnModel::initialise(smallConfig(scorer, local), vocab(kSourceTokens), vocab(kTargetTokens), seed);
}

/// A model that never chooses <eos>: the length guard must end it.
RnnModel runawayModel()
{
    RnnModel m = smallModel(ScorerKind::Additive);
    m.parameters().at("decoder.out.bias")(0, kEos) = -100.0f;
    return m;
}

/// The decoder's own argmax loop written from RnnModel::encode / step only.
std::vector<int> referenceGreedy(const RnnModel &m, const std::string &sentence, int maxLength,
                                 std::vector<Vector> *weights)
{
    const auto source = m.prepareSource(sentence).value();
    const auto enc = m.encode(source);
    DecoderStatePtr state = m.initialState(*enc);
    int previous = m.config().targetSpecials.sos;
    std::vector<int> tokens;
    for (int t = 0; t < maxLength; ++t) {
        StepOutput out = m.step(*enc, *state, previous, t);
        int best = -1;
        for (int v = 0; v < out.logProbs.size(); ++v) {
            if (v == m.config().targetSpecials.pad || v == m.config().targetSpecials.sos)
                continue;
            if (best < 0 || out.logProbs[v] > out.logProbs[best])
                best = v;
        }
        tokens.push_back(best);
        weights->push_back(selectWeights(out.cross, {}));
        if (best == kEos)
            break;
        state = out.next;
        previous = best;
    }
    return tokens;
}

std::vector<int> tokenIds(const DecodeTrace &t, const std::vector<int> &path)
{
    std::vector<int> ids;
    for (int n : path)
        ids.push_back(t.nodes[n].tokenId);
    return ids;
}

/// Traces agree node by node (tokens, tree, numbers within `tol`).
void compareTraces(const DecodeTrace &a, const DecodeTrace &b, float tol)
{
    QCOMPARE(a.nodes.size(), b.nodes.size());
    QCOMPARE(a.source.labels, b.source.labels);
    for (size_t i = 0; i < a.nodes.size(); ++i) {
        const DecodeNode &x = a.nodes[i], &y = b.nodes[i];
        QCOMPARE(x.tokenId, y.tokenId);
        QCOMPARE(x.parent, y.parent);
        QCOMPARE(x.step, y.step);
        QCOMPARE(x.forced, y.forced);
        QCOMPARE(x.finished, y.finished);
        QVERIFY(std::abs(x.logProb - y.logProb) <= tol);
        QCOMPARE(x.weights().size(), y.weights().size());
        QVERIFY((x.weights() - y.weights()).cwiseAbs().maxCoeff() <= tol);
        QVERIFY((x.scores() - y.scores()).cwiseAbs().maxCoeff() <= tol);
        QVERIFY((x.context - y.context).cwiseAbs().maxCoeff() <= tol);
    }
    QCOMPARE(a.hypotheses.size(), b.hypotheses.size());
    for (size_t i = 0; i < a.hypotheses.size(); ++i)
        QCOMPARE(a.hypotheses[i].node, b.hypotheses[i].node);
    QCOMPARE(a.complete, b.complete);
}

/// Hand-built model whose next-token distribution depends only on the
/// previous token: all RNN, attention and bridge weights are zero, so
/// s_t = 0 and c_t = 0, and Bahdanau's deep output reads emb(y_{t-1}) =
/// one-hot(y_{t-1}) through decoder.out; column (Hd + prev) of out.weight
/// holds log P(next | prev).
RnnModel beamBeatsGreedyModel()
{
    ModelConfig c;
    c.encoder.embedding = 2;
    c.encoder.hidden = 2;
    c.decoder.kind = DecoderKind::Bahdanau;
    c.decoder.embedding = 6;
    c.decoder.hidden = 2;
    c.decoder.deepOutput = true;
    c.attention.scorer = ScorerKind::Additive;
    c.attention.dimension = 2;
    const Vocabulary source = vocab({"<pad>", "<sos>", "<eos>", "<unk>", "x", "y"});
    const Vocabulary target = vocab({"<pad>", "<sos>", "<eos>", "<unk>", "A", "B"});
    ParameterSet<float> p = zerosLike(RnnModel::initialParameters(c, 6, 6, 1u));
    p.at("decoder.embedding.weight") = Matrix::Identity(6, 6);
    Matrix &out = p.at("decoder.out.weight"); // (6, Hd + E + D) = (6, 2 + 6 + 2)
    out.middleCols(2, 6).setConstant(-50.0f);
    const int sos = 1, eos = 2, A = 4, B = 5;
    auto set = [&](int prev, int next, double prob) { out(next, 2 + prev) = static_cast<float>(std::log(prob)); };
    // After <sos>: A 0.6, B 0.4 -> greedy takes A.
    set(sos, A, 0.6);
    set(sos, B, 0.4);
    // After A everything is poor: <eos> 0.34, A 0.33, B 0.33 (A <eos>: 0.204).
    set(A, eos, 0.34);
    set(A, A, 0.33);
    set(A, B, 0.33);
    // After B: <eos> 0.9 (B <eos>: 0.36 > 0.204).
    set(B, eos, 0.9);
    set(B, A, 0.05);
    set(B, B, 0.05);
    return RnnModel(c, source, target, std::move(p));
}

} // namespace

class TestDecode : public QObject {
    Q_OBJECT

private slots:
    void testWeightsSumToOne_data();
    void testWeightsSumToOne();
    void testTraceShapes();
    void testTopKSorted();
    void testTopKTies();
    void testLengthGuard();
    void testForcedPrefix();
    void testForceDecode();
    void testGreedyMatchesArgmaxLoop_data();
    void testGreedyMatchesArgmaxLoop();
    void testBeamBeatsGreedy();
    void testBeamHypothesesSorted();
    void testThreadCountIndependence();
    void testTranslateAllEqualsAlone();
    void testStepEqualsRun();
    void testCancel();
    void testTraceJson();
};

void TestDecode::testWeightsSumToOne_data()
{
    QTest::addColumn<int>("scorer");
    QTest::newRow("additive") << int(ScorerKind::Additive);
    QTest::newRow("dot") << int(ScorerKind::Dot);
    QTest::newRow("general") << int(ScorerKind::General);
    QTest::newRow("scaled-dot") << int(ScorerKind::ScaledDot);
    QTest::newRow("concat") << int(ScorerKind::Concat);
    QTest::newRow("location") << int(ScorerKind::Location);
}

void TestDecode::testWeightsSumToOne()
{
    QFETCH(int, scorer);
    const RnnModel m = smallModel(static_cast<ScorerKind>(scorer));
    DecodeOptions o;
    o.beamWidth = 3;
    const auto trace = translate(m, "the cat sat the cat", o);
    QVERIFY(trace.ok());
    QVERIFY(!trace->nodes.empty());
    for (const DecodeNode &n : trace->nodes) {
        QVERIFY(n.weights().allFinite());
        QVERIFY(n.weights().minCoeff() >= 0.0f);
        QVERIFY2(std::abs(n.weights().sum() - 1.0f) < 1e-5f, qPrintable(QString::number(n.weights().sum())));
    }
}

void TestDecode::testTraceShapes()
{
    const RnnModel m = smallModel(ScorerKind::Additive);
    const auto trace = translate(m, "The cat sat dog", {});
    QVERIFY(trace.ok());
    // n includes the <eos> the encoder sees; "dog" is out of vocabulary.
    const std::vector<std::string> tokens = {"the", "cat", "sat", "dog", "<eos>"};
    QCOMPARE(trace->source.labels, tokens);
    QCOMPARE(trace->source.ids, (std::vector<int>{4, 5, 6, 3, 2}));
    QCOMPARE(trace->source.oovPositions(), std::vector<int>{3});
    QCOMPARE(trace->source.text, std::string("The cat sat dog"));
    const Eigen::Index n = 5, d = m.config().encoder.stateSize();
    QCOMPARE(trace->encoderStates.rows(), n);
    QCOMPARE(trace->encoderStates.cols(), d);
    QVERIFY(trace->complete);
    QCOMPARE(trace->scorer, std::string("additive"));
    QCOMPARE(trace->hypotheses.size(), size_t(1));
    for (const DecodeNode &node : trace->nodes) {
        QCOMPARE(node.scores().size(), n);
        QCOMPARE(node.weights().size(), n);
        QCOMPARE(node.context.size(), d);
        QCOMPARE(node.query.size(), Eigen::Index(m.config().decoder.hidden));
        // c_t = Σ_j α_tj h_j, recomputed from the trace.
        const Vector c = (node.weights().transpose() * trace->encoderStates).transpose();
        QVERIFY((c - node.context).cwiseAbs().maxCoeff() < 1e-5f);
    }
    const auto path = trace->bestPath();
    QCOMPARE(int(path.size()), trace->stepCount());
    const Matrix w = trace->weightMatrix(path);
    QCOMPARE(w.rows(), Eigen::Index(path.size()));
    QCOMPARE(w.cols(), n);
}

void TestDecode::testTopKSorted()
{
    const RnnModel m = smallModel(ScorerKind::General);
    DecodeOptions o;
    o.topK = 5;
    const auto trace = translate(m, "the cat", o);
    QVERIFY(trace.ok());
    for (const DecodeNode &node : trace->nodes) {
        QCOMPARE(int(node.topk.size()), 5);
        float total = 0.0f;
        for (size_t i = 0; i < node.topk.size(); ++i) {
            const TopToken &t = node.topk[i];
            QVERIFY(t.prob >= 0.0f && t.prob <= 1.0f);
            QCOMPARE(t.token, m.targetVocab().token(t.id));
            if (i > 0)
                QVERIFY(node.topk[i - 1].prob >= t.prob);
            total += t.prob;
        }
        QVERIFY(total <= 1.0f + 1e-5f);
        // Greedy picks the most probable token, with log of its probability.
        QCOMPARE(node.tokenId, node.topk[0].id);
        QVERIFY(std::abs(std::exp(node.logProb) - node.topk[0].prob) < 1e-5f);
        // <pad> and <sos> are never candidates.
        for (const TopToken &t : node.topk)
            QVERIFY(t.id != 0 && t.id != 1);
    }
}

void TestDecode::testTopKTies()
{
    // Two tokens with identical output rows and a large bias tie for first
    // place at every step: the lower id comes first and greedy picks it.
    RnnModel m = smallModel(ScorerKind::Dot);
    auto &w = m.parameters().at("decoder.out.weight");
    auto &b = m.parameters().at("decoder.out.bias");
    w.row(6) = w.row(4);
    b(0, 4) = b(0, 6) = 50.0f;
    DecodeOptions o;
    o.topK = 4;
    o.maxLength = 3;
    const auto trace = translate(m, "the cat", o);
    QVERIFY(trace.ok());
    for (const DecodeNode &node : trace->nodes) {
        QCOMPARE(node.topk[0].id, 4);
        QCOMPARE(node.topk[1].id, 6);
        QCOMPARE(node.topk[0].prob, node.topk[1].prob);
        QCOMPARE(node.tokenId, 4);
    }
    // The rest are the next most probable of the whole distribution.
    const auto source = m.prepareSource("the cat").value();
    const auto enc = m.encode(source);
    const StepOutput first = m.step(*enc, *m.initialState(*enc), m.config().targetSpecials.sos, 0);
    std::vector<int> ids;
    for (int v = 2; v < first.logProbs.size(); ++v)
        ids.push_back(v);
    std::stable_sort(ids.begin(), ids.end(), [&](int a, int c) { return first.logProbs[a] > first.logProbs[c]; });
    for (int i = 0; i < 4; ++i)
        QCOMPARE(trace->nodes[0].topk[i].id, ids[i]);
}

void TestDecode::testLengthGuard()
{
    const RnnModel m = runawayModel();
    const auto trace = translate(m, "the cat sat", {});
    QVERIFY(trace.ok());
    // n = 4 (with <eos>): the guard stops at 2n + 10 = 18 steps.
    QCOMPARE(trace->stepCount(), 18);
    QVERIFY(trace->complete);
    QCOMPARE(trace->hypotheses.size(), size_t(1));
    const auto path = trace->bestPath();
    QCOMPARE(path.size(), size_t(18));
    for (int node : path)
        QVERIFY(trace->nodes[node].tokenId != kEos);
    QVERIFY(trace->nodes[path.back()].finished);
    QVERIFY(!trace->nodes[path[16]].finished);

    DecodeOptions o;
    o.maxLength = 3;
    o.beamWidth = 2;
    const auto shorter = translate(m, "the cat sat", o);
    QVERIFY(shorter.ok());
    QCOMPARE(shorter->stepCount(), 3);
    QVERIFY(shorter->complete);
}

void TestDecode::testForcedPrefix()
{
    const RnnModel m = runawayModel();
    DecodeOptions o;
    o.prefix = {5, 4}; // "chat le"
    const auto trace = translate(m, "the cat sat", o);
    QVERIFY(trace.ok());
    const auto path = trace->bestPath();
    QVERIFY(path.size() > 2); // decoding continues after the prefix
    QCOMPARE(trace->nodes[path[0]].tokenId, 5);
    QCOMPARE(trace->nodes[path[1]].tokenId, 4);
    QVERIFY(trace->nodes[path[0]].forced);
    QVERIFY(trace->nodes[path[1]].forced);
    for (size_t i = 2; i < path.size(); ++i)
        QVERIFY(!trace->nodes[path[i]].forced);

    // A forced token's log-probability is the model's, not 0.
    const auto source = m.prepareSource("the cat sat").value();
    const auto enc = m.encode(source);
    const StepOutput first = m.step(*enc, *m.initialState(*enc), 1, 0);
    QVERIFY(std::abs(trace->nodes[path[0]].logProb - first.logProbs[5]) < 1e-6f);
    const StepOutput second = m.step(*enc, *first.next, 5, 1);
    QVERIFY(std::abs(trace->nodes[path[1]].logProb - second.logProbs[4]) < 1e-6f);
    QVERIFY((trace->nodes[path[1]].weights() - selectWeights(second.cross, {})).cwiseAbs().maxCoeff() < 1e-6f);

    // With a beam the prefix still holds on every hypothesis.
    o.beamWidth = 3;
    const auto beam = translate(m, "the cat sat", o);
    QVERIFY(beam.ok());
    for (const Hypothesis &h : beam->hypotheses) {
        const auto p = beam->path(h.node);
        QCOMPARE(beam->nodes[p[0]].tokenId, 5);
        QCOMPARE(beam->nodes[p[1]].tokenId, 4);
    }
}

void TestDecode::testForceDecode()
{
    const RnnModel m = smallModel(ScorerKind::Dot);
    const auto trace = forceDecode(m, "the cat sat", "le chat assis");
    QVERIFY(trace.ok());
    const auto path = trace->bestPath();
    QCOMPARE(tokenIds(trace.value(), path), (std::vector<int>{4, 5, 6, kEos}));
    for (int n : path)
        QVERIFY(trace->nodes[n].forced);
    QCOMPARE(trace->weightMatrix(path).rows(), Eigen::Index(4));
}

void TestDecode::testGreedyMatchesArgmaxLoop_data()
{
    testWeightsSumToOne_data();
    QTest::newRow("general local-p") << int(ScorerKind::General) + 100;
}

void TestDecode::testGreedyMatchesArgmaxLoop()
{
    QFETCH(int, scorer);
    const LocalMode local = scorer >= 100 ? LocalMode::Predictive : LocalMode::None;
    const RnnModel m = smallModel(static_cast<ScorerKind>(scorer % 100), local, 23u);
    const std::string sentence = "the cat sat the";
    std::vector<Vector> weights;
    const auto expected = referenceGreedy(m, sentence, 2 * 5 + 10, &weights);
    const auto greedy = translate(m, sentence, {});
    QVERIFY(greedy.ok());
    const auto path = greedy->bestPath();
    QCOMPARE(tokenIds(greedy.value(), path), expected);
    for (size_t i = 0; i < path.size(); ++i)
        QVERIFY((greedy->nodes[path[i]].weights() - weights[i]).cwiseAbs().maxCoeff() < 1e-6f);
    // Greedy is beam search of width 1.
    DecodeOptions o;
    o.beamWidth = 1;
    o.lengthPenalty = 0.0;
    const auto beam = translate(m, sentence, o);
    QVERIFY(beam.ok());
    compareTraces(greedy.value(), beam.value(), 0.0f);
}

void TestDecode::testBeamBeatsGreedy()
{
    const RnnModel m = beamBeatsGreedyModel();
    const auto greedy = translate(m, "x y", {});
    QVERIFY(greedy.ok());
    DecodeOptions o;
    o.beamWidth = 2;
    const auto beam = translate(m, "x y", o);
    QVERIFY(beam.ok());
    const auto g = greedy->hypotheses.front();
    const auto b = beam->hypotheses.front();
    // Greedy: A (0.6) then <eos> (0.34): log 0.204. Beam: B (0.4) then <eos> (0.9): log 0.36.
    QCOMPARE(greedy->targetTokens(greedy->path(g.node)), std::vector<std::string>{"A"});
    QCOMPARE(beam->targetTokens(beam->path(b.node)), std::vector<std::string>{"B"});
    QVERIFY(std::abs(g.logProb - std::log(0.204)) < 1e-5);
    QVERIFY(std::abs(b.logProb - std::log(0.36)) < 1e-5);
    QVERIFY(b.logProb > g.logProb);
    // Both of the beam's finished hypotheses are kept, best first.
    QCOMPARE(beam->hypotheses.size(), size_t(2));
    QVERIFY(beam->hypotheses[1].logProb < b.logProb);
}

void TestDecode::testBeamHypothesesSorted()
{
    const RnnModel m = smallModel(ScorerKind::Concat);
    DecodeOptions o;
    o.beamWidth = 4;
    const auto trace = translate(m, "the cat sat", o);
    QVERIFY(trace.ok());
    QVERIFY(!trace->hypotheses.empty());
    QVERIFY(trace->hypotheses.size() <= 4);
    for (size_t i = 1; i < trace->hypotheses.size(); ++i)
        QVERIFY(trace->hypotheses[i - 1].score >= trace->hypotheses[i].score);
    for (const Hypothesis &h : trace->hypotheses) {
        // logProb is the sum of the path's token log-probabilities.
        double sum = 0.0;
        for (int n : trace->path(h.node))
            sum += trace->nodes[n].logProb;
        QVERIFY(std::abs(sum - h.logProb) < 1e-4);
        QVERIFY(trace->nodes[h.node].finished);
    }
    // No step holds more than beamWidth nodes.
    for (int s = 0; s < trace->stepCount(); ++s)
        QVERIFY(trace->nodesAtStep(s).size() <= 4);
}

void TestDecode::testThreadCountIndependence()
{
    // A 2101-token source with key size 32: the attention kernels split the
    // positions across threads (grain 1024).
    ModelConfig c = smallConfig(ScorerKind::Dot, LocalMode::None, 32);
    const RnnModel m = RnnModel::initialise(c, vocab(kSourceTokens), vocab(kTargetTokens), 5u);
    std::string sentence;
    for (int i = 0; i < 700; ++i)
        sentence += "the cat sat ";
    DecodeOptions o;
    o.beamWidth = 2;
    o.maxLength = 4;
    auto run = [&](int threads) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
        return translate(m, sentence, o);
    };
    const auto one = run(1), two = run(2);
    QVERIFY(one.ok() && two.ok());
    QCOMPARE(one->source.labels.size(), size_t(2101));
    compareTraces(one.value(), two.value(), 1e-6f);
}

void TestDecode::testTranslateAllEqualsAlone()
{
    const RnnModel a = smallModel(ScorerKind::Additive, LocalMode::None, 1u);
    const RnnModel b = smallModel(ScorerKind::Dot, LocalMode::Monotonic, 2u);
    const RnnModel c = smallModel(ScorerKind::General, LocalMode::Predictive, 3u);
    DecodeOptions o;
    o.beamWidth = 2;
    const auto all = translateAll({&a, &b, &c}, "the cat sat", o);
    QCOMPARE(all.size(), size_t(3));
    const RnnModel *models[] = {&a, &b, &c};
    for (int i = 0; i < 3; ++i) {
        const auto alone = translate(*models[i], "the cat sat", o);
        QVERIFY(all[i].ok() && alone.ok());
        QCOMPARE(all[i]->scorer, alone->scorer);
        compareTraces(all[i].value(), alone.value(), 0.0f);
    }
    QCOMPARE(all[1]->scorer, std::string("dot+local-m"));
}

void TestDecode::testStepEqualsRun()
{
    const RnnModel m = smallModel(ScorerKind::Additive);
    DecodeOptions o;
    o.beamWidth = 3;
    auto source = m.prepareSource("the cat sat");
    QVERIFY(source.ok());
    DecodeSession stepped(m, source.value(), o);
    int steps = 0;
    while (stepped.step()) {
        ++steps;
        // The trace grows one step at a time.
        QCOMPARE(stepped.trace().stepCount(), steps);
        QVERIFY(!stepped.finished());
    }
    QVERIFY(stepped.finished());
    QVERIFY(!stepped.step()); // stepping a finished session changes nothing
    DecodeSession whole(m, source.value(), o);
    QVERIFY(whole.run().ok());
    compareTraces(stepped.trace(), whole.trace(), 0.0f);
}

void TestDecode::testCancel()
{
    const RnnModel m = runawayModel();
    std::atomic<bool> cancel{true};
    const auto r = translate(m, "the cat sat", {}, &cancel);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().kind, ErrorKind::Cancelled);

    // Cancelled half way: the trace keeps what was decoded.
    DecodeSession s(m, m.prepareSource("the cat sat").value(), {});
    s.step();
    s.step();
    const auto partial = s.run(&cancel);
    QVERIFY(!partial.ok());
    QCOMPARE(partial.error().kind, ErrorKind::Cancelled);
    QVERIFY(!s.finished());
    QCOMPARE(s.trace().stepCount(), 2);
    cancel = false;
    QVERIFY(s.run(&cancel).ok());
    QCOMPARE(s.trace().stepCount(), 18);
}

void TestDecode::testTraceJson()
{
    const RnnModel m = smallModel(ScorerKind::Additive);
    DecodeOptions o;
    o.topK = 3;
    const auto trace = translate(m, "the cat sat", o);
    QVERIFY(trace.ok());
    const auto path = trace->bestPath();
    for (bool pretty : {true, false}) {
        const auto j = nlohmann::json::parse(traceToJson(trace.value(), path, pretty), nullptr, false);
        QVERIFY(!j.is_discarded());
        QVERIFY(j.is_object());
        for (const char *key : {"model", "scorer", "translation"})
            QVERIFY2(j.contains(key) && j.at(key).is_string(), key);
        QCOMPARE(j.at("scorer").get<std::string>(), std::string("additive"));
        QCOMPARE(j.at("model").get<std::string>(), m.name());
        QCOMPARE(j.at("translation").get<std::string>(), trace->translation(path));
        const auto &source = j.at("source_tokens");
        QVERIFY(source.is_array());
        QCOMPARE(source.size(), size_t(4));
        QCOMPARE(source.back().get<std::string>(), std::string("<eos>"));
        const auto &target = j.at("target_tokens");
        QVERIFY(target.is_array());
        QCOMPARE(target.get<std::vector<std::string>>(), trace->targetTokens(path));
        const auto &steps = j.at("steps");
        QVERIFY(steps.is_array());
        QCOMPARE(steps.size(), path.size());
        for (size_t i = 0; i < steps.size(); ++i) {
            const auto &s = steps[i];
            const DecodeNode &node = trace->nodes[path[i]];
            QCOMPARE(s.at("token").get<std::string>(), node.token);
            QCOMPARE(s.at("scores").size(), source.size());
            QCOMPARE(s.at("weights").size(), source.size());
            QCOMPARE(s.at("context").size(), size_t(m.config().encoder.stateSize()));
            double sum = 0.0;
            for (size_t k = 0; k < s.at("weights").size(); ++k) {
                QVERIFY(s.at("weights")[k].is_number());
                QVERIFY(std::abs(s.at("weights")[k].get<double>() - node.weights()[Eigen::Index(k)]) < 1e-6);
                sum += s.at("weights")[k].get<double>();
            }
            QVERIFY(std::abs(sum - 1.0) < 1e-5);
            QCOMPARE(s.at("topk").size(), size_t(3));
            for (const auto &t : s.at("topk")) {
                QVERIFY(t.at("token").is_string());
                QVERIFY(t.at("prob").is_number());
                QVERIFY(t.at("prob").get<double>() <= 1.0);
            }
        }
        // A final <eos> step is left out of target_tokens.
        const bool endsInEos = trace->nodes[path.back()].tokenId == kEos;
        QCOMPARE(steps.back().at("token").get<std::string>() == "<eos>", endsInEos);
        QCOMPARE(target.size() + (endsInEos ? 1 : 0), steps.size());
    }
}

QTEST_APPLESS_MAIN(TestDecode)
#include "testdecode.moc"
