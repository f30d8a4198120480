#pragma once
// The speech view (issue #20): a clip's log-mel spectrogram with time in
// seconds, the current step's cross-attention over its frames drawn on it,
// the span the current token listens to, each word's [start, end] as a box
// on the time axis, the transcript so far with the current token marked,
// and a play head. Everything comes from the trace (SourceAxis::spectrogram,
// the selected layer/head's weights, core's word timestamps): nothing is
// recomputed here. SpeechPanel adds the playback controls.

#include "decode/tracemodel.h"
#include "speech/spectrogram.h"

#include "alignscope/timestamps.h"

#include <QImage>
#include <QWidget>

#include <utility>
#include <vector>

class QAction;
class QLabel;

namespace alignscope::ui {

class ClipPlayer;

class SpeechView : public QWidget {
    Q_OBJECT
public:
    explicit SpeechView(TraceModel *model, QWidget *parent = nullptr);

    /// The trace shown (null before the first decode).
    const DecodeTrace *trace() const { return m_model->trace(); }
    /// Whether the trace is a speech decode with a spectrogram to draw.
    bool hasSpeech() const { return !m_image.isNull(); }
    /// The spectrogram as drawn: one pixel per frame of the clip (width) and
    /// per mel band (height, low frequencies at the bottom).
    const QImage &spectrogramImage() const { return m_image; }
    /// Seconds of the clip shown (the columns holding it, not the window's padding).
    double clipSeconds() const { return m_axis.seconds; }
    /// Attention columns shown (SourceAxis::audioColumns, or all).
    int columns() const { return m_axis.columns; }
    /// The current step's selected weights over the shown columns (empty without speech).
    Vector attentionRow() const;
    /// Where the current token listens: from the first to the last shown
    /// column whose weight is at least kListenShare of the row's peak.
    TimeSpan listeningSpan() const;
    /// Word boxes from core's word timestamps (empty when they could not be read).
    const std::vector<TimedWord> &words() const { return m_words; }
    /// The segments the model's own timestamp tokens mark (a decode with
    /// timestamps; empty otherwise), drawn as spans along the spectrogram's top.
    const std::vector<TimedSegment> &segments() const { return m_segments; }
    /// Why there are no word boxes ("" when there are).
    QString wordsMissing() const { return m_wordsMissing; }
    /// Clip seconds at x (widget coordinates) and back; the plot area is plotRect().
    double secondsAt(double x) const;
    double xOf(double seconds) const;
    QRectF plotRect() const;
    /// The play head at `seconds` (< 0 hides it).
    void setPlayhead(double seconds);
    double playhead() const { return m_playhead; }

    QSize sizeHint() const override { return {720, 320}; }
    QSize minimumSizeHint() const override { return {240, 160}; }

signals:
    /// A click on the time axis or spectrogram: play from here.
    void seekRequested(double seconds);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;

private:
    void rebuild();
    void paintAttention(QPainter &p, const QRectF &plot) const;
    void paintWords(QPainter &p, const QRectF &band) const;
    void paintSegments(QPainter &p, const QRectF &plot) const;
    void paintAxis(QPainter &p, const QRectF &axis) const;
    void paintTranscript(QPainter &p, const QRectF &area) const;

    TraceModel *m_model;
    QImage m_image;
    ClipAxis m_axis;
    std::vector<TimedWord> m_words;
    std::vector<TimedSegment> m_segments;
    QString m_wordsMissing;
    double m_playhead = -1.0;
};

/// The speech view with its playback bar: play the whole clip, play the
/// span the current token listens to, stop; disabled with the reason when
/// playback is not possible (no Qt Multimedia, no audio output).
class SpeechPanel : public QWidget {
    Q_OBJECT
public:
    SpeechPanel(TraceModel *model, QWidget *parent = nullptr);

    SpeechView *view() const { return m_view; }
    ClipPlayer *player() const { return m_player; }
    QAction *playClipAction() const { return m_playClip; }
    QAction *playSpanAction() const { return m_playSpan; }
    QAction *stopAction() const { return m_stop; }
    /// Checkable: Whisper predicts its own timestamp tokens; enabled for
    /// models that have them.
    QAction *timestampsAction() const { return m_timestamps; }
    /// The clip the buttons play (the file the trace was decoded from).
    void setClipFile(const QString &path);
    QString clipFile() const { return m_clipFile; }

signals:
    /// The Timestamps button was toggled.
    void timestampsToggled(bool on);

private:
    void updateControls();

    SpeechView *m_view;
    ClipPlayer *m_player;
    QAction *m_playClip;
    QAction *m_playSpan;
    QAction *m_stop;
    QAction *m_timestamps;
    QLabel *m_status;
    QString m_clipFile;
};

} // namespace alignscope::ui
