#include "core/explore/mask_diff.h"

#include "core/common/error.h"

#include <algorithm>
#include <string>

namespace sparsescope {

namespace {

void checkSameShape(const SparseMask& a, const SparseMask& b) {
    if (a.n != b.n)
        throw Error("<input>", "masks", "pattern A has " + std::to_string(a.n) + " tokens, pattern B " +
                                            std::to_string(b.n) + "; a difference needs the same n");
    if (a.causal != b.causal) throw Error("<input>", "masks", "one mask is causal and the other is not");
}

// Same cell mapping as core/heatmap (heatmap_grid.cpp).
inline int64_t cellOf(int64_t t, int64_t begin, int64_t span, int64_t cells) { return (t - begin) * cells / span; }
inline int64_t firstOfCell(int64_t c, int64_t begin, int64_t span, int64_t cells) {
    return begin + (c * span + cells - 1) / cells;
}

// Walks the kept keys of row i in [col0, col1) of both masks in ascending order
// (a merge of two sorted lists) and calls f(j, keptByA, keptByB).
template <class F>
void mergeRow(const SparseMask& a, const SparseMask& b, int64_t i, int64_t col0, int64_t col1, F f) {
    auto ia = std::lower_bound(a.cols.begin() + a.rowBegin(i), a.cols.begin() + a.rowEnd(i), int32_t(col0));
    auto ib = std::lower_bound(b.cols.begin() + b.rowBegin(i), b.cols.begin() + b.rowEnd(i), int32_t(col0));
    const auto ea = a.cols.begin() + a.rowEnd(i), eb = b.cols.begin() + b.rowEnd(i);
    while (true) {
        const int64_t ja = ia != ea && *ia < col1 ? *ia : col1;
        const int64_t jb = ib != eb && *ib < col1 ? *ib : col1;
        const int64_t j = std::min(ja, jb);
        if (j >= col1) return;
        f(j, ja == j, jb == j);
        if (ja == j) ++ia;
        if (jb == j) ++ib;
    }
}

}  // namespace

MaskDiffCounts countMaskDiff(const SparseMask& a, const SparseMask& b) {
    checkSameShape(a, b);
    MaskDiffCounts c;
    c.possible = possiblePairs(a.n, a.causal);
    for (int64_t i = 0; i < a.n; ++i)
        mergeRow(a, b, i, 0, a.n, [&c](int64_t, bool inA, bool inB) {
            if (inA && inB) ++c.both;
            else if (inA) ++c.aOnly;
            else ++c.bOnly;
        });
    c.neither = c.possible - c.both - c.aOnly - c.bOnly;
    return c;
}

DiffClass classifyPair(const SparseMask& a, const SparseMask& b, int64_t i, int64_t j) {
    checkSameShape(a, b);
    if (i < 0 || j < 0 || i >= a.n || j >= a.n)
        throw Error("<input>", "pair", "(" + std::to_string(i) + ", " + std::to_string(j) + ") is outside " +
                                           std::to_string(a.n) + " tokens");
    if (a.causal && j > i) return kDiffOutside;
    auto kept = [i, j](const SparseMask& m) {
        const auto first = m.cols.begin() + m.rowBegin(i), last = m.cols.begin() + m.rowEnd(i);
        return std::binary_search(first, last, int32_t(j));
    };
    const bool inA = kept(a), inB = kept(b);
    return inA && inB ? kDiffBoth : inA ? kDiffAOnly : inB ? kDiffBOnly : kDiffNeither;
}

HeatmapGrid downsampleDiff(const SparseMask& a, const SparseMask& b, const HeatmapWindow& window) {
    checkSameShape(a, b);
    HeatmapGrid g = planHeatmapGrid(a.n, window);
    const int64_t spanX = g.col1 - g.col0, spanY = g.row1 - g.row0;
    // Cells holding at least one causal pair start as "neither" (as downsampleRules does).
    for (int64_t y = 0; y < g.cellsY; ++y) {
        const int64_t lastRow = firstOfCell(y + 1, g.row0, spanY, g.cellsY) - 1;
        const int64_t end = a.causal ? std::min(g.col1, lastRow + 1) : g.col1;
        if (end <= g.col0) continue;
        const int64_t xEnd = cellOf(end - 1, g.col0, spanX, g.cellsX);
        std::fill(g.values.begin() + y * g.cellsX, g.values.begin() + y * g.cellsX + xEnd + 1, float(kDiffNeither));
    }
    for (int64_t i = g.row0; i < g.row1; ++i) {
        float* row = g.values.data() + cellOf(i, g.row0, spanY, g.cellsY) * g.cellsX;
        mergeRow(a, b, i, g.col0, g.col1, [&](int64_t j, bool inA, bool inB) {
            float& cell = row[cellOf(j, g.col0, spanX, g.cellsX)];
            const int cls = inA && inB ? kDiffBoth : inA ? kDiffAOnly : kDiffBOnly;
            const int now = int(cell);
            // A-only next to B-only in one cell is its own class; otherwise the higher wins.
            if ((now == kDiffAOnly && cls == kDiffBOnly) || (now == kDiffBOnly && cls == kDiffAOnly)) cell = kDiffMixed;
            else cell = float(std::max(now, cls));
        });
    }
    return g;
}

}  // namespace sparsescope
