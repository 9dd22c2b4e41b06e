#pragma once
// Attention kernels for one head and for many heads.
//   dense:  O = softmax(Q K^T * scale + causal mask) V          (the reference)
//   sparse: O_i = sum_{j in kept(i)} softmax_{kept(i)}(q_i . k_j * scale) v_j
// Shapes: Q, K are [n, d], V and O are [n, dv] row-major (one head; dv is usually d)
// or [h, n, d] (HeadTensor).
// Softmax subtracts the row max; exponentials are float, row sums are float64.
// The two products (Q K^T and P V) run as float Eigen GEMMs on tiles of query
// rows (that is what makes the kernels fast); their float accumulation keeps the
// relative output error near 1e-6 for rows of a few thousand keys.
//
// Optional outputs:
//   probs           the probabilities (dense: [n, n], zeros where not attended;
//                   sparse: one per kept entry, aligned with mask.cols).
//   rowLogSumExp    per query row log(sum_j exp(s_ij)) over the attended keys, with
//                   s_ij = q_i . k_j * scale, in float64. exp(lse_sparse - lse_dense)
//                   is the dense attention mass kept by the mask (the recall).
//                   An empty mask row gives -inf there and a zero output row.
//
// Bad shapes or an inconsistent mask (mask.n != n, rowPtr not n + 1 monotone
// offsets, a column out of range, columns not strictly ascending within a row,
// a causal mask with j > i) throw sparsescope::Error; nothing is read out of bounds.
// The *Head functions run on the calling thread; the many-head functions are
// parallel across heads and row tiles (threads = 0: all hardware threads).
#include "core/common/tensor.h"
#include "core/pattern/sparse_mask.h"

#include <limits>
#include <vector>

namespace sparsescope {

// How the sparse kernel groups query rows. Rows are taken rowsPerTile at a time;
// if the union U of their kept keys is small (rows * |U| <= maxWaste * kept pairs,
// e.g. a sliding window or block pattern), the tile runs as two small GEMMs over
// the keys of U with the non-kept entries zeroed; otherwise every row gathers its
// own kept keys (random or strided masks). The defaults suit all masks; tests
// force one path or the other (maxWaste = 0: always gather, infinity: always tile).
struct SparseTiling {
    int64_t rowsPerTile = 0;  // 0: chosen from the mean kept keys per row
    double maxWaste = 2.5;
};

// probs, if given, receives the dense probabilities [n, n] (zeros above the diagonal when causal).
void denseAttentionHead(ConstMapRM q, ConstMapRM k, ConstMapRM v, float scale, bool causal,
                        MapRM out, MatrixRM* probs = nullptr,
                        std::vector<double>* rowLogSumExp = nullptr);

// probs, if given, receives one probability per kept entry (aligned with mask.cols).
void sparseAttentionHead(ConstMapRM q, ConstMapRM k, ConstMapRM v, const SparseMask& mask,
                         float scale, MapRM out, std::vector<float>* probs = nullptr,
                         std::vector<double>* rowLogSumExp = nullptr,
                         const SparseTiling& tiling = {});

// Many heads, parallel across heads and rows. rowLogSumExp, if given, is [h * n].
HeadTensor denseAttention(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v,
                          float scale, bool causal = true,
                          std::vector<double>* rowLogSumExp = nullptr, int threads = 0);
// masks holds one mask per head, or a single mask shared by all heads.
HeadTensor sparseAttention(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v,
                           const std::vector<SparseMask>& masks, float scale,
                           std::vector<double>* rowLogSumExp = nullptr, int threads = 0,
                           const SparseTiling& tiling = {});

// The same, writing into out (reshaped to [h, n, dv]; its buffer is reused when it
// already has that size). Zero-filling a fresh 8 MB result costs about as much as
// a sparse pass at 5 % density, so callers that run repeatedly (model layers,
// benchmarks) keep one output tensor. out must not be q, k or v.
void denseAttentionInto(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v, float scale,
                        bool causal, HeadTensor& out, std::vector<double>* rowLogSumExp = nullptr,
                        int threads = 0);
void sparseAttentionInto(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v,
                         const std::vector<SparseMask>& masks, float scale, HeadTensor& out,
                         std::vector<double>* rowLogSumExp = nullptr, int threads = 0,
                         const SparseTiling& tiling = {});

// Throws sparsescope::Error unless mask is a well-formed CSR mask over n tokens
// (the checks listed above). The kernels call it; exposed for loaders and tests.
void validateMask(const SparseMask& mask, int64_t n, const char* field = "mask");

}  // namespace sparsescope
