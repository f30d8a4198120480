// Decoding with libsndfile, in bounded chunks: each chunk is mixed to mono
// and pushed through the resampler, so memory holds the 16 kHz result and one
// chunk, never the whole file at its own rate and channel count.

#include "alignscope/audio.h"
#include "audio/resampler_p.h"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace alignscope {

namespace {

constexpr sf_count_t kChunkFrames = 16384; // with at most 64 channels: a 4 MB buffer
constexpr const char *kFormats = "WAV, FLAC, Ogg Vorbis/Opus or MP3";

struct SndfileCloser {
    void operator()(SNDFILE *f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

/// libsndfile's virtual I/O over bytes in memory.
struct MemoryFile {
    std::span<const std::uint8_t> bytes;
    sf_count_t at = 0;

    static sf_count_t length(void *self) { return sf_count_t(static_cast<MemoryFile *>(self)->bytes.size()); }
    static sf_count_t tell(void *self) { return static_cast<MemoryFile *>(self)->at; }
    static sf_count_t seek(sf_count_t offset, int whence, void *self)
    {
        auto *m = static_cast<MemoryFile *>(self);
        const sf_count_t size = length(self);
        const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->at : size;
        if (offset < -base || offset > size - base) // outside the bytes: refuse, the position stays
            return -1;
        m->at = base + offset;
        return m->at;
    }
    static sf_count_t read(void *dest, sf_count_t count, void *self)
    {
        auto *m = static_cast<MemoryFile *>(self);
        const sf_count_t n = std::clamp<sf_count_t>(count, 0, length(self) - m->at);
        if (n > 0)
            std::memcpy(dest, m->bytes.data() + m->at, std::size_t(n));
        m->at += n;
        return n;
    }
    static sf_count_t write(const void *, sf_count_t, void *) { return 0; }
};

std::string formatName(int format)
{
    std::string name;
    for (int part : {format & SF_FORMAT_TYPEMASK, format & SF_FORMAT_SUBMASK}) {
        SF_FORMAT_INFO info{};
        info.format = part;
        if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof info) == 0 && info.name)
            name += (name.empty() ? "" : " / ") + std::string(info.name);
    }
    return name.empty() ? "unknown format" : name;
}

std::string secondsText(double seconds)
{
    char text[32];
    if (seconds >= 3600)
        std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
    else if (seconds >= 60)
        std::snprintf(text, sizeof text, "%.1f min", seconds / 60);
    else
        std::snprintf(text, sizeof text, "%.2f s", seconds);
    return text;
}

/// What the header says, checked before a single sample is decoded.
Result<void> checkHeader(const SF_INFO &info, const std::string &label, const AudioLimits &limits)
{
    if (info.channels < 1 || info.channels > limits.maxChannels)
        return fileError(label + ": " + std::to_string(info.channels) + " channels; AlignScope reads 1 to " +
                         std::to_string(limits.maxChannels) + " (the header may be damaged; re-export the clip)");
    if (info.samplerate < limits.minRate || info.samplerate > limits.maxRate)
        return fileError(label + ": sample rate " + std::to_string(info.samplerate) + " Hz is outside " +
                         std::to_string(limits.minRate) + "-" + std::to_string(limits.maxRate) +
                         " Hz (the header may be damaged; re-export the clip)");
    // An unknown length (streams) is SF_COUNT_MAX; decoding then stops at the limit instead.
    const bool known = info.frames >= 0 && info.frames < SF_COUNT_MAX;
    if (known && double(info.frames) / info.samplerate > limits.maxSeconds)
        return fileError(label + ": the clip lasts " + secondsText(double(info.frames) / info.samplerate) +
                         ", longer than the " + secondsText(limits.maxSeconds) +
                         " AlignScope opens; cut it into shorter clips");
    return {};
}

/// libsndfile reads a WAV/AIFF whose data chunk claims more than the file
/// holds up to the end of the file, and only says so in its log ("data :
/// 16000 (should be 1600)"). A cut-short file is refused rather than shown as
/// a shorter clip. 0xFFFFFFFF is what recorders write when they never
/// learnt the length; such a file is read to its end.
Result<void> checkDataChunk(SNDFILE *file, const SF_INFO &info, const std::string &label)
{
    std::string log(8192, '\0');
    sf_command(file, SFC_GET_LOG_INFO, log.data(), int(log.size()));
    log.resize(std::strlen(log.c_str()));
    for (std::size_t at = log.find("data : "); at != std::string::npos; at = log.find("data : ", at + 1)) {
        unsigned long long claimed = 0, actual = 0;
        if (std::sscanf(log.c_str() + at, "data : %llu (should be %llu)", &claimed, &actual) != 2)
            continue;
        if (claimed <= actual || claimed == 0xFFFFFFFFull)
            continue;
        if (actual == 0)
            return fileError(label + ": truncated: the header promises audio but the file ends before any; "
                                     "re-export or download the file again");
        const double held = double(info.frames) / info.samplerate;
        return fileError(label + ": truncated: the header promises " + secondsText(held * double(claimed) / double(actual)) +
                         " of audio but the file holds " + secondsText(held) +
                         "; re-export or download the file again");
    }
    return {};
}

void mixToMono(const float *interleaved, sf_count_t frames, int channels, std::vector<float> &mono)
{
    mono.resize(std::size_t(frames));
    if (channels == 1) {
        std::copy(interleaved, interleaved + frames, mono.begin());
        return;
    }
    const float scale = 1.0f / float(channels); // the mean of the channels, as ffmpeg's -ac 1 mixes
    for (sf_count_t f = 0; f < frames; ++f) {
        float sum = 0;
        for (int c = 0; c < channels; ++c)
            sum += interleaved[f * channels + c];
        mono[std::size_t(f)] = sum * scale;
    }
}

/// Decodes an opened file chunk by chunk into a 16 kHz clip.
Result<AudioClip> decode(SNDFILE *file, const SF_INFO &info, const std::string &label, const AudioLimits &limits)
{
    if (auto header = checkHeader(info, label, limits); !header)
        return header.error();
    if (auto chunk = checkDataChunk(file, info, label); !chunk)
        return chunk.error();
    AudioClip clip;
    clip.originalRate = info.samplerate;
    clip.originalChannels = info.channels;
    clip.format = formatName(info.format);
    const auto maxFrames = sf_count_t(limits.maxSeconds * info.samplerate);
    const bool known = info.frames >= 0 && info.frames < SF_COUNT_MAX;
    if (known) // the header was checked against the limit, so this is bounded
        clip.samples.reserve(std::size_t(double(info.frames) * kAudioRate / info.samplerate) + 64);

    std::vector<float> chunk(std::size_t(kChunkFrames) * std::size_t(info.channels));
    std::vector<float> mono;
    audio::Resampler resampler(info.samplerate, kAudioRate);
    for (;;) {
        const sf_count_t got = sf_readf_float(file, chunk.data(), kChunkFrames);
        if (got <= 0)
            break;
        clip.originalFrames += got;
        if (clip.originalFrames > maxFrames)
            return fileError(label + ": the clip lasts longer than the " + secondsText(limits.maxSeconds) +
                             " AlignScope opens; cut it into shorter clips");
        if (!std::all_of(chunk.begin(), chunk.begin() + got * info.channels, [](float x) { return std::isfinite(x); }))
            return fileError(label + ": the audio holds NaN or infinite samples near " +
                             secondsText(double(clip.originalFrames) / info.samplerate) + "; the file is damaged");
        mixToMono(chunk.data(), got, info.channels, mono);
        resampler.push(mono, clip.samples);
    }
    if (sf_error(file) != SF_ERR_NO_ERROR)
        return fileError(label + ": decoding stopped after " +
                         secondsText(double(clip.originalFrames) / info.samplerate) + " (" + sf_strerror(file) +
                         "); the file is damaged or truncated");
    // An MP3's length is mpg123's estimate (from the bit rate when no Xing header says it), not a promise.
    const bool estimated = (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG;
    if (known && !estimated && clip.originalFrames < info.frames)
        return fileError(label + ": truncated: the header promises " +
                         secondsText(double(info.frames) / info.samplerate) + " but only " +
                         secondsText(double(clip.originalFrames) / info.samplerate) +
                         " could be decoded; re-export or download the file again");
    if (clip.originalFrames == 0)
        return fileError(label + ": the clip holds no audio (zero length); record or export it again");
    resampler.finish(clip.samples);
    // A few frames at a high rate can resample to nothing at 16 kHz.
    if (clip.samples.empty())
        return fileError(label + ": the clip is too short to hold one sample at 16 kHz (" +
                         std::to_string(clip.originalFrames) + " frames at " + std::to_string(info.samplerate) +
                         " Hz); record or export a longer clip");
    return clip;
}

Error openError(const std::string &label, const char *why)
{
    std::string reason = why;
    if (!reason.empty() && reason.back() == '.')
        reason.pop_back();
    return fileError(label + ": not audio AlignScope can read (libsndfile: " + reason + "); use " + kFormats);
}

} // namespace

Result<AudioClip> readAudio(const std::string &path, const AudioLimits &limits)
{
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        return fileError(path + ": no such file");
    if (!std::filesystem::is_regular_file(status)) // a FIFO or device could block or never end
        return fileError(path + ": not a regular file");
    SF_INFO info{};
    SndfilePtr file(sf_open(path.c_str(), SFM_READ, &info));
    if (!file)
        return openError(path, sf_strerror(nullptr));
    return decode(file.get(), info, path, limits);
}

Result<AudioClip> readAudioFromMemory(std::span<const std::uint8_t> bytes, const std::string &label,
                                      const AudioLimits &limits)
{
    MemoryFile memory{bytes};
    SF_VIRTUAL_IO io{&MemoryFile::length, &MemoryFile::seek, &MemoryFile::read, &MemoryFile::write,
                     &MemoryFile::tell};
    SF_INFO info{};
    SndfilePtr file(sf_open_virtual(&io, SFM_READ, &info, &memory));
    if (!file)
        return openError(label, sf_strerror(nullptr));
    return decode(file.get(), info, label, limits);
}

} // namespace alignscope
