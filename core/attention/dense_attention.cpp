// Dense (reference) attention: O = softmax(Q K^T * scale, causal) V.
// Work unit: a tile of R query rows [r0, r1) against the keys it may see
// (causal: the prefix [0, r1); bidirectional: all n). Per tile
//   S = (scale Q_tile) K_prefix^T          [R, L]  one float GEMM
//   P_ij = exp(S_ij - max_j S_ij)          masked entries (j > i) set to 0
//   O_tile = (P V_prefix) / rowsum(P)      [R, dv] one float GEMM
// Only the triangle above the diagonal inside the last R keys is wasted work
// (R / n of the total at most). FLOPs: 2 d per pair for S, 2 dv per pair for P V.
#include "core/attention/attention_detail.h"

#include <algorithm>
#include <cmath>

namespace sparsescope {
namespace detail {

int64_t denseRowsPerTile(int64_t n) {
    // 64 rows keep the score tile (64 x n floats) within L2 for n of a few thousand
    // while the GEMMs stay large enough to run near Eigen's peak.
    (void)n;
    return 64;
}

void denseTile(const HeadPtrs& h, float scale, bool causal, int64_t r0, int64_t r1,
               DenseScratch& scratch, float* probs, double* lse) {
    const int64_t rows = r1 - r0;
    const int64_t keys = causal ? r1 : h.n;
    if (rows <= 0 || keys <= 0) return;
    scratch.qs.resize(static_cast<size_t>(rows * h.d));
    scratch.s.resize(static_cast<size_t>(rows * keys));
    scratch.inv.resize(static_cast<size_t>(rows));

    MapRM qs(scratch.qs.data(), rows, h.d);
    qs.noalias() = ConstMapRM(h.q + r0 * h.d, rows, h.d) * scale;
    MapRM s(scratch.s.data(), rows, keys);
    productInto(s, qs, ConstMapRM(h.k, keys, h.d).transpose());

    for (int64_t t = 0; t < rows; ++t) {
        const int64_t i = r0 + t;
        const int64_t len = causal ? i + 1 : h.n;
        float* row = scratch.s.data() + t * keys;
        const float m = rowMax(row, len);
        const double sum = expShiftSum(row, len, m);
        zeroFill(row + len, keys - len);
        scratch.inv[static_cast<size_t>(t)] = sum > 0.0 ? 1.0 / sum : 0.0;
        if (lse) lse[i] = static_cast<double>(m) + std::log(sum);
    }

    MapRM o(h.out + r0 * h.dv, rows, h.dv);
    productInto(o, s, ConstMapRM(h.v, keys, h.dv));
    for (int64_t t = 0; t < rows; ++t) {
        const float inv = static_cast<float>(scratch.inv[static_cast<size_t>(t)]);
        o.row(t) *= inv;
        if (probs) {
            float* prow = probs + (r0 + t) * h.n;
            const float* srow = scratch.s.data() + t * keys;
            for (int64_t j = 0; j < keys; ++j) prow[j] = srow[j] * inv;
            std::fill(prow + keys, prow + h.n, 0.0f);
        }
    }
}

}  // namespace detail

void denseAttentionHead(ConstMapRM q, ConstMapRM k, ConstMapRM v, float scale, bool causal,
                        MapRM out, MatrixRM* probs, std::vector<double>* rowLogSumExp) {
    const detail::HeadPtrs h = detail::checkedHead(q, k, v, out);
    if (probs) probs->resize(h.n, h.n);
    if (rowLogSumExp) rowLogSumExp->assign(static_cast<size_t>(h.n), 0.0);
    detail::DenseScratch scratch;
    const int64_t tile = detail::denseRowsPerTile(h.n);
    for (int64_t r0 = 0; r0 < h.n; r0 += tile)
        detail::denseTile(h, scale, causal, r0, std::min(h.n, r0 + tile), scratch,
                          probs ? probs->data() : nullptr,
                          rowLogSumExp ? rowLogSumExp->data() : nullptr);
}

HeadTensor denseAttention(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v,
                          float scale, bool causal, std::vector<double>* rowLogSumExp,
                          int threads) {
    HeadTensor out;
    denseAttentionInto(q, k, v, scale, causal, out, rowLogSumExp, threads);
    return out;
}

void denseAttentionInto(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v, float scale,
                        bool causal, HeadTensor& out, std::vector<double>* rowLogSumExp,
                        int threads) {
    detail::checkHeadTensors(q, k, v);
    detail::prepareOutput(q, k, v, out);
    if (rowLogSumExp) rowLogSumExp->assign(static_cast<size_t>(q.heads * q.n), 0.0);
    if (q.heads == 0 || q.n == 0) return;

    // Items are (head, tile) pairs, heaviest first (causal tiles grow with r0), so
    // the dynamic claim order balances the threads (longest-processing-time rule).
    const int64_t tile = detail::denseRowsPerTile(q.n);
    const int64_t tiles = (q.n + tile - 1) / tile;
    const int64_t items = q.heads * tiles;
    const int workers = detail::workerCount(items, threads);
    std::vector<detail::DenseScratch> scratch(static_cast<size_t>(workers));
    detail::runItems(items, workers, [&](int64_t item, int w) {
        const int64_t head = item % q.heads;
        const int64_t t = causal ? tiles - 1 - item / q.heads : item / q.heads;
        const int64_t r0 = t * tile;
        const detail::HeadPtrs h = detail::headOf(q, k, v, out, head);
        detail::denseTile(h, scale, causal, r0, std::min(q.n, r0 + tile),
                          scratch[static_cast<size_t>(w)], nullptr,
                          rowLogSumExp ? rowLogSumExp->data() + head * q.n : nullptr);
    });
}

}  // namespace sparsescope
