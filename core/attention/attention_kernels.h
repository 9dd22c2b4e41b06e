#pragma once
// Attention kernels for one head and for many heads.
//   dense:  O = softmax(Q K^T * scale + causal mask) V          (the reference)
//   sparse: O_i = sum_{j in kept(i)} softmax_{kept(i)}(q_i . k_j * scale) v_j
// Shapes: Q, K, V, O are [n, d] row-major (one head) or [h, n, d] (HeadTensor).
// Softmax subtracts the row max; row sums and outputs accumulate in float64
// where long rows would lose precision.
#include "core/common/tensor.h"
#include "core/pattern/sparse_mask.h"

#include <vector>

namespace sparsescope {

// probs, if given, receives the dense probabilities [n, n] (zeros above the diagonal when causal).
void denseAttentionHead(ConstMapRM q, ConstMapRM k, ConstMapRM v, float scale, bool causal,
                        MapRM out, MatrixRM* probs = nullptr);

// probs, if given, receives one probability per kept entry (aligned with mask.cols).
void sparseAttentionHead(ConstMapRM q, ConstMapRM k, ConstMapRM v, const SparseMask& mask,
                         float scale, MapRM out, std::vector<float>* probs = nullptr);

// Many heads, parallel across heads and rows.
HeadTensor denseAttention(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v,
                          float scale, bool causal = true);
// masks holds one mask per head, or a single mask shared by all heads.
HeadTensor sparseAttention(const HeadTensor& q, const HeadTensor& k, const HeadTensor& v,
                           const std::vector<SparseMask>& masks, float scale);

}  // namespace sparsescope
