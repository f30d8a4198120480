// estimateTraining (issue #22: the Training tab's estimate, moved to core so
// `train` prints it too): the run's shape is counted exactly, the timed
// parts are positive, the whole is epochs × (batches × batch + evaluation),
// and the model measured on is left as it was.

#include "alignscope/train.h"

#include <QtTest>

#include <random>

namespace {

using namespace alignscope;

Corpus copyCorpus(int size, unsigned seed)
{
    std::mt19937 rng(seed);
    Corpus c;
    for (int i = 0; i < size; ++i) {
        SentencePair p;
        const int n = 3 + static_cast<int>(rng() % 4);
        for (int j = 0; j < n; ++j) {
            const std::string tok(1, static_cast<char>('a' + rng() % 12));
            p.sourceTokens.push_back(tok);
            p.targetTokens.push_back(tok);
        }
        c.pairs.push_back(std::move(p));
    }
    return c;
}

ModelConfig smallConfig()
{
    ModelConfig c;
    c.encoder.embedding = c.decoder.embedding = 8;
    c.encoder.hidden = c.decoder.hidden = c.attention.dimension = 16;
    return c;
}

template <typename Model>
void checkEstimate(const Model &model, const Corpus &train, const Corpus &dev)
{
    TrainOptions o;
    o.epochs = 3;
    o.batchSize = 16;
    o.threads = 1;
    o.evalSentences = 10;
    const auto before = model.parameters();
    const TrainingEstimate e = estimateTraining(model, train, dev, o);
    QCOMPARE(e.batchesPerEpoch, 13LL); // ceil(200 / 16)
    QCOMPARE(e.epochs, 3);
    QCOMPARE(e.threads, 1);
    QVERIFY(e.warmupBatches > 0);
    QVERIFY(e.batchSeconds > 0.0);
    QVERIFY(e.evalSeconds > 0.0);
    QVERIFY(std::abs(e.epochSeconds() - (13 * e.batchSeconds + e.evalSeconds)) < 1e-9);
    QVERIFY(std::abs(e.seconds - 3 * e.epochSeconds()) < 1e-9);
    for (const auto &[name, m] : before)
        QVERIFY2(model.parameters().at(name) == m, name.c_str()); // measured on a copy
}

} // namespace

class TestTrainEstimate : public QObject {
    Q_OBJECT

private slots:
    void testRnn()
    {
        const Corpus train = copyCorpus(200, 1), dev = copyCorpus(30, 2);
        checkEstimate(makeModelForCorpus({smallConfig()}, train, 3), train, dev);
    }
    void testTransformer()
    {
        const Corpus train = copyCorpus(200, 4), dev = copyCorpus(30, 5);
        TransformerSpec s;
        s.encoderLayers = s.decoderLayers = 1;
        s.heads = 2;
        s.dModel = 16;
        s.ffn = 32;
        checkEstimate(makeTransformerForCorpus(s, train, 6), train, dev);
    }
};

QTEST_APPLESS_MAIN(TestTrainEstimate)
#include "testtrainestimate.moc"
