#pragma once
// A mono PCM WAV file in memory: the clips tests write themselves.

#include <QByteArray>
#include <QtGlobal>

namespace alignscope::testing {

/// `pcm` after a 44-byte RIFF header; `bits` 8 (unsigned) or 16 (signed) per sample.
inline QByteArray wavFile(const QByteArray &pcm, int rate, int bits)
{
    QByteArray h;
    auto u32 = [&](quint32 v) { h.append(reinterpret_cast<const char *>(&v), 4); };
    auto u16 = [&](quint16 v) { h.append(reinterpret_cast<const char *>(&v), 2); };
    h.append("RIFF");
    u32(quint32(36 + pcm.size()));
    h.append("WAVEfmt ");
    u32(16);
    u16(1); // PCM
    u16(1); // mono
    u32(quint32(rate));
    u32(quint32(rate * bits / 8));
    u16(quint16(bits / 8));
    u16(quint16(bits));
    h.append("data");
    u32(quint32(pcm.size()));
    return h + pcm;
}

} // namespace alignscope::testing
