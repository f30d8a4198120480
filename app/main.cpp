// alignscope: the GUI entry point. Everything else lives in ui/ and core/.

#include "alignscope/allocator.h"
#include "mainwindow/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>

#include <cstdio>
#include <cstring>
#include <optional>

int main(int argc, char *argv[])
{
    alignscope::keepFreedMatricesForReuse();
    alignscope::backStreamedWeightsWithLargePages();
    // Answered before QApplication exists: that needs a display, and
    // `alignscope --version` must also work over ssh or in a package check.
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--sentence") == 0 || std::strcmp(argv[i], "--step") == 0
            || std::strcmp(argv[i], "--layout") == 0)
            ++i; // its value may be anything, even "-v"
        else if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) {
            std::printf("AlignScope %s\n", ALIGNSCOPE_VERSION);
            return 0;
        }
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("AlignScope"));
    QApplication::setApplicationName(QStringLiteral("AlignScope"));
    QApplication::setApplicationVersion(QStringLiteral(ALIGNSCOPE_VERSION));
    QApplication::setApplicationDisplayName(QStringLiteral("AlignScope"));
    QApplication::setDesktopFileName(QStringLiteral("alignscope"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("See encoder–decoder attention at work, one decoding step at a time."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"), QStringLiteral("A model file to open (optional)."), QStringLiteral("[model]"));
    QCommandLineOption sentence(QStringLiteral("sentence"), QStringLiteral("Source sentence to decode."), QStringLiteral("text"));
    QCommandLineOption step(QStringLiteral("step"), QStringLiteral("Step to show once decoded (1-based)."), QStringLiteral("n"));
    QCommandLineOption layout(QStringLiteral("layout"), QStringLiteral("Start in a layout: step, compare or train."),
                              QStringLiteral("name"));
    QCommandLineOption session(QStringLiteral("session-file"), QStringLiteral("Open a saved session (File ▸ Open session)."),
                               QStringLiteral("file"));
    QCommandLineOption audio(QStringLiteral("audio"),
                             QStringLiteral("An audio clip to transcribe with the model (a Whisper folder)."),
                             QStringLiteral("file"));
    QCommandLineOption image(QStringLiteral("image"),
                             QStringLiteral("A picture to caption with the model (a ViT + GPT-2 folder)."),
                             QStringLiteral("file"));
    QCommandLineOption scene(QStringLiteral("scene"),
                             QStringLiteral("A picture of coloured shapes, as the scenes task draws it for seed N, to "
                                            "caption with the model (e.g. the bundled scenes captioner)."),
                             QStringLiteral("N"));
    parser.addOptions({sentence, step, layout, session, audio, image, scene});
    parser.process(app);
    std::optional<alignscope::ui::Workspace> workspace;
    if (parser.isSet(layout) && !(workspace = alignscope::ui::workspaceFromName(parser.value(layout)))) {
        std::fprintf(stderr, "alignscope: --layout must be step, compare or train\n");
        return 2;
    }

    alignscope::ui::MainWindow window;
    if (workspace)
        window.workspaces()->switchTo(*workspace);
    if (parser.isSet(sentence))
        window.setSentence(parser.value(sentence));
    if (parser.isSet(step))
        window.setStartStep(parser.value(step).toInt() - 1);
    window.show();
    if (!parser.positionalArguments().isEmpty())
        window.openModelFile(parser.positionalArguments().first());
    if (parser.isSet(audio))
        window.openAudioFile(parser.value(audio));
    if (parser.isSet(image))
        window.openImageFile(parser.value(image));
    if (parser.isSet(scene))
        window.openScene(parser.value(scene).toUInt());
    if (parser.isSet(session))
        window.openSessionFile(parser.value(session));
    return app.exec();
}
