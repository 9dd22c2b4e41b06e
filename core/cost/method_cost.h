#pragma once
// What a pattern costs as deployed, in closed form (docs/methods.md, "Cost").
// Shape legend: t = keys a query sees (its position + 1), s = context length,
// d = head dim, dv = value dim, g = query heads per KV head (GQA group).
//
// One query row at t keys, per query head:
//   KV tokens  = distinct K/V rows its core attention reads: the exact union of the
//                score-free rules (intervals merged, periodic rules counted in the
//                gaps, random links as an expectation) plus each data-dependent rule's
//                budget (top-k K, Quest pages, DSA K, H2O H, ...; assumed disjoint from
//                the rest, so an upper bound), at most t. NSA adds its three branches
//                like the paper's Table 4: compressed floor((t - l)/d) + 1 tokens +
//                selected blocks + window, each loaded by its own branch.
//   core FLOPs = (2d + 2dv + 5) per token of a token branch (q.k, p.v, softmax)
//   selector   = what choosing costs: the dense q.k pass for oracles (2d t; top-p also
//                needs the softmax: (2d + 5) t), NSA's compressed attention
//                ((2d + 2dv + 5) per compressed token + eq. 9 mapping + mean pooling),
//                DSA's indexer ((2 d_I + 2) t + projections), Quest's page bounds
//                (4d per page + 2d/g for the min/max update), H2O's accumulation.
// Phases: Quest and H2O sparsify decoding only (their prefill is dense attention);
// MInference's vertical-slash sparsifies prefill only (its decoding is dense). A phase
// a rule does not sparsify costs dense rows.
#include "core/pattern/pattern_spec.h"

#include <cstdint>
#include <string>

namespace sparsescope {

enum class CostPhase { Prefill, Decode };

struct HeadDims {
    int64_t headDim = 64;
    int64_t valueDim = 64;
    int64_t group = 1;  // query heads per KV head
};

struct RowCost {
    double kvTokens = 0;      // K/V rows read (NSA: all three branches, additive)
    double coreTokens = 0;    // tokens the core (token-level) attention computes
    double coreFlops = 0;
    double selectorFlops = 0;
    double selectorKeyReads = 0;  // extra key-sized rows the selector reads (oracle: t keys;
                                  // DSA: t indexer keys of d_I; Quest: page bounds), in
                                  // units of d elements
    bool dense = false;       // the phase is not sparsified by this pattern
    bool dataDependent = false;  // kvTokens is an upper bound (data-dependent selection)
};

// One query at t >= 1 visible keys.
RowCost rowCost(const PatternSpec& spec, int64_t t, const HeadDims& dims, CostPhase phase);

struct SequenceCost {
    double pairs = 0;          // core tokens summed over the rows
    double coreFlops = 0;
    double selectorFlops = 0;  // includes once-per-sequence work (vertical-slash estimate)
    double kvTokensLast = 0;
    bool dataDependent = false;
};

// Prefill of s tokens (rows t = 1..s), per query head.
SequenceCost prefillCost(const PatternSpec& spec, int64_t s, const HeadDims& dims);

// Selector FLOPs of a mask built over n rows (what the metrics charge a mask that
// simulates every row as its method runs it; Quest/H2O rows count as decode steps).
double selectorFlopsForRows(const PatternSpec& spec, int64_t n, const HeadDims& dims);

// NSA's compressed tokens at t keys: floor((t - l)/d) + 1 for t >= l, else 0.
int64_t nsaCompressedTokens(const PatternSpec& spec, int64_t t);
// NSA's selected tokens at t keys: min(n, ceil(t/l')) blocks, the partial own block included.
int64_t nsaSelectedTokens(const PatternSpec& spec, int64_t t);

}  // namespace sparsescope
