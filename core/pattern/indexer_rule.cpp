// DSA, DeepSeek Sparse Attention (DeepSeek-V3.2-Exp technical report, 2025): a
// lightning indexer scores every causal key,
//     I(t, s) = sum_{h=1..H_I} w(t, h) * ReLU(q~_h(t) . k~(s)),
// and the query attends its top-K keys. The trained indexer has its own small heads
// and a learned weight per head and token; our models have none, so the indexer is
// built from the GQA group's own heads:
//   heads    H_I = the query heads of the group, w(t, h) = 1 / H_I;
//   q~, k~   = P q, P k with P the d_I leading eigenvectors of K^T K (the directions
//              carrying most of this head's key energy; computed from the text's own
//              keys, as an offline calibration would); d_I >= d means P = identity.
// With one head, d_I >= d and every q.k > 0, I(t, s) = q.k and the indexer's top-K is
// exactly the oracle's (tests/core/test_methods.cpp builds that case).
#include "core/pattern/method_rules.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <numeric>

namespace sparsescope::detail {

IndexerRule::IndexerRule(const PatternSpec& spec, int64_t n, const ScoreInputs& in)
    : spec_(spec), n_(n), d_(in.d), dim_(std::min(spec.indexerDim, in.d)) {
    const ConstMapRM k(in.k, n, d_);
    const std::vector<const float*> group = groupQueries(in);
    if (dim_ >= d_) {
        keys_ = k;
        for (const float* q : group) queries_.emplace_back(ConstMapRM(q, n, d_));
        return;
    }
    const Eigen::MatrixXd gram = k.cast<double>().transpose() * k.cast<double>();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(gram);
    // Eigenvalues ascending: the last dim_ columns are the leading directions.
    const MatrixRM proj = eig.eigenvectors().rightCols(dim_).cast<float>();  // [d, d_I]
    keys_.noalias() = k * proj;
    for (const float* q : group) {
        MatrixRM pq;
        pq.noalias() = ConstMapRM(q, n, d_) * proj;
        queries_.push_back(std::move(pq));
    }
}

void IndexerRule::beginChunk(int64_t r0, int64_t r1, Chunk& c) const {
    c.r0 = r0;
    const int64_t keys = r1;  // causal: rows < r1 see keys < r1
    const float w = 1.0f / float(queries_.size());
    c.scores = MatrixRM::Zero(r1 - r0, keys);
    MatrixRM part;
    for (const MatrixRM& q : queries_) {
        part.noalias() = q.middleRows(r0, r1 - r0) * keys_.topRows(keys).transpose();
        c.scores += w * part.cwiseMax(0.0f);
    }
}

void IndexerRule::addRow(int64_t i, const Chunk& c, RowMarks& marks, RuleScratch& s) const {
    const float* row = c.scores.row(i - c.r0).data();
    const int64_t limit = i + 1;
    std::vector<int32_t>& order = s.order;
    order.resize(static_cast<size_t>(limit));
    std::iota(order.begin(), order.end(), 0);
    const int64_t k = std::min(spec_.indexerTopk, limit);
    selectBest(order, k, [row](int32_t j) { return double(row[j]); });
    for (int64_t r = 0; r < k; ++r) marks.mark(order[static_cast<size_t>(r)], kRuleIndexer);
}

}  // namespace sparsescope::detail
