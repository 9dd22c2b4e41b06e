#include "ui/controller/pattern_pipeline.h"

#include "core/common/error.h"
#include "core/metrics/model_analysis.h"
#include "core/model/model.h"
#include "core/pattern/mask_builder.h"
#include "ui/controller/workload_builder.h"

#include <optional>
#include <string>

namespace sparsescope::ui {

bool samePattern(const PatternSpec& a, const PatternSpec& b) { return sameRules(a, b); }

std::vector<const float*> groupQueries(const Workload& w, int layer, int head) {
    return sparsescope::groupQueries(w.layers[size_t(layer)], head);
}

MaskSource::MaskSource(WorkloadPtr workload, const PatternSpec& pattern)
    : workload_(std::move(workload)), pattern_(pattern) {
    validate(pattern_);
}

std::shared_ptr<const SparseMask> MaskSource::mask(int layer, int head) {
    const Workload& w = *workload_;
    if (!pattern_.needsScores()) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!shared_) shared_ = std::make_shared<SparseMask>(buildMask(pattern_, w.n()));
        return shared_;
    }
    // Same scores as analyzeHead: post-RoPE q and k of this head (and of its GQA
    // group, for group selectors), the layer's scale.
    const ConstMapRM q = w.q(layer, head), k = w.k(layer, head);
    ScoreInputs scores{q.data(), k.data(), q.cols(), w.scales[size_t(layer)]};
    const std::vector<const float*> group = groupQueries(w, layer, head);
    scores.groupQ = group.data();
    scores.groupSize = int64_t(group.size());
    return std::make_shared<SparseMask>(buildMask(pattern_, w.n(), &scores));
}

HeatmapGrid MaskSource::keptShare(const SparseMask& mask) {
    if (pattern_.needsScores()) return keptShareThumbnail(mask, kThumbnailCells);
    std::lock_guard<std::mutex> lock(mutex_);
    if (!sharedShare_) sharedShare_ = keptShareThumbnail(mask, kThumbnailCells);
    return *sharedShare_;
}

HeadMetrics headMetrics(const Workload& w, const PatternSpec& pattern, int layer, int head, const SparseMask& mask) {
    std::optional<ConstMapRM> v;
    if (w.hasV) v.emplace(w.v(layer, head));
    const ConstMapRM q = w.q(layer, head);
    const int64_t groupSize = int64_t(groupQueries(w, layer, head).size());
    const MetricsOptions options =
        metricsOptionsFor(pattern, q.rows(), q.cols(), v ? v->cols() : q.cols(), groupSize);
    return computeHeadMetrics(w.q(layer, head), w.k(layer, head), v ? &*v : nullptr, mask,
                              w.dense[size_t(layer)][size_t(head)], options);
}

HeadStage computeHeadStage(const WorkloadPtr& w, MaskSource& masks, HeadSelection sel,
                           std::shared_ptr<const MatrixRM> probs, const StaleCheck& stale) {
    HeadStage s;
    s.workload = w;
    s.pattern = masks.pattern();
    s.selection = sel;
    s.mask = masks.mask(sel.layer, sel.head);
    if (stale && stale()) throw StageSuperseded();
    s.metrics = headMetrics(*w, s.pattern, sel.layer, sel.head, *s.mask);
    if (stale && stale()) throw StageSuperseded();
    s.probs = probs ? std::move(probs) : denseProbabilities(*w, sel.layer, sel.head);
    return s;
}

namespace {

// Metrics and the gallery's kept-share thumbnail of one head, from one mask.
void evalHead(const Workload& w, MaskSource& masks, int l, int h, HeadMetrics& metrics, HeatmapGrid& share,
              const SparseMask* known = nullptr, const HeadMetrics* knownMetrics = nullptr) {
    std::shared_ptr<const SparseMask> own;
    if (!known) {
        own = masks.mask(l, h);
        known = own.get();
    }
    metrics = knownMetrics ? *knownMetrics : headMetrics(w, masks.pattern(), l, h, *known);
    share = masks.keptShare(*known);
}

}  // namespace

LayerStage computeLayerStage(const Workload& w, MaskSource& masks, const HeadStage& selected,
                             const StaleCheck& stale) {
    LayerStage s;
    s.layer = selected.selection.layer;
    const int H = w.headCount();
    s.perHead.resize(size_t(H));
    s.keptShare.resize(size_t(H));
    for (int h = 0; h < H; ++h) {
        if (stale && stale()) throw StageSuperseded();
        const bool sel = h == selected.selection.head;
        evalHead(w, masks, s.layer, h, s.perHead[size_t(h)], s.keptShare[size_t(h)],
                 sel ? selected.mask.get() : nullptr, sel ? &selected.metrics : nullptr);
    }
    s.aggregate = aggregateMetrics(s.perHead);
    return s;
}

ModelAttentionStage computeModelAttentionStage(const Workload& w, MaskSource& masks, const LayerSet& layers,
                                               const LayerStage& done, const StaleCheck& stale) {
    ModelAttentionStage s;
    s.pattern = masks.pattern();
    s.layers = resolveLayers(layers, w.layerCount());
    const int L = w.layerCount(), H = w.headCount();
    s.perHead.assign(size_t(L), std::vector<HeadMetrics>(size_t(H)));
    s.perLayer.assign(size_t(L), {});
    s.keptShare.assign(size_t(L), std::vector<HeatmapGrid>(size_t(H)));
    for (int l = 0; l < L; ++l) {
        if (l == done.layer) {
            s.perHead[size_t(l)] = done.perHead;
            s.keptShare[size_t(l)] = done.keptShare;
        } else {
            for (int h = 0; h < H; ++h) {
                if (stale && stale()) throw StageSuperseded();
                evalHead(w, masks, l, h, s.perHead[size_t(l)][size_t(h)], s.keptShare[size_t(l)][size_t(h)]);
            }
        }
        s.perLayer[size_t(l)] = aggregateMetrics(s.perHead[size_t(l)]);
    }
    std::vector<HeadMetrics> pooled;
    for (int l : s.layers) pooled.insert(pooled.end(), s.perHead[size_t(l)].begin(), s.perHead[size_t(l)].end());
    s.aggregate = aggregateMetrics(pooled);
    return s;
}

std::vector<int> resolveLayers(const LayerSet& layers, int layerCount) {
    std::vector<int> out;
    if (layers.empty()) {
        for (int l = 0; l < layerCount; ++l) out.push_back(l);
        return out;
    }
    for (int l : layers) {
        if (l < 0 || l >= layerCount)
            throw Error("<input>", "layers", "layer " + std::to_string(l) + " does not exist (the workload has " +
                                                 std::to_string(layerCount) + ")");
        out.push_back(l);
    }
    return out;
}

}  // namespace sparsescope::ui
