// bench --section ui: the window's numbers, measured offscreen in this process.
// oneTBB before Qt: Qt's `emit` macro would break its profiling.h.
#include <tbb/global_control.h>

#include "cli/benchui.h"
#include "cli/benchutil.h"

#include "export/exporter.h"
#include "attention/heatmapview.h"
#include "mainwindow/mainwindow.h"
#include "decode/tracemodel.h"

#include "alignscope/rnnmodel.h"

#include <QApplication>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QImage>
#include <QEventLoop>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>
#include <QWindow>

#include <memory>
#include <random>

namespace alignscope::cli {
namespace {

using json = nlohmann::ordered_json;
using namespace alignscope::ui;

/// A decoded-looking trace of T steps over n source tokens with random weights.
TracePtr randomTrace(int n, int T)
{
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    DecodeTrace tr;
    for (int j = 0; j < n; ++j)
        tr.source.labels.push_back("src" + std::to_string(j));
    tr.source.flags.assign(size_t(n), 0);
    tr.encoderStates = Matrix::Ones(n, 4);
    for (int t = 0; t < T; ++t) {
        DecodeNode node;
        node.step = t;
        node.parent = t - 1;
        node.tokenId = 10 + t;
        node.token = "tgt" + std::to_string(t);
        Vector weights(n);
        for (int j = 0; j < n; ++j)
            weights[j] = u(rng);
        weights /= weights.sum();
        node.cross = AttentionStack::single(weights, weights);
        tr.nodes.push_back(std::move(node));
    }
    tr.hypotheses.push_back({T - 1, -1.0, -1.0});
    return std::make_shared<const DecodeTrace>(std::move(tr));
}

/// Heatmap widget repaint (1200 × 800, fitted, clamped to readable cells and
/// scrolled) with every row generated: what the view pays per frame.
json heatmapPaint(int repeat)
{
    json out;
    for (int n : {50, 500, 2000}) {
        TraceModel model;
        model.setTrace(randomTrace(n, n), n - 1);
        HeatmapView view(&model);
        view.resize(1200, 800);
        view.show();
        QCoreApplication::processEvents();
        // render() paints synchronously whether or not the window is exposed yet.
        QImage frame(view.viewport()->size(), QImage::Format_ARGB32_Premultiplied);
        const double ms = medianMs(repeat, [&] { view.viewport()->render(&frame); });
        out[std::to_string(n) + "x" + std::to_string(n) + "_ms"] = ms;
    }
    out["viewport"] = "1200x800";
    return out;
}

/// Export of a 50 × 50 heatmap per format (PNG at 2×), file bytes included.
json exportTimes(int repeat)
{
    TraceModel model;
    model.setTrace(randomTrace(50, 50));
    json out;
    for (FigureFormat f : {FigureFormat::Png, FigureFormat::Svg, FigureFormat::Pdf}) {
        FigureOptions o;
        o.format = f;
        o.scale = 2.0;
        qsizetype bytes = 0;
        const double ms = medianMs(repeat, [&] { bytes = FigureExporter(model, o).render().size(); });
        const std::string name = figureExtension(f).toStdString();
        out[name + "_ms"] = ms;
        out[name + "_bytes"] = bytes;
    }
    FigureOptions o;
    {
        // The PNG is painted and deflated in bands on every core; one core for comparison.
        const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        out["png_1_thread_ms"] = medianMs(repeat, [&] { (void)FigureExporter(model, o).toPng(); });
    }
    out["png_paint_only_ms"] = medianMs(repeat, [&] { (void)FigureExporter(model, o).toImage(); });
    return out;
}

/// Runs the event loop until the window shows a trace of `sentence`.
bool waitForSentence(MainWindow &window, const QString &sentence, int timeoutMs = 60000)
{
    auto shown = [&] {
        const TraceModel *t = window.traceModel();
        return !t->isEmpty() && QString::fromStdString(t->trace()->source.text) == sentence;
    };
    if (shown())
        return true;
    QEventLoop loop;
    const auto c = QObject::connect(window.traceModel(), &TraceModel::traceChanged, &loop, [&] {
        if (shown())
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    QObject::disconnect(c);
    return shown();
}

json windowTimes(int repeat)
{
    QTemporaryDir settings;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settings.path());
    QCoreApplication::setOrganizationName(QStringLiteral("AlignScopeBench"));
    json out;
    QElapsedTimer launch;
    launch.start();
    MainWindow window;
    window.resize(1280, 820);
    window.show();
    if (!waitForSentence(window, MainWindow::seedSentence()))
        return {{"skipped", "the seed sentence was not decoded (no bundled model?)"}};
    window.repaint();
    out["window_exposed"] = window.windowHandle() && window.windowHandle()->isExposed();
    out["window_ready_ms"] = launch.nsecsElapsed() / 1e6;
    out["window_ready_note"] = "MainWindow constructed, shown, seed decoded and painted (process start excluded)";

    // The bundled models are the RNN family's, whose vocabulary gives the sentences.
    const auto *model = dynamic_cast<const RnnModel *>(window.controller()->model().get());
    if (!model)
        return {{"skipped", "the window's model is not a bundled RNN model"}};
    const QString sentences[2] = {QString::fromStdString(sentenceOf(*model, 50, 0)),
                                  QString::fromStdString(sentenceOf(*model, 50, 3))};
    int which = 0;
    // Edit → decode off the GUI thread → every view repainted.
    out["redecode_50_tokens_ms"] = medianMs(repeat, [&] {
        which ^= 1;
        window.setSentence(sentences[which]);
        waitForSentence(window, sentences[which]);
        window.repaint();
    });
    TraceModel *trace = window.traceModel();
    out["steps"] = trace->stepCount();
    // One step: the cursor moves (every view rebuilds what it shows), then
    // the window repaints. Both halves are reported.
    std::vector<double> steps, updates;
    for (int r = 0; r < std::max(1, repeat / 3); ++r) {
        trace->first();
        window.repaint();
        while (trace->step() + 1 < trace->stepCount()) {
            QElapsedTimer t;
            t.start();
            trace->next();
            updates.push_back(t.nsecsElapsed() / 1e6);
            window.repaint();
            steps.push_back(t.nsecsElapsed() / 1e6);
        }
    }
    if (!steps.empty()) {
        std::sort(steps.begin(), steps.end());
        std::sort(updates.begin(), updates.end());
        out["step_update_median_ms"] = updates[updates.size() / 2];
        out["step_total_median_ms"] = steps[steps.size() / 2];
        out["step_total_max_ms"] = steps.back();
    }
    // Where a step's time goes: each visible dock rendered on its own.
    json views;
    for (QDockWidget *dock : window.findChildren<QDockWidget *>()) {
        if (!dock->isVisible() || !dock->widget())
            continue;
        QWidget *w = dock->widget();
        QImage frame(w->size().expandedTo(QSize(1, 1)), QImage::Format_ARGB32_Premultiplied);
        views[dock->objectName().toStdString() + "_ms"] = medianMs(repeat, [&] {
            w->render(&frame);
        });
    }
    out["view_paint"] = views;
    return out;
}

} // namespace

json uiBench(int repeat)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "alignscope-cli";
    static char *argv[] = {name, nullptr};
    std::unique_ptr<QApplication> app;
    if (!QCoreApplication::instance())
        app = std::make_unique<QApplication>(argc, argv);
    json out;
    out["heatmap_paint"] = heatmapPaint(repeat);
    out["export_50x50"] = exportTimes(repeat);
    out["window"] = windowTimes(repeat);
    return out;
}

} // namespace alignscope::cli
