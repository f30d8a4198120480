#include "attention/headimportanceview.h"

#include "decode/decodecontroller.h"
#include "widgets/colormap.h"

#include "alignscope/recipes.h"

#include <QAction>
#include <QCoreApplication>
#include <QFontMetricsF>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QLinearGradient>
#include <QPainter>
#include <QPointer>
#include <QProgressBar>
#include <QSpinBox>
#include <QThreadPool>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>

namespace alignscope::ui {
namespace {

constexpr double kLeft = 58, kTop = 20, kGap = 3, kCellHeight = 26, kBarHeight = 8;
// Below the cells: the colour bar and its labels.
constexpr double kBelow = 2 * kGap + kBarHeight + kTop;
constexpr int kPollMs = 100;

} // namespace

HeadImportanceView::HeadImportanceView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("headImportanceView"));
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    setMinimumHeight(40);
}

void HeadImportanceView::setImportance(const HeadImportance &importance)
{
    m_importance = importance;
    setMinimumHeight(int(kTop + importance.layers * (kCellHeight + kGap) + (importance.layers ? kBelow : 0) + 4));
    updateGeometry();
    update();
}

void HeadImportanceView::clear() { setImportance({}); }

double HeadImportanceView::cellWidth() const
{
    const int columns = m_importance.heads + 1; // the heads, then the whole layer
    return std::clamp((width() - kLeft - kGap * columns) / std::max(1, columns), 26.0, 80.0);
}

QRectF HeadImportanceView::cellRect(int layer, int head) const
{
    const double w = cellWidth();
    const double gapBeforeLayer = head == m_importance.heads ? 2 * kGap : 0;
    return {kLeft + head * (w + kGap) + gapBeforeLayer, kTop + layer * (kCellHeight + kGap), w, kCellHeight};
}

QSize HeadImportanceView::sizeHint() const
{
    return QSize(int(kLeft + (m_importance.heads + 1) * 50),
                 int(kTop + m_importance.layers * (kCellHeight + kGap) + kBelow + 4));
}

QString HeadImportanceView::cellToolTip(int layer, int head) const
{
    const HeadImportance &m = m_importance;
    if (empty() || layer < 0 || layer >= m.layers || head < 0 || head > m.heads)
        return {};
    const bool whole = head == m.heads;
    const double drop = whole ? m.layerDrop[layer] : m.drop(layer, head);
    return tr("<b>%1</b><br>switched off, log P of the model's own output falls by <b>%2</b> nats<br>"
              "(mean over %3 sentence(s), %4 tokens; log P with every head on: %5)")
        .arg(whole ? tr("layer %1, every head").arg(layer + 1) : tr("layer %1, head %2").arg(layer + 1).arg(head + 1))
        .arg(drop, 0, 'f', 3)
        .arg(m.sentences)
        .arg(m.tokens)
        .arg(m.logProb, 0, 'f', 3);
}

void HeadImportanceView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const HeadImportance &m = m_importance;
    if (empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(6, 0, -6, 0), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Which heads matter? Switches each head off alone and measures the fall in log P."));
        return;
    }
    // Heads and whole layers on their own scales (a layer off costs far more
    // than any head), each from no fall to its largest; a removal that helps reads as no fall.
    const double headTop = std::max(1e-6, double(m.drop.maxCoeff()));
    const double layerTop = std::max(1e-6, double(m.layerDrop.maxCoeff()));
    const Colormap map(ColormapKind::Magma);
    p.setPen(palette().color(QPalette::WindowText));
    for (int h = 0; h <= m.heads; ++h) {
        const QRectF c = cellRect(0, h);
        p.drawText(QRectF(c.left(), 0, c.width(), kTop - 2), Qt::AlignCenter | Qt::AlignBottom,
                   h == m.heads ? tr("layer") : tr("h%1").arg(h + 1));
    }
    for (int l = 0; l < m.layers; ++l) {
        p.setPen(palette().color(QPalette::WindowText));
        p.drawText(QRectF(0, cellRect(l, 0).top(), kLeft - 6, kCellHeight), Qt::AlignRight | Qt::AlignVCenter,
                   tr("layer %1").arg(l + 1));
        for (int h = 0; h <= m.heads; ++h) {
            const double v = h == m.heads ? m.layerDrop[l] : m.drop(l, h);
            const double u = std::clamp(v / (h == m.heads ? layerTop : headTop), 0.0, 1.0);
            const QRectF c = cellRect(l, h);
            p.fillRect(c, map.color(u));
            p.setPen(map.textColorOn(u));
            p.drawText(c, Qt::AlignCenter, QString::number(v, 'f', 2));
        }
    }
    // The colour scale of the heads: 0 to the largest fall.
    const QRectF first = cellRect(m.layers - 1, 0), last = cellRect(m.layers - 1, m.heads - 1);
    const QRectF bar(first.left(), first.bottom() + kGap * 2, last.right() - first.left(), kBarHeight);
    QLinearGradient gradient(bar.topLeft(), bar.topRight());
    for (int i = 0; i <= 8; ++i)
        gradient.setColorAt(i / 8.0, map.color(i / 8.0));
    p.fillRect(bar, gradient);
    p.setPen(palette().color(QPalette::WindowText));
    const QRectF labels(bar.left(), bar.bottom(), bar.width(), kTop);
    p.drawText(labels, Qt::AlignLeft | Qt::AlignTop, QStringLiteral("0"));
    p.drawText(labels, Qt::AlignRight | Qt::AlignTop, tr("%1 nats").arg(headTop, 0, 'f', 2));
}

bool HeadImportanceView::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        for (int l = 0; l < m_importance.layers; ++l)
            for (int h = 0; h <= m_importance.heads; ++h)
                if (cellRect(l, h).contains(help->pos())) {
                    QToolTip::showText(help->globalPos(), cellToolTip(l, h), this);
                    return true;
                }
    }
    return QWidget::event(event);
}

// The worker writes progress here and reads the flag; the GUI thread polls.
struct HeadImportancePanel::Job {
    std::atomic<double> progress{0.0};
    std::atomic<bool> cancel{false};
};

HeadImportancePanel::HeadImportancePanel(DecodeController *controller, QWidget *parent)
    : QWidget(parent), m_controller(controller), m_view(new HeadImportanceView(this)), m_poll(new QTimer(this))
{
    setObjectName(QStringLiteral("headImportancePanel"));
    auto *bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_run = bar->addAction(tr("Which heads matter?"), this, &HeadImportancePanel::run);
    m_run->setObjectName(QStringLiteral("runHeadImportance"));
    m_run->setToolTip(tr("Switch each cross-attention head (and each layer) off alone and measure how much the "
                         "log-probability of the model's own translation falls: heads that matter, beside the "
                         "heads that align"));
    m_extra = new QSpinBox(bar);
    m_extra->setRange(0, 500);
    m_extra->setPrefix(tr("+ "));
    m_extra->setSuffix(tr(" test sentences"));
    m_extra->setToolTip(tr("Also measure on the first N sentences of the en-fr test split"));
    bar->addWidget(m_extra);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 100);
    m_progress->setMaximumHeight(16);
    m_cancel = new QToolButton(this);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("cancelHeadImportance"));
    connect(m_cancel, &QToolButton::clicked, this, &HeadImportancePanel::cancel);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    auto *progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_cancel);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(bar);
    layout->addLayout(progressRow);
    layout->addWidget(m_status);
    layout->addWidget(m_view, 1);
    m_progress->hide();
    m_cancel->hide();
    m_status->hide();
    m_poll->setInterval(kPollMs);
    connect(m_poll, &QTimer::timeout, this, [this] {
        if (m_job)
            m_progress->setValue(int(100 * m_job->progress.load()));
    });
    connect(controller, &DecodeController::modelChanged, this, &HeadImportancePanel::modelChanged);
}

HeadImportancePanel::~HeadImportancePanel()
{
    if (m_job)
        m_job->cancel.store(true); // the worker holds its own pointer; nobody waits here
}

void HeadImportancePanel::run()
{
    const ModelPtr model = m_controller->model();
    if (!model || m_job)
        return;
    std::vector<std::string> sentences;
    if (!m_controller->sentence().trimmed().isEmpty())
        sentences.push_back(m_controller->sentence().toStdString());
    const int extra = m_extra->value();
    auto job = m_job = std::make_shared<Job>();
    m_run->setEnabled(false);
    m_progress->setValue(0);
    m_progress->show();
    m_cancel->show();
    m_status->setText(tr("Switching each head off in turn…"));
    m_status->show();
    m_poll->start();
    QPointer<HeadImportancePanel> self(this);
    QThreadPool::globalInstance()->start([self, job, model, sentences, extra]() mutable {
        if (extra > 0)
            if (auto task = prepareTask({}); task)
                for (int i = 0; i < extra && i < int(task->splits.test.pairs.size()); ++i)
                    sentences.push_back(task->splits.test.pairs[size_t(i)].source);
        HeadImportanceOptions options;
        options.progress = [job](double f) { job->progress.store(f); };
        options.cancel = &job->cancel;
        Result<HeadImportance> result = sentences.empty()
                                            ? Result<HeadImportance>(Error{ErrorKind::BadInput, "no sentence to measure on"})
                                            : headImportance(*model, sentences, options);
        QMetaObject::invokeMethod(QCoreApplication::instance(), [self, job, result = std::move(result)]() mutable {
            if (self)
                self->done(job, std::move(result));
        });
    });
}

void HeadImportancePanel::cancel()
{
    if (!m_job)
        return;
    m_job->cancel.store(true);
    done(m_job, Error{ErrorKind::Cancelled, "cancelled"});
}

void HeadImportancePanel::done(std::shared_ptr<Job> job, Result<HeadImportance> result)
{
    if (job != m_job)
        return; // cancelled or overtaken: already reported
    m_job.reset();
    m_poll->stop();
    m_progress->hide();
    m_cancel->hide();
    m_run->setEnabled(true);
    if (!result) {
        m_status->setText(result.error().kind == ErrorKind::Cancelled ? tr("Cancelled.")
                                                                      : QString::fromStdString(result.error().message));
    } else {
        const HeadImportance &m = result.value();
        Eigen::Index l = 0, h = 0;
        m.drop.maxCoeff(&l, &h);
        m_view->setImportance(m);
        m_status->setText(tr("Fall in log P (nats) of the model's own output with one head off, mean over %n "
                             "sentence(s). Matters most: layer %1, head %2.", nullptr, m.sentences)
                              .arg(l + 1)
                              .arg(h + 1));
    }
    emit finished();
}

void HeadImportancePanel::modelChanged()
{
    if (m_job) { // a result for the previous model is no longer wanted
        m_job->cancel.store(true);
        done(m_job, Error{ErrorKind::Cancelled, "cancelled"});
    }
    m_view->clear();
    m_status->hide();
}

} // namespace alignscope::ui
