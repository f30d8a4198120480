#include "modeljobs.h"

#include <QFileInfo>

namespace alignscope::ui {

std::string displayNameOf(const QString &source) { return QFileInfo(source).completeBaseName().toStdString(); }

Result<Model> loadNamedModel(const QString &nameOrPath)
{
    auto path = resolveModelPath(nameOrPath.toStdString());
    if (!path)
        return path.error();
    auto model = Model::load(path.value());
    if (model && model->name().empty())
        model->setName(displayNameOf(nameOrPath));
    return model;
}

} // namespace alignscope::ui
