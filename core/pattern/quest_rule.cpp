// Quest (Tang et al. 2024, "Quest: Query-Aware Sparsity for Efficient Long-Context
// LLM Inference"): keys in pages of P; each page keeps the element-wise max M and min
// m of its keys, and a query q scores it by the upper bound of q.k over the page,
//     score(page) = sum_d max(q_d * M_d, q_d * m_d).
// Query i keeps the pages with the highest scores within a budget of B tokens:
// floor(B / P) pages (at least 1), its own (partly filled) page always among them;
// the others are chosen among the complete earlier pages (ties: the later page).
// Quest is a decoding method: row i is what the decoding step at position i reads.
#include "core/pattern/method_rules.h"

#include <algorithm>

namespace sparsescope::detail {

QuestRule::QuestRule(const PatternSpec& spec, int64_t n, const ScoreInputs& in)
    : spec_(spec), n_(n), d_(in.d), q_(in.q) {
    const int64_t page = spec.questPage;
    const int64_t pages = (n + page - 1) / page;
    const ConstMapRM k(in.k, n, d_);
    pageMax_.resize(pages, d_);
    pageMin_.resize(pages, d_);
    for (int64_t p = 0; p < pages; ++p) {
        const int64_t j0 = p * page, rows = std::min(n, j0 + page) - j0;
        pageMax_.row(p) = k.middleRows(j0, rows).colwise().maxCoeff();
        pageMin_.row(p) = k.middleRows(j0, rows).colwise().minCoeff();
    }
}

void QuestRule::addRow(int64_t i, RowMarks& marks, RuleScratch& s) const {
    const int64_t page = spec_.questPage;
    const int64_t own = i / page;
    marks.markRange(own * page, i, kRuleQuestPage);
    const int64_t budgetPages = std::max<int64_t>(1, spec_.questBudget / page);
    const int64_t pick = std::min(budgetPages - 1, own);
    if (pick <= 0) return;
    const float* q = q_ + i * d_;
    std::vector<double>& score = s.values;
    score.resize(static_cast<size_t>(own));
    for (int64_t p = 0; p < own; ++p) {
        const float* mx = pageMax_.row(p).data();
        const float* mn = pageMin_.row(p).data();
        double sum = 0;
        for (int64_t t = 0; t < d_; ++t)
            sum += std::max(double(q[t]) * mx[t], double(q[t]) * mn[t]);
        score[static_cast<size_t>(p)] = sum;
    }
    std::vector<int32_t>& order = s.order;
    order.resize(static_cast<size_t>(own));
    for (int64_t p = 0; p < own; ++p) order[static_cast<size_t>(p)] = static_cast<int32_t>(p);
    selectBest(order, pick, [&](int32_t p) { return score[static_cast<size_t>(p)]; });
    for (int64_t r = 0; r < pick; ++r) {
        const int64_t p = order[static_cast<size_t>(r)];
        marks.markRange(p * page, p * page + page - 1, kRuleQuestPage);
    }
}

}  // namespace sparsescope::detail
