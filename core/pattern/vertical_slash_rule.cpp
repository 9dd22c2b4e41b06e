// MInference vertical-slash (Jiang et al. 2024, "MInference 1.0: Accelerating
// Pre-filling for Long-Context LLMs via Dynamic Sparse Attention"). The attention of
// the last Q queries (rows n-Q .. n-1, Q = lastQueries, 64 in the paper) estimates
// which key columns ("vertical lines") and which diagonals ("slash lines", offset
// o = i - j) carry mass:
//     v(j) = sum_{r in last} p_rj,        s(o) = sum_{r in last, r - o >= 0} p_{r, r-o},
// p the dense causal softmax. Every query i then keeps the V columns with the largest
// v (j <= i; ties: the later column) and the S offsets with the largest s (j = i - o
// >= 0; ties: the smaller offset). MInference's kernel also always keeps the first 30
// columns and the last 100 diagonals: the vertical_slash preset adds them as global 30
// and window 100.
#include "core/pattern/method_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sparsescope::detail {

VerticalSlashRule::VerticalSlashRule(const PatternSpec& spec, int64_t n, const ScoreInputs& in) {
    const int64_t d = in.d, last = std::min(spec.lastQueries, n);
    const ConstMapRM q(in.q, n, d), k(in.k, n, d);
    std::vector<double> vertical(static_cast<size_t>(n), 0.0), slash(static_cast<size_t>(n), 0.0);
    const MatrixRM s = (q.bottomRows(last) * k.transpose()) * in.scale;
    std::vector<double> p(static_cast<size_t>(n));
    for (int64_t r = n - last; r < n; ++r) {
        const float* row = s.row(r - (n - last)).data();
        double mx = -std::numeric_limits<double>::infinity(), sum = 0;
        for (int64_t j = 0; j <= r; ++j) mx = std::max(mx, double(row[j]));
        for (int64_t j = 0; j <= r; ++j) sum += p[j] = std::exp(double(row[j]) - mx);
        for (int64_t j = 0; j <= r; ++j) {
            vertical[static_cast<size_t>(j)] += p[j] / sum;
            slash[static_cast<size_t>(r - j)] += p[j] / sum;
        }
    }
    auto top = [n](const std::vector<double>& score, int64_t count, bool tiesToLarger) {
        std::vector<int32_t> order(static_cast<size_t>(n));
        std::iota(order.begin(), order.end(), 0);
        const int64_t k = std::min(count, n);
        // Ties to the larger index (columns) or the smaller one (offsets): rank the
        // offsets by their mirrored index so one comparison serves both.
        const auto key = [&](int32_t x) { return tiesToLarger ? x : int32_t(n - 1 - x); };
        std::nth_element(order.begin(), order.begin() + std::max<int64_t>(0, k - 1), order.end(),
                         [&](int32_t a, int32_t b) { return ranksBefore(score[a], key(a), score[b], key(b)); });
        order.resize(static_cast<size_t>(std::max<int64_t>(0, k)));
        std::sort(order.begin(), order.end());
        return order;
    };
    if (spec.verticalLines > 0) columns_ = top(vertical, spec.verticalLines, true);
    if (spec.slashLines > 0) offsets_ = top(slash, spec.slashLines, false);
}

void VerticalSlashRule::addRow(int64_t i, RowMarks& marks) const {
    for (int32_t j : columns_) {
        if (j > i) break;
        marks.mark(j, kRuleVertical);
    }
    for (int32_t o : offsets_) {
        if (o > i) break;
        marks.mark(i - o, kRuleSlash);
    }
}

}  // namespace sparsescope::detail
