// Metrics on cases worked out by hand, and against a brute-force double-precision
// reference on random heads.
#include "core/metrics/attention_metrics.h"
#include "core/metrics/head_analysis.h"
#include "core/metrics/metrics_json.h"
#include "core/pattern/mask_builder.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace sparsescope;

namespace {

HeadMetrics metricsFor(const MatrixRM& q, const MatrixRM& k, const MatrixRM* v, const PatternSpec& s,
                       float scale, int64_t block = 64) {
    ConstMapRM qm(q.data(), q.rows(), q.cols()), km(k.data(), k.rows(), k.cols());
    std::optional<ConstMapRM> vm;
    if (v) vm.emplace(v->data(), v->rows(), v->cols());
    ScoreInputs sc{q.data(), k.data(), q.cols(), scale};
    const SparseMask mask = buildMask(s, q.rows(), &sc);
    const DenseReference ref = computeDenseReference(qm, km, vm ? &*vm : nullptr, scale);
    MetricsOptions o;
    o.blockSize = block;
    o.oracleSelection = s.needsScores();
    return computeHeadMetrics(qm, km, vm ? &*vm : nullptr, mask, ref, o);
}

}  // namespace

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void uniformAttentionRecallIsKeptShare() {
        // q = 0: every score is 0, p_ij = 1/(i+1); a window W keeps min(W, i+1)
        // keys, so r_i = min(W, i+1)/(i+1) and KL_i = -log r_i.
        const int64_t n = 10, d = 4, w = 3;
        MatrixRM q = MatrixRM::Zero(n, d), k = MatrixRM::Random(n, d);
        PatternSpec s;
        s.window = w;
        const HeadMetrics m = metricsFor(q, k, nullptr, s, 1.0f);
        double mean = 0, kl = 0, mn = 1;
        std::vector<double> r;
        for (int64_t i = 0; i < n; ++i) {
            const double ri = double(std::min(w, i + 1)) / double(i + 1);
            QVERIFY(std::abs(m.rowRecall[i] - ri) < 1e-6);
            r.push_back(ri);
            mean += ri / n;
            kl += -std::log(ri) / n;
            mn = std::min(mn, ri);
        }
        QVERIFY(std::abs(m.recallMean - mean) < 1e-6);
        QVERIFY(std::abs(m.klMean - kl) < 1e-6);
        QVERIFY(std::abs(m.recallMin - 0.3) < 1e-6);  // row 9 keeps 3 of 10
        QVERIFY(std::abs(m.recallP10 - percentile(r, 10)) < 1e-9);
        // Ties go to the larger key: the densest key is the diagonal, always kept.
        QCOMPARE(m.top1Retention, 1.0);
        // Density: 3*4/2 + 7*3 = 27 of 55 causal pairs.
        QCOMPARE(m.keptPairs, int64_t(27));
        QCOMPARE(m.possiblePairs, int64_t(55));
        QVERIFY(std::abs(m.density - 27.0 / 55.0) < 1e-12);
        QCOMPARE(m.kvReadsLast, 3.0);
    }

    void percentileMatchesNumpyLinear() {
        QCOMPARE(percentile({1, 2, 3, 4, 5}, 10), 1.4);   // numpy.percentile([1..5], 10)
        QCOMPARE(percentile({5, 1, 3}, 50), 3.0);
        QCOMPARE(percentile({2}, 10), 2.0);
        QVERIFY(std::abs(percentile({0, 10}, 25) - 2.5) < 1e-12);
    }

    void outputErrorByHand() {
        // n = 2, d = 1, q = k = 0 (uniform), v = [1, 3]. Row 1 dense output is 2.
        // Diagonal only: sparse output of row 1 is v_1 = 3, error |3-2|/2 = 0.5;
        // row 0 is exact. Recall of row 1 is 1/2.
        MatrixRM q = MatrixRM::Zero(2, 1), k = MatrixRM::Zero(2, 1), v(2, 1);
        v << 1, 3;
        const HeadMetrics m = metricsFor(q, k, &v, PatternSpec{}, 1.0f);
        QVERIFY(m.hasOutputError);
        QVERIFY(std::abs(m.outputRelErrorMax - 0.5) < 1e-7);
        QVERIFY(std::abs(m.outputRelErrorMean - 0.25) < 1e-7);
        QVERIFY(std::abs(m.recallMean - 0.75) < 1e-7);
        QVERIFY(std::abs(m.klMean - std::log(2.0) / 2) < 1e-7);
    }

    void top1RetentionByHand() {
        // Row 2 attends most to key 0 (score 5); a window of 2 drops it.
        MatrixRM q(3, 1), k(3, 1);
        q << 1, 1, 1;
        k << 5, 0, 1;
        PatternSpec s;
        s.window = 2;
        const HeadMetrics m = metricsFor(q, k, nullptr, s, 1.0f);
        // Row 0: key 0 kept. Row 1: densest key 0 (5 > 0), kept by window 2. Row 2: dropped.
        QVERIFY(std::abs(m.top1Retention - 2.0 / 3.0) < 1e-12);
    }

    // Sparse rows are summed over the kept keys, rows keeping more than half over the
    // dropped ones, and rows whose kept mass is tiny directly again: one case each.
    void bruteForceRecallAndError_data() {
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("random");
        QTest::addColumn<bool>("sinkKey");  // key 0 takes almost all the mass
        QTest::newRow("sparse rows") << 9 << 7 << 2 << false;
        QTest::newRow("wide window") << 50 << 0 << 0 << false;
        QTest::newRow("mixed") << 30 << 3 << 5 << false;
        QTest::newRow("wide window, dropped sink") << 40 << 0 << 0 << true;
    }

    void bruteForceRecallAndError() {
        QFETCH(int, window);
        QFETCH(int, stride);
        QFETCH(int, random);
        QFETCH(bool, sinkKey);
        std::mt19937 rng(3);
        std::normal_distribution<float> g(0, 1);
        const int64_t n = 70, d = 8;
        MatrixRM q(n, d), k(n, d), v(n, 5);
        for (int64_t i = 0; i < q.size(); ++i) q.data()[i] = 2 * g(rng);
        for (int64_t i = 0; i < k.size(); ++i) k.data()[i] = g(rng);
        for (int64_t i = 0; i < v.size(); ++i) v.data()[i] = g(rng);
        if (sinkKey) {
            for (int64_t i = 0; i < n; ++i) q(i, 0) = 8;
            k(0, 0) = 8;
        }
        PatternSpec s;
        s.window = window;
        s.stride = stride;
        s.random = random;
        const float scale = 0.35f;
        const HeadMetrics m = metricsFor(q, k, &v, s, scale, 16);
        const SparseMask mask = buildMask(s, n);
        double sumR = 0, sumE = 0, maxE = 0;
        for (int64_t i = 0; i < n; ++i) {
            std::vector<double> p(i + 1);
            double mx = -INFINITY, z = 0;
            for (int64_t j = 0; j <= i; ++j) {
                double sc = 0;
                for (int64_t t = 0; t < d; ++t) sc += double(q(i, t)) * k(j, t);
                p[j] = sc * scale;
                mx = std::max(mx, p[j]);
            }
            for (auto& x : p) { x = std::exp(x - mx); z += x; }
            for (auto& x : p) x /= z;
            double r = 0;
            Eigen::VectorXd od = Eigen::VectorXd::Zero(5), os = od;
            for (int64_t j = 0; j <= i; ++j) od += p[j] * v.row(j).cast<double>().transpose();
            for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e) {
                const int j = mask.cols[e];
                r += p[j];
                os += p[j] * v.row(j).cast<double>().transpose();
            }
            os /= r;
            QVERIFY(std::abs(m.rowRecall[i] - r) < 1e-5);
            sumR += r;
            const double err = (os - od).norm() / od.norm();
            sumE += err;
            maxE = std::max(maxE, err);
        }
        QVERIFY(std::abs(m.recallMean - sumR / n) < 1e-5);
        QVERIFY(std::abs(m.outputRelErrorMean - sumE / n) < 1e-4);
        QVERIFY(std::abs(m.outputRelErrorMax - maxE) < 1e-4);
    }

    void flopsAndOracleCharge() {
        const int64_t n = 16, d = 4;
        MatrixRM q = MatrixRM::Random(n, d), k = MatrixRM::Random(n, d);
        PatternSpec s;
        s.window = 4;
        HeadMetrics m = metricsFor(q, k, nullptr, s, 1.0f);
        const double perPair = 2.0 * d + 2.0 * d + kSoftmaxFlopsPerPair;
        QCOMPARE(m.flopsDense, perPair * 136);   // 16*17/2 causal pairs
        QCOMPARE(m.flopsSparse, perPair * double(m.keptPairs));
        QVERIFY(!m.oracleSelection);
        s = PatternSpec{};
        s.topk = 2;
        m = metricsFor(q, k, nullptr, s, 1.0f);
        QVERIFY(m.oracleSelection);
        QCOMPARE(m.flopsSelector, 2.0 * d * 136);
        QCOMPARE(m.flopsSparse, perPair * double(m.keptPairs) + 2.0 * d * 136);
    }

    void blockDensityByHand() {
        // n = 8, B = 4, window 2: 3 of 3 causal tiles hold a kept pair; diagonal only: 2 of 3.
        MatrixRM q = MatrixRM::Random(8, 2), k = MatrixRM::Random(8, 2);
        PatternSpec s;
        s.window = 2;
        QVERIFY(std::abs(metricsFor(q, k, nullptr, s, 1.0f, 4).blockDensity - 1.0) < 1e-12);
        QVERIFY(std::abs(metricsFor(q, k, nullptr, PatternSpec{}, 1.0f, 4).blockDensity - 2.0 / 3.0) < 1e-12);
    }

    void aggregatePoolsHeads() {
        std::mt19937 rng(5);
        std::normal_distribution<float> g(0, 1);
        HeadTensor q(3, 40, 8), k(3, 40, 8), v(3, 40, 8);
        for (auto* t : {&q, &k, &v})
            for (auto& x : t->data) x = g(rng);
        PatternSpec s;
        s.window = 5;
        s.global = 2;
        const AnalysisResult r = analyzeHeads(q, k, &v, s);
        QCOMPARE(r.perHead.size(), size_t(3));
        double mean = 0, mn = 1, maxErr = 0;
        std::vector<double> rows;
        for (const auto& h : r.perHead) {
            mean += h.recallMean / 3;
            mn = std::min(mn, h.recallMin);
            maxErr = std::max(maxErr, h.outputRelErrorMax);
            rows.insert(rows.end(), h.rowRecall.begin(), h.rowRecall.end());
        }
        QVERIFY(std::abs(r.aggregate.recallMean - mean) < 1e-12);
        QCOMPARE(r.aggregate.recallMin, mn);
        QCOMPARE(r.aggregate.outputRelErrorMax, maxErr);
        QCOMPARE(r.aggregate.recallP10, percentile(rows, 10));
        QCOMPARE(r.aggregate.keptPairs, 3 * r.perHead[0].keptPairs);
        const auto j = analysisToJson(r);
        for (const char* key : {"density", "recall_mean", "recall_min", "recall_p10", "kl_mean",
                                "output_rel_error_mean", "output_rel_error_max", "top1_retention",
                                "block_density", "block_size", "flops_dense", "flops_sparse",
                                "kv_reads_last"})
            QVERIFY2(j["aggregate"].contains(key) && j["per_head"][0].contains(key), key);
        QCOMPARE(j["heads"].get<int>(), 3);
        QCOMPARE(j["n"].get<int>(), 40);
    }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "test_metrics.moc"
