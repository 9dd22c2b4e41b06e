#include "core/heatmap/heatmap_grid.h"

#include "core/common/error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace sparsescope {

namespace {

// Cell of token t in a span [begin, begin + span) drawn into `cells` cells.
inline int64_t cellOf(int64_t t, int64_t begin, int64_t span, int64_t cells) {
    return (t - begin) * cells / span;
}

// First token of cell c: the smallest t with (t - begin) * cells / span >= c.
inline int64_t firstOfCell(int64_t c, int64_t begin, int64_t span, int64_t cells) {
    return begin + (c * span + cells - 1) / cells;
}

std::vector<int32_t> columnCells(const HeatmapGrid& g) {
    const int64_t span = g.col1 - g.col0;
    std::vector<int32_t> x(static_cast<size_t>(span));
    for (int64_t j = 0; j < span; ++j) x[static_cast<size_t>(j)] = static_cast<int32_t>(j * g.cellsX / span);
    return x;
}

}  // namespace

int ruleCategory(uint16_t rules) {
    if (rules & kRuleHeavyHitter) return kCatHeavyHitter;
    if (rules & kRuleIndexer) return kCatIndexer;
    if (rules & kRuleSlash) return kCatSlash;
    if (rules & kRuleVertical) return kCatVertical;
    if (rules & kRuleQuestPage) return kCatQuestPage;
    if (rules & kRuleNsaSelected) return kCatNsaSelected;
    if (rules & kRuleNsaCompressed) return kCatNsaCompressed;
    if (rules & kRuleNsaWindow) return kCatNsaWindow;
    if (rules & kRuleRandom) return kCatRandom;
    if (rules & kRuleTopK) return kCatTopK;
    if (rules & kRuleBlockTopK) return kCatBlockTopK;
    if (rules & kRuleStride) return kCatStride;
    if (rules & kRuleGlobal) return kCatGlobal;
    if (rules & kRuleWindow) return kCatWindow;
    if (rules & kRuleDense) return kCatDense;
    return kCatDiagonal;
}

HeatmapGrid planHeatmapGrid(int64_t n, const HeatmapWindow& w) {
    if (n < 1) throw Error("<input>", "heatmap", "needs at least one token");
    HeatmapGrid g;
    g.row0 = std::clamp<int64_t>(w.row0, 0, n);
    g.row1 = std::clamp<int64_t>(w.row1, 0, n);
    g.col0 = std::clamp<int64_t>(w.col0, 0, n);
    g.col1 = std::clamp<int64_t>(w.col1, 0, n);
    if (g.row1 <= g.row0 || g.col1 <= g.col0)
        throw Error("<input>", "heatmap", "the window [" + std::to_string(w.row0) + ", " + std::to_string(w.row1) +
                                              ") x [" + std::to_string(w.col0) + ", " + std::to_string(w.col1) +
                                              ") holds no pair of " + std::to_string(n) + " tokens");
    g.cellsX = std::clamp<int64_t>(w.maxCellsX, 1, g.col1 - g.col0);
    g.cellsY = std::clamp<int64_t>(w.maxCellsY, 1, g.row1 - g.row0);
    g.values.assign(static_cast<size_t>(g.cellsX * g.cellsY), 0.0f);
    return g;
}

HeatmapGrid downsampleRules(const SparseMask& mask, const HeatmapWindow& window) {
    HeatmapGrid g = planHeatmapGrid(mask.n, window);
    const int64_t spanX = g.col1 - g.col0, spanY = g.row1 - g.row0;
    // Causal pairs: the last row of a cell row reaches furthest right, so its causal
    // range covers the ranges of the rows above it in the same cell row.
    for (int64_t y = 0; y < g.cellsY; ++y) {
        const int64_t lastRow = firstOfCell(y + 1, g.row0, spanY, g.cellsY) - 1;
        const int64_t end = mask.causal ? std::min(g.col1, lastRow + 1) : g.col1;
        if (end <= g.col0) continue;
        const int64_t xEnd = cellOf(end - 1, g.col0, spanX, g.cellsX);
        float* row = g.values.data() + y * g.cellsX;
        for (int64_t x = 0; x <= xEnd; ++x) row[x] = float(kCatDropped);
    }
    for (int64_t i = g.row0; i < g.row1; ++i) {
        float* row = g.values.data() + cellOf(i, g.row0, spanY, g.cellsY) * g.cellsX;
        const auto first = mask.cols.begin() + mask.rowBegin(i), last = mask.cols.begin() + mask.rowEnd(i);
        for (auto it = std::lower_bound(first, last, static_cast<int32_t>(g.col0)); it != last && *it < g.col1; ++it) {
            const size_t e = static_cast<size_t>(it - mask.cols.begin());
            float& cell = row[cellOf(*it, g.col0, spanX, g.cellsX)];
            cell = std::max(cell, float(ruleCategory(mask.rules[e])));
        }
    }
    return g;
}

HeatmapGrid downsampleMass(const float* probs, const SparseMask& mask, const std::vector<double>& rowRecall,
                           MassQuantity quantity, const HeatmapWindow& window) {
    HeatmapGrid g = planHeatmapGrid(mask.n, window);
    if (quantity == MassQuantity::Sparse && static_cast<int64_t>(rowRecall.size()) != mask.n)
        throw Error("<input>", "heatmap", "the sparse view needs the recall of every row");
    const int64_t n = mask.n, spanY = g.row1 - g.row0;
    const std::vector<int32_t> xOf = columnCells(g);
    for (int64_t i = g.row0; i < g.row1; ++i) {
        float* row = g.values.data() + cellOf(i, g.row0, spanY, g.cellsY) * g.cellsX;
        const float* p = probs + i * n;
        const int64_t end = mask.causal ? std::min(g.col1, i + 1) : g.col1;
        const auto first = mask.cols.begin() + mask.rowBegin(i), last = mask.cols.begin() + mask.rowEnd(i);
        auto kept = std::lower_bound(first, last, static_cast<int32_t>(g.col0));
        const double r = quantity == MassQuantity::Sparse ? rowRecall[static_cast<size_t>(i)] : 1.0;
        const float inv = r > 0 ? static_cast<float>(1.0 / r) : 0.0f;
        for (int64_t j = g.col0; j < end; ++j) {
            const bool isKept = kept != last && *kept == j;
            if (isKept) ++kept;
            float v = p[j];
            if (quantity == MassQuantity::Sparse) v = isKept ? v * inv : 0.0f;
            else if (quantity == MassQuantity::Dropped) v = isKept ? 0.0f : v;
            row[xOf[static_cast<size_t>(j - g.col0)]] += v;
        }
    }
    return g;
}

HeatmapGrid denseThumbnail(ConstMapRM q, ConstMapRM k, const DenseReference& ref, int64_t cells) {
    const int64_t n = q.rows();
    if (ref.n != n || k.rows() != n || k.cols() != q.cols())
        throw Error("<input>", "thumbnail", "Q, K and the dense reference disagree on the shape");
    HeatmapWindow w{0, n, 0, n, cells, cells};
    HeatmapGrid g = planHeatmapGrid(n, w);
    const std::vector<int32_t> xOf = columnCells(g);
    constexpr int64_t kRows = 64;
    for (int64_t r0 = 0; r0 < n; r0 += kRows) {
        const int64_t r1 = std::min(n, r0 + kRows);
        const int64_t keys = ref.causal ? r1 : n;
        const MatrixRM s = (q.middleRows(r0, r1 - r0) * k.topRows(keys).transpose()) * ref.scale;
        for (int64_t i = r0; i < r1; ++i) {
            float* row = g.values.data() + cellOf(i, 0, n, g.cellsY) * g.cellsX;
            const double lse = ref.lse[static_cast<size_t>(i)];
            const int64_t limit = ref.causal ? i + 1 : n;
            for (int64_t j = 0; j < limit; ++j)
                row[xOf[static_cast<size_t>(j)]] += static_cast<float>(std::exp(double(s(i - r0, j)) - lse));
        }
    }
    return g;
}

HeatmapGrid keptShareThumbnail(const SparseMask& mask, int64_t cells) {
    const int64_t n = mask.n;
    HeatmapWindow w{0, n, 0, n, cells, cells};
    HeatmapGrid g = planHeatmapGrid(n, w);
    std::vector<double> possible(g.values.size(), 0.0), kept(g.values.size(), 0.0);
    for (int64_t i = 0; i < n; ++i) {
        const int64_t y = cellOf(i, 0, n, g.cellsY);
        double* pRow = possible.data() + y * g.cellsX;
        double* kRow = kept.data() + y * g.cellsX;
        const int64_t end = mask.causal ? i + 1 : n;  // causal columns 0..end-1
        for (int64_t x = 0; x < g.cellsX; ++x) {
            const int64_t a = firstOfCell(x, 0, n, g.cellsX), b = firstOfCell(x + 1, 0, n, g.cellsX);
            if (a >= end) break;
            pRow[x] += double(std::min(b, end) - a);
        }
        for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e) kRow[cellOf(mask.cols[e], 0, n, g.cellsX)] += 1.0;
    }
    for (size_t c = 0; c < g.values.size(); ++c)
        g.values[c] = possible[c] > 0 ? static_cast<float>(kept[c] / possible[c]) : 0.0f;
    return g;
}

}  // namespace sparsescope
