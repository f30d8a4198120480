#pragma once
// What the window tests share: waiting on the event loop for a condition,
// and a shown main window with a model loaded (the start-up model first, so
// a load cancelled under it cannot fall back to a bundled one after ours).

#include "mainwindow/mainwindow.h"
#include "decode/decodecontroller.h"
#include "widgets/messagebar.h"

#include <QtTest>

#include <functional>
#include <memory>

namespace alignscope::testing {

/// Spins the event loop until `done` holds or `ms` pass; the last answer of `done`.
inline bool waitFor(const std::function<bool()> &done, int ms = 60000)
{
    for (int waited = 0; waited < ms; waited += 20) {
        if (done())
            return true;
        QTest::qWait(20);
    }
    return done();
}

/// A 1440×900 window, exposed, with `model` (a bundled name, file or folder)
/// loaded and decoded; null, with a warning saying what the window holds, when not.
inline std::unique_ptr<ui::MainWindow> openWindowWith(const QString &model)
{
    auto w = std::make_unique<ui::MainWindow>();
    w->resize(1440, 900);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get()))
        return nullptr;
    if (!waitFor([&] { return w->controller()->model() && !w->controller()->loading(); }))
        return nullptr;
    w->controller()->loadModel(model);
    if (!waitFor([&] {
            return w->controller()->modelSource() == model && !w->controller()->busy() && !w->controller()->loading();
        })) {
        qWarning("model %s, loading %d, busy %d, message: %s", qPrintable(w->controller()->modelSource()),
                 w->controller()->loading(), w->controller()->busy(), qPrintable(w->messageBar()->text()));
        return nullptr;
    }
    return w;
}

} // namespace alignscope::testing
