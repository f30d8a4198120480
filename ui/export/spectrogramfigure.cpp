#include "export/spectrogramfigure.h"

#include "widgets/colormap.h"

#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace alignscope::ui {
namespace {

constexpr double kMargin = 10.0;
constexpr double kGap = 6.0;
constexpr double kWordBand = 26.0;
constexpr double kAxis = 28.0;
constexpr double kMaxLabel = 160.0;

} // namespace

SpectrogramFigure::SpectrogramFigure(const TraceModel &model, const FigureOptions &figure,
                                     const SpectrogramFigureOptions &options)
    : m_figure(figure), m_options(options)
{
    const DecodeTrace *trace = model.trace();
    m_axis = trace && !model.isEmpty() ? clipAxis(trace->source) : ClipAxis();
    const QFont font = figureFont(figure);
    const QFontMetricsF fm(font);
    if (!figure.title.isEmpty())
        m_titleHeight = QFontMetricsF(figureTitleFont(figure)).height() + kGap;
    if (m_axis.empty()) {
        m_size = QSizeF(2 * kMargin, 2 * kMargin + m_titleHeight);
        return;
    }
    m_spectrogram = spectrogramImage(trace->source, m_axis);
    if (auto words = wordTimestamps(*trace, model.path()))
        m_words = std::move(words->words);
    const int columns = m_axis.columns;
    double left = fm.horizontalAdvance(QStringLiteral("mel")) + 2 * kGap;
    if (options.step >= 0 && options.step < model.stepCount()) {
        const Vector row = model.weightsAt(options.step);
        m_row = row.size() >= columns ? Vector(row.head(columns)) : Vector();
        const QString token = QString::fromStdString(trace->readable(model.nodeAtStep(options.step)->token));
        m_caption = QObject::tr("step %1: “%2”").arg(options.step + 1).arg(token.trimmed());
        if (m_row.size() > 0)
            m_caption += QObject::tr(", peak α = %1 at %2 s")
                             .arg(double(m_row.maxCoeff()), 0, 'f', 3)
                             .arg(m_axis.centre(int(std::max_element(m_row.data(), m_row.data() + m_row.size()) -
                                                    m_row.data())),
                                  0, 'f', 2);
        m_captionHeight = fm.height() + kGap;
    } else if (options.step < 0) {
        // Every token's row over the clip's columns, scaled to its peak so a diffuse row reads as a sharp one.
        const int steps = model.stepCount();
        const Colormap map(figure.colormap);
        m_attention = QImage(columns, steps, QImage::Format_RGB32);
        for (int s = 0; s < steps; ++s) {
            const Vector row = model.weightsAt(s);
            const float peak = row.size() >= columns ? row.head(columns).maxCoeff() : 0.0f;
            auto *line = reinterpret_cast<QRgb *>(m_attention.scanLine(s));
            for (int j = 0; j < columns; ++j)
                line[j] = map.rgb(peak > 0 ? row[j] / peak : 0.0);
            m_rowLabels << QString::fromStdString(trace->readable(model.nodeAtStep(s)->token));
            left = std::max(left, std::min(kMaxLabel, fm.horizontalAdvance(m_rowLabels.back()) + 2 * kGap));
        }
    }
    const double width = std::max(600.0, figure.cellSize * 18);
    const double plotWidth = width - left - kMargin;
    double y = kMargin + m_titleHeight + m_captionHeight;
    m_plot = QRectF(kMargin + left, y, plotWidth, options.step >= 0 ? 200.0 : 140.0);
    y = m_plot.bottom() + kGap / 2;
    if (!m_words.empty()) {
        m_wordBand = QRectF(m_plot.left(), y, plotWidth, kWordBand);
        y = m_wordBand.bottom() + kGap / 2;
    }
    if (!m_attention.isNull()) {
        const double rowHeight = std::clamp(figure.cellSize * 0.4, 10.0, 18.0);
        m_strip = QRectF(m_plot.left(), y, plotWidth, rowHeight * m_attention.height());
        y = m_strip.bottom() + kGap / 2;
    }
    m_axisRect = QRectF(m_plot.left(), y, plotWidth, kAxis);
    m_size = QSizeF(std::ceil(width + kMargin), std::ceil(m_axisRect.bottom() + kMargin));
}

double SpectrogramFigure::xOf(double seconds) const
{
    return clipX(m_axis, m_plot, seconds);
}

void SpectrogramFigure::paint(QPainter &p) const
{
    p.save();
    if (m_figure.whiteBackground)
        p.fillRect(QRectF(QPointF(), m_size), Qt::white);
    const QFont font = figureFont(m_figure);
    const QFontMetricsF fm(font);
    p.setPen(Qt::black);
    if (!m_figure.title.isEmpty()) {
        p.setFont(figureTitleFont(m_figure));
        p.drawText(QRectF(kMargin, kMargin, m_size.width() - 2 * kMargin, m_titleHeight - kGap),
                   Qt::AlignHCenter | Qt::AlignVCenter, m_figure.title);
    }
    if (m_axis.empty()) {
        p.restore();
        return;
    }
    p.setFont(font);
    if (!m_caption.isEmpty())
        p.drawText(QRectF(m_plot.left(), m_plot.top() - m_captionHeight, m_plot.width(), m_captionHeight - kGap / 2),
                   Qt::AlignLeft | Qt::AlignBottom, m_caption);
    p.setRenderHint(QPainter::SmoothPixmapTransform, true);
    p.drawImage(m_plot, m_spectrogram);
    p.drawText(QRectF(kMargin, m_plot.top(), m_plot.left() - kMargin - kGap, m_plot.height()),
               Qt::AlignRight | Qt::AlignVCenter, QObject::tr("mel"));
    p.setRenderHint(QPainter::Antialiasing, true);
    paintListening(p, m_row, m_axis, m_plot, 2.0); // one step: the span it listens to, and its curve
    for (const TimedWord &w : m_words) {
        const QRectF box(QPointF(xOf(w.start), m_wordBand.top()), QPointF(xOf(w.end), m_wordBand.bottom()));
        p.setPen(QPen(QColor(0x90, 0x90, 0x90), 1.0));
        p.setBrush(QColor(0xee, 0xee, 0xee));
        p.drawRoundedRect(box.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3);
        p.setPen(Qt::black);
        p.drawText(box, Qt::AlignCenter,
                   fm.elidedText(QString::fromStdString(w.text).trimmed(), Qt::ElideRight, box.width() - 2));
    }
    if (!m_attention.isNull()) { // the whole transcript: a row per token on the same time axis
        p.setRenderHint(QPainter::Antialiasing, false);
        p.drawImage(m_strip, m_attention);
        const double rowHeight = m_strip.height() / m_attention.height();
        const QFont small = [&] {
            QFont f = font;
            f.setPixelSize(std::max(7, int(std::min<double>(font.pixelSize(), rowHeight - 1))));
            return f;
        }();
        p.setFont(small);
        p.setPen(Qt::black);
        const QFontMetricsF sm(small);
        for (int s = 0; s < int(m_rowLabels.size()); ++s)
            p.drawText(QRectF(kMargin, m_strip.top() + s * rowHeight, m_strip.left() - kMargin - kGap, rowHeight),
                       Qt::AlignRight | Qt::AlignVCenter,
                       sm.elidedText(m_rowLabels[s], Qt::ElideRight, m_strip.left() - kMargin - kGap));
        p.setFont(font);
    }
    // The time axis.
    p.setPen(QPen(Qt::black, 1.0));
    p.drawLine(m_axisRect.topLeft(), m_axisRect.topRight());
    paintTimeTicks(p, m_axis, m_plot, m_axisRect.top(), m_size.width());
    p.restore();
}

QByteArray SpectrogramFigure::render() const
{
    return renderFigure(m_size, m_figure, [this](QPainter &p) { paint(p); });
}

Result<void> SpectrogramFigure::write(const QString &file) const
{
    return writeFigure(file, m_size, m_figure, [this](QPainter &p) { paint(p); });
}

} // namespace alignscope::ui
