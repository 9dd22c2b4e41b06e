#include "model_args.h"

#include "core/common/error.h"
#include "core/io/npy.h"

#include <cstdio>

namespace sparsescope::cli {

void addModelOptions(ArgParser& a, bool allowIds) {
    a.option("--model", "DIR", "Hugging Face model folder (default: the bundled model)");
    a.option("--text-file", "F", "text to run (UTF-8; invalid bytes become U+FFFD)");
    a.option("--text", "S", "text to run, given inline");
    if (allowIds) a.option("--ids", "IDS.npy", "token ids (int64 or int32 [T]) instead of a text");
    a.option("--max-tokens", "N", "truncate the text to its first N tokens (default: the model's context)");
}

std::unique_ptr<Model> loadModelFromArgs(const ArgParser& a) {
    const std::string dir =
        a.has("--model") ? a.get("--model") : findDefaultModelDir({SPARSESCOPE_SOURCE_DIR "/resources/model"});
    return Model::load(dir);
}

std::vector<int32_t> idsFromArgs(const ArgParser& a, const Model& model) {
    const int sources = int(a.has("--text-file")) + int(a.has("--text")) + int(a.has("--ids"));
    if (sources != 1) throw UsageError("give exactly one of --text-file, --text" +
                                       std::string(a.has("--ids") ? ", --ids" : ""));
    const int64_t maxTokens = a.getInt("--max-tokens").value_or(0);
    if (a.has("--max-tokens") && maxTokens < 1) throw UsageError("--max-tokens must be >= 1");
    if (a.has("--ids")) {
        const std::string path = a.get("--ids");
        const NpyArray arr = readNpy(path);
        if (arr.shape.size() != 1) throw Error(path, "shape", "token ids must be a 1-D array [T]");
        if (arr.dtype != NpyDtype::I64 && arr.dtype != NpyDtype::I32)
            throw Error(path, "dtype", "token ids must be int64 or int32, got " + npyDtypeName(arr.dtype));
        std::vector<int32_t> ids;
        for (int64_t id : arr.toInt64()) {
            if (id < 0 || id >= model.config().vocabSize)
                throw Error(path, "ids", "id " + std::to_string(id) + " is outside the vocabulary of " +
                                             std::to_string(model.config().vocabSize));
            ids.push_back(static_cast<int32_t>(id));
        }
        if (ids.empty()) throw Error(path, "ids", "is empty");
        if (maxTokens > 0 && int64_t(ids.size()) > maxTokens) ids.resize(size_t(maxTokens));
        return ids;
    }
    const bool fromFile = a.has("--text-file");
    const std::string source = fromFile ? a.get("--text-file") : "--text";
    const std::string text = fromFile ? readTextFile(source) : a.get("--text");
    ModelInput in = tokenizeForModel(model, text, source, maxTokens);
    if (!in.notice.empty()) std::fprintf(stderr, "note: %s\n", in.notice.c_str());
    return std::move(in.ids);
}

std::vector<int> layersFromArgs(const ArgParser& a, const Model& model) {
    std::vector<int> layers;
    for (int64_t l : a.getIntList("--layers")) {
        if (l < 0 || l >= model.config().layers)
            throw UsageError("--layers: layer " + std::to_string(l) + " does not exist (the model has " +
                             std::to_string(model.config().layers) + " layers, 0.." +
                             std::to_string(model.config().layers - 1) + ")");
        layers.push_back(static_cast<int>(l));
    }
    return layers;
}

}  // namespace sparsescope::cli
