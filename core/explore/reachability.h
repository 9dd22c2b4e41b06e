#pragma once
// Reachability: which keys can influence query i when the same mask M is applied in
// every one of L layers. Information moves one kept pair per layer, so
//   R_1 = M,  R_{l+1} = M o R_l  (boolean product: i reaches j after l + 1 layers
//                                 when some key k kept by row i reaches j after l)
// i.e. R_l = M^l. Because the diagonal is always kept (design.md), R_l grows with l:
// "reached after l layers" and "reached within l layers" are the same thing.
//
// Closed forms (tests/core/test_reachability.cpp checks them):
//   window W alone: query i reaches keys max(0, i - (W-1) L) .. i after L layers
//   window W + stride S, W >= S: every causal key within 2 layers (stride to some
//     k = i - m S with 0 <= k - j < S, then the window of k covers j)
//   any global G >= 1: every query reaches key 0 after 1 layer
//
// Implementation: rows as bitsets of 64-bit words; row i of R_{l+1} is the OR of the
// rows R_l[k] over the kept keys k of row i (causal: only words up to k/64 are
// non-zero). Rows that already reach everything they may reach are copied, and the
// iteration stops early at a fixed point. Cost O(L * kept pairs * n / 64) words at
// worst, O(n^2) bytes for the first-layer table; parallel over rows.
#include "core/heatmap/heatmap_grid.h"
#include "core/pattern/sparse_mask.h"

#include <cstdint>
#include <vector>

namespace sparsescope {

struct Reachability {
    int64_t n = 0;
    int layers = 0;      // L asked for (1 .. 255)
    bool causal = true;  // the keys a query may reach: j <= i (causal) or all j
    // [n, n] row-major: the first layer l (1 .. L) after which key j reaches query i;
    // 0 = not within L layers (and always 0 for j > i when causal).
    std::vector<uint8_t> firstLayer;
    // Per query: the first layer at which it reaches every key it may reach
    // (j <= i, or all n keys); 0 = not within L.
    std::vector<uint8_t> fullAt;
    // Per query: keys reached within L layers.
    std::vector<int64_t> reached;
    // Per query: the length of the unbroken run of reached keys ending at the query
    // (i - j0 + 1 for the smallest j0 with j0 .. i all reached): "how far back".
    std::vector<int64_t> reachBack;
    // [L + 1]: (query, key) pairs reached after l layers; [0] = 0.
    std::vector<int64_t> pairsByLayer;
    // The first layer after which every query reaches its full context (max of
    // fullAt), 0 when some query does not within L; and the same for the last query.
    int fullAllQueries = 0;
    int fullLastQuery = 0;

    uint8_t at(int64_t query, int64_t key) const { return firstLayer[static_cast<size_t>(query * n + key)]; }
};

// Throws Error for layers outside 1 .. 255, n > 16384 (the [n, n] table), a
// malformed mask (row pointers, unsorted or out-of-range keys, causal keys above
// the diagonal) or a row that does not keep its diagonal.
Reachability computeReachability(const SparseMask& mask, int layers, int threads = 0);

// The first-layer table downsampled for a picture (planHeatmapGrid's cells): each
// cell holds its slowest pair, the largest first layer, with a pair not reached
// within L counted as L + 1 (so one unreached pair stays visible), and 0 when the
// cell holds no pair a query may reach (j > i everywhere in it, causal).
// Cost O(pairs in the window).
HeatmapGrid downsampleReachability(const Reachability& r, const HeatmapWindow& window);

}  // namespace sparsescope
