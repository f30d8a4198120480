#pragma once
// Figure export: the heatmap or the alignment lines of a trace as PNG (at a
// chosen scale), SVG (tokens as real <text>) or PDF (vector, A4, Letter or
// the figure's own size). Files are painted by the same painters as the
// screen, rendered into memory first and then written atomically.

#include "widgets/colormap.h"
#include "attention/heatmappainter.h"
#include "decode/tracemodel.h"

#include "alignscope/result.h"

#include <QByteArray>
#include <QFont>
#include <QImage>
#include <QRectF>
#include <QSizeF>
#include <QString>

#include <functional>
#include <memory>
#include <utility>
#include <optional>
#include <vector>

class QPainter;

namespace alignscope::ui {

enum class FigureFormat { Png, Svg, Pdf };
enum class FigureView { Heatmap, Lines, Heads }; ///< Heads: the layers × heads grid of whole matrices
enum class FigurePage { Fit, A4, Letter };

/// A figure's resolution at scale 1: PNG files record 96 dpi × scale, and
/// a resolution asked in dpi (export --dpi, the export dialog) is that scale.
inline constexpr double kDotsPerInchAtScale1 = 96.0;

struct FigureOptions {
    FigureFormat format = FigureFormat::Png;
    FigureView view = FigureView::Heatmap;
    double scale = 2.0;              ///< PNG pixels per logical pixel
    QString title;                   ///< drawn above the figure when not empty
    bool colorBar = true;
    bool cellValues = true;          ///< print α in cells large enough to hold it
    bool hideSpecial = false;
    bool mergeWords = false;         ///< heatmaps: a subword model's pieces merged into words (HeatmapOptions)
    ColormapKind colormap = ColormapKind::Viridis;
    bool whiteBackground = true;     ///< else transparent (PNG, SVG) / unfilled (PDF)
    QString fontFamily = QStringLiteral("DejaVu Sans");
    double fontSize = 10.0;          ///< points, at 96 logical pixels per inch
    double cellSize = 40.0;          ///< logical pixels per heatmap cell
    FigurePage page = FigurePage::Fit;
    double overlayOpacity = 0.6;     ///< a picture's overlay figure: the colour layer's opacity (the Vision view's)
};

/// "png", "svg", "pdf"; nullopt otherwise. Same for views and pages.
std::optional<FigureFormat> parseFigureFormat(const QString &name);
std::optional<FigureView> parseFigureView(const QString &name);
std::optional<FigurePage> parseFigurePage(const QString &name);
QString figureExtension(FigureFormat format);

/// One panel of a figure, with an optional caption (a model's name): a
/// trace, drawn as the figure's view; or a heatmap already computed (a
/// difference α_A − α_B), drawn with its own colour scale and every row.
struct FigurePanel {
    FigurePanel() = default;
    FigurePanel(const TraceModel *trace, QString title) : model(trace), caption(std::move(title)) {}

    const TraceModel *model = nullptr;
    QString caption;
    const HeatmapData *data = nullptr; ///< used instead of `model` when set
    HeatmapOptions heatmap;            ///< `data`'s colormap and signed range
};

/// Renders traces (the hypothesis each model shows, every step) as one
/// figure: the title, then the panels stacked top to bottom (the compare view).
class FigureExporter {
public:
    FigureExporter(const TraceModel &model, const FigureOptions &options);
    FigureExporter(const std::vector<FigurePanel> &panels, const FigureOptions &options);
    ~FigureExporter();

    /// Logical size of the whole figure (title included), whole pixels.
    QSizeF figureSize() const;
    /// Heatmap cell (row = step, column = source position as shown) of the
    /// first panel in figure coordinates; empty for the lines view.
    QRectF cellRect(int row, int column) const;
    /// The head grid's cell (layer, column) of the first panel in figure
    /// coordinates; empty unless the view is Heads.
    QRectF headCellRect(int layer, int column) const;

    /// Paints the figure with its top-left at (0, 0) in logical pixels.
    void paint(QPainter &p) const;

    QImage toImage() const;          ///< at options.scale, ARGB32
    QByteArray toPng() const;
    QByteArray toSvg() const;
    QByteArray toPdf() const;
    /// The bytes of options.format.
    QByteArray render() const;
    /// render() written atomically to `file`.
    Result<void> write(const QString &file) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Paints a figure with its top-left at (0, 0) in logical pixels.
using FigurePainter = std::function<void(QPainter &)>;
/// The bytes of a figure of logical `size` painted by `paint`, in
/// options.format: PNG at options.scale (painted in bands, in parallel: `paint`
/// must be safe to call from several threads), SVG, or PDF on options.page.
/// Every figure (FigureExporter, the image overlay's OverlayFigure) goes through it.
QByteArray renderFigure(QSizeF size, const FigureOptions &options, const FigurePainter &paint);
/// renderFigure written atomically to `file`.
Result<void> writeFigure(const QString &file, QSizeF size, const FigureOptions &options, const FigurePainter &paint);

/// Font used by figures: pixel-sized so measuring (screen DPI) and painting
/// (PDF 1200 dpi, SVG 72 dpi) agree.
QFont figureFont(const FigureOptions &options);
/// The figure title's: figureFont, bold, 1.3 times as large.
QFont figureTitleFont(const FigureOptions &options);

} // namespace alignscope::ui
