// The explain panel's equations follow the decoder the trace came from: the
// pre-2023 PyTorch tutorial's decoder scores MAX_LENGTH slots from
// [emb(y_{t-1}); s_{t-1}] and does not renormalise the source weights.

#include "decode/decodecontroller.h"
#include "attention/explainpanel.h"
#include "decode/tracemodel.h"

#include "alignscope/decode.h"
#include "alignscope/model.h"
#include "alignscope/pytorch.h"

#include <QtTest>

using namespace alignscope;
using namespace alignscope::ui;

class TestExplainPanel : public QObject {
    Q_OBJECT

private slots:
    void testLegacyTutorialFormula();
    void testAdditiveFormula();
    void testTransformerHeadNumbers();

private:
    static QString explainFirstCell(const RnnModel &model, const std::string &sentence);
};

QString TestExplainPanel::explainFirstCell(const RnnModel &model, const std::string &sentence)
{
    auto trace = translate(model, sentence, {});
    if (!trace)
        return QString::fromStdString("translate failed: " + trace.error().message);
    TraceModel m;
    m.setTrace(std::make_shared<const DecodeTrace>(std::move(trace.value())));
    m.selectCell(0, 1);
    return explainHtml(m);
}

void TestExplainPanel::testLegacyTutorialFormula()
{
    PyTorchImportOptions o;
    o.architecture = PyTorchArchitecture::TutorialLegacy;
    o.checkpoint = ALIGNSCOPE_TEST_DATA_DIR "/pytorch/legacy_h16.pt";
    o.sourceTokens = {"SOS", "EOS", "je", "suis", "tu", "es", "il", "est", "au", "cafe", "en", "retard"};
    o.targetTokens = {"SOS", "EOS", "i", "am", "you", "are", "he", "is", "at", "late", "cafe"};
    auto model = importPyTorch(o);
    QVERIFY2(model, model ? "" : model.error().message.c_str());
    const QString html = explainFirstCell(model.value(), "il est au cafe");
    QVERIFY2(html.contains(QStringLiteral("[emb(y<sub>t−1</sub>) ; s<sub>t−1</sub>]")), qPrintable(html));
    QVERIFY2(html.contains(QStringLiteral("MAX_LENGTH")), qPrintable(html));
    QVERIFY2(html.contains(QStringLiteral("not renormalised")), qPrintable(html));
    // Not the location scorer's W_a s_t, nor a softmax over the source alone.
    QVERIFY2(!html.contains(QStringLiteral("the position j, not h")), qPrintable(html));
    QVERIFY2(!html.contains(QStringLiteral("masks or windows")), qPrintable(html));
}

void TestExplainPanel::testAdditiveFormula()
{
    auto path = resolveModelPath("additive");
    if (!path)
        QSKIP("needs the bundled additive model");
    auto model = RnnModel::load(path.value());
    QVERIFY(model);
    const QString html = explainFirstCell(model.value(), "the cat sat on the mat");
    QVERIFY2(html.contains(QStringLiteral("v<sub>a</sub><sup>⊤</sup> tanh(W<sub>a</sub> s<sub>t−1</sub>")),
             qPrintable(html));
    QVERIFY2(!html.contains(QStringLiteral("MAX_LENGTH")), qPrintable(html));
}

// A Transformer's focused head: its query and key, q·k and the 1/√dk that
// make the trace's e, the softmax, and its output Σ α v before W_o; a mean
// over heads says how to see those numbers.
void TestExplainPanel::testTransformerHeadNumbers()
{
    auto opened = openModel("transformer");
    if (!opened)
        QSKIP("needs the bundled transformer");
    auto trace = translate(*opened.value(), "the cat sat on the mat");
    QVERIFY(trace);
    TraceModel m;
    m.setTrace(std::make_shared<const DecodeTrace>(std::move(trace.value())));
    m.setSelection(HeadSelection::of(1, 2)); // layer 2, head 3
    m.selectCell(1, 1);                      // "chat" over "cat"
    const QString html = explainHtml(m);
    const DecodeNode &node = *m.currentNode();
    const int row = node.cross.rowOf(1, 2);
    const double dot = node.crossQueries.row(row).dot(m.trace()->crossKeys[1].row(1).segment(2 * 16, 16));
    QVERIFY2(html.contains(QStringLiteral("q·k = %1").arg(QString::number(dot, 'f', 4).replace(QLatin1Char('-'), QChar(0x2212)))),
             qPrintable(html));
    QVERIFY2(html.contains(QStringLiteral("/ √16")), qPrintable(html));
    // The score shown equals the trace's to the 4 digits printed.
    const QString e = QString::number(dot / 4.0, 'f', 4).replace(QLatin1Char('-'), QChar(0x2212));
    QVERIFY2(html.contains(QStringLiteral("= %1</b> (the trace: %1)").arg(e)), qPrintable(html));
    QVERIFY2(html.contains(QStringLiteral("Output of head 3")), qPrintable(html));
    QVERIFY2(html.contains(QStringLiteral("softmax over j")), qPrintable(html));
    m.setSelection(HeadSelection{});
    QVERIFY2(explainHtml(m).contains(QStringLiteral("Pick one head")), qPrintable(explainHtml(m)));
}

QTEST_MAIN(TestExplainPanel)
#include "testexplainpanel.moc"
