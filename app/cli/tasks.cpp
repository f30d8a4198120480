#include "cli/tasks.h"

namespace alignscope::cli {

Result<PreparedTask> loadTask(const Args &a)
{
    auto seed = a.integer("task-seed", 1, 0, 2147483647);
    auto trainSize = a.integer("train-size", -1, 10, 10000000);
    auto devSize = a.integer("dev-size", 500, 1, 1000000);
    auto testSize = a.integer("test-size", 500, 1, 1000000);
    for (const Result<int> *r : {&seed, &trainSize, &devSize, &testSize})
        if (!*r)
            return r->error();
    TaskRequest r;
    r.name = a.value("task").value_or("en-fr");
    r.format = a.value("format").value_or("tsv");
    const std::string direction = a.value("direction").value_or("en-fr");
    if (direction != "en-fr" && direction != "fr-en")
        return usageError("--direction must be en-fr or fr-en");
    r.direction = direction == "en-fr" ? EngFraDirection::EnglishToFrench : EngFraDirection::FrenchToEnglish;
    r.seed = static_cast<unsigned>(seed.value());
    r.trainSize = trainSize.value();
    r.devSize = devSize.value();
    r.testSize = testSize.value();
    return prepareTask(r);
}

} // namespace alignscope::cli
