#pragma once
// Text shown by the heatmap: token labels for the axes and the hover tooltip.
#include "ui/controller/analysis_results.h"

#include <QString>

namespace sparsescope::ui {

// A token made printable for an axis label: newline, tab and leading/trailing
// spaces made visible, long tokens shortened.
QString displayToken(const std::string& token, int maxChars = 12);

// Query i, key j of the stage's head: positions and tokens, dense weight,
// sparse weight, kept or dropped and by which rule(s).
QString heatmapToolTip(const HeadStage& stage, int64_t i, int64_t j);

// The RuleBit set of (i, j) in the mask, or nullopt when the pair is dropped.
std::optional<uint16_t> maskRules(const SparseMask& mask, int64_t i, int64_t j);

}  // namespace sparsescope::ui
