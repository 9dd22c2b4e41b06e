#include "core/model/model_input.h"

#include "core/common/error.h"
#include "core/model/model.h"
#include "core/tokenizer/tokenizer.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sparsescope {

namespace fs = std::filesystem;

void checkText(const std::string& text, const std::string& source) {
    if (text.empty()) throw Error(source, "text", "is empty");
    if (text.find('\0') != std::string::npos)
        throw Error(source, "text", "holds NUL bytes: a binary file, not text");
    if (text.find_first_not_of(" \t\r\n\v\f") == std::string::npos)
        throw Error(source, "text", "holds only whitespace");
}

std::string readTextFile(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw Error(path, "", "is a folder, not a text file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "", "cannot open the file");
    std::stringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();
    checkText(text, path);
    return text;
}

ModelInput tokenizeForModel(const Model& model, const std::string& text, const std::string& source,
                            int64_t maxTokens) {
    checkText(text, source);
    ModelInput in;
    in.ids = model.tokenizer().encode(text, true);
    in.tokensBeforeTruncation = static_cast<int64_t>(in.ids.size());
    const int64_t context = model.config().maxPositions;
    const int64_t limit = maxTokens > 0 ? std::min(maxTokens, context) : context;
    if (in.tokensBeforeTruncation > limit) {
        in.ids.resize(static_cast<size_t>(limit));
        in.truncated = true;
        in.notice = source + ": " + std::to_string(in.tokensBeforeTruncation) +
                    " tokens, truncated to the first " + std::to_string(limit) +
                    (limit == context ? " (the model's context)" : "");
    }
    if (in.ids.empty()) throw Error(source, "text", "gives no tokens");
    return in;
}

std::string findDefaultModelDir(const std::vector<std::string>& extraCandidates) {
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("SPARSESCOPE_MODEL_DIR"); env && *env) candidates.emplace_back(env);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path dir = exe.parent_path();
        candidates.push_back(dir / "resources/model");
        candidates.push_back(dir / "../resources/model");
        candidates.push_back(dir / "../../resources/model");
        candidates.push_back(dir / "../share/sparsescope/model");
    }
    for (const auto& c : extraCandidates) candidates.emplace_back(c);
    std::string tried;
    for (const auto& c : candidates) {
        if (fs::exists(c / "config.json", ec)) return fs::weakly_canonical(c, ec).string();
        tried += "\n  " + c.string();
    }
    throw Error("resources/model", "", "the bundled default model was not found; looked in:" + tried +
                                           "\n(set SPARSESCOPE_MODEL_DIR or pass --model DIR)");
}

}  // namespace sparsescope
