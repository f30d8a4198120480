// TestCompareView: several models on one sentence — teacher forcing gives
// equal shapes, a model minus itself is exactly zero (and paints the neutral
// centre colour), the summary table shows core's numbers, and a model that
// fails to load shows its error while the others render.

#include "compare/compareview.h"
#include "export/exporter.h"
#include "attention/heatmapview.h"

#include "alignscope/metrics.h"
#include "alignscope/rnnmodel.h"
#include "alignscope/tasks.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QMimeData>
#include <QFile>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace alignscope;
using namespace alignscope::ui;

namespace {

ModelConfig smallConfig(ScorerKind scorer)
{
    ModelConfig c;
    c.encoder.embedding = c.decoder.embedding = 8;
    c.encoder.hidden = c.decoder.hidden = 16;
    c.attention.dimension = 16;
    c.attention.scorer = scorer;
    const bool bahdanau = scorer == ScorerKind::Additive;
    c.decoder.kind = bahdanau ? DecoderKind::Bahdanau : DecoderKind::Luong;
    return c;
}

// Random models whose vocabularies cover the seed pair, so forcing its
// reference keeps every target token and AER can be computed.
QString saveModel(const QTemporaryDir &dir, ScorerKind scorer, unsigned seed)
{
    const SentencePair pair = enFrSeedPair();
    RnnModel m = RnnModel::initialise(smallConfig(scorer), Vocabulary::build({pair.sourceTokens}),
                                Vocabulary::build({pair.targetTokens}), seed);
    m.setName("random-" + std::to_string(seed));
    const QString path = dir.filePath(QStringLiteral("m%1.safetensors").arg(seed));
    const auto saved = m.save(path.toStdString());
    return saved ? path : QString();
}

} // namespace

class TestCompareView : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void testTeacherForcedShapesMatch_data();
    void testTeacherForcedShapesMatch();
    void testSelfDifferenceIsZero();
    void testSummaryTableMatchesCore();
    void testBadModelShowsErrorOthersRender();
    void testStaleResultsDropped();
    void testStop();
    void testExportGridAndDifference();
    void testSharedAxes();

private:
    void run(const QStringList &models, CompareTarget target = CompareTarget::None, const QString &typed = {},
             int modelIndex = 0);
    QString sentence() const { return QString::fromStdString(enFrSeedPair().source); }

    QTemporaryDir m_dir;
    QStringList m_models;
    std::unique_ptr<TraceModel> m_follow;
    std::unique_ptr<CompareView> m_view;
};

void TestCompareView::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const ScorerKind scorers[] = {ScorerKind::Additive, ScorerKind::Dot, ScorerKind::General};
    for (unsigned i = 0; i < 3; ++i) {
        m_models << saveModel(m_dir, scorers[i], 21 + i);
        QVERIFY(!m_models.last().isEmpty());
    }
}

void TestCompareView::init()
{
    m_follow = std::make_unique<TraceModel>();
    m_view = std::make_unique<CompareView>(m_follow.get());
    m_view->resize(1200, 800);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestCompareView::cleanup()
{
    m_view.reset();
    m_follow.reset();
}

void TestCompareView::run(const QStringList &models, CompareTarget target, const QString &typed, int modelIndex)
{
    CompareController *c = m_view->controller();
    m_view->setModelSources(models);
    m_view->setTarget(target, typed, modelIndex);
    QSignalSpy finished(c, &CompareController::finished);
    m_view->setSentence(sentence());
    QTRY_VERIFY_WITH_TIMEOUT(!c->busy() && finished.count() > 0, 30000);
    QCOMPARE(m_view->panelCount(), int(models.size()));
}

void TestCompareView::testTeacherForcedShapesMatch_data()
{
    QTest::addColumn<int>("target");
    QTest::newRow("reference") << int(CompareTarget::Reference);
    QTest::newRow("typed") << int(CompareTarget::Typed);
    QTest::newRow("model output") << int(CompareTarget::ModelOutput);
}

void TestCompareView::testTeacherForcedShapesMatch()
{
    QFETCH(int, target);
    run(m_models, CompareTarget(target), QStringLiteral("le chat sur le tapis"), 1);
    const auto &results = m_view->controller()->results();
    QVERIFY(!m_view->controller()->resolvedTarget().isEmpty());
    const Matrix first = results[0].trace->weightMatrix(results[0].trace->bestPath());
    QVERIFY(first.rows() > 1);
    for (int i = 0; i < results.size(); ++i) {
        QVERIFY2(results[i].trace, results[i].row.error.c_str());
        const DecodeTrace &t = *results[i].trace;
        const Matrix w = t.weightMatrix(t.bestPath());
        QCOMPARE(w.rows(), first.rows());
        QCOMPARE(w.cols(), first.cols());
        QCOMPARE(m_view->panel(i)->view()->data().rows(), int(first.rows()));
        QCOMPARE(m_view->panel(i)->view()->data().columns(), int(first.cols()));
    }
    if (CompareTarget(target) == CompareTarget::Reference) // every model read the gold target
        QCOMPARE(results[0].trace->targetTokens(results[0].trace->bestPath()), enFrSeedPair().targetTokens);
    // Different models on one target: the difference panel has the same shape.
    m_view->setDifferencePair(0, 2);
    QCOMPARE(m_view->differenceView()->data().rows(), int(first.rows()));
}

void TestCompareView::testSelfDifferenceIsZero()
{
    run(m_models, CompareTarget::Reference);
    const TracePtr trace = m_view->controller()->results()[1].trace;
    QVERIFY(trace);
    const Matrix diff = weightDifference(*trace, *trace);
    QVERIFY(diff.size() > 0);
    QCOMPARE(diff.cwiseAbs().maxCoeff(), 0.0f);

    // Step to the end in the main view: the grid and the difference follow.
    m_follow->setTrace(trace, trace->stepCount() - 1);
    m_view->setDifferencePair(1, 1);
    DifferenceView *dv = m_view->differenceView();
    const HeatmapData &d = dv->data();
    QCOMPARE(d.rows(), int(diff.rows()));
    QCOMPARE(d.visibleRows, d.rows());
    QVERIFY(d.rows() > 1);
    for (float v : d.values)
        QCOMPARE(v, 0.0f);
    for (int i = 0; i < m_view->panelCount(); ++i)
        QCOMPARE(m_view->panel(i)->traceModel()->step(), m_view->panel(i)->traceModel()->stepCount() - 1);

    // Every painted cell is the colormap's centre: neither red nor blue.
    const QImage image = dv->grab().toImage();
    const QRgb neutral = Colormap(ColormapKind::Diverging).rgb(0.5);
    QVERIFY(qAbs(qRed(neutral) - qBlue(neutral)) < 4 && qRed(neutral) > 230);
    for (int r = 0; r + 1 < d.rows(); ++r) // the last row carries the current-row frame
        for (int c = 0; c < d.columns(); ++c) {
            const QRectF cell = dv->cellRect(r, c);
            const QPoint probe = (cell.topLeft() + QPointF(3, 3)).toPoint() * image.devicePixelRatio();
            QCOMPARE(QColor(image.pixel(probe)), QColor(neutral));
        }
}

void TestCompareView::testSummaryTableMatchesCore()
{
    run(m_models, CompareTarget::Reference);
    const SentencePair gold = enFrSeedPair();
    QTableWidget *table = m_view->summaryTable();
    QCOMPARE(table->rowCount(), int(m_models.size()));
    for (int i = 0; i < table->rowCount(); ++i) {
        const DecodeTrace &t = *m_view->controller()->results()[i].trace;
        const std::vector<int> path = t.bestPath();
        const Matrix w = t.weightMatrix(path);
        double logProb = 0;
        QVariantList maxima;
        for (int n : path) {
            logProb += t.nodes[n].logProb;
            maxima << double(t.nodes[n].weights().maxCoeff());
        }
        auto number = [&](int column) { return table->item(i, column)->data(Qt::UserRole).toDouble(); };
        QCOMPARE(table->item(i, CompareView::TranslationColumn)->text(), QString::fromStdString(t.translation(path)));
        QCOMPARE(number(CompareView::LogProbColumn), logProb);
        QCOMPARE(number(CompareView::EntropyColumn), meanEntropy(w));
        QCOMPARE(table->item(i, CompareView::MaxWeightColumn)->data(Qt::UserRole).toList(), maxima);
        const int words = int(gold.targetTokens.size());
        const double aer = alignmentErrorRate({argmaxAlignment(w.topRows(words), int(gold.sourceTokens.size()))},
                                              {gold.alignment}, {gold.alignment});
        QVERIFY(table->item(i, CompareView::AerColumn)->data(Qt::UserRole).isValid()); // gold links apply
        QCOMPARE(number(CompareView::AerColumn), aer);
        QVERIFY(number(CompareView::TimeColumn) > 0.0);
    }
}

void TestCompareView::testBadModelShowsErrorOthersRender()
{
    const QString bad = m_dir.filePath(QStringLiteral("garbage.safetensors"));
    {
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not a safetensors file at all\n");
    }
    run({bad, m_models[0], m_models[1]});
    QVERIFY(!m_view->panel(0)->showsHeatmap());
    QVERIFY2(m_view->panel(0)->errorText().contains(QStringLiteral("garbage.safetensors")),
             qPrintable(m_view->panel(0)->errorText()));
    QVERIFY(m_view->summaryTable()->item(0, CompareView::TranslationColumn)->text().startsWith(QStringLiteral("error")));
    for (int i = 1; i < 3; ++i) {
        QVERIFY(m_view->panel(i)->showsHeatmap());
        QVERIFY(m_view->panel(i)->errorText().isEmpty());
        QVERIFY(m_view->panel(i)->view()->data().rows() > 0);
        QVERIFY(m_view->panel(i)->view()->isVisible());
    }
    // The difference of a failed model with a good one explains itself instead of painting.
    m_view->setDifferencePair(0, 1);
    QCOMPARE(m_view->differenceView()->data().rows(), 0);
}

void TestCompareView::testStaleResultsDropped()
{
    CompareController *c = m_view->controller();
    m_view->setModelSources(m_models);
    QSignalSpy finished(c, &CompareController::finished);
    m_view->setSentence(QStringLiteral("the cat"));
    m_view->setSentence(sentence()); // overtakes the first run at once
    QTRY_VERIFY_WITH_TIMEOUT(!c->busy() && finished.count() > 0, 30000);
    QTest::qWait(200); // any straggler of the first run would arrive now
    for (const CompareResult &r : c->results())
        QCOMPARE(QString::fromStdString(r.trace->source.text), sentence());
}

// Stop ends a run at once: unfinished panels say so (not as an error), the
// table and Stop button follow, and nothing of the stopped run arrives later.
void TestCompareView::testStop()
{
    CompareController *c = m_view->controller();
    m_view->setModelSources(m_models);
    QSignalSpy finished(c, &CompareController::finished);
    QSignalSpy ready(c, &CompareController::resultReady);
    m_view->setSentence(sentence());
    QVERIFY(c->busy());
    QVERIFY(m_view->stopAction()->isEnabled());
    m_view->stopAction()->trigger(); // before the event loop could deliver anything
    QVERIFY(!c->busy());
    QCOMPARE(finished.count(), 1);
    QVERIFY(!m_view->stopAction()->isEnabled());
    for (int i = 0; i < m_view->panelCount(); ++i) {
        QVERIFY(c->results()[i].stopped);
        QVERIFY(!m_view->panel(i)->showsHeatmap());
        QVERIFY(m_view->panel(i)->errorText().isEmpty()); // stopped is not an error
    }
    const int delivered = int(ready.count());
    QTest::qWait(500); // the stopped run's jobs end; their results are dropped
    QCOMPARE(int(ready.count()), delivered);
    QCOMPARE(finished.count(), 1);

    // Running again works as before.
    c->run();
    QTRY_VERIFY_WITH_TIMEOUT(!c->busy() && finished.count() == 2, 30000);
    for (int i = 0; i < m_view->panelCount(); ++i)
        QVERIFY(m_view->panel(i)->showsHeatmap());
}

// The grid and the difference map export as figures: one captioned panel
// per model (tokens and captions as SVG text), and the difference with its
// own diverging scale, whatever colormap the figure options name.
void TestCompareView::testExportGridAndDifference()
{
    run(m_models, CompareTarget::Reference);
    const std::vector<FigurePanel> grid = m_view->gridFigure();
    QCOMPARE(int(grid.size()), m_models.size());
    FigureOptions o;
    o.format = FigureFormat::Svg;
    const QByteArray svg = FigureExporter(grid, o).toSvg();
    for (const FigurePanel &p : grid) {
        QVERIFY(!p.caption.isEmpty());
        QVERIFY2(svg.contains(p.caption.toHtmlEscaped().toUtf8()), qPrintable(p.caption));
    }
    QCOMPARE(svg.count(">chat</text>"), m_models.size()); // a row label in every panel

    m_view->setDifferencePair(0, 2);
    const std::vector<FigurePanel> diff = m_view->differenceFigure();
    QCOMPARE(diff.size(), std::size_t(1));
    QVERIFY(diff.front().caption.contains(QStringLiteral("−")));
    const HeatmapData &d = m_view->differenceView()->data();
    const double range = m_view->differenceView()->options().signedRange;
    o.format = FigureFormat::Png;
    o.scale = 1.0;
    o.cellValues = false;
    o.colormap = ColormapKind::Viridis; // ignored: a difference keeps its diverging scale
    const FigureExporter exporter(diff, o);
    QImage image;
    QVERIFY(image.loadFromData(exporter.toPng(), "PNG"));
    const Colormap diverging(ColormapKind::Diverging);
    for (int r = 0; r < d.rows(); ++r) // every row, not only those stepped through
        for (int c = 0; c < d.columns(); ++c) {
            const QRgb expected = diverging.rgb(0.5 + 0.5 * d.value(r, c) / range);
            QCOMPARE(QColor(image.pixel(exporter.cellRect(r, c).center().toPoint())), QColor(expected));
        }

    // Context menus: the grid's heatmaps and the difference map.
    QVERIFY(m_view->panel(0)->view()->viewport()->actions().contains(m_view->exportGridAction()));
    QVERIFY(m_view->differenceView()->actions().contains(m_view->exportDifferenceAction()));
    QApplication::clipboard()->clear();
    m_view->copyDifferenceAction()->trigger();
    const QMimeData *mime = QApplication::clipboard()->mimeData();
    QVERIFY(mime && mime->hasImage());
    QVERIFY(mime->data(QStringLiteral("image/svg+xml")).contains("<svg"));
    m_view->copyGridAction()->trigger();
    const QImage copied = qvariant_cast<QImage>(QApplication::clipboard()->mimeData()->imageData());
    QCOMPARE(copied.size(), (FigureExporter(grid, o).figureSize() * 2).toSize());
}

// Teacher-forced, every matrix has the same tokens: the grid shares its
// axes (labels once per grid row and column, one colour bar, equal cells
// lined up across panels). Each model's own decode does not.
void TestCompareView::testSharedAxes()
{
    run(m_models, CompareTarget::Reference);
    QVERIFY(m_view->sharesAxes());
    QTest::qWait(50); // the resize-driven refit runs from the event loop
    const HeatmapView *first = m_view->panel(0)->view();
    const QRectF cell = first->cellRect(0, 0);
    for (int i = 0; i < m_view->panelCount(); ++i) {
        const HeatmapView *v = m_view->panel(i)->view();
        QCOMPARE(v->options().showRowLabels, i == 0); // three panels: one grid row
        QVERIFY(v->options().showColumnLabels);
        QCOMPARE(v->options().showColorBar, i == m_view->panelCount() - 1);
        QCOMPARE(v->cellRect(0, 0).size(), cell.size());
        // The same row sits at the same height in every panel of a grid row.
        const QPoint here = v->viewport()->mapTo(m_view.get(), v->cellRect(2, 0).topLeft().toPoint());
        const QPoint there = first->viewport()->mapTo(m_view.get(), first->cellRect(2, 0).topLeft().toPoint());
        QCOMPARE(here.y(), there.y());
    }
    // Panels without row labels give the room to cells, yet the cells stay the size of the first panel's.
    QVERIFY(m_view->panel(1)->view()->cellRect(0, 0).left() < cell.left());

    // Four panels: a 2 × 2 grid shares row labels down the first column and source tokens along the top.
    run(m_models + QStringList{m_models[0]}, CompareTarget::Reference);
    QVERIFY(m_view->sharesAxes());
    const bool rowLabels[] = {true, false, true, false}, columnLabels[] = {true, true, false, false};
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(m_view->panel(i)->view()->options().showRowLabels, rowLabels[i]);
        QCOMPARE(m_view->panel(i)->view()->options().showColumnLabels, columnLabels[i]);
    }

    // Own decodes of different random models: shapes differ, every panel keeps its axes.
    run(m_models);
    if (!m_view->sharesAxes())
        for (int i = 0; i < m_view->panelCount(); ++i) {
            QVERIFY(m_view->panel(i)->view()->options().showRowLabels);
            QVERIFY(m_view->panel(i)->view()->options().showColumnLabels);
        }
}

QTEST_MAIN(TestCompareView)
#include "testcompareview.moc"
