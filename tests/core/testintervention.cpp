// Interventions on the bundled RNN (additive) and Transformer models: a
// one-hot edit gives exactly the attended state (RNN) or value (a head),
// a drop renormalises the rest, an ablated head changes only what follows
// it, a decoder with every head ablated cannot see its source, and an
// edited decode equals a forced decode of its own choices. Plus the CLI's
// spelling of interventions and their record in the trace JSON.

#include "alignscope/decode.h"
#include "alignscope/headimportance.h"
#include "alignscope/intervention.h"
#include "alignscope/model.h"

#include <nlohmann/json.hpp>

#include <QtTest>

using namespace alignscope;
using json = nlohmann::json;

class TestIntervention : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void testOneHotGivesTheState();
    void testOneHotGivesTheHeadValue();
    void testDropRenormalises_data();
    void testDropRenormalises();
    void testAblationChangesOnlyWhatFollows();
    void testNoHeadsNoSource_data();
    void testNoHeadsNoSource();
    void testEditedEqualsForced_data();
    void testEditedEqualsForced();
    void testReshapeKeepsTotal();
    void testCheck_data();
    void testCheck();
    void testParse_data();
    void testParse();
    void testTraceJson();
    void testHeadImportance();
    void testHeadImportanceCancel();

private:
    const Seq2Seq &model(const QString &name) const { return *(name == "rnn" ? m_rnn : m_transformer); }
    DecodeTrace decode(const Seq2Seq &m, const Intervention &iv = {},
                       const std::string &sentence = "The cat sat on the mat") const;

    ModelPtr m_rnn, m_transformer;
};

namespace {

const char *const kSeed = "The cat sat on the mat";

void compareVectors(const Vector &a, const Vector &b, float tolerance, const char *what)
{
    QVERIFY2(a.size() == b.size(), what);
    const float diff = a.size() ? (a - b).cwiseAbs().maxCoeff() : 0.0f;
    QVERIFY2(diff <= tolerance, (std::string(what) + ": max |diff| " + std::to_string(diff)).c_str());
}

} // namespace

void TestIntervention::initTestCase()
{
    auto rnn = openModel("additive");
    QVERIFY2(rnn, rnn ? "" : rnn.error().message.c_str());
    m_rnn = std::move(rnn.value());
    auto transformer = openModel("transformer");
    QVERIFY2(transformer, transformer ? "" : transformer.error().message.c_str());
    m_transformer = std::move(transformer.value());
}

DecodeTrace TestIntervention::decode(const Seq2Seq &m, const Intervention &iv, const std::string &sentence) const
{
    DecodeOptions options;
    options.intervention = iv;
    auto trace = translate(m, sentence, options);
    if (!trace)
        qFatal("%s", trace.error().message.c_str());
    return std::move(trace.value());
}

void TestIntervention::testOneHotGivesTheState()
{
    // c_t = Σ_j α_tj h_j with α one-hot on j is h_j itself, bit for bit.
    for (int j : {0, 2, 4}) {
        Intervention iv;
        iv.edits.push_back(AttentionEdit::oneHot(1, j));
        const DecodeTrace t = decode(*m_rnn, iv);
        const DecodeNode &edited = t.nodes[size_t(t.bestPath()[1])];
        QVERIFY(edited.edited);
        QVERIFY(!t.nodes[size_t(t.bestPath()[0])].edited);
        QCOMPARE(edited.context, Vector(t.encoderStates.row(j).transpose()));
        QCOMPARE(edited.weights()[j], 1.0f);
        QCOMPARE(edited.weights().sum(), 1.0f);
    }
}

void TestIntervention::testOneHotGivesTheHeadValue()
{
    // A one-hot edit of head (l, h) at step t makes its output v_j^(h), the
    // head's slice of row j of W_v H; the other heads of the layer keep their own weights.
    const int layer = 0, head = 1, j = 2;
    Intervention iv;
    iv.edits.push_back(AttentionEdit::oneHot(1, j, layer, head));
    const DecodeTrace t = decode(*m_transformer, iv);
    const DecodeTrace original = decode(*m_transformer);
    const DecodeNode &n = t.nodes[size_t(t.bestPath()[1])];
    const DecodeNode &o = original.nodes[size_t(original.bestPath()[1])];
    QVERIFY(n.edited);
    const Eigen::Index dv = n.crossOutputs.cols();
    const int row = n.cross.rowOf(layer, head);
    compareVectors(n.crossOutputs.row(row).transpose(), t.crossValues[layer].row(j).segment(head * dv, dv).transpose(),
                   1e-6f, "edited head output");
    QCOMPARE(n.cross.weights(row, j), 1.0f);
    for (int h = 0; h < t.heads(); ++h)
        if (h != head)
            compareVectors(n.cross.weights.row(n.cross.rowOf(layer, h)).transpose(),
                           o.cross.weights.row(o.cross.rowOf(layer, h)).transpose(), 0.0f, "other heads");
}

void TestIntervention::testDropRenormalises_data()
{
    QTest::addColumn<QString>("family");
    QTest::newRow("rnn") << "rnn";
    QTest::newRow("transformer") << "transformer";
}

void TestIntervention::testDropRenormalises()
{
    // At step 0 the decoder has seen nothing the drop changed, so each row
    // of the first layer is the model's own with position j removed:
    // w'_k = w_k / (1 − w_j). (Later layers read what the drop changed.)
    QFETCH(QString, family);
    const Seq2Seq &m = model(family);
    const int j = 1;
    Intervention iv;
    iv.droppedSource = {j};
    const DecodeTrace t = decode(m, iv);
    const DecodeTrace original = decode(m);
    for (int step : t.bestPath()) {
        const DecodeNode &n = t.nodes[size_t(step)];
        QVERIFY(n.edited);
        for (Eigen::Index r = 0; r < n.cross.weights.rows(); ++r) {
            QCOMPARE(n.cross.weights(r, j), 0.0f);
            QVERIFY(std::abs(n.cross.weights.row(r).sum() - 1.0f) < 1e-5f);
        }
    }
    const DecodeNode &first = t.nodes[size_t(t.bestPath()[0])];
    const DecodeNode &before = original.nodes[size_t(original.bestPath()[0])];
    for (int r = 0; r < first.cross.heads; ++r) {
        Vector expected = before.cross.weights.row(r).transpose();
        expected /= 1.0f - expected[j];
        expected[j] = 0.0f;
        compareVectors(first.cross.weights.row(r).transpose(), expected, 1e-4f, "renormalised row"); // 1 − w_j may be small
    }
}

void TestIntervention::testAblationChangesOnlyWhatFollows()
{
    // Ablating head (l, h): at step 0 every head's α is the model's own (the
    // head still looks, its output is dropped), head (l, h)'s output is 0,
    // the other outputs of layers ≤ l are unchanged, and the prediction moves.
    const int layer = 0, head = 2;
    Intervention iv;
    iv.ablatedHeads = {{layer, head}};
    const DecodeTrace t = decode(*m_transformer, iv);
    const DecodeTrace original = decode(*m_transformer);
    const DecodeNode &n = t.nodes[size_t(t.bestPath()[0])];
    const DecodeNode &o = original.nodes[size_t(original.bestPath()[0])];
    QVERIFY(!n.edited); // its weights are the model's
    compareVectors(n.cross.weights.row(n.cross.rowOf(layer, head)).transpose(),
                   o.cross.weights.row(o.cross.rowOf(layer, head)).transpose(), 0.0f, "ablated head's weights");
    QVERIFY(n.crossOutputs.row(n.cross.rowOf(layer, head)).isZero(0.0f));
    for (int h = 0; h < t.heads(); ++h)
        if (h != head)
            compareVectors(n.crossOutputs.row(n.cross.rowOf(layer, h)).transpose(),
                           o.crossOutputs.row(o.cross.rowOf(layer, h)).transpose(), 0.0f, "other heads' outputs");
    bool laterMoved = false;
    for (int l = layer + 1; l < t.layers(); ++l)
        laterMoved |= !n.crossOutputs.row(n.cross.rowOf(l, 0)).isApprox(o.crossOutputs.row(o.cross.rowOf(l, 0)));
    QVERIFY(t.layers() == 1 || laterMoved);
    QVERIFY(n.topk.front().prob != o.topk.front().prob);
}

void TestIntervention::testNoHeadsNoSource_data()
{
    testDropRenormalises_data();
}

void TestIntervention::testNoHeadsNoSource()
{
    // With every cross-attention head off, a Transformer's decoder cannot
    // see the source: two different sources give the same output and the
    // same probabilities at every step. An RNN's decoder still starts from
    // the encoder's last state; its context is 0 at every step.
    QFETCH(QString, family);
    const Seq2Seq &m = model(family);
    const ModelDescription &d = m.description();
    if (family == "rnn") {
        const DecodeTrace t = decode(m, {{}, {}, {{0, -1}}});
        for (int node : t.bestPath())
            QVERIFY(t.nodes[size_t(node)].context.isZero(0.0f));
        return;
    }
    Intervention iv;
    for (int l = 0; l < d.layers; ++l)
        iv.ablatedHeads.push_back({l, -1});
    const DecodeTrace a = decode(m, iv, kSeed);
    const DecodeTrace b = decode(m, iv, "the dog is big");
    const auto pa = a.bestPath(), pb = b.bestPath();
    QCOMPARE(a.targetTokens(pa), b.targetTokens(pb));
    for (size_t s = 0; s < pa.size(); ++s) {
        QCOMPARE(a.nodes[size_t(pa[s])].logProb, b.nodes[size_t(pb[s])].logProb);
        QCOMPARE(a.nodes[size_t(pa[s])].topk.front().prob, b.nodes[size_t(pb[s])].topk.front().prob);
    }
    const DecodeTrace own = decode(m);
    QVERIFY(a.translation(pa) != own.translation(own.bestPath()));
}

void TestIntervention::testEditedEqualsForced_data()
{
    testDropRenormalises_data();
}

void TestIntervention::testEditedEqualsForced()
{
    // Decoding continues with the model's own choices after the edit: the
    // same intervention with those choices forced gives the same steps.
    QFETCH(QString, family);
    const Seq2Seq &m = model(family);
    Intervention iv;
    iv.edits.push_back(AttentionEdit::oneHot(1, 5));
    iv.droppedSource = {0};
    const DecodeTrace edited = decode(m, iv);
    std::vector<int> ids;
    for (int node : edited.bestPath())
        ids.push_back(edited.nodes[size_t(node)].tokenId);
    auto forced = forceDecodeIds(m, kSeed, ids, iv);
    QVERIFY(forced);
    const auto pe = edited.bestPath(), pf = forced->bestPath();
    QCOMPARE(pf.size(), pe.size());
    for (size_t s = 0; s < pe.size(); ++s) {
        const DecodeNode &a = edited.nodes[size_t(pe[s])], &b = forced->nodes[size_t(pf[s])];
        QCOMPARE(b.tokenId, a.tokenId);
        QCOMPARE(b.logProb, a.logProb);
        QCOMPARE(b.cross.weights, a.cross.weights);
        QCOMPARE(b.edited, a.edited);
    }
    QCOMPARE(forced->intervention, iv);
}

void TestIntervention::testReshapeKeepsTotal()
{
    // The pre-2023 tutorial's weights over the source sum to less than 1;
    // an edit or a drop keeps that total.
    Intervention iv;
    iv.droppedSource = {0};
    Vector w(3);
    w << 0.2f, 0.3f, 0.1f;
    QVERIFY(iv.reshape(w, 0, 0, 0));
    QCOMPARE(w[0], 0.0f);
    QVERIFY(std::abs(w.sum() - 0.6f) < 1e-6f);
    QVERIFY(std::abs(w[1] / w[2] - 3.0f) < 1e-5f);
    Vector none = Vector::Zero(3); // no weight left: the rest share it evenly
    none[0] = 1.0f;
    QVERIFY(iv.reshape(none, 4, 0, 0));
    QCOMPARE(none[1], 0.5f);
    QCOMPARE(none[2], 0.5f);
    Intervention edit;
    edit.edits.push_back(AttentionEdit::oneHot(2, 1, 0, 1));
    Vector row(3);
    row << 0.2f, 0.3f, 0.1f;
    QVERIFY(!edit.reshape(row, 1, 0, 1)); // another step
    QVERIFY(!edit.reshape(row, 2, 0, 0)); // another head
    QVERIFY(edit.reshape(row, 2, 0, 1));
    QCOMPARE(row[1], 0.6f);
    QCOMPARE(row[0] + row[2], 0.0f);
}

void TestIntervention::testCheck_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("position past the source") << 0 << "source position 9 is out of range";
    QTest::newRow("drop past the source") << 1 << "source position 7 is out of range";
    QTest::newRow("every position dropped") << 2 << "every source position is dropped";
    QTest::newRow("no such head") << 3 << "head 3:5 does not exist";
    QTest::newRow("weights not a distribution") << 4 << "non-negative and sum to 1";
}

void TestIntervention::testCheck()
{
    QFETCH(int, kind);
    QFETCH(QString, message);
    Intervention iv;
    switch (kind) {
    case 0: iv.edits.push_back(AttentionEdit::oneHot(0, 9)); break;
    case 1: iv.droppedSource = {7}; break;
    case 2: iv.droppedSource = {0, 1, 2, 2, 3, 4, 5}; break;
    case 3: iv.ablatedHeads = {{2, 4}}; break;
    case 4: {
        AttentionEdit e;
        e.weights = Vector::Constant(6, 0.5f);
        iv.edits.push_back(e);
        break;
    }
    }
    const Result<void> r = iv.check(6, 3, 4);
    QVERIFY(!r);
    QCOMPARE(r.error().kind, ErrorKind::Usage);
    QVERIFY2(QString::fromStdString(r.error().message).contains(message), r.error().message.c_str());
    QVERIFY(Intervention{}.check(6, 3, 4));
}

void TestIntervention::testParse_data()
{
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("ablate");
    QTest::addColumn<bool>("ok");
    QTest::newRow("good") << "2:1" << "1:2,2:*" << true;
    QTest::newRow("step 0") << "0:1" << "1:1" << false;
    QTest::newRow("no colon") << "21" << "1:1" << false;
    QTest::newRow("layer out of range") << "1:1" << "4:1" << false;
    QTest::newRow("head 0") << "1:1" << "1:0" << false;
    QTest::newRow("empty ablation") << "1:1" << "," << false;
}

void TestIntervention::testParse()
{
    QFETCH(QString, edit);
    QFETCH(QString, ablate);
    QFETCH(bool, ok);
    const auto e = parseEditSpec(edit.toStdString());
    const auto a = parseAblateSpec(ablate.toStdString(), 3, 4);
    QCOMPARE(e.ok() && a.ok(), ok);
    if (!ok) {
        QCOMPARE((e ? a.error() : e.error()).kind, ErrorKind::Usage);
        return;
    }
    QCOMPARE(e->step, 1);
    QCOMPARE(e->position, 1);
    QCOMPARE(a->size(), size_t(2));
    QCOMPARE(headRefName(a->at(0)), std::string("1:2"));
    QCOMPARE(a->at(1), (HeadRef{1, -1}));
}

void TestIntervention::testTraceJson()
{
    Intervention iv;
    iv.edits.push_back(AttentionEdit::oneHot(1, 2));
    iv.ablatedHeads = {{0, -1}};
    const DecodeTrace t = decode(*m_transformer, iv);
    const json j = json::parse(traceToJson(t, t.bestPath()));
    QVERIFY(!j["steps"][0].contains("edited"));
    QCOMPARE(j["steps"][1]["edited"].get<bool>(), true);
    QCOMPARE(j["intervention"]["edits"][0]["step"].get<int>(), 2);
    QCOMPARE(j["intervention"]["edits"][0]["position"].get<int>(), 2);
    QCOMPARE(j["intervention"]["ablated_heads"][0].get<std::string>(), std::string("1:*"));
    QVERIFY(!json::parse(traceToJson(decode(*m_transformer), {})).contains("intervention"));
}

void TestIntervention::testHeadImportance()
{
    // Each cell is the fall in log P of the model's own output with that
    // head off, computed here for one cell by hand; the run reports progress to 1.
    const std::vector<std::string> sentences = {kSeed, "the dog is big", "I like apples"};
    double last = 0.0;
    int calls = 0;
    HeadImportanceOptions o;
    o.progress = [&](double f) {
        QVERIFY(f >= last);
        last = f;
        ++calls;
    };
    auto grid = headImportance(*m_transformer, sentences, o);
    QVERIFY2(grid, grid ? "" : grid.error().message.c_str());
    QCOMPARE(grid->layers, m_transformer->description().layers);
    QCOMPARE(grid->drop.rows(), Eigen::Index(grid->layers));
    QCOMPARE(grid->drop.cols(), Eigen::Index(grid->heads));
    QCOMPARE(grid->sentences, 3);
    QVERIFY(grid->drop.allFinite());
    QCOMPARE(last, 1.0);
    QCOMPARE(calls, 3 * (grid->layers * grid->heads + grid->layers + 1));
    double expected = 0.0;
    for (const std::string &s : sentences) {
        const DecodeTrace own = decode(*m_transformer, {}, s);
        std::vector<int> ids;
        double base = 0.0;
        for (int node : own.bestPath()) {
            ids.push_back(own.nodes[size_t(node)].tokenId);
            base += own.nodes[size_t(node)].logProb;
        }
        auto off = forceDecodeIds(*m_transformer, s, ids, {{}, {}, {{1, 2}}});
        QVERIFY(off);
        double ablated = 0.0;
        for (int node : off->bestPath())
            ablated += off->nodes[size_t(node)].logProb;
        expected += (base - ablated) / 3.0;
    }
    QVERIFY2(std::abs(grid->drop(1, 2) - expected) < 1e-4, std::to_string(grid->drop(1, 2)).c_str());
    QVERIFY(grid->layerDrop.maxCoeff() > grid->drop.maxCoeff()); // a whole layer off costs more than one head
    auto bad = headImportance(*m_transformer, {kSeed, ""});
    QVERIFY(!bad);
    QVERIFY(QString::fromStdString(bad.error().message).startsWith("sentence 2: "));
}

void TestIntervention::testHeadImportanceCancel()
{
    std::atomic<bool> cancel{true};
    HeadImportanceOptions o;
    o.cancel = &cancel;
    auto grid = headImportance(*m_transformer, {kSeed, kSeed}, o);
    QVERIFY(!grid);
    QCOMPARE(grid.error().kind, ErrorKind::Cancelled);
}

QTEST_APPLESS_MAIN(TestIntervention)
#include "testintervention.moc"
