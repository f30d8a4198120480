// Opening a PyTorch checkpoint as a model without a separate `import`
// step (--model FILE.pt, File ▸ Open model, drag and drop): the
// architecture comes from the keys, the vocabularies from the chatbot's
// voc_dict or from two JSON files next to the checkpoint.
#include "alignscope/pytorch.h"

#include <filesystem>

namespace alignscope {

namespace {

namespace fs = std::filesystem;

std::string importHint(PyTorchArchitecture arch, const std::string &args)
{
    return std::string("`alignscope-cli import --arch ") + architectureName(arch) + " " + args +
           " --out MODEL.safetensors`";
}

/// A lone encoder or decoder: the other half is in another file, which only `import` can join.
Error loneModuleError(const std::string &path, const PyTorchContents &c)
{
    const bool decoder = c.modules == PyTorchContents::Modules::DecoderOnly;
    const PyTorchArchitecture arch = c.architecture.value_or(PyTorchArchitecture::Tutorial);
    const std::string args = decoder ? "--encoder ENCODER.pt --decoder " + path : "--encoder " + path +
                                                                                      " --decoder DECODER.pt";
    return fileError(path + ": a lone " + (decoder ? "decoder" : "encoder") +
                     " state_dict; an encoder and decoder saved as two files cannot be opened directly: join "
                     "them with " + importHint(arch, args + " --source-vocab SRC.json --target-vocab TGT.json") +
                     " (or save both in one file as {'encoder': ..., 'decoder': ...})");
}

/// Neither voc_dict nor both sidecars: say which files to put where, or how to import.
Error missingVocabularyError(const std::string &path, PyTorchArchitecture arch, const std::string &source,
                             const std::string &target)
{
    std::error_code ec;
    const bool haveSource = fs::exists(source, ec), haveTarget = fs::exists(target, ec);
    const std::string found = haveSource ? " (found " + source + " but not the target file)"
                              : haveTarget ? " (found " + target + " but not the source file)"
                                           : std::string();
    const std::string why = arch == PyTorchArchitecture::Chatbot ? "no voc_dict in the checkpoint and no vocabulary files"
                                                                 : "no vocabulary files";
    const std::string importArgs = arch == PyTorchArchitecture::Chatbot
                                       ? "--checkpoint " + path + " --source-vocab SRC.json --target-vocab TGT.json"
                                       : "--checkpoint " + path + " --pairs eng-fra.txt";
    return fileError(path + ": " + why + found + ": put the vocabularies as JSON arrays (index = id) in " + source +
                     " and " + target + ", or convert it with " + importHint(arch, importArgs));
}

/// voc_dict left for importPyTorch to read, or the sidecar vocabularies into `o`
/// (also when voc_dict cannot be read: the user's files then take its place).
Result<void> chooseVocabularies(const PyTorchCheckpoint &f, PyTorchImportOptions &o)
{
    const auto &voc = f.vocabulary();
    const bool chatbot = o.architecture == PyTorchArchitecture::Chatbot;
    if (chatbot && voc && voc->ok())
        return {};
    const auto [source, target] = sidecarVocabularyPaths(f.path());
    std::error_code ec;
    if (chatbot && voc && !(fs::exists(source, ec) && fs::exists(target, ec)))
        return fileError(voc->error().message + "; put the vocabularies as JSON arrays (index = id) in " + source +
                         " and " + target + " instead");
    if (!fs::exists(source, ec) || !fs::exists(target, ec))
        return missingVocabularyError(f.path(), o.architecture, source, target);
    auto s = readTokenListJson(source);
    if (!s)
        return s.error();
    auto t = readTokenListJson(target);
    if (!t)
        return t.error();
    o.sourceTokens = std::move(s.value());
    o.targetTokens = std::move(t.value());
    return {};
}

} // namespace

std::pair<std::string, std::string> sidecarVocabularyPaths(const std::string &checkpoint)
{
    const fs::path p(checkpoint);
    const fs::path stem = p.parent_path() / p.stem();
    return {stem.string() + ".source-vocab.json", stem.string() + ".target-vocab.json"};
}

Result<RnnModel> openPyTorchModel(const std::string &path)
{
    auto file = PyTorchCheckpoint::open(path);
    if (!file)
        return file.error();
    const PyTorchContents contents = detectPyTorchContents(file.value());
    using Modules = PyTorchContents::Modules;
    if (contents.modules == Modules::Unknown)
        return fileError(path + ": neither an AlignScope model (no \"alignscope.config\" metadata) nor a PyTorch "
                         "tutorial checkpoint (no encoder/decoder or en/de state_dicts holding embedding.weight)");
    if (contents.modules != Modules::Both)
        return loneModuleError(path, contents);
    if (!contents.architecture)
        return fileError(path + ": the decoder is none of the PyTorch tutorials' (no attention.Wa, attn_combine "
                         "or concat weights)");
    PyTorchImportOptions o;
    o.architecture = *contents.architecture;
    o.checkpoint = path;
    if (auto vocabs = chooseVocabularies(file.value(), o); !vocabs)
        return vocabs.error();
    return importPyTorch(o);
}

} // namespace alignscope
