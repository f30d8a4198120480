#pragma once
// Colormaps as 256-entry lookup tables, so painting a cell is one index and
// no per-pixel interpolation. Perceptually uniform maps (viridis, magma,
// cividis) make equal steps in α look like equal steps in colour.

#include <QColor>
#include <QStringList>

#include <array>

namespace alignscope::ui {

enum class ColormapKind { Viridis, Magma, Cividis, Grayscale, Diverging };

class Colormap {
public:
    explicit Colormap(ColormapKind kind = ColormapKind::Viridis);

    ColormapKind kind() const { return m_kind; }
    /// Colour of t in [0, 1] (clamped; NaN maps to 0).
    QRgb rgb(double t) const;
    QColor color(double t) const { return QColor::fromRgb(rgb(t)); }
    /// Black or white, whichever reads better on top of colour t.
    QColor textColorOn(double t) const;

    /// Display names of the sequential maps offered in pickers (index = kind).
    static QStringList sequentialNames();
    static QString name(ColormapKind kind);
    static ColormapKind fromName(const QString &name);

private:
    ColormapKind m_kind;
    std::array<QRgb, 256> m_table{};
};

} // namespace alignscope::ui
