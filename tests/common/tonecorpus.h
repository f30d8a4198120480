#pragma once
// A speech corpus tests write themselves: clips of one to three tones, each
// tone named by a word ("low", "mid", "high"), and the audio-tsv manifest
// that lists them (train --format audio-tsv, the Training tab's speech corpus).

#include "common/wavfile.h"

#include <QDir>
#include <QFile>
#include <QString>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <string>
#include <vector>

namespace alignscope::testing {

constexpr int kToneRate = 16000;

/// Writes 16 kHz mono 16-bit PCM; false when the file cannot be written.
inline bool writeWav(const QString &path, const std::vector<float> &samples)
{
    QByteArray pcm;
    for (float s : samples) {
        const auto v = qint16(std::lround(std::clamp(s, -1.0f, 1.0f) * 32767.0f));
        pcm.append(reinterpret_cast<const char *>(&v), 2);
    }
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(wavFile(pcm, kToneRate, 16)) > 0;
}

/// Tones named by words, 0.25 s each with 0.1 s of silence around: "low
/// high" is a low tone, then a high one.
inline std::vector<float> spokenTones(const std::vector<std::string> &words)
{
    static const std::map<std::string, double> hz = {{"low", 300.0}, {"mid", 900.0}, {"high", 2400.0}};
    std::vector<float> out(kToneRate / 10, 0.0f);
    for (const std::string &w : words) {
        for (int i = 0; i < kToneRate / 4; ++i)
            out.push_back(float(0.5 * std::sin(2.0 * std::numbers::pi * hz.at(w) * i / kToneRate)));
        out.insert(out.end(), kToneRate / 10, 0.0f);
    }
    return out;
}

/// `count` clips of one to three tones in DIR/clips and DIR/manifest.tsv
/// listing them (relative paths); returns the manifest's path.
inline QString writeToneCorpus(const QString &dir, int count)
{
    QDir(dir).mkpath(QStringLiteral("clips"));
    QFile manifest(QDir(dir).filePath(QStringLiteral("manifest.tsv")));
    if (!manifest.open(QIODevice::WriteOnly))
        qFatal("cannot write the manifest");
    const std::vector<std::string> names{"low", "mid", "high"};
    unsigned state = 7;
    for (int i = 0; i < count; ++i) {
        std::vector<std::string> words;
        std::string text;
        for (int n = 1 + i % 3, k = 0; k < n; ++k) {
            state = state * 1103515245u + 12345u;
            words.push_back(names[(state >> 16) % 3]);
            text += (k ? " " : "") + words.back();
        }
        const QString clip = QStringLiteral("clips/t%1.wav").arg(i);
        if (!writeWav(QDir(dir).filePath(clip), spokenTones(words)))
            qFatal("cannot write a clip");
        manifest.write((clip + '\t' + QString::fromStdString(text) + '\n').toUtf8());
    }
    return manifest.fileName();
}

} // namespace alignscope::testing
