// Cost against context length (context_cost.h has the formulas and definitions).
#include "core/explore/context_cost.h"

#include "core/common/error.h"
#include "core/cost/method_cost.h"

#include <cmath>
#include <string>

namespace sparsescope {

namespace {

PatternSpec denseSpec(const PatternSpec& like) {
    PatternSpec d;
    d.preset = "dense";
    d.dense = true;
    d.causal = like.causal;
    return d;
}

HeadDims dimsOf(const AttentionShape& s) { return HeadDims{s.headDim, s.valueDim, s.heads / s.kvHeads}; }

// Whole model's attention per decoded token at n keys.
struct DecodeCost {
    double flops = 0, bytes = 0;
};

DecodeCost decodeCost(const PatternSpec& spec, const AttentionShape& s, int64_t n) {
    const RowCost r = rowCost(spec, n, dimsOf(s), CostPhase::Decode);
    const double L = double(s.layers), H = double(s.heads), KV = double(s.kvHeads);
    DecodeCost c;
    c.flops = L * H * (r.coreFlops + r.selectorFlops);
    c.bytes = L * KV * (r.kvTokens * double(s.headDim + s.valueDim) + r.selectorKeyReads * double(s.headDim)) *
              s.bytesPerElement;
    return c;
}

double prefillFlops(const PatternSpec& spec, const AttentionShape& s, int64_t n) {
    const SequenceCost c = prefillCost(spec, n, dimsOf(s));
    return double(s.layers) * double(s.heads) * (c.coreFlops + c.selectorFlops);
}

// The three crossover conditions on (dense, pattern) costs.
bool holds(int which, double dense, double pattern) {
    switch (which) {
    case 0: return pattern < dense;
    case 1: return dense >= 2.0 * pattern;
    default: return dense >= 10.0 * pattern;
    }
}

int64_t& slot(Crossovers& c, int which) { return which == 0 ? c.cheaper : which == 1 ? c.saving2x : c.saving10x; }

void checkGrid(const std::vector<int64_t>& grid) {
    if (grid.empty()) throw Error("<input>", "contexts", "the context grid is empty");
    for (size_t k = 0; k < grid.size(); ++k) {
        if (grid[k] < 1) throw Error("<input>", "contexts", "context lengths must be >= 1, got " + std::to_string(grid[k]));
        if (k > 0 && grid[k] <= grid[k - 1]) throw Error("<input>", "contexts", "context lengths must be ascending");
    }
}

}  // namespace

std::vector<int64_t> contextGrid(int64_t from, int64_t to, int pointsPerDecade) {
    if (from < 1) throw Error("<input>", "from", "the smallest context must be >= 1, got " + std::to_string(from));
    if (to < from) throw Error("<input>", "to", "the largest context must be >= the smallest");
    if (pointsPerDecade < 1) throw Error("<input>", "points-per-decade", "must be >= 1");
    std::vector<int64_t> grid;
    for (int k = 0;; ++k) {
        const int64_t c = std::llround(double(from) * std::pow(10.0, double(k) / pointsPerDecade));
        if (c >= to) break;
        if (grid.empty() || c > grid.back()) grid.push_back(c);
    }
    grid.push_back(to);
    return grid;
}

double nonAttentionFlopsPerToken(const ModelConfig& c) {
    auto positive = [](int64_t v, const char* field) {
        if (v < 1) throw Error("config.json", field, "must be >= 1 for the whole-model cost, got " + std::to_string(v));
    };
    positive(c.layers, "layers");
    positive(c.hidden, "hidden");
    positive(c.intermediate, "intermediate");
    positive(c.heads, "heads");
    positive(c.kvHeads, "kv heads");
    positive(c.headDim, "head dim");
    positive(c.vocabSize, "vocab");
    const double E = double(c.hidden), I = double(c.intermediate), d = double(c.headDim);
    const double H = double(c.heads), KV = double(c.kvHeads);
    const double projections = E * (H + 2 * KV) * d + H * d * E;
    const double mlp = (c.family == ModelFamily::Llama ? 3.0 : 2.0) * E * I;
    const double params = double(c.layers) * (projections + mlp) + double(c.vocabSize) * E;
    return 2.0 * params;
}

ContextCostPoint contextCostPoint(const PatternSpec& spec, const AttentionShape& shape, const ModelConfig* config,
                                  int64_t context) {
    validate(spec);
    validate(shape);
    if (context < 1) throw Error("<input>", "context", "context length must be >= 1, got " + std::to_string(context));
    const PatternSpec dense = denseSpec(spec);
    ContextCostPoint p;
    p.context = context;
    const DecodeCost dd = decodeCost(dense, shape, context), dp = decodeCost(spec, shape, context);
    p.decodeFlopsDense = dd.flops;
    p.decodeFlopsPattern = dp.flops;
    p.kvBytesDense = dd.bytes;
    p.kvBytesPattern = dp.bytes;
    p.prefillFlopsDense = prefillFlops(dense, shape, context);
    p.prefillFlopsPattern = spec.dense ? p.prefillFlopsDense : prefillFlops(spec, shape, context);
    if (config) {
        const double other = nonAttentionFlopsPerToken(*config);
        const double n = double(context);
        p.decodeShareDense = p.decodeFlopsDense / (other + p.decodeFlopsDense);
        p.decodeSharePattern = p.decodeFlopsPattern / (other + p.decodeFlopsPattern);
        p.prefillShareDense = p.prefillFlopsDense / (other * n + p.prefillFlopsDense);
        p.prefillSharePattern = p.prefillFlopsPattern / (other * n + p.prefillFlopsPattern);
        p.decodeModelSpeedup = (other + p.decodeFlopsDense) / (other + p.decodeFlopsPattern);
        p.prefillModelSpeedup = (other * n + p.prefillFlopsDense) / (other * n + p.prefillFlopsPattern);
    }
    return p;
}

ContextCostCurves contextCostCurves(const PatternSpec& spec, const AttentionShape& shape, const ModelConfig* config,
                                    const std::vector<int64_t>& grid) {
    validate(spec);
    validate(shape);
    checkGrid(grid);
    ContextCostCurves c;
    c.shape = shape;
    c.hasModel = config != nullptr;
    if (config) c.otherFlopsPerToken = nonAttentionFlopsPerToken(*config);
    c.maxContext = grid.back();
    const PatternSpec dense = denseSpec(spec);
    const HeadDims dims = dimsOf(shape);
    c.decodeDense = rowCost(spec, c.maxContext, dims, CostPhase::Decode).dense;
    c.prefillDense = rowCost(spec, c.maxContext, dims, CostPhase::Prefill).dense;
    c.dataDependent = rowCost(spec, c.maxContext, dims, CostPhase::Decode).dataDependent ||
                      rowCost(spec, c.maxContext, dims, CostPhase::Prefill).dataDependent;
    for (int64_t n : grid) c.points.push_back(contextCostPoint(spec, shape, config, n));

    // Decode crossovers: every integer context, until all six are found.
    int missing = 6;
    for (int64_t n = 1; n <= c.maxContext && missing > 0; ++n) {
        const DecodeCost dd = decodeCost(dense, shape, n), dp = decodeCost(spec, shape, n);
        for (int w = 0; w < 3; ++w) {
            if (slot(c.decodeFlops, w) == 0 && holds(w, dd.flops, dp.flops)) {
                slot(c.decodeFlops, w) = n;
                --missing;
            }
            if (slot(c.decodeBytes, w) == 0 && holds(w, dd.bytes, dp.bytes)) {
                slot(c.decodeBytes, w) = n;
                --missing;
            }
        }
    }

    // Prefill crossovers: the first of {1} + grid where the condition holds, then
    // bisection inside the bracket (lo fails, hi holds).
    std::vector<int64_t> probes{1};
    std::vector<double> pd{prefillFlops(dense, shape, 1)}, pp{prefillFlops(spec, shape, 1)};
    for (const ContextCostPoint& p : c.points) {
        if (p.context == 1) continue;
        probes.push_back(p.context);
        pd.push_back(p.prefillFlopsDense);
        pp.push_back(p.prefillFlopsPattern);
    }
    for (int w = 0; w < 3; ++w) {
        for (size_t k = 0; k < probes.size(); ++k) {
            if (!holds(w, pd[k], pp[k])) continue;
            if (k == 0) {
                slot(c.prefillFlops, w) = 1;
                break;
            }
            int64_t lo = probes[k - 1], hi = probes[k];
            while (hi - lo > 1) {
                const int64_t mid = lo + (hi - lo) / 2;
                if (holds(w, prefillFlops(dense, shape, mid), prefillFlops(spec, shape, mid))) hi = mid;
                else lo = mid;
            }
            slot(c.prefillFlops, w) = hi;
            break;
        }
    }
    return c;
}

}  // namespace sparsescope
