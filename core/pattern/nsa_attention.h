#pragma once
// NSA's attention output (Yuan et al. 2025, eq. 5) with equal gates:
//   o_i = (o_cmp + o_slc + o_win) / (number of branches with at least one key),
//   o_cmp = sum_b softmax_b(q_i . K~_b * scale) V~_b over the complete compressed
//           blocks b (K~, V~ = means of the block's keys and values: the model has no
//           trained compressor),
//   o_slc = softmax over the keys the mask marks kRuleNsaSelected (and the keys any
//           non-NSA rule of the union keeps),
//   o_win = softmax over the keys marked kRuleNsaWindow.
// NSA's gates are the sigmoid outputs of a trained MLP per head and token; the model
// has none, so the branches are averaged. o_cmp spreads weight p_b / l over every key
// of block b, so the output equals sum_j w_ij v_j with the effective weights
//   w_ij = (sum_{b contains j} p_b / l + p_slc,ij + p_win,ij) / branches,
// which `probs` returns ([n, n], rows sum to 1) when given.
// Shapes: q, k [n, d], v [n, dv], out [n, dv]. Runs on the calling thread.
#include "core/common/tensor.h"
#include "core/pattern/pattern_spec.h"
#include "core/pattern/sparse_mask.h"

namespace sparsescope {

void nsaAttentionHead(ConstMapRM q, ConstMapRM k, ConstMapRM v, const SparseMask& mask, const PatternSpec& spec,
                      float scale, MapRM out, MatrixRM* probs = nullptr);

}  // namespace sparsescope
