#include "core/metrics/head_analysis.h"

#include "core/common/error.h"
#include "core/pattern/mask_builder.h"

#include <cmath>
#include <optional>
#include <string>

namespace sparsescope {

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
    result.scale = scale > 0 ? scale : 1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(1, q.d)));
    result.hasV = v != nullptr;

    MetricsOptions options;
    options.blockSize = spec.blockSize;
    options.oracleSelection = spec.needsScores();

    // Score-free patterns give every head the same mask: build it once.
    std::optional<SparseMask> shared;
    if (!spec.needsScores()) shared = buildMask(spec, q.n);

    for (int64_t h = 0; h < q.heads; ++h) {
        const ConstMapRM qh = q.head(h), kh = k.head(h);
        std::optional<ConstMapRM> vh;
        if (v) vh.emplace(v->head(h));
        const ConstMapRM* vp = vh ? &*vh : nullptr;
        SparseMask own;
        if (!shared) {
            ScoreInputs scores{qh.data(), kh.data(), q.d, result.scale};
            own = buildMask(spec, q.n, &scores);
        }
        const SparseMask& mask = shared ? *shared : own;
        const DenseReference ref = computeDenseReference(qh, kh, vp, result.scale, spec.causal);
        result.perHead.push_back(computeHeadMetrics(qh, kh, vp, mask, ref, options));
    }
    result.aggregate = aggregateMetrics(result.perHead);
    return result;
}

}  // namespace sparsescope
