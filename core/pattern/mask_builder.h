#pragma once
// Pattern -> SparseMask. The semantics are the table in design.md; this is the
// only place that decides which pairs a rule keeps.
#include "core/pattern/pattern_spec.h"
#include "core/pattern/sparse_mask.h"

#include <cstdint>

namespace sparsescope {

// Dense scores q_i . k_j * scale for one head, needed by oracle rules (top-k,
// block top-k). q and k are row-major [n, d].
struct ScoreInputs {
    const float* q = nullptr;
    const float* k = nullptr;
    int64_t d = 0;
    float scale = 1.0f;
};

// Throws Error when the spec is invalid or when it needs scores and none are given.
SparseMask buildMask(const PatternSpec& spec, int64_t n, const ScoreInputs* scores = nullptr);

}  // namespace sparsescope
