// compare: one sentence, several models, side by side.
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/image.h"
#include "cli/modelargs.h"
#include "cli/speech.h"

#include "alignscope/compare.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace alignscope::cli {

int compareCommand(const Argv &argv)
{
    auto args = Args::parse(argv, {{"json", "encoder-attention"}, {"target", "beam", "layer", "head", "audio", "image"},
                                   {"models"}});
    if (!args)
        return fail(args.error());
    auto names = args->list("models");
    std::string sentence = args->joinedPositionals();
    // `--models A B "SENTENCE"`: the list swallows the sentence; it is the last word.
    const bool audio = args->value("audio").has_value();
    const bool image = args->value("image").has_value();
    if (sentence.empty() && !audio && !image && names.size() >= 2) {
        sentence = names.back();
        names.pop_back();
    }
    if (names.empty())
        return fail(usageError("compare needs --models A B ... (bundled names or files)"));
    if (sentence.empty() && !audio && !image)
        return fail(usageError("no sentence given; pass it as the last argument"));
    auto beam = args->integer("beam", 0, 1, 64);
    if (!beam)
        return fail(beam.error());
    std::vector<Result<ModelPtr>> models;
    for (const std::string &name : names)
        models.push_back(openModel(name));
    std::vector<const Result<ModelPtr> *> ptrs;
    std::vector<const Seq2Seq *> opened;
    for (const auto &m : models) {
        ptrs.push_back(&m);
        if (m)
            opened.push_back(m->get());
    }
    auto selection = headSelectionFromArgs(args.value(), opened);
    if (!selection)
        return fail(selection.error());
    CompareRequest request;
    if (image) {
        auto picture = pictureOf(args.value());
        if (!picture)
            return fail(picture.error());
        request.image = std::make_shared<const RgbImage>(std::move(picture).value());
    }
    if (audio) {
        auto clip = clipOf(args.value());
        if (!clip)
            return fail(clip.error());
        for (const Seq2Seq *m : opened)
            if (auto one = checkOneWindow(*m, clip.value(), "compare"); !one)
                return fail(one.error());
        request.audio = std::move(clip->samples);
    }
    if (args->has("encoder-attention"))
        request.options.encoderSelfAttention = true;
    request.selection = selection.value();
    request.sentence = sentence;
    request.target = args->value("target");
    request.options.beamWidth = beam.value();
    request.gold = goldPairFor(request.sentence);
    const auto entries = compareModels(ptrs, request);

    int failures = 0;
    for (const auto &e : entries)
        failures += e.trace.ok() ? 0 : 1;
    if (failures == static_cast<int>(entries.size()))
        return fail(entries.front().trace.error());
    if (args->has("json")) {
        nlohmann::ordered_json out = nlohmann::ordered_json::array();
        for (size_t i = 0; i < entries.size(); ++i) {
            const CompareRow &r = entries[i].row;
            nlohmann::ordered_json summary = {
                {"model", names[i]}, {"scorer", r.scorer}, {"translation", r.translation},
                {"log_prob", r.logProb}, {"entropy", r.entropy}, {"max_weights", r.maxWeights},
                {"aer", r.aer < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.aer)},
                {"milliseconds", r.milliseconds}};
            nlohmann::ordered_json item = {{"model", names[i]}, {"summary", summary}};
            if (entries[i].trace.ok()) {
                const DecodeTrace &t = entries[i].trace.value();
                item["trace"] = nlohmann::ordered_json::parse(traceToJson(t, t.bestPath(), false, request.selection));
            } else {
                item["error"] = r.error;
            }
            out.push_back(item);
        }
        std::cout << out.dump(2) << "\n";
    } else {
        std::printf("%-14s %-12s %9s %8s %6s %8s  %s\n", "model", "scorer", "log-prob", "entropy", "AER", "ms",
                    "translation");
        for (size_t i = 0; i < entries.size(); ++i) {
            const CompareRow &r = entries[i].row;
            if (!r.error.empty()) {
                std::printf("%-14s error: %s\n", names[i].c_str(), r.error.c_str());
                continue;
            }
            const std::string aer = r.aer < 0 ? "-" : std::to_string(r.aer).substr(0, 5);
            std::printf("%-14s %-12s %9.4f %8.4f %6s %8.2f  %s\n", names[i].c_str(), r.scorer.c_str(), r.logProb,
                        r.entropy, aer.c_str(), r.milliseconds, r.translation.c_str());
        }
    }
    // Partial failure: the others are shown, the exit code says a file was bad.
    return failures ? static_cast<int>(ErrorKind::BadFile) : 0;
}

} // namespace alignscope::cli
