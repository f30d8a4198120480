#include "decode/modelsources.h"

#include "alignscope/huggingface.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>

namespace alignscope::ui {

QList<CachedModelEntry> huggingFaceCacheEntries(const QString &cacheDir)
{
    const std::vector<HuggingFaceCachedModel> cached = listHuggingFaceCache(cacheDir.toStdString());
    QHash<QString, int> revisions; // per repository: the revision is named only when there are several
    for (const HuggingFaceCachedModel &m : cached)
        ++revisions[QString::fromStdString(m.repository)];
    QList<CachedModelEntry> out;
    for (const HuggingFaceCachedModel &m : cached) {
        const QString repository = QString::fromStdString(m.repository);
        const QString revision = QString::fromStdString(m.revision);
        QString label = repository;
        if (revisions.value(repository) > 1)
            label += QStringLiteral(" @ %1%2").arg(revision.left(7), m.current ? QStringLiteral(" (main)") : QString());
        out.append({label, QString::fromStdString(m.path),
                    QObject::tr("%1, revision %2%3\n%4")
                        .arg(repository, revision, m.current ? QObject::tr(" (main)") : QString(),
                             QString::fromStdString(m.path))});
    }
    return out;
}

QString huggingFaceCacheLocation() { return QString::fromStdString(huggingFaceCacheDir()); }

QString cachedRepositoryOf(const QString &path)
{
    // …/models--org--name/snapshots/REV: the layout huggingface_hub writes.
    const QDir snapshot(QDir::cleanPath(path));
    QDir up = snapshot;
    if (!up.cdUp() || up.dirName() != QLatin1String("snapshots") || !up.cdUp())
        return {};
    const QString repo = up.dirName();
    if (!repo.startsWith(QLatin1String("models--")) || repo.size() <= 8)
        return {};
    return repo.mid(8).replace(QLatin1String("--"), QLatin1String("/"));
}

QString modelLabel(const QString &source)
{
    if (const QString repository = cachedRepositoryOf(source); !repository.isEmpty())
        return repository;
    const QString name = QFileInfo(QDir::cleanPath(source)).fileName();
    return name.isEmpty() ? source : name;
}

QString modelSourceOf(const QString &path)
{
    if (path.isEmpty())
        return {};
    const QString clean = QDir::cleanPath(path);
    const QFileInfo info(clean);
    if (info.isFile() && info.fileName() == QLatin1String("config.json"))
        return info.absolutePath();
    return clean;
}

} // namespace alignscope::ui
