// `alignscope-cli help`, `help COMMAND`, `COMMAND --help` and `COMMAND -h`
// (issue #22): every command's usage on stdout, exit 0, the same text
// whichever way it is asked for; an unknown command is a usage error.

#include "common/clirun.h"

#include <QtTest>

namespace {

using alignscope::testing::describe;
using alignscope::testing::runCli;
using Outcome = alignscope::testing::CliRun;

const QStringList kCommands = {"translate", "inspect", "init", "train", "eval",
                               "compare", "export", "import", "bench"};

} // namespace

class TestCliHelp : public QObject {
    Q_OBJECT

private slots:
    void testEveryCommandListed();
    void testCommandHelp_data();
    void testCommandHelp();
    void testHelpAfterOtherOptions();
    void testUnknown_data();
    void testUnknown();
};

void TestCliHelp::testEveryCommandListed()
{
    for (const QStringList &args : {QStringList{"help"}, QStringList{"--help"}, QStringList{"-h"}}) {
        const Outcome o = runCli(args);
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        QVERIFY(o.err.isEmpty());
        for (const QString &c : kCommands)
            QVERIFY2(o.out.contains(("\n  " + c + " ").toUtf8()), qPrintable(c));
    }
}

void TestCliHelp::testCommandHelp_data()
{
    QTest::addColumn<QString>("command");
    for (const QString &c : kCommands)
        QTest::newRow(qPrintable(c)) << c;
}

void TestCliHelp::testCommandHelp()
{
    QFETCH(QString, command);
    const Outcome viaHelp = runCli({"help", command});
    QVERIFY2(viaHelp.code == 0, qPrintable(describe(viaHelp)));
    QVERIFY(viaHelp.err.isEmpty());
    QVERIFY2(viaHelp.out.startsWith(("usage: alignscope-cli " + command + " ").toUtf8()), viaHelp.out.constData());
    QVERIFY(viaHelp.out.contains("Exit codes: 0 ok, 2 usage"));
    for (const char *flag : {"--help", "-h"}) {
        const Outcome o = runCli({command, flag});
        QVERIFY2(o.code == 0, qPrintable(describe(o)));
        QVERIFY(o.err.isEmpty());
        QCOMPARE(o.out, viaHelp.out);
    }
}

void TestCliHelp::testHelpAfterOtherOptions()
{
    // --help wins over options that would otherwise be usage errors.
    const Outcome o = runCli({"import", "--bogus", "--help"});
    QVERIFY2(o.code == 0, qPrintable(describe(o)));
    QVERIFY(o.out.startsWith("usage: alignscope-cli import "));
    // After `--` it is a positional like any other: here a sentence.
    const Outcome p = runCli({"translate", "--", "--help"});
    QCOMPARE(p.code, 2); // no --model
    QVERIFY(p.out.isEmpty());
}

void TestCliHelp::testUnknown_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("help FOO") << QStringList{"help", "frobnicate"};
    QTest::newRow("help two names") << QStringList{"help", "translate", "train"};
    QTest::newRow("FOO --help") << QStringList{"frobnicate", "--help"};
}

void TestCliHelp::testUnknown()
{
    QFETCH(QStringList, args);
    const Outcome o = runCli(args);
    QCOMPARE(o.code, 2);
    QVERIFY(o.out.isEmpty());
    QVERIFY2(o.err.startsWith("alignscope-cli: ") && o.err.count('\n') == 1, o.err.constData());
}

QTEST_APPLESS_MAIN(TestCliHelp)
#include "testclihelp.moc"
