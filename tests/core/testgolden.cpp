// The bundled models' decodes stay what they were: every field of the
// golden traces (made by tests/data/golden/make_golden.sh) must come back
// from `translate --json`, and the CSV / Pharaoh / Nematus exports field
// for field. New fields may be added; none may change. Text and integers
// compare exactly; floats within 2e-4 (absolute plus relative): a sanitizer
// build (-O1, no FMA contraction) rounds differently from the Release build
// the goldens were made with, and float32 recurrences carry that over the
// steps (up to ~1e-5 seen); the Release build matches them bit for bit.

#include "common/clirun.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QRegularExpression>
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

const char *const kModels[] = {"additive", "concat", "dot", "general", "local-p", "location", "scaled-dot",
                               "transformer"};
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

bool closeEnough(double want, double got)
{
    return std::abs(want - got) <= 2e-4 * (1.0 + std::abs(want));
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
    if (want.is_number_float() && got.is_number())
        return closeEnough(want.get<double>(), got.get<double>()) ? std::string()
                                                                  : at + ": " + got.dump() + " instead of " + want.dump();
    return want == got ? std::string() : at + ": " + got.dump() + " instead of " + want.dump();
}

/// The fields of an export (split at commas, spaces and line ends), numbers
/// compared as in firstDifference.
QString exportDifference(const QByteArray &want, const QByteArray &got)
{
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    const QStringList w = QString::fromUtf8(want).split(separators), g = QString::fromUtf8(got).split(separators);
    if (w.size() != g.size())
        return QStringLiteral("%1 fields instead of %2").arg(g.size()).arg(w.size());
    for (int i = 0; i < w.size(); ++i) {
        bool wn = false, gn = false;
        const double a = w[i].toDouble(&wn), b = g[i].toDouble(&gn);
        const bool integer = !w[i].contains(QLatin1Char('.')) && !w[i].contains(QLatin1Char('e'));
        if (wn && gn && !integer ? !closeEnough(a, b) : w[i] != g[i])
            return QStringLiteral("field %1: %2 instead of %3").arg(i).arg(g[i], w[i]);
    }
    return {};
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
    const QString d = exportDifference(golden, run.out);
    QVERIFY2(d.isEmpty(), qPrintable(d));
}

QTEST_APPLESS_MAIN(TestGolden)
#include "testgolden.moc"
