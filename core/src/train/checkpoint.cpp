// Training checkpoints: the model file plus optimizer moments, the best
// weights so far and the trainer's counters, so a resumed run ends with the
// same weights as an uninterrupted one.
#include "alignscope/train.h"

#include "train/adam.h"
#include "train/trainer_p.h"

#include <nlohmann/json.hpp>

namespace alignscope {

namespace {

const char *kTrainerKey = "alignscope.trainer";

void addSet(std::map<std::string, FloatTensor> &out, const std::string &prefix, const ParameterSet<float> &set)
{
    for (const auto &[name, m] : set) {
        FloatTensor t;
        t.shape = {m.rows(), m.cols()};
        t.data.assign(m.data(), m.data() + m.size());
        out.emplace(prefix + name, std::move(t));
    }
}

Result<void> readSet(const SafetensorsFile &f, const std::string &prefix, ParameterSet<float> &set)
{
    for (auto &[name, m] : set) {
        auto t = f.read(prefix + name);
        if (!t)
            return fileError(f.path() + ": checkpoint lacks \"" + prefix + name +
                             "\"; resume from a checkpoint written by `alignscope-cli train`");
        if (static_cast<Eigen::Index>(t->data.size()) != m.size())
            return fileError(f.path() + ": checkpoint tensor \"" + prefix + name + "\" has the wrong size");
        m = Eigen::Map<const Matrix>(t->data.data(), m.rows(), m.cols());
    }
    return {};
}

} // namespace

Result<void> TrainerState::save(const std::string &path, const TrainingAdapter &model) const
{
    std::map<std::string, FloatTensor> extra;
    addSet(extra, "optimizer.m.", adam->firstMoments());
    addSet(extra, "optimizer.v.", adam->secondMoments());
    if (!best->empty())
        addSet(extra, "best.", *best);
    nlohmann::json j = {{"epochs_done", *epochsDone}, {"steps_done", *stepsDone}, {"adam_steps", adam->steps()},
                        {"learning_rate", *learningRate}, {"best_dev_loss", *bestDevLoss},
                        {"bad_epochs", *badEpochs}, {"has_best", !best->empty()}};
    return model.save(path, extra, {{kTrainerKey, j.dump()}});
}

Result<void> TrainerState::load(const std::string &path, TrainingAdapter &model)
{
    auto file = SafetensorsFile::open(path);
    if (!file)
        return file.error();
    auto it = file->metadata().find(kTrainerKey);
    if (it == file->metadata().end())
        return fileError(path + ": not a training checkpoint (no \"" + std::string(kTrainerKey) +
                         "\"); pass a file written by `train --out` or its .ckpt");
    const auto j = nlohmann::json::parse(it->second, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return fileError(path + ": \"" + std::string(kTrainerKey) + "\" is not valid JSON");
    auto weights = model.weightsOf(path);
    if (!weights)
        return weights.error();
    model.mutableParameters() = std::move(weights).value();
    for (auto r : {readSet(file.value(), "optimizer.m.", adam->firstMoments()),
                   readSet(file.value(), "optimizer.v.", adam->secondMoments())})
        if (!r)
            return r;
    try {
        *epochsDone = j.at("epochs_done").get<int>();
        *stepsDone = j.at("steps_done").get<long long>();
        adam->setSteps(j.at("adam_steps").get<long long>());
        *learningRate = j.at("learning_rate").get<float>();
        *bestDevLoss = j.at("best_dev_loss").is_number() ? j.at("best_dev_loss").get<double>() : 1e300;
        *badEpochs = j.at("bad_epochs").get<int>();
        if (j.at("has_best").get<bool>()) {
            *best = zerosLike(model.parameters());
            if (auto r = readSet(file.value(), "best.", *best); !r)
                return r;
        }
    } catch (const nlohmann::json::exception &e) {
        return fileError(path + ": trainer state is incomplete (" + std::string(e.what()) + ")");
    }
    return {};
}

} // namespace alignscope
