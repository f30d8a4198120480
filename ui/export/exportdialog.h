#pragma once
// File ▸ Export…: a small dialog for format, view, scale, page and figure
// options, then a save dialog; and "Copy image to clipboard". The figure
// comes from FigureExporter (exporter.h), so the file looks like the screen.

#include "export/exporter.h"

#include <QDialog>

#include <functional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFontComboBox;
class QLineEdit;
class QMenu;
class QSpinBox;

namespace alignscope::ui {

class HeatmapView;

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    /// What the dialog may offer: a trace's data formats, the lines view;
    /// for a picture's caption the overlay figures (the strip or this step)
    /// and its trace JSON, or (several models' captions) the figures alone;
    /// for a clip's transcript the spectrogram figures (every token or this
    /// step), the heatmap and every data format.
    enum Offer { Everything, FiguresOnly, HeatmapFiguresOnly, Picture, PictureFiguresOnly, Speech };
    explicit ExportDialog(const FigureOptions &initial, QWidget *parent = nullptr, Offer offer = Everything);

    /// Chosen format name: png, svg, pdf, json, csv, pharaoh or nematus.
    QString formatName() const;
    /// Figure options as chosen (format only meaningful for png/svg/pdf).
    FigureOptions options() const;
    /// A picture's or a clip's offer: whether the figure is the current step's (else every word's or token's).
    bool pictureStep() const;
    /// A clip's offer: whether the figure is the spectrogram (else the heatmap).
    bool spectrogram() const;

private:
    void updateEnabled();

    FigureOptions m_initial;
    Offer m_offer;
    QComboBox *m_format;
    QComboBox *m_view;
    QDoubleSpinBox *m_scale;
    QSpinBox *m_dpi;
    /// Which of scale and dpi the user set last: options() takes it as given.
    bool m_dpiChosen = false;
    QComboBox *m_page;
    QLineEdit *m_title;
    QCheckBox *m_colorBar;
    QCheckBox *m_values;
    QCheckBox *m_white;
    QComboBox *m_colormap;
    QFontComboBox *m_font;
    QDoubleSpinBox *m_fontSize;
};

/// Runs the dialog and the save dialog for `model`; reports failures in a
/// message box. Does nothing when there is no trace. A picture's caption is
/// exported as its overlay figure (OverlayFigure): the strip or this step.
void exportWithDialog(QWidget *parent, const TraceModel &model, const FigureOptions &initial);
/// Puts the heatmap figure on the clipboard (image at 2x and SVG data).
void copyFigureToClipboard(const TraceModel &model, const FigureOptions &options);

/// The same for a figure of several panels (the compare grid, a difference
/// map): figure formats only; `offer` says whether the lines view makes sense.
/// Panels of a picture's captions make one overlay figure (a strip per model,
/// or their current steps side by side).
void exportPanelsWithDialog(QWidget *parent, const std::vector<FigurePanel> &panels, const FigureOptions &initial,
                            ExportDialog::Offer offer = ExportDialog::FiguresOnly);
void copyPanelsToClipboard(const std::vector<FigurePanel> &panels, const FigureOptions &options);

/// Export… and Copy image to clipboard in `view`'s context menu (objects
/// named "export<name>" and "copy<name>"): the dialog and the clipboard for
/// `model` (a picture's overlay, a clip's spectrogram figure) starting from
/// `defaults()`; enabled while `shown()`.
void addViewExportActions(QWidget *view, TraceModel *model, const QString &name,
                          std::function<FigureOptions()> defaults, std::function<bool()> shown);
/// Adds File ▸ Export… (Ctrl+E) before the menu's last action (Quit) and
/// Export… / Copy image to clipboard to the heatmap's context menu, and to
/// the alignment lines' (as a lines figure) when `linesView` is given.
void addExportActions(QWidget *window, QMenu *fileMenu, HeatmapView *view, TraceModel *model,
                      QWidget *linesView = nullptr);

} // namespace alignscope::ui
