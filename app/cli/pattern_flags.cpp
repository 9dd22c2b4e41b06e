#include "pattern_flags.h"

#include "core/pattern/pattern_json.h"
#include "core/pattern/presets.h"

namespace sparsescope::cli {

namespace {
const char* kPatternOptions[] = {
    "--preset", "--pattern-file", "--window", "--global", "--stride", "--random", "--seed", "--topk",
    "--block-topk", "--block", "--bidirectional", "--fixed-block", "--fixed-summary", "--block-window",
    "--random-blocks", "--nsa", "--nsa-compress-block", "--nsa-compress-stride", "--nsa-select-block",
    "--nsa-select-count", "--nsa-initial-blocks", "--nsa-local-blocks", "--nsa-window",
    "--indexer-topk", "--indexer-dim", "--quest-budget", "--quest-page", "--vertical", "--slash",
    "--last-queries", "--heavy-hitters", "--top-p"};

void addMethodOptions(ArgParser& a) {
    a.option("--fixed-block", "L", "Sparse Transformer fixed: own block of L keys + summary columns (0 = off)");
    a.option("--fixed-summary", "C", "fixed pattern: the last C keys of every block (default 8)");
    a.option("--block-window", "WB", "BigBird: the WB most recent key blocks of size --block (0 = off)");
    a.option("--random-blocks", "R", "BigBird: R random key blocks per query block (0 = off)");
    a.flag("--nsa", "NSA: compressed + selected + window branches (paper defaults below)");
    a.option("--nsa-compress-block", "L", "NSA compression block l (default 32)");
    a.option("--nsa-compress-stride", "D", "NSA compression stride d (default 16)");
    a.option("--nsa-select-block", "L", "NSA selection block l' (default 64)");
    a.option("--nsa-select-count", "N", "NSA selected blocks n, forced ones included (default 16)");
    a.option("--nsa-initial-blocks", "N", "NSA blocks always selected at the start (default 1)");
    a.option("--nsa-local-blocks", "N", "NSA most recent blocks always selected (default 2)");
    a.option("--nsa-window", "W", "NSA sliding-window branch w (default 512; 0 = off)");
    a.option("--indexer-topk", "K", "DSA: K keys by the lightning indexer built from the model's heads (0 = off)");
    a.option("--indexer-dim", "D", "DSA indexer dimension d_I (default 64; >= head dim: no projection)");
    a.option("--quest-budget", "B", "Quest: token budget of query-aware pages (0 = off)");
    a.option("--quest-page", "P", "Quest page size (default 16)");
    a.option("--vertical", "V", "MInference: V vertical lines (key columns) (0 = off)");
    a.option("--slash", "S", "MInference: S slash lines (diagonals) (0 = off)");
    a.option("--last-queries", "Q", "MInference: queries that estimate the lines (default 64)");
    a.option("--heavy-hitters", "H", "H2O: H heavy hitters besides the recent --window (0 = off)");
    a.option("--top-p", "P", "top-p coverage: keep the fewest keys reaching mass P (0 = off)");
}
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
    addMethodOptions(a);
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
    set("--fixed-block", s.fixedBlock);
    set("--fixed-summary", s.fixedSummary);
    set("--block-window", s.blockWindow);
    set("--random-blocks", s.randomBlocks);
    set("--indexer-topk", s.indexerTopk);
    set("--indexer-dim", s.indexerDim);
    set("--quest-budget", s.questBudget);
    set("--quest-page", s.questPage);
    set("--vertical", s.verticalLines);
    set("--slash", s.slashLines);
    set("--last-queries", s.lastQueries);
    set("--heavy-hitters", s.heavyHitters);
    // Any NSA parameter switches NSA on.
    const bool nsaBefore = custom;
    custom = false;
    set("--nsa-compress-block", s.nsaCompressBlock);
    set("--nsa-compress-stride", s.nsaCompressStride);
    set("--nsa-select-block", s.nsaSelectBlock);
    set("--nsa-select-count", s.nsaSelectCount);
    set("--nsa-initial-blocks", s.nsaInitialBlocks);
    set("--nsa-local-blocks", s.nsaLocalBlocks);
    set("--nsa-window", s.nsaWindow);
    if (custom || a.has("--nsa")) {
        if (!s.nsa) custom = true;
        s.nsa = true;
    }
    custom = custom || nsaBefore;
    if (auto p = a.getDouble("--top-p")) {
        s.topP = *p;
        custom = true;
    }
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
