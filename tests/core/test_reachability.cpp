// Reachability against a brute-force boolean matrix power (random small patterns,
// causal and bidirectional, bitset word boundaries) and the closed forms: a window
// W reaches (W-1) L + 1 tokens back after L layers, window + stride with W >= S
// reaches the whole causal prefix within 2 layers, a global token is reached by
// every query after 1 layer. Plus the error paths and the 2048-token timing.
#include "core/common/error.h"
#include "core/explore/reachability.h"
#include "core/pattern/mask_builder.h"

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>
#include <random>

using namespace sparsescope;

namespace {

using Bool = std::vector<std::vector<char>>;

// first[i][j] = the smallest l <= L with (M^l)_ij = 1, 0 if none: plain triple loops.
std::vector<std::vector<int>> bruteFirstLayer(const SparseMask& m, int layers) {
    const int64_t n = m.n;
    Bool M(size_t(n), std::vector<char>(size_t(n), 0));
    for (int64_t i = 0; i < n; ++i)
        for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e) M[size_t(i)][size_t(m.cols[size_t(e)])] = 1;
    Bool P = M;
    std::vector<std::vector<int>> first(size_t(n), std::vector<int>(size_t(n), 0));
    for (int l = 1; l <= layers; ++l) {
        if (l > 1) {
            Bool Q(size_t(n), std::vector<char>(size_t(n), 0));
            for (int64_t i = 0; i < n; ++i)
                for (int64_t k = 0; k < n; ++k)
                    if (M[size_t(i)][size_t(k)])
                        for (int64_t j = 0; j < n; ++j)
                            if (P[size_t(k)][size_t(j)]) Q[size_t(i)][size_t(j)] = 1;
            P = std::move(Q);
        }
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j)
                if (P[size_t(i)][size_t(j)] && first[size_t(i)][size_t(j)] == 0) first[size_t(i)][size_t(j)] = l;
    }
    return first;
}

void compareWithBrute(const SparseMask& m, int layers) {
    const Reachability r = computeReachability(m, layers, 2);
    const auto first = bruteFirstLayer(m, layers);
    const int64_t n = m.n;
    QCOMPARE(r.n, n);
    int worst = 0;
    bool allFull = true;
    for (int64_t i = 0; i < n; ++i) {
        int64_t reached = 0, allowed = m.causal ? i + 1 : n;
        int full = 0;
        for (int64_t j = 0; j < n; ++j) {
            QCOMPARE(int(r.at(i, j)), first[size_t(i)][size_t(j)]);
            reached += first[size_t(i)][size_t(j)] != 0;
        }
        QCOMPARE(r.reached[size_t(i)], reached);
        // full context: the first l at which every allowed key has first <= l
        if (reached == allowed) {
            for (int64_t j = 0; j < allowed; ++j) full = std::max(full, first[size_t(i)][size_t(j)]);
            if (!m.causal)
                for (int64_t j = 0; j < n; ++j) full = std::max(full, first[size_t(i)][size_t(j)]);
        }
        QCOMPARE(int(r.fullAt[size_t(i)]), full);
        allFull = allFull && full != 0;
        worst = std::max(worst, full);
        int64_t back = 0;
        for (int64_t j = i; j >= 0 && first[size_t(i)][size_t(j)] != 0; --j) ++back;
        QCOMPARE(r.reachBack[size_t(i)], back);
    }
    QCOMPARE(r.fullAllQueries, allFull ? worst : 0);
    QCOMPARE(r.fullLastQuery, int(r.fullAt[size_t(n - 1)]));
    for (int l = 1; l <= layers; ++l) {
        int64_t pairs = 0;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) pairs += first[size_t(i)][size_t(j)] != 0 && first[size_t(i)][size_t(j)] <= l;
        QCOMPARE(r.pairsByLayer[size_t(l)], pairs);
    }
}

// A random mask with the diagonal, keeping each allowed pair with probability p.
SparseMask randomMask(int64_t n, double p, bool causal, uint32_t seed) {
    std::mt19937 gen(seed);
    std::bernoulli_distribution keep(p);
    SparseMask m;
    m.n = n;
    m.causal = causal;
    m.rowPtr.push_back(0);
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < (causal ? i + 1 : n); ++j)
            if (j == i || keep(gen)) {
                m.cols.push_back(int32_t(j));
                m.rules.push_back(kRuleRandom);
            }
        m.rowPtr.push_back(m.keptPairs());
    }
    return m;
}

PatternSpec spec(int64_t w, int64_t g = 0, int64_t s = 0, int64_t r = 0, uint64_t seed = 0) {
    PatternSpec p;
    p.window = w;
    p.global = g;
    p.stride = s;
    p.random = r;
    p.seed = seed;
    return p;
}

}  // namespace

class TestReachability : public QObject {
    Q_OBJECT
private slots:
    void equalsBruteForceForPatterns_data() {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("g");
        QTest::addColumn<int>("s");
        QTest::addColumn<int>("r");
        QTest::addColumn<int>("layers");
        QTest::newRow("one token") << 1 << 1 << 0 << 0 << 0 << 3;
        QTest::newRow("window 3, 64 tokens") << 64 << 3 << 0 << 0 << 0 << 5;
        QTest::newRow("window 4 + stride 7, 70") << 70 << 4 << 0 << 7 << 0 << 4;
        QTest::newRow("window 2 + global 2, 65") << 65 << 2 << 2 << 0 << 0 << 3;
        QTest::newRow("random 2, 90") << 90 << 0 << 0 << 0 << 2 << 6;
        QTest::newRow("window 5 + random 1, 129") << 129 << 5 << 0 << 0 << 1 << 4;
        QTest::newRow("diagonal only, 40") << 40 << 0 << 0 << 0 << 0 << 4;
    }
    void equalsBruteForceForPatterns() {
        QFETCH(int, n);
        QFETCH(int, w);
        QFETCH(int, g);
        QFETCH(int, s);
        QFETCH(int, r);
        QFETCH(int, layers);
        compareWithBrute(buildMask(spec(w, g, s, r, 11), n), layers);
    }

    void equalsBruteForceForRandomMasks() {
        for (uint32_t seed = 1; seed <= 12; ++seed) {
            const int64_t n = 1 + int64_t(seed * 13 % 97);
            const double p = 0.01 + 0.03 * (seed % 4);
            compareWithBrute(randomMask(n, p, true, seed), 1 + int(seed % 5));
            compareWithBrute(randomMask(n, p / 2, false, seed + 100), 1 + int(seed % 4));
        }
    }

    // Window W: key j reaches query i after ceil((i - j) / (W - 1)) layers, so after L
    // layers query i reaches keys i - (W-1) L .. i.
    void windowClosedForm_data() {
        QTest::addColumn<int>("w");
        QTest::newRow("W=2") << 2;
        QTest::newRow("W=5") << 5;
        QTest::newRow("W=64") << 64;
    }
    void windowClosedForm() {
        QFETCH(int, w);
        const int64_t n = 700;
        for (int layers : {1, 2, 3, 6}) {
            const Reachability r = computeReachability(buildMask(spec(w), n), layers);
            for (int64_t i = 0; i < n; ++i) {
                QCOMPARE(r.reachBack[size_t(i)], std::min<int64_t>(i + 1, int64_t(w - 1) * layers + 1));
                QCOMPARE(r.reached[size_t(i)], r.reachBack[size_t(i)]);
                for (int64_t j = 0; j <= i; ++j) {
                    const int64_t hops = j == i ? 1 : (i - j + w - 2) / (w - 1);
                    QCOMPARE(int(r.at(i, j)), hops <= layers ? int(hops) : 0);
                }
            }
            const int64_t needed = (n - 1 + w - 2) / (w - 1);  // last query: ceil((n-1)/(W-1))
            QCOMPARE(r.fullLastQuery, needed <= layers ? int(needed) : 0);
        }
        // W = 1: each token sees itself only, never more.
        const Reachability one = computeReachability(buildMask(spec(1), 50), 5);
        QCOMPARE(one.reached[49], int64_t(1));
        QCOMPARE(one.fullAllQueries, 0);
        QCOMPARE(one.pairsByLayer[5], int64_t(50));
    }

    // Window W + stride S with W >= S: the whole causal prefix within 2 layers.
    void windowPlusStrideWithinTwoLayers_data() {
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("s");
        QTest::newRow("W=S=16") << 16 << 16;
        QTest::newRow("W=32,S=8") << 32 << 8;
        QTest::newRow("W=S=128") << 128 << 128;
        QTest::newRow("W=65,S=64") << 65 << 64;
    }
    void windowPlusStrideWithinTwoLayers() {
        QFETCH(int, w);
        QFETCH(int, s);
        const Reachability r = computeReachability(buildMask(spec(w, 0, s), 1024), 4);
        QVERIFY(r.fullAllQueries >= 1 && r.fullAllQueries <= 2);
        QCOMPARE(r.fullLastQuery, 2);
        QCOMPARE(r.pairsByLayer[2], possiblePairs(1024, true));
    }
    // With W < S the 2-layer bound fails: the condition matters.
    void strideWiderThanWindowNeedsMore() {
        const Reachability r = computeReachability(buildMask(spec(8, 0, 32), 1024), 2);
        QCOMPARE(r.fullAllQueries, 0);
        QVERIFY(r.pairsByLayer[2] < possiblePairs(1024, true));
    }

    void globalReachedAfterOneLayer() {
        const Reachability r = computeReachability(buildMask(spec(16, 1), 500), 3);
        for (int64_t i = 0; i < 500; ++i) QCOMPARE(int(r.at(i, 0)), 1);
        // ... and through it nothing more: key 0 sees only itself.
        QCOMPARE(r.reached[499], int64_t(1 + 15 * 3 + 1));
    }

    // The picture: the slowest pair per cell, L + 1 for unreached, 0 for no causal pair.
    void downsampledGrid() {
        const Reachability r = computeReachability(buildMask(spec(3, 0, 0, 1, 5), 50), 3);
        HeatmapWindow w;
        w.row0 = 5;
        w.row1 = 47;
        w.col0 = 2;
        w.col1 = 45;
        w.maxCellsX = 7;
        w.maxCellsY = 9;
        const HeatmapGrid g = downsampleReachability(r, w);
        QCOMPARE(g.cellsX, int64_t(7));
        QCOMPARE(g.cellsY, int64_t(9));
        std::vector<float> expect(size_t(7 * 9), 0.0f);
        for (int64_t i = 5; i < 47; ++i)
            for (int64_t j = 2; j < 45 && j <= i; ++j) {
                const int64_t x = (j - 2) * 7 / 43, y = (i - 5) * 9 / 42;
                const float v = r.at(i, j) == 0 ? 4.0f : float(r.at(i, j));
                expect[size_t(y * 7 + x)] = std::max(expect[size_t(y * 7 + x)], v);
            }
        QCOMPARE(g.values, expect);
        QVERIFY(*std::max_element(expect.begin(), expect.end()) == 4.0f);  // some pair unreached
        QCOMPARE(g.at(6, 0), 0.0f);  // top right: no causal pair
    }

    void errors() {
        const SparseMask m = buildMask(spec(4), 20);
        QVERIFY_THROWS_EXCEPTION(Error, computeReachability(m, 0));
        QVERIFY_THROWS_EXCEPTION(Error, computeReachability(m, 256));
        SparseMask noDiagonal;  // rows {0}, {0}: row 1 misses its diagonal
        noDiagonal.n = 2;
        noDiagonal.rowPtr = {0, 1, 2};
        noDiagonal.cols = {0, 0};
        noDiagonal.rules = {kRuleGlobal, kRuleGlobal};
        QVERIFY_THROWS_EXCEPTION(Error, computeReachability(noDiagonal, 2));
        SparseMask unsorted = m;  // row 1 {0, 1} -> {1, 0}
        std::swap(unsorted.cols[1], unsorted.cols[2]);
        QVERIFY_THROWS_EXCEPTION(Error, computeReachability(unsorted, 2));
        SparseMask above = m;
        above.cols[0] = 3;
        QVERIFY_THROWS_EXCEPTION(Error, computeReachability(above, 2));
        SparseMask badPtr = m;
        badPtr.rowPtr.pop_back();
        QVERIFY_THROWS_EXCEPTION(Error, computeReachability(badPtr, 2));
        QVERIFY_THROWS_EXCEPTION(Error, computeReachability(SparseMask{}, 2));
    }

    // The figure the report quotes: 2048 tokens, 6 layers.
    void timingAt2048() {
        struct Case {
            const char* name;
            PatternSpec spec;
        };
        PatternSpec dense;
        dense.dense = true;
        const Case cases[] = {{"window 64", spec(64)},
                              {"streamingllm (sinks 4 + window 252)", spec(252, 4)},
                              {"strided (window 128 + stride 128)", spec(128, 0, 128)},
                              {"window 64 + random 8", spec(64, 0, 0, 8)},
                              {"dense", dense}};
        for (const Case& c : cases) {
            const SparseMask m = buildMask(c.spec, 2048);
            QElapsedTimer t;
            t.start();
            const Reachability r = computeReachability(m, 6);
            const double ms = double(t.nsecsElapsed()) / 1e6;
            qInfo("reachability 2048 tokens x 6 layers, %s: %.1f ms (full after %d)", c.name, ms, r.fullAllQueries);
            QVERIFY(ms < 5000);
        }
    }
};

QTEST_APPLESS_MAIN(TestReachability)
#include "test_reachability.moc"
