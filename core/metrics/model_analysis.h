#pragma once
// Attention-level metrics of a pattern over a whole model: every head of every
// captured layer (post-RoPE Q and K, V as the model computed them), per layer
// and pooled over the layers the pattern applies to.
#include "core/metrics/head_analysis.h"

#include <vector>

namespace sparsescope {

struct LayerCapture;

struct ModelAnalysis {
    int64_t tokens = 0;
    PatternSpec pattern;
    std::vector<int> layers;                 // the layers analysed
    HeadMetrics aggregate;                   // pooled over every head of those layers
    std::vector<AnalysisResult> perLayer;    // one per analysed layer
};

// The queries of every head that shares head h's K/V (its GQA group, h included),
// for the group selectors (NSA, DSA). Pointers into the capture.
std::vector<const float*> groupQueries(const LayerCapture& capture, int64_t head);

// layers empty = every captured layer. scale <= 0: 1/sqrt(head dim).
ModelAnalysis analyzeCaptures(const std::vector<LayerCapture>& captures, const PatternSpec& spec,
                              const std::vector<int>& layers = {}, float scale = 0.0f);

}  // namespace sparsescope
