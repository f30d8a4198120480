#pragma once
// Runs the alignscope-cli under test (its path is ALIGNSCOPE_CLI, set by
// the test's CMake target) as a process and keeps what it printed: the
// tests of the command line's contract (exit codes, one-line errors,
// output files) share it.

#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace alignscope::testing {

struct CliRun {
    int code = -1; ///< exit code; -1: did not start or finish in time, -2: crashed
    QByteArray out;
    QByteArray err;
};

/// `input` is the process's standard input, closed after it (a command that
/// reads standard input when it is not a terminal must not wait forever).
inline CliRun runCli(const QStringList &args, int timeoutMs = 120000, const QByteArray &input = {})
{
    QProcess p;
    p.start(QStringLiteral(ALIGNSCOPE_CLI), args);
    CliRun r;
    const bool started = p.waitForStarted(10000);
    if (started) {
        p.write(input);
        p.closeWriteChannel();
    }
    if (!started || !p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(1000);
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

/// "exit N, stdout ..., stderr ..." for a failed check's message.
inline QString describe(const CliRun &r)
{
    return QString("exit %1, stdout \"%2\", stderr \"%3\"").arg(r.code).arg(QString::fromUtf8(r.out.left(300)),
                                                                           QString::fromUtf8(r.err.left(300)));
}

inline bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

/// `alignscope-cli init` of a tiny untrained bigru + Bahdanau model (8 units, seed 3) over the vocabularies
/// "the cat sat on mat" and "le chat est assis sur tapis", written to DIR/model.safetensors.
inline CliRun initTinyModel(const QString &dir, QString *modelPath)
{
    const QString source = dir + "/source.vocab", target = dir + "/target.vocab";
    *modelPath = dir + "/model.safetensors";
    if (!writeFile(source, "<pad>\n<sos>\n<eos>\n<unk>\nthe\ncat\nsat\non\nmat\n")
        || !writeFile(target, "<pad>\n<sos>\n<eos>\n<unk>\nle\nchat\nest\nassis\nsur\ntapis\n"))
        return CliRun{-1, {}, "cannot write the vocabularies into " + dir.toUtf8()};
    return runCli({"init", "--encoder", "bigru", "--decoder", "bahdanau", "--scorer", "additive", "--source-vocab",
                   source, "--target-vocab", target, "--embedding", "8", "--hidden", "8", "--seed", "3", "--out",
                   *modelPath});
}

} // namespace alignscope::testing
