// Data exports of a trace: CSV and JSON read back to the same numbers,
// Pharaoh and Nematus text exact on a hand-built trace.
#include "alignscope/attentionexport.h"
#include "alignscope/decode.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <random>

using namespace alignscope;

namespace {

DecodeNode node(int step, int parent, int id, const std::string &token, std::vector<float> w, float logProb)
{
    DecodeNode n;
    n.step = step;
    n.parent = parent;
    n.tokenId = id;
    n.token = token;
    n.logProb = logProb;
    const Vector weights = Eigen::Map<Vector>(w.data(), Eigen::Index(w.size()));
    n.cross = AttentionStack::single(weights.array().log(), weights);
    n.context = Vector::Zero(2);
    n.finished = token == "<eos>";
    return n;
}

// le | chat,"noir" | <eos>  ->  the cat <eos>
DecodeTrace handBuilt()
{
    DecodeTrace t;
    t.model = "hand";
    t.scorer = "additive";
    t.source.labels = {"le", "chat,\"noir\"", "<eos>"};
    t.source.flags = {0, 0, SourceAxis::Special};
    t.eosId = 2;
    t.nodes.push_back(node(0, -1, 5, "the", {0.7f, 0.2f, 0.1f}, -0.5f));
    t.nodes.push_back(node(1, 0, 6, "cat", {0.25f, 0.5f, 0.25f}, -0.25f));
    t.nodes.push_back(node(2, 1, 2, "<eos>", {0.125f, 0.125f, 0.75f}, -0.125f));
    t.hypotheses.push_back({2, -0.875, -0.875});
    t.complete = true;
    return t;
}

// T x n random rows that sum to 1, tokens with commas, quotes and newlines.
DecodeTrace randomTrace(int T, int n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    DecodeTrace t;
    for (int j = 0; j < n; ++j)
        t.source.labels.push_back(j % 3 == 0 ? "w\"" + std::to_string(j) + ",x" : j % 3 == 1 ? "a\nb" : "é" + std::to_string(j));
    t.source.flags.assign(size_t(n), 0);
    for (int s = 0; s < T; ++s) {
        std::vector<float> w(static_cast<size_t>(n));
        float sum = 0;
        for (float &x : w)
            sum += (x = u(rng));
        for (float &x : w)
            x /= sum;
        t.nodes.push_back(node(s, s - 1, 10 + s, "t," + std::to_string(s), w, -0.1f));
    }
    t.hypotheses.push_back({T - 1, -0.1 * T, -0.1});
    return t;
}

// RFC 4180 reader: quoted fields may hold commas, CRLF and doubled quotes.
std::vector<std::vector<std::string>> readCsv(const std::string &text)
{
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
                field += '"', ++i;
            else if (c == '"')
                quoted = false;
            else
                field += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().push_back(field), field.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            rows.back().push_back(field), field.clear();
            rows.emplace_back();
            ++i;
        } else {
            field += c;
        }
    }
    if (rows.back().empty())
        rows.pop_back();
    return rows;
}

} // namespace

class TestAttentionExport : public QObject {
    Q_OBJECT

private slots:
    void testCsvExact();
    void testCsvRoundTrip();
    void testJsonRoundTrip();
    void testPharaoh_data();
    void testPharaoh();
    void testNematusExact();
    void testFormatNames();
    void testWriteAtomically();
};

void TestAttentionExport::testCsvExact()
{
    const DecodeTrace t = handBuilt();
    const std::string expected = ",le,\"chat,\"\"noir\"\"\",<eos>\r\n"
                                 "the,0.7,0.2,0.1\r\n"
                                 "cat,0.25,0.5,0.25\r\n"
                                 "<eos>,0.125,0.125,0.75\r\n";
    QCOMPARE(attentionToCsv(t, t.bestPath()), expected);
}

void TestAttentionExport::testCsvRoundTrip()
{
    const DecodeTrace t = randomTrace(7, 9, 42);
    const auto path = t.bestPath();
    const auto rows = readCsv(attentionToCsv(t, path));
    QCOMPARE(int(rows.size()), 1 + int(path.size()));
    QCOMPARE(rows[0].front(), std::string());
    for (size_t j = 0; j < t.source.labels.size(); ++j)
        QCOMPARE(rows[0][j + 1], t.source.labels[j]);
    for (size_t r = 0; r < path.size(); ++r) {
        const DecodeNode &n = t.nodes[size_t(path[r])];
        QCOMPARE(rows[r + 1].front(), n.token);
        QCOMPARE(int(rows[r + 1].size()), 1 + int(n.weights().size()));
        for (Eigen::Index j = 0; j < n.weights().size(); ++j)
            QVERIFY2(std::abs(std::stod(rows[r + 1][size_t(j) + 1]) - n.weights()[j]) <= 1e-6,
                     qPrintable(QString("row %1 column %2").arg(r).arg(j)));
    }
}

void TestAttentionExport::testJsonRoundTrip()
{
    const DecodeTrace t = randomTrace(5, 6, 7);
    const auto path = t.bestPath();
    const auto j = nlohmann::json::parse(exportAttention(AttentionFormat::Json, t, path));
    QCOMPARE(j.at("source_tokens").get<std::vector<std::string>>(), t.source.labels);
    const auto &steps = j.at("steps");
    QCOMPARE(int(steps.size()), int(path.size()));
    for (size_t r = 0; r < path.size(); ++r) {
        const DecodeNode &n = t.nodes[size_t(path[r])];
        const auto w = steps[r].at("weights").get<std::vector<double>>();
        QCOMPARE(int(w.size()), int(n.weights().size()));
        for (size_t c = 0; c < w.size(); ++c)
            QVERIFY(std::abs(w[c] - n.weights()[Eigen::Index(c)]) <= 1e-6);
    }
}

void TestAttentionExport::testPharaoh_data()
{
    QTest::addColumn<double>("threshold");
    QTest::addColumn<QString>("expected");
    // Argmax skips <eos> on both sides: the <eos> step and the <eos> column.
    QTest::newRow("argmax") << -1.0 << "0-0 1-1\n";
    QTest::newRow("threshold 0.2") << 0.2 << "0-0 1-0 0-1 1-1\n";
    QTest::newRow("threshold 0.25") << 0.25 << "0-0 0-1 1-1\n";
    QTest::newRow("threshold 0.9") << 0.9 << "\n";
}

void TestAttentionExport::testPharaoh()
{
    QFETCH(double, threshold);
    QFETCH(QString, expected);
    const DecodeTrace t = handBuilt();
    QCOMPARE(QString::fromStdString(attentionToPharaoh(t, t.bestPath(), threshold)), expected);
}

void TestAttentionExport::testNematusExact()
{
    const DecodeTrace t = handBuilt();
    const std::string expected = "3 ||| the cat ||| -0.875 ||| le chat,\"noir\" ||| 3 3\n"
                                 "0.7 0.2 0.1\n"
                                 "0.25 0.5 0.25\n"
                                 "0.125 0.125 0.75\n"
                                 "\n";
    QCOMPARE(attentionToNematus(t, t.bestPath(), 3), expected);
}

void TestAttentionExport::testFormatNames()
{
    for (const char *name : {"json", "csv", "pharaoh", "nematus"})
        QVERIFY(parseAttentionFormat(name).has_value());
    QVERIFY(!parseAttentionFormat("png").has_value());
    QCOMPARE(attentionFormatExtension(AttentionFormat::Csv), std::string("csv"));
}

void TestAttentionExport::testWriteAtomically()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const DecodeTrace t = handBuilt();
    const QString file = dir.filePath("a.csv");
    QVERIFY(writeAttention(file.toStdString(), AttentionFormat::Csv, t, t.bestPath()).ok());
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll().toStdString(), attentionToCsv(t, t.bestPath()));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1); // no temporary left behind
    QVERIFY(!writeAttention(dir.filePath("missing/a.csv").toStdString(), AttentionFormat::Csv, t, t.bestPath()).ok());
}

QTEST_APPLESS_MAIN(TestAttentionExport)
#include "testattentionexport.moc"
