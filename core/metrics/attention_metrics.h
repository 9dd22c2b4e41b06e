#pragma once
// Attention-level metrics of a sparse mask against the dense head (design.md,
// "Metrics"). For a head with dense causal probabilities p_ij = softmax_j(q_i.k_j*scale):
//   density        = kept pairs / possible pairs (n(n+1)/2 causal)
//   recall r_i     = sum_{j kept} p_ij            (mean, min, 10th percentile)
//   KL_i           = -log r_i                     (sparse softmax = p renormalised on kept keys)
//   output error_i = |o_sparse,i - o_dense,i| / |o_dense,i|   (mean, max; needs V)
//   top-1 retention = share of rows whose densest key (ties: larger j) is kept
//   block density  = kept tiles / possible tiles at tile size B
//   FLOPs          = (2d + 2d_v + 5) per computed pair; an oracle selector pays 2d per
//                    possible pair for the dense q.k pass it needs to choose; method
//                    selectors (NSA, DSA, Quest, ...) pay what core/cost/method_cost.h says
//   KV reads       = kept keys of the last query row (K and V rows read per decoded token)
//   row density_i  = kept keys of row i / (i + 1): how the density varies over the rows
//                    (adaptive rules such as top-p); min, p10, median, p90, max
//   indexer overlap = mean over rows of |indexer's keys ∩ oracle top-K| / min(K, i + 1)
//                    (DSA only: how much of the oracle's choice a realisable selector finds)
// Shapes: q, k [n, d]; v [n, dv] row-major.
#include "core/common/tensor.h"
#include "core/pattern/pattern_spec.h"
#include "core/pattern/sparse_mask.h"

#include <cstdint>
#include <vector>

namespace sparsescope {

// Softmax cost per pair: scale, max, subtract+exp, sum, normalise.
inline constexpr double kSoftmaxFlopsPerPair = 5.0;

// What a head's dense attention looks like, independent of any pattern: computed
// once per head and reused for every pattern (the GUI's sliders only redo metrics).
struct DenseReference {
    int64_t n = 0;
    int64_t d = 0;
    int64_t dv = 0;
    bool causal = true;
    float scale = 1.0f;
    std::vector<double> lse;     // log sum_j exp(s_ij), per row
    std::vector<int32_t> top1;   // densest key per row
    MatrixRM out;                // dense output [n, dv] (empty without V)
};

struct HeadMetrics {
    int64_t n = 0;
    int64_t keptPairs = 0;
    int64_t possiblePairs = 0;
    double density = 0;
    double recallMean = 0, recallMin = 0, recallP10 = 0;
    double klMean = 0;
    bool hasOutputError = false;
    double outputRelErrorMean = 0, outputRelErrorMax = 0;
    double top1Retention = 0;
    int64_t blockSize = 64;
    int64_t keptTiles = 0, possibleTiles = 0;
    double blockDensity = 0;
    double flopsDense = 0;      // the dense causal kernel
    double flopsSparse = 0;     // the sparse kernel plus, for oracle rules, the selector
    double flopsSelector = 0;   // the part of flopsSparse spent choosing keys
    bool oracleSelection = false;
    double kvReadsLast = 0;     // per head: an integer; aggregated: mean over heads
    std::vector<double> rowRecall;     // r_i per row (pooled for aggregate percentiles)
    std::vector<double> rowOutputError;
    // Row density spread (adaptive rules make it vary per head and per row).
    std::vector<double> rowDensity;    // kept keys / visible keys per row (pooled when aggregated)
    double rowDensityMin = 0, rowDensityP10 = 0, rowDensityMedian = 0, rowDensityP90 = 0,
           rowDensityMax = 0;
    // DSA: share of the oracle's top-K keys the indexer found (mean over rows).
    bool hasIndexerOverlap = false;
    double indexerOverlap = 0;
    std::vector<double> rowIndexerOverlap;
};

DenseReference computeDenseReference(ConstMapRM q, ConstMapRM k, const ConstMapRM* v, float scale,
                                     bool causal = true);

struct MetricsOptions {
    int64_t blockSize = 64;
    bool oracleSelection = false;  // the mask came from a rule that needs every score
    // >= 0: the selector's FLOPs (core/cost's selectorFlopsForRows) replace the oracle
    // charge; entries kept only as NSA compressed tokens are then counted there too.
    double selectorFlops = -1.0;
    // > 0: measure the overlap of the kRuleIndexer keys with the oracle top-K.
    int64_t indexerTopk = 0;
};

HeadMetrics computeHeadMetrics(ConstMapRM q, ConstMapRM k, const ConstMapRM* v,
                               const SparseMask& mask, const DenseReference& ref,
                               const MetricsOptions& options);

// Pools rows of all heads: means and percentiles over every row of every head,
// minimum and maximum over all, pairs, tiles and FLOPs summed, KV reads averaged.
HeadMetrics aggregateMetrics(const std::vector<HeadMetrics>& heads);

// Fills rowDensityMin .. rowDensityMax from rowDensity.
void summarizeRowDensity(HeadMetrics& m);

// Mean over rows of |{kept keys carrying `bit`} ∩ oracle top-K of q.k| / min(K, visible
// keys); per-row values in *rows when given. Ties rank the larger j first.
double selectorOverlap(ConstMapRM q, ConstMapRM k, const SparseMask& mask, uint16_t bit, int64_t topk,
                       std::vector<double>* rows = nullptr);

// numpy.percentile's default ("linear") definition, q in [0, 100].
double percentile(std::vector<double> values, double q);

}  // namespace sparsescope
