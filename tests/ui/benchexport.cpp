// benchexport: time to export a 50 x 50 heatmap as PNG (2x), SVG and PDF.
// A benchmark, not a test: it prints medians and never fails on a timing.
// Build with `cmake --build BUILD --target benchexport`, run offscreen.

#include "exporter.h"
#include "tracemodel.h"

#include <QElapsedTimer>
#include <QGuiApplication>

#include <algorithm>
#include <functional>
#include <cstdio>
#include <random>

using namespace alignscope;
using namespace alignscope::ui;

namespace {

TracePtr randomTrace(int n, int T)
{
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    DecodeTrace tr;
    for (int j = 0; j < n; ++j)
        tr.sourceTokens.push_back("src" + std::to_string(j));
    tr.encoderStates = Matrix::Ones(n, 4);
    for (int t = 0; t < T; ++t) {
        DecodeNode node;
        node.step = t;
        node.parent = t - 1;
        node.tokenId = 10 + t;
        node.token = "tgt" + std::to_string(t);
        node.weights = Vector(n);
        for (int j = 0; j < n; ++j)
            node.weights[j] = u(rng);
        node.weights /= node.weights.sum();
        node.scores = node.weights;
        tr.nodes.push_back(node);
    }
    tr.hypotheses.push_back({T - 1, -1.0, -1.0});
    return std::make_shared<const DecodeTrace>(std::move(tr));
}

double medianMs(int runs, const std::function<qsizetype()> &work, qsizetype &bytes)
{
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer timer;
        timer.start();
        bytes = work();
        ms.push_back(timer.nsecsElapsed() / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 9;
    TraceModel model;
    model.setTrace(randomTrace(50, 50));
    std::printf("50 x 50 heatmap export, median of %d runs (cell 40 px, values and colour bar on)\n", runs);
    for (FigureFormat f : {FigureFormat::Png, FigureFormat::Svg, FigureFormat::Pdf}) {
        FigureOptions o;
        o.format = f;
        o.scale = 2.0;
        qsizetype bytes = 0;
        const double ms = medianMs(runs, [&] { return FigureExporter(model, o).render().size(); }, bytes);
        std::printf("  %-4s %8.1f ms  %9lld bytes\n", qPrintable(figureExtension(f)), ms, static_cast<long long>(bytes));
    }
    FigureOptions o;
    qsizetype pixels = 0;
    const double ms = medianMs(runs, [&] {
        const QImage image = FigureExporter(model, o).toImage();
        return qsizetype(image.width()) * image.height();
    }, pixels);
    std::printf("  png painting only (no encoding) %8.1f ms  %lld pixels\n", ms, static_cast<long long>(pixels));
    return 0;
}
