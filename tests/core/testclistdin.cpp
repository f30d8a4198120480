// `translate` reading sentences from standard input (issue #22): with `-`
// or with no sentence while stdin is not a terminal (a QProcess pipe here),
// one output line per input line, plain or one compact trace JSON per line.

#include "common/clirun.h"

#include <QtTest>

#include <QTemporaryDir>

#include <nlohmann/json.hpp>

namespace {

using alignscope::testing::describe;
using alignscope::testing::runCli;
using alignscope::testing::writeFile;
using Outcome = alignscope::testing::CliRun;

QList<QByteArray> outputLines(const QByteArray &out)
{
    QList<QByteArray> lines = out.split('\n');
    if (!lines.isEmpty() && lines.back().isEmpty())
        lines.removeLast();
    return lines;
}

} // namespace

class TestCliStdin : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void testPlain_data();
    void testPlain();
    void testJsonLines();
    void testBadLine();
    void testEmptyInput();

private:
    QByteArray single(const QString &sentence);

    QTemporaryDir m_dir;
    QString m_model;
};

void TestCliStdin::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const Outcome o = alignscope::testing::initTinyModel(m_dir.path(), &m_model);
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
}

/// The translation of one sentence given as an argument.
QByteArray TestCliStdin::single(const QString &sentence)
{
    const Outcome o = runCli({"translate", "--model", m_model, sentence});
    return o.code == 0 ? o.out.trimmed() : QByteArray("<failed>");
}

void TestCliStdin::testPlain_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("input");
    QTest::newRow("-") << QStringList{"-"} << QByteArray("the cat sat\n\nthe mat\n");
    QTest::newRow("no sentence, stdin a pipe") << QStringList{} << QByteArray("the cat sat\n\nthe mat\n");
    QTest::newRow("CRLF, no final newline") << QStringList{"-"} << QByteArray("the cat sat\r\n\r\nthe mat");
    QTest::newRow("blank line") << QStringList{"-"} << QByteArray("the cat sat\n \t \nthe mat\n");
}

void TestCliStdin::testPlain()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, input);
    const Outcome o = runCli(QStringList{"translate", "--model", m_model} + args, 120000, input);
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    QVERIFY(o.err.isEmpty());
    const QList<QByteArray> lines = outputLines(o.out);
    QCOMPARE(lines.size(), 3);
    QCOMPARE(lines[0], single("the cat sat"));
    QCOMPARE(lines[1], QByteArray()); // an empty line stays an empty line
    QCOMPARE(lines[2], single("the mat"));
    QVERIFY(!lines[0].isEmpty());
}

void TestCliStdin::testJsonLines()
{
    const Outcome o = runCli({"translate", "--model", m_model, "--json", "-"}, 120000, "the cat sat\n\nthe mat\n");
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    const QList<QByteArray> lines = outputLines(o.out);
    QCOMPARE(lines.size(), 3); // one compact object per line
    const Outcome whole = runCli({"translate", "--model", m_model, "--json", "the cat sat"});
    QVERIFY2(whole.code == 0, qPrintable(describe(whole)));
    const auto first = nlohmann::json::parse(lines[0].toStdString());
    QCOMPARE(first, nlohmann::json::parse(whole.out.toStdString())); // the same trace as one sentence's
    QCOMPARE(nlohmann::json::parse(lines[1].toStdString()), nlohmann::json::object());
    const auto third = nlohmann::json::parse(lines[2].toStdString());
    QCOMPARE(QByteArray::fromStdString(third.at("translation").get<std::string>()), single("the mat"));
    QVERIFY(third.at("steps").is_array());
}

void TestCliStdin::testBadLine()
{
    // A line that cannot be translated: its error on stderr with its line
    // number, an empty (or error-object) line out, the rest still translated, exit 4.
    const QByteArray input("the cat\n\x01\x02\x1b\nthe mat\n");
    const Outcome o = runCli({"translate", "--model", m_model, "-"}, 120000, input);
    QCOMPARE(o.code, 4);
    QVERIFY2(o.err.startsWith("alignscope-cli: line 2: ") && o.err.count('\n') == 1, o.err.constData());
    const QList<QByteArray> lines = outputLines(o.out);
    QCOMPARE(lines.size(), 3);
    QCOMPARE(lines[0], single("the cat"));
    QCOMPARE(lines[1], QByteArray());
    QCOMPARE(lines[2], single("the mat"));

    const Outcome j = runCli({"translate", "--model", m_model, "--json"}, 120000, input);
    QCOMPARE(j.code, 4);
    const QList<QByteArray> jl = outputLines(j.out);
    QCOMPARE(jl.size(), 3);
    const auto bad = nlohmann::json::parse(jl[1].toStdString());
    QCOMPARE(bad.at("line").get<int>(), 2);
    QVERIFY(bad.at("error").is_string());
    QVERIFY(nlohmann::json::parse(jl[2].toStdString()).contains("steps"));
}

void TestCliStdin::testEmptyInput()
{
    const Outcome o = runCli({"translate", "--model", m_model, "-"}, 120000, QByteArray());
    QCOMPARE(o.code, 2);
    QVERIFY(o.out.isEmpty());
    QVERIFY2(o.err.startsWith("alignscope-cli: ") && o.err.count('\n') == 1, o.err.constData());
}

QTEST_APPLESS_MAIN(TestCliStdin)
#include "testclistdin.moc"
