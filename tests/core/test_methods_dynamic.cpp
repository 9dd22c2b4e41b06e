// The data-dependent method rules against brute-force references written in this
// file from each paper's definition (docs/methods.md): NSA (compressed / selected /
// window, eq. 9, GQA group sums), the DSA indexer (and its 100 % overlap case), Quest
// pages, MInference vertical-slash, H2O eviction and top-p coverage.
#include "core/common/error.h"
#include "core/metrics/head_analysis.h"
#include "core/pattern/mask_builder.h"
#include "core/pattern/presets.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

using namespace sparsescope;

namespace {

struct Group {
    int64_t n = 0, d = 0;
    std::vector<std::vector<float>> q;  // one per query head of the group
    std::vector<float> k;
    std::vector<const float*> qptr;
    ScoreInputs inputs(size_t head, float scale) {
        qptr.clear();
        for (auto& h : q) qptr.push_back(h.data());
        ScoreInputs in{q[head].data(), k.data(), d, scale};
        in.groupQ = qptr.data();
        in.groupSize = int64_t(q.size());
        return in;
    }
    double dot(size_t head, int64_t i, int64_t j) const {
        double s = 0;
        for (int64_t t = 0; t < d; ++t) s += double(q[head][i * d + t]) * double(k[j * d + t]);
        return s;
    }
};

Group makeGroup(int64_t n, int64_t d, size_t heads, std::mt19937& rng, bool integer, int lo = -3, int hi = 3) {
    Group g{n, d, std::vector<std::vector<float>>(heads, std::vector<float>(size_t(n * d))),
            std::vector<float>(size_t(n * d)), {}};
    std::uniform_int_distribution<int> ints(lo, hi);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    auto draw = [&] { return integer ? float(ints(rng)) : gauss(rng); };
    for (auto& h : g.q)
        for (auto& x : h) x = draw();
    for (auto& x : g.k) x = draw();
    return g;
}

std::set<int64_t> keysWith(const SparseMask& m, int64_t i, uint16_t bit) {
    std::set<int64_t> out;
    for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e)
        if (m.rules[e] & bit) out.insert(m.cols[e]);
    return out;
}

std::set<int64_t> range(int64_t lo, int64_t hi) {
    std::set<int64_t> out;
    for (int64_t j = std::max<int64_t>(0, lo); j <= hi; ++j) out.insert(j);
    return out;
}

// The `count` best indices by (score descending, then index descending).
std::set<int64_t> bestOf(const std::map<int64_t, double>& score, int64_t count) {
    std::vector<std::pair<double, int64_t>> v;
    for (auto [idx, s] : score) v.push_back({s, idx});
    std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.first > b.first || (a.first == b.first && a.second > b.second); });
    std::set<int64_t> out;
    for (int64_t t = 0; t < std::min<int64_t>(count, int64_t(v.size())); ++t) out.insert(v[size_t(t)].second);
    return out;
}

// NSA selection scores of row i from the paper: compressed keys are block means,
// p_cmp the softmax over the complete blocks, and eq. (9)
//   p_slc[j] = sum_{m < l'/d} sum_{n < l/d} p_cmp[(l'/d) j + m - n], summed over the group.
std::vector<double> nsaSelectionScores(const Group& g, const PatternSpec& s, int64_t i, float scale) {
    const int64_t l = s.nsaCompressBlock, st = s.nsaCompressStride, ls = s.nsaSelectBlock;
    const int64_t t = i + 1, avail = t >= l ? (t - l) / st + 1 : 0, blocks = i / ls + 1;
    std::vector<double> pslc(size_t(blocks), 0.0);
    for (size_t h = 0; h < g.q.size(); ++h) {
        std::vector<double> sc(static_cast<size_t>(avail), 0.0);
        for (int64_t b = 0; b < avail; ++b) {
            double dot = 0;
            for (int64_t c = 0; c < g.d; ++c) {
                double mean = 0;
                for (int64_t j = b * st; j < b * st + l; ++j) mean += g.k[j * g.d + c];
                dot += double(g.q[h][i * g.d + c]) * mean / double(l);
            }
            sc[size_t(b)] = dot * scale;
        }
        double mx = -INFINITY, sum = 0;
        for (double x : sc) mx = std::max(mx, x);
        for (double& x : sc) sum += (x = std::exp(x - mx));
        for (int64_t j = 0; j < blocks; ++j)
            for (int64_t m = 0; m < ls / st; ++m)
                for (int64_t n = 0; n < l / st; ++n) {
                    const int64_t idx = (ls / st) * j + m - n;
                    if (idx >= 0 && idx < avail) pslc[size_t(j)] += sc[size_t(idx)] / sum;
                }
    }
    return pslc;
}

void checkNsaRow(const SparseMask& m, const Group& g, const PatternSpec& s, int64_t i, float scale) {
    const int64_t l = s.nsaCompressBlock, st = s.nsaCompressStride, ls = s.nsaSelectBlock;
    std::set<int64_t> cmp;
    for (int64_t b = 0; b * st + l - 1 <= i; ++b) cmp.insert(b * st + l - 1);
    QVERIFY(keysWith(m, i, kRuleNsaCompressed) == cmp);
    QVERIFY(keysWith(m, i, kRuleNsaWindow) == (s.nsaWindow > 0 ? range(i - s.nsaWindow + 1, i) : std::set<int64_t>{}));

    const std::vector<double> pslc = nsaSelectionScores(g, s, i, scale);
    const int64_t blocks = int64_t(pslc.size());
    std::set<int64_t> forced;
    for (int64_t j = 0; j < std::min(s.nsaInitialBlocks, blocks); ++j) forced.insert(j);
    for (int64_t j = std::max<int64_t>(0, blocks - s.nsaLocalBlocks); j < blocks; ++j) forced.insert(j);
    std::map<int64_t, double> candidates;
    for (int64_t j = 0; j < blocks; ++j)
        if (!forced.count(j)) candidates[j] = pslc[size_t(j)];
    const int64_t pick = std::clamp<int64_t>(s.nsaSelectCount - int64_t(forced.size()), 0, int64_t(candidates.size()));

    const std::set<int64_t> keys = keysWith(m, i, kRuleNsaSelected);
    if (s.nsaSelectCount == 0) {  // n = 0 switches the selected branch off, forced blocks too
        QVERIFY(keys.empty());
        return;
    }
    std::set<int64_t> chosen;
    for (int64_t j : keys) chosen.insert(j / ls);
    for (int64_t b : chosen) QVERIFY(keys.count(b * ls) && keys.count(std::min(i, b * ls + ls - 1)));
    QCOMPARE(int64_t(keys.size()), [&] { int64_t c = 0; for (int64_t b : chosen) c += std::min(i, b * ls + ls - 1) - b * ls + 1; return c; }());
    for (int64_t f : forced) QVERIFY(chosen.count(f));
    QCOMPARE(int64_t(chosen.size()), int64_t(forced.size()) + pick);
    // The chosen candidates are the best `pick` by p_slc; the builder scores in float,
    // so scores within 1e-5 of the boundary may swap.
    if (pick > 0 && pick < int64_t(candidates.size())) {
        const std::set<int64_t> want = bestOf(candidates, pick);
        double boundary = INFINITY;
        for (int64_t j : want) boundary = std::min(boundary, candidates[j]);
        for (auto [j, sc] : candidates) {
            if (chosen.count(j)) QVERIFY2(sc >= boundary - 1e-5, qPrintable(QString("row %1 block %2").arg(i).arg(j)));
            else QVERIFY2(sc <= boundary + 1e-5, qPrintable(QString("row %1 block %2").arg(i).arg(j)));
        }
    }
}

}  // namespace

class TestMethodsDynamic : public QObject {
    Q_OBJECT
private slots:
    void nsaMatchesThePaper_data() {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("l");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("lsel");
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("heads");
        QTest::newRow("paper ratios, small blocks") << 300 << 8 << 4 << 16 << 6 << 32 << 2;
        QTest::newRow("l = l' = d") << 200 << 8 << 8 << 8 << 5 << 0 << 1;
        QTest::newRow("l' < l") << 260 << 16 << 4 << 8 << 7 << 20 << 3;
        QTest::newRow("paper parameters") << 700 << 32 << 16 << 64 << 16 << 512 << 2;
        QTest::newRow("no selection") << 150 << 8 << 4 << 16 << 0 << 16 << 1;
    }
    void nsaMatchesThePaper() {
        QFETCH(int, n);
        QFETCH(int, l);
        QFETCH(int, stride);
        QFETCH(int, lsel);
        QFETCH(int, count);
        QFETCH(int, window);
        QFETCH(int, heads);
        PatternSpec s;
        s.nsa = true;
        s.nsaCompressBlock = l;
        s.nsaCompressStride = stride;
        s.nsaSelectBlock = lsel;
        s.nsaSelectCount = count;
        s.nsaWindow = window;
        std::mt19937 rng(n + l);
        Group g = makeGroup(n, 8, size_t(heads), rng, false);
        const float scale = 0.35f;
        std::vector<SparseMask> masks;
        for (int h = 0; h < heads; ++h) {
            const ScoreInputs in = g.inputs(size_t(h), scale);
            masks.push_back(buildMask(s, n, &in));
        }
        for (int64_t i = 0; i < n; ++i) {
            checkNsaRow(masks[0], g, s, i, scale);
            if (QTest::currentTestFailed()) QFAIL(qPrintable(QString("row %1").arg(i)));
            // The whole GQA group selects the same blocks.
            for (int h = 1; h < heads; ++h) QVERIFY(keysWith(masks[size_t(h)], i, kRuleNsaSelected) == keysWith(masks[0], i, kRuleNsaSelected));
        }
    }

    void dsaIndexerMatchesItsDefinition() {
        // No projection (d_I >= d): I(t, s) = sum_h (1/H) ReLU(q_h . k); small integers make
        // every value exact, so the top-K must match exactly (ties: the later key).
        std::mt19937 rng(8);
        for (size_t heads : {size_t(1), size_t(2), size_t(4)}) {
            Group g = makeGroup(90, 5, heads, rng, true);
            PatternSpec s;
            s.indexerTopk = 9;
            s.indexerDim = 64;
            for (size_t h = 0; h < heads; ++h) {
                const ScoreInputs in = g.inputs(h, 0.5f);
                const SparseMask m = buildMask(s, g.n, &in);
                for (int64_t i = 0; i < g.n; ++i) {
                    std::map<int64_t, double> score;
                    for (int64_t j = 0; j <= i; ++j) {
                        double sum = 0;
                        for (size_t hh = 0; hh < heads; ++hh) sum += std::max(0.0, g.dot(hh, i, j)) / double(heads);
                        score[j] = sum;
                    }
                    QVERIFY(keysWith(m, i, kRuleIndexer) == bestOf(score, s.indexerTopk));
                }
            }
        }
    }

    void dsaIndexerWithProjectionKeepsKKeysPerRow() {
        std::mt19937 rng(9);
        Group g = makeGroup(120, 16, 2, rng, false);
        PatternSpec s;
        s.indexerTopk = 20;
        s.indexerDim = 3;
        const ScoreInputs a = g.inputs(0, 0.25f);
        const SparseMask m0 = buildMask(s, g.n, &a);
        const ScoreInputs b = g.inputs(1, 0.25f);
        const SparseMask m1 = buildMask(s, g.n, &b);
        for (int64_t i = 0; i < g.n; ++i) {
            QCOMPARE(int64_t(keysWith(m0, i, kRuleIndexer).size()), std::min<int64_t>(20, i + 1));
            QVERIFY(keysWith(m0, i, kRuleIndexer) == keysWith(m1, i, kRuleIndexer));
        }
    }

    // The constructed case where a realisable indexer must equal the oracle: one head,
    // d_I >= d (no projection) and q . k > 0 everywhere, so I(t, s) = q . k exactly.
    void dsaOverlapIsCompleteOnTheConstructedCase() {
        std::mt19937 rng(10);
        Group g = makeGroup(150, 6, 1, rng, true, 1, 3);
        PatternSpec s;
        s.indexerTopk = 12;
        s.indexerDim = 6;
        const ConstMapRM q(g.q[0].data(), g.n, g.d), k(g.k.data(), g.n, g.d);
        const HeadMetrics m = analyzeHead(q, k, nullptr, s, 0.4f);
        QVERIFY(m.hasIndexerOverlap);
        QCOMPARE(m.indexerOverlap, 1.0);
        // A low-rank indexer on signed data misses part of the oracle's choice.
        Group r = makeGroup(150, 16, 1, rng, false);
        s.indexerDim = 1;
        const ConstMapRM q2(r.q[0].data(), r.n, r.d), k2(r.k.data(), r.n, r.d);
        const HeadMetrics low = analyzeHead(q2, k2, nullptr, s, 0.25f);
        QVERIFY(low.indexerOverlap > 0.0 && low.indexerOverlap < 1.0);
    }

    void questMatchesThePaper() {
        std::mt19937 rng(11);
        for (int draw = 0; draw < 20; ++draw) {
            const int64_t page = std::uniform_int_distribution<int>(1, 9)(rng);
            Group g = makeGroup(std::uniform_int_distribution<int>(1, 150)(rng), 4, 1, rng, true);
            PatternSpec s;
            s.questPage = page;
            s.questBudget = std::uniform_int_distribution<int>(1, 60)(rng);
            const ScoreInputs in = g.inputs(0, 1.0f);
            const SparseMask m = buildMask(s, g.n, &in);
            for (int64_t i = 0; i < g.n; ++i) {
                const int64_t own = i / page;
                std::map<int64_t, double> score;
                for (int64_t p = 0; p < own; ++p) {
                    double sum = 0;
                    for (int64_t c = 0; c < g.d; ++c) {
                        double mx = -INFINITY, mn = INFINITY;
                        for (int64_t j = p * page; j < p * page + page; ++j) {
                            mx = std::max(mx, double(g.k[j * g.d + c]));
                            mn = std::min(mn, double(g.k[j * g.d + c]));
                        }
                        const double qd = g.q[0][i * g.d + c];
                        sum += std::max(qd * mx, qd * mn);  // Quest: sum_d max(q_d max_d, q_d min_d)
                    }
                    score[p] = sum;
                }
                const int64_t pages = std::max<int64_t>(1, s.questBudget / page);
                std::set<int64_t> want = range(own * page, i);
                for (int64_t p : bestOf(score, pages - 1))
                    for (int64_t j = p * page; j < p * page + page; ++j) want.insert(j);
                QVERIFY(keysWith(m, i, kRuleQuestPage) == want);
            }
        }
    }

    void verticalSlashMatchesMInference() {
        std::mt19937 rng(12);
        for (int draw = 0; draw < 12; ++draw) {
            Group g = makeGroup(std::uniform_int_distribution<int>(1, 160)(rng), 4, 1, rng, true);
            PatternSpec s;
            s.verticalLines = std::uniform_int_distribution<int>(0, 12)(rng);
            s.slashLines = std::uniform_int_distribution<int>(s.verticalLines ? 0 : 1, 12)(rng);
            s.lastQueries = std::uniform_int_distribution<int>(1, 70)(rng);
            const ScoreInputs in = g.inputs(0, 1.0f);
            const SparseMask m = buildMask(s, g.n, &in);
            const int64_t n = g.n, last = std::min(s.lastQueries, n);
            std::map<int64_t, double> vertical, slash;
            for (int64_t j = 0; j < n; ++j) vertical[j] = slash[j] = 0.0;
            for (int64_t r = n - last; r < n; ++r) {  // the dense softmax of each last query
                std::vector<double> p(size_t(r + 1));
                double mx = -INFINITY, sum = 0;
                for (int64_t j = 0; j <= r; ++j) mx = std::max(mx, p[size_t(j)] = g.dot(0, r, j));
                for (int64_t j = 0; j <= r; ++j) sum += (p[size_t(j)] = std::exp(p[size_t(j)] - mx));
                for (int64_t j = 0; j <= r; ++j) {
                    vertical[j] += p[size_t(j)] / sum;
                    slash[r - j] += p[size_t(j)] / sum;
                }
            }
            const std::set<int64_t> cols = bestOf(vertical, s.verticalLines);
            // Offsets: ties go to the smaller offset, i.e. rank by the mirrored index.
            std::map<int64_t, double> mirrored;
            for (auto [o, v] : slash) mirrored[n - 1 - o] = v;
            std::set<int64_t> offsets;
            for (int64_t x : bestOf(mirrored, s.slashLines)) offsets.insert(n - 1 - x);
            for (int64_t i = 0; i < n; ++i) {
                std::set<int64_t> wantV, wantS;
                for (int64_t j : cols) if (j <= i) wantV.insert(j);
                for (int64_t o : offsets) if (o <= i) wantS.insert(i - o);
                QVERIFY(keysWith(m, i, kRuleVertical) == wantV);
                QVERIFY(keysWith(m, i, kRuleSlash) == wantS);
            }
        }
    }

    void heavyHittersMatchTheEvictionDefinition() {
        std::mt19937 rng(13);
        for (int draw = 0; draw < 16; ++draw) {
            Group g = makeGroup(std::uniform_int_distribution<int>(1, 140)(rng), 6, 1, rng, false);
            PatternSpec s;
            s.heavyHitters = std::uniform_int_distribution<int>(1, 20)(rng);
            s.window = std::uniform_int_distribution<int>(0, 15)(rng);
            const float scale = 0.4f;
            const ScoreInputs in = g.inputs(0, scale);
            const SparseMask m = buildMask(s, g.n, &in);
            // Reference: H2O's greedy eviction, written with sets.
            std::set<int64_t> heavy;
            std::map<int64_t, double> acc;
            for (int64_t i = 0; i < g.n; ++i) {
                // The key leaving the recent window (with no window: the new key) becomes a candidate.
                if (s.window == 0) heavy.insert(i);
                else if (i - s.window >= 0) heavy.insert(i - s.window);
                while (int64_t(heavy.size()) > s.heavyHitters) {
                    int64_t worst = *heavy.begin();
                    for (int64_t j : heavy)
                        if (acc[j] < acc[worst]) worst = j;  // ascending j: ties keep the older
                    heavy.erase(worst);
                }
                QVERIFY2(keysWith(m, i, kRuleHeavyHitter) == heavy, qPrintable(QString("row %1").arg(i)));
                std::set<int64_t> cache = heavy;
                for (int64_t j : range(i - s.window + 1, i)) cache.insert(j);
                cache.insert(i);
                double mx = -INFINITY, sum = 0;
                std::map<int64_t, double> p;
                for (int64_t j : cache) mx = std::max(mx, p[j] = g.dot(0, i, j) * double(scale));
                for (auto& [j, v] : p) sum += (v = std::exp(v - mx));
                for (auto& [j, v] : p) acc[j] += v / sum;
            }
        }
    }

    void topPKeepsTheShortestCoveringPrefix() {
        std::mt19937 rng(14);
        for (double p : {0.3, 0.8, 0.95, 1.0}) {
            Group g = makeGroup(130, 4, 1, rng, true);
            PatternSpec s;
            s.topP = p;
            const ScoreInputs in = g.inputs(0, 1.0f);
            const SparseMask m = buildMask(s, g.n, &in);
            for (int64_t i = 0; i < g.n; ++i) {
                std::vector<std::pair<double, int64_t>> ranked;
                double mx = -INFINITY, total = 0;
                for (int64_t j = 0; j <= i; ++j) mx = std::max(mx, g.dot(0, i, j));
                for (int64_t j = 0; j <= i; ++j) total += std::exp(g.dot(0, i, j) - mx);
                for (int64_t j = 0; j <= i; ++j) ranked.push_back({g.dot(0, i, j), j});
                std::sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.first > b.first || (a.first == b.first && a.second > b.second); });
                std::set<int64_t> want;
                double mass = 0;
                for (auto [sc, j] : ranked) {
                    want.insert(j);
                    mass += std::exp(sc - mx);
                    if (mass >= p * total) break;
                }
                QVERIFY(keysWith(m, i, kRuleTopK) == want);
            }
        }
    }

    void rowDensityShowsTheAdaptiveSpread() {
        std::mt19937 rng(15);
        Group g = makeGroup(200, 8, 1, rng, false);
        const ConstMapRM q(g.q[0].data(), g.n, g.d), k(g.k.data(), g.n, g.d);
        PatternSpec s = presetSpec("top_p");
        const HeadMetrics m = analyzeHead(q, k, nullptr, s, 0.9f);
        QCOMPARE(int64_t(m.rowDensity.size()), g.n);
        QCOMPARE(m.rowDensity[0], 1.0);
        QVERIFY(m.rowDensityMin <= m.rowDensityP10 && m.rowDensityP10 <= m.rowDensityMedian);
        QVERIFY(m.rowDensityMedian <= m.rowDensityP90 && m.rowDensityP90 <= m.rowDensityMax);
        QVERIFY(m.rowDensityMax - m.rowDensityMin > 0.3);  // adaptive: rows differ
        QVERIFY(m.oracleSelection);
        QCOMPARE(m.flopsSelector, (2.0 * 8 + 5.0) * 200 * 201 / 2);  // dense q.k and softmax
    }
};

QTEST_APPLESS_MAIN(TestMethodsDynamic)
#include "test_methods_dynamic.moc"
