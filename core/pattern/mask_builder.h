#pragma once
// Pattern -> SparseMask. The semantics are the table in design.md plus the method
// rules of docs/methods.md; this is the only place that decides which pairs a rule keeps.
#include "core/pattern/pattern_spec.h"
#include "core/pattern/sparse_mask.h"

#include <cstdint>

namespace sparsescope {

// What data-dependent rules rank keys by: one head's q and k, row-major [n, d]
// (post-RoPE in a model), and the softmax scale.
struct ScoreInputs {
    const float* q = nullptr;
    const float* k = nullptr;
    int64_t d = 0;
    float scale = 1.0f;
    // Grouped-query attention: the queries of every head that shares this head's K
    // (this head included), each row-major [n, d]. Group selectors (NSA's block
    // selection, DSA's indexer) sum over them so the whole group reads the same keys.
    // Null / 0 = the group is this head alone.
    const float* const* groupQ = nullptr;
    int64_t groupSize = 0;
};

// Throws Error when the spec is invalid or when it needs scores and none are given.
// Cost (n = 2048, d = 32, 2 threads): score-free rules ~1-3 ms; see docs/methods.md
// for the method rules.
SparseMask buildMask(const PatternSpec& spec, int64_t n, const ScoreInputs* scores = nullptr);

}  // namespace sparsescope
