// TestHuggingFace: Hugging Face model folders in the window (issue #19).
// File ▸ Open model folder's function opens tests/data/hf/models/bart and
// decodes; a dropped folder opens; File ▸ Hugging Face cache and compare's
// Models menu list a cache laid out in a temporary folder by repository id;
// a cancelled open keeps the previous model; a broken folder says core's one
// line; sessions reopen a folder; the views draw readable pieces ("▁", never
// "Ġ") and "Merge word pieces" gives one column per source word. Offscreen.

#include "attention/alignmentlinesview.h"
#include "attention/headgrid.h"
#include "attention/heatmapview.h"
#include "attention/selfattentionview.h"
#include "attention/wordmerge.h"
#include "compare/compareview.h"
#include "decode/modelsources.h"
#include "export/exporter.h"
#include "mainwindow/mainwindow.h"
#include "mainwindow/session.h"
#include "widgets/messagebar.h"

#include "alignscope/model.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QMenu>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include <memory>
#include <set>

using namespace alignscope;
using namespace alignscope::ui;

namespace {

QString fixture(const char *name)
{
    return QDir::cleanPath(QStringLiteral(ALIGNSCOPE_TEST_DATA_DIR "/hf/models/") + QLatin1String(name));
}

/// Copies the files of folder `from` into `to` (created).
bool copyFolder(const QString &from, const QString &to)
{
    if (!QDir().mkpath(to))
        return false;
    for (const QString &f : QDir(from).entryList(QDir::Files))
        if (!QFile::copy(QDir(from).filePath(f), QDir(to).filePath(f)))
            return false;
    return true;
}

/// A cache as huggingface_hub lays it out: models--org--name/snapshots/REV with refs/main = REV.
bool layOutCache(const QString &root, const QString &repoDir, const QStringList &revisions, const QString &main)
{
    const QDir repo(QDir(root).filePath(repoDir));
    for (const QString &rev : revisions)
        if (!copyFolder(fixture("bart"), repo.filePath(QStringLiteral("snapshots/") + rev)))
            return false;
    QDir().mkpath(repo.filePath(QStringLiteral("refs")));
    QFile ref(repo.filePath(QStringLiteral("refs/main")));
    return ref.open(QIODevice::WriteOnly) && ref.write(main.toUtf8()) > 0;
}

} // namespace

class TestHuggingFace : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void testOpenFolderDecodes();
    void testReadableLabels();
    void testMergeWordPieces();
    void testDropFolder();
    void testCacheListsSnapshots();
    void testEmptyCacheSaysWhere();
    void testCancelKeepsPreviousModel();
    void testBrokenFolderShowsCoreMessage();
    void testSessionReopensFolder();

private:
    /// A shown window with its start-up model decoded.
    std::unique_ptr<MainWindow> openWindow();
    /// Waits until the window shows a trace of model `name` on `sentence` (empty: any).
    static bool waitForModel(MainWindow &w, const QString &name, const QString &sentence = {});

    QTemporaryDir m_cache;
};

void TestHuggingFace::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("AlignScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("testhuggingface"));
    QVERIFY(m_cache.isValid());
    if (!QFileInfo::exists(fixture("bart") + QStringLiteral("/config.json")))
        QSKIP("needs tests/data/hf/models/bart");
}

void TestHuggingFace::init()
{
    QSettings().clear();
    QFile::remove(MainWindow::recoveryPath());
    // An empty cache unless a test lays one out: the user's own cache stays out of the tests.
    qputenv("HF_HUB_CACHE", QDir(m_cache.path()).filePath(QStringLiteral("empty")).toUtf8());
}

void TestHuggingFace::cleanup() { qunsetenv("HF_HUB_CACHE"); }

std::unique_ptr<MainWindow> TestHuggingFace::openWindow()
{
    auto w = std::make_unique<MainWindow>();
    w->resize(1440, 900);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get()))
        return nullptr;
    for (int waited = 0; waited < 20000 && (w->traceModel()->isEmpty() || w->controller()->busy()); waited += 20)
        QTest::qWait(20);
    return w->traceModel()->isEmpty() ? nullptr : std::move(w);
}

bool TestHuggingFace::waitForModel(MainWindow &w, const QString &name, const QString &sentence)
{
    for (int waited = 0; waited < 20000; waited += 20) {
        const DecodeTrace *t = w.traceModel()->trace();
        if (t && t->model == name.toStdString() && !w.controller()->busy()
            && (sentence.isEmpty() || QString::fromStdString(t->source.text) == sentence))
            return true;
        QTest::qWait(20);
    }
    return false;
}

void TestHuggingFace::testOpenFolderDecodes()
{
    auto w = openWindow();
    QVERIFY(w);
    QSignalSpy progress(w->controller(), &DecodeController::loadProgress);
    QSignalSpy ended(w->controller(), &DecodeController::loadEnded);
    // What File ▸ Open model folder… does with the folder chosen.
    w->openModelFile(fixture("bart"));
    QVERIFY(w->loadProgressBar()->isVisible()); // the folder's loading shows, with Cancel
    QVERIFY(w->cancelLoadButton()->isVisible());
    QVERIFY(waitForModel(*w, QStringLiteral("bart")));
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.first().at(1).toDouble(), 0.0);
    QVERIFY(!ended.isEmpty());
    QVERIFY(!w->loadProgressBar()->isVisible());
    QCOMPARE(w->controller()->modelSource(), fixture("bart"));
    const DecodeTrace *t = w->traceModel()->trace();
    QCOMPARE(QString::fromStdString(t->source.text), MainWindow::seedSentence());
    QVERIFY(t->stepCount() > 0);
    QVERIFY(!t->source.words.empty()); // a subword source
    // The picker names the folder and keeps it.
    QCOMPARE(w->modelPicker()->currentText(), QStringLiteral("bart"));
    QCOMPARE(w->modelPicker()->currentData().toString(), fixture("bart"));
    // A folder's config.json stands for the folder.
    QCOMPARE(modelSourceOf(fixture("marian") + QStringLiteral("/config.json")), fixture("marian"));
    QCOMPARE(modelSourceOf(fixture("marian") + QStringLiteral("/")), fixture("marian"));
}

void TestHuggingFace::testReadableLabels()
{
    auto w = openWindow();
    QVERIFY(w);
    w->openModelFile(fixture("bart"));
    QVERIFY(waitForModel(*w, QStringLiteral("bart")));
    const DecodeTrace &t = *w->traceModel()->trace();
    // BART stores byte-level pieces ("Ġcat"); every view draws them readable.
    bool rawMarks = false;
    for (const std::string &l : t.source.labels)
        rawMarks |= l.find("\xC4\xA0") != std::string::npos; // "Ġ"
    QVERIFY2(rawMarks, "the fixture's pieces should carry Ġ");
    const HeatmapData &d = w->heatmap()->view()->data();
    QVERIFY(d.columns() > 0 && d.rows() > 0);
    const QString mark = QString::fromUtf8(kWordMark);
    bool readableMark = false;
    for (const QString &l : d.columnLabels + d.rowLabels) {
        QVERIFY2(!l.contains(QChar(0x120)), qPrintable(l));
        readableMark |= l.startsWith(mark);
    }
    QVERIFY(readableMark);
    for (int j = 0; j < t.sourceLength(); ++j)
        QCOMPARE(d.columnLabels[j], QString::fromStdString(t.readable(t.source.labels[size_t(j)])));
    // The exported figure's SVG text is readable too; JSON keeps the raw pieces.
    FigureOptions o;
    o.format = FigureFormat::Svg;
    const QString svg = QString::fromUtf8(FigureExporter(*w->traceModel(), o).toSvg());
    QVERIFY(!svg.contains(QChar(0x120)));
    QVERIFY(svg.contains(mark));
    o.view = FigureView::Lines;
    QVERIFY(!QString::fromUtf8(FigureExporter(*w->traceModel(), o).toSvg()).contains(QChar(0x120)));
}

void TestHuggingFace::testMergeWordPieces()
{
    auto w = openWindow();
    QVERIFY(w);
    w->openModelFile(fixture("bart"));
    QVERIFY(waitForModel(*w, QStringLiteral("bart")));
    const DecodeTrace &t = *w->traceModel()->trace();
    const std::set<int> words(t.source.words.begin(), t.source.words.end());
    QVERIFY2(int(words.size()) < t.sourceLength(), "the seed sentence should split into pieces");
    HeatmapView *view = w->heatmap()->view();
    const HeatmapData pieces = view->data();
    QAction *merge = w->heatmap()->mergeWordsAction();
    QVERIFY(merge->isEnabled());
    merge->trigger(); // the heatmap's toggle; View ▸ Merge word pieces is the same action
    QVERIFY(view->options().mergeWords);
    const HeatmapData &merged = view->data();
    QCOMPARE(merged.columns(), int(words.size()));
    QVERIFY(merged.rows() <= pieces.rows());
    // Each merged column's weight is the sum of its pieces', per target word the mean of its rows.
    const Matrix w0 = w->traceModel()->weightMatrix(); // (T, n)
    for (int r = 0; r < merged.rows(); ++r)
        for (int c = 0; c < merged.columns(); ++c) {
            const float expected = w0.block(merged.rowSteps[size_t(r)], merged.columnSources[size_t(c)],
                                            merged.rowSpan(r), merged.columnSpan(c))
                                       .sum()
                                   / float(merged.rowSpan(r));
            QVERIFY(std::abs(merged.value(r, c) - expected) < 1e-5f);
        }
    // The one switch merges every view of attention: the encoder's
    // self-attention (words over words), the head grid, the compare grid.
    SelfAttentionPanel *self = w->selfAttention();
    self->setKind(AttentionKind::EncoderSelf);
    QVERIFY(self->view()->options().mergeWords);
    QCOMPARE(self->view()->data().columns(), int(words.size()));
    QCOMPARE(self->view()->data().rows(), int(words.size()));
    HeadGridView *grid = w->headGrid()->view();
    QVERIFY(grid->mergesWords());
    QCOMPARE(int(grid->data().cell(0, 0).cols()), int(words.size()));
    QCOMPARE(grid->data().keyLabels.size(), qsizetype(words.size()));
    auto *compare = w->findChild<CompareView *>();
    QVERIFY(compare && compare->mergesWords());
    // The exported figure honours the toggle: a merged word's label is in it, and only there.
    int word = 0;
    while (word < merged.columns() && merged.columnSpan(word) < 2)
        ++word;
    QVERIFY(word < merged.columns());
    const QString label = merged.columnLabels[word].toHtmlEscaped();
    FigureOptions o;
    o.format = FigureFormat::Svg;
    const QString plainSvg = QString::fromUtf8(FigureExporter(*w->traceModel(), o).toSvg());
    o.mergeWords = true;
    const QString mergedSvg = QString::fromUtf8(FigureExporter(*w->traceModel(), o).toSvg());
    QVERIFY2(mergedSvg.contains(QLatin1Char('>') + label + QLatin1Char('<')), qPrintable(label));
    QVERIFY(!plainSvg.contains(QLatin1Char('>') + label + QLatin1Char('<')));
    // Sessions keep the choice.
    QVERIFY(w->captureSession().mergeWords);
    QVERIFY(sessionFromJson(sessionToJson(w->captureSession()))->mergeWords);
    merge->trigger();
    QCOMPARE(view->data().columns(), t.sourceLength());
    QCOMPARE(self->view()->data().columns(), t.sourceLength());
    QVERIFY(!grid->mergesWords() && !compare->mergesWords());
    QCOMPARE(int(grid->data().cell(0, 0).cols()), t.sourceLength());
}

void TestHuggingFace::testDropFolder()
{
    auto w = openWindow();
    QVERIFY(w);
    auto *mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(fixture("marian") + QStringLiteral("/"))});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(w.get(), &drop);
    QVERIFY(waitForModel(*w, QStringLiteral("marian")));
    QCOMPARE(w->controller()->modelSource(), fixture("marian"));
    delete mime;
}

void TestHuggingFace::testCacheListsSnapshots()
{
    const QString root = QDir(m_cache.path()).filePath(QStringLiteral("hub"));
    QVERIFY(layOutCache(root, QStringLiteral("models--org--name"), {QStringLiteral("0123456789abcdef")},
                        QStringLiteral("0123456789abcdef")));
    QVERIFY(layOutCache(root, QStringLiteral("models--acme--two-revs"),
                        {QStringLiteral("aaaaaaaaaaaa"), QStringLiteral("bbbbbbbbbbbb")}, QStringLiteral("bbbbbbbbbbbb")));
    QDir().mkpath(QDir(root).filePath(QStringLiteral("datasets--org--data/snapshots/1"))); // not a model
    qputenv("HF_HUB_CACHE", root.toUtf8());

    const QList<CachedModelEntry> entries = huggingFaceCacheEntries();
    QCOMPARE(entries.size(), 3);
    QCOMPARE(entries[0].label, QStringLiteral("acme/two-revs @ bbbbbbb (main)")); // main first
    QCOMPARE(entries[1].label, QStringLiteral("acme/two-revs @ aaaaaaa"));
    QCOMPARE(entries[2].label, QStringLiteral("org/name")); // one revision: the repository alone
    const QString snapshot = QDir(root).filePath(QStringLiteral("models--org--name/snapshots/0123456789abcdef"));
    QCOMPARE(QDir::cleanPath(entries[2].path), snapshot);
    QCOMPARE(cachedRepositoryOf(snapshot), QStringLiteral("org/name"));
    QCOMPARE(modelLabel(snapshot), QStringLiteral("org/name"));

    auto w = openWindow();
    QVERIFY(w);
    QMenu *menu = w->huggingFaceMenu();
    emit menu->aboutToShow(); // built when the menu opens
    QAction *entry = nullptr;
    for (QAction *a : menu->actions())
        if (a->text() == QLatin1String("org/name"))
            entry = a;
    QVERIFY(entry);
    entry->trigger();
    // Named by its repository, not by the snapshot's hash, in the window and the picker.
    QVERIFY(waitForModel(*w, QStringLiteral("org/name")));
    QCOMPARE(QDir::cleanPath(w->controller()->modelSource()), snapshot);
    QCOMPARE(w->modelPicker()->currentText(), QStringLiteral("org/name"));

    // Compare's Models menu offers the same snapshots.
    auto *compare = w->findChild<CompareView *>();
    QVERIFY(compare);
    QMenu *models = compare->modelsMenu();
    emit models->aboutToShow();
    QStringList labels;
    for (QAction *a : models->actions())
        labels << a->text();
    QVERIFY2(labels.contains(QStringLiteral("acme/two-revs @ aaaaaaa")), qPrintable(labels.join(u'|')));
    QVERIFY(labels.contains(QStringLiteral("org/name")));
}

void TestHuggingFace::testEmptyCacheSaysWhere()
{
    auto w = openWindow();
    QVERIFY(w);
    QMenu *menu = w->huggingFaceMenu();
    emit menu->aboutToShow();
    QCOMPARE(menu->actions().size(), 1);
    QAction *none = menu->actions().first();
    QVERIFY(!none->isEnabled());
    QVERIFY2(none->text().contains(QDir(m_cache.path()).filePath(QStringLiteral("empty"))), qPrintable(none->text()));
}

void TestHuggingFace::testCancelKeepsPreviousModel()
{
    auto w = openWindow();
    QVERIFY(w);
    const ModelPtr before = w->controller()->model();
    const QString source = w->controller()->modelSource();
    const DecodeTrace *trace = w->traceModel()->trace();
    QSignalSpy cancelled(w->controller(), &DecodeController::loadCancelled);
    QSignalSpy errors(w->controller(), &DecodeController::errorOccurred);
    w->openModelFile(fixture("t5-relu-tied"));
    QVERIFY(w->controller()->loading());
    QVERIFY(w->cancelLoadButton()->isVisible());
    // Cancel before the result is handed back: whatever the worker got to, it is dropped.
    QTest::mouseClick(w->cancelLoadButton(), Qt::LeftButton);
    QCOMPARE(cancelled.size(), 1);
    QCOMPARE(cancelled.first().first().toString(), fixture("t5-relu-tied"));
    QVERIFY(!w->controller()->loading());
    QVERIFY(!w->loadProgressBar()->isVisible());
    QTest::qWait(1500);
    QCOMPARE(w->controller()->model(), before);
    QCOMPARE(w->controller()->modelSource(), source);
    QCOMPARE(w->traceModel()->trace(), trace); // not even decoded again
    QVERIFY(errors.isEmpty()); // a cancel is no error
    QVERIFY(!w->controller()->busy());
}

void TestHuggingFace::testBrokenFolderShowsCoreMessage()
{
    auto w = openWindow();
    QVERIFY(w);
    const QString broken = QDir(m_cache.path()).filePath(QStringLiteral("broken"));
    QVERIFY(copyFolder(fixture("bart"), broken));
    QVERIFY(QFile::remove(QDir(broken).filePath(QStringLiteral("model.safetensors"))));
    QVERIFY(QFile::remove(QDir(broken).filePath(QStringLiteral("pytorch_model.bin"))));
    const auto expected = openModel(broken.toStdString());
    QVERIFY(!expected);
    const ModelPtr before = w->controller()->model();
    QSignalSpy errors(w->controller(), &DecodeController::errorOccurred);
    w->openModelFile(broken);
    QVERIFY(errors.wait(20000));
    QCOMPARE(errors.first().first().toString(), QString::fromStdString(expected.error().message));
    QVERIFY(!errors.first().first().toString().contains(u'\n'));
    QCOMPARE(w->messageBar()->text(), QString::fromStdString(expected.error().message));
    QCOMPARE(w->controller()->model(), before);
}

void TestHuggingFace::testSessionReopensFolder()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("session.json"));
    {
        auto w = openWindow();
        QVERIFY(w);
        w->openModelFile(fixture("bart"));
        QVERIFY(waitForModel(*w, QStringLiteral("bart")));
        QVERIFY(w->saveSessionFile(file));
        auto saved = loadSession(file);
        QVERIFY(saved);
        QCOMPARE(saved->model, fixture("bart")); // recorded by its path
    }
    QSettings().clear(); // the next window starts on the bundled model
    auto w = openWindow();
    QVERIFY(w);
    QVERIFY(w->controller()->modelSource() != fixture("bart"));
    QVERIFY(w->openSessionFile(file));
    QVERIFY(waitForModel(*w, QStringLiteral("bart"), MainWindow::seedSentence()));
    QCOMPARE(w->controller()->modelSource(), fixture("bart"));
}

QTEST_MAIN(TestHuggingFace)
#include "testhuggingface.moc"
