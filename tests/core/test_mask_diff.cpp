// core/explore/mask_diff against brute force: both masks expanded to n x n
// booleans, every pair classified by hand, counts and downsampled cells derived
// from that table independently of the merge walk in mask_diff.cpp.
#include "core/common/error.h"
#include "core/explore/mask_diff.h"
#include "core/pattern/mask_builder.h"

#include <QTest>

#include <algorithm>
#include <vector>

using namespace sparsescope;

namespace {

std::vector<uint8_t> dense(const SparseMask& m) {
    std::vector<uint8_t> d(size_t(m.n * m.n), 0);
    for (int64_t i = 0; i < m.n; ++i)
        for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e) d[size_t(i * m.n + m.cols[size_t(e)])] = 1;
    return d;
}

int bruteClass(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, int64_t n, bool causal, int64_t i,
               int64_t j) {
    if (causal && j > i) return kDiffOutside;
    const bool x = a[size_t(i * n + j)], y = b[size_t(i * n + j)];
    return x && y ? kDiffBoth : x ? kDiffAOnly : y ? kDiffBOnly : kDiffNeither;
}

PatternSpec spec(int64_t window, int64_t global, int64_t stride, int64_t random, uint64_t seed = 1) {
    PatternSpec s;
    s.window = window;
    s.global = global;
    s.stride = stride;
    s.random = random;
    s.seed = seed;
    return s;
}

}  // namespace

class TestMaskDiff : public QObject {
    Q_OBJECT
private slots:
    void matchesBruteForce_data() {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("wa");
        QTest::addColumn<int>("ga");
        QTest::addColumn<int>("sa");
        QTest::addColumn<int>("ra");
        QTest::addColumn<int>("wb");
        QTest::addColumn<int>("gb");
        QTest::addColumn<int>("sb");
        QTest::addColumn<int>("rb");
        QTest::addColumn<bool>("causal");
        QTest::newRow("window vs window+global") << 37 << 8 << 0 << 0 << 0 << 4 << 3 << 0 << 0 << true;
        QTest::newRow("stride vs random") << 53 << 2 << 0 << 5 << 0 << 3 << 0 << 0 << 4 << true;
        QTest::newRow("identical") << 29 << 6 << 2 << 0 << 0 << 6 << 2 << 0 << 0 << true;
        QTest::newRow("one token") << 1 << 1 << 0 << 0 << 0 << 0 << 1 << 0 << 0 << true;
        QTest::newRow("bidirectional") << 31 << 5 << 2 << 0 << 0 << 3 << 0 << 4 << 0 << false;
    }

    void matchesBruteForce() {
        QFETCH(int, n);
        QFETCH(int, wa); QFETCH(int, ga); QFETCH(int, sa); QFETCH(int, ra);
        QFETCH(int, wb); QFETCH(int, gb); QFETCH(int, sb); QFETCH(int, rb);
        QFETCH(bool, causal);
        PatternSpec pa = spec(wa, ga, sa, ra, 3), pb = spec(wb, gb, sb, rb, 9);
        pa.causal = pb.causal = causal;
        const SparseMask a = buildMask(pa, n), b = buildMask(pb, n);
        const auto da = dense(a), db = dense(b);

        MaskDiffCounts want;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) {
                const int c = bruteClass(da, db, n, causal, i, j);
                QCOMPARE(int(classifyPair(a, b, i, j)), c);
                want.aOnly += c == kDiffAOnly;
                want.bOnly += c == kDiffBOnly;
                want.both += c == kDiffBoth;
                want.neither += c == kDiffNeither;
                want.possible += c != kDiffOutside;
            }
        const MaskDiffCounts got = countMaskDiff(a, b);
        QCOMPARE(got.aOnly, want.aOnly);
        QCOMPARE(got.bOnly, want.bOnly);
        QCOMPARE(got.both, want.both);
        QCOMPARE(got.neither, want.neither);
        QCOMPARE(got.possible, want.possible);
        QCOMPARE(got.aOnly + got.both, a.keptPairs());
        QCOMPARE(got.bOnly + got.both, b.keptPairs());

        // One cell per token: each cell is its pair's class.
        const HeatmapGrid full = downsampleDiff(a, b, {0, n, 0, n, n, n});
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) QCOMPARE(int(full.at(j, i)), bruteClass(da, db, n, causal, i, j));

        // Downsampled windows: a cell holds the highest class of its pairs, and
        // "mixed" when it holds both A-only and B-only pairs.
        const HeatmapWindow windows[] = {{0, n, 0, n, 7, 5}, {n / 3, n, 1, n - 1, 4, 6}, {0, n, 0, n, 1, 1}};
        for (const HeatmapWindow& w : windows) {
            if (w.row1 <= w.row0 || w.col1 <= w.col0) continue;
            const HeatmapGrid g = downsampleDiff(a, b, w);
            QCOMPARE(g.values.size(), size_t(g.cellsX * g.cellsY));
            std::vector<int> best(size_t(g.cellsX * g.cellsY), kDiffOutside);
            std::vector<uint8_t> hasA(best.size(), 0), hasB(best.size(), 0);
            for (int64_t i = g.row0; i < g.row1; ++i)
                for (int64_t j = g.col0; j < g.col1; ++j) {
                    // Independent mapping: the cell whose token range [first, next first) holds t.
                    const int64_t y = (i - g.row0) * g.cellsY / (g.row1 - g.row0);
                    const int64_t x = (j - g.col0) * g.cellsX / (g.col1 - g.col0);
                    const size_t c = size_t(y * g.cellsX + x);
                    const int cls = bruteClass(da, db, n, causal, i, j);
                    best[c] = std::max(best[c], cls);
                    hasA[c] |= cls == kDiffAOnly;
                    hasB[c] |= cls == kDiffBOnly;
                }
            for (size_t c = 0; c < best.size(); ++c) {
                const int want = hasA[c] && hasB[c] ? kDiffMixed : best[c];
                QCOMPARE(int(g.values[c]), want);
            }
        }
    }

    void differentShapesAreErrors() {
        const SparseMask a = buildMask(spec(4, 0, 0, 0), 10), b = buildMask(spec(4, 0, 0, 0), 11);
        QVERIFY_THROWS_EXCEPTION(Error, countMaskDiff(a, b));
        QVERIFY_THROWS_EXCEPTION(Error, downsampleDiff(a, b, {0, 10, 0, 10, 10, 10}));
        PatternSpec bi = spec(4, 0, 0, 0);
        bi.causal = false;
        QVERIFY_THROWS_EXCEPTION(Error, countMaskDiff(a, buildMask(bi, 10)));
        QVERIFY_THROWS_EXCEPTION(Error, classifyPair(a, a, 10, 0));
        QVERIFY_THROWS_EXCEPTION(Error, classifyPair(a, a, 0, -1));
    }
};

QTEST_APPLESS_MAIN(TestMaskDiff)
#include "test_mask_diff.moc"
