#pragma once
// The trainer's resumable state, viewed through pointers into Trainer::Impl.

#include "alignscope/rnnmodel.h"
#include "train/adam.h"

namespace alignscope {

struct TrainerState {
    Adam *adam;
    int *epochsDone;
    long long *stepsDone;
    float *learningRate;
    double *bestDevLoss;
    int *badEpochs;
    ParameterSet<float> *best;

    Result<void> save(const std::string &path, const RnnModel &model) const;
    Result<void> load(const std::string &path, RnnModel &model);
};

} // namespace alignscope
