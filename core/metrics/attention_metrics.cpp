#include "core/metrics/attention_metrics.h"

#include "core/common/error.h"
#include "core/common/parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace sparsescope {

namespace {
constexpr int64_t kRowBlock = 64;

void checkShapes(ConstMapRM q, ConstMapRM k, const ConstMapRM* v) {
    if (q.rows() != k.rows() || q.cols() != k.cols())
        throw Error("<input>", "k", "K must have the shape of Q [n, d]");
    if (v && v->rows() != q.rows()) throw Error("<input>", "v", "V must have n rows like Q");
}
}  // namespace

DenseReference computeDenseReference(ConstMapRM q, ConstMapRM k, const ConstMapRM* v, float scale,
                                     bool causal) {
    checkShapes(q, k, v);
    DenseReference ref;
    ref.n = q.rows();
    ref.d = q.cols();
    ref.dv = v ? v->cols() : 0;
    ref.causal = causal;
    ref.scale = scale;
    ref.lse.assign(static_cast<size_t>(ref.n), 0.0);
    ref.top1.assign(static_cast<size_t>(ref.n), 0);
    if (v) ref.out = MatrixRM::Zero(ref.n, ref.dv);
    const int64_t n = ref.n;
    const int64_t blocks = (n + kRowBlock - 1) / kRowBlock;
    parallelFor(0, blocks, [&](int64_t b) {
        const int64_t r0 = b * kRowBlock, r1 = std::min(n, r0 + kRowBlock);
        const int64_t keys = causal ? r1 : n;
        MatrixRM s = (q.middleRows(r0, r1 - r0) * k.topRows(keys).transpose()) * scale;
        for (int64_t i = r0; i < r1; ++i) {
            float* row = s.row(i - r0).data();
            const int64_t limit = causal ? i + 1 : n;
            float mx = -std::numeric_limits<float>::infinity();
            int32_t arg = 0;
            for (int64_t j = 0; j < limit; ++j)
                if (row[j] >= mx) { mx = row[j]; arg = static_cast<int32_t>(j); }
            double sum = 0;
            for (int64_t j = 0; j < limit; ++j) {
                const double e = std::exp(static_cast<double>(row[j]) - mx);
                row[j] = static_cast<float>(e);
                sum += e;
            }
            for (int64_t j = 0; j < limit; ++j) row[j] = static_cast<float>(row[j] / sum);
            for (int64_t j = limit; j < keys; ++j) row[j] = 0.0f;
            ref.lse[i] = mx + std::log(sum);
            ref.top1[i] = arg;
        }
        if (v) ref.out.middleRows(r0, r1 - r0).noalias() = s * v->topRows(keys);
    });
    return ref;
}

HeadMetrics computeHeadMetrics(ConstMapRM q, ConstMapRM k, const ConstMapRM* v,
                               const SparseMask& mask, const DenseReference& ref,
                               const MetricsOptions& options) {
    checkShapes(q, k, v);
    const int64_t n = q.rows(), d = q.cols();
    if (mask.n != n || ref.n != n)
        throw Error("<input>", "mask", "mask has " + std::to_string(mask.n) + " rows but Q has " +
                                           std::to_string(n));
    if (v && ref.out.rows() != n)
        throw Error("<input>", "v", "dense reference was computed without V");

    HeadMetrics m;
    m.n = n;
    m.keptPairs = mask.keptPairs();
    m.possiblePairs = possiblePairs(n, mask.causal);
    m.density = m.possiblePairs ? double(m.keptPairs) / double(m.possiblePairs) : 0.0;
    m.rowRecall.assign(static_cast<size_t>(n), 0.0);
    m.hasOutputError = v != nullptr;
    if (v) m.rowOutputError.assign(static_cast<size_t>(n), 0.0);
    std::vector<uint8_t> topKept(static_cast<size_t>(n), 0);

    // Row i: r = sum over kept j of p_ij and the sparse output o_s = (sum_kept p_ij v_j) / r.
    // A row that keeps more than half of its keys is summed over the dropped keys instead:
    // r = 1 - sum_dropped p_ij and sum_kept p_ij v_j = o_dense - sum_dropped p_ij v_j, so the
    // cost is min(kept, dropped) pairs (a wide window costs what it drops). When the kept
    // mass is small (r < 1e-2) that difference cancels, and the row is summed directly.
    parallelFor(0, n, [&](int64_t i) {
        const int64_t b = mask.rowBegin(i), e = mask.rowEnd(i);
        const int64_t visible = mask.causal ? i + 1 : n;
        const double lse = ref.lse[i];
        const int64_t dv = v ? v->cols() : 0;
        Eigen::VectorXd os = Eigen::VectorXd::Zero(dv);
        auto add = [&](int64_t j, double sign) {
            const double s = static_cast<double>(q.row(i).dot(k.row(j))) * ref.scale;
            const double p = std::exp(s - lse);
            if (v) os += (sign * p) * v->row(j).cast<double>().transpose();
            return p;
        };
        double r = 0;
        bool direct = true;
        if (2 * (e - b) > visible) {
            double dropped = 0;
            int64_t t = b;
            for (int64_t j = 0; j < visible; ++j) {
                if (t < e && mask.cols[t] == j) { ++t; continue; }
                dropped += add(j, -1.0);
            }
            r = 1.0 - dropped;
            if (v) os += ref.out.row(i).cast<double>().transpose();
            direct = r < 1e-2;
            if (direct && v) os.setZero();
        }
        if (direct) {
            r = 0;
            for (int64_t t = b; t < e; ++t) r += add(mask.cols[t], 1.0);
        }
        m.rowRecall[i] = r;
        topKept[i] = std::binary_search(mask.cols.begin() + b, mask.cols.begin() + e, ref.top1[i]);
        if (v) {
            const Eigen::VectorXd od = ref.out.row(i).cast<double>().transpose();
            const Eigen::VectorXd diff = (r > 0 ? Eigen::VectorXd(os / r) : os) - od;
            const double denom = od.norm();
            m.rowOutputError[i] = denom > 0 ? diff.norm() / denom : diff.norm();
        }
    }, 16);

    double sumR = 0, sumKl = 0, minR = std::numeric_limits<double>::infinity();
    int64_t kept1 = 0;
    for (int64_t i = 0; i < n; ++i) {
        const double r = m.rowRecall[i];
        sumR += r;
        minR = std::min(minR, r);
        // r can exceed 1 by rounding on a full row; KL is never negative.
        sumKl += r > 0 ? std::max(0.0, -std::log(r)) : std::numeric_limits<double>::infinity();
        kept1 += topKept[i];
    }
    if (n > 0) {
        m.recallMean = sumR / n;
        m.recallMin = minR;
        m.recallP10 = percentile(m.rowRecall, 10.0);
        m.klMean = sumKl / n;
        m.top1Retention = double(kept1) / n;
    }
    if (v && n > 0) {
        double sumE = 0, maxE = 0;
        for (double err : m.rowOutputError) { sumE += err; maxE = std::max(maxE, err); }
        m.outputRelErrorMean = sumE / n;
        m.outputRelErrorMax = maxE;
    }

    m.blockSize = options.blockSize;
    const BlockMap tiles = buildBlockMap(mask, options.blockSize);
    m.keptTiles = keptTiles(tiles);
    m.possibleTiles = possibleTiles(n, options.blockSize, mask.causal);
    m.blockDensity = m.possibleTiles ? double(m.keptTiles) / double(m.possibleTiles) : 0.0;

    const double dv = v ? double(v->cols()) : double(d);
    const double perPair = 2.0 * d + 2.0 * dv + kSoftmaxFlopsPerPair;
    m.flopsDense = perPair * double(m.possiblePairs);
    m.oracleSelection = options.oracleSelection;
    int64_t corePairs = m.keptPairs;
    if (options.selectorFlops >= 0) {
        // NSA's compressed tokens are selector work (core/cost): only pairs some other
        // rule keeps are core attention.
        m.flopsSelector = options.selectorFlops;
        for (uint16_t bits : mask.rules) corePairs -= bits == kRuleNsaCompressed;
    } else {
        m.flopsSelector = options.oracleSelection ? 2.0 * d * double(m.possiblePairs) : 0.0;
    }
    m.flopsSparse = perPair * double(corePairs) + m.flopsSelector;
    m.kvReadsLast = n > 0 ? double(mask.rowSize(n - 1)) : 0.0;

    m.rowDensity.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        m.rowDensity[static_cast<size_t>(i)] = double(mask.rowSize(i)) / double(mask.causal ? i + 1 : n);
    summarizeRowDensity(m);
    if (options.indexerTopk > 0) {
        m.hasIndexerOverlap = true;
        m.indexerOverlap = selectorOverlap(q, k, mask, kRuleIndexer, options.indexerTopk, &m.rowIndexerOverlap);
    }
    return m;
}

void summarizeRowDensity(HeadMetrics& m) {
    if (m.rowDensity.empty()) return;
    m.rowDensityMin = *std::min_element(m.rowDensity.begin(), m.rowDensity.end());
    m.rowDensityMax = *std::max_element(m.rowDensity.begin(), m.rowDensity.end());
    m.rowDensityP10 = percentile(m.rowDensity, 10.0);
    m.rowDensityMedian = percentile(m.rowDensity, 50.0);
    m.rowDensityP90 = percentile(m.rowDensity, 90.0);
}

double selectorOverlap(ConstMapRM q, ConstMapRM k, const SparseMask& mask, uint16_t bit, int64_t topk,
                       std::vector<double>* rows) {
    const int64_t n = q.rows();
    std::vector<double> overlap(static_cast<size_t>(n), 0.0);
    const int64_t blocks = (n + kRowBlock - 1) / kRowBlock;
    parallelFor(0, blocks, [&](int64_t b) {
        const int64_t r0 = b * kRowBlock, r1 = std::min(n, r0 + kRowBlock);
        const int64_t keys = mask.causal ? r1 : n;
        const MatrixRM s = q.middleRows(r0, r1 - r0) * k.topRows(keys).transpose();
        std::vector<int32_t> order;
        std::vector<uint8_t> chosen(static_cast<size_t>(keys), 0);
        for (int64_t i = r0; i < r1; ++i) {
            const float* row = s.row(i - r0).data();
            const int64_t limit = mask.causal ? i + 1 : n;
            const int64_t kk = std::min(topk, limit);
            order.resize(static_cast<size_t>(limit));
            for (int64_t j = 0; j < limit; ++j) order[static_cast<size_t>(j)] = static_cast<int32_t>(j);
            // The oracle's ranking: score descending, ties to the larger j (design.md).
            std::nth_element(order.begin(), order.begin() + (kk - 1), order.end(), [row](int32_t a, int32_t c) {
                return row[a] > row[c] || (row[a] == row[c] && a > c);
            });
            for (int64_t t = 0; t < kk; ++t) chosen[static_cast<size_t>(order[static_cast<size_t>(t)])] = 1;
            int64_t hit = 0;
            for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e)
                if ((mask.rules[static_cast<size_t>(e)] & bit) && chosen[static_cast<size_t>(mask.cols[static_cast<size_t>(e)])]) ++hit;
            for (int64_t t = 0; t < kk; ++t) chosen[static_cast<size_t>(order[static_cast<size_t>(t)])] = 0;
            overlap[static_cast<size_t>(i)] = kk > 0 ? double(hit) / double(kk) : 1.0;
        }
    });
    double sum = 0;
    for (double x : overlap) sum += x;
    if (rows) *rows = overlap;
    return n > 0 ? sum / double(n) : 0.0;
}

double percentile(std::vector<double> values, double q) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    const double pos = q / 100.0 * double(values.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(values.size() - 1, lo + 1);
    const double frac = pos - double(lo);
    return values[lo] + (values[hi] - values[lo]) * frac;
}

HeadMetrics aggregateMetrics(const std::vector<HeadMetrics>& heads) {
    HeadMetrics a;
    if (heads.empty()) return a;
    a.n = heads.front().n;
    a.blockSize = heads.front().blockSize;
    a.hasOutputError = true;
    a.recallMin = std::numeric_limits<double>::infinity();
    double sumR = 0, sumKl = 0, sumTop = 0, sumE = 0, kv = 0, overlapSum = 0;
    int64_t rows = 0, overlapRows = 0;
    for (const auto& h : heads) {
        a.keptPairs += h.keptPairs;
        a.possiblePairs += h.possiblePairs;
        a.keptTiles += h.keptTiles;
        a.possibleTiles += h.possibleTiles;
        a.flopsDense += h.flopsDense;
        a.flopsSparse += h.flopsSparse;
        a.flopsSelector += h.flopsSelector;
        a.oracleSelection = a.oracleSelection || h.oracleSelection;
        a.hasOutputError = a.hasOutputError && h.hasOutputError;
        a.recallMin = std::min(a.recallMin, h.recallMin);
        a.outputRelErrorMax = std::max(a.outputRelErrorMax, h.outputRelErrorMax);
        sumR += h.recallMean * h.n;
        sumKl += h.klMean * h.n;
        sumTop += h.top1Retention * h.n;
        sumE += h.outputRelErrorMean * h.n;
        rows += h.n;
        kv += h.kvReadsLast;
        a.rowRecall.insert(a.rowRecall.end(), h.rowRecall.begin(), h.rowRecall.end());
        a.rowDensity.insert(a.rowDensity.end(), h.rowDensity.begin(), h.rowDensity.end());
        if (h.hasIndexerOverlap) {
            a.hasIndexerOverlap = true;
            overlapSum += h.indexerOverlap * h.n;
            overlapRows += h.n;
        }
    }
    if (overlapRows > 0) a.indexerOverlap = overlapSum / double(overlapRows);
    summarizeRowDensity(a);
    if (rows > 0) {
        a.recallMean = sumR / rows;
        a.klMean = sumKl / rows;
        a.top1Retention = sumTop / rows;
        a.outputRelErrorMean = sumE / rows;
    } else {
        a.recallMin = 0;
    }
    if (!a.hasOutputError) a.outputRelErrorMean = a.outputRelErrorMax = 0;
    a.recallP10 = percentile(a.rowRecall, 10.0);
    a.density = a.possiblePairs ? double(a.keptPairs) / double(a.possiblePairs) : 0.0;
    a.blockDensity = a.possibleTiles ? double(a.keptTiles) / double(a.possibleTiles) : 0.0;
    a.kvReadsLast = kv / double(heads.size());
    return a;
}

}  // namespace sparsescope
