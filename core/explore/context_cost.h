#pragma once
// Attention cost against context length, dense vs a pattern, from the pattern's
// rules alone (core/cost/method_cost.h's rowCost and prefillCost; nothing is run).
// Shape legend: n = context length, L = layers, H = query heads, KV = KV heads,
// d = head dim, dv = value dim, b = bytes per element of the KV cache.
//
// Per decoded token at context n (the query that sees n keys, itself included):
//   attention FLOPs = L * H * (core FLOPs + selector FLOPs of rowCost(t = n, Decode))
//   KV bytes read   = L * KV * (kvTokens * (d + dv) + selectorKeyReads * d) * b
//     (kvTokens and selectorKeyReads of that row; the selector term is what an oracle
//      or an indexer reads to choose, 0 for score-free rules)
// Prefill of n tokens:
//   attention FLOPs = L * H * (core + selector FLOPs of prefillCost(n))
//
// Crossovers. For a cost c (decode FLOPs, decode KV bytes, prefill FLOPs), with
// saving(n) = c_dense(n) / c_pattern(n):
//   cheaper  = the smallest context n >= 1 at which c_pattern(n) < c_dense(n)
//   saving2x = the smallest n at which saving(n) >= 2
//   saving10x= the smallest n at which saving(n) >= 10
// searched over 1 .. maxContext (0 = not reached there). The decode costs are checked
// at every integer n (exact). Prefill costs are O(n) to evaluate, so they are checked
// on the grid and the first grid bracket where the condition holds is bisected to the
// exact integer (assuming it flips once inside the bracket, which holds for every
// rule whose kept keys per row grow at most linearly). A sliding window W has all
// three decode crossovers in closed form: W + 1, 2W and 10W.
//
// Whole model (when a model config is given), per token:
//   other FLOPs     = 2 * (matmul parameters): per layer the Q, K, V, O projections
//                     E*(H + 2 KV)*d + H*d*E and the MLP (3 E I for SwiGLU, 2 E I for
//                     GPT-2's), plus the LM head V*E. Norms, biases, embeddings and
//                     the rotary embedding are left out (a few per cent at most).
//   attention share = attention / (attention + other)
//   model speed-up  = (other + attention_dense) / (other + attention_pattern)
// For prefill the attention FLOPs are averaged over the n prompt tokens.
#include "core/cost/roofline.h"
#include "core/model/model_config.h"
#include "core/pattern/pattern_spec.h"

#include <cstdint>
#include <vector>

namespace sparsescope {

// The log-spaced grid: round(from * 10^(k / pointsPerDecade)) for k = 0, 1, ...
// up to `to` (which is always the last point). Throws Error for from < 1, to < from
// or pointsPerDecade < 1.
std::vector<int64_t> contextGrid(int64_t from = 1000, int64_t to = 1000000, int pointsPerDecade = 8);


// 2 * matmul parameters per token (see above). Throws Error for non-positive sizes.
double nonAttentionFlopsPerToken(const ModelConfig& config);

struct ContextCostPoint {
    int64_t context = 0;
    // Whole model's attention (L layers, every head), per decoded token at `context`.
    double decodeFlopsDense = 0, decodeFlopsPattern = 0;
    double kvBytesDense = 0, kvBytesPattern = 0;
    // Whole model's attention, prefill of `context` tokens.
    double prefillFlopsDense = 0, prefillFlopsPattern = 0;
    // Whole model, when a config was given (else 0).
    double decodeShareDense = 0, decodeSharePattern = 0;    // attention share of the FLOPs
    double prefillShareDense = 0, prefillSharePattern = 0;
    double decodeModelSpeedup = 0, prefillModelSpeedup = 0;
};

struct Crossovers {
    int64_t cheaper = 0;    // smallest n with pattern < dense (0 = none within range)
    int64_t saving2x = 0;   // smallest n with dense / pattern >= 2
    int64_t saving10x = 0;  // smallest n with dense / pattern >= 10
};

struct ContextCostCurves {
    AttentionShape shape;
    bool hasModel = false;            // the whole-model figures are filled
    double otherFlopsPerToken = 0;    // non-attention FLOPs per token (hasModel)
    std::vector<ContextCostPoint> points;
    int64_t maxContext = 0;           // the crossover search range is 1 .. maxContext
    Crossovers decodeFlops, decodeBytes, prefillFlops;
    bool dataDependent = false;   // a data-dependent rule: its budget is an upper bound
    bool decodeDense = false;     // the pattern does not sparsify decoding
    bool prefillDense = false;    // ... or prefill
};

// The curves on `grid` (ascending, each >= 1) for `spec` against dense. `config` may
// be null (a Q/K/V set: attention only). Throws Error for an invalid spec or shape,
// or an empty / non-ascending grid. Cost: O(sum of the grid) rowCost calls for the
// prefill (about 0.3 s for the default grid on one core) plus O(max grid) for the
// decode crossovers.
ContextCostCurves contextCostCurves(const PatternSpec& spec, const AttentionShape& shape,
                                    const ModelConfig* config, const std::vector<int64_t>& grid);

// One point (the curves' formulas at one context; no crossovers).
ContextCostPoint contextCostPoint(const PatternSpec& spec, const AttentionShape& shape,
                                  const ModelConfig* config, int64_t context);

}  // namespace sparsescope
