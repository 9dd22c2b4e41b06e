// Multi-hop reachability through a mask applied in every layer (reachability.h).
#include "core/explore/reachability.h"

#include "core/common/error.h"
#include "core/common/parallel.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <string>

namespace sparsescope {

namespace {

constexpr int64_t kMaxTokens = 16384;

void checkMask(const SparseMask& m) {
    if (m.n < 1) throw Error("<input>", "mask", "reachability needs at least one token");
    if (m.n > kMaxTokens)
        throw Error("<input>", "mask", "reachability is limited to " + std::to_string(kMaxTokens) +
                                           " tokens (an n x n table), got " + std::to_string(m.n));
    if (m.rowPtr.size() != size_t(m.n) + 1 || m.rowPtr.front() != 0 || m.rowPtr.back() != m.keptPairs())
        throw Error("<input>", "mask", "row pointers do not match the kept entries");
    for (int64_t i = 0; i < m.n; ++i) {
        if (m.rowEnd(i) < m.rowBegin(i)) throw Error("<input>", "mask", "row pointers must not decrease");
        bool diagonal = false;
        for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e) {
            const int64_t j = m.cols[size_t(e)];
            if (j < 0 || j >= m.n || (m.causal && j > i))
                throw Error("<input>", "mask", "row " + std::to_string(i) + " keeps key " + std::to_string(j) +
                                                   ", outside the keys it may see");
            if (e > m.rowBegin(i) && j <= m.cols[size_t(e - 1)])
                throw Error("<input>", "mask", "row " + std::to_string(i) + " keys are not sorted ascending");
            diagonal = diagonal || j == i;
        }
        if (!diagonal)
            throw Error("<input>", "mask", "row " + std::to_string(i) + " does not keep its diagonal (design.md: always kept)");
    }
}

}  // namespace

Reachability computeReachability(const SparseMask& mask, int layers, int threads) {
    if (layers < 1 || layers > 255)
        throw Error("<input>", "layers", "reachability needs 1 .. 255 layers, got " + std::to_string(layers));
    checkMask(mask);
    const int64_t n = mask.n, words = (n + 63) / 64;
    Reachability r;
    r.n = n;
    r.layers = layers;
    r.causal = mask.causal;
    r.firstLayer.assign(size_t(n * n), 0);
    r.fullAt.assign(size_t(n), 0);
    r.reached.assign(size_t(n), 0);
    r.reachBack.assign(size_t(n), 0);
    r.pairsByLayer.assign(size_t(layers) + 1, 0);

    // Keys query i may reach, and the words its bitset can use.
    auto allowed = [&](int64_t i) { return mask.causal ? i + 1 : n; };
    auto usedWords = [&](int64_t i) { return mask.causal ? i / 64 + 1 : words; };

    std::vector<uint64_t> cur(size_t(n * words), 0), next(size_t(n * words), 0);
    std::vector<int64_t> count(size_t(n), 0);
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e) {
            const int64_t j = mask.cols[size_t(e)];
            cur[size_t(i * words + j / 64)] |= uint64_t(1) << (j % 64);
            r.firstLayer[size_t(i * n + j)] = 1;
        }
        count[size_t(i)] = mask.rowSize(i);
        if (count[size_t(i)] == allowed(i)) r.fullAt[size_t(i)] = 1;
    }

    for (int l = 1; l <= layers; ++l) {
        if (l > 1) {
            std::atomic<bool> changed{false};
            parallelFor(
                0, n,
                [&](int64_t i) {
                    uint64_t* out = &next[size_t(i * words)];
                    const uint64_t* own = &cur[size_t(i * words)];
                    const int64_t used = usedWords(i);
                    if (r.fullAt[size_t(i)] != 0) {  // saturated: R only grows, nothing to add
                        std::copy(own, own + used, out);
                        return;
                    }
                    std::fill(out, out + used, uint64_t(0));
                    for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e) {
                        const int64_t k = mask.cols[size_t(e)];
                        const uint64_t* src = &cur[size_t(k * words)];
                        const int64_t kw = usedWords(k);
                        for (int64_t w = 0; w < kw; ++w) out[w] |= src[w];
                    }
                    int64_t added = 0;
                    for (int64_t w = 0; w < used; ++w) {
                        uint64_t fresh = out[w] & ~own[w];
                        added += std::popcount(fresh);
                        while (fresh) {
                            const int b = std::countr_zero(fresh);
                            r.firstLayer[size_t(i * n + w * 64 + b)] = uint8_t(l);
                            fresh &= fresh - 1;
                        }
                    }
                    if (added == 0) return;
                    changed.store(true, std::memory_order_relaxed);
                    count[size_t(i)] += added;
                    if (count[size_t(i)] == allowed(i)) r.fullAt[size_t(i)] = uint8_t(l);
                },
                16, threads);
            cur.swap(next);
            if (!changed.load()) {
                // Fixed point: every later layer reaches the same keys.
                int64_t total = 0;
                for (int64_t c : count) total += c;
                for (int m = l; m <= layers; ++m) r.pairsByLayer[size_t(m)] = total;
                break;
            }
        }
        int64_t total = 0;
        for (int64_t c : count) total += c;
        r.pairsByLayer[size_t(l)] = total;
    }

    int worst = 0;
    bool everyFull = true;
    for (int64_t i = 0; i < n; ++i) {
        r.reached[size_t(i)] = count[size_t(i)];
        int64_t j0 = i;
        while (j0 > 0 && r.firstLayer[size_t(i * n + j0 - 1)] != 0) --j0;
        r.reachBack[size_t(i)] = i - j0 + 1;
        if (r.fullAt[size_t(i)] == 0) everyFull = false;
        worst = std::max<int>(worst, r.fullAt[size_t(i)]);
    }
    r.fullAllQueries = everyFull ? worst : 0;
    r.fullLastQuery = r.fullAt[size_t(n - 1)];
    return r;
}

HeatmapGrid downsampleReachability(const Reachability& r, const HeatmapWindow& window) {
    HeatmapGrid g = planHeatmapGrid(r.n, window);
    g.values.assign(size_t(g.cellsX * g.cellsY), 0.0f);
    const int64_t spanX = g.col1 - g.col0, spanY = g.row1 - g.row0;
    const uint8_t never = uint8_t(r.layers + 1);
    for (int64_t i = g.row0; i < g.row1; ++i) {
        const int64_t y = (i - g.row0) * g.cellsY / spanY;
        const int64_t last = r.causal ? std::min(g.col1, i + 1) : g.col1;
        const uint8_t* row = &r.firstLayer[size_t(i * r.n)];
        for (int64_t j = g.col0; j < last; ++j) {
            const int64_t x = (j - g.col0) * g.cellsX / spanX;
            const uint8_t v = row[j] == 0 ? never : row[j];
            float& cell = g.values[size_t(y * g.cellsX + x)];
            cell = std::max(cell, float(v));
        }
    }
    return g;
}

}  // namespace sparsescope
