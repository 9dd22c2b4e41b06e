#pragma once
// Internals shared by the dense and the sparse attention kernels (not a public API).
// A head is seen through raw row-major pointers so that one tile routine serves both
// the single-head functions and the many-head ones (which split work into
// (head, row tile) items and give every worker thread its own scratch buffers).
#include "core/attention/attention_kernels.h"

#include <cstdint>
#include <vector>

namespace sparsescope::detail {

// One head: q, k [n, d], v and out [n, dv], all row-major and contiguous.
struct HeadPtrs {
    const float* q = nullptr;
    const float* k = nullptr;
    const float* v = nullptr;
    float* out = nullptr;
    int64_t n = 0, d = 0, dv = 0;
};

// Throws unless q [n, d], k [n, d], v [n, dv], out [n, dv] agree; returns the view.
HeadPtrs checkedHead(const ConstMapRM& q, const ConstMapRM& k, const ConstMapRM& v, MapRM& out);
// Throws unless the three tensors have consistent [h, n, d] shapes and buffer sizes.
void checkHeadTensors(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v);
// Reshapes out to [h, n, dv] for q, v (reusing its buffer when the size matches);
// throws if out is one of the inputs.
void prepareOutput(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v, HeadTensor& out);
HeadPtrs headOf(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v, HeadTensor& out,
                int64_t head);

// out[i] = exp(in[i] - shift) for i < len (in == out is fine); returns the sum of
// the new values in float64.
double expShiftSum(const float* in, float* out, int64_t len, float shift);
inline double expShiftSum(float* x, int64_t len, float shift) {
    return expShiftSum(x, x, len, shift);
}
// max over x[0, len), len >= 1 (a NaN may or may not win; expShiftSum keeps NaN).
float rowMax(const float* x, int64_t len);
// x[0, len) = 0.
void zeroFill(float* x, int64_t len);

// dst = lhs * rhs (an Eigen GEMM) for a contiguous dst. Eigen's `dst = lhs * rhs`
// first clears dst with memset, which glibc runs as `rep stosb` from 2 KB on; on
// the AMD EPYC measured here that took 5-6 % of a sparse pass for the few-KB
// tiles, plain packet stores (zeroFill) well under 1 %.
template <class Lhs, class Rhs>
void productInto(MapRM dst, const Lhs& lhs, const Rhs& rhs) {
    zeroFill(dst.data(), dst.size());
    dst.noalias() += lhs * rhs;
}

// --- dense ------------------------------------------------------------------
struct DenseScratch {
    std::vector<float> qs, s;
    std::vector<double> inv;
};
int64_t denseRowsPerTile(int64_t n);
// Query rows [r0, r1) of one head. probs: [n, n] row-major or null; lse: [n] or null.
void denseTile(const HeadPtrs& h, float scale, bool causal, int64_t r0, int64_t r1,
               DenseScratch& scratch, float* probs, double* lse);

// --- sparse -----------------------------------------------------------------
struct KeyRun {
    int32_t begin, end;  // keys [begin, end)
};
struct SparseScratch {
    std::vector<float> qs, s, p, kBuf, vBuf, rowBuf, acc;
    std::vector<double> inv;
    std::vector<KeyRun> runs;    // runs of consecutive kept keys, merged into the union
    std::vector<int32_t> keys;   // union of the tile's kept keys, ascending
    std::vector<int64_t> stamp;  // [n]: last tile tag that saw key j
    std::vector<int32_t> posOf;  // [n]: position of key j within keys
    int64_t tag = 0;
};
int64_t sparseRowsPerTile(const SparseMask& mask, const SparseTiling& tiling);
// Query rows [r0, r1) of one head; the mask must have been validated.
// probs: [keptPairs] aligned with mask.cols, or null; lse: [n] or null.
void sparseTile(const HeadPtrs& h, const SparseMask& mask, float scale, int64_t r0, int64_t r1,
                double maxWaste, SparseScratch& scratch, float* probs, double* lse);

// Runs work(item, worker) for item in [0, items) on `threads` workers (0: all);
// each worker index w < workerCount(...) is used by one thread at a time, so
// per-worker scratch needs no locking. Items are claimed in index order.
int workerCount(int64_t items, int threads);
template <class Work>
void runItems(int64_t items, int threads, Work&& work);

}  // namespace sparsescope::detail

#include "core/common/parallel.h"

#include <atomic>

namespace sparsescope::detail {

inline int workerCount(int64_t items, int threads) {
    if (threads <= 0) threads = defaultThreadCount();
    return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, items)));
}

template <class Work>
void runItems(int64_t items, int threads, Work&& work) {
    const int workers = workerCount(items, threads);
    std::atomic<int64_t> next{0};
    parallelFor(
        0, workers,
        [&](int64_t w) {
            for (int64_t item = next.fetch_add(1); item < items; item = next.fetch_add(1))
                work(item, static_cast<int>(w));
        },
        1, workers);
}

}  // namespace sparsescope::detail
