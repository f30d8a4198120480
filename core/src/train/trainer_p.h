#pragma once
// The trainer's resumable state, viewed through pointers into Trainer::Impl.

#include "train/adam.h"
#include "train/trainable_p.h"

namespace alignscope {

struct TrainerState {
    Adam *adam;
    int *epochsDone;
    long long *stepsDone;
    float *learningRate;
    double *bestDevLoss;
    int *badEpochs;
    ParameterSet<float> *best;

    Result<void> save(const std::string &path, const TrainingAdapter &model) const;
    Result<void> load(const std::string &path, TrainingAdapter &model);
};

} // namespace alignscope
