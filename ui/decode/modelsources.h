#pragma once
// Where the window's models come from besides the bundled ones: model files,
// Hugging Face model folders and the snapshots in the Hugging Face cache,
// and the names menus and pickers give them. Listing the cache only lists
// folders, so menus rebuild it each time they open.

#include <QList>
#include <QString>

namespace alignscope::ui {

/// One snapshot of the Hugging Face cache as a menu offers it.
struct CachedModelEntry {
    QString label;   ///< "google/flan-t5-small", "org/name @ 1a2b3c4" when the repository has several
    QString path;    ///< the snapshot folder, what is opened
    QString toolTip; ///< repository, revision and folder
};

/// The snapshots in `cacheDir` (default: the cache transformers reads,
/// alignscope::huggingFaceCacheDir()), sorted by repository id.
QList<CachedModelEntry> huggingFaceCacheEntries(const QString &cacheDir = {});
/// Where the cache was looked for, for a menu's "empty" entry.
QString huggingFaceCacheLocation();

/// The repository id ("org/name") of a snapshot folder in a Hugging Face
/// cache (…/models--org--name/snapshots/REV); empty for any other path.
QString cachedRepositoryOf(const QString &path);
/// What a picker or menu calls a model source: a cache snapshot by its
/// repository id, a file or folder by its name, a bundled name as it is.
QString modelLabel(const QString &source);
/// A dropped or chosen path as a model source: a Hugging Face folder's
/// config.json stands for its folder; trailing slashes go.
QString modelSourceOf(const QString &path);

} // namespace alignscope::ui
