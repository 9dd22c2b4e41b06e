#pragma once
// The computation behind the comparison view, Qt-free so the view's worker and
// the tests call the same code: pattern A is the main window's head stage (its
// mask and metrics already computed by the controller), pattern B is built and
// measured here with the controller's own MaskSource and headMetrics (core's
// metricsOptionsFor + computeHeadMetrics with the cached DenseReference, i.e.
// what analyzeHead gives). The three pictures share one window and one cell
// count so A, B and their difference are drawn at the same scale.
#include "core/explore/mask_diff.h"
#include "ui/controller/analysis_results.h"
#include "ui/controller/pattern_pipeline.h"

#include <memory>

namespace sparsescope::ui {

struct ComparisonRequest {
    HeadStagePtr a;  // pattern A on the selected head (workload, selection, mask, metrics)
    PatternSpec b;
    // B's mask and metrics from an earlier comparison of the same head and pattern
    // (a resize only needs new pictures); null to compute them.
    std::shared_ptr<const SparseMask> knownMaskB;
    std::shared_ptr<const HeadMetrics> knownMetricsB;
    HeatmapWindow window;  // the cells to draw into (same for all three pictures)
};

struct Comparison {
    HeadStagePtr a;
    PatternSpec b;
    std::shared_ptr<const SparseMask> maskB;
    std::shared_ptr<const HeadMetrics> metricsB;
    MaskDiffCounts counts;
    HeatmapGrid gridA, gridB, diff;  // rule categories (A, B) and DiffClass cells
};

// Throws Error for an invalid pattern B, StageSuperseded when `stale` says so.
Comparison computeComparison(const ComparisonRequest& request, const StaleCheck& stale = {});

}  // namespace sparsescope::ui
