// alignscope: the GUI entry point. Everything else lives in ui/ and core/.

#include "mainwindow.h"

#include <QApplication>
#include <QIcon>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("AlignScope"));
    QApplication::setApplicationName(QStringLiteral("AlignScope"));
    QApplication::setApplicationVersion(QStringLiteral(ALIGNSCOPE_VERSION));
    QApplication::setApplicationDisplayName(QStringLiteral("AlignScope"));
    QApplication::setDesktopFileName(QStringLiteral("alignscope"));

    alignscope::ui::MainWindow window;
    window.show();
    // A model file given on the command line opens after the window shows.
    const QStringList args = QApplication::arguments();
    if (args.size() > 1)
        window.openModelFile(args.at(1));
    return app.exec();
}
