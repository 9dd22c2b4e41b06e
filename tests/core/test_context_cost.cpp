// Cost against context length in closed form: dense grows as n^2 (prefill) and n
// (per decoded token), a window W as n W and W; KV bytes by hand; the crossovers of
// a window at W + 1, 2W, 10W; the prefill crossover search against a linear scan;
// the attention share and whole-model speed-up of a tiny config worked out by hand.
#include "core/common/error.h"
#include "core/explore/context_cost.h"
#include "core/pattern/presets.h"

#include <QElapsedTimer>
#include <QTest>

#include <cmath>

using namespace sparsescope;

namespace {

// A small attention shape: 2 layers, 4 query heads over 2 KV heads, d = dv = 8, bf16.
AttentionShape smallShape() {
    AttentionShape s;
    s.layers = 2;
    s.heads = 4;
    s.kvHeads = 2;
    s.headDim = 8;
    s.valueDim = 8;
    s.bytesPerElement = 2;
    return s;
}

// FLOPs of one (query, key) pair: q.k 2d, p.v 2dv, softmax 5 (design.md).
double pairFlops(const AttentionShape& s) { return 2.0 * s.headDim + 2.0 * s.valueDim + 5.0; }

PatternSpec window(int64_t w, int64_t stride = 0) {
    PatternSpec p;
    p.window = w;
    p.stride = stride;
    return p;
}

bool close(double a, double b, double rel = 1e-12) { return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b)); }

// Tiny Llama config for the whole-model figures.
ModelConfig tinyConfig(ModelFamily family) {
    ModelConfig c;
    c.architecture = "test";
    c.family = family;
    c.layers = 2;
    c.hidden = 8;
    c.intermediate = 16;
    c.heads = 2;
    c.kvHeads = 1;
    c.headDim = 4;
    c.vocabSize = 10;
    return c;
}

}  // namespace

class TestContextCost : public QObject {
    Q_OBJECT
private slots:
    void gridIsLogSpaced() {
        const auto g = contextGrid(1000, 1000000, 8);
        QCOMPARE(g.size(), size_t(25));
        QCOMPARE(g.front(), int64_t(1000));
        QCOMPARE(g.back(), int64_t(1000000));
        QCOMPARE(g[8], int64_t(10000));
        QCOMPARE(g[1], int64_t(std::llround(1000 * std::pow(10.0, 1.0 / 8))));  // 1334
        for (size_t k = 1; k < g.size(); ++k) QVERIFY(g[k] > g[k - 1]);
        QCOMPARE(contextGrid(5, 5, 3), std::vector<int64_t>{5});
        QVERIFY_THROWS_EXCEPTION(Error, contextGrid(0, 10, 2));
        QVERIFY_THROWS_EXCEPTION(Error, contextGrid(10, 5, 2));
        QVERIFY_THROWS_EXCEPTION(Error, contextGrid(10, 50, 0));
    }

    // Dense: L H n c per decoded token, L H c n(n+1)/2 for the prefill.
    void denseGrowsAsNAndNSquared() {
        const AttentionShape s = smallShape();
        PatternSpec dense;
        dense.dense = true;
        const double lh = double(s.layers * s.heads), c = pairFlops(s);
        for (int64_t n : {1000, 2000, 4000, 1000000}) {
            const ContextCostPoint p = contextCostPoint(dense, s, nullptr, n);
            QVERIFY(close(p.decodeFlopsDense, lh * c * double(n)));
            QVERIFY(close(p.prefillFlopsDense, lh * c * double(n) * double(n + 1) / 2));
            QCOMPARE(p.decodeFlopsPattern, p.decodeFlopsDense);
            QCOMPARE(p.prefillFlopsPattern, p.prefillFlopsDense);
        }
        const ContextCostPoint a = contextCostPoint(dense, s, nullptr, 4000), b = contextCostPoint(dense, s, nullptr, 8000);
        QVERIFY(close(b.decodeFlopsDense / a.decodeFlopsDense, 2.0));
        QVERIFY(std::abs(b.prefillFlopsDense / a.prefillFlopsDense - 4.0) < 1e-3);  // n^2
    }

    // Window W: c min(t, W) per row, so L H c W per decoded token past W and
    // L H c (W(W+1)/2 + (n - W) W) for the prefill (about n W).
    void windowGrowsAsNW() {
        const AttentionShape s = smallShape();
        const double lh = double(s.layers * s.heads), c = pairFlops(s);
        for (int64_t w : {16, 128, 1000}) {
            for (int64_t n : {int64_t(2000), int64_t(50000), int64_t(1000000)}) {
                const ContextCostPoint p = contextCostPoint(window(w), s, nullptr, n);
                QVERIFY(close(p.decodeFlopsPattern, lh * c * double(w)));
                const double pairs = double(w) * double(w + 1) / 2 + double(n - w) * double(w);
                QVERIFY2(close(p.prefillFlopsPattern, lh * c * pairs), qPrintable(QString::number(p.prefillFlopsPattern)));
            }
            const ContextCostPoint a = contextCostPoint(window(w), s, nullptr, 100000);
            const ContextCostPoint b = contextCostPoint(window(w), s, nullptr, 200000);
            QCOMPARE(a.decodeFlopsPattern, b.decodeFlopsPattern);  // constant per decoded token
            QVERIFY(std::abs(b.prefillFlopsPattern / a.prefillFlopsPattern - 2.0) < 0.01);  // linear in n
        }
    }

    // KV bytes = L KV kvTokens (d + dv) b; an oracle also reads every key to choose.
    void kvBytesByHand() {
        const AttentionShape s = smallShape();
        const ContextCostPoint p = contextCostPoint(window(64), s, nullptr, 10000);
        QCOMPARE(p.kvBytesPattern, 2.0 * 2.0 * 64 * (8 + 8) * 2.0);
        QCOMPARE(p.kvBytesDense, 2.0 * 2.0 * 10000 * (8 + 8) * 2.0);
        PatternSpec topk;
        topk.topk = 64;
        const ContextCostPoint o = contextCostPoint(topk, s, nullptr, 10000);
        // top-k keeps K keys plus the diagonal (method_cost.h counts them as disjoint).
        QCOMPARE(o.kvBytesPattern, 2.0 * 2.0 * (65 * (8 + 8) + 10000 * 8) * 2.0);
    }

    void windowCrossovers_data() {
        QTest::addColumn<int>("w");
        QTest::newRow("W=16") << 16;
        QTest::newRow("W=128") << 128;
        QTest::newRow("W=4096") << 4096;
    }
    void windowCrossovers() {
        QFETCH(int, w);
        const AttentionShape s = smallShape();
        const ContextCostCurves c = contextCostCurves(window(w), s, nullptr, contextGrid(1000, 1000000, 4));
        // Decode: c W < c n from n = W + 1; n >= 2W and n >= 10W.
        QCOMPARE(c.decodeFlops.cheaper, int64_t(w + 1));
        QCOMPARE(c.decodeFlops.saving2x, int64_t(2 * w));
        QCOMPARE(c.decodeFlops.saving10x, int64_t(10 * w));
        QCOMPARE(c.decodeBytes.cheaper, int64_t(w + 1));
        QCOMPARE(c.decodeBytes.saving2x, int64_t(2 * w));
        QCOMPARE(c.decodeBytes.saving10x, int64_t(10 * w));
        // Prefill: first n with dense pairs n(n+1)/2 against window pairs, by a scan
        // of the closed form.
        auto windowPairs = [w](int64_t n) {
            return n <= w ? double(n) * double(n + 1) / 2 : double(w) * double(w + 1) / 2 + double(n - w) * double(w);
        };
        int64_t expect[3] = {0, 0, 0};
        for (int64_t n = 1; n <= 1000000 && expect[2] == 0; ++n) {
            const double dense = double(n) * double(n + 1) / 2, win = windowPairs(n);
            if (!expect[0] && win < dense) expect[0] = n;
            if (!expect[1] && dense >= 2 * win) expect[1] = n;
            if (!expect[2] && dense >= 10 * win) expect[2] = n;
        }
        QCOMPARE(c.prefillFlops.cheaper, expect[0]);
        QCOMPARE(c.prefillFlops.saving2x, expect[1]);
        QCOMPARE(c.prefillFlops.saving10x, expect[2]);
        QCOMPARE(c.prefillFlops.cheaper, int64_t(w + 1));
        QVERIFY(std::abs(double(c.prefillFlops.saving2x) / w - (2 + std::sqrt(2.0))) < 0.1);  // n^2/2 = 2(nW - W^2/2)
    }

    // The prefill search (grid + bisection) equals a scan of every context.
    void prefillSearchEqualsScan() {
        const AttentionShape s = smallShape();
        PatternSpec p = window(32, 64);
        p.global = 4;
        const ContextCostCurves c = contextCostCurves(p, s, nullptr, {100, 300, 1000, 3000});
        int64_t expect[3] = {0, 0, 0};
        for (int64_t n = 1; n <= 3000; ++n) {
            const ContextCostPoint q = contextCostPoint(p, s, nullptr, n);
            if (!expect[0] && q.prefillFlopsPattern < q.prefillFlopsDense) expect[0] = n;
            if (!expect[1] && q.prefillFlopsDense >= 2 * q.prefillFlopsPattern) expect[1] = n;
            if (!expect[2] && q.prefillFlopsDense >= 10 * q.prefillFlopsPattern) expect[2] = n;
        }
        QVERIFY(expect[2] > 0);
        QCOMPARE(c.prefillFlops.cheaper, expect[0]);
        QCOMPARE(c.prefillFlops.saving2x, expect[1]);
        QCOMPARE(c.prefillFlops.saving10x, expect[2]);
        // The curve points are the single-point formulas.
        for (const ContextCostPoint& q : c.points) {
            const ContextCostPoint r = contextCostPoint(p, s, nullptr, q.context);
            QCOMPARE(q.prefillFlopsPattern, r.prefillFlopsPattern);
            QCOMPARE(q.kvBytesPattern, r.kvBytesPattern);
        }
    }

    // Dense never crosses; an oracle costs more than dense until its budget is small
    // against the context (it pays the dense q.k pass).
    void noCrossoverAndOracle() {
        const AttentionShape s = smallShape();
        PatternSpec dense;
        dense.dense = true;
        const ContextCostCurves d = contextCostCurves(dense, s, nullptr, {1000, 10000});
        QCOMPARE(d.decodeFlops.cheaper, int64_t(0));
        QCOMPARE(d.prefillFlops.saving10x, int64_t(0));
        PatternSpec topk;
        topk.topk = 64;
        const ContextCostCurves o = contextCostCurves(topk, s, nullptr, {1000, 10000});
        QVERIFY(o.dataDependent);
        // Per row (c = 2d + 2dv + 5 = 37, d = 8): 2d t selector + c min(t, K + 1) core
        // < c t  <=>  t > c (K + 1) / (c - 2d) = 37 * 65 / 21 = 114.5; 2x from
        // 37 t >= 2 (37 * 65 + 16 t), t >= 962; never 10x (at best c / 2d = 2.3x).
        QCOMPARE(o.decodeFlops.cheaper, int64_t(115));
        QCOMPARE(o.decodeFlops.saving2x, int64_t(962));
        QCOMPARE(o.decodeFlops.saving10x, int64_t(0));
        // Bytes: 65 (d + dv) + t d (it reads every key to choose) < t (d + dv) from
        // t = 131, and never half of dense.
        QCOMPARE(o.decodeBytes.cheaper, int64_t(131));
        QCOMPARE(o.decodeBytes.saving2x, int64_t(0));
    }

    // Whole model: 2 x matmul parameters per token besides attention.
    void attentionShareByHand() {
        const ModelConfig llama = tinyConfig(ModelFamily::Llama);
        // per layer: Q,K,V 8*(2+2)*4 = 128, O 2*4*8 = 64, SwiGLU 3*8*16 = 384; LM head 10*8
        QCOMPARE(nonAttentionFlopsPerToken(llama), 2.0 * (2 * (128 + 64 + 384) + 80));
        ModelConfig gpt2 = tinyConfig(ModelFamily::Gpt2);
        gpt2.kvHeads = 2;
        QCOMPARE(nonAttentionFlopsPerToken(gpt2), 2.0 * (2 * (8 * 6 * 4 + 64 + 256) + 80));
        const AttentionShape s = attentionShapeOf(llama);
        QCOMPARE(s.layers, int64_t(2));
        QCOMPARE(s.valueDim, int64_t(4));
        const ContextCostPoint p = contextCostPoint(window(10), s, &llama, 100);
        const double other = 2464, dense = 2 * 2 * 100 * 21.0, win = 2 * 2 * 10 * 21.0;
        QCOMPARE(p.decodeFlopsDense, dense);
        QCOMPARE(p.decodeFlopsPattern, win);
        QVERIFY(close(p.decodeShareDense, dense / (dense + other)));
        QVERIFY(close(p.decodeSharePattern, win / (win + other)));
        QVERIFY(close(p.decodeModelSpeedup, (other + dense) / (other + win)));
        const double pd = 2 * 2 * 21.0 * 100 * 101 / 2, pw = 2 * 2 * 21.0 * (55 + 90 * 10);
        QVERIFY(close(p.prefillShareDense, pd / (pd + 100 * other)));
        QVERIFY(close(p.prefillModelSpeedup, (100 * other + pd) / (100 * other + pw)));
        // The honest point of the view: a 10x cheaper attention is a smaller model speed-up.
        QVERIFY(p.decodeModelSpeedup < dense / win);
        // Without a config the whole-model figures stay 0.
        QCOMPARE(contextCostPoint(window(10), s, nullptr, 100).decodeModelSpeedup, 0.0);
    }

    void errors() {
        const AttentionShape s = smallShape();
        QVERIFY_THROWS_EXCEPTION(Error, contextCostPoint(window(8), s, nullptr, 0));
        QVERIFY_THROWS_EXCEPTION(Error, contextCostCurves(window(8), s, nullptr, {}));
        QVERIFY_THROWS_EXCEPTION(Error, contextCostCurves(window(8), s, nullptr, {100, 50}));
        AttentionShape bad = s;
        bad.kvHeads = 3;
        QVERIFY_THROWS_EXCEPTION(Error, contextCostPoint(window(8), bad, nullptr, 100));
        PatternSpec badSpec;
        badSpec.stride = 1;
        QVERIFY_THROWS_EXCEPTION(Error, contextCostPoint(badSpec, s, nullptr, 100));
        ModelConfig c = tinyConfig(ModelFamily::Llama);
        c.intermediate = 0;
        QVERIFY_THROWS_EXCEPTION(Error, nonAttentionFlopsPerToken(c));
    }

    // Every preset up to 1M tokens (2 points per decade: the GUI's 8 cost about 2.5x
    // more, ~0.2 s per preset in Release).
    void presetsOnDefaultGrid() {
        const AttentionShape s = AttentionShape{};
        const auto grid = contextGrid(1000, 1000000, 2);
        QElapsedTimer t;
        t.start();
        for (const PresetInfo& p : builtinPresets()) {
            const ContextCostCurves c = contextCostCurves(p.spec, s, nullptr, grid);
            QCOMPARE(c.points.size(), grid.size());
            for (const ContextCostPoint& q : c.points) {
                QVERIFY(q.decodeFlopsPattern > 0 && q.kvBytesPattern > 0 && q.prefillFlopsPattern > 0);
                QVERIFY2(q.decodeFlopsPattern <= q.decodeFlopsDense * 2, p.name.c_str());
            }
        }
        qInfo("every preset, 1k..1M: %lld ms", static_cast<long long>(t.elapsed()));
    }
};

QTEST_APPLESS_MAIN(TestContextCost)
#include "test_context_cost.moc"
