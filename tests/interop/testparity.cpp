// Numerical parity of AlignScope's decoding with an independent PyTorch
// implementation (tools/alignscope_torch.py). tests/data/parity holds tiny
// random models and, per sentence, what PyTorch computed in float64: the
// greedy decode and a decode forced to a given target (so a comparison never
// hangs on an argmax). Regenerate with tests/interop/make_parity_fixtures.py;
// CI has no torch and only reads the committed files.
// Shapes: T = decode steps, n = source tokens (incl. <eos>), d = state size.

#include "alignscope/decode.h"
#include "alignscope/rnnmodel.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

using namespace alignscope;
using nlohmann::json;

namespace {

// float32 engine against a float64 reference on O(1) values.
constexpr double kTolerance = 1e-5;
// The generator covers 17 configurations; fewer files means a lost fixture.
constexpr size_t kMinFixtures = 17;

std::string number(double v)
{
    std::ostringstream out;
    out << std::setprecision(9) << v;
    return out.str();
}

std::string parityDir() { return std::string(ALIGNSCOPE_TEST_DATA_DIR) + "/parity"; }

std::vector<std::string> fixtureFiles()
{
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto &e : std::filesystem::directory_iterator(parityDir(), ec))
        if (e.path().extension() == ".json")
            files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

json readJson(const std::string &path)
{
    std::ifstream in(path);
    return in ? json::parse(in, nullptr, false) : json();
}

/// First entry of `got` farther than kTolerance from `want`, as a message
/// naming the tensor and index (llm.c's check_tensor); empty when all agree.
std::string compareTensor(const std::string &label, const json &want, const Vector &got)
{
    if (static_cast<Eigen::Index>(want.size()) != got.size())
        return label + ": size " + std::to_string(got.size()) + ", PyTorch has " + std::to_string(want.size());
    for (Eigen::Index i = 0; i < got.size(); ++i) {
        const double w = want.at(i).get<double>();
        if (!(std::abs(w - got[i]) <= kTolerance))
            return label + "[" + std::to_string(i) + "]: AlignScope " + number(got[i]) + ", PyTorch " + number(w);
    }
    return {};
}

/// Compares the best path of `trace` with one recorded decode; empty if equal.
std::string compareDecode(const DecodeTrace &trace, const json &want)
{
    const std::vector<int> path = trace.bestPath();
    const auto &tokens = want.at("tokens");
    std::vector<std::string> got;
    for (int node : path)
        got.push_back(trace.nodes[node].token);
    if (got != tokens.get<std::vector<std::string>>())
        return "tokens differ: AlignScope \"" + json(got).dump() + "\", PyTorch \"" + tokens.dump() + "\"";
    for (size_t t = 0; t < path.size(); ++t) {
        const DecodeNode &node = trace.nodes[path[t]];
        const std::string step = "step " + std::to_string(t) + " (" + node.token + ") ";
        const double lp = want.at("log_probs").at(t).get<double>();
        if (!(std::abs(lp - node.logProb) <= kTolerance))
            return step + "log_prob: AlignScope " + number(node.logProb) + ", PyTorch " + number(lp);
        const Vector scores = node.scores(), weights = node.weights();
        for (const auto &[key, value] : {std::pair<const char *, const Vector *>{"scores", &scores},
                                         {"weights", &weights}, {"context", &node.context}}) {
            const std::string bad = compareTensor(step + key, want.at(key).at(t), *value);
            if (!bad.empty())
                return bad;
        }
    }
    return {};
}

} // namespace

class TestParity : public QObject {
    Q_OBJECT

private slots:
    void testFixturesPresent();
    void testGreedy_data() { cases(); }
    void testGreedy() { check(false); }
    void testForced_data() { cases(); }
    void testForced() { check(true); }

private:
    void cases();
    void check(bool forced);
};

void TestParity::testFixturesPresent()
{
    const auto files = fixtureFiles();
    QVERIFY2(files.size() >= kMinFixtures,
             qPrintable(QString("%1 fixtures in %2, expected at least %3")
                            .arg(files.size()).arg(QString::fromStdString(parityDir())).arg(kMinFixtures)));
    for (const auto &f : files) {
        const json doc = readJson(f);
        QVERIFY2(doc.is_object() && !doc.value("cases", json::array()).empty(), f.c_str());
    }
}

void TestParity::cases()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<int>("index");
    for (const auto &f : fixtureFiles()) {
        const json doc = readJson(f);
        const std::string stem = std::filesystem::path(f).stem().string();
        for (size_t i = 0; i < doc.value("cases", json::array()).size(); ++i)
            QTest::newRow((stem + "/" + std::to_string(i)).c_str()) << QString::fromStdString(f) << int(i);
    }
}

void TestParity::check(bool forced)
{
    QFETCH(QString, fixture);
    QFETCH(int, index);
    const json doc = readJson(fixture.toStdString());
    QVERIFY(doc.is_object());
    auto model = RnnModel::load(parityDir() + "/" + doc.at("model").get<std::string>());
    QVERIFY2(model, model ? "" : model.error().message.c_str());
    const json &c = doc.at("cases").at(index);
    const std::string sentence = c.at("sentence").get<std::string>();
    auto trace = forced ? forceDecode(*model, sentence, c.at("forced").at("target").get<std::string>())
                        : translate(*model, sentence);
    QVERIFY2(trace, trace ? "" : trace.error().message.c_str());
    QCOMPARE(json(trace->source.labels), c.at("source_tokens"));
    QCOMPARE(json(trace->source.ids), c.at("source_ids"));
    const std::string bad = compareDecode(*trace, c.at(forced ? "forced" : "greedy"));
    QVERIFY2(bad.empty(), (sentence + ": " + bad).c_str());
}

QTEST_APPLESS_MAIN(TestParity)
#include "testparity.moc"
