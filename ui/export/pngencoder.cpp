// oneTBB first: Qt's `emit` macro would break its profiling.h.
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include "export/pngencoder.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace alignscope::ui {
namespace {

constexpr int kBandRows = 192; // ~3 MB per band at 4000 px: stays in cache-sized pieces

/// Joins oneTBB's worker threads when the program ends (a static's
/// destructor, before the libraries unload). Workers that painted a band hold
/// Qt's per-thread data; left running, one could end while exit() unloads Qt
/// and crash in Qt's clean-up of it (seen as a segfault after an export had
/// written its file: 3 times in about 140 runs of two exports at once).
struct WorkersJoinedAtExit {
    tbb::task_scheduler_handle handle{tbb::attach{}};
    ~WorkersJoinedAtExit() { (void)tbb::finalize(handle, std::nothrow); }
};

void put32(QByteArray &out, quint32 v)
{
    const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.append(b, 4);
}

void chunk(QByteArray &out, const char type[4], const QByteArray &data)
{
    put32(out, quint32(data.size()));
    const qsizetype start = out.size();
    out.append(type, 4);
    out.append(data);
    put32(out, quint32(crc32(0, reinterpret_cast<const Bytef *>(out.constData() + start), uInt(data.size() + 4))));
}

/// One band's rows as PNG scanlines: a filter byte, then RGB or RGBA bytes.
/// The first row of a band is unfiltered; the others store their difference
/// from the row above ("Up"), which is all zeros inside a heatmap cell.
void scanlines(const QImage &band, bool alpha, std::vector<unsigned char> &out)
{
    const int w = band.width(), channels = alpha ? 4 : 3;
    const std::size_t stride = 1 + std::size_t(w) * channels;
    out.resize(stride * band.height());
    const auto bytes = [&](QRgb p, unsigned char *c) {
        if (alpha)
            p = qUnpremultiply(p);
        c[0] = static_cast<unsigned char>(qRed(p));
        c[1] = static_cast<unsigned char>(qGreen(p));
        c[2] = static_cast<unsigned char>(qBlue(p));
        if (alpha)
            c[3] = static_cast<unsigned char>(qAlpha(p));
    };
    const QRgb *above = nullptr;
    for (int y = 0; y < band.height(); ++y) {
        const QRgb *px = reinterpret_cast<const QRgb *>(band.constScanLine(y));
        unsigned char *row = out.data() + stride * y;
        if (!above) {
            row[0] = 0;
            for (int x = 0; x < w; ++x)
                bytes(px[x], row + 1 + std::size_t(x) * channels);
        } else if (std::memcmp(px, above, std::size_t(w) * sizeof(QRgb)) == 0) {
            row[0] = 2;
            std::memset(row + 1, 0, stride - 1);
        } else {
            row[0] = 2;
            unsigned char a[4], b[4];
            for (int x = 0; x < w; ++x) {
                bytes(px[x], a);
                bytes(above[x], b);
                unsigned char *c = row + 1 + std::size_t(x) * channels;
                for (int k = 0; k < channels; ++k)
                    c[k] = static_cast<unsigned char>(a[k] - b[k]);
            }
        }
        above = px;
    }
}

struct Band {
    std::vector<unsigned char> deflated;
    uLong adler = 1;
    uLong length = 0;
    bool ok = false;
};

/// Raw deflate of one band, ending on a byte boundary (sync flush) so the
/// bands concatenate into one stream.
void deflateBand(const std::vector<unsigned char> &raw, Band &band)
{
    z_stream z{};
    // Level 1: a figure is mostly zero rows after the Up filter; higher
    // levels cost time and save little.
    if (deflateInit2(&z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    band.deflated.resize(deflateBound(&z, uLong(raw.size())) + 16);
    z.next_in = const_cast<Bytef *>(raw.data());
    z.avail_in = uInt(raw.size());
    z.next_out = band.deflated.data();
    z.avail_out = uInt(band.deflated.size());
    const int status = deflate(&z, Z_SYNC_FLUSH);
    band.ok = status == Z_OK && z.avail_in == 0;
    band.deflated.resize(z.total_out);
    deflateEnd(&z);
    band.adler = adler32(1, raw.data(), uInt(raw.size()));
    band.length = uLong(raw.size());
}

} // namespace

QByteArray encodePng(QSize size, const PngInfo &info, const PngBandPainter &paint)
{
    if (size.isEmpty())
        return {};
    const int count = (size.height() + kBandRows - 1) / kBandRows;
    std::vector<Band> bands(static_cast<std::size_t>(count));
    static WorkersJoinedAtExit joined;
    tbb::parallel_for(0, count, [&](int i) {
        const int top = i * kBandRows, rows = std::min(kBandRows, size.height() - top);
        QImage image(size.width(), rows, info.alpha ? QImage::Format_ARGB32_Premultiplied : QImage::Format_RGB32);
        image.fill(info.alpha ? Qt::transparent : Qt::white);
        paint(image, top);
        std::vector<unsigned char> raw;
        scanlines(image, info.alpha, raw);
        deflateBand(raw, bands[std::size_t(i)]);
    });

    QByteArray idat;
    idat.append(char(0x78)).append(char(0x01)); // zlib header: deflate, 32 KB window, fastest
    uLong adler = 1;
    for (const Band &b : bands) {
        if (!b.ok)
            return {};
        idat.append(reinterpret_cast<const char *>(b.deflated.data()), qsizetype(b.deflated.size()));
        adler = adler32_combine(adler, b.adler, z_off_t(b.length));
    }
    idat.append(char(0x03)).append(char(0x00)); // final empty fixed-Huffman block
    put32(idat, quint32(adler));

    QByteArray png("\x89PNG\r\n\x1a\n", 8);
    QByteArray header;
    put32(header, quint32(size.width()));
    put32(header, quint32(size.height()));
    header.append(char(8)).append(char(info.alpha ? 6 : 2)); // 8 bits, RGBA or RGB
    header.append(char(0)).append(char(0)).append(char(0));  // deflate, adaptive filters, no interlace
    chunk(png, "IHDR", header);
    if (info.dotsPerInch > 0) {
        QByteArray phys;
        const auto perMetre = quint32(std::lround(info.dotsPerInch / 0.0254));
        put32(phys, perMetre);
        put32(phys, perMetre);
        phys.append(char(1)); // unit: metre
        chunk(png, "pHYs", phys);
    }
    chunk(png, "tEXt", QByteArray("Software", 9) + "AlignScope");
    if (!info.title.isEmpty()) // iTXt: UTF-8, uncompressed, no language tag
        chunk(png, "iTXt", QByteArray("Title\0\0\0\0\0", 10) + info.title.toUtf8());
    // IDAT chunks of at most 1 MB, as most writers do.
    constexpr qsizetype kChunk = 1 << 20;
    for (qsizetype at = 0; at < idat.size(); at += kChunk)
        chunk(png, "IDAT", idat.mid(at, kChunk));
    chunk(png, "IEND", {});
    return png;
}

} // namespace alignscope::ui
