#include "core/pattern/pattern_json.h"

#include "core/common/error.h"
#include "core/pattern/presets.h"

#include <fstream>
#include <sstream>
#include <type_traits>

namespace sparsescope {

namespace {

// Every JSON key and the field it holds, in one list for writing, reading and the
// unknown-key check. S is PatternSpec or const PatternSpec.
template <class S, class Fn>
void forEachField(S& s, Fn&& fn) {
    fn("preset", s.preset);
    fn("causal", s.causal);
    fn("dense", s.dense);
    fn("window", s.window);
    fn("global", s.global);
    fn("stride", s.stride);
    fn("random", s.random);
    fn("seed", s.seed);
    fn("topk", s.topk);
    fn("block_topk", s.blockTopk);
    fn("block", s.blockSize);
    fn("fixed_block", s.fixedBlock);
    fn("fixed_summary", s.fixedSummary);
    fn("block_window", s.blockWindow);
    fn("random_blocks", s.randomBlocks);
    fn("nsa", s.nsa);
    fn("nsa_compress_block", s.nsaCompressBlock);
    fn("nsa_compress_stride", s.nsaCompressStride);
    fn("nsa_select_block", s.nsaSelectBlock);
    fn("nsa_select_count", s.nsaSelectCount);
    fn("nsa_initial_blocks", s.nsaInitialBlocks);
    fn("nsa_local_blocks", s.nsaLocalBlocks);
    fn("nsa_window", s.nsaWindow);
    fn("indexer_topk", s.indexerTopk);
    fn("indexer_dim", s.indexerDim);
    fn("quest_budget", s.questBudget);
    fn("quest_page", s.questPage);
    fn("vertical", s.verticalLines);
    fn("slash", s.slashLines);
    fn("last_queries", s.lastQueries);
    fn("heavy_hitters", s.heavyHitters);
    fn("top_p", s.topP);
}

template <class T>
void readKey(const nlohmann::json& j, const char* key, T& out, const std::string& source) {
    if (!j.contains(key)) return;
    const nlohmann::json& v = j.at(key);
    // Counts must be integers: 3.5 or true would silently turn into 3 or 1 otherwise.
    const bool ok = std::is_same_v<T, bool>          ? v.is_boolean()
                    : std::is_same_v<T, std::string> ? v.is_string()
                    : std::is_same_v<T, double>      ? v.is_number()
                                                     : v.is_number_integer();
    if (!ok) throw Error(source, key, std::string("has the wrong type: ") + v.dump());
    try {
        out = v.get<T>();
    } catch (const nlohmann::json::exception&) {
        throw Error(source, key, std::string("has the wrong type: ") + v.dump());
    }
}

}  // namespace

nlohmann::json patternToJson(const PatternSpec& s) {
    nlohmann::json j = nlohmann::json::object();
    forEachField(s, [&](const char* key, const auto& value) { j[key] = value; });
    return j;
}

PatternSpec patternFromJson(const nlohmann::json& j, const std::string& source) {
    if (!j.is_object()) throw Error(source, "", "a pattern must be a JSON object");
    PatternSpec s;
    for (auto it = j.begin(); it != j.end(); ++it) {
        bool ok = false;
        forEachField(s, [&](const char* key, const auto&) { ok = ok || it.key() == key; });
        if (!ok) throw Error(source, it.key(), "unknown pattern key");
    }
    if (j.contains("preset") && j["preset"].is_string() && j["preset"] != "custom") {
        try {
            s = presetSpec(j["preset"].get<std::string>());
        } catch (const Error& e) {
            throw Error(source, "preset", e.problem());
        }
    }
    forEachField(s, [&](const char* key, auto& value) { readKey(j, key, value, source); });
    try {
        validate(s);
    } catch (const Error& e) {
        throw Error(source, e.field(), e.problem());
    }
    return s;
}

PatternSpec loadPatternFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "", "cannot open the pattern file");
    std::stringstream buf;
    buf << in.rdbuf();
    nlohmann::json j = nlohmann::json::parse(buf.str(), nullptr, false);
    if (j.is_discarded()) throw Error(path, "", "not valid JSON");
    return patternFromJson(j, path);
}

}  // namespace sparsescope
