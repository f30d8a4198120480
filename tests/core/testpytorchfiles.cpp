// PyTorch checkpoints that fuzzing found to break the reader (zip directory,
// restricted unpickler, storage checks), kept in tests/data/malformed/pytorch
// with their expected messages in expected.tsv. Each must be refused with one
// line naming the file, from disk and from memory alike.

#include "alignscope/pytorch.h"

#include <QDir>
#include <QFile>
#include <QTest>

using namespace alignscope;

namespace {

const QString kCorpusDir = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/malformed/pytorch");

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestPyTorchFiles : public QObject {
    Q_OBJECT

private slots:
    void testMalformedCorpus_data();
    void testMalformedCorpus();
    void testCorpusIsIndexed();
};

void TestPyTorchFiles::testMalformedCorpus_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QString>("expected");
    const QByteArray index = readAll(kCorpusDir + QStringLiteral("/expected.tsv"));
    QVERIFY2(!index.isEmpty(), "missing tests/data/malformed/pytorch/expected.tsv");
    for (const QByteArray &line : index.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> fields = line.split('\t');
        QVERIFY2(fields.size() == 2, line.constData());
        QTest::newRow(fields[0].constData()) << QString::fromUtf8(fields[0]) << QString::fromUtf8(fields[1]);
    }
}

void TestPyTorchFiles::testMalformedCorpus()
{
    QFETCH(QString, fileName);
    QFETCH(QString, expected);
    const std::string path = (kCorpusDir + u'/' + fileName).toStdString();
    QVERIFY2(QFile::exists(QString::fromStdString(path)), path.c_str());

    auto opened = PyTorchCheckpoint::open(path);
    QVERIFY2(!opened, "a malformed checkpoint was accepted");
    const Error &error = opened.error();
    QCOMPARE(error.kind, ErrorKind::BadFile);
    QCOMPARE(QString::fromStdString(error.message), QString::fromStdString(path) + ": " + expected);

    const QByteArray bytes = readAll(QString::fromStdString(path));
    auto fromMemory = PyTorchCheckpoint::fromBytes({bytes.begin(), bytes.end()}, "label");
    QVERIFY(!fromMemory);
    QCOMPARE(QString::fromStdString(fromMemory.error().message), "label: " + expected);
}

void TestPyTorchFiles::testCorpusIsIndexed()
{
    const QByteArray index = readAll(kCorpusDir + QStringLiteral("/expected.tsv"));
    const QStringList files = QDir(kCorpusDir).entryList({QStringLiteral("*.pt")}, QDir::Files);
    QVERIFY(!files.isEmpty());
    for (const QString &file : files)
        QVERIFY2(index.contains('\n' + file.toUtf8() + '\t'), qPrintable(file + " has no expected message"));
}

QTEST_APPLESS_MAIN(TestPyTorchFiles)
#include "testpytorchfiles.moc"
