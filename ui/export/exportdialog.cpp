#include "export/exportdialog.h"

#include "attention/heatmapview.h"
#include "export/overlayfigure.h"
#include "export/spectrogramfigure.h"
#include "vision/imageoverlay.h"

#include "alignscope/attentionexport.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFontComboBox>
#include <QFormLayout>
#include <QImage>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>

#include <cmath>

namespace alignscope::ui {
namespace {

const QStringList kFormats = {QStringLiteral("png"), QStringLiteral("svg"), QStringLiteral("pdf"),
                              QStringLiteral("json"), QStringLiteral("csv"), QStringLiteral("pharaoh"),
                              QStringLiteral("nematus")};

bool isFigure(const QString &format) { return parseFigureFormat(format).has_value(); }

QString extensionOf(const QString &format)
{
    if (auto data = parseAttentionFormat(format.toStdString()))
        return QString::fromStdString(attentionFormatExtension(*data));
    return format;
}

FigureOptions viewDefaults(const HeatmapView *view)
{
    FigureOptions o;
    if (view) {
        o.colormap = view->options().colormap;
        o.hideSpecial = view->options().hideSpecial;
        o.mergeWords = view->options().mergeWords;
    }
    return o;
}

} // namespace

ExportDialog::ExportDialog(const FigureOptions &initial, QWidget *parent, Offer offer)
    : QDialog(parent), m_initial(initial), m_offer(offer)
{
    setWindowTitle(tr("Export"));
    auto *form = new QFormLayout(this);
    m_format = new QComboBox(this);
    for (const QString &f : kFormats)
        if (offer == Everything || offer == Speech || isFigure(f) || (offer == Picture && f == QLatin1String("json")))
            m_format->addItem(f.toUpper(), f);
    m_format->setCurrentIndex(int(initial.format));
    m_view = new QComboBox(this);
    const bool picture = offer == Picture || offer == PictureFiguresOnly;
    if (picture) { // the picture with the attention over it
        m_view->addItem(tr("Strip: a picture per word"), QStringLiteral("strip"));
        m_view->addItem(tr("This step's picture"), QStringLiteral("step"));
    } else if (offer == Speech) { // the spectrogram with the attention on its time axis
        m_view->addItem(tr("Spectrogram: every token"), QStringLiteral("spectrogram"));
        m_view->addItem(tr("Spectrogram: this step"), QStringLiteral("step"));
        m_view->addItem(tr("Heatmap"), QStringLiteral("heatmap"));
    } else {
        m_view->addItem(tr("Heatmap"), QStringLiteral("heatmap"));
    }
    if (offer == Everything || offer == FiguresOnly) {
        m_view->addItem(tr("Alignment lines"), QStringLiteral("lines"));
        m_view->addItem(tr("Head grid (every layer and head)"), QStringLiteral("heads"));
    }
    m_view->setCurrentIndex(offer == Everything || offer == FiguresOnly ? int(initial.view) : 0);
    m_scale = new QDoubleSpinBox(this);
    m_scale->setRange(0.5, 8.0);
    m_scale->setSingleStep(0.5);
    m_scale->setDecimals(3);
    m_scale->setSuffix(QStringLiteral("×"));
    m_scale->setValue(initial.scale);
    // The same choice as a print resolution: 300 dpi is scale 3.125.
    m_dpi = new QSpinBox(this);
    m_dpi->setRange(int(0.5 * kDotsPerInchAtScale1), int(8.0 * kDotsPerInchAtScale1));
    m_dpi->setSuffix(tr(" dpi"));
    m_dpi->setValue(int(std::lround(initial.scale * kDotsPerInchAtScale1)));
    connect(m_scale, &QDoubleSpinBox::valueChanged, this, [this](double scale) {
        const QSignalBlocker quiet(m_dpi);
        m_dpi->setValue(int(std::lround(scale * kDotsPerInchAtScale1)));
        m_dpiChosen = false;
    });
    connect(m_dpi, &QSpinBox::valueChanged, this, [this](int dpi) {
        const QSignalBlocker quiet(m_scale);
        m_scale->setValue(dpi / kDotsPerInchAtScale1);
        m_dpiChosen = true;
    });
    m_page = new QComboBox(this);
    m_page->addItem(tr("Fit to figure"), QStringLiteral("fit"));
    m_page->addItem(QStringLiteral("A4"), QStringLiteral("a4"));
    m_page->addItem(QStringLiteral("Letter"), QStringLiteral("letter"));
    m_page->setCurrentIndex(int(initial.page));
    m_title = new QLineEdit(initial.title, this);
    m_title->setPlaceholderText(tr("No title"));
    m_colorBar = new QCheckBox(tr("Colour bar"), this);
    m_colorBar->setChecked(initial.colorBar);
    m_values = new QCheckBox(tr("Print α in cells"), this);
    m_values->setChecked(initial.cellValues);
    m_white = new QCheckBox(tr("White background (for print)"), this);
    m_white->setChecked(initial.whiteBackground);
    m_colormap = new QComboBox(this);
    m_colormap->addItems(Colormap::sequentialNames());
    m_colormap->setCurrentText(Colormap::name(initial.colormap));
    m_font = new QFontComboBox(this);
    m_font->setCurrentFont(QFont(initial.fontFamily));
    m_fontSize = new QDoubleSpinBox(this);
    m_fontSize->setRange(4, 72);
    m_fontSize->setSuffix(tr(" pt"));
    m_fontSize->setValue(initial.fontSize);

    form->addRow(tr("&Format:"), m_format);
    form->addRow(tr("&View:"), m_view);
    form->addRow(tr("&Scale (PNG):"), m_scale);
    form->addRow(tr("&Resolution (PNG):"), m_dpi);
    form->addRow(tr("&Page (PDF):"), m_page);
    form->addRow(tr("&Title:"), m_title);
    form->addRow(tr("&Colormap:"), m_colormap);
    form->addRow(tr("F&ont:"), m_font);
    form->addRow(tr("Font si&ze:"), m_fontSize);
    form->addRow(m_colorBar);
    form->addRow(m_values);
    form->addRow(m_white);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Export…"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_format, &QComboBox::currentIndexChanged, this, &ExportDialog::updateEnabled);
    updateEnabled();
}

void ExportDialog::updateEnabled()
{
    const QString f = formatName();
    const bool figure = isFigure(f);
    m_view->setEnabled(figure && m_view->count() > 1);
    for (QWidget *w : std::initializer_list<QWidget *>{m_title, m_colorBar, m_values, m_white, m_colormap,
                                                       m_font, m_fontSize})
        w->setEnabled(figure);
    m_scale->setEnabled(f == QLatin1String("png"));
    m_dpi->setEnabled(f == QLatin1String("png"));
    m_page->setEnabled(f == QLatin1String("pdf"));
}

QString ExportDialog::formatName() const { return m_format->currentData().toString(); }

FigureOptions ExportDialog::options() const
{
    FigureOptions o = m_initial; // what the dialog does not offer (hidden tokens, merged words) stays as the view has it
    o.format = parseFigureFormat(formatName()).value_or(FigureFormat::Png);
    o.view = parseFigureView(m_view->currentData().toString()).value_or(m_initial.view);
    o.scale = m_dpiChosen ? m_dpi->value() / kDotsPerInchAtScale1 : m_scale->value();
    o.page = *parseFigurePage(m_page->currentData().toString());
    o.title = m_title->text();
    o.colorBar = m_colorBar->isChecked();
    o.cellValues = m_values->isChecked();
    o.whiteBackground = m_white->isChecked();
    o.colormap = Colormap::fromName(m_colormap->currentText());
    o.fontFamily = m_font->currentFont().family();
    o.fontSize = m_fontSize->value();
    return o;
}

bool ExportDialog::pictureStep() const
{
    return m_view->currentData().toString() == QLatin1String("step");
}

bool ExportDialog::spectrogram() const
{
    return m_offer == Speech && m_view->currentData().toString() != QLatin1String("heatmap");
}

namespace {

/// The save dialog for `format`; empty when the user cancels.
QString askFileName(QWidget *parent, const QString &format, const QString &stem)
{
    const QString ext = extensionOf(format);
    return QFileDialog::getSaveFileName(parent, QObject::tr("Export attention"), stem + QLatin1Char('.') + ext,
                                        QStringLiteral("%1 (*.%2)").arg(format.toUpper(), ext));
}

void reportFailure(QWidget *parent, const Result<void> &written)
{
    if (!written)
        QMessageBox::warning(parent, QObject::tr("Export failed"), QString::fromStdString(written.error().message));
}

void copyToClipboard(const FigureExporter &exporter)
{
    auto *mime = new QMimeData;
    mime->setImageData(exporter.toImage());
    mime->setData(QStringLiteral("image/svg+xml"), exporter.toSvg());
    QApplication::clipboard()->setMimeData(mime);
}

FigureOptions atClipboardScale(FigureOptions o)
{
    o.scale = 2.0;
    return o;
}

/// Whether the panels show a picture's captions (drawn as overlay figures).
bool arePictures(const std::vector<FigurePanel> &panels)
{
    return !panels.empty() && panels.front().model && !panels.front().model->isEmpty() &&
           hasPatchGrid(panels.front().model->trace()->source);
}

/// The overlay figure of `panels`: the current step of each (`step`), or the strips.
OverlayFigure overlayOf(const std::vector<FigurePanel> &panels, const FigureOptions &figure, bool step)
{
    OverlayFigureOptions o;
    o.opacity = figure.overlayOpacity;
    o.step = step ? panels.front().model->step() : -1;
    return OverlayFigure(panels, figure, o);
}

/// The figure `render` makes of the options it is given, on the clipboard
/// as a PNG image at the clipboard's scale and as SVG data.
void copyRendered(FigureOptions figure, const std::function<QByteArray(const FigureOptions &)> &render)
{
    figure = atClipboardScale(figure);
    figure.format = FigureFormat::Png;
    auto *mime = new QMimeData;
    mime->setImageData(QImage::fromData(render(figure), "PNG"));
    figure.format = FigureFormat::Svg;
    mime->setData(QStringLiteral("image/svg+xml"), render(figure));
    QApplication::clipboard()->setMimeData(mime);
}

/// This step's overlay of every panel's picture.
void copyOverlayToClipboard(const std::vector<FigurePanel> &panels, const FigureOptions &figure)
{
    copyRendered(figure, [&](const FigureOptions &f) { return overlayOf(panels, f, true).render(); });
}

/// A picture's caption (one model or several): the dialog with the overlay
/// figures, then the figure, or the trace JSON of a single model.
void exportPictures(QWidget *parent, const std::vector<FigurePanel> &panels, const FigureOptions &initial)
{
    ExportDialog dialog(initial, parent, panels.size() > 1 ? ExportDialog::PictureFiguresOnly : ExportDialog::Picture);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QString format = dialog.formatName();
    const QString file = askFileName(parent, format, panels.size() > 1 ? QStringLiteral("comparison")
                                                                       : QStringLiteral("caption"));
    if (file.isEmpty())
        return;
    if (isFigure(format))
        return reportFailure(parent, overlayOf(panels, dialog.options(), dialog.pictureStep()).write(file));
    const TraceModel &model = *panels.front().model;
    reportFailure(parent, writeAttention(QFile::encodeName(file).toStdString(),
                                         *parseAttentionFormat(format.toStdString()), *model.trace(), model.path()));
}

} // namespace

void exportWithDialog(QWidget *parent, const TraceModel &model, const FigureOptions &initial)
{
    if (model.isEmpty())
        return;
    if (hasPatchGrid(model.trace()->source))
        return exportPictures(parent, {{&model, QString()}}, initial);
    const bool speech = !clipAxis(model.trace()->source).empty();
    ExportDialog dialog(initial, parent, speech ? ExportDialog::Speech : ExportDialog::Everything);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QString format = dialog.formatName();
    const QString file = askFileName(parent, format, speech ? QStringLiteral("transcript") : QStringLiteral("attention"));
    if (file.isEmpty())
        return;
    if (isFigure(format) && dialog.spectrogram())
        return reportFailure(parent, SpectrogramFigure(model, dialog.options(),
                                                       {dialog.pictureStep() ? model.step() : -1})
                                         .write(file));
    if (isFigure(format))
        return reportFailure(parent, FigureExporter(model, dialog.options()).write(file));
    reportFailure(parent, writeAttention(QFile::encodeName(file).toStdString(),
                                         *parseAttentionFormat(format.toStdString()), *model.trace(), model.path()));
}

void copyFigureToClipboard(const TraceModel &model, const FigureOptions &options)
{
    if (!model.isEmpty() && hasPatchGrid(model.trace()->source))
        copyOverlayToClipboard({{&model, QString()}}, options);
    else if (!model.isEmpty() && !clipAxis(model.trace()->source).empty()) // this step's spectrogram figure
        copyRendered(options, [&](const FigureOptions &f) { return SpectrogramFigure(model, f, {model.step()}).render(); });
    else if (!model.isEmpty())
        copyToClipboard(FigureExporter(model, atClipboardScale(options)));
}

void exportPanelsWithDialog(QWidget *parent, const std::vector<FigurePanel> &panels, const FigureOptions &initial,
                            ExportDialog::Offer offer)
{
    if (panels.empty())
        return;
    if (arePictures(panels))
        return exportPictures(parent, panels, initial);
    ExportDialog dialog(initial, parent, offer);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QString file = askFileName(parent, dialog.formatName(), QStringLiteral("comparison"));
    if (!file.isEmpty())
        reportFailure(parent, FigureExporter(panels, dialog.options()).write(file));
}

void copyPanelsToClipboard(const std::vector<FigurePanel> &panels, const FigureOptions &options)
{
    if (arePictures(panels))
        copyOverlayToClipboard(panels, options);
    else if (!panels.empty())
        copyToClipboard(FigureExporter(panels, atClipboardScale(options)));
}

void addViewExportActions(QWidget *view, TraceModel *model, const QString &name,
                          std::function<FigureOptions()> defaults, std::function<bool()> shown)
{
    auto *exportAction = new QAction(QObject::tr("&Export…"), view);
    exportAction->setObjectName(QStringLiteral("export") + name);
    QObject::connect(exportAction, &QAction::triggered, view,
                     [view, model, defaults] { exportWithDialog(view->window(), *model, defaults()); });
    auto *copyAction = new QAction(QObject::tr("&Copy image to clipboard"), view);
    copyAction->setObjectName(QStringLiteral("copy") + name);
    QObject::connect(copyAction, &QAction::triggered, view,
                     [model, defaults] { copyFigureToClipboard(*model, defaults()); });
    view->setContextMenuPolicy(Qt::ActionsContextMenu);
    view->addActions({exportAction, copyAction});
    auto enable = [exportAction, copyAction, shown] {
        const bool on = shown();
        exportAction->setEnabled(on);
        copyAction->setEnabled(on);
    };
    QObject::connect(model, &TraceModel::traceChanged, view, enable);
    enable();
}

void addExportActions(QWidget *window, QMenu *fileMenu, HeatmapView *view, TraceModel *model, QWidget *linesView)
{
    auto *exportAction = new QAction(QObject::tr("&Export…"), window);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportAction->setStatusTip(QObject::tr("Export the heatmap or alignment lines as PNG, SVG or PDF, "
                                           "or the attention as JSON, CSV, Pharaoh or Nematus"));
    exportAction->setToolTip(QObject::tr("Export the attention (Ctrl+E)"));
    QObject::connect(exportAction, &QAction::triggered, window,
                     [window, view, model] { exportWithDialog(window, *model, viewDefaults(view)); });
    auto *copyAction = new QAction(QObject::tr("&Copy image to clipboard"), window);
    copyAction->setStatusTip(QObject::tr("Copy the heatmap as an image"));
    QObject::connect(copyAction, &QAction::triggered, window,
                     [view, model] { copyFigureToClipboard(*model, viewDefaults(view)); });
    // The alignment lines' own menu: the same dialog and copy, as lines.
    auto *exportLines = new QAction(QObject::tr("&Export…"), window);
    exportLines->setObjectName(QStringLiteral("exportLines"));
    auto *copyLines = new QAction(QObject::tr("&Copy image to clipboard"), window);
    copyLines->setObjectName(QStringLiteral("copyLines"));
    const auto asLines = [view] {
        FigureOptions o = viewDefaults(view);
        o.view = FigureView::Lines;
        return o;
    };
    QObject::connect(exportLines, &QAction::triggered, window,
                     [window, model, asLines] { exportWithDialog(window, *model, asLines()); });
    QObject::connect(copyLines, &QAction::triggered, window,
                     [model, asLines] { copyFigureToClipboard(*model, asLines()); });
    if (linesView) {
        linesView->setContextMenuPolicy(Qt::ActionsContextMenu);
        linesView->addActions({exportLines, copyLines});
    }
    auto enable = [=] {
        for (QAction *a : {exportAction, copyAction, exportLines, copyLines})
            a->setEnabled(!model->isEmpty());
    };
    QObject::connect(model, &TraceModel::traceChanged, window, enable);
    enable();
    const QList<QAction *> existing = fileMenu->actions();
    QAction *before = existing.isEmpty() ? nullptr : existing.back();
    fileMenu->insertAction(before, exportAction);
    fileMenu->insertSeparator(before);
    window->addAction(exportAction);
    if (view) {
        view->viewport()->setContextMenuPolicy(Qt::ActionsContextMenu);
        view->viewport()->addActions({exportAction, copyAction});
    }
}

} // namespace alignscope::ui
