#include "widgets/colormap.h"

#include <cmath>
#include <vector>

namespace alignscope::ui {
namespace {

// Ten evenly spaced anchors of each map (matplotlib's published values);
// linear interpolation between them stays within a few units of the full
// 256-entry tables, far below what the eye can tell apart.
const std::vector<QRgb> &anchors(ColormapKind kind)
{
    static const std::vector<QRgb> viridis{0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e,
                                           0x1f9e89, 0x35b779, 0x6ece58, 0xb5de2b, 0xfde725};
    static const std::vector<QRgb> magma{0x000004, 0x180f3d, 0x440f76, 0x721f81, 0x9e2f7f,
                                         0xcd4071, 0xf1605d, 0xfd9668, 0xfeca8d, 0xfcfdbf};
    static const std::vector<QRgb> cividis{0x00224e, 0x123570, 0x3b496c, 0x575d6d, 0x707173,
                                           0x8a8678, 0xa59c74, 0xc3b369, 0xe1cc55, 0xfee838};
    static const std::vector<QRgb> gray{0x000000, 0xffffff};
    // RdBu reversed: blue for negative, white at zero, red for positive.
    static const std::vector<QRgb> diverging{0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7,
                                             0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b, 0x67001f};
    switch (kind) {
    case ColormapKind::Viridis: return viridis;
    case ColormapKind::Magma: return magma;
    case ColormapKind::Cividis: return cividis;
    case ColormapKind::Grayscale: return gray;
    case ColormapKind::Diverging: return diverging;
    }
    return viridis;
}

int lerp(int a, int b, double f) { return int(std::lround(a + (b - a) * f)); }

} // namespace

Colormap::Colormap(ColormapKind kind) : m_kind(kind)
{
    const auto &a = anchors(kind);
    const int segments = int(a.size()) - 1;
    for (int i = 0; i < 256; ++i) {
        const double x = i / 255.0 * segments;
        const int k = std::min(int(x), segments - 1);
        const double f = x - k;
        m_table[i] = qRgb(lerp(qRed(a[k]), qRed(a[k + 1]), f), lerp(qGreen(a[k]), qGreen(a[k + 1]), f),
                          lerp(qBlue(a[k]), qBlue(a[k + 1]), f));
    }
}

QRgb Colormap::rgb(double t) const
{
    if (!(t > 0.0)) // also catches NaN
        return m_table[0];
    return m_table[std::min(255, int(t * 255.0 + 0.5))];
}

QColor Colormap::textColorOn(double t) const
{
    const QRgb c = rgb(t);
    const double luma = 0.2126 * qRed(c) + 0.7152 * qGreen(c) + 0.0722 * qBlue(c);
    return luma > 140 ? QColor(Qt::black) : QColor(Qt::white);
}

QStringList Colormap::sequentialNames()
{
    return {QStringLiteral("viridis"), QStringLiteral("magma"), QStringLiteral("cividis"),
            QStringLiteral("grayscale")};
}

QString Colormap::name(ColormapKind kind)
{
    if (kind == ColormapKind::Diverging)
        return QStringLiteral("diverging");
    return sequentialNames().value(int(kind));
}

ColormapKind Colormap::fromName(const QString &name)
{
    if (name == QLatin1String("diverging"))
        return ColormapKind::Diverging;
    const int i = sequentialNames().indexOf(name);
    return i < 0 ? ColormapKind::Viridis : ColormapKind(i);
}

} // namespace alignscope::ui
