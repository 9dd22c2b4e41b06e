// Sparse attention: only the kept entries of a CSR mask are computed,
//   O_i = sum_{j in kept(i)} softmax_{kept(i)}(q_i . k_j * scale) v_j.
// Rows are processed in tiles of R query rows. Let U be the union of the tile's
// kept keys (merged from the rows' runs of consecutive keys, or stamped key by key
// in a per-thread array when the runs are many and short).
// - Tile path, when R |U| <= maxWaste * kept (windows, blocks, sinks, dense):
//     S = (scale Q_tile) K_U^T  [R, |U|]   P = exp(S - rowmax) on kept entries, 0 elsewhere
//     O_tile = (P V_U) / rowsum(P)
//   K_U, V_U are the key rows of U: used in place when U is one contiguous range,
//   gathered into scratch otherwise. Two float GEMMs, as in the dense kernel, so a
//   sliding window of W keys costs about (W + R) / W times its kept pairs.
// - Row path otherwise (random, strided, very small windows): each row walks its
//   kept keys in contiguous runs; a run of >= 4 keys is a GEMV on contiguous K / V
//   rows, shorter runs are single dot products / axpys.
#include "core/attention/attention_detail.h"
#include "core/common/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace sparsescope {
namespace detail {

namespace {

constexpr int64_t kMinGemvRun = 4;
constexpr int64_t kMaxRunsPerRow = 8;  // more runs per row on average: stamp the union instead
constexpr int64_t kMaxSegments = 4;    // runs per row handled in place in a tile
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

using VecMap = Eigen::Map<Eigen::VectorXf>;
using ConstVecMap = Eigen::Map<const Eigen::VectorXf>;

// Collects the tile's key union into scratch.keys (ascending) and reports whether
// a dense tile over it is worth computing (rows * |U| <= maxWaste * kept).
// Structured masks (windows, sinks, blocks) have few runs of consecutive keys per
// row: their union is the merge of those runs, O(rows) work for one run per row.
// Masks with many short runs (random, strided) are stamped key by key instead,
// stopping as soon as the union is too large.
bool collectUnion(const SparseMask& mask, int64_t r0, int64_t r1, double maxWaste,
                  SparseScratch& sc) {
    const int64_t kb = mask.rowBegin(r0), ke = mask.rowBegin(r1);
    const int64_t rows = r1 - r0, kept = ke - kb;
    sc.keys.clear();
    if (kept == 0 || !(maxWaste > 0.0)) return false;
    const double limit = maxWaste * static_cast<double>(kept) / static_cast<double>(rows);

    const size_t maxRuns = static_cast<size_t>(kMaxRunsPerRow * rows);
    sc.runs.clear();
    for (int64_t i = r0; i < r1 && sc.runs.size() <= maxRuns; ++i) {
        const int32_t* c = mask.cols.data() + mask.rowBegin(i);
        const int64_t m = mask.rowSize(i);
        if (m == 0) continue;
        if (c[m - 1] - c[0] + 1 == m) {
            sc.runs.push_back({c[0], c[m - 1] + 1});
            continue;
        }
        for (int64_t t = 0; t < m && sc.runs.size() <= maxRuns;) {
            int64_t e = t + 1;
            while (e < m && c[e] == c[e - 1] + 1) ++e;
            sc.runs.push_back({c[t], c[e - 1] + 1});
            t = e;
        }
    }
    if (sc.runs.size() <= maxRuns) {
        auto byBegin = [](const KeyRun& a, const KeyRun& b) { return a.begin < b.begin; };
        if (!std::is_sorted(sc.runs.begin(), sc.runs.end(), byBegin))
            std::sort(sc.runs.begin(), sc.runs.end(), byBegin);
        // Merge overlapping or touching runs in place into disjoint ascending intervals.
        size_t out = 0;
        for (size_t r = 1; r < sc.runs.size(); ++r) {
            if (sc.runs[r].begin <= sc.runs[out].end)
                sc.runs[out].end = std::max(sc.runs[out].end, sc.runs[r].end);
            else
                sc.runs[++out] = sc.runs[r];
        }
        sc.runs.resize(out + 1);
        int64_t total = 0;
        for (const KeyRun& r : sc.runs) total += r.end - r.begin;
        if (static_cast<double>(total) > limit) return false;
        for (const KeyRun& r : sc.runs)
            for (int32_t j = r.begin; j < r.end; ++j) sc.keys.push_back(j);
        return true;
    }

    const int64_t tag = ++sc.tag;
    for (int64_t t = kb; t < ke; ++t) {
        const int32_t c = mask.cols[static_cast<size_t>(t)];
        if (sc.stamp[static_cast<size_t>(c)] == tag) continue;
        sc.stamp[static_cast<size_t>(c)] = tag;
        sc.keys.push_back(c);
        if (static_cast<double>(sc.keys.size()) > limit) return false;
    }
    if (!std::is_sorted(sc.keys.begin(), sc.keys.end())) std::sort(sc.keys.begin(), sc.keys.end());
    return true;
}

void tilePath(const HeadPtrs& h, const SparseMask& mask, float scale, int64_t r0, int64_t r1,
              SparseScratch& sc, float* probs, double* lse) {
    const int64_t rows = r1 - r0;
    const int64_t u = static_cast<int64_t>(sc.keys.size());
    for (int64_t t = 0; t < u; ++t)
        sc.posOf[static_cast<size_t>(sc.keys[static_cast<size_t>(t)])] = static_cast<int32_t>(t);

    const float* kU = nullptr;
    const float* vU = nullptr;
    if (sc.keys.back() - sc.keys.front() + 1 == u) {
        kU = h.k + static_cast<int64_t>(sc.keys.front()) * h.d;
        vU = h.v + static_cast<int64_t>(sc.keys.front()) * h.dv;
    } else {
        sc.kBuf.resize(static_cast<size_t>(u * h.d));
        sc.vBuf.resize(static_cast<size_t>(u * h.dv));
        for (int64_t t = 0; t < u; ++t) {
            const int64_t j = sc.keys[static_cast<size_t>(t)];
            std::copy_n(h.k + j * h.d, h.d, sc.kBuf.data() + t * h.d);
            std::copy_n(h.v + j * h.dv, h.dv, sc.vBuf.data() + t * h.dv);
        }
        kU = sc.kBuf.data();
        vU = sc.vBuf.data();
    }

    sc.qs.resize(static_cast<size_t>(rows * h.d));
    sc.s.resize(static_cast<size_t>(rows * u));
    sc.inv.resize(static_cast<size_t>(rows));
    MapRM qs(sc.qs.data(), rows, h.d);
    qs.noalias() = ConstMapRM(h.q + r0 * h.d, rows, h.d) * scale;
    MapRM s(sc.s.data(), rows, u);
    productInto(s, qs, ConstMapRM(kU, u, h.d).transpose());

    // P starts as zeros (one fill per tile) and receives the kept entries' exponentials.
    sc.p.resize(static_cast<size_t>(rows * u));
    zeroFill(sc.p.data(), rows * u);
    for (int64_t t = 0; t < rows; ++t) {
        const int64_t i = r0 + t, b = mask.rowBegin(i), m = mask.rowSize(i);
        const float* srow = sc.s.data() + t * u;
        float* prow = sc.p.data() + t * u;
        const int32_t* cols = mask.cols.data() + b;
        if (m == 0) {
            sc.inv[static_cast<size_t>(t)] = 0.0;
            if (lse) lse[i] = kNegInf;
            continue;
        }
        // The row's runs of consecutive keys are contiguous in U too: up to
        // kMaxSegments of them are handled as segments, more are gathered.
        int64_t segPos[kMaxSegments] = {}, segLen[kMaxSegments] = {}, segOff[kMaxSegments] = {};
        int64_t segments = 0;
        for (int64_t j = 0; j < m && segments <= kMaxSegments;) {
            int64_t e = j + 1;
            if (cols[m - 1] - cols[j] == m - 1 - j) {
                e = m;  // the rest of the row is one run
            } else {
                while (e < m && cols[e] == cols[e - 1] + 1) ++e;
            }
            if (segments < kMaxSegments) {
                segPos[segments] = sc.posOf[static_cast<size_t>(cols[j])];
                segLen[segments] = e - j;
                segOff[segments] = j;
            }
            ++segments;
            j = e;
        }
        float mx;
        double sum = 0.0;
        if (segments <= kMaxSegments) {
            mx = rowMax(srow + segPos[0], segLen[0]);
            for (int64_t g = 1; g < segments; ++g)
                mx = std::max(mx, rowMax(srow + segPos[g], segLen[g]));
            for (int64_t g = 0; g < segments; ++g)
                sum += expShiftSum(srow + segPos[g], prow + segPos[g], segLen[g], mx);
        } else {
            sc.rowBuf.resize(static_cast<size_t>(m));
            float* buf = sc.rowBuf.data();
            for (int64_t j = 0; j < m; ++j) buf[j] = srow[sc.posOf[static_cast<size_t>(cols[j])]];
            mx = rowMax(buf, m);
            sum = expShiftSum(buf, buf, m, mx);
            for (int64_t j = 0; j < m; ++j) prow[sc.posOf[static_cast<size_t>(cols[j])]] = buf[j];
        }
        const double inv = sum > 0.0 ? 1.0 / sum : 0.0;
        sc.inv[static_cast<size_t>(t)] = inv;
        if (lse) lse[i] = static_cast<double>(mx) + std::log(sum);
        if (probs) {
            if (segments <= kMaxSegments) {
                for (int64_t g = 0; g < segments; ++g)
                    for (int64_t j = 0; j < segLen[g]; ++j)
                        probs[b + segOff[g] + j] = static_cast<float>(prow[segPos[g] + j] * inv);
            } else {
                for (int64_t j = 0; j < m; ++j)
                    probs[b + j] = static_cast<float>(sc.rowBuf[static_cast<size_t>(j)] * inv);
            }
        }
    }

    MapRM o(h.out + r0 * h.dv, rows, h.dv);
    productInto(o, MapRM(sc.p.data(), rows, u), ConstMapRM(vU, u, h.dv));
    for (int64_t t = 0; t < rows; ++t)
        o.row(t) *= static_cast<float>(sc.inv[static_cast<size_t>(t)]);
}

void rowPath(const HeadPtrs& h, const SparseMask& mask, float scale, int64_t i, SparseScratch& sc,
             float* probs, double* lse) {
    const int64_t b = mask.rowBegin(i), m = mask.rowSize(i);
    VecMap o(h.out + i * h.dv, h.dv);
    if (m == 0) {
        o.setZero();
        if (lse) lse[i] = kNegInf;
        return;
    }
    const int32_t* cols = mask.cols.data() + b;
    sc.qs.resize(static_cast<size_t>(h.d));
    sc.rowBuf.resize(static_cast<size_t>(m));
    sc.acc.resize(static_cast<size_t>(h.dv));
    VecMap qs(sc.qs.data(), h.d);
    qs.noalias() = ConstVecMap(h.q + i * h.d, h.d) * scale;
    float* buf = sc.rowBuf.data();

    // Calls fn(offset in row, first key, run length) for each run of consecutive keys.
    auto forRuns = [&](auto&& fn) {
        for (int64_t t = 0; t < m;) {
            int64_t e = t + 1;
            while (e < m && cols[e] == cols[e - 1] + 1) ++e;
            fn(t, static_cast<int64_t>(cols[t]), e - t);
            t = e;
        }
    };
    forRuns([&](int64_t off, int64_t c0, int64_t len) {
        if (len >= kMinGemvRun) {
            VecMap(buf + off, len).noalias() = ConstMapRM(h.k + c0 * h.d, len, h.d) * qs;
        } else {
            for (int64_t j = 0; j < len; ++j)
                buf[off + j] = ConstVecMap(h.k + (c0 + j) * h.d, h.d).dot(qs);
        }
    });
    const float mx = rowMax(buf, m);
    const double sum = expShiftSum(buf, buf, m, mx);

    VecMap acc(sc.acc.data(), h.dv);
    acc.setZero();
    forRuns([&](int64_t off, int64_t c0, int64_t len) {
        if (len >= kMinGemvRun) {
            acc.noalias() +=
                ConstMapRM(h.v + c0 * h.dv, len, h.dv).transpose() * ConstVecMap(buf + off, len);
        } else {
            for (int64_t j = 0; j < len; ++j)
                acc += buf[off + j] * ConstVecMap(h.v + (c0 + j) * h.dv, h.dv);
        }
    });
    const double inv = sum > 0.0 ? 1.0 / sum : 0.0;
    o = acc * static_cast<float>(inv);
    if (lse) lse[i] = static_cast<double>(mx) + std::log(sum);
    if (probs)
        for (int64_t j = 0; j < m; ++j) probs[b + j] = static_cast<float>(buf[j] * inv);
}

}  // namespace

int64_t sparseRowsPerTile(const SparseMask& mask, const SparseTiling& tiling) {
    if (tiling.rowsPerTile > 0) return tiling.rowsPerTile;
    if (mask.n <= 0) return 1;
    // A window of W keys gives a tile of R rows a union of W + R - 1 keys, so
    // R ~ W / 3 keeps the wasted share near a third while R >= 16 keeps the
    // GEMMs efficient; 128 rows bound the score tile for dense-like masks.
    const double mean = static_cast<double>(mask.keptPairs()) / static_cast<double>(mask.n);
    int64_t r = 16;
    while (r < 128 && static_cast<double>(2 * r) <= mean / 3.0) r *= 2;
    return r;
}

void sparseTile(const HeadPtrs& h, const SparseMask& mask, float scale, int64_t r0, int64_t r1,
                double maxWaste, SparseScratch& sc, float* probs, double* lse) {
    if (r1 <= r0) return;
    if (static_cast<int64_t>(sc.stamp.size()) != h.n) {
        sc.stamp.assign(static_cast<size_t>(h.n), 0);
        sc.posOf.assign(static_cast<size_t>(h.n), 0);
        sc.tag = 0;
    }
    if (collectUnion(mask, r0, r1, maxWaste, sc)) {
        tilePath(h, mask, scale, r0, r1, sc, probs, lse);
    } else {
        for (int64_t i = r0; i < r1; ++i) rowPath(h, mask, scale, i, sc, probs, lse);
    }
}

}  // namespace detail

void sparseAttentionHead(ConstMapRM q, ConstMapRM k, ConstMapRM v, const SparseMask& mask,
                         float scale, MapRM out, std::vector<float>* probs,
                         std::vector<double>* rowLogSumExp, const SparseTiling& tiling) {
    const detail::HeadPtrs h = detail::checkedHead(q, k, v, out);
    validateMask(mask, h.n);
    if (probs) probs->assign(static_cast<size_t>(mask.keptPairs()), 0.0f);
    if (rowLogSumExp) rowLogSumExp->assign(static_cast<size_t>(h.n), 0.0);
    detail::SparseScratch scratch;
    const int64_t tile = detail::sparseRowsPerTile(mask, tiling);
    for (int64_t r0 = 0; r0 < h.n; r0 += tile)
        detail::sparseTile(h, mask, scale, r0, std::min(h.n, r0 + tile), tiling.maxWaste, scratch,
                           probs ? probs->data() : nullptr,
                           rowLogSumExp ? rowLogSumExp->data() : nullptr);
}

HeadTensor sparseAttention(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v,
                           const std::vector<SparseMask>& masks, float scale,
                           std::vector<double>* rowLogSumExp, int threads,
                           const SparseTiling& tiling) {
    HeadTensor out;
    sparseAttentionInto(q, k, v, masks, scale, out, rowLogSumExp, threads, tiling);
    return out;
}

void sparseAttentionInto(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v,
                         const std::vector<SparseMask>& masks, float scale, HeadTensor& out,
                         std::vector<double>* rowLogSumExp, int threads,
                         const SparseTiling& tiling) {
    detail::checkHeadTensors(q, k, v);
    const bool shared = masks.size() == 1;
    if (!shared && static_cast<int64_t>(masks.size()) != q.heads)
        throw Error("<input>", "masks",
                    "holds " + std::to_string(masks.size()) + " masks, expected 1 (shared) or " +
                        std::to_string(q.heads) + " (one per head)");
    for (size_t m = 0; m < masks.size(); ++m)
        validateMask(masks[m], q.n, ("masks[" + std::to_string(m) + "]").c_str());
    detail::prepareOutput(q, k, v, out);
    if (rowLogSumExp) rowLogSumExp->assign(static_cast<size_t>(q.heads * q.n), 0.0);
    if (q.heads == 0 || q.n == 0) return;

    // Items are (head, row tile); heaviest tiles first so the dynamic claim order
    // balances the threads (longest-processing-time rule).
    struct Item {
        int64_t head, r0, r1, cost;
    };
    std::vector<Item> items;
    for (int64_t head = 0; head < q.heads; ++head) {
        const SparseMask& mask = masks[shared ? 0 : static_cast<size_t>(head)];
        const int64_t tile = detail::sparseRowsPerTile(mask, tiling);
        for (int64_t r0 = 0; r0 < q.n; r0 += tile) {
            const int64_t r1 = std::min(q.n, r0 + tile);
            items.push_back({head, r0, r1, mask.rowBegin(r1) - mask.rowBegin(r0) + (r1 - r0)});
        }
    }
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.cost > b.cost; });
    const int workers = detail::workerCount(static_cast<int64_t>(items.size()), threads);
    std::vector<detail::SparseScratch> scratch(static_cast<size_t>(workers));
    detail::runItems(static_cast<int64_t>(items.size()), workers, [&](int64_t idx, int w) {
        const Item& it = items[static_cast<size_t>(idx)];
        const SparseMask& mask = masks[shared ? 0 : static_cast<size_t>(it.head)];
        detail::sparseTile(detail::headOf(q, k, v, out, it.head), mask, scale, it.r0, it.r1,
                           tiling.maxWaste, scratch[static_cast<size_t>(w)], nullptr,
                           rowLogSumExp ? rowLogSumExp->data() + it.head * q.n : nullptr);
    });
}

}  // namespace sparsescope
