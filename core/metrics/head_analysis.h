#pragma once
// analyze: a pattern applied to every head of a Q/K(/V) set, with per-head and
// aggregate metrics. What `sparsescope-cli analyze` prints and the GUI shows.
#include "core/common/tensor.h"
#include "core/metrics/attention_metrics.h"
#include "core/pattern/pattern_spec.h"
#include "core/pattern/sparse_mask.h"

#include <vector>

namespace sparsescope {

struct AnalysisResult {
    int64_t n = 0;
    int64_t heads = 0;
    PatternSpec pattern;
    float scale = 1.0f;
    bool hasV = false;
    HeadMetrics aggregate;
    std::vector<HeadMetrics> perHead;
};

// 1/sqrt(d), the scale every attention here uses unless told otherwise.
float defaultScale(int64_t d);

// One head: builds the mask (or uses `sharedMask` for score-free patterns) and
// measures it against the dense head. v may be null. groupQ: the queries [n, d] of
// every head sharing this head's K (GQA group, this head included) for the group
// selectors (NSA, DSA); null = this head alone.
HeadMetrics analyzeHead(ConstMapRM q, ConstMapRM k, const ConstMapRM* v, const PatternSpec& spec,
                        float scale, const SparseMask* sharedMask = nullptr,
                        const std::vector<const float*>* groupQ = nullptr);

// scale <= 0 means the default 1/sqrt(d). v may be null.
AnalysisResult analyzeHeads(const HeadTensor& q, const HeadTensor& k, const HeadTensor* v,
                            const PatternSpec& spec, float scale = 0.0f);

}  // namespace sparsescope
