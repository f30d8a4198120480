// MainWindow's interventions: Ctrl+click on a heatmap cell, a drag that
// reshapes a row (Shift, or the dock's Reshape mode), "remove this
// position" on a source column and heads switched off in the head grid all
// change the controller's Intervention, which decodes again off the GUI
// thread; the Intervention dock shows the result beside the original.
#include "mainwindow/mainwindow.h"

#include "attention/headgrid.h"
#include "attention/heatmapview.h"
#include "attention/interventionpanel.h"
#include "decode/interventionedits.h"

#include <QAction>
#include <QDockWidget>
#include <QStatusBar>

namespace alignscope::ui {

void MainWindow::createIntervention()
{
    m_intervention = new InterventionPanel(m_trace, m_controller, this);
    m_interventionDock = addDock(tr("Intervention"), QStringLiteral("interventionDock"), m_intervention,
                                 Qt::RightDockWidgetArea, false);
    if (auto *explain = findChild<QDockWidget *>(QStringLiteral("explainDock"))) {
        tabifyDockWidget(explain, m_interventionDock);
        explain->raise(); // the comparison comes forward when there is one
    }
    connect(m_heatmap->view(), &HeatmapView::editRequested, this, &MainWindow::editAttention);
    connect(m_heatmap->view(), &HeatmapView::reshapeRequested, this, &MainWindow::reshapeAttention);
    connect(m_heatmap->view(), &HeatmapView::dropRequested, this, &MainWindow::dropSource);
    // The dock's Reshape toggle and the heatmap's mode stay one.
    QAction *reshape = m_intervention->reshapeAction();
    connect(reshape, &QAction::toggled, m_heatmap->view(), &HeatmapView::setReshapeMode);
    connect(m_heatmap->view(), &HeatmapView::reshapeModeChanged, reshape, &QAction::setChecked);
    connect(m_headGrid->view(), &HeadGridView::ablationRequested, this, &MainWindow::switchHead);
    // The comparison comes forward when an intervention starts.
    connect(m_controller, &DecodeController::interventionChanged, this, [this] {
        if (!m_controller->intervention().empty() && m_interventionDock->isVisible())
            m_interventionDock->raise();
    });
}

void MainWindow::editAttention(int step, int source)
{
    const DecodeTrace *t = m_trace->trace();
    if (!t)
        return;
    togglePlay(false);
    m_controller->setIntervention(
        withOneHot(m_controller->intervention(), step, source, m_trace->selection(), t->layers(), t->heads()), step);
    const QString token = QString::fromStdString(t->readable(t->source.labels[size_t(source)]));
    const QString heads = QString::fromStdString(m_trace->selection().label(t->layers(), t->heads()));
    statusBar()->showMessage(tr("Edit: all of step %1's attention on “%2”%3 — decoding again; undo with Ctrl+Z")
                                 .arg(step + 1)
                                 .arg(token, heads.isEmpty() ? QString() : tr(" (%1)").arg(heads)),
                             6000);
}

void MainWindow::reshapeAttention(int step, const Vector &weights)
{
    const DecodeTrace *t = m_trace->trace();
    if (!t || weights.size() != t->sourceLength())
        return;
    togglePlay(false);
    m_controller->setIntervention(
        withReshaped(m_controller->intervention(), step, weights, m_trace->selection(), t->layers(), t->heads()), step);
    Eigen::Index top = 0;
    weights.maxCoeff(&top);
    const QString token = QString::fromStdString(t->readable(t->source.labels[size_t(top)]));
    statusBar()->showMessage(tr("Edit: step %1's attention reshaped (most on “%2”, %3) — decoding again; undo with "
                                "Ctrl+Z")
                                 .arg(step + 1)
                                 .arg(token)
                                 .arg(double(weights[top]), 0, 'f', 2),
                             6000);
}

void MainWindow::dropSource(int source)
{
    const DecodeTrace *t = m_trace->trace();
    if (!t)
        return;
    togglePlay(false);
    m_controller->setIntervention(withDropped(m_controller->intervention(), source), std::max(0, m_trace->step()));
    statusBar()->showMessage(tr("Removed “%1” from every step — undo with Ctrl+Z")
                                 .arg(QString::fromStdString(t->readable(t->source.labels[size_t(source)]))),
                             6000);
}

void MainWindow::switchHead(int layer, int head, bool off)
{
    const DecodeTrace *t = m_trace->trace();
    if (!t)
        return;
    togglePlay(false);
    m_controller->setIntervention(withHeadSwitched(m_controller->intervention(), layer, head, off, t->heads()),
                                  std::max(0, m_trace->step()));
    const QString what = head < 0 ? tr("layer %1's cross-attention").arg(layer + 1)
                                  : tr("layer %1, head %2").arg(layer + 1).arg(head + 1);
    statusBar()->showMessage((off ? tr("Switched off %1 — undo with Ctrl+Z") : tr("Switched %1 back on")).arg(what),
                             6000);
}

} // namespace alignscope::ui
