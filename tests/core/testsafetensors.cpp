// Tests of the safetensors reader/writer and writeFileAtomically: round
// trips, dtype decoding, the committed corpus of malformed files, every
// truncation of a valid file, and failed atomic writes that must keep the
// previous file.

#include "alignscope/safetensors.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <csignal>
#include <algorithm>
#include <limits>

using namespace alignscope;

using TensorMap = std::map<std::string, FloatTensor>;
using StringMap = std::map<std::string, std::string>;
Q_DECLARE_METATYPE(TensorMap)
Q_DECLARE_METATYPE(StringMap)

namespace {

const QString kCorpusDir = QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/malformed/safetensors");

std::vector<std::uint8_t> toBytes(const QByteArray &data)
{
    return {data.begin(), data.end()};
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeAll(const QString &path, const QByteArray &data)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(data), data.size());
}

// A one-tensor file named "t", written by hand so that other dtypes than the
// writer's F32 can be tested.
QByteArray handMadeFile(const QByteArray &dtype, qsizetype count, const QByteArray &data)
{
    const QByteArray header = "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + QByteArray::number(count)
        + "],\"data_offsets\":[0," + QByteArray::number(data.size()) + "]}}";
    QByteArray file(8, '\0');
    const quint64 length = quint64(header.size());
    for (int i = 0; i < 8; ++i)
        file[i] = char((length >> (8 * i)) & 0xff);
    return file + header + data;
}

template <typename Unsigned>
QByteArray littleEndian(std::initializer_list<Unsigned> values)
{
    QByteArray out;
    for (Unsigned v : values)
        for (std::size_t i = 0; i < sizeof(Unsigned); ++i)
            out += char((v >> (8 * i)) & 0xff);
    return out;
}

QByteArray f32Bytes(std::initializer_list<float> values)
{
    QByteArray out;
    for (float v : values)
        out += littleEndian<quint32>({std::bit_cast<quint32>(v)});
    return out;
}

QByteArray f64Bytes(std::initializer_list<double> values)
{
    QByteArray out;
    for (double v : values)
        out += littleEndian<quint64>({std::bit_cast<quint64>(v)});
    return out;
}

bool isOneLine(const std::string &message)
{
    return !message.empty() && message.find('\n') == std::string::npos && message.find('\r') == std::string::npos;
}

QStringList leftoverTempFiles(const QString &dir)
{
    return QDir(dir).entryList({QStringLiteral("*.tmp-*")}, QDir::Files | QDir::Hidden);
}

// Two tensors, metadata, and one empty tensor: the valid file every
// truncation and mutation test starts from.
QByteArray validFile(const QString &dir)
{
    const std::string path = (dir + QStringLiteral("/valid.safetensors")).toStdString();
    const TensorMap tensors{{"decoder.out.weight", {{2, 3}, {1, 2, 3, 4, 5, 6}}},
                            {"empty", {{0}, {}}},
                            {"encoder.bias", {{2}, {-0.5f, 0.25f}}}};
    const auto written = writeSafetensors(path, tensors, {{"epoch", "3"}});
    return written ? readAll(QString::fromStdString(path)) : QByteArray();
}

quint64 headerLength(const QByteArray &file)
{
    quint64 length = 0;
    for (int i = 7; i >= 0; --i)
        length = (length << 8) | quint8(file[i]);
    return length;
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private slots:
    void testRoundTrip_data();
    void testRoundTrip();
    void testWrittenLayout();
    void testDecode_data();
    void testDecode();
    void testNonFinite_data();
    void testNonFinite();
    void testMalformedCorpus_data();
    void testMalformedCorpus();
    void testCorpusIsIndexed();
    void testEveryTruncation();
    void testMutatedHeaderNeverCrashes();
    void testOpenErrors_data();
    void testOpenErrors();
    void testReadUnknownName();
    void testWriteRejects_data();
    void testWriteRejects();
    void testAtomicReplace();
    void testAtomicFailures_data();
    void testAtomicFailures();
    void testAtomicReadOnlyFolder();
    void testAtomicWriteFailureKeepsOldFile();
};

void TestSafetensors::testRoundTrip_data()
{
    QTest::addColumn<TensorMap>("tensors");
    QTest::addColumn<StringMap>("metadata");

    QTest::newRow("matrix") << TensorMap{{"w", {{2, 3}, {1, -2, 3.5f, 0, 1e-30f, -1e30f}}}} << StringMap{};
    QTest::newRow("1-D") << TensorMap{{"bias", {{4}, {0.1f, 0.2f, 0.3f, 0.4f}}}} << StringMap{};
    QTest::newRow("scalar") << TensorMap{{"scale", {{}, {42}}}} << StringMap{};
    QTest::newRow("zero-size") << TensorMap{{"a", {{0}, {}}}, {"b", {{2, 0}, {}}}, {"c", {{1}, {7}}}}
                               << StringMap{};
    QTest::newRow("3-D") << TensorMap{{"cube", {{2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}}}} << StringMap{};
    QTest::newRow("subnormal and signed zero")
        << TensorMap{{"tiny", {{3}, {std::numeric_limits<float>::denorm_min(), -0.0f, 0.0f}}}} << StringMap{};
    QTest::newRow("many tensors, unsorted insertion")
        << TensorMap{{"z.last", {{1}, {3}}}, {"a.first", {{1}, {1}}}, {"M.upper", {{2}, {2, 2}}}} << StringMap{};
    QTest::newRow("unicode metadata and names")
        << TensorMap{{"编码器.权重", {{1, 2}, {1, 2}}}}
        << StringMap{{"langue", "français → English"}, {"emoji", "🔍"}, {"empty", ""}, {"quote", "a\"b\\c\nd"}};
    QTest::newRow("no tensors") << TensorMap{} << StringMap{{"note", "nothing trained yet"}};
}

void TestSafetensors::testRoundTrip()
{
    QFETCH(TensorMap, tensors);
    QFETCH(StringMap, metadata);
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("model.safetensors")).toStdString();

    const auto written = writeSafetensors(path, tensors, metadata);
    QVERIFY2(written, written ? "" : written.error().message.c_str());
    auto file = SafetensorsFile::open(path);
    QVERIFY2(file, file ? "" : file.error().message.c_str());

    QCOMPARE(file->path(), path);
    QCOMPARE(file->metadata(), metadata);
    QCOMPARE(file->tensors().size(), tensors.size());
    for (const auto &[name, expected] : tensors) {
        const TensorInfo *info = file->find(name);
        QVERIFY(info);
        QVERIFY(info->dtype == DType::F32); // QCOMPARE would pick up alignscope::toString(DType)
        auto read = file->read(name);
        QVERIFY2(read, read ? "" : read.error().message.c_str());
        QCOMPARE(read->shape, expected.shape);
        QCOMPARE(read->data.size(), expected.data.size());
        QVERIFY(std::equal(read->data.begin(), read->data.end(), expected.data.begin(), [](float a, float b) {
            return std::bit_cast<quint32>(a) == std::bit_cast<quint32>(b); // exact, -0 included
        }));
    }
    // fromBytes goes through the same validation and must agree.
    auto copy = SafetensorsFile::fromBytes(toBytes(readAll(QString::fromStdString(path))), "copy");
    QVERIFY(copy);
    QCOMPARE(copy->tensors().size(), tensors.size());
    QCOMPARE(copy->metadata(), metadata);
}

void TestSafetensors::testWrittenLayout()
{
    QTemporaryDir dir;
    const QByteArray bytes = validFile(dir.path());
    QVERIFY(!bytes.isEmpty());
    const quint64 length = headerLength(bytes);
    QCOMPARE(length % 8, quint64(0)); // data section starts 8-byte aligned
    const QByteArray header = bytes.mid(8, qsizetype(length));
    QVERIFY(header.startsWith('{'));
    QVERIFY(header.trimmed().endsWith('}')); // the padding is spaces only
    QCOMPARE(quint64(bytes.size()) - 8 - length, quint64(8 * sizeof(float)));

    auto file = SafetensorsFile::fromBytes(toBytes(bytes), "valid");
    QVERIFY(file);
    QStringList names;
    for (const TensorInfo &t : file->tensors())
        names << QString::fromStdString(t.name);
    QCOMPARE(names, (QStringList{"decoder.out.weight", "empty", "encoder.bias"}));
    // Sorted name order is also the order of the data.
    QCOMPARE(file->find("decoder.out.weight")->begin, quint64(0));
    QCOMPARE(file->find("empty")->begin, quint64(24));
    QCOMPARE(file->find("encoder.bias")->begin, quint64(24));
    QCOMPARE(file->find("encoder.bias")->end, quint64(32));
    QCOMPARE(file->find("missing"), nullptr);
}

void TestSafetensors::testDecode_data()
{
    QTest::addColumn<QByteArray>("dtype");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QList<float>>("expected");

    QTest::newRow("F16 normal") << QByteArray("F16")
                                << littleEndian<quint16>({0x3c00, 0xc000, 0x7bff, 0x3555, 0x0400})
                                << QList<float>{1.0f, -2.0f, 65504.0f, 0.333251953125f, std::ldexp(1.0f, -14)};
    QTest::newRow("F16 subnormal and zero") << QByteArray("F16")
                                            << littleEndian<quint16>({0x0001, 0x03ff, 0x8001, 0x0000, 0x8000})
                                            << QList<float>{std::ldexp(1.0f, -24), std::ldexp(1023.0f, -24),
                                                            -std::ldexp(1.0f, -24), 0.0f, -0.0f};
    QTest::newRow("BF16") << QByteArray("BF16") << littleEndian<quint16>({0x3f80, 0xc049, 0x7f7f, 0x8000})
                          << QList<float>{1.0f, -3.140625f, std::bit_cast<float>(0x7f7f0000u), -0.0f};
    QTest::newRow("BF16 subnormal") << QByteArray("BF16") << littleEndian<quint16>({0x0001, 0x807f})
                                    << QList<float>{std::ldexp(1.0f, -133), -std::ldexp(127.0f, -133)};
    QTest::newRow("F64") << QByteArray("F64") << f64Bytes({1.0, -2.5, 0.1, 1e-320, -0.0, 3.0e38})
                         << QList<float>{1.0f, -2.5f, float(0.1), 0.0f, -0.0f, float(3.0e38)};
    QTest::newRow("F32") << QByteArray("F32") << f32Bytes({1.5f, std::numeric_limits<float>::denorm_min()})
                         << QList<float>{1.5f, std::numeric_limits<float>::denorm_min()};
}

void TestSafetensors::testDecode()
{
    QFETCH(QByteArray, dtype);
    QFETCH(QByteArray, data);
    QFETCH(QList<float>, expected);
    auto file = SafetensorsFile::fromBytes(toBytes(handMadeFile(dtype, expected.size(), data)), "hand-made");
    QVERIFY2(file, file ? "" : file.error().message.c_str());
    QCOMPARE(toString(file->find("t")->dtype), dtype.toStdString());
    auto tensor = file->read("t");
    QVERIFY2(tensor, tensor ? "" : tensor.error().message.c_str());
    QCOMPARE(tensor->shape, (std::vector<std::int64_t>{expected.size()}));
    for (qsizetype i = 0; i < expected.size(); ++i) // bitwise: signed zeros and subnormals must be exact
        QVERIFY2(std::bit_cast<quint32>(tensor->data[std::size_t(i)]) == std::bit_cast<quint32>(expected[i]),
                 qPrintable(QStringLiteral("index %1: got %2, expected %3")
                                .arg(i).arg(double(tensor->data[std::size_t(i)])).arg(double(expected[i]))));
}

void TestSafetensors::testNonFinite_data()
{
    QTest::addColumn<QByteArray>("dtype");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<int>("count");
    QTest::addColumn<QString>("expected");
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();

    QTest::newRow("F32 NaN") << QByteArray("F32") << f32Bytes({1, 2, nan, 4}) << 4
                             << "tensor \"t\": value at flat index 2 is NaN";
    QTest::newRow("F32 -Inf") << QByteArray("F32") << f32Bytes({-inf, 1}) << 2 << "value at flat index 0 is -Inf";
    QTest::newRow("F16 +Inf") << QByteArray("F16") << littleEndian<quint16>({0x3c00, 0x7c00}) << 2
                              << "value at flat index 1 is +Inf";
    QTest::newRow("F16 NaN") << QByteArray("F16") << littleEndian<quint16>({0x7e01}) << 1
                             << "value at flat index 0 is NaN";
    QTest::newRow("BF16 -Inf") << QByteArray("BF16") << littleEndian<quint16>({0, 0, 0xff80}) << 3
                               << "value at flat index 2 is -Inf";
    QTest::newRow("BF16 NaN") << QByteArray("BF16") << littleEndian<quint16>({0x7fc0}) << 1
                              << "value at flat index 0 is NaN";
    QTest::newRow("F64 NaN") << QByteArray("F64") << f64Bytes({0, std::nan("")}) << 2
                             << "value at flat index 1 is NaN";
    QTest::newRow("F64 beyond float") << QByteArray("F64") << f64Bytes({1e300}) << 1
                                      << "value at flat index 0 (1e+300) is outside the float range";
}

void TestSafetensors::testNonFinite()
{
    QFETCH(QByteArray, dtype);
    QFETCH(QByteArray, data);
    QFETCH(int, count);
    QFETCH(QString, expected);
    auto file = SafetensorsFile::fromBytes(toBytes(handMadeFile(dtype, count, data)), "weights.safetensors");
    QVERIFY2(file, file ? "" : file.error().message.c_str()); // finding NaN is read()'s job
    auto tensor = file->read("t");
    QVERIFY(!tensor);
    const std::string message = tensor.error().message;
    QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
    QVERIFY(message.starts_with("weights.safetensors: tensor \"t\": "));
    QCOMPARE(tensor.error().kind, ErrorKind::BadFile);
}

void TestSafetensors::testMalformedCorpus_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QString>("expected");
    QFile index(kCorpusDir + QStringLiteral("/expected.tsv"));
    QVERIFY2(index.open(QIODevice::ReadOnly), "missing expected.tsv: run tests/data/make_malformed_safetensors.py");
    for (const QByteArray &line : index.readAll().split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> fields = line.split('\t');
        QVERIFY2(fields.size() == 2, line.constData());
        QTest::newRow(fields[0].constData()) << QString::fromUtf8(fields[0]) << QString::fromUtf8(fields[1]);
    }
}

void TestSafetensors::testMalformedCorpus()
{
    QFETCH(QString, fileName);
    QFETCH(QString, expected);
    const std::string path = (kCorpusDir + u'/' + fileName).toStdString();
    QVERIFY2(QFile::exists(QString::fromStdString(path)), "corpus file missing: regenerate the corpus");

    auto opened = SafetensorsFile::open(path);
    QVERIFY2(!opened, "a malformed file was accepted");
    const Error &error = opened.error();
    QCOMPARE(error.kind, ErrorKind::BadFile);
    QVERIFY2(error.message.find(expected.toStdString()) != std::string::npos, error.message.c_str());
    QVERIFY2(error.message.starts_with(path + ": "), error.message.c_str());
    QVERIFY2(isOneLine(error.message), error.message.c_str());

    // The same routine validates in-memory bytes: same message, other label.
    auto fromMemory = SafetensorsFile::fromBytes(toBytes(readAll(QString::fromStdString(path))), "label");
    QVERIFY(!fromMemory);
    QCOMPARE(fromMemory.error().message, "label" + error.message.substr(path.size()));
}

void TestSafetensors::testCorpusIsIndexed()
{
    const QByteArray index = readAll(kCorpusDir + QStringLiteral("/expected.tsv"));
    const QStringList files = QDir(kCorpusDir).entryList({QStringLiteral("*.safetensors")}, QDir::Files);
    QVERIFY(files.size() >= 40);
    for (const QString &file : files)
        QVERIFY2(index.contains('\n' + file.toUtf8() + '\t'), qPrintable(file + " has no expected message"));
}

void TestSafetensors::testEveryTruncation()
{
    QTemporaryDir dir;
    const QByteArray bytes = validFile(dir.path());
    QVERIFY(!bytes.isEmpty());
    QVERIFY(SafetensorsFile::fromBytes(toBytes(bytes), "whole"));
    // Every prefix: through the length, the header and the whole data section.
    for (qsizetype size = 0; size < bytes.size(); ++size) {
        auto cut = SafetensorsFile::fromBytes(toBytes(bytes.left(size)), "cut.safetensors");
        QVERIFY2(!cut, qPrintable(QStringLiteral("prefix of %1 bytes accepted").arg(size)));
        QVERIFY2(isOneLine(cut.error().message), cut.error().message.c_str());
        QVERIFY(cut.error().message.starts_with("cut.safetensors: "));
    }
    // A few through open() too, so the mmap path sees short files.
    const qsizetype headerEnd = qsizetype(8 + headerLength(bytes));
    for (qsizetype size : {qsizetype(0), qsizetype(1), qsizetype(7), qsizetype(8), qsizetype(9), headerEnd - 1,
                           headerEnd, headerEnd + 3, bytes.size() - 1}) {
        const QString path = dir.filePath(QStringLiteral("cut-%1.safetensors").arg(size));
        writeAll(path, bytes.left(size));
        auto cut = SafetensorsFile::open(path.toStdString());
        QVERIFY2(!cut, qPrintable(path));
        QVERIFY2(cut.error().message.starts_with(path.toStdString()), cut.error().message.c_str());
    }
}

void TestSafetensors::testMutatedHeaderNeverCrashes()
{
    QTemporaryDir dir;
    const QByteArray bytes = validFile(dir.path());
    const qsizetype headerEnd = qsizetype(8 + headerLength(bytes));
    const QByteArray replacements("{}[]\",:0 9-e\xff\x00\x7f", 16);
    int accepted = 0;
    for (qsizetype at = 0; at < headerEnd; ++at) {
        for (char replacement : replacements) {
            QByteArray mutated = bytes;
            mutated[at] = replacement;
            auto file = SafetensorsFile::fromBytes(toBytes(mutated), "mutated");
            if (!file) {
                QVERIFY2(isOneLine(file.error().message), file.error().message.c_str());
                continue;
            }
            ++accepted; // e.g. a digit changed inside metadata, or a space for a space
            for (const TensorInfo &t : file->tensors())
                (void)file->read(t.name);
        }
    }
    QVERIFY(accepted > 0 && accepted < headerEnd * replacements.size() / 2);
}

void TestSafetensors::testOpenErrors_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing file") << "missing" << ": cannot open: No such file or directory";
    QTest::newRow("directory") << "directory" << ": is a directory, not a safetensors file";
    QTest::newRow("empty file") << "empty" << ": file is empty (0 bytes)";
    QTest::newRow("fifo") << "fifo" << ": is not a regular file";
}

void TestSafetensors::testOpenErrors()
{
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath(kind);
    if (kind == QLatin1String("directory"))
        QVERIFY(QDir(dir.path()).mkdir(kind));
    else if (kind == QLatin1String("empty"))
        writeAll(path, {});
    else if (kind == QLatin1String("fifo"))
        QVERIFY(::mkfifo(QFile::encodeName(path).constData(), 0600) == 0);

    auto file = SafetensorsFile::open(path.toStdString());
    QVERIFY(!file);
    QCOMPARE(file.error().kind, ErrorKind::BadFile);
    QCOMPARE(QString::fromStdString(file.error().message).left(path.size() + expected.size()), path + expected);
}

void TestSafetensors::testReadUnknownName()
{
    QTemporaryDir dir;
    auto file = SafetensorsFile::fromBytes(toBytes(validFile(dir.path())), "model.safetensors");
    QVERIFY(file);
    auto missing = file->read("decoder.out.bias");
    QVERIFY(!missing);
    QCOMPARE(missing.error().message,
             std::string("model.safetensors: no tensor named \"decoder.out.bias\" (the file holds 3 tensors)"));
}

void TestSafetensors::testWriteRejects_data()
{
    QTest::addColumn<TensorMap>("tensors");
    QTest::addColumn<StringMap>("metadata");
    QTest::addColumn<QString>("expected");
    const float nan = std::numeric_limits<float>::quiet_NaN();

    QTest::newRow("shape mismatch") << TensorMap{{"w", {{2, 3}, {1, 2, 3}}}} << StringMap{}
                                    << "tensor \"w\": shape [2, 3] does not match its 3 values";
    QTest::newRow("negative dim") << TensorMap{{"w", {{-1}, {}}}} << StringMap{}
                                  << "tensor \"w\": shape [-1] has a negative dimension";
    QTest::newRow("NaN") << TensorMap{{"w", {{2}, {1, nan}}}} << StringMap{}
                         << "tensor \"w\": value at flat index 1 is NaN; refusing to write";
    QTest::newRow("reserved name") << TensorMap{{"__metadata__", {{1}, {1}}}} << StringMap{}
                                   << "tensor \"__metadata__\": this name is reserved";
    QTest::newRow("invalid UTF-8 metadata") << TensorMap{} << StringMap{{"k", "\xff"}} << "not valid UTF-8";
}

void TestSafetensors::testWriteRejects()
{
    QFETCH(TensorMap, tensors);
    QFETCH(StringMap, metadata);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("out.safetensors"));
    const auto written = writeSafetensors(path.toStdString(), tensors, metadata);
    QVERIFY(!written);
    QVERIFY2(written.error().message.find(expected.toStdString()) != std::string::npos,
             written.error().message.c_str());
    QVERIFY(written.error().message.starts_with(path.toStdString() + ": "));
    QVERIFY(!QFile::exists(path));
    QVERIFY(leftoverTempFiles(dir.path()).isEmpty());
}

void TestSafetensors::testAtomicReplace()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("model.safetensors"));
    writeAll(path, "old contents");
    QVERIFY(::chmod(QFile::encodeName(path).constData(), 0640) == 0);

    const auto written = writeFileAtomically(path.toStdString(), "new contents");
    QVERIFY2(written, written ? "" : written.error().message.c_str());
    QCOMPARE(readAll(path), QByteArray("new contents"));
    QVERIFY(leftoverTempFiles(dir.path()).isEmpty());
    struct stat info {};
    QVERIFY(::stat(QFile::encodeName(path).constData(), &info) == 0);
    QCOMPARE(info.st_mode & 07777, mode_t(0640)); // the replaced file keeps its permissions
}

void TestSafetensors::testAtomicFailures_data()
{
    QTest::addColumn<QString>("target"); // relative to a fresh temporary folder
    QTest::addColumn<QString>("expected");
    QTest::newRow("no such folder") << "missing/model.safetensors"
                                    << "cannot create a temporary file in %1/missing: No such file or directory";
    QTest::newRow("parent is a file") << "file/model.safetensors"
                                      << "cannot create a temporary file in %1/file: Not a directory";
    QTest::newRow("target is a folder") << "folder" << "cannot replace the file: Is a directory";
}

void TestSafetensors::testAtomicFailures()
{
    QFETCH(QString, target);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    writeAll(dir.filePath(QStringLiteral("file")), "a file, not a folder");
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("folder")));
    const QString path = dir.filePath(target);

    const auto written = writeFileAtomically(path.toStdString(), "bytes");
    QVERIFY(!written);
    const QString message = QString::fromStdString(written.error().message);
    QCOMPARE(message, path + QStringLiteral(": cannot save: ") + QString(expected).replace("%1", dir.path()));
    QVERIFY(leftoverTempFiles(dir.path()).isEmpty());
    QCOMPARE(readAll(dir.filePath(QStringLiteral("file"))), QByteArray("a file, not a folder"));
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("folder"))).isDir());
}

void TestSafetensors::testAtomicReadOnlyFolder()
{
    QTemporaryDir dir;
    const QString folder = dir.filePath(QStringLiteral("readonly"));
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("readonly")));
    const QString path = folder + QStringLiteral("/model.safetensors");
    writeAll(path, "old contents");
    const QByteArray folderName = QFile::encodeName(folder);
    QVERIFY(::chmod(folderName.constData(), 0555) == 0);
    // root (CAP_DAC_OVERRIDE) writes into read-only folders anyway; find out
    // by trying rather than by asking for the uid.
    const bool permissionsIgnored = ::access(folderName.constData(), W_OK) == 0;
    if (permissionsIgnored) {
        ::chmod(folderName.constData(), 0755);
        QSKIP("folder permissions are not enforced for this user (running as root?)");
    }
    const auto written = writeFileAtomically(path.toStdString(), "new contents");
    ::chmod(folderName.constData(), 0755);
    QVERIFY(!written);
    QCOMPARE(written.error().message, path.toStdString() + ": cannot save: cannot create a temporary file in "
                                          + folder.toStdString() + ": Permission denied");
    QCOMPARE(readAll(path), QByteArray("old contents"));
    QVERIFY(leftoverTempFiles(folder).isEmpty());
}

// Simulates a full disk with a file-size limit, which binds root too: the
// write fails half-way and the old file must survive untouched.
void TestSafetensors::testAtomicWriteFailureKeepsOldFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("model.safetensors"));
    writeAll(path, "old contents");

    rlimit saved {};
    QVERIFY(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN); // else the kernel kills the process
    rlimit small = saved;
    small.rlim_cur = 4096;
    QVERIFY(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    const auto written = writeFileAtomically(path.toStdString(), std::string(64 * 1024, 'x'));
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, previousHandler);

    QVERIFY(!written);
    QCOMPARE(written.error().message, path.toStdString() + ": cannot save: cannot write: File too large");
    QCOMPARE(written.error().kind, ErrorKind::Internal);
    QCOMPARE(readAll(path), QByteArray("old contents"));
    QVERIFY(leftoverTempFiles(dir.path()).isEmpty());
}

QTEST_APPLESS_MAIN(TestSafetensors)
#include "testsafetensors.moc"
