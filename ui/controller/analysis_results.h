#pragma once
// The plain result structs the controller hands to the pages, one per stage
// (hotspot's Data:: structs; heaptrack's staged delivery): the selected head
// first, then its layer, then every head of the model, then the model-level loss.
// Each carries the generation it was computed for; the controller drops results
// whose generation is no longer current.
#include "core/heatmap/heatmap_grid.h"
#include "core/metrics/attention_metrics.h"
#include "core/model/evaluation.h"
#include "core/pattern/pattern_spec.h"
#include "core/pattern/sparse_mask.h"
#include "ui/controller/workload.h"

#include <QMetaType>

#include <cstdint>
#include <memory>
#include <vector>

namespace sparsescope::ui {

struct HeadSelection {
    int layer = 0;
    int head = 0;
    bool operator==(const HeadSelection&) const = default;
};

// Which layers the pattern applies to (for the model-level figures); empty = all.
using LayerSet = std::vector<int>;

struct HeadStage {
    uint64_t generation = 0;
    std::shared_ptr<const Workload> workload;
    PatternSpec pattern;
    HeadSelection selection;
    std::shared_ptr<const SparseMask> mask;   // the selected head's mask
    std::shared_ptr<const MatrixRM> probs;    // its dense probabilities [n, n]
    HeadMetrics metrics;
};

struct LayerStage {
    uint64_t generation = 0;
    int layer = 0;
    std::vector<HeadMetrics> perHead;
    HeadMetrics aggregate;
    std::vector<HeatmapGrid> keptShare;  // [head] thumbnails of the mask
};

struct ModelAttentionStage {
    uint64_t generation = 0;
    PatternSpec pattern;
    LayerSet layers;                                  // the layers pooled into `aggregate`
    std::vector<std::vector<HeadMetrics>> perHead;    // [layer][head], every layer
    std::vector<HeadMetrics> perLayer;                // aggregate of each layer
    HeadMetrics aggregate;                            // pooled over `layers`
    std::vector<std::vector<HeatmapGrid>> keptShare;  // [layer][head] thumbnails of the mask
};

struct ModelEvalStage {
    uint64_t generation = 0;
    PatternSpec pattern;
    LayerSet layers;
    ModelEval eval;
};

using HeadStagePtr = std::shared_ptr<const HeadStage>;
using LayerStagePtr = std::shared_ptr<const LayerStage>;
using ModelAttentionStagePtr = std::shared_ptr<const ModelAttentionStage>;
using ModelEvalStagePtr = std::shared_ptr<const ModelEvalStage>;
using WorkloadPtr = std::shared_ptr<const Workload>;
using ThumbnailsPtr = std::shared_ptr<const Thumbnails>;

// Same rules and parameters (the preset name is ignored).
bool samePattern(const PatternSpec& a, const PatternSpec& b);

}  // namespace sparsescope::ui

Q_DECLARE_METATYPE(sparsescope::ui::HeadStagePtr)
Q_DECLARE_METATYPE(sparsescope::ui::LayerStagePtr)
Q_DECLARE_METATYPE(sparsescope::ui::ModelAttentionStagePtr)
Q_DECLARE_METATYPE(sparsescope::ui::ModelEvalStagePtr)
Q_DECLARE_METATYPE(sparsescope::ui::WorkloadPtr)
Q_DECLARE_METATYPE(sparsescope::ui::ThumbnailsPtr)
