#pragma once
// The spectrogram figure of a speech decode (issue #20): the clip's log-mel
// spectrogram with time in seconds and, for one step, that token's
// cross-attention over the frames drawn on it (the curve scaled to its peak
// and the span it listens to); for the whole transcript, the attention as a
// strip under the spectrogram, one row per token on the same time axis
// (each row scaled to its peak). The words' timestamps are boxes on the
// time axis when the model gives them. Written as PNG, SVG or PDF through
// renderFigure, in the window and by `alignscope-cli export --audio`.

#include "export/exporter.h"
#include "speech/spectrogram.h"

#include "alignscope/timestamps.h"

#include <QImage>
#include <QRectF>
#include <QSizeF>
#include <QStringList>

#include <vector>

class QPainter;

namespace alignscope::ui {

struct SpectrogramFigureOptions {
    /// The path step (0-based) the figure shows; -1: the whole transcript.
    int step = -1;
};

/// Lays out and paints one spectrogram figure of `model`'s trace (a speech
/// source) with its selection's layer and head; `model` must outlive it.
class SpectrogramFigure {
public:
    SpectrogramFigure(const TraceModel &model, const FigureOptions &figure, const SpectrogramFigureOptions &options);

    /// Whether the trace is a speech decode with a spectrogram (else the figure is empty).
    bool hasSpeech() const { return !m_axis.empty(); }
    /// The spectrogram's rectangle in figure coordinates.
    QRectF plotRect() const { return m_plot; }
    /// The whole transcript: the attention strip's rectangle and its rows' labels (the tokens).
    QRectF stripRect() const { return m_strip; }
    const QStringList &rowLabels() const { return m_rowLabels; }
    /// The words drawn as boxes (empty when the model gives no timestamps).
    const std::vector<TimedWord> &words() const { return m_words; }
    /// One step: the span its token listens to; the caption above the plot.
    TimeSpan listening() const { return listeningSpan(m_row, m_axis); }
    QString caption() const { return m_caption; }
    /// x of clip time `seconds`.
    double xOf(double seconds) const;
    /// Logical size of the whole figure, whole pixels.
    QSizeF figureSize() const { return m_size; }

    void paint(QPainter &p) const;
    QByteArray render() const;
    Result<void> write(const QString &file) const;

private:
    FigureOptions m_figure;
    SpectrogramFigureOptions m_options;
    ClipAxis m_axis;
    QImage m_spectrogram;
    QImage m_attention;     ///< whole transcript: (tokens × columns), each row scaled to its peak
    Vector m_row;           ///< one step: its weights over the shown columns
    std::vector<TimedWord> m_words;
    QStringList m_rowLabels;
    QString m_caption;
    double m_titleHeight = 0.0;
    double m_captionHeight = 0.0;
    QRectF m_plot, m_wordBand, m_strip, m_axisRect;
    QSizeF m_size;
};

} // namespace alignscope::ui
