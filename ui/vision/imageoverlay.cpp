#include "vision/imageoverlay.h"

#include <QPainter>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace alignscope::ui {

QImage toQImage(const RgbImage &image)
{
    if (image.width <= 0 || image.height <= 0
        || image.pixels.size() != size_t(image.width) * size_t(image.height) * 3)
        return {};
    QImage out(image.width, image.height, QImage::Format_RGB888);
    const size_t rowBytes = size_t(image.width) * 3; // QImage pads its lines to 4 bytes
    for (int y = 0; y < image.height; ++y)
        std::memcpy(out.scanLine(y), image.pixels.data() + size_t(y) * rowBytes, rowBytes);
    return out;
}

RgbImage toRgbImage(const QImage &image)
{
    if (image.isNull())
        return {};
    // RGBA8888 keeps the stored colour channels beside alpha (no premultiplying).
    const QImage rgba = image.convertToFormat(QImage::Format_RGBA8888);
    RgbImage out;
    out.width = rgba.width();
    out.height = rgba.height();
    out.pixels.resize(size_t(out.width) * size_t(out.height) * 3);
    std::uint8_t *dst = out.pixels.data();
    for (int y = 0; y < out.height; ++y) {
        const uchar *src = rgba.constScanLine(y);
        for (int x = 0; x < out.width; ++x, src += 4, dst += 3) {
            dst[0] = src[0];
            dst[1] = src[1];
            dst[2] = src[2];
        }
    }
    return out;
}

bool hasPatchGrid(const SourceAxis &source)
{
    return source.kind == SourceKind::Image && source.gridRows > 0 && source.gridColumns > 0
           && source.extraBefore >= 0 && source.extraBefore + source.gridRows * source.gridColumns <= source.size()
           && source.image.width > 0 && source.image.height > 0;
}

std::vector<double> patchWeights(const SourceAxis &source, std::span<const float> row)
{
    if (!hasPatchGrid(source) || int(row.size()) < source.size())
        return {};
    const Matrix grid = source.patchGrid(Vector::Map(row.data(), Eigen::Index(row.size())));
    std::vector<double> cells;
    cells.reserve(size_t(grid.size()));
    for (Eigen::Index r = 0; r < grid.rows(); ++r) // row-major, as the patches run
        for (Eigen::Index c = 0; c < grid.cols(); ++c)
            cells.push_back(grid(r, c));
    return cells;
}

double extraShare(const SourceAxis &source, std::span<const float> row)
{
    if (!hasPatchGrid(source) || int(row.size()) < source.size())
        return 0.0;
    const Vector weights = Vector::Map(row.data(), Eigen::Index(row.size()));
    const double total = weights.sum(); // a merged word's row need not sum to 1
    return total > 0.0 ? source.extraWeight(weights) / total : 0.0;
}

int peakPatch(const SourceAxis &source, std::span<const float> row)
{
    const std::vector<double> grid = patchWeights(source, row);
    if (grid.empty())
        return -1;
    return source.extraBefore + int(std::max_element(grid.begin(), grid.end()) - grid.begin());
}

std::vector<double> upsampleGrid(const std::vector<double> &grid, int rows, int columns, int width, int height)
{
    std::vector<double> out(size_t(width) * size_t(height), 0.0);
    if (rows <= 0 || columns <= 0 || grid.size() != size_t(rows) * size_t(columns))
        return out;
    // Per output column: the two grid columns it lies between and the weight of the right one.
    struct Tap {
        int lo, hi;
        double f;
    };
    auto taps = [](int cells, int pixels) {
        std::vector<Tap> t(static_cast<size_t>(pixels));
        const double scale = double(cells) / pixels;
        for (int i = 0; i < pixels; ++i) {
            const double s = std::max(0.0, (i + 0.5) * scale - 0.5); // torch clamps below at 0
            const int lo = std::min(int(s), cells - 1);
            t[size_t(i)] = {lo, std::min(lo + 1, cells - 1), s - lo};
        }
        return t;
    };
    const std::vector<Tap> tx = taps(columns, width), ty = taps(rows, height);
    for (int y = 0; y < height; ++y) {
        const Tap &v = ty[size_t(y)];
        const double *top = grid.data() + size_t(v.lo) * columns;
        const double *bottom = grid.data() + size_t(v.hi) * columns;
        double *dst = out.data() + size_t(y) * width;
        for (int x = 0; x < width; ++x) {
            const Tap &h = tx[size_t(x)];
            const double a = top[h.lo] + (top[h.hi] - top[h.lo]) * h.f;
            const double b = bottom[h.lo] + (bottom[h.hi] - bottom[h.lo]) * h.f;
            dst[x] = a + (b - a) * v.f;
        }
    }
    return out;
}

ImageOverlay::ImageOverlay(const SourceAxis &source, std::span<const float> row, const ImageOverlayOptions &options)
    : m_source(source), m_options(options)
{
    m_blended = toQImage(source.image).convertToFormat(QImage::Format_RGB32);
    const std::vector<double> grid = patchWeights(source, row);
    if (grid.empty() || m_blended.isNull())
        return;
    m_peak = *std::max_element(grid.begin(), grid.end());
    m_extraShare = alignscope::ui::extraShare(source, row);
    blend(grid);
}

double ImageOverlay::unit(double weight) const
{
    if (!m_options.normalise)
        return std::clamp(weight, 0.0, 1.0);
    return m_peak > 0.0 ? std::clamp(weight / m_peak, 0.0, 1.0) : 0.0;
}

void ImageOverlay::blend(const std::vector<double> &grid)
{
    const double a = std::clamp(m_options.opacity, 0.0, 1.0);
    if (a <= 0.0)
        return;
    const int w = m_blended.width(), h = m_blended.height();
    const std::vector<double> smooth = upsampleGrid(grid, m_source.gridRows, m_source.gridColumns, w, h);
    const Colormap map(m_options.colormap);
    auto mix = [a](int under, int over) { return int(std::lround(under + (over - under) * a)); };
    for (int y = 0; y < h; ++y) {
        auto *line = reinterpret_cast<QRgb *>(m_blended.scanLine(y));
        const double *weights = smooth.data() + size_t(y) * w;
        for (int x = 0; x < w; ++x) {
            const QRgb c = map.rgb(unit(weights[x]));
            const QRgb p = line[x];
            line[x] = qRgb(mix(qRed(p), qRed(c)), mix(qGreen(p), qGreen(c)), mix(qBlue(p), qBlue(c)));
        }
    }
}

QRectF ImageOverlay::imageRect(const QRectF &target) const
{
    if (m_blended.isNull() || target.isEmpty())
        return {};
    QSizeF size = QSizeF(m_blended.size()).scaled(target.size(), Qt::KeepAspectRatio);
    return QRectF(target.center() - QPointF(size.width() / 2, size.height() / 2), size);
}

QRectF ImageOverlay::patchRect(int j, const QRectF &target) const
{
    const auto [r, c] = m_source.patchCell(j);
    const QRectF image = imageRect(target);
    if (r < 0 || image.isEmpty())
        return {};
    const double sx = image.width() / m_blended.width(), sy = image.height() / m_blended.height();
    if (size_t(j) < m_source.boxes.size() && m_source.boxes[size_t(j)].width > 0) {
        const PixelBox &b = m_source.boxes[size_t(j)];
        return {image.left() + b.x * sx, image.top() + b.y * sy, b.width * sx, b.height * sy};
    }
    const double cw = image.width() / m_source.gridColumns, ch = image.height() / m_source.gridRows;
    return {image.left() + c * cw, image.top() + r * ch, cw, ch};
}

int ImageOverlay::patchAt(QPointF pos, const QRectF &target) const
{
    const QRectF image = imageRect(target);
    if (!hasPatchGrid(m_source) || !image.contains(pos))
        return -1;
    const int c = std::clamp(int((pos.x() - image.left()) / image.width() * m_source.gridColumns), 0,
                             m_source.gridColumns - 1);
    const int r = std::clamp(int((pos.y() - image.top()) / image.height() * m_source.gridRows), 0,
                             m_source.gridRows - 1);
    return m_source.extraBefore + r * m_source.gridColumns + c;
}

void ImageOverlay::paint(QPainter &p, const QRectF &target) const
{
    const QRectF image = imageRect(target);
    if (image.isEmpty())
        return;
    p.save();
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    p.drawImage(image, m_blended);
    if (m_options.gridLines && hasPatchGrid(m_source)) {
        p.setPen(QPen(QColor(255, 255, 255, 110), 0)); // cosmetic: one device pixel at any scale
        for (int c = 1; c < m_source.gridColumns; ++c) {
            const double x = image.left() + image.width() * c / m_source.gridColumns;
            p.drawLine(QPointF(x, image.top()), QPointF(x, image.bottom()));
        }
        for (int r = 1; r < m_source.gridRows; ++r) {
            const double y = image.top() + image.height() * r / m_source.gridRows;
            p.drawLine(QPointF(image.left(), y), QPointF(image.right(), y));
        }
    }
    p.restore();
}

} // namespace alignscope::ui
