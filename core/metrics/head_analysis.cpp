#include "core/metrics/head_analysis.h"

#include "core/common/error.h"
#include "core/cost/method_cost.h"
#include "core/pattern/mask_builder.h"

#include <cmath>
#include <optional>
#include <string>

namespace sparsescope {

float defaultScale(int64_t d) {
    return 1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(1, d)));
}

HeadMetrics analyzeHead(ConstMapRM q, ConstMapRM k, const ConstMapRM* v, const PatternSpec& spec,
                        float scale, const SparseMask* sharedMask, const std::vector<const float*>* groupQ) {
    SparseMask own;
    if (!sharedMask) {
        ScoreInputs scores{q.data(), k.data(), q.cols(), scale};
        if (groupQ && !groupQ->empty()) {
            scores.groupQ = groupQ->data();
            scores.groupSize = static_cast<int64_t>(groupQ->size());
        }
        own = buildMask(spec, q.rows(), &scores);
    }
    const SparseMask& mask = sharedMask ? *sharedMask : own;
    MetricsOptions options;
    options.blockSize = spec.blockSize;
    options.oracleSelection = spec.usesOracle();
    if (spec.causal) {
        // The selector's work as core/cost counts it (oracle: the dense q.k pass).
        const HeadDims dims{q.cols(), v ? v->cols() : q.cols(),
                            groupQ && !groupQ->empty() ? static_cast<int64_t>(groupQ->size()) : 1};
        options.selectorFlops = selectorFlopsForRows(spec, q.rows(), dims);
    }
    if (!spec.dense) options.indexerTopk = spec.indexerTopk;
    const DenseReference ref = computeDenseReference(q, k, v, scale, spec.causal);
    return computeHeadMetrics(q, k, v, mask, ref, options);
}

AnalysisResult analyzeHeads(const HeadTensor& q, const HeadTensor& k, const HeadTensor* v,
                            const PatternSpec& spec, float scale) {
    if (q.heads != k.heads || q.n != k.n || q.d != k.d)
        throw Error("<input>", "k", "K must have the shape of Q [h, n, d]");
    if (v && (v->heads != q.heads || v->n != q.n))
        throw Error("<input>", "v", "V must have the heads and rows of Q");
    validate(spec);
    AnalysisResult result;
    result.n = q.n;
    result.heads = q.heads;
    result.pattern = spec;
    result.scale = scale > 0 ? scale : defaultScale(q.d);
    result.hasV = v != nullptr;

    // Score-free patterns give every head the same mask: build it once.
    std::optional<SparseMask> shared;
    if (!spec.needsScores()) shared = buildMask(spec, q.n);
    for (int64_t h = 0; h < q.heads; ++h) {
        std::optional<ConstMapRM> vh;
        if (v) vh.emplace(v->head(h));
        result.perHead.push_back(analyzeHead(q.head(h), k.head(h), vh ? &*vh : nullptr, spec,
                                             result.scale, shared ? &*shared : nullptr));
    }
    result.aggregate = aggregateMetrics(result.perHead);
    return result;
}

}  // namespace sparsescope
