// The forward pass of tiny random-weight models (every architecture, GQA/MQA,
// biases, tied/untied heads, F32/F16/BF16 storage, Mistral's sliding window)
// against an independent float64 reference written out loop by loop below, dense
// and with a sparse pattern (window + sinks, whose rule is restated here).
// Also: captures, per-head top-k masks, layer subsets, threads, cancellation, evaluation.
#include "core/common/error.h"
#include "core/model/evaluation.h"
#include "core/model/model.h"
#include "core/pattern/mask_builder.h"
#include "tiny_model_writer.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <functional>
#include <numbers>

using namespace sparsescope;
using tinymodel::Tensor;
using Vec = std::vector<double>;
using Mat = std::vector<Vec>;  // [rows][cols]

namespace {

// keep(layer, head, i, j): which causal pairs the reference attends.
using KeepFn = std::function<bool(int, int, int, int)>;

struct Reference {
    Mat logits;                    // [T][V]
    std::vector<std::vector<Mat>> probs;  // [L][H][T][T]
};

Mat project(const Mat& x, const Tensor& w, const Tensor* b, bool conv1d) {
    // nn.Linear: y = x W^T + b with W [out, in];  Conv1D: y = x W + b with W [in, out].
    const int64_t out = conv1d ? w.shape[1] : w.shape[0], in = conv1d ? w.shape[0] : w.shape[1];
    Mat y(x.size(), Vec(static_cast<size_t>(out), 0.0));
    for (size_t t = 0; t < x.size(); ++t)
        for (int64_t o = 0; o < out; ++o) {
            double s = b ? b->at(o) : 0.0;
            for (int64_t i = 0; i < in; ++i) s += x[t][static_cast<size_t>(i)] * (conv1d ? w.at(i, o) : w.at(o, i));
            y[t][static_cast<size_t>(o)] = s;
        }
    return y;
}

Mat norm(const Mat& x, const Tensor& w, const Tensor* b, bool rms, double eps) {
    Mat y = x;
    for (size_t t = 0; t < x.size(); ++t) {
        const double n = static_cast<double>(x[t].size());
        double mean = 0, sq = 0;
        for (double v : x[t]) mean += v / n;
        for (double v : x[t]) sq += rms ? v * v / n : (v - mean) * (v - mean) / n;
        for (size_t i = 0; i < x[t].size(); ++i)
            y[t][i] = (rms ? x[t][i] : x[t][i] - mean) / std::sqrt(sq + eps) * w.at(static_cast<int64_t>(i)) +
                      (b ? b->at(static_cast<int64_t>(i)) : 0.0);
    }
    return y;
}

void addInto(Mat& x, const Mat& y) {
    for (size_t t = 0; t < x.size(); ++t)
        for (size_t i = 0; i < x[t].size(); ++i) x[t][i] += y[t][i];
}

const Tensor* opt(const tinymodel::Writer& w, const std::string& name) {
    return w.has(name) ? &w[name] : nullptr;
}

// softmax(q.k / sqrt(d)) over kept causal keys; head h reads key/value head h / (H / KV).
Mat attention(const Mat& q, const Mat& k, const Mat& v, int64_t H, int64_t KV, int64_t d, int layer,
              const KeepFn& keep, std::vector<Mat>& probs) {
    const size_t T = q.size();
    Mat out(T, Vec(static_cast<size_t>(H * d), 0.0));
    probs.assign(static_cast<size_t>(H), Mat(T, Vec(T, 0.0)));
    for (int64_t h = 0; h < H; ++h) {
        const int64_t kv = h / (H / KV);
        for (size_t i = 0; i < T; ++i) {
            Vec s(T, -INFINITY);
            double mx = -INFINITY;
            for (size_t j = 0; j <= i; ++j) {
                if (!keep(layer, static_cast<int>(h), static_cast<int>(i), static_cast<int>(j))) continue;
                double dot = 0;
                for (int64_t e = 0; e < d; ++e) dot += q[i][size_t(h * d + e)] * k[j][size_t(kv * d + e)];
                s[j] = dot / std::sqrt(static_cast<double>(d));
                mx = std::max(mx, s[j]);
            }
            double z = 0;
            for (size_t j = 0; j <= i; ++j) z += std::isinf(s[j]) ? 0.0 : std::exp(s[j] - mx);
            for (size_t j = 0; j <= i; ++j) {
                const double p = std::isinf(s[j]) ? 0.0 : std::exp(s[j] - mx) / z;
                probs[size_t(h)][i][j] = p;
                for (int64_t e = 0; e < d; ++e) out[i][size_t(h * d + e)] += p * v[j][size_t(kv * d + e)];
            }
        }
    }
    return out;
}

// rotate_half RoPE, angle p / theta^(2i/d), in float64.
void rope(Mat& x, int64_t heads, int64_t d, double theta) {
    for (size_t p = 0; p < x.size(); ++p)
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t i = 0; i < d / 2; ++i) {
                const double a = static_cast<double>(p) / std::pow(theta, 2.0 * static_cast<double>(i) / static_cast<double>(d));
                double& x1 = x[p][size_t(h * d + i)];
                double& x2 = x[p][size_t(h * d + i + d / 2)];
                const double r1 = x1 * std::cos(a) - x2 * std::sin(a), r2 = x2 * std::cos(a) + x1 * std::sin(a);
                x1 = r1;
                x2 = r2;
            }
}

Reference referenceForward(const tinymodel::Writer& w, const std::vector<int32_t>& ids, const KeepFn& keep) {
    const tinymodel::Spec& s = w.spec();
    const bool gpt2 = s.arch == "gpt2";
    const int64_t E = s.hidden, H = s.heads, KV = gpt2 ? s.heads : s.kvHeads, d = s.headDim();
    const size_t T = ids.size();
    Reference ref;
    Mat x(T, Vec(static_cast<size_t>(E)));
    const Tensor& emb = w[gpt2 ? "transformer.wte.weight" : "model.embed_tokens.weight"];
    for (size_t t = 0; t < T; ++t)
        for (int64_t e = 0; e < E; ++e)
            x[t][size_t(e)] = emb.at(ids[t], e) + (gpt2 ? w["transformer.wpe.weight"].at(int64_t(t), e) : 0.0);
    for (int l = 0; l < s.layers; ++l) {
        std::vector<Mat> probs;
        if (gpt2) {
            const std::string b = "transformer.h." + std::to_string(l) + ".";
            const Mat h = norm(x, w[b + "ln_1.weight"], &w[b + "ln_1.bias"], false, 1e-5);
            const Mat qkv = project(h, w[b + "attn.c_attn.weight"], &w[b + "attn.c_attn.bias"], true);
            Mat q(T), k(T), v(T);
            for (size_t t = 0; t < T; ++t) {
                q[t] = Vec(qkv[t].begin(), qkv[t].begin() + E);
                k[t] = Vec(qkv[t].begin() + E, qkv[t].begin() + 2 * E);
                v[t] = Vec(qkv[t].begin() + 2 * E, qkv[t].end());
            }
            const Mat o = attention(q, k, v, H, KV, d, l, keep, probs);
            addInto(x, project(o, w[b + "attn.c_proj.weight"], &w[b + "attn.c_proj.bias"], true));
            Mat f = project(norm(x, w[b + "ln_2.weight"], &w[b + "ln_2.bias"], false, 1e-5), w[b + "mlp.c_fc.weight"],
                            &w[b + "mlp.c_fc.bias"], true);
            for (Vec& row : f)
                for (double& u : row) u = 0.5 * u * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (u + 0.044715 * u * u * u)));
            addInto(x, project(f, w[b + "mlp.c_proj.weight"], &w[b + "mlp.c_proj.bias"], true));
        } else {
            const std::string b = "model.layers." + std::to_string(l) + ".self_attn.";
            const std::string m = "model.layers." + std::to_string(l) + ".mlp.";
            const Mat h = norm(x, w["model.layers." + std::to_string(l) + ".input_layernorm.weight"], nullptr, true, 1e-6);
            Mat q = project(h, w[b + "q_proj.weight"], opt(w, b + "q_proj.bias"), false);
            Mat k = project(h, w[b + "k_proj.weight"], opt(w, b + "k_proj.bias"), false);
            const Mat v = project(h, w[b + "v_proj.weight"], opt(w, b + "v_proj.bias"), false);
            rope(q, H, d, s.ropeTheta);
            rope(k, KV, d, s.ropeTheta);
            const Mat o = attention(q, k, v, H, KV, d, l, keep, probs);
            addInto(x, project(o, w[b + "o_proj.weight"], opt(w, b + "o_proj.bias"), false));
            const Mat h2 = norm(x, w["model.layers." + std::to_string(l) + ".post_attention_layernorm.weight"], nullptr,
                                true, 1e-6);
            Mat g = project(h2, w[m + "gate_proj.weight"], nullptr, false);
            const Mat u = project(h2, w[m + "up_proj.weight"], nullptr, false);
            for (size_t t = 0; t < T; ++t)
                for (size_t i = 0; i < g[t].size(); ++i) g[t][i] = g[t][i] / (1 + std::exp(-g[t][i])) * u[t][i];
            addInto(x, project(g, w[m + "down_proj.weight"], nullptr, false));
        }
        ref.probs.push_back(probs);
    }
    const Mat h = gpt2 ? norm(x, w["transformer.ln_f.weight"], &w["transformer.ln_f.bias"], false, 1e-5)
                       : norm(x, w["model.norm.weight"], nullptr, true, 1e-6);
    ref.logits = project(h, s.tie ? emb : w["lm_head.weight"], nullptr, false);
    return ref;
}

double maxAbsDiff(const MatrixRM& a, const Mat& b) {
    double worst = 0;
    for (int64_t r = 0; r < a.rows(); ++r)
        for (int64_t c = 0; c < a.cols(); ++c) worst = std::max(worst, std::abs(a(r, c) - b[size_t(r)][size_t(c)]));
    return worst;
}

std::vector<int32_t> someIds(int n, int vocab, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<int32_t> ids(static_cast<size_t>(n));
    for (auto& id : ids) id = static_cast<int32_t>(rng() % static_cast<uint32_t>(vocab));
    return ids;
}

tinymodel::Spec spec(const std::string& arch, int64_t kv, bool tie, const std::string& dtype) {
    tinymodel::Spec s;
    s.arch = arch;
    s.kvHeads = kv;
    s.tie = tie;
    s.dtype = dtype;
    return s;
}

}  // namespace

Q_DECLARE_METATYPE(tinymodel::Spec)

class TestModelReference : public QObject {
    Q_OBJECT

    struct Loaded {
        QTemporaryDir dir;
        std::unique_ptr<tinymodel::Writer> writer;
        std::unique_ptr<Model> model;
    };
    std::unique_ptr<Loaded> load(const tinymodel::Spec& s) {
        auto l = std::make_unique<Loaded>();
        l->writer = std::make_unique<tinymodel::Writer>(s);
        l->writer->write(l->dir.path().toStdString());
        l->model = Model::load(l->dir.path().toStdString());
        return l;
    }

private slots:
    void denseLogitsMatchReference_data() {
        QTest::addColumn<tinymodel::Spec>("s");
        QTest::newRow("gpt2 tied F32") << spec("gpt2", 4, true, "F32");
        QTest::newRow("gpt2 untied BF16") << spec("gpt2", 4, false, "BF16");
        QTest::newRow("llama GQA F32") << spec("llama", 2, false, "F32");
        tinymodel::Spec mqa = spec("llama", 1, true, "F16");
        mqa.attentionBias = true;
        mqa.ropeTheta = 500.0;
        QTest::newRow("llama MQA bias F16 tied") << mqa;
        QTest::newRow("qwen2 qkv bias BF16") << spec("qwen2", 2, true, "BF16");
        tinymodel::Spec mistral = spec("mistral", 2, false, "F32");
        mistral.slidingWindow = 5;
        QTest::newRow("mistral window 5") << mistral;
    }
    void denseLogitsMatchReference() {
        QFETCH(tinymodel::Spec, s);
        const auto l = load(s);
        const std::vector<int32_t> ids = someIds(23, int(s.vocab), s.seed + 7);
        ForwardOptions opts;
        opts.capture = true;
        const ForwardResult r = l->model->forward(ids, opts);
        const int64_t W = s.arch == "mistral" ? s.slidingWindow : 0;
        const Reference ref =
            referenceForward(*l->writer, ids, [W](int, int, int i, int j) { return W == 0 || i - j < W; });
        QCOMPARE(r.logits.rows(), int64_t(ids.size()));
        QCOMPARE(r.logits.cols(), s.vocab);
        const double err = maxAbsDiff(r.logits, ref.logits);
        qInfo("max |logit - reference| = %.3g", err);
        QVERIFY(err < 1e-4);
        QVERIFY(r.masks.empty());
        // Captured probabilities are the reference's, and each row sums to 1.
        QCOMPARE(r.layers.size(), size_t(s.layers));
        double probErr = 0;
        for (int64_t layer = 0; layer < s.layers; ++layer)
            for (int64_t h = 0; h < s.heads; ++h) {
                const MatrixRM& p = r.layers[size_t(layer)].probs[size_t(h)];
                probErr = std::max(probErr, maxAbsDiff(p, ref.probs[size_t(layer)][size_t(h)]));
                for (int64_t i = 0; i < p.rows(); ++i) QVERIFY(std::abs(p.row(i).sum() - 1.0f) < 1e-5);
            }
        qInfo("max |prob - reference| = %.3g", probErr);
        QVERIFY(probErr < 1e-5);
    }

    void sparseLogitsMatchReference_data() {
        QTest::addColumn<tinymodel::Spec>("s");
        QTest::addColumn<QList<int>>("layers");
        QTest::newRow("gpt2 all layers") << spec("gpt2", 4, true, "F32") << QList<int>{};
        QTest::newRow("llama layer 1 only") << spec("llama", 2, false, "F32") << QList<int>{1};
        QTest::newRow("qwen2 layer 0 only") << spec("qwen2", 1, false, "BF16") << QList<int>{0};
    }
    void sparseLogitsMatchReference() {
        QFETCH(tinymodel::Spec, s);
        QFETCH(QList<int>, layers);
        const auto l = load(s);
        const std::vector<int32_t> ids = someIds(30, int(s.vocab), 3);
        PatternSpec pattern;
        pattern.window = 4;
        pattern.global = 2;
        ForwardOptions opts;
        opts.pattern = &pattern;
        opts.sparseLayers.assign(layers.begin(), layers.end());
        opts.capture = true;
        const ForwardResult r = l->model->forward(ids, opts);
        // Sliding window + sinks: i - 4 < j <= i or j < 2 (design.md), in the chosen layers.
        const Reference ref = referenceForward(*l->writer, ids, [&](int layer, int, int i, int j) {
            const bool sparse = layers.isEmpty() || layers.contains(layer);
            return !sparse || i - j < 4 || j < 2;
        });
        const double err = maxAbsDiff(r.logits, ref.logits);
        qInfo("max |sparse logit - reference| = %.3g", err);
        QVERIFY(err < 1e-4);
        for (int64_t layer = 0; layer < s.layers; ++layer) {
            const bool sparse = layers.isEmpty() || layers.contains(int(layer));
            QCOMPARE(r.masks[size_t(layer)].size(), sparse ? size_t(1) : size_t(0));  // score-free: shared
            QCOMPARE(r.layers[size_t(layer)].sparse, sparse);
            for (int64_t h = 0; h < s.heads; ++h)
                QVERIFY(maxAbsDiff(r.layers[size_t(layer)].probs[size_t(h)], ref.probs[size_t(layer)][size_t(h)]) < 1e-5);
        }
        // The sparse run differs from the dense one (the test would pass vacuously otherwise).
        const MatrixRM dense = l->model->forward(ids).logits;
        QVERIFY((dense - r.logits).cwiseAbs().maxCoeff() > 1e-3);
    }

    void captureIsConsistent() {
        const auto l = load(spec("llama", 2, false, "F32"));
        const std::vector<int32_t> ids = someIds(17, 300, 5);
        ForwardOptions opts;
        opts.capture = true;
        const ForwardResult r = l->model->forward(ids, opts);
        const LayerCapture& c = r.layers[1];
        QCOMPARE(c.q.heads, int64_t(4));
        QCOMPARE(c.k.heads, int64_t(2));
        QCOMPARE(c.v.n, int64_t(17));
        QCOMPARE(c.kvHeadOf, std::vector<int>({0, 0, 1, 1}));
        for (int64_t h = 0; h < 4; ++h) {
            // out = softmax(q k^T / sqrt d) v with the captured tensors.
            MatrixRM s = MatrixRM(c.q.head(h)) * MatrixRM(c.key(h)).transpose() / std::sqrt(4.0f);
            MatrixRM p = MatrixRM::Zero(17, 17);
            for (int i = 0; i < 17; ++i) {
                const float mx = s.row(i).head(i + 1).maxCoeff();
                for (int j = 0; j <= i; ++j) p(i, j) = std::exp(s(i, j) - mx);
                p.row(i) /= p.row(i).sum();
            }
            QVERIFY((p - c.probs[size_t(h)]).cwiseAbs().maxCoeff() < 1e-5);
            QVERIFY((p * MatrixRM(c.value(h)) - MatrixRM(c.out.head(h))).cwiseAbs().maxCoeff() < 1e-5);
        }
        // captureProbs = false keeps Q/K/V but skips the [T, T] matrices.
        opts.captureProbs = false;
        const ForwardResult lean = l->model->forward(ids, opts);
        QVERIFY(lean.layers[0].probs.empty());
        QVERIFY(lean.layers[0].q.data == r.layers[0].q.data);
    }

    void topkMasksArePerHeadFromPostRopeScores() {
        const auto l = load(spec("qwen2", 2, false, "F32"));
        const std::vector<int32_t> ids = someIds(25, 300, 9);
        PatternSpec pattern;
        pattern.topk = 3;
        pattern.window = 1;
        ForwardOptions opts;
        opts.pattern = &pattern;
        opts.capture = true;
        const ForwardResult r = l->model->forward(ids, opts);
        bool headsDiffer = false;
        for (size_t layer = 0; layer < 2; ++layer) {
            const LayerCapture& c = r.layers[layer];
            QCOMPARE(r.masks[layer].size(), size_t(4));
            for (int64_t h = 0; h < 4; ++h) {
                const ScoreInputs scores{c.q.head(h).data(), c.key(h).data(), 4, 0.5f};
                const SparseMask expected = buildMask(pattern, 25, &scores);
                const SparseMask& got = r.masks[layer][size_t(h)];
                QVERIFY(got.cols == expected.cols && got.rowPtr == expected.rowPtr);
                headsDiffer = headsDiffer || got.cols != r.masks[layer][0].cols;
                // Sparse probabilities sit on kept pairs only.
                for (int64_t i = 0; i < 25; ++i) {
                    float kept = 0;
                    for (int64_t e = got.rowBegin(i); e < got.rowEnd(i); ++e) kept += c.probs[size_t(h)](i, got.cols[size_t(e)]);
                    QVERIFY(std::abs(kept - 1.0f) < 1e-5);
                }
            }
        }
        QVERIFY(headsDiffer);
    }

    void threadsGiveTheSameLogits() {
        const auto l = load(spec("llama", 2, false, "F32"));
        const std::vector<int32_t> ids = someIds(40, 300, 11);
        ForwardOptions one, two;
        one.threads = 1;
        two.threads = 2;
        QVERIFY((l->model->forward(ids, one).logits - l->model->forward(ids, two).logits).cwiseAbs().maxCoeff() < 1e-6);
    }

    void progressAndCancel() {
        const auto l = load(spec("gpt2", 4, true, "F32"));
        std::vector<std::pair<int, int>> calls;
        ForwardOptions opts;
        opts.progress = [&](int done, int layers) {
            calls.emplace_back(done, layers);
            return true;
        };
        l->model->forward({1, 2, 3}, opts);
        QCOMPARE(calls, (std::vector<std::pair<int, int>>{{1, 2}, {2, 2}}));
        calls.clear();
        opts.progress = [&](int done, int layers) {
            calls.emplace_back(done, layers);
            return false;
        };
        QVERIFY_THROWS_EXCEPTION(ForwardCancelled, l->model->forward({1, 2, 3}, opts));
        QCOMPARE(calls.size(), size_t(1));
    }

    void evaluationAgreesWithLogits() {
        const auto l = load(spec("llama", 2, false, "F32"));
        const std::vector<int32_t> ids = someIds(30, 300, 13);
        PatternSpec all;
        all.dense = true;
        ModelEval e = evaluateSparse(*l->model, ids, all);
        QCOMPARE(e.tokens, 30);
        QVERIFY(std::abs(e.lossDelta) < 1e-6);
        QCOMPARE(e.top1Agreement, 1.0);
        QVERIFY(std::abs(e.lossDense - nextTokenLoss(l->model->forward(ids).logits, ids)) < 1e-9);
        PatternSpec local;
        local.window = 1;
        e = evaluateSparse(*l->model, ids, local, {0});
        ForwardOptions opts;
        opts.pattern = &local;
        opts.sparseLayers = {0};
        QVERIFY(std::abs(e.lossSparse - nextTokenLoss(l->model->forward(ids, opts).logits, ids)) < 1e-9);
        QVERIFY(std::abs(e.lossDelta) > 1e-4);
        QVERIFY(std::abs(e.pplRatio - std::exp(e.lossDelta)) < 1e-12);
    }

    void tokenizerAndConfigAreExposed() {
        const auto l = load(spec("mistral", 2, true, "BF16"));
        QCOMPARE(l->model->config().modelType, std::string("mistral"));
        QCOMPARE(l->model->storedDtype(), std::string("BF16"));
        QCOMPARE(l->model->directory(), l->dir.path().toStdString());
    }
};

QTEST_APPLESS_MAIN(TestModelReference)
#include "test_model_reference.moc"
