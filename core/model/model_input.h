#pragma once
// From a text (file or string) to the ids a model runs on: read, check, tokenize,
// truncate to the model's context with a notice. Shared by the CLI and the GUI.
#include <cstdint>
#include <string>
#include <vector>

namespace sparsescope {

class Model;

// Reads a text file. Throws Error(path, ...) when it cannot be read, is empty, holds
// only whitespace, or holds NUL bytes (a binary file). Invalid UTF-8 is kept: the
// tokenizer replaces it with U+FFFD.
std::string readTextFile(const std::string& path);
// The same checks for a text that did not come from a file (`source` names it).
void checkText(const std::string& text, const std::string& source);

struct ModelInput {
    std::vector<int32_t> ids;
    int64_t tokensBeforeTruncation = 0;
    bool truncated = false;
    std::string notice;  // what was done to the text, for the user ("" when nothing)
};

// maxTokens <= 0: the model's context (max position embeddings).
ModelInput tokenizeForModel(const Model& model, const std::string& text, const std::string& source,
                            int64_t maxTokens = 0);

// The bundled default model: $SPARSESCOPE_MODEL_DIR, then resources/model next to
// (or above) the executable, then the extra candidates. Throws Error listing them.
std::string findDefaultModelDir(const std::vector<std::string>& extraCandidates = {});

}  // namespace sparsescope
