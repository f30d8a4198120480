// Figures for `alignscope-cli export`: a headless QGuiApplication (offscreen
// unless QT_QPA_PLATFORM says otherwise) and the window's own exporter.
#include "cli/exportimage.h"

#include "export/exporter.h"
#include "export/overlayfigure.h"
#include "export/spectrogramfigure.h"

#include <QGuiApplication>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

namespace alignscope::cli {
namespace {

using namespace alignscope::ui;

class FigureWriter final : public ImageExport {
public:
    FigureWriter(FigureOptions options, std::optional<int> step, OverlayFigureOptions overlay, bool spectrogram)
        : m_options(std::move(options)), m_step(step), m_overlay(overlay), m_spectrogram(spectrogram)
    {
        // Offscreen by default: a batch export must run without a display.
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        // Errors stay one line: Qt's own chatter (XDG_RUNTIME_DIR, fonts)
        // is not the user's concern.
        qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &message) {
            if (type == QtCriticalMsg || type == QtFatalMsg)
                std::fprintf(stderr, "alignscope-cli: %s\n", qPrintable(message));
        });
        if (!QGuiApplication::instance())
            m_app = std::make_unique<QGuiApplication>(m_argc, m_argv);
    }

    Result<void> write(const std::vector<std::shared_ptr<const DecodeTrace>> &traces,
                       const std::vector<std::string> &names, const std::string &file,
                       const HeadSelection &selection) override
    {
        if (!traces.empty() && traces.front()->source.kind == SourceKind::Image)
            return writeOverlay(traces, names, file, selection);
        if (traces.size() == 1 && traces.front()->source.kind == SourceKind::Audio && m_spectrogram)
            return writeSpectrogram(traces.front(), file, selection);
        std::vector<std::unique_ptr<TraceModel>> models;
        std::vector<FigurePanel> panels;
        for (size_t i = 0; i < traces.size(); ++i) {
            models.push_back(std::make_unique<TraceModel>());
            models.back()->setTrace(traces[i]);
            models.back()->setSelection(selection);
            const bool captioned = traces.size() > 1;
            panels.push_back({models.back().get(), captioned ? QString::fromStdString(names[i]) : QString()});
        }
        return FigureExporter(panels, m_options).write(QString::fromStdString(file));
    }

private:
    /// A picture's caption: the overlay for one step (--step N, 1-based) or
    /// the strip of every word; with several models (--view compare) their
    /// steps side by side, or one strip per model, each under its name.
    Result<void> writeOverlay(const std::vector<std::shared_ptr<const DecodeTrace>> &traces,
                              const std::vector<std::string> &names, const std::string &file,
                              const HeadSelection &selection)
    {
        std::vector<std::unique_ptr<TraceModel>> models;
        std::vector<FigurePanel> panels;
        int shortest = std::numeric_limits<int>::max();
        for (size_t i = 0; i < traces.size(); ++i) {
            models.push_back(std::make_unique<TraceModel>());
            models.back()->setTrace(traces[i]);
            models.back()->setSelection(selection);
            shortest = std::min(shortest, models.back()->stepCount());
            panels.push_back({models.back().get(), QString::fromStdString(i < names.size() ? names[i] : "")});
        }
        OverlayFigureOptions o = m_overlay;
        if (m_step) {
            if (*m_step > shortest)
                return usageError("--step " + std::to_string(*m_step) + ": the caption" +
                                  (traces.size() > 1 ? "s have " : " has ") + std::to_string(shortest) +
                                  (traces.size() > 1 ? " steps or fewer" : " steps"));
            o.step = *m_step - 1;
        }
        return OverlayFigure(panels, m_options, o).write(QString::fromStdString(file));
    }

    /// A clip's transcript: the spectrogram with one step's attention (--step N) or every token's.
    Result<void> writeSpectrogram(const std::shared_ptr<const DecodeTrace> &trace, const std::string &file,
                                  const HeadSelection &selection)
    {
        TraceModel model;
        model.setTrace(trace);
        model.setSelection(selection);
        SpectrogramFigureOptions o;
        if (m_step) {
            if (*m_step > model.stepCount())
                return usageError("--step " + std::to_string(*m_step) + ": the transcript has " +
                                  std::to_string(model.stepCount()) + " steps");
            o.step = *m_step - 1;
        }
        return SpectrogramFigure(model, m_options, o).write(QString::fromStdString(file));
    }

    FigureOptions m_options;
    std::optional<int> m_step; ///< --step N; none: the strip
    OverlayFigureOptions m_overlay;
    bool m_spectrogram = true; ///< a clip's figure is the spectrogram (no --view given)
    int m_argc = 1;
    char m_name[16] = "alignscope-cli";
    char *m_argv[2] = {m_name, nullptr};
    std::unique_ptr<QGuiApplication> m_app;
};

Result<void> readOptions(const Args &args, FigureOptions &o)
{
    auto scale = args.number("scale", 2.0, 0.1, 16.0);
    auto fontSize = args.number("font-size", 10.0, 4.0, 72.0);
    auto cellSize = args.number("cell-size", 40.0, 4.0, 400.0);
    for (const Result<double> *r : {&scale, &fontSize, &cellSize})
        if (!*r)
            return r->error();
    o.scale = scale.value();
    if (args.value("dpi")) { // the same figure, at a print resolution: 96 dpi is 1×
        if (args.value("scale"))
            return usageError("give --scale or --dpi, not both");
        auto dpi = args.number("dpi", 192.0, 10.0, 1536.0);
        if (!dpi)
            return dpi.error();
        o.scale = dpi.value() / kDotsPerInchAtScale1;
    }
    o.fontSize = fontSize.value();
    o.cellSize = cellSize.value();
    o.title = QString::fromStdString(args.value("title").value_or(""));
    o.colorBar = !args.has("no-colorbar");
    o.cellValues = !args.has("no-values");
    o.whiteBackground = !args.has("transparent");
    o.hideSpecial = args.has("hide-special");
    o.mergeWords = args.has("merge-words");
    if (auto f = args.value("font"))
        o.fontFamily = QString::fromStdString(*f);
    if (auto c = args.value("colormap")) {
        const QString name = QString::fromStdString(*c).toLower();
        o.colormap = Colormap::fromName(name);
        if (Colormap::name(o.colormap) != name)
            return usageError("unknown --colormap \"" + *c + "\"; use " +
                              Colormap::sequentialNames().join(QStringLiteral(", ")).toLower().toStdString());
    }
    if (auto page = args.value("page")) {
        auto p = parseFigurePage(QString::fromStdString(*page));
        if (!p)
            return usageError("--page must be fit, a4 or letter");
        o.page = *p;
    }
    return {};
}

} // namespace

Result<std::unique_ptr<ImageExport>> openImageExport(const Args &args, const std::string &format)
{
    FigureOptions o;
    o.format = *parseFigureFormat(QString::fromStdString(format));
    const std::string view = args.value("view").value_or("heatmap");
    o.view = view == "lines" ? FigureView::Lines : view == "heads" ? FigureView::Heads : FigureView::Heatmap;
    if (auto ok = readOptions(args, o); !ok)
        return ok.error();
    // The overlay figure of a picture (export --image): --step N or --strip (the default), --opacity.
    if (args.value("step") && args.has("strip"))
        return usageError("give --step N or --strip, not both");
    auto step = args.integer("step", 1, 1, 100000);
    auto opacity = args.number("opacity", 0.6, 0.0, 1.0);
    if (!step)
        return step.error();
    if (!opacity)
        return opacity.error();
    OverlayFigureOptions overlay;
    overlay.opacity = opacity.value();
    return std::unique_ptr<ImageExport>(std::make_unique<FigureWriter>(
        std::move(o), args.value("step") ? std::optional<int>(step.value()) : std::nullopt, overlay,
        !args.value("view")));
}

} // namespace alignscope::cli
