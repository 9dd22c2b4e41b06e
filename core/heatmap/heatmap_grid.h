#pragma once
// Downsampling an n x n attention picture to what a screen can show, without
// ever building an n x n image: the GUI asks for a window of query rows
// [row0, row1) x key columns [col0, col1) drawn into at most cellsX x cellsY
// cells. Cell x covers the columns j with floor((j - col0) * cellsX / spanX) = x
// (the same for rows), so every cell has the same width in token units.
//   masks:  a cell holds the largest rule category of its pairs ("max per block":
//           one random link in a block is still visible)
//   mass:   a cell holds the sum of its pairs' weights (total attention mass, so
//           zooming out never hides where the mass is)
// Cost O(rows x columns in the window + kept pairs in it); memory O(cells).
#include "core/common/tensor.h"
#include "core/metrics/attention_metrics.h"
#include "core/pattern/sparse_mask.h"

#include <cstdint>
#include <vector>

namespace sparsescope {

// What a heatmap cell shows in the mask view, in increasing priority: when
// several rules kept a pair (or several pairs share a cell) the largest wins.
enum RuleCategory : int {
    kCatOutside = 0,   // not a causal pair (j > i)
    kCatDropped = 1,   // causal but not kept
    kCatDiagonal = 2,  // kept only because j == i
    kCatDense = 3,
    kCatWindow = 4,
    kCatGlobal = 5,
    kCatStride = 6,
    kCatBlockTopK = 7,
    kCatTopK = 8,
    kCatRandom = 9,
    // Method rules (RuleBit 8..15, docs/methods.md).
    kCatNsaWindow = 10,
    kCatNsaCompressed = 11,
    kCatNsaSelected = 12,
    kCatQuestPage = 13,
    kCatVertical = 14,
    kCatSlash = 15,
    kCatIndexer = 16,
    kCatHeavyHitter = 17,
    kCatCount = 18
};

// The category of one kept entry from its RuleBit set.
int ruleCategory(uint16_t rules);

struct HeatmapWindow {
    int64_t row0 = 0, row1 = 0;  // query rows [row0, row1)
    int64_t col0 = 0, col1 = 0;  // key columns [col0, col1)
    int64_t maxCellsX = 512, maxCellsY = 512;
};

struct HeatmapGrid {
    int64_t row0 = 0, row1 = 0, col0 = 0, col1 = 0;
    int64_t cellsX = 0, cellsY = 0;
    std::vector<float> values;  // [cellsY, cellsX] row-major; cell (x, y) = values[y * cellsX + x]

    float at(int64_t x, int64_t y) const { return values[static_cast<size_t>(y * cellsX + x)]; }
    double colsPerCell() const { return cellsX ? double(col1 - col0) / double(cellsX) : 0.0; }
    double rowsPerCell() const { return cellsY ? double(row1 - row0) / double(cellsY) : 0.0; }
};

// Clamps the window to [0, n) and picks the cell counts (at most one cell per token).
// Throws Error for n < 1 or an empty window.
HeatmapGrid planHeatmapGrid(int64_t n, const HeatmapWindow& window);

HeatmapGrid downsampleRules(const SparseMask& mask, const HeatmapWindow& window);

enum class MassQuantity {
    Dense,    // p_ij for every causal pair
    Sparse,   // p_ij / r_i for kept pairs (the sparse softmax), 0 for dropped ones
    Dropped,  // p_ij for causal pairs the mask drops (where accuracy goes)
};

// probs: the head's dense probabilities [n, n] row-major (zeros above the diagonal);
// rowRecall: r_i per row (needed by Sparse; may be empty otherwise).
HeatmapGrid downsampleMass(const float* probs, const SparseMask& mask,
                           const std::vector<double>& rowRecall, MassQuantity quantity,
                           const HeatmapWindow& window);

// A small overview of a head's dense attention: cells x cells grid of summed
// probabilities p_ij = exp(q_i.k_j*scale - lse_i), computed from Q, K and the
// DenseReference without storing the n x n matrix. Causal heads only.
HeatmapGrid denseThumbnail(ConstMapRM q, ConstMapRM k, const DenseReference& ref, int64_t cells);

// Share of the causal pairs in each cell that the mask keeps (cells x cells).
HeatmapGrid keptShareThumbnail(const SparseMask& mask, int64_t cells);

}  // namespace sparsescope
