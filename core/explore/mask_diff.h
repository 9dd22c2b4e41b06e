#pragma once
// Two masks of the same n side by side: per causal pair, which of them keeps it.
// For the comparison view (pattern A against pattern B on one head) and its
// readout of how many pairs each pattern keeps that the other drops.
// Cost O(kept pairs of both masks) for the counts; the downsampled picture costs
// O(kept pairs in the window + cells), like core/heatmap's downsampleRules.
#include "core/heatmap/heatmap_grid.h"
#include "core/pattern/sparse_mask.h"

#include <cstdint>

namespace sparsescope {

// What one pair (or one heatmap cell) of the difference shows, in increasing priority:
// a cell holding several classes shows the highest, so a single pair kept by only one
// pattern stays visible when zoomed out. kDiffMixed exists only for cells (a cell that
// holds pairs kept by A only and pairs kept by B only).
enum DiffClass : int {
    kDiffOutside = 0,  // not a causal pair (j > i)
    kDiffNeither = 1,  // causal, kept by neither mask
    kDiffBoth = 2,
    kDiffBOnly = 3,
    kDiffAOnly = 4,
    kDiffMixed = 5,
    kDiffCount = 6
};

struct MaskDiffCounts {
    int64_t aOnly = 0, bOnly = 0, both = 0;
    int64_t neither = 0;  // causal (or, bidirectional, all) pairs kept by neither
    int64_t possible = 0; // n(n+1)/2 causal, n^2 bidirectional
};

// Throws Error when the masks differ in n or in causality.
MaskDiffCounts countMaskDiff(const SparseMask& a, const SparseMask& b);

// Class of pair (i, j); kDiffOutside for j > i in a causal mask. O(log row size).
DiffClass classifyPair(const SparseMask& a, const SparseMask& b, int64_t i, int64_t j);

// The difference drawn into the cells of `window` (planHeatmapGrid's cells); each
// cell holds a DiffClass as float. Throws like countMaskDiff and planHeatmapGrid.
HeatmapGrid downsampleDiff(const SparseMask& a, const SparseMask& b, const HeatmapWindow& window);

}  // namespace sparsescope
