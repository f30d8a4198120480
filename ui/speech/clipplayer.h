#pragma once
// ClipPlayer: plays an audio file, whole or one span of it, with Qt
// Multimedia (QMediaPlayer + QAudioOutput) and reports the play head. A
// build without Qt Multimedia, or a machine without an audio output, gets a
// player that says why it cannot play instead.

#include <QObject>
#include <QString>

#include <memory>

namespace alignscope::ui {

class ClipPlayer : public QObject {
    Q_OBJECT
public:
    explicit ClipPlayer(QObject *parent = nullptr);
    ~ClipPlayer() override;

    /// Why nothing can be played ("" when playback works): built without
    /// Qt Multimedia, or no audio output device.
    QString unavailableReason() const;
    bool available() const { return unavailableReason().isEmpty(); }

    void setFile(const QString &path);
    QString file() const { return m_file; }
    bool playing() const { return m_playing; }

public slots:
    /// From `start` seconds to the end of the clip.
    void playAll(double start = 0.0);
    /// [start, end) seconds, then stops.
    void playSpan(double start, double end);
    void stop();

signals:
    /// The play head, in seconds into the clip (also while paused at a span's end).
    void positionChanged(double seconds);
    void playingChanged(bool playing);

private:
    void setPlaying(bool playing);

    struct Backend;
    std::unique_ptr<Backend> m_backend;
    QString m_file;
    double m_stopAt = -1.0; // seconds; < 0: the end of the clip
    bool m_playing = false;
};

} // namespace alignscope::ui
