#include "pattern_flags.h"

#include "core/pattern/pattern_json.h"
#include "core/pattern/presets.h"

namespace sparsescope::cli {

namespace {
const char* kPatternOptions[] = {"--preset", "--pattern-file", "--window", "--global", "--stride",
                                 "--random", "--seed", "--topk", "--block-topk", "--block",
                                 "--bidirectional"};
}

void addPatternOptions(ArgParser& a) {
    std::string names;
    for (const auto& p : builtinPresets()) names += (names.empty() ? "" : ", ") + p.name;
    a.option("--preset", "NAME", "start from a named pattern: " + names);
    a.option("--pattern-file", "F", "start from a pattern saved as JSON");
    a.option("--window", "W", "keep the W most recent keys, itself included (0 = off)");
    a.option("--global", "G", "keep the first G keys (attention sinks; 0 = off)");
    a.option("--stride", "S", "keep keys j with (i - j) mod S = 0 (S >= 2; 0 = off)");
    a.option("--random", "R", "keep R random keys per row (0 = off)");
    a.option("--seed", "X", "seed of the random links (default 0)");
    a.option("--topk", "K", "keep the K keys with the highest q.k (oracle; needs Q and K)");
    a.option("--block-topk", "K", "keep the K best key blocks (oracle; needs Q and K)");
    a.option("--block", "B", "block size for block top-k and block density (default 64)");
    a.flag("--bidirectional", "encoder semantics: no causal limit");
}

bool hasPatternArgs(const ArgParser& a) {
    for (const char* name : kPatternOptions)
        if (a.has(name)) return true;
    return false;
}

PatternSpec patternFromArgs(const ArgParser& a) {
    PatternSpec s;
    if (a.has("--pattern-file")) s = loadPatternFile(a.get("--pattern-file"));
    if (a.has("--preset")) s = presetSpec(a.get("--preset"));
    bool custom = false;
    auto set = [&](const char* name, int64_t& field) {
        if (auto v = a.getInt(name)) {
            field = *v;
            custom = true;
        }
    };
    set("--window", s.window);
    set("--global", s.global);
    set("--stride", s.stride);
    set("--random", s.random);
    set("--topk", s.topk);
    set("--block-topk", s.blockTopk);
    set("--block", s.blockSize);
    if (auto seed = a.getInt("--seed")) {
        if (*seed < 0) throw UsageError("--seed must be >= 0");
        s.seed = static_cast<uint64_t>(*seed);
    }
    if (a.has("--bidirectional")) s.causal = false;
    // Explicit rule values on top of "dense" make no sense: the flags win.
    if (custom && s.dense) s.dense = false;
    if (custom && s.preset != "custom") s.preset += "+custom";
    validate(s);
    return s;
}

}  // namespace sparsescope::cli
