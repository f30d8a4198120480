#include "decode/modeljobs.h"

#include "decode/modelsources.h"

#include <QFileInfo>

namespace alignscope::ui {

std::string displayNameOf(const QString &source) { return QFileInfo(source).completeBaseName().toStdString(); }

namespace {

Result<ModelPtr> open(const QString &nameOrPath, const HuggingFaceOpenOptions &folder)
{
    const std::string path = nameOrPath.toStdString();
    // Folders go straight to the reader that reports progress; openModel
    // says what is wrong with any other folder.
    if (!isHuggingFaceFolder(path))
        return openModel(path);
    auto model = openHuggingFaceModel(path, folder);
    if (!model)
        return model.error();
    return ModelPtr(std::move(model).value());
}

} // namespace

Result<ModelPtr> loadNamedModel(const QString &nameOrPath, const HuggingFaceOpenOptions &folder)
{
    auto model = open(nameOrPath, folder);
    if (!model)
        return model;
    auto named = std::const_pointer_cast<Seq2Seq>(model.value());
    // A cache snapshot's folder is a commit hash: its repository says which model it is.
    if (const QString repository = cachedRepositoryOf(nameOrPath); !repository.isEmpty())
        named->setName(repository.toStdString());
    else if (named->name().empty())
        named->setName(displayNameOf(nameOrPath));
    return model;
}

} // namespace alignscope::ui
