// `train` with stderr going to a file (a log, CI, nohup; issue #22): a
// plain progress line at least every ALIGNSCOPE_PROGRESS_SECONDS (30 by
// default) with percent, epoch, loss, tokens/s and ETA, besides one line
// per epoch, and no terminal control characters.

#include <QtTest>

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

namespace {

struct Run {
    int code = -1;
    QByteArray err; ///< what went to the stderr file
};

/// A short `train` run with stderr redirected to a file; `interval` unset: the default.
Run train(const QTemporaryDir &dir, const QString &interval, const QString &name)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("ALIGNSCOPE_PROGRESS_SECONDS");
    if (!interval.isNull())
        env.insert("ALIGNSCOPE_PROGRESS_SECONDS", interval);
    p.setProcessEnvironment(env);
    const QString log = dir.filePath(name + ".log");
    p.setStandardErrorFile(log);
    p.start(QStringLiteral(ALIGNSCOPE_CLI),
            {"train", "--task", "dates", "--train-size", "300", "--dev-size", "10", "--test-size", "10", "--epochs",
             "2", "--batch", "16", "--hidden", "16", "--embedding", "8", "--eval-sentences", "2", "--out",
             dir.filePath(name + ".safetensors")});
    Run r;
    if (!p.waitForStarted(10000) || !p.waitForFinished(300000)) {
        p.kill();
        p.waitForFinished(1000);
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    QFile f(log);
    if (f.open(QIODevice::ReadOnly))
        r.err = f.readAll();
    return r;
}

QStringList linesStartingWith(const QByteArray &text, const QString &prefix)
{
    QStringList out;
    for (const QString &line : QString::fromUtf8(text).split('\n'))
        if (line.startsWith(prefix))
            out << line;
    return out;
}

} // namespace

class TestTrainProgress : public QObject {
    Q_OBJECT

private slots:
    void testProgressLinesInLog();
    void testDefaultIntervalIsQuietOnShortRuns();
    void testBadInterval();

private:
    QTemporaryDir m_dir;
};

void TestTrainProgress::testProgressLinesInLog()
{
    const Run r = train(m_dir, "0.001", "fast");
    QVERIFY2(r.code == 0, r.err.constData());
    QVERIFY2(!r.err.contains('\r') && !r.err.contains('\x1b'), "terminal control characters in a log");
    const QStringList progress = linesStartingWith(r.err, "progress ");
    QVERIFY2(progress.size() >= 2, r.err.constData()); // many batches per epoch: lines in both epochs
    const QRegularExpression shape(R"(^progress \d+\.\d%  epoch [12]/2  step \d+/\d+  loss \d+\.\d{4}  \d+ tok/s  )"
                                   R"(ETA \d+:\d\d:\d\d$)");
    for (const QString &line : progress)
        QVERIFY2(shape.match(line).hasMatch(), qPrintable(line));
    QVERIFY(!linesStartingWith(r.err, "progress ").filter(" epoch 2/2 ").isEmpty());
    QCOMPARE(linesStartingWith(r.err, "epoch ").size(), 2); // one per epoch, as before

    // The first line says what the run will do, with the estimate per epoch.
    const QString first = QString::fromUtf8(r.err).section('\n', 0, 0);
    const QRegularExpression plan(R"(^training .+ on 300 pairs \(dates\), vocabularies \d+/\d+ \((word|char)/(word|char)\), )"
                                  R"(\d+ parameters; estimated (\d+\.\d s|\d+:\d\d:\d\d) per epoch, (\d+\.\d s|\d+:\d\d:\d\d) )"
                                  R"(for 2 epochs$)");
    QVERIFY2(plan.match(first).hasMatch(), qPrintable(first));
}

void TestTrainProgress::testDefaultIntervalIsQuietOnShortRuns()
{
    // The run takes a few seconds: under 30, so only the epoch lines.
    const Run r = train(m_dir, QString(), "default");
    QVERIFY2(r.code == 0, r.err.constData());
    QVERIFY2(linesStartingWith(r.err, "progress ").isEmpty(), r.err.constData());
    QCOMPARE(linesStartingWith(r.err, "epoch ").size(), 2);
}

void TestTrainProgress::testBadInterval()
{
    for (const char *bad : {"0", "-1", "soon", ""}) {
        const Run r = train(m_dir, QString::fromLatin1(bad), "bad");
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("ALIGNSCOPE_PROGRESS_SECONDS"), r.err.constData());
    }
}

QTEST_APPLESS_MAIN(TestTrainProgress)
#include "testtrainprogress.moc"
