#pragma once
// What the decode and compare controllers share: running work on Qt's
// thread pool with the result handed back on the receiver's thread, and
// loading a model by bundled name or path.

#include "alignscope/huggingface.h"
#include "alignscope/model.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QtConcurrent/QtConcurrentRun>

namespace alignscope::ui {

/// Runs `work` on the thread pool and hands its result to `done` on the
/// receiver's thread; the watcher deletes itself (and with the receiver).
template <typename T, typename Work, typename Done>
void runAsync(QObject *receiver, Work work, Done done)
{
    auto *watcher = new QFutureWatcher<T>(receiver);
    QObject::connect(watcher, &QFutureWatcher<T>::finished, receiver, [watcher, done]() mutable {
        done(watcher->future().takeResult());
        watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run(std::move(work)));
}

/// The name shown for a model from `source` (a bundled name or a path)
/// that stores none of its own: the file's base name.
std::string displayNameOf(const QString &source);

/// Loads a bundled model by name, a model file or a Hugging Face model
/// folder by path (blocking: call it off the GUI thread), named by
/// displayNameOf when it has no name and a cache snapshot by its repository
/// id. `folder` reports progress and cancels a folder's loading; a
/// cancelled load is an ErrorKind::Cancelled error.
Result<ModelPtr> loadNamedModel(const QString &nameOrPath, const HuggingFaceOpenOptions &folder = {});

} // namespace alignscope::ui
