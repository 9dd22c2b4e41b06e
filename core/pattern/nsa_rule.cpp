// NSA, Native Sparse Attention (Yuan et al. 2025, arXiv:2502.11089), as a mask.
// Notation of the paper: compression block l, stride d, selection block l', n
// selected blocks, window w. Query i (0-based) sees t = i + 1 keys.
//  compressed: blocks b = 0 .. floor((t - l)/d) (those fully in the past), block b
//              covers keys b*d .. b*d + l - 1; K~_b = mean of those keys (the model has
//              no trained compressor phi). Drawn in the mask at its last key b*d + l - 1,
//              the position where its summary becomes available.
//  selected:   p_cmp = softmax_b(q . K~_b * scale) per head; eq. (9)
//                p_slc[j] = sum_{m < l'/d} sum_{n < l/d} p_cmp[(l'/d) j + m - n]
//              (compressed block b overlaps selection block j in l/d strides, counted
//              once per shared stride), summed over the heads of the GQA group; the
//              first nsaInitialBlocks and the nsaLocalBlocks most recent blocks are
//              always selected and count towards n; the rest by score (ties: later block).
//  window:     i - w < j <= i.
#include "core/common/error.h"
#include "core/pattern/method_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sparsescope::detail {

std::vector<const float*> groupQueries(const ScoreInputs& in) {
    std::vector<const float*> out;
    if (in.groupQ && in.groupSize > 0) {
        for (int64_t g = 0; g < in.groupSize; ++g) {
            if (!in.groupQ[g]) throw Error("<input>", "groupQ", "a query head of the GQA group is missing");
            out.push_back(in.groupQ[g]);
        }
    } else {
        out.push_back(in.q);
    }
    return out;
}

NsaRule::NsaRule(const PatternSpec& spec, int64_t n, const ScoreInputs& in)
    : spec_(spec), n_(n), d_(in.d), scale_(in.scale), group_(groupQueries(in)) {
    const int64_t l = spec.nsaCompressBlock, stride = spec.nsaCompressStride;
    const int64_t blocks = n >= l ? (n - l) / stride + 1 : 0;
    compressedKeys_ = MatrixRM::Zero(blocks, d_);
    const ConstMapRM k(in.k, n, d_);
    for (int64_t b = 0; b < blocks; ++b) {
        Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(d_);
        for (int64_t j = b * stride; j < b * stride + l; ++j) sum += k.row(j).cast<double>();
        compressedKeys_.row(b) = (sum / double(l)).cast<float>();
    }
}

void NsaRule::beginChunk(int64_t r0, int64_t r1, Chunk& c) const {
    c.r0 = r0;
    c.scores.resize(group_.size());
    for (size_t g = 0; g < group_.size(); ++g) {
        const ConstMapRM q(group_[g] + r0 * d_, r1 - r0, d_);
        c.scores[g].noalias() = (q * compressedKeys_.transpose()) * scale_;
    }
}

void NsaRule::addRow(int64_t i, const Chunk& c, RowMarks& marks, RuleScratch& s) const {
    const int64_t l = spec_.nsaCompressBlock, stride = spec_.nsaCompressStride, lsel = spec_.nsaSelectBlock;
    const int64_t t = i + 1;
    const int64_t avail = t >= l ? (t - l) / stride + 1 : 0;
    for (int64_t b = 0; b < avail; ++b) marks.mark(b * stride + l - 1, kRuleNsaCompressed);

    if (spec_.nsaWindow > 0) marks.markRange(std::max<int64_t>(0, i - spec_.nsaWindow + 1), i, kRuleNsaWindow);

    if (spec_.nsaSelectCount <= 0) return;
    const int64_t selBlocks = i / lsel + 1;
    std::vector<double>& pslc = s.values;
    pslc.assign(static_cast<size_t>(selBlocks), 0.0);
    const int64_t perSel = lsel / stride, perCmp = l / stride;
    std::vector<double>& p = s.values2;
    for (const MatrixRM& scores : c.scores) {
        if (avail == 0) break;
        const float* row = scores.row(i - c.r0).data();
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t b = 0; b < avail; ++b) mx = std::max(mx, double(row[b]));
        p.resize(static_cast<size_t>(avail));
        double sum = 0;
        for (int64_t b = 0; b < avail; ++b) sum += p[b] = std::exp(double(row[b]) - mx);
        // Block b shares stride u = b + nn (nn < l/d) with selection block u / (l'/d):
        // each (b, nn) pair is one (j, m) term of eq. (9).
        for (int64_t b = 0; b < avail; ++b)
            for (int64_t nn = 0; nn < perCmp; ++nn) {
                const int64_t j = (b + nn) / perSel;
                if (j < selBlocks) pslc[static_cast<size_t>(j)] += p[b] / sum;
            }
    }

    std::vector<int32_t>& order = s.order;
    order.clear();
    const int64_t initial = std::min(spec_.nsaInitialBlocks, selBlocks);
    const int64_t localFrom = std::max<int64_t>(initial, selBlocks - spec_.nsaLocalBlocks);
    auto markBlock = [&](int64_t j) { marks.markRange(j * lsel, std::min(i, (j + 1) * lsel - 1), kRuleNsaSelected); };
    for (int64_t j = 0; j < initial; ++j) markBlock(j);
    for (int64_t j = localFrom; j < selBlocks; ++j) markBlock(j);
    const int64_t forced = initial + (selBlocks - localFrom);
    for (int64_t j = initial; j < localFrom; ++j) order.push_back(static_cast<int32_t>(j));
    const int64_t pick = std::min<int64_t>(spec_.nsaSelectCount - forced, static_cast<int64_t>(order.size()));
    if (pick <= 0) return;
    selectBest(order, pick, [&](int32_t j) { return pslc[static_cast<size_t>(j)]; });
    for (int64_t r = 0; r < pick; ++r) markBlock(order[static_cast<size_t>(r)]);
}

}  // namespace sparsescope::detail
