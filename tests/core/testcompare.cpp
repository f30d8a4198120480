// compareModels (decode/compare.cpp): every model decodes concurrently, one
// TBB task each; each row must equal that model's decode alone, and a model
// that failed to load keeps its error without stopping the others. Also run
// under ThreadSanitizer by .ci/sanitize.

#include "alignscope/compare.h"
#include "alignscope/rnnmodel.h"

#include <QtTest>

#include <tbb/global_control.h>

using namespace alignscope;

namespace {

Vocabulary vocab(const std::vector<std::string> &tokens)
{
    return Vocabulary::fromTokens(tokens, "test").value();
}

RnnModel model(ScorerKind scorer, unsigned seed)
{
    ModelConfig c;
    c.encoder.embedding = 6;
    c.encoder.hidden = 8;
    c.decoder.embedding = 6;
    c.decoder.hidden = c.encoder.stateSize();
    c.attention.scorer = scorer;
    c.attention.dimension = 8;
    const bool bahdanau = scorer == ScorerKind::Additive;
    c.decoder.kind = bahdanau ? DecoderKind::Bahdanau : DecoderKind::Luong;
    RnnModel m = RnnModel::initialise(c, vocab({"<pad>", "<sos>", "<eos>", "<unk>", "the", "cat", "sat"}),
                                vocab({"<pad>", "<sos>", "<eos>", "<unk>", "le", "chat", "assis"}), seed);
    m.setName(std::string("m").append(std::to_string(seed)));
    return m;
}

} // namespace

class TestCompare : public QObject {
    Q_OBJECT

private slots:
    void testConcurrentEqualsAlone_data();
    void testConcurrentEqualsAlone();
    void testCancelStopsEveryDecode();
};

void TestCompare::testConcurrentEqualsAlone_data()
{
    QTest::addColumn<bool>("forced");
    QTest::newRow("own decodes") << false;
    QTest::newRow("teacher-forced") << true;
}

void TestCompare::testConcurrentEqualsAlone()
{
    QFETCH(bool, forced);
    const tbb::global_control threads(tbb::global_control::max_allowed_parallelism, 2);
    std::vector<Result<ModelPtr>> models;
    for (unsigned seed = 1; seed <= 4; ++seed)
        models.emplace_back(ModelPtr(std::make_shared<RnnModel>(model(seed % 2 ? ScorerKind::Additive : ScorerKind::General, seed))));
    models.emplace_back(Error{ErrorKind::BadFile, "broken.safetensors: file is empty (0 bytes)"});
    std::vector<const Result<ModelPtr> *> pointers;
    for (const auto &m : models)
        pointers.push_back(&m);
    CompareRequest request;
    request.sentence = "the cat sat";
    if (forced)
        request.target = "le chat assis";

    for (int round = 0; round < 3; ++round) {
        const auto entries = compareModels(pointers, request);
        QCOMPARE(entries.size(), models.size());
        for (size_t i = 0; i + 1 < models.size(); ++i) {
            QVERIFY2(entries[i].trace.ok(), entries[i].row.error.c_str());
            const auto alone = forced ? forceDecode(*models[i].value(), request.sentence, *request.target)
                                      : translate(*models[i].value(), request.sentence, request.options);
            QVERIFY(alone.ok());
            const auto path = alone->bestPath();
            QCOMPARE(entries[i].trace->translation(entries[i].trace->bestPath()), alone->translation(path));
            QVERIFY(entries[i].trace->weightMatrix(entries[i].trace->bestPath()) == alone->weightMatrix(path));
            QCOMPARE(entries[i].row.model, models[i].value()->name());
        }
        QVERIFY(!entries.back().trace.ok());
        QCOMPARE(entries.back().row.error, std::string("broken.safetensors: file is empty (0 bytes)"));
    }
}

// A raised cancel flag ends every decode (own or forced) with Cancelled,
// named in its row; nothing is left half-written in the entries.
void TestCompare::testCancelStopsEveryDecode()
{
    std::vector<Result<ModelPtr>> models;
    models.emplace_back(ModelPtr(std::make_shared<RnnModel>(model(ScorerKind::Additive, 1))));
    models.emplace_back(ModelPtr(std::make_shared<RnnModel>(model(ScorerKind::General, 2))));
    const std::vector<const Result<ModelPtr> *> pointers = {&models[0], &models[1]};
    const std::atomic<bool> cancel{true};
    for (bool forced : {false, true}) {
        CompareRequest request;
        request.sentence = "the cat sat";
        if (forced)
            request.target = "le chat assis";
        request.cancel = &cancel;
        for (const CompareEntry &e : compareModels(pointers, request)) {
            QVERIFY(!e.trace.ok());
            QCOMPARE(e.trace.error().kind, ErrorKind::Cancelled);
            QCOMPARE(e.row.error, std::string("decoding cancelled"));
        }
    }
}

QTEST_APPLESS_MAIN(TestCompare)
#include "testcompare.moc"
