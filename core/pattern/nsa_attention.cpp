#include "core/pattern/nsa_attention.h"

#include "core/common/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace sparsescope {

namespace {

// Softmax over the scores s; calls add(t, gate * p_t) for each key t. Returns false
// when there are no keys (the branch is absent for this row).
template <class Add>
bool branch(const std::vector<double>& s, double gate, Add&& add) {
    if (s.empty()) return false;
    const double mx = *std::max_element(s.begin(), s.end());
    double sum = 0;
    for (double x : s) sum += std::exp(x - mx);
    for (size_t t = 0; t < s.size(); ++t) add(t, gate * std::exp(s[t] - mx) / sum);
    return true;
}

}  // namespace

void nsaAttentionHead(ConstMapRM q, ConstMapRM k, ConstMapRM v, const SparseMask& mask, const PatternSpec& spec,
                      float scale, MapRM out, MatrixRM* probs) {
    const int64_t n = q.rows(), d = q.cols(), dv = v.cols();
    if (k.rows() != n || k.cols() != d || v.rows() != n || out.rows() != n || out.cols() != dv || mask.n != n)
        throw Error("<input>", "nsa", "q, k, v, out and the mask must all have n rows (k like q, out like v)");
    if (!spec.nsa) throw Error("<input>", "nsa", "the pattern has no NSA branches");
    const int64_t l = spec.nsaCompressBlock, stride = spec.nsaCompressStride;
    const int64_t blocks = n >= l ? (n - l) / stride + 1 : 0;
    Eigen::MatrixXd kc = Eigen::MatrixXd::Zero(blocks, d), vc = Eigen::MatrixXd::Zero(blocks, dv);
    for (int64_t b = 0; b < blocks; ++b) {
        for (int64_t j = b * stride; j < b * stride + l; ++j) {
            kc.row(b) += k.row(j).cast<double>();
            vc.row(b) += v.row(j).cast<double>();
        }
        kc.row(b) /= double(l);
        vc.row(b) /= double(l);
    }
    if (probs) probs->setZero(n, n);
    constexpr uint16_t kNsaBits = kRuleNsaCompressed | kRuleNsaSelected | kRuleNsaWindow;
    std::vector<double> sc, ss, sw;
    std::vector<int32_t> keysS, keysW;
    for (int64_t i = 0; i < n; ++i) {
        const Eigen::VectorXd qi = q.row(i).cast<double>().transpose();
        const int64_t avail = i + 1 >= l ? (i + 1 - l) / stride + 1 : 0;
        sc.resize(static_cast<size_t>(avail));
        for (int64_t b = 0; b < avail; ++b) sc[static_cast<size_t>(b)] = kc.row(b).dot(qi) * double(scale);
        ss.clear();
        sw.clear();
        keysS.clear();
        keysW.clear();
        for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e) {
            const int32_t j = mask.cols[static_cast<size_t>(e)];
            const uint16_t bits = mask.rules[static_cast<size_t>(e)];
            const double s = double(q.row(i).dot(k.row(j))) * double(scale);
            if (bits & kRuleNsaWindow) {
                keysW.push_back(j);
                sw.push_back(s);
            }
            // Selected keys, and keys another rule of the union keeps (the diagonal
            // only when there is no window branch to hold it).
            const uint16_t others = bits & ~kNsaBits & ~uint16_t(kRuleDiagonal);
            if ((bits & kRuleNsaSelected) || others || (bits == kRuleDiagonal && spec.nsaWindow <= 0)) {
                keysS.push_back(j);
                ss.push_back(s);
            }
        }
        const int branches = int(avail > 0) + int(!ss.empty()) + int(!sw.empty());
        const double gate = 1.0 / double(std::max(1, branches));
        Eigen::VectorXd acc = Eigen::VectorXd::Zero(dv);
        float* prow = probs ? probs->row(i).data() : nullptr;
        branch(sc, gate, [&](size_t b, double w) {
            acc += w * vc.row(int64_t(b)).transpose();
            if (prow)
                for (int64_t j = int64_t(b) * stride; j < int64_t(b) * stride + l; ++j) prow[j] += float(w / double(l));
        });
        auto tokens = [&](const std::vector<int32_t>& keys) {
            return [&, keysRef = &keys](size_t t, double w) {
                const int32_t j = (*keysRef)[t];
                acc += w * v.row(j).cast<double>().transpose();
                if (prow) prow[j] += float(w);
            };
        };
        branch(ss, gate, tokens(keysS));
        branch(sw, gate, tokens(keysW));
        out.row(i) = acc.cast<float>().transpose();
    }
}

}  // namespace sparsescope
