#include "core/metrics/model_analysis.h"

#include "core/common/error.h"
#include "core/model/model.h"
#include "core/pattern/mask_builder.h"

#include <optional>
#include <string>

namespace sparsescope {

ModelAnalysis analyzeCaptures(const std::vector<LayerCapture>& captures, const PatternSpec& spec,
                              const std::vector<int>& layers, float scale) {
    validate(spec);
    ModelAnalysis result;
    result.pattern = spec;
    result.layers = layers;
    if (result.layers.empty())
        for (size_t l = 0; l < captures.size(); ++l) result.layers.push_back(static_cast<int>(l));
    std::vector<HeadMetrics> all;
    std::optional<SparseMask> shared;
    for (int l : result.layers) {
        if (l < 0 || static_cast<size_t>(l) >= captures.size())
            throw Error("<input>", "layers", "layer " + std::to_string(l) + " does not exist (the model has " +
                                                 std::to_string(captures.size()) + ")");
        const LayerCapture& cap = captures[static_cast<size_t>(l)];
        AnalysisResult layer;
        layer.n = cap.q.n;
        layer.heads = cap.q.heads;
        layer.pattern = spec;
        layer.scale = scale > 0 ? scale : defaultScale(cap.q.d);
        layer.hasV = true;
        result.tokens = cap.q.n;
        if (!spec.needsScores() && !shared) shared = buildMask(spec, cap.q.n);
        for (int64_t h = 0; h < cap.q.heads; ++h) {
            const ConstMapRM v = cap.value(h);
            // The query heads that share this head's K/V (its GQA group).
            std::vector<const float*> group;
            for (int64_t g = 0; g < cap.q.heads; ++g)
                if (cap.kvHeadOf[static_cast<size_t>(g)] == cap.kvHeadOf[static_cast<size_t>(h)])
                    group.push_back(cap.q.head(g).data());
            layer.perHead.push_back(analyzeHead(cap.q.head(h), cap.key(h), &v, spec, layer.scale,
                                                shared ? &*shared : nullptr, &group));
        }
        layer.aggregate = aggregateMetrics(layer.perHead);
        all.insert(all.end(), layer.perHead.begin(), layer.perHead.end());
        result.perLayer.push_back(std::move(layer));
    }
    result.aggregate = aggregateMetrics(all);
    return result;
}

}  // namespace sparsescope
