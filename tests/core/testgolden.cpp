// The bundled models' decodes stay what they were: every field of the
// golden traces (made by tests/data/golden/make_golden.sh) must come back
// unchanged from `translate --json`, and the CSV / Pharaoh / Nematus
// exports byte for byte. New fields may be added; none may change.

#include "common/clirun.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QtTest>

using json = nlohmann::json;
using alignscope::testing::runCli;

class TestGolden : public QObject {
    Q_OBJECT

private slots:
    void testTraces_data();
    void testTraces();
    void testExports_data();
    void testExports();
};

namespace {

const char *const kModels[] = {"additive", "concat", "dot", "general", "local-p", "location", "scaled-dot"};
const char *const kSentences[] = {"The cat sat on the mat", "the zebras quickly saw a small dog near the river"};

QString goldenPath(const QString &name) { return QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/golden/") + name; }

QByteArray readGolden(const QString &name)
{
    QFile f(goldenPath(name));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// The CLI's output for the current row: `args` then the row's sentence.
alignscope::testing::CliRun runRow(QStringList args)
{
    QFETCH(QString, model);
    QFETCH(QString, sentence);
    args.insert(1, QStringLiteral("--model"));
    args.insert(2, model);
    return runCli(args << sentence);
}

/// Where `got` differs from `want` on want's own fields ("" when it does not).
std::string firstDifference(const json &want, const json &got, const std::string &at)
{
    if (want.is_object()) {
        for (const auto &[key, value] : want.items()) {
            if (!got.is_object() || !got.contains(key))
                return at + "." + key + " is missing";
            if (auto d = firstDifference(value, got.at(key), at + "." + key); !d.empty())
                return d;
        }
        return {};
    }
    if (want.is_array()) {
        if (!got.is_array() || got.size() != want.size())
            return at + " has " + std::to_string(got.size()) + " entries, not " + std::to_string(want.size());
        for (size_t i = 0; i < want.size(); ++i)
            if (auto d = firstDifference(want[i], got[i], at + "[" + std::to_string(i) + "]"); !d.empty())
                return d;
        return {};
    }
    return want == got ? std::string() : at + ": " + got.dump() + " instead of " + want.dump();
}

void addRows(const QStringList &kinds)
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("sentence");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("file");
    for (const char *model : kModels)
        for (int s = 0; s < 2; ++s)
            for (const QString &kind : kinds) {
                const QString file = QStringLiteral("%1.%2.%3").arg(model).arg(s).arg(kind);
                QTest::newRow(qPrintable(file)) << QString(model) << QString(kSentences[s]) << kind << file;
            }
}

} // namespace

void TestGolden::testTraces_data()
{
    addRows({QStringLiteral("greedy.json"), QStringLiteral("beam3.json")});
}

void TestGolden::testTraces()
{
    QFETCH(QString, kind);
    QFETCH(QString, file);
    const QByteArray golden = readGolden(file);
    QVERIFY2(!golden.isEmpty(), qPrintable(goldenPath(file) + " is missing; run make_golden.sh"));
    QStringList args = {QStringLiteral("translate"), QStringLiteral("--json")};
    if (kind.startsWith(QLatin1String("beam")))
        args << QStringLiteral("--beam") << QStringLiteral("3");
    const auto run = runRow(args);
    QVERIFY2(run.code == 0, qPrintable(alignscope::testing::describe(run)));
    const std::string d = firstDifference(json::parse(golden.toStdString()), json::parse(run.out.toStdString()), "");
    QVERIFY2(d.empty(), d.c_str());
}

void TestGolden::testExports_data()
{
    addRows({QStringLiteral("csv"), QStringLiteral("pharaoh"), QStringLiteral("nematus")});
}

void TestGolden::testExports()
{
    QFETCH(QString, kind);
    QFETCH(QString, file);
    const QByteArray golden = readGolden(file);
    QVERIFY2(!golden.isEmpty(), qPrintable(goldenPath(file) + " is missing; run make_golden.sh"));
    const auto run = runRow({QStringLiteral("export"), QStringLiteral("--format"), kind});
    QVERIFY2(run.code == 0, qPrintable(alignscope::testing::describe(run)));
    QCOMPARE(run.out, golden);
}

QTEST_APPLESS_MAIN(TestGolden)
#include "testgolden.moc"
