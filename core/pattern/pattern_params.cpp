#include "core/pattern/pattern_params.h"

#include "core/common/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sparsescope {

namespace {

// Where each parameter lives in PatternSpec: an int64_t field, or top_p (the one double).
struct ParamField {
    int64_t PatternSpec::*field;  // null for top_p
    bool switchesNsaOn;
};

struct Entry {
    PatternParam info;
    ParamField where;
};

const std::vector<Entry>& entries() {
    static const std::vector<Entry> table = {
        {{"window", "--window", "window W", "the W most recent keys, itself included", true, 1},
         {&PatternSpec::window, false}},
        {{"global", "--global", "global G", "the first G keys (attention sinks)", true, 1},
         {&PatternSpec::global, false}},
        {{"stride", "--stride", "stride S", "every S-th key back, (i - j) mod S = 0", true, 2},
         {&PatternSpec::stride, false}},
        {{"random", "--random", "random R", "R random keys per row", true, 1}, {&PatternSpec::random, false}},
        {{"topk", "--topk", "top-k K", "the K keys with the highest q.k (oracle)", true, 1},
         {&PatternSpec::topk, false}},
        {{"block_topk", "--block-topk", "block top-k K", "the K best key blocks (oracle)", true, 1},
         {&PatternSpec::blockTopk, false}},
        {{"block_size", "--block", "block size B", "tile size of block rules and block density", true, 1},
         {&PatternSpec::blockSize, false}},
        {{"fixed_block", "--fixed-block", "fixed block l", "Sparse Transformer fixed: own block of l keys", true,
          1},
         {&PatternSpec::fixedBlock, false}},
        {{"block_window", "--block-window", "block window Wb", "BigBird: the Wb most recent key blocks", true, 1},
         {&PatternSpec::blockWindow, false}},
        {{"random_blocks", "--random-blocks", "random blocks R", "BigBird: R random key blocks per query block",
          true, 1},
         {&PatternSpec::randomBlocks, false}},
        {{"nsa_window", "--nsa-window", "NSA window w", "NSA: the sliding-window branch (switches NSA on)", true,
          0},
         {&PatternSpec::nsaWindow, true}},
        {{"nsa_select_count", "--nsa-select-count", "NSA selected blocks n",
          "NSA: selected blocks, forced ones included (switches NSA on)", true, 1},
         {&PatternSpec::nsaSelectCount, true}},
        {{"indexer_topk", "--indexer-topk", "DSA indexer top-k K", "DSA: K keys chosen by the lightning indexer",
          true, 1},
         {&PatternSpec::indexerTopk, false}},
        {{"quest_budget", "--quest-budget", "Quest budget (tokens)", "Quest: token budget of query-aware pages",
          true, 1},
         {&PatternSpec::questBudget, false}},
        {{"vertical", "--vertical", "vertical lines V", "MInference: V key columns", true, 1},
         {&PatternSpec::verticalLines, false}},
        {{"slash", "--slash", "slash lines S", "MInference: S diagonals", true, 1},
         {&PatternSpec::slashLines, false}},
        {{"heavy_hitters", "--heavy-hitters", "heavy hitters H", "H2O: H heavy hitters besides the window", true,
          1},
         {&PatternSpec::heavyHitters, false}},
        {{"top_p", "--top-p", "top-p mass P", "the fewest keys reaching dense mass P", false, 0.05},
         {nullptr, false}},
    };
    return table;
}

const Entry& entry(const std::string& name) {
    for (const Entry& e : entries())
        if (name == e.info.name) return e;
    throw Error("<input>", "param", "unknown parameter '" + name + "'; sweepable: " + patternParamNames());
}

std::string formatValue(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

// Largest integer value accepted: far above any context, far below int64 overflow.
constexpr double kMaxIntegerValue = 1e12;

}  // namespace

const std::vector<PatternParam>& patternParams() {
    static const std::vector<PatternParam> params = [] {
        std::vector<PatternParam> out;
        for (const Entry& e : entries()) out.push_back(e.info);
        return out;
    }();
    return params;
}

const PatternParam& patternParam(const std::string& name) { return entry(name).info; }

std::string patternParamNames() {
    std::string names;
    for (const Entry& e : entries()) names += (names.empty() ? "" : ", ") + std::string(e.info.name);
    return names;
}

double getPatternParam(const PatternSpec& spec, const std::string& name) {
    const Entry& e = entry(name);
    return e.where.field ? static_cast<double>(spec.*(e.where.field)) : spec.topP;
}

PatternSpec withPatternParam(PatternSpec spec, const std::string& name, double value) {
    const Entry& e = entry(name);
    if (!std::isfinite(value))
        throw Error("<input>", name, "must be a finite number, got " + formatValue(value));
    if (e.where.field) {
        if (value != std::floor(value))
            throw Error("<input>", name, "must be a whole number, got " + formatValue(value));
        if (value < 0 || value > kMaxIntegerValue)
            throw Error("<input>", name, "must be in 0.." + formatValue(kMaxIntegerValue) + ", got " +
                                             formatValue(value));
        spec.*(e.where.field) = static_cast<int64_t>(value);
    } else {
        spec.topP = value;
    }
    if (e.where.switchesNsaOn) spec.nsa = true;
    // A rule value on top of "dense" means the rules, not the reference.
    if (spec.dense && name != "block_size") spec.dense = false;
    const std::string suffix = "+custom";
    const bool marked = spec.preset.size() >= suffix.size() &&
                        spec.preset.compare(spec.preset.size() - suffix.size(), suffix.size(), suffix) == 0;
    if (spec.preset != "custom" && !marked) spec.preset += suffix;
    validate(spec);
    return spec;
}

std::vector<double> defaultSweepValues(const std::string& name, int64_t n, int maxValues) {
    const PatternParam& p = patternParam(name);
    std::vector<double> values;
    if (!p.integer) {
        values = {0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99};
    } else {
        const double top = static_cast<double>(std::max<int64_t>(n, 1));
        for (double v = std::max(1.0, p.minValue); v < top; v *= 2) values.push_back(v);
        if (values.empty() || values.back() < top) values.push_back(top);
    }
    maxValues = std::max(maxValues, 2);
    if (static_cast<int>(values.size()) <= maxValues) return values;
    // Thin evenly, keeping both ends.
    std::vector<double> thinned;
    const double step = double(values.size() - 1) / double(maxValues - 1);
    for (int i = 0; i < maxValues; ++i) thinned.push_back(values[size_t(std::lround(i * step))]);
    thinned.erase(std::unique(thinned.begin(), thinned.end()), thinned.end());
    return thinned;
}

}  // namespace sparsescope
