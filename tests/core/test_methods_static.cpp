// The score-free method rules (Sparse Transformer fixed, BigBird block window and
// random blocks) against brute-force predicates written from the papers' definitions,
// plus presets, rule names, pattern JSON and build times.
#include "core/common/error.h"
#include "core/pattern/mask_builder.h"
#include "core/pattern/pattern_json.h"
#include "core/pattern/presets.h"

#include <QTest>

#include <map>
#include <random>
#include <set>

using namespace sparsescope;

namespace {

std::map<int64_t, uint16_t> rowOf(const SparseMask& m, int64_t i) {
    std::map<int64_t, uint16_t> out;
    for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e) out[m.cols[e]] = m.rules[e];
    return out;
}

// Child et al. 2019, fixed pattern: A(1) = {j : floor(j/l) = floor(i/l)},
// A(2) = {j : j mod l in {l - c, ..., l - 1}}, j <= i when causal.
bool fixedKeeps(int64_t i, int64_t j, int64_t l, int64_t c, bool causal) {
    if (causal && j > i) return false;
    return j / l == i / l || j % l >= l - c;
}

// BigBird block window: key block within the Wb most recent blocks (causal) or
// |qb - kb| < Wb (bidirectional).
bool blockWindowKeeps(int64_t i, int64_t j, int64_t b, int64_t w, bool causal) {
    if (causal && j > i) return false;
    const int64_t qb = i / b, kb = j / b;
    return causal ? (kb > qb - w && kb <= qb) : std::llabs(qb - kb) < w;
}


}  // namespace

class TestMethodsStatic : public QObject {
    Q_OBJECT
private slots:
    void fixedPatternMatchesDefinition() {
        std::mt19937 rng(3);
        for (int draw = 0; draw < 150; ++draw) {
            PatternSpec s;
            const int64_t n = std::uniform_int_distribution<int>(1, 120)(rng);
            s.fixedBlock = std::uniform_int_distribution<int>(1, 40)(rng);
            s.fixedSummary = std::uniform_int_distribution<int>(1, int(s.fixedBlock))(rng);
            s.causal = draw % 4 != 0;
            const SparseMask m = buildMask(s, n);
            for (int64_t i = 0; i < n; ++i) {
                const auto row = rowOf(m, i);
                for (int64_t j = 0; j < n; ++j) {
                    const bool want = fixedKeeps(i, j, s.fixedBlock, s.fixedSummary, s.causal);
                    const auto it = row.find(j);
                    const bool have = it != row.end() && (it->second & kRuleStride);
                    if (have != want)
                        QFAIL(qPrintable(QString("n=%1 l=%2 c=%3 i=%4 j=%5: %6").arg(n).arg(s.fixedBlock)
                                             .arg(s.fixedSummary).arg(i).arg(j).arg(have)));
                    if (it != row.end() && j != i) QVERIFY(have);  // nothing else keeps keys
                }
            }
        }
    }

    void bigBirdBlockWindowMatchesDefinition() {
        std::mt19937 rng(4);
        for (int draw = 0; draw < 150; ++draw) {
            PatternSpec s;
            const int64_t n = std::uniform_int_distribution<int>(1, 130)(rng);
            s.blockSize = std::uniform_int_distribution<int>(1, 20)(rng);
            s.blockWindow = std::uniform_int_distribution<int>(1, 5)(rng);
            s.causal = draw % 3 != 0;
            const SparseMask m = buildMask(s, n);
            for (int64_t i = 0; i < n; ++i) {
                const auto row = rowOf(m, i);
                for (int64_t j = 0; j < n; ++j) {
                    const bool want = blockWindowKeeps(i, j, s.blockSize, s.blockWindow, s.causal);
                    const auto it = row.find(j);
                    const bool have = it != row.end() && (it->second & kRuleWindow);
                    QCOMPARE(have, want);
                }
            }
        }
    }

    // Random blocks: the same blocks for every row of a query block, all outside the
    // block window and the global prefix, min(R, candidates) of them, whole blocks.
    void bigBirdRandomBlocksFollowTheirDefinition() {
        std::mt19937 rng(5);
        for (int draw = 0; draw < 120; ++draw) {
            PatternSpec s;
            const int64_t n = std::uniform_int_distribution<int>(1, 200)(rng);
            s.blockSize = std::uniform_int_distribution<int>(1, 16)(rng);
            s.blockWindow = std::uniform_int_distribution<int>(0, 3)(rng);
            s.global = std::uniform_int_distribution<int>(0, 40)(rng);
            s.randomBlocks = std::uniform_int_distribution<int>(1, 6)(rng);
            s.seed = rng();
            const int64_t b = s.blockSize;
            const SparseMask m = buildMask(s, n);
            std::map<int64_t, std::set<int64_t>> blocksOf;  // query block -> random key blocks
            for (int64_t i = 0; i < n; ++i) {
                const int64_t qb = i / b;
                std::set<int64_t> candidates;
                for (int64_t kb = 0; kb <= qb; ++kb) {
                    const bool inWindow = s.blockWindow > 0 && kb > qb - s.blockWindow;
                    const bool inGlobal = (kb + 1) * b <= s.global;
                    if (!inWindow && !inGlobal) candidates.insert(kb);
                }
                std::set<int64_t> blocks;
                std::map<int64_t, int64_t> keysPerBlock;
                for (auto [j, bits] : rowOf(m, i)) {
                    if (!(bits & kRuleRandom)) continue;
                    QVERIFY(j <= i);
                    blocks.insert(j / b);
                    ++keysPerBlock[j / b];
                }
                for (int64_t kb : blocks) {
                    QVERIFY2(candidates.count(kb), "a random block the window or the global prefix covers");
                    QCOMPARE(keysPerBlock[kb], std::min(b, i - kb * b + 1));  // whole (visible) block
                }
                QCOMPARE(int64_t(blocks.size()), std::min<int64_t>(s.randomBlocks, int64_t(candidates.size())));
                // Rows of one query block share the draw (restricted to what they can see).
                if (blocksOf.count(qb)) QVERIFY(blocksOf[qb] == blocks);
                blocksOf[qb] = blocks;
            }
        }
    }

    void randomBlocksAreUniform() {
        // Query block 9 of 16-key blocks, window 1: candidates are blocks 0..8 (9 of
        // them); 3 are drawn, each with probability 1/3. Chi-square, 8 degrees of
        // freedom, stays below its 99.9 % quantile (26.1).
        PatternSpec s;
        s.blockSize = 16;
        s.blockWindow = 1;
        s.randomBlocks = 3;
        std::vector<int> hits(9, 0);
        const int seeds = 3000;
        for (int seed = 0; seed < seeds; ++seed) {
            s.seed = uint64_t(seed);
            const SparseMask m = buildMask(s, 160);
            for (auto [j, bits] : rowOf(m, 150))
                if ((bits & kRuleRandom) && j % 16 == 0) ++hits[j / 16];
        }
        double chi2 = 0;
        const double expected = seeds / 3.0;
        for (int h : hits) chi2 += (h - expected) * (h - expected) / expected;
        QVERIFY2(chi2 < 26.1, qPrintable(QString("chi2 = %1").arg(chi2)));
    }

    void bigBirdPresetIsBlockWindowGlobalAndRandomBlocks() {
        const PatternSpec s = presetSpec("bigbird");
        QCOMPARE(s.blockSize, int64_t(64));
        QCOMPARE(s.blockWindow, int64_t(3));
        QCOMPARE(s.randomBlocks, int64_t(3));
        QCOMPARE(s.global, int64_t(128));
        // Row 1000 (block 15): window blocks 13..15 (1000 - 832 + 1 = 169 keys), global
        // 128, 3 random blocks of 64 from blocks 2..12.
        const SparseMask m = buildMask(s, 1001);
        QCOMPARE(m.rowSize(1000), int64_t(169 + 128 + 192));
    }

    void everyRuleBitHasADistinctName() {
        std::set<std::string> names;
        for (RuleBit bit : kAllRuleBits) {
            const std::string name = ruleName(bit);
            QVERIFY(!name.empty());
            QVERIFY(names.insert(name).second);
        }
        QCOMPARE(names.size(), size_t(16));
        QCOMPARE(std::string(ruleName(RuleBit(3))), std::string());
        QCOMPARE(describeRules(kRuleNsaSelected | kRuleWindow), std::string("window, NSA selected"));
    }

    void methodPresetsStateParametersAndSources() {
        for (const char* name : {"nsa", "dsa", "quest", "a_shape", "vertical_slash", "h2o", "top_p", "fixed", "bigbird"}) {
            const PatternSpec s = presetSpec(name);
            validate(s);
            bool found = false;
            for (const auto& p : builtinPresets())
                if (p.name == name) {
                    found = true;
                    QVERIFY(p.tooltip().find("Source: ") != std::string::npos);
                    QVERIFY(p.source.find("20") != std::string::npos);  // a year: the paper is cited
                }
            QVERIFY(found);
        }
        const PatternSpec nsa = presetSpec("nsa");
        QVERIFY(nsa.nsa);
        QCOMPARE(nsa.nsaCompressBlock, int64_t(32));
        QCOMPARE(nsa.nsaCompressStride, int64_t(16));
        QCOMPARE(nsa.nsaSelectBlock, int64_t(64));
        QCOMPARE(nsa.nsaSelectCount, int64_t(16));
        QCOMPARE(nsa.nsaWindow, int64_t(512));
        for (const auto& p : builtinPresets())
            if (p.name == "nsa") QVERIFY(p.description.find("no trained gates") != std::string::npos);
        QCOMPARE(presetSpec("dsa").indexerTopk, int64_t(2048));
        QCOMPARE(presetSpec("quest").questPage, int64_t(16));
        QCOMPARE(presetSpec("vertical_slash").lastQueries, int64_t(64));
    }

    void methodFieldsRoundTripThroughJson() {
        PatternSpec s;
        s.fixedBlock = 40;
        s.fixedSummary = 5;
        s.blockWindow = 2;
        s.randomBlocks = 4;
        s.nsa = true;
        s.nsaCompressBlock = 64;
        s.nsaCompressStride = 32;
        s.nsaSelectBlock = 128;
        s.nsaSelectCount = 9;
        s.nsaInitialBlocks = 2;
        s.nsaLocalBlocks = 1;
        s.nsaWindow = 100;
        s.indexerTopk = 77;
        s.indexerDim = 12;
        s.questBudget = 300;
        s.questPage = 8;
        s.verticalLines = 11;
        s.slashLines = 13;
        s.lastQueries = 32;
        s.heavyHitters = 21;
        s.topP = 0.75;
        const PatternSpec r = patternFromJson(patternToJson(s), "t");
        QCOMPARE(patternToJson(r).dump(), patternToJson(s).dump());
        QVERIFY_THROWS_EXCEPTION(Error, patternFromJson(nlohmann::json{{"quest_budget", 3.5}}, "f.json"));
        QVERIFY_THROWS_EXCEPTION(Error, patternFromJson(nlohmann::json{{"nsa", 1}}, "f.json"));
        QVERIFY_THROWS_EXCEPTION(Error, patternFromJson(nlohmann::json{{"top_p", 1.5}}, "f.json"));
        QVERIFY_THROWS_EXCEPTION(Error, patternFromJson(nlohmann::json{{"preset", "nsa"}, {"nsa_compress_stride", 5}}, "f.json"));
        // A preset fills the method's fields; explicit keys override them.
        const PatternSpec q = patternFromJson(nlohmann::json{{"preset", "quest"}, {"quest_budget", 64}}, "f.json");
        QCOMPARE(q.questBudget, int64_t(64));
        QCOMPARE(q.questPage, int64_t(16));
    }

    void invalidMethodValuesAreRejected_data() {
        QTest::addColumn<QString>("field");
        QTest::newRow("fixed summary > block") << "fixed-summary";
        QTest::newRow("nsa stride does not divide") << "nsa-compress-stride";
        QTest::newRow("negative heavy hitters") << "heavy-hitters";
        QTest::newRow("top-p above 1") << "top-p";
        QTest::newRow("quest page 0") << "quest-page";
        QTest::newRow("bidirectional NSA") << "nsa";
    }
    void invalidMethodValuesAreRejected() {
        QFETCH(QString, field);
        PatternSpec s;
        if (field == "fixed-summary") { s.fixedBlock = 4; s.fixedSummary = 5; }
        if (field == "nsa-compress-stride") { s.nsa = true; s.nsaCompressStride = 5; }
        if (field == "heavy-hitters") s.heavyHitters = -1;
        if (field == "top-p") s.topP = 1.01;
        if (field == "quest-page") { s.questBudget = 64; s.questPage = 0; }
        if (field == "nsa") { s.nsa = true; s.causal = false; }
        std::vector<float> q(40, 1.0f), k(40, 1.0f);
        const ScoreInputs in{q.data(), k.data(), 4, 1.0f};
        try {
            buildMask(s, 10, &in);
            QFAIL("expected an Error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.field()), field);
        }
    }

    void methodRulesNeedScores() {
        for (const char* name : {"nsa", "dsa", "quest", "vertical_slash", "h2o", "top_p"}) {
            QVERIFY(presetSpec(name).needsScores());
            QVERIFY_THROWS_EXCEPTION(Error, buildMask(presetSpec(name), 10));
        }
        QVERIFY(!presetSpec("bigbird").needsScores());
        QVERIFY(!presetSpec("fixed").needsScores());
        QVERIFY(presetSpec("top_p").usesOracle());
        QVERIFY(!presetSpec("nsa").usesOracle());
        QVERIFY(presetSpec("nsa").usesGroup() && presetSpec("dsa").usesGroup());
    }
};

QTEST_APPLESS_MAIN(TestMethodsStatic)
#include "test_methods_static.moc"
