#pragma once
// Model-level accuracy of a sparse pattern: the same text through the model
// dense and with the pattern inside the chosen layers, compared on next-token
// prediction. Definitions (design.md, "Metrics", model-level), over positions
// t = 0..T-2 predicting ids[t+1]:
//   loss       = mean_t ( logsumexp(logits[t]) - logits[t][ids[t+1]] )   (nats)
//   lossDelta  = lossSparse - lossDense
//   pplRatio   = exp(lossDelta)
//   top1Agreement = share of t whose argmax (first maximum) is the same dense vs sparse
#include "core/common/tensor.h"
#include "core/model/model.h"
#include "core/pattern/pattern_spec.h"

#include <cstdint>
#include <vector>

namespace sparsescope {

struct ModelEval {
    int tokens = 0;  // T (positions scored: T - 1)
    double lossDense = 0.0;
    double lossSparse = 0.0;
    double lossDelta = 0.0;
    double pplRatio = 1.0;
    double top1Agreement = 1.0;
};

// Mean next-token cross-entropy (nats) of logits [T, V] for ids [T]. Needs T >= 2.
double nextTokenLoss(const MatrixRM& logits, const std::vector<int32_t>& ids);

// Compares two logits matrices of the same ids (e.g. a cached dense run with a new sparse one).
ModelEval compareNextToken(const MatrixRM& denseLogits, const MatrixRM& sparseLogits,
                           const std::vector<int32_t>& ids);

// Runs the model dense and sparse (pattern in sparseLayers, empty = all layers).
// Throws Error for fewer than 2 tokens and whatever forward() throws.
ModelEval evaluateSparse(const Model& model, const std::vector<int32_t>& ids, const PatternSpec& pattern,
                         const std::vector<int>& sparseLayers = {}, int threads = 0,
                         const ForwardProgress& progress = {});

}  // namespace sparsescope
