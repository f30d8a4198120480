#include "speech/speechview.h"

#include "speech/clipplayer.h"
#include "widgets/colormap.h"
#include "widgets/fonts.h"

#include <QAction>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QToolBar>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace alignscope::ui {
namespace {

constexpr double kLeft = 52;   // room for the frequency label
constexpr double kRight = 16;
constexpr double kTop = 8;
constexpr double kAxis = 30;   // tick labels under the word band
constexpr double kWordBand = 30;

} // namespace

SpeechView::SpeechView(TraceModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    setObjectName(QStringLiteral("speechView"));
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setToolTip(tr("The clip's log-mel spectrogram; the cyan curve is the current token's cross-attention over time "
                  "(the layer and head the views show), the band is where it listens, the boxes are the words' "
                  "times. Click to play from there."));
    connect(model, &TraceModel::traceChanged, this, &SpeechView::rebuild);
    connect(model, &TraceModel::cursorChanged, this, qOverload<>(&SpeechView::update));
    rebuild();
}

void SpeechView::rebuild()
{
    m_words.clear();
    m_segments.clear();
    m_wordsMissing.clear();
    const DecodeTrace *t = m_model->trace();
    m_axis = t ? clipAxis(t->source) : ClipAxis();
    m_image = t ? ui::spectrogramImage(t->source, m_axis) : QImage();
    if (m_axis.empty()) {
        update();
        return;
    }
    const std::vector<int> &path = m_model->path();
    if (std::any_of(path.begin(), path.end(), [&](int node) {
            return t->timestampBegin >= 0 && t->nodes[size_t(node)].tokenId >= t->timestampBegin;
        }))
        m_segments = transcriptSegments(*t, path, t->source.firstFrameSeconds + m_axis.seconds);
    if (auto words = wordTimestamps(*t, m_model->path()))
        m_words = std::move(words->words);
    else
        m_wordsMissing = QString::fromStdString(words.error().message);
    update();
}

Vector SpeechView::attentionRow() const
{
    if (!hasSpeech())
        return {};
    const Vector row = m_model->weightsAt(m_model->step());
    return row.size() >= m_axis.columns ? Vector(row.head(m_axis.columns)) : Vector();
}

TimeSpan SpeechView::listeningSpan() const
{
    return ui::listeningSpan(attentionRow(), m_axis);
}

QRectF SpeechView::plotRect() const
{
    const double transcript = QFontMetricsF(scaledFont(font(), 1.35)).height() * 1.8;
    return QRectF(kLeft, kTop, std::max(1.0, width() - kLeft - kRight),
                  std::max(1.0, height() - kTop - kWordBand - kAxis - transcript));
}

double SpeechView::secondsAt(double x) const
{
    const QRectF plot = plotRect();
    return m_axis.first + (x - plot.left()) / plot.width() * m_axis.seconds;
}

double SpeechView::xOf(double seconds) const
{
    return clipX(m_axis, plotRect(), seconds);
}

void SpeechView::setPlayhead(double seconds)
{
    if (seconds == m_playhead)
        return;
    m_playhead = seconds;
    update();
}

void SpeechView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    p.setRenderHint(QPainter::Antialiasing);
    if (!hasSpeech()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Open a Whisper model folder, then an audio clip (File ▸ Open audio…, or drop a WAV, FLAC, "
                      "Ogg or MP3 file here) to see where each token listens."));
        return;
    }
    const QRectF plot = plotRect();
    p.drawImage(plot, m_image);
    p.save();
    p.translate(14, plot.center().y());
    p.rotate(-90);
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(-plot.height() / 2, -10, plot.height(), 20), Qt::AlignCenter, tr("mel frequency"));
    p.restore();
    paintAttention(p, plot);
    paintSegments(p, plot);
    const QRectF band(plot.left(), plot.bottom() + 2, plot.width(), kWordBand - 4);
    paintWords(p, band);
    paintAxis(p, QRectF(plot.left(), band.bottom() + 2, plot.width(), kAxis));
    paintTranscript(p, QRectF(8, band.bottom() + kAxis + 2, width() - 16, height() - band.bottom() - kAxis - 2));
    if (m_playhead >= 0) {
        const double x = xOf(m_playhead);
        p.setPen(QPen(Qt::white, 2.5));
        p.drawLine(QPointF(x, plot.top()), QPointF(x, band.bottom()));
    }
}

void SpeechView::paintAttention(QPainter &p, const QRectF &plot) const
{
    const Vector row = attentionRow();
    if (row.size() == 0 || !(row.maxCoeff() > 0))
        return;
    paintListening(p, row, m_axis, plot, 2.5);
    const double peak = row.maxCoeff();
    const QString label = tr("peak α = %1").arg(peak, 0, 'f', 3);
    p.setFont(scaledFont(font(), 1.1));
    const QRectF box = QFontMetricsF(p.font()).boundingRect(label).adjusted(-6, -2, 6, 2);
    const double below = m_segments.empty() ? 0.0 : QFontMetricsF(font()).height() + 4; // the segments' bar
    const QRectF at(plot.right() - box.width() - 6, plot.top() + 6 + below, box.width(), box.height());
    p.fillRect(at, QColor(0, 0, 0, 150));
    p.setPen(Qt::white);
    p.drawText(at, Qt::AlignCenter, label);
}

void SpeechView::paintWords(QPainter &p, const QRectF &band) const
{
    const int step = m_model->step();
    p.setFont(font());
    const QFontMetricsF fm(p.font());
    for (const TimedWord &w : m_words) {
        const QRectF box(QPointF(xOf(w.start), band.top()), QPointF(xOf(w.end), band.bottom()));
        const bool spoken = !w.tokens.empty() && w.tokens.front() <= step;
        const bool current = spoken && w.tokens.back() >= step;
        QColor fill = current ? palette().color(QPalette::Highlight) : palette().color(QPalette::AlternateBase);
        if (!spoken)
            fill.setAlphaF(0.35f);
        p.setPen(QPen(palette().color(QPalette::Mid), 1.0));
        p.setBrush(fill);
        p.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
        QColor text = palette().color(current ? QPalette::HighlightedText : QPalette::Text);
        if (!spoken)
            text.setAlphaF(0.5f);
        p.setPen(text);
        p.drawText(box, Qt::AlignCenter,
                   fm.elidedText(QString::fromStdString(w.text).trimmed(), Qt::ElideRight, box.width() - 4));
    }
}

void SpeechView::paintSegments(QPainter &p, const QRectF &plot) const
{
    // Each segment as a bar along the top with its times, its edges as lines down the spectrogram;
    // the one holding the current step is highlighted.
    const int step = m_model->step();
    p.setFont(font());
    const QFontMetricsF fm(p.font());
    const double h = fm.height() + 4;
    for (const TimedSegment &s : m_segments) {
        const double x0 = std::clamp(xOf(s.start), plot.left(), plot.right());
        const double x1 = std::clamp(xOf(s.end), plot.left(), plot.right());
        const bool current = step >= s.firstStep && step <= s.lastStep;
        QColor edge = current ? palette().color(QPalette::Highlight) : QColor(255, 255, 255, 170);
        p.setPen(QPen(edge, 1.0, Qt::DashLine));
        p.drawLine(QPointF(x0, plot.top()), QPointF(x0, plot.bottom()));
        p.drawLine(QPointF(x1, plot.top()), QPointF(x1, plot.bottom()));
        const QRectF bar(QPointF(x0, plot.top()), QPointF(std::max(x1, x0 + 2), plot.top() + h));
        QColor fill = current ? palette().color(QPalette::Highlight) : QColor(0, 0, 0, 140);
        p.fillRect(bar, fill);
        p.setPen(current ? palette().color(QPalette::HighlightedText) : QColor(Qt::white));
        const QString label = tr("%1–%2 s").arg(s.start, 0, 'f', 2).arg(s.end, 0, 'f', 2);
        p.drawText(bar.adjusted(3, 0, -3, 0), Qt::AlignLeft | Qt::AlignVCenter,
                   fm.elidedText(label, Qt::ElideRight, bar.width() - 6));
    }
}

void SpeechView::paintAxis(QPainter &p, const QRectF &axis) const
{
    p.setFont(font());
    p.setPen(QPen(palette().color(QPalette::Text), 1.0));
    paintTimeTicks(p, m_axis, axis, axis.top(), width());
}

void SpeechView::paintTranscript(QPainter &p, const QRectF &area) const
{
    const DecodeTrace *t = m_model->trace();
    const int current = m_model->step();
    const QFont big = scaledFont(font(), 1.35);
    QFont bold = big;
    bold.setBold(true);
    // The tokens so far, newest at the right; older ones drop off the left when they do not fit.
    struct Piece {
        QString text;
        bool special;
    };
    std::vector<Piece> pieces;
    for (int s = 0; s <= current && s < m_model->stepCount(); ++s) {
        const DecodeNode &node = *m_model->nodeAtStep(s);
        const bool special = node.forced || node.tokenId == t->eosId;
        pieces.push_back({QString::fromStdString(t->readable(node.token)), special});
    }
    double x = area.right();
    const double y = area.top() + 4;
    const double h = QFontMetricsF(big).height() + 6;
    for (int i = int(pieces.size()) - 1; i >= 0; --i) {
        const bool isCurrent = i == int(pieces.size()) - 1;
        const QFontMetricsF fm(isCurrent ? bold : big);
        const double w = fm.horizontalAdvance(pieces[size_t(i)].text) + 8;
        if (x - w < area.left()) {
            p.setFont(big);
            p.setPen(palette().color(QPalette::PlaceholderText));
            p.drawText(QRectF(area.left(), y, 20, h), Qt::AlignVCenter, QStringLiteral("…"));
            break;
        }
        x -= w;
        const QRectF box(x, y, w, h);
        if (isCurrent) {
            p.setPen(Qt::NoPen);
            p.setBrush(palette().color(QPalette::Highlight));
            p.drawRoundedRect(box, 5, 5);
        }
        p.setFont(isCurrent ? bold : big);
        p.setPen(palette().color(isCurrent                      ? QPalette::HighlightedText
                                 : pieces[size_t(i)].special ? QPalette::PlaceholderText
                                                             : QPalette::Text));
        p.drawText(box, Qt::AlignCenter, pieces[size_t(i)].text);
    }
}

void SpeechView::mousePressEvent(QMouseEvent *event)
{
    if (hasSpeech() && event->button() == Qt::LeftButton && plotRect().contains(event->position())) {
        emit seekRequested(secondsAt(event->position().x()));
        return;
    }
    QWidget::mousePressEvent(event);
}

void SpeechView::mouseMoveEvent(QMouseEvent *event)
{
    const Vector row = attentionRow();
    if (row.size() == 0 || !plotRect().contains(event->position())) {
        QToolTip::hideText();
        return;
    }
    const double s = secondsAt(event->position().x());
    const int j = std::clamp(int((s - m_axis.first) / m_axis.hop), 0, int(row.size()) - 1);
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("%1 s — α = %2").arg(s, 0, 'f', 2).arg(row[j], 0, 'f', 4), this);
}

SpeechPanel::SpeechPanel(TraceModel *model, QWidget *parent)
    : QWidget(parent), m_view(new SpeechView(model, this)), m_player(new ClipPlayer(this))
{
    setObjectName(QStringLiteral("speechPanel"));
    auto *bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_playClip = bar->addAction(tr("▶ Play clip"), this, [this] { m_player->playAll(); });
    m_playClip->setObjectName(QStringLiteral("playClip"));
    m_playSpan = bar->addAction(tr("▶ Play this token"), this, [this] {
        const TimeSpan span = m_view->listeningSpan();
        if (!span.empty())
            m_player->playSpan(span.start, span.end);
    });
    m_playSpan->setObjectName(QStringLiteral("playSpan"));
    m_stop = bar->addAction(tr("■ Stop"), m_player, &ClipPlayer::stop);
    m_stop->setObjectName(QStringLiteral("stopPlayback"));
    bar->addSeparator();
    m_timestamps = bar->addAction(tr("Timestamps"));
    m_timestamps->setObjectName(QStringLiteral("predictTimestamps"));
    m_timestamps->setCheckable(true);
    connect(m_timestamps, &QAction::toggled, this, &SpeechPanel::timestampsToggled);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("speechStatus"));
    m_status->setContentsMargins(8, 0, 8, 0);
    bar->addWidget(m_status);
    connect(m_player, &ClipPlayer::positionChanged, m_view, &SpeechView::setPlayhead);
    connect(m_player, &ClipPlayer::playingChanged, this, &SpeechPanel::updateControls);
    connect(m_view, &SpeechView::seekRequested, this, [this](double s) {
        if (m_player->available())
            m_player->playAll(s);
    });
    connect(model, &TraceModel::traceChanged, this, &SpeechPanel::updateControls);
    connect(model, &TraceModel::cursorChanged, this, &SpeechPanel::updateControls);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(bar);
    layout->addWidget(m_view, 1);
    updateControls();
}

void SpeechPanel::setClipFile(const QString &path)
{
    m_clipFile = path;
    m_player->setFile(path);
    m_view->setPlayhead(-1);
    updateControls();
}

void SpeechPanel::updateControls()
{
    const QString reason = m_player->unavailableReason();
    const bool ready = reason.isEmpty() && m_view->hasSpeech() && !m_clipFile.isEmpty();
    m_playClip->setEnabled(ready);
    m_playSpan->setEnabled(ready && !m_view->listeningSpan().empty());
    m_stop->setEnabled(ready && m_player->playing());
    const TimeSpan span = m_view->listeningSpan();
    const QString listens = span.empty() ? QString()
                                         : tr("This token listens to %1–%2 s.")
                                               .arg(span.start, 0, 'f', 2)
                                               .arg(span.end, 0, 'f', 2);
    m_stop->setToolTip(reason.isEmpty() ? tr("Stop playing") : reason);
    const DecodeTrace *trace = m_view->hasSpeech() ? m_view->trace() : nullptr;
    const bool timed = trace && trace->timestampBegin >= 0;
    m_timestamps->setEnabled(timed);
    m_timestamps->setToolTip(timed ? tr("Let the model predict its own timestamp tokens (<|1.24|>), as Whisper's "
                                        "generate(return_timestamps=True) does; its segments are drawn along the "
                                        "spectrogram's top")
                                   : tr("This model has no timestamp tokens (Whisper models do)"));
    m_playClip->setToolTip(reason.isEmpty() ? tr("Play the whole clip; the play head follows") : reason);
    m_playSpan->setToolTip(reason.isEmpty()
                               ? tr("Play the span the current token listens to (its attention at %1% of its peak "
                                    "or more)")
                                     .arg(int(kListenShare * 100))
                               : reason);
    m_status->setText(reason.isEmpty() ? listens : QStringLiteral("%1 %2").arg(reason, listens));
}

} // namespace alignscope::ui
