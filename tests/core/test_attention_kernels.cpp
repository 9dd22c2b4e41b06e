// Attention kernels against an independent float64 reference written here:
// for every kept (i, j) the score q_i . k_j * scale in double, the softmax over the
// row's kept keys in double, and the output as the weighted sum of V rows.
// Output error is measured per row as ||o_i - ref_i|| / sum_j p_ij ||v_j||, the
// size of the terms being summed (||ref_i|| itself can cancel to ~0 for d = 1).
#include "core/attention/attention_detail.h"
#include "core/attention/attention_kernels.h"
#include "core/common/error.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <random>

using namespace sparsescope;

namespace {

MatrixRM randomMatrix(int64_t rows, int64_t cols, std::mt19937& rng, float sigma = 1.0f) {
    std::normal_distribution<float> dist(0.0f, sigma);
    MatrixRM m(rows, cols);
    for (int64_t i = 0; i < m.size(); ++i) m.data()[i] = dist(rng);
    return m;
}

// Builds a CSR mask from a predicate keep(i, j) over the allowed pairs.
template <class Keep>
SparseMask maskFrom(int64_t n, bool causal, Keep&& keep) {
    SparseMask m;
    m.n = n;
    m.causal = causal;
    m.rowPtr.push_back(0);
    for (int64_t i = 0; i < n; ++i) {
        const int64_t last = causal ? i : n - 1;
        for (int64_t j = 0; j <= last; ++j)
            if (keep(i, j)) {
                m.cols.push_back(static_cast<int32_t>(j));
                m.rules.push_back(kRuleDense);
            }
        m.rowPtr.push_back(static_cast<int64_t>(m.cols.size()));
    }
    return m;
}

SparseMask fullMask(int64_t n, bool causal) {
    return maskFrom(n, causal, [](int64_t, int64_t) { return true; });
}

SparseMask makeMask(const QString& kind, int64_t n, bool causal, std::mt19937& rng) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    auto random = [&](double density, bool diagonal) {
        return maskFrom(n, causal, [&](int64_t i, int64_t j) {
            return (diagonal && i == j) || u(rng) < density;
        });
    };
    if (kind == "full") return fullMask(n, causal);
    if (kind == "random02") return random(0.02, false);  // may leave rows empty
    if (kind == "random10") return random(0.10, true);
    if (kind == "random40") return random(0.40, true);
    if (kind == "random85") return random(0.85, false);
    const int64_t w = std::max<int64_t>(1, n / 5);
    auto inWindow = [&](int64_t i, int64_t j) { return causal ? i - j < w : std::abs(i - j) < w; };
    if (kind == "window") return maskFrom(n, causal, inWindow);
    if (kind == "window+sinks")
        return maskFrom(n, causal, [&](int64_t i, int64_t j) { return j < 3 || inWindow(i, j); });
    if (kind == "strided")
        return maskFrom(n, causal, [&](int64_t i, int64_t j) { return std::abs(i - j) % 3 == 0; });
    qFatal("unknown mask kind");
    return {};
}

struct Reference {
    Eigen::MatrixXd out;        // [n, dv]
    std::vector<double> probs;  // aligned with mask.cols
    std::vector<double> lse;
    std::vector<double> weightNorm;  // sum_j p_ij ||v_j||
};

Reference reference(const MatrixRM& q, const MatrixRM& k, const MatrixRM& v, const SparseMask& mask,
                    float scale) {
    const int64_t n = q.rows();
    Reference r;
    r.out = Eigen::MatrixXd::Zero(n, v.cols());
    r.probs.assign(mask.cols.size(), 0.0);
    r.lse.assign(static_cast<size_t>(n), -std::numeric_limits<double>::infinity());
    r.weightNorm.assign(static_cast<size_t>(n), 0.0);
    for (int64_t i = 0; i < n; ++i) {
        const int64_t b = mask.rowBegin(i), e = mask.rowEnd(i);
        if (b == e) continue;
        std::vector<double> s;
        for (int64_t t = b; t < e; ++t) {
            const int64_t j = mask.cols[static_cast<size_t>(t)];
            double dot = 0.0;
            for (int64_t c = 0; c < q.cols(); ++c) dot += double(q(i, c)) * double(k(j, c));
            s.push_back(dot * double(scale));
        }
        const double mx = *std::max_element(s.begin(), s.end());
        double sum = 0.0;
        for (double& x : s) sum += (x = std::exp(x - mx));
        r.lse[static_cast<size_t>(i)] = mx + std::log(sum);
        for (int64_t t = b; t < e; ++t) {
            const int64_t j = mask.cols[static_cast<size_t>(t)];
            const double p = s[static_cast<size_t>(t - b)] / sum;
            r.probs[static_cast<size_t>(t)] = p;
            r.out.row(i) += p * v.row(j).cast<double>();
            r.weightNorm[static_cast<size_t>(i)] += p * v.row(j).cast<double>().norm();
        }
    }
    return r;
}

// Largest per-row error ||o_i - ref_i|| / sum_j p_ij ||v_j|| (0 / 0 counts as 0).
double maxRowError(const MatrixRM& out, const Reference& ref) {
    double worst = 0.0;
    for (int64_t i = 0; i < out.rows(); ++i) {
        const double err = (out.row(i).cast<double>() - ref.out.row(i)).norm();
        const double size = ref.weightNorm[static_cast<size_t>(i)];
        worst = std::max(worst, size > 0.0 ? err / size : err);
    }
    return worst;
}

bool allFinite(const float* x, size_t count) {
    for (size_t i = 0; i < count; ++i)
        if (!std::isfinite(x[i])) return false;
    return true;
}

MatrixRM runSparse(const MatrixRM& q, const MatrixRM& k, const MatrixRM& v, const SparseMask& mask,
                   float scale, std::vector<float>* probs = nullptr,
                   std::vector<double>* lse = nullptr, const SparseTiling& tiling = {}) {
    MatrixRM out(q.rows(), v.cols());
    sparseAttentionHead(ConstMapRM(q.data(), q.rows(), q.cols()),
                        ConstMapRM(k.data(), k.rows(), k.cols()),
                        ConstMapRM(v.data(), v.rows(), v.cols()), mask, scale,
                        MapRM(out.data(), out.rows(), out.cols()), probs, lse, tiling);
    return out;
}

MatrixRM runDense(const MatrixRM& q, const MatrixRM& k, const MatrixRM& v, float scale, bool causal,
                  MatrixRM* probs = nullptr, std::vector<double>* lse = nullptr) {
    MatrixRM out(q.rows(), v.cols());
    denseAttentionHead(ConstMapRM(q.data(), q.rows(), q.cols()),
                       ConstMapRM(k.data(), k.rows(), k.cols()),
                       ConstMapRM(v.data(), v.rows(), v.cols()), scale, causal,
                       MapRM(out.data(), out.rows(), out.cols()), probs, lse);
    return out;
}

// The three ways the sparse kernel can run a mask: automatic, every tile as a dense
// tile (odd tile height, so tiles end mid-pattern), every row gathered on its own.
std::vector<std::pair<const char*, SparseTiling>> tilings() {
    return {{"auto", SparseTiling{}},
            {"tile7", SparseTiling{7, std::numeric_limits<double>::infinity()}},
            {"rows", SparseTiling{16, 0.0}}};
}

HeadTensor randomHeads(int64_t h, int64_t n, int64_t d, std::mt19937& rng) {
    HeadTensor t(h, n, d);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (float& x : t.data) x = dist(rng);
    return t;
}

MatrixRM headMatrix(const HeadTensor& t, int64_t head) { return t.head(head); }

}  // namespace

class TestAttentionKernels : public QObject {
    Q_OBJECT

private slots:
    void sparseMatchesReference_data();
    void sparseMatchesReference();
    void sparseEqualsDenseOnFullMask_data();
    void sparseEqualsDenseOnFullMask();
    void denseProbabilities_data();
    void denseProbabilities();
    void extremeLogits_data();
    void extremeLogits();
    void equalExtremeScoresGiveUniformWeights();
    void emptyRowGivesZeroOutput();
    void multiHeadSharedAndPerHeadMasks();
    void multiHeadDenseMatchesSingleHead();
    void softmaxRowPrimitives();
    void intoVariantsReuseOutput();
    void mismatchedShapesThrow();
    void malformedMasksThrow();
    void emptyInputs();
};

void TestAttentionKernels::sparseMatchesReference_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("d");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("causal");
    const QStringList kinds = {"full",     "random02", "random10",     "random40",
                               "random85", "window",   "window+sinks", "strided"};
    for (int n : {1, 2, 17, 64, 300})
        for (int d : {1, 8, 64})
            for (const QString& kind : kinds)
                for (bool causal : {true, false})
                    QTest::addRow("n%d d%d %s %s", n, d, qPrintable(kind),
                                  causal ? "causal" : "bidir")
                        << n << d << kind << causal;
}

void TestAttentionKernels::sparseMatchesReference() {
    QFETCH(int, n);
    QFETCH(int, d);
    QFETCH(QString, kind);
    QFETCH(bool, causal);
    std::mt19937 rng(1234u + 7u * n + 131u * d + (causal ? 1u : 0u));
    const MatrixRM q = randomMatrix(n, d, rng), k = randomMatrix(n, d, rng),
                   v = randomMatrix(n, d, rng);
    const SparseMask mask = makeMask(kind, n, causal, rng);
    const float scale = 1.0f / std::sqrt(float(d));
    const Reference ref = reference(q, k, v, mask, scale);
    for (const auto& [name, tiling] : tilings()) {
        std::vector<float> probs;
        std::vector<double> lse;
        const MatrixRM out = runSparse(q, k, v, mask, scale, &probs, &lse, tiling);
        QVERIFY2(maxRowError(out, ref) < 1e-5, name);
        QCOMPARE(probs.size(), ref.probs.size());
        for (size_t t = 0; t < probs.size(); ++t)
            QVERIFY2(std::abs(probs[t] - ref.probs[t]) < 1e-6, name);
        for (int64_t i = 0; i < n; ++i) {
            const double want = ref.lse[static_cast<size_t>(i)], got = lse[static_cast<size_t>(i)];
            QVERIFY2(std::isinf(want) ? got == want : std::abs(got - want) < 1e-5, name);
        }
    }
}

void TestAttentionKernels::sparseEqualsDenseOnFullMask_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("d");
    QTest::addColumn<bool>("causal");
    for (int n : {1, 17, 64, 65, 300, 700})
        for (int d : {1, 64})
            for (bool causal : {true, false})
                QTest::addRow("n%d d%d %s", n, d, causal ? "causal" : "bidir") << n << d << causal;
}

void TestAttentionKernels::sparseEqualsDenseOnFullMask() {
    QFETCH(int, n);
    QFETCH(int, d);
    QFETCH(bool, causal);
    std::mt19937 rng(99u + n + d);
    const MatrixRM q = randomMatrix(n, d, rng), k = randomMatrix(n, d, rng),
                   v = randomMatrix(n, d, rng);
    const SparseMask mask = fullMask(n, causal);
    const float scale = 1.0f / std::sqrt(float(d));
    MatrixRM denseProbs;
    std::vector<double> denseLse;
    const MatrixRM dense = runDense(q, k, v, scale, causal, &denseProbs, &denseLse);
    const Reference ref = reference(q, k, v, mask, scale);
    QVERIFY(maxRowError(dense, ref) < 1e-5);
    for (const auto& [name, tiling] : tilings()) {
        std::vector<float> probs;
        std::vector<double> lse;
        const MatrixRM sparse = runSparse(q, k, v, mask, scale, &probs, &lse, tiling);
        QVERIFY2(((sparse - dense).cwiseAbs().maxCoeff()) <=
                     1e-5f * (1.0f + dense.cwiseAbs().maxCoeff()),
                 name);
        for (int64_t i = 0; i < n; ++i) {
            QVERIFY2(std::abs(lse[size_t(i)] - denseLse[size_t(i)]) < 1e-5, name);
            for (int64_t t = mask.rowBegin(i); t < mask.rowEnd(i); ++t)
                QVERIFY2(std::abs(probs[size_t(t)] - denseProbs(i, mask.cols[size_t(t)])) < 1e-6,
                         name);
        }
    }
}

void TestAttentionKernels::denseProbabilities_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<bool>("causal");
    for (int n : {1, 2, 63, 64, 129, 300})
        for (bool causal : {true, false})
            QTest::addRow("n%d %s", n, causal ? "causal" : "bidir") << n << causal;
}

void TestAttentionKernels::denseProbabilities() {
    QFETCH(int, n);
    QFETCH(bool, causal);
    std::mt19937 rng(5u + n);
    const int d = 16;
    const MatrixRM q = randomMatrix(n, d, rng, 2.0f), k = randomMatrix(n, d, rng),
                   v = randomMatrix(n, d, rng);
    MatrixRM probs;
    const MatrixRM out = runDense(q, k, v, 0.25f, causal, &probs);
    QCOMPARE(probs.rows(), Eigen::Index(n));
    QCOMPARE(probs.cols(), Eigen::Index(n));
    const Reference ref = reference(q, k, v, fullMask(n, causal), 0.25f);
    QVERIFY(maxRowError(out, ref) < 1e-5);
    for (int i = 0; i < n; ++i) {
        double sum = 0.0;
        for (int j = 0; j < n; ++j) {
            if (causal && j > i) QCOMPARE(probs(i, j), 0.0f);
            QVERIFY(probs(i, j) >= 0.0f);
            sum += probs(i, j);
        }
        QVERIFY(std::abs(sum - 1.0) < 1e-5);
    }
    // The reference's probabilities, in mask order, against the matrix.
    const SparseMask full = fullMask(n, causal);
    for (int i = 0; i < n; ++i)
        for (int64_t t = full.rowBegin(i); t < full.rowEnd(i); ++t)
            QVERIFY(std::abs(probs(i, full.cols[size_t(t)]) - ref.probs[size_t(t)]) < 1e-6);
}

void TestAttentionKernels::extremeLogits_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<bool>("causal");
    for (int n : {2, 17, 130})
        for (bool causal : {true, false})
            QTest::addRow("n%d %s", n, causal ? "causal" : "bidir") << n << causal;
}

void TestAttentionKernels::extremeLogits() {
    QFETCH(int, n);
    QFETCH(bool, causal);
    std::mt19937 rng(77u + n);
    const int d = 8;
    // Scores q.k of order +-1e4: exp() of them unshifted would overflow float.
    const MatrixRM q = randomMatrix(n, d, rng, 100.0f), k = randomMatrix(n, d, rng, 40.0f),
                   v = randomMatrix(n, d, rng);
    const double maxScore = (q * k.transpose()).cwiseAbs().maxCoeff();
    QVERIFY2(maxScore > 1e4, "premise: scores reach 1e4");
    MatrixRM probs;
    const MatrixRM dense = runDense(q, k, v, 1.0f, causal, &probs);
    QVERIFY(allFinite(dense.data(), size_t(dense.size())));
    QVERIFY(allFinite(probs.data(), size_t(probs.size())));
    const SparseMask full = fullMask(n, causal);
    const Reference ref = reference(q, k, v, full, 1.0f);
    // Float scores of 1e4 carry ~1e-3 absolute rounding, so near-ties may shift weight.
    QVERIFY(maxRowError(dense, ref) < 1e-2);
    std::mt19937 maskRng(3u);
    const SparseMask window = makeMask("window+sinks", n, causal, maskRng);
    const Reference wref = reference(q, k, v, window, 1.0f);
    for (const auto& [name, tiling] : tilings()) {
        std::vector<float> sp;
        std::vector<double> lse;
        const MatrixRM sparse = runSparse(q, k, v, window, 1.0f, &sp, &lse, tiling);
        QVERIFY2(allFinite(sparse.data(), size_t(sparse.size())), name);
        QVERIFY2(allFinite(sp.data(), sp.size()), name);
        for (double x : lse) QVERIFY2(std::isfinite(x), name);
        QVERIFY2(maxRowError(sparse, wref) < 1e-2, name);
    }
}

void TestAttentionKernels::equalExtremeScoresGiveUniformWeights() {
    // d = 1, q = 100, k = +-100: every score is +-1e4 and all equal within a row,
    // so the softmax is uniform and o_i is the mean of the attended V rows.
    for (float sign : {1.0f, -1.0f}) {
        const int n = 5;
        MatrixRM q = MatrixRM::Constant(n, 1, 100.0f), k = MatrixRM::Constant(n, 1, 100.0f * sign);
        MatrixRM v(n, 2);
        for (int i = 0; i < n; ++i) v.row(i) << float(i + 1), float(-2 * i);
        const MatrixRM dense = runDense(q, k, v, 1.0f, true);
        const MatrixRM sparse = runSparse(q, k, v, fullMask(n, true), 1.0f);
        for (int i = 0; i < n; ++i) {
            const double mean0 = (i + 2) / 2.0, mean1 = -double(i);  // mean of 1..i+1, of 0..-2i
            QVERIFY(std::abs(dense(i, 0) - mean0) < 1e-5 && std::abs(dense(i, 1) - mean1) < 1e-5);
            QVERIFY(std::abs(sparse(i, 0) - mean0) < 1e-5 && std::abs(sparse(i, 1) - mean1) < 1e-5);
        }
    }
}

void TestAttentionKernels::emptyRowGivesZeroOutput() {
    std::mt19937 rng(11u);
    const int n = 6, d = 4;
    const MatrixRM q = randomMatrix(n, d, rng), k = randomMatrix(n, d, rng),
                   v = randomMatrix(n, d, rng);
    const SparseMask mask =
        maskFrom(n, true, [](int64_t i, int64_t j) { return i != 2 && j <= i; });
    QCOMPARE(mask.rowSize(2), int64_t(0));
    const Reference ref = reference(q, k, v, mask, 0.5f);
    for (const auto& [name, tiling] : tilings()) {
        std::vector<double> lse;
        MatrixRM out = runSparse(q, k, v, mask, 0.5f, nullptr, &lse, tiling);
        QVERIFY2(out.row(2).isZero(0.0f), name);
        QVERIFY2(std::isinf(lse[2]) && lse[2] < 0, name);
        QVERIFY2(maxRowError(out, ref) < 1e-5, name);
    }
}

void TestAttentionKernels::multiHeadSharedAndPerHeadMasks() {
    std::mt19937 rng(21u);
    const int h = 3, n = 150, d = 16;
    const HeadTensor q = randomHeads(h, n, d, rng), k = randomHeads(h, n, d, rng),
                     v = randomHeads(h, n, d, rng);
    const float scale = 0.25f;
    const SparseMask shared = makeMask("window+sinks", n, true, rng);
    std::vector<double> lseShared, lseCopies;
    const HeadTensor a = sparseAttention(q, k, v, {shared}, scale, &lseShared);
    const HeadTensor b = sparseAttention(q, k, v, {shared, shared, shared}, scale, &lseCopies, 1);
    QCOMPARE(a.heads, int64_t(h));
    QCOMPARE(a.n, int64_t(n));
    QCOMPARE(a.d, int64_t(d));
    QVERIFY(a.data == b.data);  // same tiles, same arithmetic: bit-identical on any thread count
    QVERIFY(lseShared == lseCopies);
    for (int head = 0; head < h; ++head) {
        std::vector<double> lse;
        const MatrixRM single = runSparse(headMatrix(q, head), headMatrix(k, head),
                                          headMatrix(v, head), shared, scale, nullptr, &lse);
        QVERIFY(MatrixRM(a.head(head)) == single);
        for (int i = 0; i < n; ++i) QVERIFY(lseShared[size_t(head * n + i)] == lse[size_t(i)]);
    }
    // Different masks per head: each head follows its own mask.
    const std::vector<SparseMask> per = {makeMask("random10", n, true, rng),
                                         makeMask("window", n, true, rng),
                                         makeMask("strided", n, true, rng)};
    const HeadTensor c = sparseAttention(q, k, v, per, scale, nullptr, 2);
    for (int head = 0; head < h; ++head) {
        const Reference ref = reference(headMatrix(q, head), headMatrix(k, head),
                                        headMatrix(v, head), per[size_t(head)], scale);
        QVERIFY(maxRowError(MatrixRM(c.head(head)), ref) < 1e-5);
    }
    // Head 1 with the strided mask differs from head 1 with its own window mask.
    const HeadTensor swapped = sparseAttention(q, k, v, {per[0], per[2], per[1]}, scale);
    QVERIFY(MatrixRM(swapped.head(1)) != MatrixRM(c.head(1)));
}

void TestAttentionKernels::multiHeadDenseMatchesSingleHead() {
    std::mt19937 rng(31u);
    const int h = 4, n = 200, d = 8;
    const HeadTensor q = randomHeads(h, n, d, rng), k = randomHeads(h, n, d, rng),
                     v = randomHeads(h, n, d, rng);
    for (bool causal : {true, false}) {
        std::vector<double> lse1, lse4;
        const HeadTensor one = denseAttention(q, k, v, 0.3f, causal, &lse1, 1);
        const HeadTensor four = denseAttention(q, k, v, 0.3f, causal, &lse4, 4);
        QVERIFY(one.data == four.data);
        QVERIFY(lse1 == lse4);
        for (int head = 0; head < h; ++head) {
            const Reference ref = reference(headMatrix(q, head), headMatrix(k, head),
                                            headMatrix(v, head), fullMask(n, causal), 0.3f);
            QVERIFY(maxRowError(MatrixRM(one.head(head)), ref) < 1e-5);
            for (int i = 0; i < n; ++i)
                QVERIFY(std::abs(lse1[size_t(head * n + i)] - ref.lse[size_t(i)]) < 1e-5);
        }
    }
}

void TestAttentionKernels::softmaxRowPrimitives() {
    // Every length 1..40 (packet bodies and padded tails for any SIMD width), values
    // spread over [-100, 0] plus -inf and NaN, against std::exp in double.
    for (int len = 1; len <= 40; ++len) {
        std::vector<float> x(static_cast<size_t>(len));
        for (int i = 0; i < len; ++i) x[size_t(i)] = -100.0f * float(i) / 39.0f + 0.37f;
        if (len > 5) x[3] = -std::numeric_limits<float>::infinity();
        if (len > 9) x[8] = std::numeric_limits<float>::quiet_NaN();
        const std::vector<float> in = x;
        QCOMPARE(detail::rowMax(x.data(), 1), in[0]);
        const double sum = detail::expShiftSum(x.data(), len, 0.37f);
        double want = 0.0;
        for (int i = 0; i < len; ++i) {
            const float t = in[size_t(i)] - 0.37f;
            const float got = x[size_t(i)];
            if (std::isnan(t)) {
                QVERIFY(std::isnan(got));
                continue;
            }
            if (t < -87.0f) {
                QCOMPARE(got, 0.0f);  // includes -inf
                continue;
            }
            const double e = std::exp(double(t));
            QVERIFY2(std::abs(got - e) <= 2.5e-7 * e, qPrintable(QString("exp(%1)").arg(t)));
            want += got;
        }
        if (len > 9) {
            QVERIFY(std::isnan(sum));
        } else {
            QVERIFY(std::abs(sum - want) <= 1e-12 * want);
        }
    }
    // A long row of equal scores: the float64 sum is exact, a float one would not be.
    std::vector<float> ones(100000, 2.0f);
    QCOMPARE(detail::expShiftSum(ones.data(), int64_t(ones.size()), 2.0f), 100000.0);
}

void TestAttentionKernels::intoVariantsReuseOutput() {
    std::mt19937 rng(61u);
    const HeadTensor q = randomHeads(2, 40, 8, rng), k = randomHeads(2, 40, 8, rng),
                     v = randomHeads(2, 40, 5, rng);
    const SparseMask mask = makeMask("window+sinks", 40, true, rng);
    HeadTensor out(3, 7, 2);  // wrong shape: reshaped
    denseAttentionInto(q, k, v, 0.3f, true, out);
    QCOMPARE(out.heads, int64_t(2));
    QCOMPARE(out.n, int64_t(40));
    QCOMPARE(out.d, int64_t(5));
    QVERIFY(out.data == denseAttention(q, k, v, 0.3f, true).data);
    const float* buffer = out.data.data();
    sparseAttentionInto(q, k, v, {mask}, 0.3f, out);
    QCOMPARE(out.data.data(), buffer);  // same size: the buffer is reused
    QVERIFY(out.data == sparseAttention(q, k, v, {mask}, 0.3f).data);
    HeadTensor alias = q;
    QVERIFY_THROWS_EXCEPTION(Error, denseAttentionInto(alias, k, v, 0.3f, true, alias));
    QVERIFY_THROWS_EXCEPTION(Error, sparseAttentionInto(q, k, alias, {mask}, 0.3f, alias));
}

void TestAttentionKernels::mismatchedShapesThrow() {
    std::mt19937 rng(41u);
    const MatrixRM q = randomMatrix(10, 4, rng), k = randomMatrix(10, 4, rng),
                   v = randomMatrix(10, 4, rng);
    const MatrixRM k9 = randomMatrix(9, 4, rng), k5 = randomMatrix(10, 5, rng),
                   v9 = randomMatrix(9, 4, rng);
    const SparseMask mask = fullMask(10, true);
    QVERIFY_THROWS_EXCEPTION(Error, runDense(q, k9, v, 1.0f, true));
    QVERIFY_THROWS_EXCEPTION(Error, runDense(q, k5, v, 1.0f, true));
    QVERIFY_THROWS_EXCEPTION(Error, runDense(q, k, v9, 1.0f, true));
    QVERIFY_THROWS_EXCEPTION(Error, runSparse(q, k9, v, mask, 1.0f));
    QVERIFY_THROWS_EXCEPTION(Error, runSparse(q, k, v9, mask, 1.0f));
    MatrixRM wrongOut(10, 3);
    QVERIFY_THROWS_EXCEPTION(
        Error,
        denseAttentionHead(ConstMapRM(q.data(), 10, 4), ConstMapRM(k.data(), 10, 4),
                           ConstMapRM(v.data(), 10, 4), 1.0f, true, MapRM(wrongOut.data(), 10, 3)));
    QVERIFY_THROWS_EXCEPTION(Error, runSparse(q, k, v, fullMask(11, true), 1.0f));
    QVERIFY_THROWS_EXCEPTION(Error, runSparse(q, k, v, fullMask(9, true), 1.0f));

    const HeadTensor hq = randomHeads(3, 10, 4, rng), hk = randomHeads(3, 10, 4, rng),
                     hv = randomHeads(3, 10, 4, rng);
    QVERIFY_THROWS_EXCEPTION(Error, sparseAttention(hq, hk, hv, {mask, mask}, 1.0f));
    QVERIFY_THROWS_EXCEPTION(Error, sparseAttention(hq, hk, hv, {}, 1.0f));
    QVERIFY_THROWS_EXCEPTION(Error,
                             sparseAttention(hq, hk, hv, {mask, mask, fullMask(8, true)}, 1.0f));
    QVERIFY_THROWS_EXCEPTION(Error, denseAttention(hq, randomHeads(2, 10, 4, rng), hv, 1.0f));
    QVERIFY_THROWS_EXCEPTION(Error, denseAttention(hq, hk, randomHeads(3, 11, 4, rng), 1.0f));
    HeadTensor broken = hk;
    broken.data.pop_back();  // buffer shorter than [h, n, d]
    QVERIFY_THROWS_EXCEPTION(Error, denseAttention(hq, broken, hv, 1.0f));
    QVERIFY_THROWS_EXCEPTION(Error, sparseAttention(hq, broken, hv, {mask}, 1.0f));
    // V may have its own width dv.
    const HeadTensor wide = randomHeads(3, 10, 6, rng);
    QCOMPARE(denseAttention(hq, hk, wide, 1.0f).d, int64_t(6));
}

void TestAttentionKernels::malformedMasksThrow() {
    std::mt19937 rng(51u);
    const int n = 6;
    const MatrixRM q = randomMatrix(n, 4, rng), k = randomMatrix(n, 4, rng),
                   v = randomMatrix(n, 4, rng);
    const SparseMask good = fullMask(n, true);
    QVERIFY(runSparse(q, k, v, good, 1.0f).allFinite());
    auto expectThrow = [&](auto&& edit, const char* what) {
        SparseMask m = good;
        edit(m);
        bool threw = false;
        try {
            runSparse(q, k, v, m, 1.0f);
        } catch (const Error&) {
            threw = true;
        }
        QVERIFY2(threw, what);
    };
    expectThrow([](SparseMask& m) { m.cols[3] = 7; }, "col >= n");
    expectThrow([](SparseMask& m) { m.cols[3] = -1; }, "negative col");
    expectThrow([](SparseMask& m) { m.cols[0] = 1; }, "causal mask with j > i");  // row 0 = {1}
    expectThrow([](SparseMask& m) { std::swap(m.cols[1], m.cols[2]); }, "unsorted row");
    expectThrow([](SparseMask& m) { m.cols[2] = m.cols[1]; }, "duplicate col");
    expectThrow([](SparseMask& m) { m.rowPtr.pop_back(); }, "rowPtr too short");
    expectThrow([](SparseMask& m) { m.rowPtr[0] = 1; }, "rowPtr not starting at 0");
    expectThrow([](SparseMask& m) { m.rowPtr[3] = m.rowPtr[2] - 1; }, "rowPtr decreasing");
    expectThrow([](SparseMask& m) { m.rowPtr.back() += 1; }, "rowPtr beyond cols");
    expectThrow([](SparseMask& m) { m.cols.push_back(0); }, "cols longer than rowPtr says");
    expectThrow([](SparseMask& m) { m.n = n + 1; }, "mask.n != n");
    // The same column layout is fine once the mask says it is bidirectional.
    SparseMask bidir = good;
    bidir.causal = false;
    bidir.cols[0] = 5;  // row 0 keeps key 5 only
    QVERIFY(runSparse(q, k, v, bidir, 1.0f).allFinite());
}

void TestAttentionKernels::emptyInputs() {
    const MatrixRM none(0, 4);
    SparseMask empty;  // n = 0
    QCOMPARE(runSparse(none, none, none, empty, 1.0f).rows(), Eigen::Index(0));
    QCOMPARE(runDense(none, none, none, 1.0f, true).rows(), Eigen::Index(0));
    const HeadTensor h0(2, 0, 4);
    QCOMPARE(sparseAttention(h0, h0, h0, {empty}, 1.0f).n, int64_t(0));
    QCOMPARE(denseAttention(h0, h0, h0, 1.0f).heads, int64_t(2));
}

QTEST_APPLESS_MAIN(TestAttentionKernels)
#include "test_attention_kernels.moc"
