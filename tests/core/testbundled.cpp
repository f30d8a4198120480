// The bundled models keep the promises of their model card
// (resources/models/README.md): each translates the held-out seed sentence
// exactly, at the step that writes "chat" some head's largest weight is on
// "cat", and each reaches at least 95 % exact match on the en-fr test split
// (checked here on its first 200 pairs, the whole split in the card).

#include "alignscope/decode.h"
#include "alignscope/model.h"
#include "alignscope/recipes.h"
#include "alignscope/train.h"

#include <QtTest>

using namespace alignscope;

class TestBundled : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        const auto names = bundledModelNames();
        for (const char *expected : {"additive", "dot", "general", "concat", "scaled-dot", "location", "local-p",
                                     "transformer"})
            QVERIFY2(std::find(names.begin(), names.end(), expected) != names.end(), expected);
    }

    void testSeedSentence_data()
    {
        QTest::addColumn<QString>("name");
        for (const std::string &n : bundledModelNames(SourceKind::Text))
            QTest::newRow(n.c_str()) << QString::fromStdString(n);
    }

    void testSeedSentence()
    {
        QFETCH(QString, name);
        auto model = openModel(name.toStdString());
        QVERIFY(model.ok());
        auto trace = translate(*model.value(), "The cat sat on the mat");
        QVERIFY(trace.ok());
        const std::vector<int> path = trace->bestPath();
        QCOMPARE(QString::fromStdString(trace->translation(path)), QStringLiteral("le chat s'est assis sur le tapis"));
        const std::vector<std::string> target = trace->targetTokens(path);
        const auto chat = std::find(target.begin(), target.end(), "chat") - target.begin();
        const auto &source = trace->source.labels;
        const int cat = int(std::find(source.begin(), source.end(), "cat") - source.begin());
        bool someHead = false;
        for (int l = 0; l < trace->layers(); ++l)
            for (int h = 0; h < trace->heads(); ++h) {
                const Matrix w = trace->weightMatrix(path, HeadSelection::of(l, h));
                Eigen::Index best;
                w.row(chat).maxCoeff(&best);
                someHead = someHead || best == cat;
            }
        QVERIFY2(someHead, "no head puts its largest weight on \"cat\" when writing \"chat\"");
    }

    void testExactMatch_data() { testSeedSentence_data(); }

    void testExactMatch()
    {
        QFETCH(QString, name);
        auto model = openModel(name.toStdString());
        QVERIFY(model.ok());
        auto task = prepareTask({});
        QVERIFY(task.ok());
        auto m = evaluate(*model.value(), task->splits.test, {200, false});
        QVERIFY(m.ok());
        QVERIFY2(m->exactMatch >= 0.95, qPrintable(QStringLiteral("exact match %1").arg(m->exactMatch)));
    }
};

QTEST_APPLESS_MAIN(TestBundled)
#include "testbundled.moc"
