// H2O, Heavy-Hitter Oracle (Zhang et al. 2023, "H2O: Heavy-Hitter Oracle for Efficient
// Generative Inference of Large Language Models"), for decoding: a KV cache of W
// recent keys (spec.window) plus H heavy hitters, evicting greedily by accumulated
// attention. Row i of the mask is what the decoding step at position i attends, with
// the cache the earlier steps left behind. Exactly:
//   A(j)  = sum over earlier steps t < i that held j in their cache of p~_t(j), where
//           p~_t is step t's softmax over its own cache (what a deployed decoder
//           computes and can add up; a key's mass before it was evicted stays counted,
//           and an evicted key never returns).
//   step i: 1. the key that just left the recent window (i - W; with W = 0 the new
//              key i itself) joins the heavy candidates;
//           2. while there are more than H candidates, evict the one with the smallest
//              A (ties: the older key);
//           3. the cache is the recent window, the candidates and i itself: query i
//              attends to it (the heavy part is marked kRuleHeavyHitter; the recent
//              window is the window rule);
//           4. A(j) += p~_i(j) for every j in the cache.
// Scores are q.k * scale in double precision. The run is sequential: O(n (W + H) d).
#include "core/pattern/method_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sparsescope::detail {

HeavyHitterRule::HeavyHitterRule(const PatternSpec& spec, int64_t n, const ScoreInputs& in) {
    const int64_t d = in.d, window = spec.window, budget = spec.heavyHitters;
    std::vector<double> acc(static_cast<size_t>(n), 0.0);
    std::vector<int32_t> heavy, cache;
    std::vector<double> p;
    rowPtr_.assign(static_cast<size_t>(n) + 1, 0);
    auto score = [&](int64_t i, int64_t j) {
        const float* q = in.q + i * d;
        const float* k = in.k + j * d;
        double s = 0;
        for (int64_t t = 0; t < d; ++t) s += double(q[t]) * double(k[t]);
        return s * double(in.scale);
    };
    for (int64_t i = 0; i < n; ++i) {
        if (window <= 0) heavy.push_back(static_cast<int32_t>(i));
        else if (i - window >= 0) heavy.push_back(static_cast<int32_t>(i - window));
        while (static_cast<int64_t>(heavy.size()) > budget) {
            auto worst = heavy.begin();
            for (auto it = heavy.begin(); it != heavy.end(); ++it) {
                const double a = acc[static_cast<size_t>(*it)], w = acc[static_cast<size_t>(*worst)];
                if (a < w || (a == w && *it < *worst)) worst = it;
            }
            heavy.erase(worst);
        }
        std::vector<int32_t> sorted = heavy;
        std::sort(sorted.begin(), sorted.end());
        heavy_.insert(heavy_.end(), sorted.begin(), sorted.end());
        rowPtr_[static_cast<size_t>(i) + 1] = static_cast<int64_t>(heavy_.size());

        // Heavy keys have left the window (j <= i - W), so the parts are disjoint; with
        // W = 0 the new key i may be a heavy candidate already (the largest one).
        cache = sorted;
        for (int64_t j = std::max<int64_t>(0, i - window + 1); j <= i; ++j) cache.push_back(static_cast<int32_t>(j));
        if (window <= 0 && (sorted.empty() || sorted.back() != i)) cache.push_back(static_cast<int32_t>(i));
        p.resize(cache.size());
        double mx = -std::numeric_limits<double>::infinity(), sum = 0;
        for (size_t c = 0; c < cache.size(); ++c) mx = std::max(mx, p[c] = score(i, cache[c]));
        for (size_t c = 0; c < cache.size(); ++c) sum += p[c] = std::exp(p[c] - mx);
        for (size_t c = 0; c < cache.size(); ++c) acc[static_cast<size_t>(cache[c])] += p[c] / sum;
    }
}

void HeavyHitterRule::addRow(int64_t i, RowMarks& marks) const {
    for (int64_t e = rowPtr_[static_cast<size_t>(i)]; e < rowPtr_[static_cast<size_t>(i) + 1]; ++e)
        marks.mark(heavy_[static_cast<size_t>(e)], kRuleHeavyHitter);
}

}  // namespace sparsescope::detail
