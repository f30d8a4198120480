#include "decode/modeljobs.h"

#include <QFileInfo>

namespace alignscope::ui {

std::string displayNameOf(const QString &source) { return QFileInfo(source).completeBaseName().toStdString(); }

Result<ModelPtr> loadNamedModel(const QString &nameOrPath)
{
    auto model = openModel(nameOrPath.toStdString());
    if (model && model.value()->name().empty())
        std::const_pointer_cast<Seq2Seq>(model.value())->setName(displayNameOf(nameOrPath));
    return model;
}

} // namespace alignscope::ui
