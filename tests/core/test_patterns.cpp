// Pattern semantics against a brute-force reference written straight from the
// table in design.md: every (i, j) pair is decided by the rule predicates alone.
#include "core/common/error.h"
#include "core/pattern/mask_builder.h"
#include "core/pattern/pattern_json.h"
#include "core/pattern/presets.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

using namespace sparsescope;

namespace {

struct Qk {
    int64_t n = 0, d = 0;
    std::vector<float> q, k;
    // Exact scores: small integer entries make every q.k an exact float.
    double score(int64_t i, int64_t j) const {
        double s = 0;
        for (int64_t t = 0; t < d; ++t) s += double(q[i * d + t]) * double(k[j * d + t]);
        return s;
    }
};

Qk randomIntegerQk(int64_t n, int64_t d, std::mt19937& rng) {
    std::uniform_int_distribution<int> dist(-3, 3);
    Qk qk{n, d, std::vector<float>(n * d), std::vector<float>(n * d)};
    for (auto& x : qk.q) x = float(dist(rng));
    for (auto& x : qk.k) x = float(dist(rng));
    return qk;
}

// Keys ranked by score (higher first, ties to the larger index), first k of them.
std::set<int64_t> topKeys(const std::vector<std::pair<double, int64_t>>& scored, int64_t k) {
    auto sorted = scored;
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) {
        return a.first > b.first || (a.first == b.first && a.second > b.second);
    });
    std::set<int64_t> out;
    for (int64_t t = 0; t < std::min<int64_t>(k, int64_t(sorted.size())); ++t) out.insert(sorted[t].second);
    return out;
}

// Expected rule bits of (i, j) for every rule but random (checked separately).
uint16_t referenceBits(const PatternSpec& s, int64_t n, int64_t i, int64_t j, const Qk* qk) {
    const bool visible = s.causal ? j <= i : true;
    if (!visible) return 0;
    uint16_t bits = 0;
    if (j == i) bits |= kRuleDiagonal;
    if (s.dense) return bits | kRuleDense;
    if (s.window > 0) {
        const bool in = s.causal ? (i - s.window < j && j <= i) : std::llabs(i - j) < s.window;
        if (in) bits |= kRuleWindow;
    }
    if (s.global > 0 && (j < s.global || (!s.causal && i < s.global))) bits |= kRuleGlobal;
    if (s.stride > 0 && std::llabs(i - j) % s.stride == 0) bits |= kRuleStride;
    const int64_t limit = s.causal ? i + 1 : n;
    if (s.topk > 0) {
        std::vector<std::pair<double, int64_t>> scored;
        for (int64_t t = 0; t < limit; ++t) scored.push_back({qk->score(i, t), t});
        if (topKeys(scored, s.topk).count(j)) bits |= kRuleTopK;
    }
    if (s.blockTopk > 0) {
        const int64_t b = s.blockSize;
        std::vector<std::pair<double, int64_t>> blocks;
        for (int64_t blk = 0; blk * b < limit; ++blk) {
            double best = -INFINITY;
            for (int64_t t = blk * b; t < std::min(limit, (blk + 1) * b); ++t) best = std::max(best, qk->score(i, t));
            blocks.push_back({best, blk});
        }
        auto kept = topKeys(blocks, s.blockTopk);
        kept.insert(i / b);
        if (kept.count(j / b)) bits |= kRuleBlockTopK;
    }
    return bits;
}

void checkAgainstReference(const PatternSpec& s, int64_t n, const Qk* qk) {
    ScoreInputs scores;
    if (qk) scores = {qk->q.data(), qk->k.data(), qk->d, 1.0f};
    const SparseMask m = buildMask(s, n, qk ? &scores : nullptr);
    QCOMPARE(m.n, n);
    QCOMPARE(int64_t(m.rowPtr.size()), n + 1);
    for (int64_t i = 0; i < n; ++i) {
        std::map<int64_t, uint16_t> got;
        for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e) {
            if (e > m.rowBegin(i)) QVERIFY2(m.cols[e] > m.cols[e - 1], "columns sorted and unique");
            got[m.cols[e]] = m.rules[e];
        }
        int64_t randomCount = 0;
        for (int64_t j = 0; j < n; ++j) {
            const uint16_t want = referenceBits(s, n, i, j, qk);
            const auto it = got.find(j);
            const uint16_t have = it == got.end() ? 0 : it->second;
            if (have & kRuleRandom) ++randomCount;
            const uint16_t haveNoRandom = have & ~uint16_t(kRuleRandom);
            if (haveNoRandom != want) {
                QFAIL(qPrintable(QString("n=%1 i=%2 j=%3: bits %4, reference %5 (window %6 global %7 "
                                         "stride %8 topk %9 blocktopk %10)")
                                     .arg(n).arg(i).arg(j).arg(have).arg(want).arg(s.window)
                                     .arg(s.global).arg(s.stride).arg(s.topk).arg(s.blockTopk)));
            }
            if (have && !want) QVERIFY2(have == kRuleRandom, "only random links may add keys");
        }
        if (s.random > 0 && !s.dense) {
            const int64_t limit = s.causal ? i + 1 : n;
            QCOMPARE(randomCount, std::min(s.random, limit));
        }
    }
}

}  // namespace

class TestPatterns : public QObject {
    Q_OBJECT
private slots:
    void randomDrawsMatchBruteForce() {
        std::mt19937 rng(12345);
        for (int draw = 0; draw < 300; ++draw) {
            const int64_t n = std::uniform_int_distribution<int>(1, 90)(rng);
            auto param = [&](int offProbPercent, int lo, int hi) -> int64_t {
                if (std::uniform_int_distribution<int>(0, 99)(rng) < offProbPercent) return 0;
                return std::uniform_int_distribution<int>(lo, hi)(rng);
            };
            PatternSpec s;
            s.causal = std::uniform_int_distribution<int>(0, 3)(rng) != 0;
            s.window = param(40, 1, int(n) + 5);
            s.global = param(50, 1, int(n) + 5);
            s.stride = param(50, 2, int(n) + 5);
            s.random = param(60, 1, int(n) + 5);
            s.seed = rng();
            s.topk = param(60, 1, int(n) + 5);
            s.blockTopk = param(70, 1, 6);
            s.blockSize = std::uniform_int_distribution<int>(1, 20)(rng);
            s.dense = std::uniform_int_distribution<int>(0, 19)(rng) == 0;
            const Qk qk = randomIntegerQk(n, 4, rng);
            checkAgainstReference(s, n, &qk);
        }
    }

    void edgeCases_data() {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("global");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("topk");
        QTest::newRow("n=1 all off") << 1 << 0 << 0 << 0 << 0;
        QTest::newRow("n=1 everything") << 1 << 5 << 5 << 2 << 5;
        QTest::newRow("all rules off: diagonal only") << 40 << 0 << 0 << 0 << 0;
        QTest::newRow("window >= n means all") << 33 << 1000 << 0 << 0 << 0;
        QTest::newRow("global >= n means all") << 33 << 0 << 1000 << 0 << 0;
        QTest::newRow("topk >= n means all") << 33 << 0 << 0 << 0 << 1000;
        QTest::newRow("stride >= n: diagonal only") << 33 << 0 << 0 << 50 << 0;
        QTest::newRow("window 1 is the diagonal") << 20 << 1 << 0 << 0 << 0;
    }
    void edgeCases() {
        QFETCH(int, n);
        QFETCH(int, window);
        QFETCH(int, global);
        QFETCH(int, stride);
        QFETCH(int, topk);
        PatternSpec s;
        s.window = window;
        s.global = global;
        s.stride = stride;
        s.topk = topk;
        std::mt19937 rng(7);
        const Qk qk = randomIntegerQk(n, 3, rng);
        checkAgainstReference(s, n, &qk);
        if (window >= n || global >= n || topk >= n) {
            ScoreInputs sc{qk.q.data(), qk.k.data(), 3, 1.0f};
            QCOMPARE(buildMask(s, n, &sc).keptPairs(), possiblePairs(n, true));
        }
        if (window <= 1 && global == 0 && topk == 0 && stride >= n) {
            ScoreInputs sc{qk.q.data(), qk.k.data(), 3, 1.0f};
            QCOMPARE(buildMask(s, n, &sc).keptPairs(), int64_t(n));
        }
    }

    void windowDensityClosedForm() {
        // A causal window W over n tokens keeps W(W+1)/2 + (n-W)W pairs.
        for (int64_t n : {1, 7, 64, 1000}) {
            for (int64_t w : {1, 3, 64, 500}) {
                PatternSpec s;
                s.window = w;
                const int64_t ww = std::min(w, n);
                QCOMPARE(buildMask(s, n).keptPairs(), ww * (ww + 1) / 2 + (n - ww) * ww);
            }
        }
    }

    void randomLinksAreDeterministicAndUniform() {
        PatternSpec s;
        s.random = 3;
        s.seed = 42;
        const SparseMask a = buildMask(s, 200), b = buildMask(s, 200);
        QVERIFY(a.cols == b.cols);
        s.seed = 43;
        QVERIFY(buildMask(s, 200).cols != a.cols);
        // Row 19 chooses 3 of 20 keys: over many seeds each key is chosen with
        // probability 3/20; a chi-square statistic with 19 degrees of freedom stays
        // well below its 99.9 % quantile (43.8).
        std::vector<int> hits(20, 0);
        const int seeds = 4000;
        for (int seed = 0; seed < seeds; ++seed) {
            s.seed = uint64_t(seed);
            const SparseMask m = buildMask(s, 20);
            for (int64_t e = m.rowBegin(19); e < m.rowEnd(19); ++e)
                if (m.rules[e] & kRuleRandom) ++hits[m.cols[e]];
        }
        const double expected = seeds * 3.0 / 20.0;
        double chi2 = 0;
        for (int h : hits) chi2 += (h - expected) * (h - expected) / expected;
        QVERIFY2(chi2 < 43.8, qPrintable(QString("chi2 = %1").arg(chi2)));
    }

    void invalidValuesAreRejected_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<int>("value");
        QTest::newRow("negative window") << "window" << -1;
        QTest::newRow("negative global") << "global" << -3;
        QTest::newRow("stride 1") << "stride" << 1;
        QTest::newRow("negative stride") << "stride" << -2;
        QTest::newRow("negative random") << "random" << -1;
        QTest::newRow("negative topk") << "topk" << -1;
        QTest::newRow("block size 0") << "block" << 0;
    }
    void invalidValuesAreRejected() {
        QFETCH(QString, field);
        QFETCH(int, value);
        PatternSpec s;
        if (field == "window") s.window = value;
        if (field == "global") s.global = value;
        if (field == "stride") s.stride = value;
        if (field == "random") s.random = value;
        if (field == "topk") s.topk = value;
        if (field == "block") s.blockSize = value;
        try {
            buildMask(s, 10);
            QFAIL("expected an Error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.field()), field);
        }
    }

    void oracleRulesNeedScores() {
        PatternSpec s;
        s.topk = 4;
        QVERIFY_THROWS_EXCEPTION(Error, buildMask(s, 10));
    }

    void presetsHaveSourcesAndValidSpecs() {
        QVERIFY(builtinPresets().size() >= 7);
        for (const auto& p : builtinPresets()) {
            QVERIFY(!p.source.empty());
            QVERIFY(!p.description.empty());
            validate(p.spec);
            QCOMPARE(presetSpec(p.name).window, p.spec.window);
        }
        const PatternSpec s = presetSpec("streamingllm");
        QCOMPARE(s.global, int64_t(4));
        QVERIFY(s.window > 0);
        QVERIFY_THROWS_EXCEPTION(Error, presetSpec("no-such-preset"));
    }

    void patternJsonRoundTrip() {
        PatternSpec s;
        s.window = 17;
        s.global = 3;
        s.stride = 5;
        s.random = 2;
        s.seed = 99;
        s.topk = 4;
        s.blockTopk = 2;
        s.blockSize = 16;
        s.causal = false;
        const PatternSpec r = patternFromJson(patternToJson(s), "test");
        QCOMPARE(r.window, s.window);
        QCOMPARE(r.global, s.global);
        QCOMPARE(r.stride, s.stride);
        QCOMPARE(r.random, s.random);
        QCOMPARE(r.seed, s.seed);
        QCOMPARE(r.topk, s.topk);
        QCOMPARE(r.blockTopk, s.blockTopk);
        QCOMPARE(r.blockSize, s.blockSize);
        QCOMPARE(r.causal, s.causal);
        QVERIFY_THROWS_EXCEPTION(Error, patternFromJson(nlohmann::json{{"windw", 3}}, "f.json"));
        QVERIFY_THROWS_EXCEPTION(Error, patternFromJson(nlohmann::json{{"window", "x"}}, "f.json"));
        QVERIFY_THROWS_EXCEPTION(Error, patternFromJson(nlohmann::json{{"stride", 1}}, "f.json"));
    }

    void blockMapMarksTilesWithKeptPairs() {
        PatternSpec s;
        s.window = 2;
        const SparseMask m = buildMask(s, 8);
        const BlockMap map = buildBlockMap(m, 4);
        QCOMPARE(map.blocks, int64_t(2));
        // Window 2 over 8 tokens: tiles (0,0), (1,0) (row 4 sees key 3) and (1,1).
        QCOMPARE(std::vector<uint8_t>(map.tiles), (std::vector<uint8_t>{1, 0, 1, 1}));
        QCOMPARE(keptTiles(map), int64_t(3));
        QCOMPARE(possibleTiles(8, 4, true), int64_t(3));
        QCOMPARE(possibleTiles(9, 4, true), int64_t(6));
    }
};

QTEST_APPLESS_MAIN(TestPatterns)
#include "test_patterns.moc"
