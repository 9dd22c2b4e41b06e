// core/heatmap (the GUI's downsampler) against a brute-force n x n reference:
// every cell of a window drawn into fewer cells holds the max rule category
// (masks) or the sum (mass) of exactly the pairs that fall into it.
#include "core/common/error.h"
#include "core/heatmap/heatmap_grid.h"
#include "core/metrics/attention_metrics.h"
#include "core/pattern/mask_builder.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace sparsescope;

namespace {

struct Dense {
    int64_t n;
    std::vector<int> cat;     // [n, n] expected category
    std::vector<uint8_t> kept;
};

Dense expand(const SparseMask& m) {
    Dense d{m.n, std::vector<int>(size_t(m.n * m.n), kCatOutside), std::vector<uint8_t>(size_t(m.n * m.n), 0)};
    for (int64_t i = 0; i < m.n; ++i)
        for (int64_t j = 0; j <= i; ++j) d.cat[size_t(i * m.n + j)] = kCatDropped;
    for (int64_t i = 0; i < m.n; ++i)
        for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e) {
            d.cat[size_t(i * m.n + m.cols[size_t(e)])] = ruleCategory(m.rules[size_t(e)]);
            d.kept[size_t(i * m.n + m.cols[size_t(e)])] = 1;
        }
    return d;
}

// Cell of token t: floor((t - begin) * cells / span), written independently of the code under test.
int64_t cellOf(int64_t t, int64_t begin, int64_t span, int64_t cells) {
    return int64_t(std::floor(double(t - begin) * double(cells) / double(span)));
}

PatternSpec randomSpec(std::mt19937& rng, int64_t n) {
    std::uniform_int_distribution<int64_t> u(0, n);
    PatternSpec s;
    s.window = u(rng) % 9;
    s.global = u(rng) % 4;
    s.stride = (u(rng) % 3 == 0) ? 2 + u(rng) % 7 : 0;
    s.random = u(rng) % 3;
    s.seed = rng();
    return s;
}

}  // namespace

class TestHeatmapGrid : public QObject {
    Q_OBJECT
private slots:
    void rulesAndMassMatchBruteForce_data() {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("cells");
        for (int n : {1, 2, 5, 37, 100})
            for (int cells : {1, 3, 7, 64, 200}) QTest::addRow("n%d c%d", n, cells) << n << cells;
    }

    void rulesAndMassMatchBruteForce() {
        QFETCH(int, n);
        QFETCH(int, cells);
        std::mt19937 rng(uint32_t(n * 1000 + cells));
        for (int trial = 0; trial < 6; ++trial) {
            const SparseMask mask = buildMask(randomSpec(rng, n), n);
            const Dense d = expand(mask);
            // Random probabilities (rows need not sum to 1 for the downsampler) and recalls.
            std::vector<float> probs(size_t(n * n), 0.0f);
            std::vector<double> recall(static_cast<size_t>(n));
            std::uniform_real_distribution<float> u(0.0f, 1.0f);
            for (int64_t i = 0; i < n; ++i) {
                for (int64_t j = 0; j <= i; ++j) probs[size_t(i * n + j)] = u(rng);
                recall[size_t(i)] = 0.25 + u(rng);
            }
            std::uniform_int_distribution<int64_t> pos(0, n - 1);
            int64_t r0 = trial == 0 ? 0 : pos(rng), c0 = trial == 0 ? 0 : pos(rng);
            int64_t r1 = trial == 0 ? n : std::min<int64_t>(n, r0 + 1 + pos(rng));
            int64_t c1 = trial == 0 ? n : std::min<int64_t>(n, c0 + 1 + pos(rng));
            const HeatmapWindow win{r0, r1, c0, c1, cells, cells + 1};
            const HeatmapGrid rules = downsampleRules(mask, win);
            QCOMPARE(rules.cellsX, std::min<int64_t>(cells, c1 - c0));
            QCOMPARE(rules.cellsY, std::min<int64_t>(cells + 1, r1 - r0));
            std::vector<int> expCat(rules.values.size(), 0);
            std::vector<double> expDense(rules.values.size(), 0), expSparse(rules.values.size(), 0),
                expDropped(rules.values.size(), 0);
            for (int64_t i = r0; i < r1; ++i) {
                for (int64_t j = c0; j < c1; ++j) {
                    const size_t cell = size_t(cellOf(i, r0, r1 - r0, rules.cellsY) * rules.cellsX +
                                               cellOf(j, c0, c1 - c0, rules.cellsX));
                    const size_t e = size_t(i * n + j);
                    expCat[cell] = std::max(expCat[cell], d.cat[e]);
                    if (j > i) continue;
                    expDense[cell] += probs[e];
                    if (d.kept[e]) expSparse[cell] += probs[e] / recall[size_t(i)];
                    else expDropped[cell] += probs[e];
                }
            }
            for (size_t c = 0; c < rules.values.size(); ++c) QCOMPARE(int(rules.values[c]), expCat[c]);
            const HeatmapGrid dense = downsampleMass(probs.data(), mask, recall, MassQuantity::Dense, win);
            const HeatmapGrid sparse = downsampleMass(probs.data(), mask, recall, MassQuantity::Sparse, win);
            const HeatmapGrid dropped = downsampleMass(probs.data(), mask, recall, MassQuantity::Dropped, win);
            for (size_t c = 0; c < rules.values.size(); ++c) {
                QVERIFY(std::abs(dense.values[c] - expDense[c]) <= 1e-4 * (1 + expDense[c]));
                QVERIFY(std::abs(sparse.values[c] - expSparse[c]) <= 1e-4 * (1 + expSparse[c]));
                QVERIFY(std::abs(dropped.values[c] - expDropped[c]) <= 1e-4 * (1 + expDropped[c]));
            }
        }
    }

    void thumbnailsMatchBruteForce() {
        const int64_t n = 45, d = 6, cells = 8;
        std::mt19937 rng(5);
        std::normal_distribution<float> g;
        MatrixRM q(n, d), k(n, d);
        for (int64_t i = 0; i < n * d; ++i) {
            q.data()[i] = g(rng);
            k.data()[i] = g(rng);
        }
        const ConstMapRM Q(q.data(), n, d), K(k.data(), n, d);
        const float scale = 0.4f;
        const DenseReference ref = computeDenseReference(Q, K, nullptr, scale, true);
        const HeatmapGrid t = denseThumbnail(Q, K, ref, cells);
        std::vector<double> expected(size_t(cells * cells), 0.0);
        for (int64_t i = 0; i < n; ++i) {
            double mx = -1e300, sum = 0;
            std::vector<double> s(size_t(i + 1));
            for (int64_t j = 0; j <= i; ++j) mx = std::max(mx, s[size_t(j)] = double(Q.row(i).dot(K.row(j))) * scale);
            for (double& v : s) sum += (v = std::exp(v - mx));
            for (int64_t j = 0; j <= i; ++j)
                expected[size_t(cellOf(i, 0, n, cells) * cells + cellOf(j, 0, n, cells))] += s[size_t(j)] / sum;
        }
        double total = 0;
        for (size_t c = 0; c < expected.size(); ++c) {
            QVERIFY(std::abs(t.values[c] - expected[c]) < 1e-4);
            total += t.values[c];
        }
        QVERIFY(std::abs(total - double(n)) < 1e-3);  // every row's mass is 1

        PatternSpec s;
        s.window = 5;
        s.global = 2;
        const SparseMask mask = buildMask(s, n);
        const Dense dd = expand(mask);
        const HeatmapGrid share = keptShareThumbnail(mask, cells);
        std::vector<double> kept(expected.size(), 0), possible(expected.size(), 0);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j <= i; ++j) {
                const size_t c = size_t(cellOf(i, 0, n, cells) * cells + cellOf(j, 0, n, cells));
                possible[c] += 1;
                kept[c] += dd.kept[size_t(i * n + j)];
            }
        for (size_t c = 0; c < expected.size(); ++c)
            QCOMPARE(double(share.values[c]), possible[c] > 0 ? double(float(kept[c] / possible[c])) : 0.0);
    }

    void badWindowsAreRefused() {
        const SparseMask mask = buildMask(PatternSpec{}, 10);
        QVERIFY_THROWS_EXCEPTION(Error, downsampleRules(mask, HeatmapWindow{5, 5, 0, 10, 4, 4}));
        QVERIFY_THROWS_EXCEPTION(Error, downsampleRules(mask, HeatmapWindow{0, 10, 12, 20, 4, 4}));
        QVERIFY_THROWS_EXCEPTION(Error, planHeatmapGrid(0, HeatmapWindow{0, 1, 0, 1, 4, 4}));
        // Out-of-range windows are clamped, cell counts at least 1.
        const HeatmapGrid g = downsampleRules(mask, HeatmapWindow{-5, 50, -1, 3, 0, 1000});
        QCOMPARE(g.row0, int64_t(0));
        QCOMPARE(g.row1, int64_t(10));
        QCOMPARE(g.cellsX, int64_t(1));
        QCOMPARE(g.cellsY, int64_t(10));
    }
};

QTEST_APPLESS_MAIN(TestHeatmapGrid)
#include "test_heatmap_grid.moc"
