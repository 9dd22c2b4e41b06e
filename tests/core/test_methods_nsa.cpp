// NSA's output with equal gates against a brute-force evaluation of its definition
// (three softmax branches averaged), and a model forward pass with the NSA preset
// (GQA group selection inside Model::attend).
#include "core/model/model.h"
#include "core/pattern/mask_builder.h"
#include "core/pattern/nsa_attention.h"
#include "core/pattern/presets.h"
#include "tiny_model_writer.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <random>

using namespace sparsescope;

class TestMethodsNsa : public QObject {
    Q_OBJECT
private slots:
    void equalGatesAverageTheThreeBranches_data() {
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("count");
        QTest::newRow("three branches") << 24 << 4;
        QTest::newRow("no window branch") << 0 << 4;
        QTest::newRow("no selected branch") << 24 << 0;
    }
    void equalGatesAverageTheThreeBranches() {
        QFETCH(int, window);
        QFETCH(int, count);
        const int64_t n = 160, d = 8, dv = 6;
        std::mt19937 rng(31);
        std::normal_distribution<float> g(0, 1);
        MatrixRM q(n, d), k(n, d), v(n, dv);
        for (auto* m : {&q, &k, &v})
            for (int64_t t = 0; t < m->size(); ++t) m->data()[t] = g(rng);
        PatternSpec s;
        s.nsa = true;
        s.nsaCompressBlock = 16;
        s.nsaCompressStride = 8;
        s.nsaSelectBlock = 16;
        s.nsaSelectCount = count;
        s.nsaWindow = window;
        const float scale = 0.4f;
        const ScoreInputs in{q.data(), k.data(), d, scale};
        const SparseMask mask = buildMask(s, n, &in);
        MatrixRM out(n, dv), probs;
        nsaAttentionHead(ConstMapRM(q.data(), n, d), ConstMapRM(k.data(), n, d), ConstMapRM(v.data(), n, dv), mask, s,
                         scale, MapRM(out.data(), n, dv), &probs);

        for (int64_t i = 0; i < n; ++i) {
            // Effective weight of every key, branch by branch, from the definition.
            std::vector<double> w(size_t(n), 0.0);
            int branches = 0;
            auto softmaxInto = [&](const std::vector<std::pair<int64_t, double>>& keys, std::vector<double>& dst) {
                if (keys.empty()) return;
                ++branches;
                double mx = -INFINITY, sum = 0;
                for (auto& [j, sc] : keys) mx = std::max(mx, sc);
                for (auto& [j, sc] : keys) sum += std::exp(sc - mx);
                for (auto& [j, sc] : keys) dst[size_t(j)] += std::exp(sc - mx) / sum;
            };
            auto dot = [&](int64_t a, const std::vector<double>& key) {
                double x = 0;
                for (int64_t c = 0; c < d; ++c) x += double(q(a, c)) * key[size_t(c)];
                return x * scale;
            };
            // Compressed: softmax over complete blocks of mean keys; block b's weight is
            // spread over its l keys (its value is their mean).
            std::vector<std::pair<int64_t, double>> blocks;
            for (int64_t b = 0; b * 8 + 15 <= i; ++b) {
                std::vector<double> mean(size_t(d), 0.0);
                for (int64_t j = b * 8; j < b * 8 + 16; ++j)
                    for (int64_t c = 0; c < d; ++c) mean[size_t(c)] += k(j, c) / 16.0;
                blocks.push_back({b, dot(i, mean)});
            }
            std::vector<double> wc(size_t(n), 0.0);
            if (!blocks.empty()) {
                std::vector<double> tmp(size_t(n), 0.0);
                softmaxInto(blocks, tmp);  // indices are block numbers here
                for (auto& [b, sc] : blocks)
                    for (int64_t j = b * 8; j < b * 8 + 16; ++j) wc[size_t(j)] += tmp[size_t(b)] / 16.0;
            }
            std::vector<std::pair<int64_t, double>> sel, win;
            for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e) {
                const int64_t j = mask.cols[e];
                std::vector<double> kj(static_cast<size_t>(d));
                for (int64_t c = 0; c < d; ++c) kj[size_t(c)] = k(j, c);
                const double sc = dot(i, kj);
                if (mask.rules[e] & kRuleNsaSelected || (mask.rules[e] == kRuleDiagonal && window == 0)) sel.push_back({j, sc});
                if (mask.rules[e] & kRuleNsaWindow) win.push_back({j, sc});
            }
            std::vector<double> ws(size_t(n), 0.0), ww(size_t(n), 0.0);
            softmaxInto(sel, ws);
            softmaxInto(win, ww);
            double rowSum = 0;
            for (int64_t j = 0; j < n; ++j) {
                w[size_t(j)] = (wc[size_t(j)] + ws[size_t(j)] + ww[size_t(j)]) / branches;
                rowSum += probs(i, j);
                QVERIFY(std::abs(probs(i, j) - w[size_t(j)]) < 1e-6);
            }
            QVERIFY(std::abs(rowSum - 1.0) < 1e-5);
            for (int64_t c = 0; c < dv; ++c) {
                double o = 0;
                for (int64_t j = 0; j < n; ++j) o += w[size_t(j)] * v(j, c);
                QVERIFY2(std::abs(out(i, c) - o) < 1e-5, qPrintable(QString("row %1 col %2: %3 vs %4").arg(i).arg(c).arg(out(i, c)).arg(o)));
            }
        }
    }

    void modelRunsNsaWithGroupSelection() {
        tinymodel::Spec spec;
        spec.positions = 128;
        spec.heads = 4;
        spec.kvHeads = 2;
        spec.hidden = 32;
        tinymodel::Writer writer(spec);
        QTemporaryDir dir;
        writer.write(dir.path().toStdString());
        const auto model = Model::load(dir.path().toStdString());
        std::vector<int32_t> ids(100);
        std::mt19937 rng(2);
        for (auto& id : ids) id = int32_t(rng() % uint32_t(spec.vocab));
        PatternSpec nsa = presetSpec("nsa");
        nsa.nsaCompressBlock = 16;
        nsa.nsaCompressStride = 8;
        nsa.nsaSelectBlock = 16;
        nsa.nsaSelectCount = 3;
        nsa.nsaWindow = 16;
        ForwardOptions opts;
        opts.pattern = &nsa;
        opts.capture = true;
        const ForwardResult sparse = model->forward(ids, opts);
        const ForwardResult dense = model->forward(ids);
        QVERIFY(sparse.logits.allFinite());
        QVERIFY((sparse.logits - dense.logits).cwiseAbs().maxCoeff() > 1e-4);  // NSA changed something
        // Heads 0 and 1 share K/V head 0: their selected blocks are the same.
        const auto& masks = sparse.masks[0];
        QCOMPARE(masks.size(), size_t(4));
        for (int64_t i = 0; i < 100; ++i) {
            std::vector<int32_t> a, b;
            for (int64_t e = masks[0].rowBegin(i); e < masks[0].rowEnd(i); ++e)
                if (masks[0].rules[e] & kRuleNsaSelected) a.push_back(masks[0].cols[e]);
            for (int64_t e = masks[1].rowBegin(i); e < masks[1].rowEnd(i); ++e)
                if (masks[1].rules[e] & kRuleNsaSelected) b.push_back(masks[1].cols[e]);
            QVERIFY(a == b);
        }
        // The captured probabilities are NSA's effective weights: rows sum to 1.
        const MatrixRM& p = sparse.layers[0].probs[0];
        for (int64_t i = 0; i < 100; ++i) QVERIFY(std::abs(p.row(i).sum() - 1.0f) < 1e-4f);
    }
};

QTEST_APPLESS_MAIN(TestMethodsNsa)
#include "test_methods_nsa.moc"
