// The trainer: a copy task learnt with diagonal attention (RNN and
// Transformer, with a head that aligns), thread-count independence, exact
// resume, cancellation, checkpoints and the learning-rate schedules.
#include "alignscope/decode.h"
#include "alignscope/train.h"

#include <QTemporaryDir>

#include <chrono>
#include <thread>
#include <QtTest>

using namespace alignscope;

namespace {

/// Sequences of 3–6 symbols copied to the target, gold links on the diagonal.
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
            p.alignment.push_back({j, j});
        }
        p.hasAlignment = true;
        c.pairs.push_back(std::move(p));
    }
    return c;
}

ModelConfig smallConfig(ScorerKind scorer)
{
    ModelConfig c;
    c.encoder.embedding = c.decoder.embedding = 16;
    c.encoder.hidden = c.decoder.hidden = 32;
    c.encoder.bidirectional = true;
    c.decoder.hidden = scorer == ScorerKind::Dot ? 64 : 32;
    c.attention.scorer = scorer;
    c.attention.dimension = 32;
    c.dropout = 0.0f;
    return c;
}

/// A small T5-style Transformer: RMSNorm, pre-norm, relative positions.
TransformerSpec smallTransformer()
{
    TransformerSpec s;
    s.encoderLayers = s.decoderLayers = 2;
    s.heads = 4;
    s.dModel = 32;
    s.ffn = 64;
    s.norm = TransformerSpec::Norm::Rms;
    s.positions = TransformerSpec::Positions::Relative;
    return s; // T5's 32 buckets: distances below 8 each have their own

}

double maxRelativeDifference(const ParameterSet<float> &a, const ParameterSet<float> &b)
{
    double worst = 0.0;
    for (const auto &[name, m] : a) {
        const Matrix &o = b.at(name);
        worst = std::max(worst, double((m - o).cwiseAbs().maxCoeff() / (1e-6f + m.cwiseAbs().maxCoeff())));
    }
    return worst;
}

} // namespace

class TestTrainer : public QObject {
    Q_OBJECT

private slots:
    void testCopyTaskLearnsDiagonalAttention()
    {
        const Corpus train = copyCorpus(1500, 1), dev = copyCorpus(100, 2);
        RnnModel model = makeModelForCorpus({smallConfig(ScorerKind::Additive)}, train, 3);
        TrainOptions o;
        o.epochs = 12;
        o.batchSize = 32;
        o.learningRate = 5e-3f;
        o.dropout = 0.0f;
        o.evalSentences = 0;
        o.patience = 12;
        Trainer trainer(model, train, dev, o);
        auto summary = trainer.run();
        QVERIFY(summary.ok());
        const EvalMetrics m = evaluate(model, dev);
        QVERIFY2(m.exactMatch >= 0.95, qPrintable(QString("exact match %1").arg(m.exactMatch)));
        QVERIFY2(m.aer >= 0.0 && m.aer <= 0.1, qPrintable(QString("AER %1").arg(m.aer)));
    }

    void testOneAndTwoThreadsGiveTheSameWeights()
    {
        const Corpus train = copyCorpus(200, 4), dev = copyCorpus(20, 5);
        ParameterSet<float> results[2];
        for (int threads : {1, 2}) {
            RnnModel model = makeModelForCorpus({smallConfig(ScorerKind::Dot)}, train, 6);
            TrainOptions o;
            o.epochs = 2;
            o.threads = threads;
            o.dropout = 0.2f; // masks must not depend on which thread ran a shard
            o.evalSentences = 0;
            Trainer trainer(model, train, dev, o);
            QVERIFY(trainer.run().ok());
            results[threads - 1] = model.parameters();
        }
        QVERIFY(maxRelativeDifference(results[0], results[1]) <= 1e-6);
    }

    void testResumeEndsWithTheSameWeights()
    {
        QTemporaryDir dir;
        const Corpus train = copyCorpus(200, 7), dev = copyCorpus(20, 8);
        TrainOptions o;
        o.epochs = 3;
        o.dropout = 0.1f;
        o.evalSentences = 0;
        o.checkpoint = dir.filePath("run.ckpt").toStdString();

        RnnModel straight = makeModelForCorpus({smallConfig(ScorerKind::General)}, train, 9);
        QVERIFY(Trainer(straight, train, dev, o).run().ok());

        // Interrupted: cancel during epoch 2, so only epoch 1's checkpoint exists.
        RnnModel first = makeModelForCorpus({smallConfig(ScorerKind::General)}, train, 9);
        std::atomic<bool> cancel{false};
        Trainer interrupted(first, train, dev, o);
        auto r = interrupted.run([&](const TrainProgress &p) { if (p.epoch == 2) cancel = true; }, &cancel);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, ErrorKind::Cancelled);

        RnnModel resumed = makeModelForCorpus({smallConfig(ScorerKind::General)}, train, 9);
        Trainer again(resumed, train, dev, o);
        QVERIFY(again.resume(o.checkpoint).ok());
        QVERIFY(again.run().ok());
        QVERIFY(maxRelativeDifference(straight.parameters(), resumed.parameters()) <= 1e-6);
    }

    void testCancelStopsWithinOneBatch()
    {
        const Corpus train = copyCorpus(400, 10), dev = copyCorpus(10, 11);
        RnnModel model = makeModelForCorpus({smallConfig(ScorerKind::Additive)}, train, 12);
        TrainOptions o;
        o.epochs = 5;
        o.evalSentences = 0;
        std::atomic<bool> cancel{false};
        long long lastStep = 0;
        Trainer trainer(model, train, dev, o);
        auto r = trainer.run([&](const TrainProgress &p) {
            lastStep = p.step;
            if (p.step == 3)
                cancel = true;
        }, &cancel);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().kind, ErrorKind::Cancelled);
        QCOMPARE(lastStep, 3LL);
    }

    // A run paused in the progress callback (the window's Pause waits there)
    // does not count the pause as training: the rate, the ETA and the
    // summary's seconds leave it out. No speed is assumed: the checks are
    // bounds from the clock alone (the trainer's time can be at most the
    // wall time around it minus the pause), which fail whenever the pause
    // is counted.
    void testPauseIsNotTrainingTime()
    {
        using Clock = std::chrono::steady_clock;
        const Corpus train = copyCorpus(64, 12), dev = copyCorpus(8, 13);
        RnnModel model = makeModelForCorpus({smallConfig(ScorerKind::Dot)}, train, 12);
        TrainOptions o;
        o.epochs = 1;
        o.batchSize = 8;
        o.evalSentences = 0;
        const auto pause = std::chrono::milliseconds(500);
        auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
        std::vector<TrainProgress> seen;
        std::vector<Clock::time_point> reportedAt;
        Trainer trainer(model, train, dev, o);
        const auto begin = Clock::now();
        auto r = trainer.run([&](const TrainProgress &p) {
            seen.push_back(p);
            reportedAt.push_back(Clock::now());
            if (p.step == 2 && !p.epochEnd)
                std::this_thread::sleep_for(pause);
        });
        const auto end = Clock::now();
        QVERIFY(r.ok());
        QVERIFY(seen.size() >= 4);
        const TrainProgress &after = seen[3]; // step 4, reported after the pause
        QCOMPARE(after.step, 4LL);
        // ETA = steps left × training seconds so far / 4, and training seconds
        // so far ≤ (wall time to this report) − pause.
        const double trainedAtMost = seconds(reportedAt[3] - begin - pause);
        const double etaAtMost = double(after.totalSteps - 4) * trainedAtMost / 4.0;
        QVERIFY2(after.etaSeconds <= etaAtMost * (1 + 1e-9),
                 qPrintable(QString("ETA %1 s, at most %2 s without the pause").arg(after.etaSeconds).arg(etaAtMost)));
        QVERIFY2(r->seconds <= seconds(end - begin - pause) * (1 + 1e-9),
                 qPrintable(QString("%1 s of %2 s wall time").arg(r->seconds).arg(seconds(end - begin))));
    }

    // The Transformer family through the same trainer: it learns to copy,
    // and at least one cross-attention head aligns each copied symbol with
    // its source (eval's per-head AER finds it).
    void testTransformerLearnsCopyTaskWithAnAligningHead()
    {
        const Corpus train = copyCorpus(1500, 21), dev = copyCorpus(100, 22);
        TransformerSpec spec = smallTransformer();
        spec.positions = TransformerSpec::Positions::Sinusoidal; // copying by position
        TransformerModel model = makeTransformerForCorpus(spec, train, 23);
        TrainOptions o = transformerTrainDefaults();
        o.epochs = 10;
        o.schedule = LrSchedule::Plateau;
        o.warmupSteps = 50;
        o.learningRate = 3e-3f;
        o.dropout = 0.0f;
        o.evalSentences = 0;
        o.patience = 10;
        QVERIFY(Trainer(model, train, dev, o).run().ok());
        auto m = evaluate(model, dev, {-1, true});
        QVERIFY(m.ok());
        QVERIFY2(m->exactMatch >= 0.95, qPrintable(QString("exact match %1").arg(m->exactMatch)));
        QCOMPARE(m->layers, 2);
        QCOMPARE(m->heads, 4);
        QCOMPARE(int(m->headAer.size()), 8);
        QCOMPARE(int(m->headEntropy.size()), 8);
        const double best = *std::min_element(m->headAer.begin(), m->headAer.end());
        QVERIFY2(best <= 0.1, qPrintable(QString("best head AER %1").arg(best)));
    }

    // Bounded word vocabularies (train --min-count / --max-vocab, issue #22):
    // the most frequent words kept, the rest read as <unk>, and training on
    // the bounded model runs (its targets hold <unk>).
    void testBoundedVocabularies()
    {
        Corpus train = copyCorpus(200, 31), dev = copyCorpus(10, 32);
        for (const char *word : {"rare", "twice", "twice"}) { // one word seen twice, one once
            SentencePair p;
            p.sourceTokens = p.targetTokens = {word, "a"};
            train.pairs.push_back(p);
        }
        const RnnModel all = makeModelForCorpus({smallConfig(ScorerKind::Dot)}, train, 6);
        QCOMPARE(all.targetVocab().size(), 4 + 12 + 2);
        const RnnModel capped = makeModelForCorpus({smallConfig(ScorerKind::Dot), 1, 10}, train, 6);
        QCOMPARE(capped.targetVocab().size(), 10);
        const RnnModel common = makeModelForCorpus({smallConfig(ScorerKind::Dot), 2}, train, 6);
        QVERIFY(common.sourceVocab().contains("twice"));
        QVERIFY(!common.sourceVocab().contains("rare"));
        QCOMPARE(common.sourceVocab().encode({"rare"}).front(), common.sourceVocab().specials().unk);
        TransformerModel transformer = makeTransformerForCorpus(smallTransformer(), train, 26, 2, 12);
        QCOMPARE(transformer.targetVocab().size(), 12);
        QVERIFY(!transformer.targetVocab().contains("rare"));
        TrainOptions o = transformerTrainDefaults();
        o.epochs = 1;
        o.evalSentences = 0;
        QVERIFY(Trainer(transformer, train, dev, o).run().ok());
    }

    void testTransformerThreadsAndResumeGiveTheSameWeights()
    {
        QTemporaryDir dir;
        const Corpus train = copyCorpus(200, 24), dev = copyCorpus(20, 25);
        TrainOptions o = transformerTrainDefaults();
        o.epochs = 3;
        o.schedule = LrSchedule::Cosine;
        o.warmupSteps = 5;
        o.dropout = 0.2f;
        o.evalSentences = 0;
        ParameterSet<float> results[2];
        for (int threads : {1, 2}) {
            TransformerModel model = makeTransformerForCorpus(smallTransformer(), train, 26);
            TrainOptions t = o;
            t.threads = threads;
            QVERIFY(Trainer(model, train, dev, t).run().ok());
            results[threads - 1] = model.parameters();
        }
        QVERIFY(maxRelativeDifference(results[0], results[1]) <= 1e-6);

        o.checkpoint = dir.filePath("run.ckpt").toStdString();
        TransformerModel first = makeTransformerForCorpus(smallTransformer(), train, 26);
        std::atomic<bool> cancel{false};
        Trainer interrupted(first, train, dev, o);
        auto r = interrupted.run([&](const TrainProgress &p) { if (p.epoch == 2) cancel = true; }, &cancel);
        QVERIFY(!r.ok());
        TransformerModel resumed = makeTransformerForCorpus(smallTransformer(), train, 26);
        Trainer again(resumed, train, dev, o);
        QVERIFY(again.resume(o.checkpoint).ok());
        QVERIFY(again.run().ok());
        QVERIFY(maxRelativeDifference(results[0], resumed.parameters()) <= 1e-6);

        // A checkpoint of another family or shape is refused in one line.
        RnnModel rnn = makeModelForCorpus({smallConfig(ScorerKind::Dot)}, train, 6);
        auto wrong = Trainer(rnn, train, dev, {}).resume(o.checkpoint);
        QVERIFY(!wrong.ok());
    }

    // The rate each update used: a linear warm-up to the peak, then the
    // schedule's shape (inverse square root: halved at 4 × warm-up; cosine:
    // ~0 at the last step; plateau: flat).
    void testLearningRateSchedules()
    {
        const Corpus train = copyCorpus(320, 27), dev = copyCorpus(8, 28); // 10 batches of 32 per epoch
        for (LrSchedule schedule : {LrSchedule::Plateau, LrSchedule::InverseSqrt, LrSchedule::Cosine}) {
            TransformerModel model = makeTransformerForCorpus(smallTransformer(), train, 29);
            TrainOptions o = transformerTrainDefaults();
            o.schedule = schedule;
            o.learningRate = 1e-3f;
            o.warmupSteps = 10;
            o.epochs = 4;
            o.evalSentences = 0;
            o.patience = 10;
            std::vector<double> rates;
            QVERIFY(Trainer(model, train, dev, o).run([&](const TrainProgress &p) {
                if (!p.epochEnd)
                    rates.push_back(p.learningRate);
            }).ok());
            QCOMPARE(int(rates.size()), 40);
            for (int s = 0; s < 10; ++s) // warm-up: (s + 1) / 10 of the peak
                QVERIFY(std::abs(rates[size_t(s)] - 1e-3 * (s + 1) / 10.0) < 1e-9);
            if (schedule == LrSchedule::Plateau)
                QVERIFY(std::abs(rates[39] - 1e-3) < 1e-9);
            if (schedule == LrSchedule::InverseSqrt)
                QVERIFY(std::abs(rates[39] - 1e-3 * 0.5) < 1e-9); // step 40 = 4 × warm-up
            if (schedule == LrSchedule::Cosine) {
                QVERIFY(rates[39] < 1e-5);
                QVERIFY(std::is_sorted(rates.begin() + 10, rates.end(), std::greater<double>()));
            }
        }
        QCOMPARE(parseLrSchedule("cosine").value(), LrSchedule::Cosine);
        QVERIFY(!parseLrSchedule("linear").ok());
    }

    void testCheckpointLoadsAsAModel()
    {
        QTemporaryDir dir;
        const Corpus train = copyCorpus(100, 13), dev = copyCorpus(10, 14);
        RnnModel model = makeModelForCorpus({smallConfig(ScorerKind::Additive)}, train, 15);
        TrainOptions o;
        o.epochs = 1;
        o.evalSentences = 0;
        o.checkpoint = dir.filePath("m.ckpt").toStdString();
        QVERIFY(Trainer(model, train, dev, o).run().ok());
        auto loaded = RnnModel::load(o.checkpoint);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
        QVERIFY(translate(loaded.value(), "a b c").ok());
    }

    void testResumeRejectsAPlainModel()
    {
        QTemporaryDir dir;
        const Corpus train = copyCorpus(50, 16), dev = copyCorpus(5, 17);
        RnnModel model = makeModelForCorpus({smallConfig(ScorerKind::Additive)}, train, 18);
        const std::string path = dir.filePath("plain.safetensors").toStdString();
        QVERIFY(model.save(path).ok());
        Trainer trainer(model, train, dev, {});
        auto r = trainer.resume(path);
        QVERIFY(!r.ok());
        QVERIFY(r.error().message.find("not a training checkpoint") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestTrainer)
#include "testtrainer.moc"
