// Subword tokenizers (issue #22): SentencePiece bpe and unigram models
// trained on a corpus's training split, pieces that detokenise back to the
// normalised text, the model stored inside the model file (both families),
// deterministic training, `train --tokenizer bpe` then `translate`, and a
// model file whose stored SentencePiece model is damaged.
#include "alignscope/recipes.h"
#include "alignscope/subword.h"
#include "alignscope/train.h"

#include "common/clirun.h"
#include "model/modelfile_p.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace alignscope;
using alignscope::testing::runCli;
using Cli = alignscope::testing::CliRun;

namespace {

const std::string kCorpus = ALIGNSCOPE_TEST_DATA_DIR "/corpora/enfr-subword.tsv";

PreparedTask subwordTask(const std::string &kind, int vocabSize, bool shared)
{
    TaskRequest request;
    request.name = kCorpus;
    auto task = prepareTask(request);
    if (!task)
        qFatal("%s", task.error().message.c_str());
    if (auto r = applyTokenizer(task.value(), {kind, vocabSize, shared}); !r)
        qFatal("%s", r.error().message.c_str());
    return std::move(task).value();
}

/// What the pieces must give back: the normalised text, spaces collapsed and trimmed.
std::string expectedText(const std::string &text, bool lowercase)
{
    const std::string n = normaliseForSubwords(text, lowercase).value();
    std::string out;
    for (char c : n)
        if (c != ' ' || (!out.empty() && out.back() != ' '))
            out += c;
    while (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

ModelConfig smallRnn(const PreparedTask &task)
{
    RnnRecipe recipe;
    recipe.embedding = 8;
    recipe.hidden = 16;
    return buildRnnConfig(recipe.forTask(task)).value();
}

TransformerSpec smallTransformer()
{
    TransformerSpec s;
    s.encoderLayers = s.decoderLayers = 1;
    s.heads = 2;
    s.dModel = 16;
    s.ffn = 32;
    return s;
}

} // namespace

class TestSubword : public QObject {
    Q_OBJECT

private slots:
    void testPiecesRoundTrip_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("bpe") << "bpe";
        QTest::newRow("unigram") << "unigram";
    }

    void testPiecesRoundTrip()
    {
        QFETCH(QString, kind);
        const PreparedTask task = subwordTask(kind.toStdString(), 300, false);
        const TokenizerOptions &source = task.sourceTokenizer, &target = task.targetTokenizer;
        QVERIFY(source.subword && target.subword);
        QVERIFY(source.subword != target.subword); // one model per side
        QCOMPARE(int(source.mode), int(kind == "bpe" ? TokenizerMode::Bpe : TokenizerMode::Unigram));
        QVERIFY(source.subword->size() <= 300);
        QVERIFY(source.subword->size() > 100);
        int split = 0;
        for (const Corpus *c : {&task.splits.train, &task.splits.dev}) {
            for (const SentencePair &p : c->pairs) {
                QVERIFY(!p.sourceTokens.empty());
                QVERIFY(!p.hasAlignment);
                QCOMPARE(detokenize(p.sourceTokens, source), expectedText(p.source, true));
                QCOMPARE(detokenize(p.targetTokens, target), expectedText(p.target, true));
                split += int(p.sourceTokens.size() > expectedText(p.source, true).size() / 8);
            }
        }
        QVERIFY(split > 0); // pieces, not whole sentences
        // Words of rare spelling split into several pieces, a word start marked "▁".
        const auto pieces = tokenize("Les chats s'étaient assis.", target).value();
        QVERIFY(pieces.front().rfind("\u2581", 0) == 0);
        QCOMPARE(detokenize(pieces, target), std::string("les chats s'étaient assis."));
        const std::vector<int> words = pieceWords(pieces);
        QCOMPARE(words.back(), 3);
    }

    void testDeterministic()
    {
        for (const char *kind : {"bpe", "unigram"}) {
            const PreparedTask a = subwordTask(kind, 250, true), b = subwordTask(kind, 250, true);
            QVERIFY(a.sourceTokenizer.subword == a.targetTokenizer.subword); // --shared-vocab: one model
            QVERIFY(a.sourceTokenizer.subword->pieces() == b.sourceTokenizer.subword->pieces());
            QVERIFY(a.sourceTokenizer.subword->proto() == b.sourceTokenizer.subword->proto());
        }
    }

    void testWordAndCharUnchanged()
    {
        TaskRequest request;
        request.name = kCorpus;
        const PreparedTask plain = prepareTask(request).value();
        PreparedTask word = plain;
        QVERIFY(applyTokenizer(word, {"word", 8000, false}));
        QVERIFY(word.splits.train.pairs.front().sourceTokens == plain.splits.train.pairs.front().sourceTokens);
        PreparedTask chars = plain;
        QVERIFY(applyTokenizer(chars, {"char", 8000, false}));
        QCOMPARE(int(chars.sourceTokenizer.mode), int(TokenizerMode::Character));
        const SentencePair &p = chars.splits.train.pairs.front();
        QVERIFY(p.sourceTokens == tokenize(p.source, {TokenizerMode::Character, true}).value());
        QVERIFY(!applyTokenizer(chars, {"wordpiece", 8000, false}));
        QVERIFY(!applyTokenizer(chars, {"bpe", 4, false}));
    }

    void testModelFileRoundTrip()
    {
        QTemporaryDir dir;
        const PreparedTask task = subwordTask("unigram", 300, false);
        const std::string sentence = "Le chat s'est assis sur le tapis.";
        RnnModel rnn = makeModelForCorpus({smallRnn(task)}, task.splits.train, 3);
        const std::string rnnPath = dir.filePath("rnn.safetensors").toStdString();
        QVERIFY(rnn.save(rnnPath));
        auto reopened = RnnModel::load(rnnPath);
        QVERIFY2(reopened, reopened ? "" : reopened.error().message.c_str());
        const EncodedSource before = rnn.prepareSource(sentence).value();
        const EncodedSource after = reopened->prepareSource(sentence).value();
        QVERIFY(after.axis.labels == before.axis.labels);
        QVERIFY(after.axis.ids == before.axis.ids);
        QVERIFY(after.axis.words == before.axis.words);
        QCOMPARE(after.axis.words.size(), after.axis.labels.size());
        QVERIFY(after.axis.spans[0].typed());
        QVERIFY(reopened->config().targetTokenizer.subword->pieces() == task.targetTokenizer.subword->pieces());

        TransformerModel transformer = makeTransformerForCorpus(smallTransformer(), task.splits.train, 4, 1, 0,
                                                                task.sourceTokenizer, task.targetTokenizer);
        const std::string tPath = dir.filePath("transformer.safetensors").toStdString();
        QVERIFY(transformer.save(tPath));
        auto t = TransformerModel::load(tPath);
        QVERIFY2(t, t ? "" : t.error().message.c_str());
        QVERIFY(t->prepareSource(sentence)->axis.ids == transformer.prepareSource(sentence)->axis.ids);
        QCOMPARE(t->detokenizer()({"\u2581le", "\u2581ch", "at"}), std::string("le chat"));
        QVERIFY(t->prepareTarget("le chat") == transformer.prepareTarget("le chat"));
    }

    void testDamagedSubwordModel()
    {
        QTemporaryDir dir;
        PreparedTask task = subwordTask("bpe", 200, false);
        RnnModel model = makeModelForCorpus({smallRnn(task)}, task.splits.train, 3);
        // A model whose source tokenizer's SentencePiece blob is garbage.
        ModelConfig config = model.config();
        config.sourceTokenizer.subword = nullptr;
        RnnModel damaged(config, model.sourceVocab(), model.targetVocab(), model.parameters());
        const std::string path = dir.filePath("damaged.safetensors").toStdString();
        QVERIFY(damaged.save(path, {}, {{modelfile::kSourceSubwordKey, "bm90IGEgbW9kZWw="}}));
        auto opened = RnnModel::load(path);
        QVERIFY(!opened);
        QCOMPARE(int(opened.error().kind), int(ErrorKind::BadFile));
        QVERIFY(opened.error().message.find("alignscope.source_subword") != std::string::npos);
        const Cli r = runCli({"translate", "--model", QString::fromStdString(path), "le chat"});
        QCOMPARE(r.code, 3);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY(r.err.contains("SentencePiece"));
        // Not base64, and missing altogether: one line each too.
        QVERIFY(damaged.save(path, {}, {{modelfile::kSourceSubwordKey, "%%%"}}));
        QVERIFY(!RnnModel::load(path));
        QVERIFY(damaged.save(path));
        QVERIFY(RnnModel::load(path).error().message.find("no \"alignscope.source_subword\"") != std::string::npos);
    }

    void testTrainThenTranslate()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath("bpe.safetensors");
        const Cli trained = runCli({"train", "--task", QString::fromStdString(kCorpus), "--tokenizer", "bpe",
                                    "--vocab-size", "200", "--epochs", "1", "--batch", "16", "--hidden", "16",
                                    "--embedding", "8", "--eval-sentences", "2", "--out", out});
        QVERIFY2(trained.code == 0, qPrintable(alignscope::testing::describe(trained)));
        const QString plan = QString::fromUtf8(trained.err).section('\n', 0, 0);
        QVERIFY2(plan.contains("(bpe/bpe)"), qPrintable(plan));
        const Cli t = runCli({"translate", "--model", out, "--json", "The cat sat on the mat."});
        QVERIFY2(t.code == 0, t.err.constData());
        const QByteArray json = t.out;
        QVERIFY(json.contains("\"source_tokens\""));
        QVERIFY(json.contains("\u2581"));
        // eval reads the task's text through the model's pieces and scores BLEU on words.
        const Cli e = runCli({"eval", "--model", out, "--task", QString::fromStdString(kCorpus), "--limit", "5", "--json"});
        QVERIFY2(e.code == 0, qPrintable(alignscope::testing::describe(e)));
        QVERIFY(e.out.contains("\"bleu\""));
        // The Transformer family, with one shared unigram model.
        const QString tOut = dir.filePath("unigram.safetensors");
        const Cli t2 = runCli({"train", "--task", QString::fromStdString(kCorpus), "--encoder", "transformer",
                               "--tokenizer", "unigram", "--vocab-size", "250", "--shared-vocab", "--layers", "1",
                               "--heads", "2", "--d-model", "16", "--ffn", "32", "--epochs", "1", "--eval-sentences",
                               "2", "--out", tOut});
        QVERIFY2(t2.code == 0, qPrintable(alignscope::testing::describe(t2)));
        QVERIFY(t2.err.contains("(unigram/unigram)"));
        const Cli tt = runCli({"translate", "--model", tOut, "Le chat."});
        QVERIFY2(tt.code == 0, qPrintable(alignscope::testing::describe(tt)));
        const Cli bad = runCli({"train", "--task", QString::fromStdString(kCorpus), "--vocab-size", "100", "--out", out});
        QCOMPARE(bad.code, 2);
    }
};

QTEST_APPLESS_MAIN(TestSubword)
#include "testsubword.moc"
