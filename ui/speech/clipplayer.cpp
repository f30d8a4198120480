#include "speech/clipplayer.h"

#include <QTimer>
#include <QUrl>

#include <algorithm>

#ifdef ALIGNSCOPE_HAVE_MULTIMEDIA
#include <QAudioDevice>
#include <QAudioOutput>
#include <QMediaDevices>
#include <QMediaPlayer>
#endif

namespace alignscope::ui {
namespace {

constexpr int kHeadMs = 30; // the play head's refresh while playing (QMediaPlayer reports far less often)

} // namespace

#ifdef ALIGNSCOPE_HAVE_MULTIMEDIA
struct ClipPlayer::Backend {
    QMediaPlayer player;
    QAudioOutput output;
    QTimer head;
};
#else
struct ClipPlayer::Backend {};
#endif

ClipPlayer::ClipPlayer(QObject *parent) : QObject(parent)
{
#ifdef ALIGNSCOPE_HAVE_MULTIMEDIA
    // Only with a device to play on: a player without one is of no use and
    // some back ends complain about it.
    if (QMediaDevices::audioOutputs().isEmpty())
        return;
    m_backend = std::make_unique<Backend>();
    m_backend->player.setAudioOutput(&m_backend->output);
    m_backend->head.setInterval(kHeadMs);
    connect(&m_backend->head, &QTimer::timeout, this, [this] {
        const double at = double(m_backend->player.position()) / 1000.0;
        emit positionChanged(at);
        if (m_stopAt >= 0 && at >= m_stopAt)
            stop();
    });
    connect(&m_backend->player, &QMediaPlayer::playbackStateChanged, this,
            [this](QMediaPlayer::PlaybackState state) { setPlaying(state == QMediaPlayer::PlayingState); });
#endif
}

ClipPlayer::~ClipPlayer() = default;

QString ClipPlayer::unavailableReason() const
{
#ifdef ALIGNSCOPE_HAVE_MULTIMEDIA
    if (!m_backend)
        return tr("No audio output device: playback is off.");
    return {};
#else
    return tr("This AlignScope was built without Qt Multimedia (qt6-multimedia-dev): playback is off.");
#endif
}

void ClipPlayer::setFile(const QString &path)
{
    stop();
    m_file = path;
#ifdef ALIGNSCOPE_HAVE_MULTIMEDIA
    if (m_backend)
        m_backend->player.setSource(QUrl::fromLocalFile(path));
#endif
}

void ClipPlayer::playAll(double start)
{
    playSpan(start, -1.0);
}

void ClipPlayer::playSpan(double start, double end)
{
#ifdef ALIGNSCOPE_HAVE_MULTIMEDIA
    if (!m_backend || m_file.isEmpty())
        return;
    m_stopAt = end;
    m_backend->player.setPosition(qint64(std::max(0.0, start) * 1000.0));
    m_backend->player.play();
    m_backend->head.start();
#else
    (void)start;
    (void)end;
#endif
}

void ClipPlayer::stop()
{
    m_stopAt = -1.0;
#ifdef ALIGNSCOPE_HAVE_MULTIMEDIA
    if (!m_backend)
        return;
    m_backend->head.stop();
    m_backend->player.pause(); // the head stays where the span ended
#endif
    setPlaying(false);
}

void ClipPlayer::setPlaying(bool playing)
{
    if (playing == m_playing)
        return;
    m_playing = playing;
#ifdef ALIGNSCOPE_HAVE_MULTIMEDIA
    if (!playing && m_backend)
        m_backend->head.stop();
#endif
    emit playingChanged(playing);
}

} // namespace alignscope::ui
