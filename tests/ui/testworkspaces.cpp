// Workspaces (#24): one layout per task, each giving its main view the
// window, measured on the screens users have (1440 × 900, 1920 × 1080):
// the compare grid of the eight bundled models (seven RNNs and a Transformer) keeps cells of 16 px or more
// and draws every token label; the training layout's charts are readable;
// layouts switch, keep the user's changes, reset, and survive a restart.

#include "attention/heatmapview.h"
#include "compare/compareview.h"
#include "mainwindow/mainwindow.h"
#include "training/losschart.h"
#include "training/trainingpanel.h"
#include "widgets/messagebar.h"

#include "alignscope/model.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QSettings>
#include <QScrollArea>
#include <QScrollBar>
#include <QStatusBar>
#include <QTableWidget>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace alignscope;
using namespace alignscope::ui;

class TestWorkspaces : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void testCompareGridReadable_data();
    void testCompareGridReadable();
    void testTrainingLayout_data();
    void testTrainingLayout();
    void testSwitchKeepsChangesAndResets();
    void testRestoredAfterRestart();
    void testInfoMessageMovesToStatusBar();
    void testDarkPaletteEveryLayout();

private:
    std::unique_ptr<MainWindow> openWindow(QSize size);
    static QDockWidget *dock(MainWindow &w, const char *name) { return w.findChild<QDockWidget *>(QLatin1String(name)); }
};

void TestWorkspaces::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("AlignScopeTest"));
    QCoreApplication::setApplicationName(QStringLiteral("testworkspaces"));
    if (bundledModelNames().size() < 8)
        QSKIP("needs the eight bundled models");
}

void TestWorkspaces::init() { QSettings().clear(); }

std::unique_ptr<MainWindow> TestWorkspaces::openWindow(QSize size)
{
    auto w = std::make_unique<MainWindow>();
    w->resize(size);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get()))
        return nullptr;
    // The seed sentence decoded: the window as a user first sees it.
    for (int waited = 0; w->traceModel()->isEmpty() && waited < 20000; waited += 20)
        QTest::qWait(20);
    return w->traceModel()->isEmpty() ? nullptr : std::move(w);
}

void TestWorkspaces::testCompareGridReadable_data()
{
    QTest::addColumn<QSize>("screen");
    QTest::newRow("1440x900") << QSize(1440, 900);
    QTest::newRow("1920x1080") << QSize(1920, 1080);
}

// Eight models of both families at once: cells of at least 16 px, every source and target
// token drawn (shrunk or elided, never left out), the difference map and
// the table with room of their own.
void TestWorkspaces::testCompareGridReadable()
{
    QFETCH(QSize, screen);
    auto w = openWindow(screen);
    QVERIFY(w);
    w->workspaceAction(Workspace::Compare)->trigger();
    QCOMPARE(w->workspaces()->current(), Workspace::Compare);
    QVERIFY(!dock(*w, "heatmapDock")->isVisible());
    QVERIFY(dock(*w, "compareDock")->isVisible());
    QVERIFY(dock(*w, "compareDock")->width() > screen.width() * 0.85); // the task's view has the window
    auto *compare = w->findChild<CompareView *>();
    QVERIFY(compare);
    QTRY_VERIFY_WITH_TIMEOUT(compare->panelCount() == 8 && !compare->controller()->busy(), 60000);
    QTest::qWait(50); // the shared axes settle once the layout has
    for (int i = 0; i < compare->panelCount(); ++i) {
        ComparePanel *panel = compare->panel(i);
        QVERIFY2(panel->showsHeatmap(), qPrintable(panel->errorText()));
        HeatmapView *view = panel->view();
        QVERIFY2(view->options().cellSize >= ComparePanel::kMinimumCell,
                 qPrintable(QStringLiteral("panel %1: %2 px cells").arg(i).arg(view->options().cellSize)));
        const HeatmapData &d = view->data();
        const HeatmapPainter painter = view->painter();
        if (view->options().showColumnLabels)
            for (int c = 0; c < d.columns(); ++c)
                QVERIFY2(!painter.shownColumnLabel(c).isEmpty(), qPrintable(d.columnLabels[c]));
        if (view->options().showRowLabels)
            for (int r = 0; r < d.rows(); ++r)
                QVERIFY2(!painter.shownRowLabel(r).isEmpty(), qPrintable(d.rowLabels[r]));
        // The label font fits the cell: the shrunk text is no taller than a row.
        QVERIFY(QFontMetricsF(painter.labelFont(false)).height() <= view->options().cellSize);
    }
    auto *scroll = compare->findChild<QScrollArea *>(QStringLiteral("compareGridScroll"));
    qInfo("%dx%d: grid %dx%d (scrolls %d px), panel 0 %dx%d, cells %.0f px, difference map %dx%d, table %dx%d",
          screen.width(), screen.height(), scroll->viewport()->width(), scroll->viewport()->height(),
          scroll->verticalScrollBar()->maximum(), compare->panel(0)->width(), compare->panel(0)->height(),
          compare->panel(0)->view()->options().cellSize, compare->differenceView()->width(),
          compare->differenceView()->height(), compare->summaryTable()->width(), compare->summaryTable()->height());
    QVERIFY(compare->differenceView()->height() >= 150);
    QVERIFY(compare->summaryTable()->height() >= 150);
    QVERIFY(compare->summaryTable()->columnWidth(CompareView::TranslationColumn) >= 200);
}

void TestWorkspaces::testTrainingLayout_data() { testCompareGridReadable_data(); }

// Train ▸ Train a model opens the training layout: the charts and the
// watched heatmap at a readable size, and more room once the form folds.
void TestWorkspaces::testTrainingLayout()
{
    QFETCH(QSize, screen);
    auto w = openWindow(screen);
    QVERIFY(w);
    w->findChild<QAction *>(QStringLiteral("trainAction"))->trigger();
    QCOMPARE(w->workspaces()->current(), Workspace::Train);
    QVERIFY(dock(*w, "trainingDock")->isVisible());
    QVERIFY(!dock(*w, "linesDock")->isVisible());
    TrainingPanel *panel = w->trainingPanel();
    QTest::qWait(20);
    LossChart *chart = panel->lossChart();
    QVERIFY2(chart->height() >= 180 && chart->width() >= 500,
             qPrintable(QStringLiteral("%1 x %2").arg(chart->width()).arg(chart->height())));
    QVERIFY(panel->watchedHeatmap()->height() >= 200);
    qInfo("%dx%d: loss chart %dx%d, watched heatmap %dx%d", screen.width(), screen.height(), chart->width(),
          chart->height(), panel->watchedHeatmap()->width(), panel->watchedHeatmap()->height());
    const int before = chart->width();
    panel->setSetupVisible(false);
    QTRY_VERIFY(chart->width() > before + 150);
    QVERIFY(!panel->setupVisible());
    panel->findChild<QToolButton *>(QStringLiteral("trainSetupToggle"))->click();
    QVERIFY(panel->setupVisible());
}

// A change to one layout stays with it; Reset puts its default back.
void TestWorkspaces::testSwitchKeepsChangesAndResets()
{
    auto w = openWindow({1440, 900});
    QVERIFY(w);
    QDockWidget *lines = dock(*w, "linesDock");
    QVERIFY(lines->isVisible());
    w->workspaceAction(Workspace::Compare)->trigger();
    QVERIFY(!lines->isVisible());
    lines->show(); // the user wants the lines beside the grid
    w->workspaceAction(Workspace::StepThrough)->trigger();
    QVERIFY(lines->isVisible());
    QVERIFY(dock(*w, "heatmapDock")->isVisible());
    w->workspaceAction(Workspace::Compare)->trigger();
    QVERIFY(lines->isVisible()); // kept
    QVERIFY(w->workspaceAction(Workspace::Compare)->isChecked());
    w->findChild<QAction *>(QStringLiteral("resetLayout"))->trigger();
    QVERIFY(!lines->isVisible());
    QCOMPARE(w->workspaces()->current(), Workspace::Compare);
}

// The layout last used, and the user's changes to each, come back after a restart.
void TestWorkspaces::testRestoredAfterRestart()
{
    {
        auto w = openWindow({1440, 900});
        QVERIFY(w);
        w->workspaceAction(Workspace::Compare)->trigger();
        dock(*w, "explainDock")->show();
        w->close(); // saves the settings
    }
    auto w = openWindow({1440, 900});
    QVERIFY(w);
    QCOMPARE(w->workspaces()->current(), Workspace::Compare);
    QVERIFY(w->workspaceAction(Workspace::Compare)->isChecked());
    QVERIFY(dock(*w, "compareDock")->isVisible());
    QVERIFY(dock(*w, "explainDock")->isVisible());
    QVERIFY(!dock(*w, "heatmapDock")->isVisible());
    w->workspaceAction(Workspace::StepThrough)->trigger();
    QVERIFY(dock(*w, "heatmapDock")->isVisible());
}

// News (a recovered session, a random model) gives the views their room back.
void TestWorkspaces::testInfoMessageMovesToStatusBar()
{
    auto w = openWindow({1440, 900});
    QVERIFY(w);
    w->showMessage(QStringLiteral("A session was recovered."), int(MessageBar::Kind::Info));
    QCOMPARE(w->messageBar()->text(), QStringLiteral("A session was recovered."));
    QTRY_VERIFY_WITH_TIMEOUT(w->messageBar()->text().isEmpty(), 12000);
    QCOMPARE(w->statusBar()->currentMessage(), QStringLiteral("A session was recovered."));
    w->showMessage(QStringLiteral("Could not open."), int(MessageBar::Kind::Error));
    QTest::qWait(200);
    QCOMPARE(w->messageBar()->text(), QStringLiteral("Could not open.")); // errors stay until dismissed
}

// With a dark palette every layout's main view paints dark, with light
// text: nothing hard-codes a light background or dark ink.
void TestWorkspaces::testDarkPaletteEveryLayout()
{
    const QPalette light = QApplication::palette();
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::AlternateBase, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        dark.setColor(role, QColor(0xe8, 0xe8, 0xe8));
    dark.setColor(QPalette::Highlight, QColor(0x3d, 0x8e, 0xd8));
    dark.setColor(QPalette::HighlightedText, Qt::white);
    dark.setColor(QPalette::PlaceholderText, QColor(0x90, 0x90, 0x90));
    QApplication::setPalette(dark);
    auto w = openWindow({1440, 900});
    QVERIFY(w);
    const struct {
        Workspace workspace;
        const char *dock;
    } layouts[] = {{Workspace::StepThrough, "heatmapDock"}, {Workspace::Compare, "compareDock"},
                   {Workspace::Train, "trainingDock"}};
    for (const auto &l : layouts) {
        w->workspaces()->switchTo(l.workspace);
        if (l.workspace == Workspace::Compare)
            QTRY_VERIFY_WITH_TIMEOUT(!w->findChild<CompareView *>()->controller()->busy(), 60000);
        QTest::qWait(20);
        const QImage shot = dock(*w, l.dock)->widget()->grab().toImage();
        QVERIFY(!shot.isNull());
        long long dim = 0, bright = 0, all = 0;
        for (int y = 0; y < shot.height(); y += 2)
            for (int x = 0; x < shot.width(); x += 2, ++all) {
                const int v = qGray(shot.pixel(x, y));
                dim += v < 90;
                bright += v > 200;
            }
        QVERIFY2(dim > all / 2, qPrintable(QStringLiteral("%1: %2% dark").arg(l.dock).arg(100 * dim / all)));
        QVERIFY2(bright > 0, l.dock); // the text, in the palette's light ink
    }
    w.reset();
    QApplication::setPalette(light);
}

QTEST_MAIN(TestWorkspaces)
#include "testworkspaces.moc"
