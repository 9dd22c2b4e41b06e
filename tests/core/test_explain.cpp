// The Explain sentence: exact text for several specs and presets, a distinct phrase
// for every rule, and the density figure equal to the pairs counted from design.md's
// rule definitions (not from the builder) and to the mask's.
#include "core/common/error.h"
#include "core/explore/explain.h"
#include "core/pattern/mask_builder.h"
#include "core/pattern/presets.h"

#include <QTest>

#include <functional>
#include <set>

using namespace sparsescope;

namespace {

// Causal pairs (i, j) with keep(i, j), counted by brute force.
int64_t countPairs(int64_t n, const std::function<bool(int64_t, int64_t)>& keep) {
    int64_t c = 0;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j <= i; ++j) c += (j == i || keep(i, j)) ? 1 : 0;
    return c;
}

std::string densityText(int64_t kept, int64_t n) {
    return formatPercent(double(kept) / (double(n) * double(n + 1) / 2)) + " of the pairs at " + std::to_string(n) +
           " tokens";
}

}  // namespace

class TestExplain : public QObject {
    Q_OBJECT
private slots:
    void formatsPercent_data() {
        QTest::addColumn<double>("fraction");
        QTest::addColumn<QString>("text");
        QTest::newRow("14") << 0.1436 << "14 %";
        QTest::newRow("9.4") << 0.0942 << "9.4 %";
        QTest::newRow("0.52") << 0.0052 << "0.52 %";
        QTest::newRow("rounds up to 10") << 0.09996 << "10 %";
        QTest::newRow("all") << 1.0 << "100 %";
        QTest::newRow("not quite all") << 0.9996 << "99.9 %";
        QTest::newRow("none") << 0.0 << "0 %";
    }
    void formatsPercent() {
        QFETCH(double, fraction);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(formatPercent(fraction)), text);
    }

    // The issue's example: window 64, first 4 tokens, every 128th token back.
    void issueExample() {
        PatternSpec s;
        s.window = 64;
        s.global = 4;
        s.stride = 128;
        const int64_t n = 1024;
        const int64_t kept =
            countPairs(n, [](int64_t i, int64_t j) { return i - j < 64 || j < 4 || (i - j) % 128 == 0; });
        const SparseMask m = buildMask(s, n);
        QCOMPARE(m.keptPairs(), kept);
        const std::string expect = "Each token sees its 64 most recent tokens (itself included), the first 4 tokens, "
                                   "and every 128th token back: " + densityText(kept, n) + ".";
        QCOMPARE(explainPattern(s, m), expect);
        QCOMPARE(explainPattern(s, n), expect);
        QCOMPARE(densityText(kept, n), std::string("14 % of the pairs at 1024 tokens"));
    }

    void exactSentences_data() {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<QString>("text");
        QTest::newRow("streamingllm") << "streamingllm"
                                      << "Each token sees its 252 most recent tokens (itself included) and the first 4 tokens.";
        QTest::newRow("dense") << "dense" << "Each token sees every earlier token and itself.";
        QTest::newRow("bigbird") << "bigbird"
                                 << "Each token sees the first 128 tokens, its own block of 64 tokens and the 2 blocks "
                                    "before it, and 3 random blocks of 64 tokens (drawn per query block, seed 0).";
        QTest::newRow("fixed") << "fixed"
                               << "Each token sees its own block of 128 tokens and the last 8 tokens of every earlier block.";
        QTest::newRow("topk") << "topk"
                              << "Each token sees itself and the 64 tokens with the highest dense score q.k. An oracle: "
                                 "choosing needs every dense score q.k of the row, so it pays for the dense pass.";
        QTest::newRow("h2o") << "h2o"
                             << "Each token sees its 128 most recent tokens (itself included) and the 128 heavy hitters "
                                "(H2O: the older tokens with the most accumulated attention). A decoding method: row i "
                                "is what the decoding step at i reads; the prefill stays dense.";
        QTest::newRow("nsa") << "nsa"
                             << "Each token sees NSA's compressed blocks (32 tokens mean-pooled every 16 tokens), NSA's "
                                "16 selected blocks of 64 tokens (chosen by compressed score over the GQA group; the "
                                "first 1 and the 2 most recent always among them), and NSA's window of its 512 most "
                                "recent tokens.";
        QTest::newRow("top_p") << "top_p"
                               << "Each token sees itself and the fewest tokens, highest score first, that hold 90 % of "
                                  "its dense attention. An oracle: choosing needs every dense score q.k of the row, so "
                                  "it pays for the dense pass.";
    }
    void exactSentences() {
        QFETCH(QString, preset);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(explainPattern(presetSpec(preset.toStdString()))), text);
    }

    void smallCases() {
        PatternSpec g;
        g.global = 1;
        QCOMPARE(explainPattern(g), std::string("Each token sees itself and the first token."));
        PatternSpec w1;
        w1.window = 1;
        QCOMPARE(explainPattern(w1, 10), std::string("Each token sees itself: ") + densityText(10, 10) + ".");
        PatternSpec bi;
        bi.causal = false;
        bi.window = 8;
        bi.global = 2;
        QCOMPARE(explainPattern(bi), std::string("Each token sees every token less than 8 positions away on either side "
                                                 "and the first 2 tokens (which see every token)."));
        PatternSpec st;
        for (auto [stride, word] : {std::pair{2, "2nd"}, {3, "3rd"}, {11, "11th"}, {12, "12th"}, {21, "21st"},
                                    {22, "22nd"}, {101, "101st"}, {113, "113th"}}) {
            st.stride = stride;
            QCOMPARE(explainRules(st).back(), std::string("every ") + word + " token back");
        }
        PatternSpec r;
        r.random = 1;
        r.seed = 7;
        QCOMPARE(explainRules(r).back(), std::string("1 random token of its context (drawn per row, seed 7)"));
    }

    // The density of a data-dependent mask is the mask's own.
    void densityIsTheMasks() {
        PatternSpec w;
        w.window = 16;
        w.global = 2;
        for (int64_t n : {1, 17, 300}) {
            const SparseMask m = buildMask(w, n);
            const int64_t kept = countPairs(n, [](int64_t i, int64_t j) { return i - j < 16 || j < 2; });
            QCOMPARE(m.keptPairs(), kept);
            const std::string text = explainPattern(w, m);
            QVERIFY2(text.find(": " + densityText(kept, n) + ".") != std::string::npos, text.c_str());
        }
        PatternSpec topk;
        topk.topk = 4;
        QVERIFY_THROWS_EXCEPTION(Error, explainPattern(topk, 64));  // needs Q and K: pass a mask
        QVERIFY_THROWS_EXCEPTION(Error, explainPattern(w, 0));
        QVERIFY_THROWS_EXCEPTION(Error, explainPattern(w, SparseMask{}));
        PatternSpec bad;
        bad.stride = 1;
        QVERIFY_THROWS_EXCEPTION(Error, explainPattern(bad));
    }

    // Every rule of PatternSpec has its own phrase: switching one on adds a phrase no
    // other rule uses.
    void everyRuleHasAPhrase() {
        std::vector<std::function<void(PatternSpec&)>> rules = {
            [](PatternSpec& s) { s.window = 5; },        [](PatternSpec& s) { s.global = 3; },
            [](PatternSpec& s) { s.stride = 4; },        [](PatternSpec& s) { s.random = 2; },
            [](PatternSpec& s) { s.topk = 6; },          [](PatternSpec& s) { s.blockTopk = 2; },
            [](PatternSpec& s) { s.fixedBlock = 16; },   [](PatternSpec& s) { s.blockWindow = 2; },
            [](PatternSpec& s) { s.randomBlocks = 1; },  [](PatternSpec& s) { s.nsa = true; },
            [](PatternSpec& s) { s.indexerTopk = 8; },   [](PatternSpec& s) { s.questBudget = 64; },
            [](PatternSpec& s) { s.verticalLines = 3; }, [](PatternSpec& s) { s.slashLines = 3; },
            [](PatternSpec& s) { s.heavyHitters = 4; },  [](PatternSpec& s) { s.topP = 0.5; }};
        std::set<std::string> phrases;
        for (auto& on : rules) {
            PatternSpec s;
            on(s);
            const auto words = explainRules(s);
            QVERIFY(!words.empty());
            QVERIFY2(phrases.insert(words.back()).second, words.back().c_str());
        }
        for (const PresetInfo& p : builtinPresets()) {
            const std::string text = explainPattern(p.spec);
            QVERIFY2(text.rfind("Each token sees ", 0) == 0 && text.size() > 25, text.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestExplain)
#include "test_explain.moc"
