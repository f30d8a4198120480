#include "export/exporter.h"

#include "attention/alignmentlinesview.h"
#include "attention/headgrid.h"
#include "attention/heatmappainter.h"
#include "export/pngencoder.h"

#include "alignscope/safetensors.h"

#include <QBuffer>
#include <QFile>
#include <QFontMetricsF>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <algorithm>
#include <cmath>

namespace alignscope::ui {
namespace {

constexpr double kMargin = 8.0;
constexpr double kLinesHeight = 200.0;
constexpr double kPdfPageMargin = 36.0; // points: half an inch on A4 / Letter

// Print colours: independent of the desktop theme so files look the same
// on every machine.
QPalette figurePalette()
{
    QPalette p;
    for (auto role : {QPalette::Window, QPalette::Base})
        p.setColor(role, Qt::white);
    for (auto role : {QPalette::WindowText, QPalette::Text})
        p.setColor(role, Qt::black);
    p.setColor(QPalette::Mid, QColor(0xa0, 0xa0, 0xa0));
    p.setColor(QPalette::Highlight, QColor(0x30, 0x70, 0xd0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    return p;
}

} // namespace

QFont figureFont(const FigureOptions &options)
{
    QFont f(options.fontFamily);
    f.setPixelSize(std::max(1, int(std::lround(options.fontSize * 96.0 / 72.0))));
    return f;
}

QFont figureTitleFont(const FigureOptions &options)
{
    QFont f = figureFont(options);
    f.setBold(true);
    f.setPixelSize(int(std::lround(f.pixelSize() * 1.3)));
    return f;
}

std::optional<FigureFormat> parseFigureFormat(const QString &name)
{
    if (name == QLatin1String("png")) return FigureFormat::Png;
    if (name == QLatin1String("svg")) return FigureFormat::Svg;
    if (name == QLatin1String("pdf")) return FigureFormat::Pdf;
    return std::nullopt;
}

std::optional<FigureView> parseFigureView(const QString &name)
{
    if (name == QLatin1String("heatmap")) return FigureView::Heatmap;
    if (name == QLatin1String("lines")) return FigureView::Lines;
    if (name == QLatin1String("heads")) return FigureView::Heads;
    return std::nullopt;
}

std::optional<FigurePage> parseFigurePage(const QString &name)
{
    const QString n = name.toLower();
    if (n == QLatin1String("fit")) return FigurePage::Fit;
    if (n == QLatin1String("a4")) return FigurePage::A4;
    if (n == QLatin1String("letter")) return FigurePage::Letter;
    return std::nullopt;
}

QString figureExtension(FigureFormat format)
{
    switch (format) {
    case FigureFormat::Png: return QStringLiteral("png");
    case FigureFormat::Svg: return QStringLiteral("svg");
    case FigureFormat::Pdf: return QStringLiteral("pdf");
    }
    return QStringLiteral("png");
}

// One stacked panel: its own cursor (every step shown, nothing picked).
struct ExportPanel {
    TraceModel model;
    HeatmapData data;
    std::optional<HeatmapPainter> heatmap; // refers to `data`
    std::optional<HeadGridData> grid;      // the head grid's cells
    std::optional<HeadGridLayout> gridLayout;
    QString caption;
    QSizeF body;                           // the view alone
    double top = 0;                        // caption's top in figure coordinates
    double captionHeight = 0;
};

struct FigureExporter::Impl {
    FigureOptions options;
    QFont font;
    QFont titleFont;
    QFont captionFont;
    QPalette palette = figurePalette();
    std::vector<std::unique_ptr<ExportPanel>> panels;
    double titleHeight = 0;
    QSizeF size;

    void addPanel(const FigurePanel &source);
    QPointF bodyOrigin(const ExportPanel &p) const { return {kMargin, p.top + p.captionHeight}; }
};

void FigureExporter::Impl::addPanel(const FigurePanel &source)
{
    auto panel = std::make_unique<ExportPanel>();
    ExportPanel &d = *panel;
    d.caption = source.caption;
    if (source.model) {
        d.model.setTrace(source.model->tracePtr());
        d.model.setSelection(source.model->selection()); // the layer and head on screen
        if (!source.model->path().empty())
            d.model.selectNode(source.model->path().back());
        d.model.last();
    }
    if (options.view == FigureView::Heatmap || source.data) {
        HeatmapOptions h = source.data ? source.heatmap : HeatmapOptions{};
        if (!source.data) {
            h.colormap = options.colormap;
            h.hideSpecial = options.hideSpecial;
            h.mergeWords = options.mergeWords;
        }
        h.cellSize = options.cellSize;
        h.showColorBar = options.colorBar;
        h.showValues = options.cellValues;
        d.data = source.data ? *source.data : HeatmapData::fromTrace(d.model, h);
        d.data.visibleRows = d.data.rows();
        d.data.currentRow = -1;
        d.data.selectedColumn = -1;
        d.heatmap.emplace(d.data, h, font, palette);
        d.body = d.heatmap->figureSize();
    } else if (options.view == FigureView::Heads) {
        d.grid = HeadGridData::fromTrace(d.model, AttentionKind::Cross, true, options.mergeWords);
        d.grid->currentRow = d.grid->selectedLayer = d.grid->selectedColumn = -1; // a figure has no cursor
        // Cells about a third of a heatmap cell per key, within the grid's limits.
        const double keys = std::max(1, d.model.sourceLength());
        const double width = (d.grid->columns() + 1) * std::clamp(keys * options.cellSize / 3.0, 60.0, 220.0);
        d.gridLayout.emplace(*d.grid, font, width);
        d.body = d.gridLayout->size();
    } else {
        // The layout measures tokens in bold; leave room for that.
        QFont bold = font;
        bold.setBold(true);
        d.body = QSizeF(std::ceil(std::max(400.0, AlignmentLinesLayout::minimumWidth(d.model, bold) + 2 * kMargin)),
                        kLinesHeight);
    }
    if (!d.caption.isEmpty())
        d.captionHeight = QFontMetricsF(captionFont).height() + kMargin / 2;
    panels.push_back(std::move(panel));
}

FigureExporter::FigureExporter(const TraceModel &model, const FigureOptions &options)
    : FigureExporter(std::vector<FigurePanel>{{&model, QString()}}, options)
{
}

FigureExporter::FigureExporter(const std::vector<FigurePanel> &panels, const FigureOptions &options)
    : m_impl(new Impl)
{
    Impl &d = *m_impl;
    d.options = options;
    d.font = figureFont(options);
    d.titleFont = figureTitleFont(options);
    d.captionFont = d.font;
    d.captionFont.setBold(true);
    for (const FigurePanel &p : panels)
        d.addPanel(p);
    double width = 0;
    if (!options.title.isEmpty()) {
        const QFontMetricsF fm(d.titleFont);
        d.titleHeight = fm.height() + kMargin;
        width = fm.horizontalAdvance(options.title);
    }
    double y = kMargin + d.titleHeight;
    for (auto &p : d.panels) {
        p->top = y;
        y += p->captionHeight + p->body.height() + kMargin;
        width = std::max({width, p->body.width(), QFontMetricsF(d.captionFont).horizontalAdvance(p->caption)});
    }
    d.size = QSizeF(std::ceil(width + 2 * kMargin), std::ceil(y));
}

FigureExporter::~FigureExporter() = default;

QSizeF FigureExporter::figureSize() const { return m_impl->size; }

QRectF FigureExporter::cellRect(int row, int column) const
{
    if (m_impl->panels.empty() || !m_impl->panels.front()->heatmap)
        return {};
    const ExportPanel &p = *m_impl->panels.front();
    return p.heatmap->cellRect(row, column, QRectF(QPointF(), p.body)).translated(m_impl->bodyOrigin(p));
}

QRectF FigureExporter::headCellRect(int layer, int column) const
{
    if (m_impl->panels.empty() || !m_impl->panels.front()->gridLayout)
        return {};
    const ExportPanel &p = *m_impl->panels.front();
    return p.gridLayout->cellRect(layer, column).translated(m_impl->bodyOrigin(p));
}

void FigureExporter::paint(QPainter &p) const
{
    const Impl &d = *m_impl;
    p.save();
    if (d.options.whiteBackground)
        p.fillRect(QRectF(QPointF(), d.size), Qt::white);
    p.setPen(d.palette.color(QPalette::WindowText));
    if (!d.options.title.isEmpty()) {
        p.setFont(d.titleFont);
        p.drawText(QRectF(kMargin, kMargin, d.size.width() - 2 * kMargin, d.titleHeight - kMargin),
                   Qt::AlignHCenter | Qt::AlignVCenter, d.options.title);
    }
    AlignmentLinesOptions figureLines;
    figureLines.highlightCurrent = false;
    for (const auto &panel : d.panels) {
        if (!panel->caption.isEmpty()) {
            p.setFont(d.captionFont);
            p.setPen(d.palette.color(QPalette::WindowText));
            p.drawText(QRectF(kMargin, panel->top, d.size.width() - 2 * kMargin, panel->captionHeight),
                       Qt::AlignLeft | Qt::AlignVCenter, panel->caption);
        }
        p.save();
        p.translate(d.bodyOrigin(*panel));
        const QRectF target(QPointF(), panel->body);
        if (panel->heatmap)
            panel->heatmap->paint(p, target);
        else if (panel->grid)
            paintHeadGrid(p, *panel->grid, *panel->gridLayout, d.font, d.palette, d.options.colormap);
        else
            paintAlignmentLines(p, target, panel->model, figureLines, d.font, d.palette);
        p.restore();
    }
    p.restore();
}

QImage FigureExporter::toImage() const
{
    const double s = std::max(0.01, m_impl->options.scale);
    // Opaque figures need no alpha channel: smaller and faster to encode.
    const bool opaque = m_impl->options.whiteBackground;
    QImage image(QSize(int(std::lround(m_impl->size.width() * s)), int(std::lround(m_impl->size.height() * s))),
                 opaque ? QImage::Format_RGB32 : QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(s);
    image.fill(opaque ? Qt::white : Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    paint(p);
    p.end();
    return image;
}

QByteArray FigureExporter::toPng() const
{
    FigureOptions o = m_impl->options;
    o.format = FigureFormat::Png;
    return renderFigure(m_impl->size, o, [this](QPainter &p) { paint(p); });
}

QByteArray FigureExporter::toSvg() const
{
    FigureOptions o = m_impl->options;
    o.format = FigureFormat::Svg;
    return renderFigure(m_impl->size, o, [this](QPainter &p) { paint(p); });
}

QByteArray FigureExporter::toPdf() const
{
    FigureOptions o = m_impl->options;
    o.format = FigureFormat::Pdf;
    return renderFigure(m_impl->size, o, [this](QPainter &p) { paint(p); });
}

QByteArray FigureExporter::render() const
{
    return renderFigure(m_impl->size, m_impl->options, [this](QPainter &p) { paint(p); });
}

Result<void> FigureExporter::write(const QString &file) const
{
    return writeFigure(file, m_impl->size, m_impl->options, [this](QPainter &p) { paint(p); });
}

namespace {

QByteArray figurePng(QSizeF logical, const FigureOptions &options, const FigurePainter &paint)
{
    const double s = std::max(0.01, options.scale);
    const QSize size(int(std::lround(logical.width() * s)), int(std::lround(logical.height() * s)));
    PngInfo info;
    info.alpha = !options.whiteBackground;
    info.dotsPerInch = kDotsPerInchAtScale1 * s; // prints at the figure's logical size
    info.title = options.title;
    // Bands painted in parallel, each clipped to its rows so the painters
    // skip the cells outside it (encodePng in pngencoder.h).
    return encodePng(size, info, [&](QImage &band, int top) {
        QPainter p(&band);
        p.setRenderHint(QPainter::TextAntialiasing, true);
        p.translate(0, -top);
        p.scale(s, s);
        p.setClipRect(QRectF(0, top / s, size.width() / s, band.height() / s));
        paint(p);
    });
}

QByteArray figureSvg(QSizeF size, const FigureOptions &options, const FigurePainter &paint)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(size.toSize());
    svg.setViewBox(QRectF(QPointF(), size));
    svg.setResolution(96);
    // QSvgGenerator writes title and description verbatim: escape them.
    svg.setTitle((options.title.isEmpty() ? QStringLiteral("AlignScope attention") : options.title).toHtmlEscaped());
    svg.setDescription(QStringLiteral("Encoder-decoder attention exported by AlignScope"));
    QPainter p(&svg);
    paint(p);
    p.end();
    return bytes;
}

QByteArray figurePdf(QSizeF size, const FigureOptions &options, const FigurePainter &paint)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QPdfWriter pdf(&buffer);
    pdf.setCreator(QStringLiteral("AlignScope"));
    pdf.setTitle(options.title);
    switch (options.page) {
    case FigurePage::Fit:
        // 96 logical pixels per inch, 72 points per inch.
        pdf.setPageSize(QPageSize(size * 0.75, QPageSize::Point, QString(), QPageSize::ExactMatch));
        pdf.setPageMargins(QMarginsF(), QPageLayout::Point);
        break;
    case FigurePage::A4:
    case FigurePage::Letter:
        pdf.setPageSize(QPageSize(options.page == FigurePage::A4 ? QPageSize::A4 : QPageSize::Letter));
        pdf.setPageMargins(QMarginsF(kPdfPageMargin, kPdfPageMargin, kPdfPageMargin, kPdfPageMargin),
                           QPageLayout::Point);
        break;
    }
    QPainter p(&pdf);
    // Never enlarge past natural size on a paper page; shrink to fit.
    const double natural = pdf.resolution() / 96.0;
    double s = std::min(pdf.width() / size.width(), pdf.height() / size.height());
    if (options.page != FigurePage::Fit)
        s = std::min(s, natural);
    p.scale(s, s);
    paint(p);
    p.end();
    return bytes;
}

} // namespace

QByteArray renderFigure(QSizeF size, const FigureOptions &options, const FigurePainter &paint)
{
    switch (options.format) {
    case FigureFormat::Png: return figurePng(size, options, paint);
    case FigureFormat::Svg: return figureSvg(size, options, paint);
    case FigureFormat::Pdf: return figurePdf(size, options, paint);
    }
    return {};
}

Result<void> writeFigure(const QString &file, QSizeF size, const FigureOptions &options, const FigurePainter &paint)
{
    const QByteArray bytes = renderFigure(size, options, paint);
    if (bytes.isEmpty())
        return Error{ErrorKind::Internal, "could not render " + file.toStdString()};
    return writeFileAtomically(QFile::encodeName(file).toStdString(), bytes.toStdString());
}

} // namespace alignscope::ui
