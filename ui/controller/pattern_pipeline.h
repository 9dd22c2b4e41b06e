#pragma once
// The pattern-dependent computations behind the live readouts, Qt-free so the
// controller's workers and the tests call the same code. Every figure comes from
// core's computeHeadMetrics/aggregateMetrics with the workload's cached
// DenseReference, so the values equal what analyzeCaptures (the CLI) computes.
#include "ui/controller/analysis_results.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace sparsescope::ui {

// Thrown by the stage functions when `stale()` says a newer request exists.
struct StageSuperseded {};
using StaleCheck = std::function<bool()>;

// Masks for one (workload, pattern): a pattern that needs no scores has one mask
// for every head (built once); top-k style patterns build one per head. Thread-safe.
class MaskSource {
public:
    MaskSource(WorkloadPtr workload, const PatternSpec& pattern);
    std::shared_ptr<const SparseMask> mask(int layer, int head);
    const PatternSpec& pattern() const { return pattern_; }
    // The gallery thumbnail of a mask's kept share; computed once for the shared mask.
    HeatmapGrid keptShare(const SparseMask& mask);

private:
    WorkloadPtr workload_;
    PatternSpec pattern_;
    std::mutex mutex_;
    std::shared_ptr<const SparseMask> shared_;
    std::optional<HeatmapGrid> sharedShare_;
};

// Metrics of one head under `mask` (core's definitions, cached DenseReference).
HeadMetrics headMetrics(const Workload& w, const PatternSpec& pattern, int layer, int head,
                        const SparseMask& mask);

// `probs` may be passed in when the selected head's probabilities are already known.
// Checks `stale` between its steps (mask, metrics, probabilities).
HeadStage computeHeadStage(const WorkloadPtr& w, MaskSource& masks, HeadSelection selection,
                           std::shared_ptr<const MatrixRM> probs, const StaleCheck& stale = {});

// The other heads of the selected layer; `selected` is the head stage's metrics.
LayerStage computeLayerStage(const Workload& w, MaskSource& masks, const HeadStage& selected,
                             const StaleCheck& stale);

// Every head of every layer (reusing the layer stage), pooled over `layers`.
ModelAttentionStage computeModelAttentionStage(const Workload& w, MaskSource& masks, const LayerSet& layers,
                                               const LayerStage& done, const StaleCheck& stale);

// The query heads sharing head's K/V in `layer` (this head included), in head order.
std::vector<const float*> groupQueries(const Workload& w, int layer, int head);

// layers as given, or 0..L-1 when empty; throws Error for a layer out of range.
std::vector<int> resolveLayers(const LayerSet& layers, int layerCount);

}  // namespace sparsescope::ui
