#pragma once
// Font helpers the views share.

#include <QFont>

namespace alignscope::ui {

/// `f` enlarged (or shrunk) by `factor`, whether it is sized in points or pixels.
inline QFont scaledFont(QFont f, double factor)
{
    if (f.pointSizeF() > 0)
        f.setPointSizeF(f.pointSizeF() * factor);
    else
        f.setPixelSize(int(f.pixelSize() * factor));
    return f;
}

} // namespace alignscope::ui
