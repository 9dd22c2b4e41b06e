#include "core/pattern/pattern_json.h"

#include "core/common/error.h"
#include "core/pattern/presets.h"

#include <fstream>
#include <sstream>

namespace sparsescope {

nlohmann::json patternToJson(const PatternSpec& s) {
    return {{"preset", s.preset}, {"causal", s.causal},   {"dense", s.dense},
            {"window", s.window}, {"global", s.global},   {"stride", s.stride},
            {"random", s.random}, {"seed", s.seed},       {"topk", s.topk},
            {"block_topk", s.blockTopk}, {"block", s.blockSize}};
}

namespace {
template <class T>
void readKey(const nlohmann::json& j, const char* key, T& out, const std::string& source) {
    if (!j.contains(key)) return;
    try {
        out = j.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
        throw Error(source, key, std::string("has the wrong type: ") + j.at(key).dump());
    }
}
}  // namespace

PatternSpec patternFromJson(const nlohmann::json& j, const std::string& source) {
    if (!j.is_object()) throw Error(source, "", "a pattern must be a JSON object");
    static const char* known[] = {"preset", "causal", "dense", "window", "global", "stride",
                                  "random", "seed", "topk", "block_topk", "block"};
    for (auto it = j.begin(); it != j.end(); ++it) {
        bool ok = false;
        for (const char* k : known) ok = ok || it.key() == k;
        if (!ok) throw Error(source, it.key(), "unknown pattern key");
    }
    PatternSpec s;
    if (j.contains("preset") && j["preset"].is_string() && j["preset"] != "custom")
        s = presetSpec(j["preset"].get<std::string>());
    readKey(j, "preset", s.preset, source);
    readKey(j, "causal", s.causal, source);
    readKey(j, "dense", s.dense, source);
    readKey(j, "window", s.window, source);
    readKey(j, "global", s.global, source);
    readKey(j, "stride", s.stride, source);
    readKey(j, "random", s.random, source);
    readKey(j, "seed", s.seed, source);
    readKey(j, "topk", s.topk, source);
    readKey(j, "block_topk", s.blockTopk, source);
    readKey(j, "block", s.blockSize, source);
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
