// Unit tests of the model's building blocks against values worked out by hand
// (or with Python's math module, noted per case), of config.json parsing, and of
// the next-token loss definitions.
#include "core/common/error.h"
#include "core/model/evaluation.h"
#include "core/model/layers.h"
#include "core/model/model_config.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>

using namespace sparsescope;

class TestModelLayers : public QObject {
    Q_OBJECT

private:
    std::string writeConfig(const QTemporaryDir& dir, const std::string& json) {
        const std::string path = dir.filePath("config.json").toStdString();
        std::ofstream(path) << json;
        return path;
    }

private slots:
    void geluNewValues_data() {
        QTest::addColumn<float>("x");
        QTest::addColumn<double>("expected");
        // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) evaluated in float64 with Python.
        QTest::newRow("0") << 0.0f << 0.0;
        QTest::newRow("1") << 1.0f << 0.8411919906082768;
        QTest::newRow("-1") << -1.0f << -0.15880800939172324;
        QTest::newRow("2") << 2.0f << 1.954597694087775;
        QTest::newRow("-3") << -3.0f << -0.0036373920817729943;
        QTest::newRow("0.5") << 0.5f << 0.34571400982514394;
        QTest::newRow("10") << 10.0f << 10.0;
    }
    void geluNewValues() {
        QFETCH(float, x);
        QFETCH(double, expected);
        QVERIFY2(std::abs(geluNew(x) - expected) < 1e-6, qPrintable(QString::number(geluNew(x), 'g', 10)));
    }

    void geluErfAndSilu() {
        QVERIFY(std::abs(geluErf(1.0f) - 0.8413447460685429) < 1e-6);
        QVERIFY(std::abs(geluErf(-1.0f) + 0.15865525393145707) < 1e-6);
        // silu(x) = x / (1 + e^-x): silu(1) = 0.7310585786300049, silu(-2) = -0.23840584404423515
        QVERIFY(std::abs(silu(1.0f) - 0.7310585786300049) < 1e-6);
        QVERIFY(std::abs(silu(-2.0f) + 0.23840584404423515) < 1e-6);
        QCOMPARE(silu(0.0f), 0.0f);
        // No NaN at large magnitudes (exp overflow must give 0, not inf/inf).
        QVERIFY(std::isfinite(silu(-200.0f)) && std::isfinite(silu(200.0f)));
        QCOMPARE(geluNew(-200.0f), -0.0f);
    }

    void rmsNormHandCase() {
        // x = [1,2,3,4]: mean(x^2) = 7.5, x / sqrt(7.5 + 1e-6) times w = [1, 1, 2, 0.5].
        MatrixRM x(1, 4);
        x << 1, 2, 3, 4;
        Eigen::VectorXf w(4);
        w << 1, 1, 2, 0.5;
        MatrixRM y;
        rmsNorm(x, w, 1e-6f, y);
        const double expected[] = {0.3651483473268884, 0.7302966946537768, 2.1908900839613303, 0.7302966946537768};
        for (int i = 0; i < 4; ++i) QVERIFY(std::abs(y(0, i) - expected[i]) < 1e-6);
    }

    void layerNormHandCase() {
        // x = [1,2,3,4]: mean 2.5, biased variance 1.25; (x - 2.5)/sqrt(1.25 + 1e-5) * w + b.
        MatrixRM x(1, 4);
        x << 1, 2, 3, 4;
        Eigen::VectorXf w = Eigen::VectorXf::Constant(4, 2.0f), b = Eigen::VectorXf::Constant(4, 1.0f);
        MatrixRM y;
        layerNorm(x, w, b, 1e-5f, y);
        const double z[] = {-1.3416354199689269, -0.447211806656309, 0.447211806656309, 1.3416354199689269};
        for (int i = 0; i < 4; ++i) QVERIFY(std::abs(y(0, i) - (2.0 * z[i] + 1.0)) < 1e-5);
    }

    void ropeInverseFrequencies() {
        // 1 / 10000^(2i/d), d = 8: 1, 0.1, 0.01, 0.001
        const std::vector<float> inv = sparsescope::ropeInverseFrequencies(8, 10000.0);
        QCOMPARE(inv.size(), size_t(4));
        const double expected[] = {1.0, 0.1, 0.01, 0.001};
        for (int i = 0; i < 4; ++i) QVERIFY(std::abs(inv[i] - expected[i]) < 1e-7 * (1 + expected[i] * 10));
    }

    void ropeRotateHalfHandCase() {
        // d = 4, theta = 10000: invFreq = [1, 0.01]; position 2: angles [2, 0.02].
        // rotate_half([1,2,3,4]) = [-3,-4,1,2];  x' = x cos + rotate_half(x) sin:
        //   [1 cos2 - 3 sin2,  2 cos.02 - 4 sin.02,  3 cos2 + 1 sin2,  4 cos.02 + 2 sin.02]
        const RopeTable t = makeRopeTable(sparsescope::ropeInverseFrequencies(4, 10000.0), 3);
        const float x[4] = {1, 2, 3, 4};
        float y[4];
        applyRope(x, t.cosRow(2), t.sinRow(2), 4, y);
        const double expected[] = {std::cos(2.0) - 3 * std::sin(2.0), 2 * std::cos(0.02) - 4 * std::sin(0.02),
                                   3 * std::cos(2.0) + std::sin(2.0), 4 * std::cos(0.02) + 2 * std::sin(0.02)};
        for (int i = 0; i < 4; ++i) QVERIFY2(std::abs(y[i] - expected[i]) < 1e-6, qPrintable(QString::number(i)));
        // Position 0 is the identity.
        applyRope(x, t.cosRow(0), t.sinRow(0), 4, y);
        for (int i = 0; i < 4; ++i) QCOMPARE(y[i], x[i]);
    }

    void ropeScoresDependOnRelativePosition() {
        // q(p) . k(p') depends only on p - p' (the point of RoPE).
        const int d = 8;
        const RopeTable t = makeRopeTable(sparsescope::ropeInverseFrequencies(d, 10000.0), 12);
        const float q[d] = {0.3f, -1.2f, 0.7f, 0.1f, 2.0f, -0.4f, 0.9f, -0.6f};
        const float k[d] = {-0.5f, 0.8f, 1.1f, -0.2f, 0.3f, 0.6f, -1.4f, 0.25f};
        auto score = [&](int p, int pk) {
            float qr[d], kr[d];
            applyRope(q, t.cosRow(p), t.sinRow(p), d, qr);
            applyRope(k, t.cosRow(pk), t.sinRow(pk), d, kr);
            double s = 0;
            for (int i = 0; i < d; ++i) s += double(qr[i]) * kr[i];
            return s;
        };
        QVERIFY(std::abs(score(5, 2) - score(11, 8)) < 1e-5);
        QVERIFY(std::abs(score(3, 3) - score(0, 0)) < 1e-5);
        QVERIFY(std::abs(score(5, 2) - score(5, 3)) > 1e-3);  // and it does depend on the offset
    }

    void linearMatchesNaive() {
        // y = x W^T + b with more rows than one thread block, on 2 threads.
        Linear l;
        l.weight = MatrixRM::Random(5, 7);
        l.bias = Eigen::VectorXf::Random(5);
        const MatrixRM x = MatrixRM::Random(37, 7);
        MatrixRM y;
        linear(x, l, y, 2);
        QCOMPARE(y.rows(), 37);
        QCOMPARE(y.cols(), 5);
        for (int r = 0; r < 37; ++r)
            for (int o = 0; o < 5; ++o) {
                double s = l.bias[o];
                for (int i = 0; i < 7; ++i) s += double(x(r, i)) * l.weight(o, i);
                QVERIFY(std::abs(y(r, o) - s) < 1e-5);
            }
    }

    void splitAndMergeHeads() {
        // Columns [col0 + h d, col0 + (h+1) d) of row r are head h's row r.
        MatrixRM x(3, 10);
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 10; ++c) x(r, c) = float(100 * r + c);
        const HeadTensor t = splitHeads(x, 2, 2, 4);
        QCOMPARE(t.heads, 2);
        QCOMPARE(t.head(1)(2, 3), x(2, 2 + 4 + 3));
        QCOMPARE(t.head(0)(1, 0), x(1, 2));
        MatrixRM merged;
        mergeHeads(t, merged);
        QVERIFY(merged == x.middleCols(2, 8));
    }

    void swigluHandCase() {
        MatrixRM gu(1, 4);
        gu << 1, -2, 3, 0.5;  // gate [1, -2], up [3, 0.5]
        MatrixRM out;
        swiglu(gu, out);
        QVERIFY(std::abs(out(0, 0) - 3 * 0.7310585786300049) < 1e-6);
        QVERIFY(std::abs(out(0, 1) - 0.5 * -0.23840584404423515) < 1e-6);
    }

    void configLlamaFamily() {
        QTemporaryDir dir;
        const std::string path = writeConfig(dir, R"({"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2",
          "vocab_size":100,"hidden_size":32,"intermediate_size":64,"num_hidden_layers":2,
          "num_attention_heads":4,"num_key_value_heads":2,"rms_norm_eps":1e-6,"rope_theta":1000000.0,
          "max_position_embeddings":128,"tie_word_embeddings":true,"rope_scaling":null,"head_dim":null})");
        const ModelConfig c = parseModelConfig(path);
        QCOMPARE(c.family, ModelFamily::Llama);
        QCOMPARE(c.modelType, std::string("qwen2"));
        QCOMPARE(c.headDim, int64_t(8));
        QCOMPARE(c.queriesPerKvHead(), int64_t(2));
        QVERIFY(c.qkvBias && !c.oBias);
        QVERIFY(c.tieWordEmbeddings);
        QCOMPARE(c.ropeTheta, 1e6);
        QVERIFY(std::abs(c.attentionScale(0) - 1.0 / std::sqrt(8.0)) < 1e-7);
    }

    void configGpt2Defaults() {
        QTemporaryDir dir;
        const ModelConfig c = parseModelConfig(writeConfig(
            dir, R"({"architectures":["GPT2LMHeadModel"],"vocab_size":50,"n_embd":16,"n_layer":1,"n_head":2,
                     "n_positions":64,"n_inner":null})"));
        QCOMPARE(c.family, ModelFamily::Gpt2);
        QCOMPARE(c.intermediate, int64_t(64));  // n_inner null = 4 n_embd
        QCOMPARE(c.activation, std::string("gelu_new"));
        QVERIFY(c.tieWordEmbeddings);
    }

    void configMistralWindowAndLlama3Rope() {
        QTemporaryDir dir;
        ModelConfig c = parseModelConfig(writeConfig(
            dir, R"({"architectures":["MistralForCausalLM"],"vocab_size":50,"hidden_size":16,"intermediate_size":32,
                     "num_hidden_layers":3,"num_attention_heads":2,"num_key_value_heads":1,"sliding_window":7})"));
        QCOMPARE(c.slidingWindow, std::vector<int64_t>({7, 7, 7}));
        c = parseModelConfig(writeConfig(
            dir, R"({"architectures":["LlamaForCausalLM"],"vocab_size":50,"hidden_size":16,"intermediate_size":32,
                     "num_hidden_layers":1,"num_attention_heads":2,"rope_scaling":{"rope_type":"llama3","factor":8.0,
                     "low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":8192}})"));
        QCOMPARE(c.ropeScaling.type, std::string("llama3"));
        QCOMPARE(c.ropeScaling.factor, 8.0);
        QCOMPARE(c.kvHeads, int64_t(2));
    }

    void configErrors_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("field");
        const QString llama = R"({"architectures":["LlamaForCausalLM"],"vocab_size":50,"hidden_size":16,
            "intermediate_size":32,"num_hidden_layers":1,"num_attention_heads":2%1})";
        QTest::newRow("unsupported architecture") << R"({"architectures":["BertModel"]})" << "architectures";
        QTest::newRow("unsupported model_type") << R"({"model_type":"t5"})" << "model_type";
        QTest::newRow("not json") << "{nope" << "";
        QTest::newRow("missing hidden_size")
            << R"({"architectures":["LlamaForCausalLM"],"vocab_size":5,"intermediate_size":3,"num_hidden_layers":1,"num_attention_heads":1})"
            << "hidden_size";
        QTest::newRow("string size") << llama.arg(R"(,"head_dim":"8")") << "head_dim";
        QTest::newRow("kv heads not dividing") << llama.arg(R"(,"num_key_value_heads":3)") << "num_key_value_heads";
        QTest::newRow("yarn rope") << llama.arg(R"(,"rope_scaling":{"type":"yarn","factor":4})") << "rope_scaling.rope_type";
        QTest::newRow("gelu variant") << R"({"architectures":["GPT2LMHeadModel"],"vocab_size":5,"n_embd":4,"n_layer":1,"n_head":2,"activation_function":"swish"})"
                                      << "activation_function";
        QTest::newRow("negative layers") << llama.arg(R"(,"num_hidden_layers":-1)").replace(R"("num_hidden_layers":1,)", "")
                                         << "num_hidden_layers";
        QTest::newRow("odd head dim") << llama.arg(R"(,"head_dim":7)") << "head_dim";
    }
    void configErrors() {
        QFETCH(QString, json);
        QFETCH(QString, field);
        QTemporaryDir dir;
        const std::string path = writeConfig(dir, json.toStdString());
        try {
            parseModelConfig(path);
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(e.source(), path);
            QCOMPARE(QString::fromStdString(e.field()), field);
            QVERIFY(!e.problem().empty());
        }
    }

    void nextTokenLossHandCase() {
        // Two positions scored. Row 0: logits [0, ln 3] -> p(target 1) = 3/4, loss ln(4/3).
        // Row 1: [ln 2, 0] target 0 -> p = 2/3, loss ln(3/2). Row 2 is not scored.
        MatrixRM logits(3, 2);
        logits << 0.0f, float(std::log(3.0)), float(std::log(2.0)), 0.0f, 5.0f, -5.0f;
        const std::vector<int32_t> ids = {0, 1, 0};
        const double expected = (std::log(4.0 / 3.0) + std::log(1.5)) / 2.0;
        QVERIFY(std::abs(nextTokenLoss(logits, ids) - expected) < 1e-6);

        MatrixRM other = logits;
        other.row(1) << 0.0f, 1.0f;  // argmax changes at position 1 only
        const ModelEval e = compareNextToken(logits, other, ids);
        QCOMPARE(e.tokens, 3);
        QCOMPARE(e.top1Agreement, 0.5);
        // Row 1 of `other`: target 0 has p = 1/(1+e), loss ln(1+e).
        const double sparse = (std::log(4.0 / 3.0) + std::log(1.0 + std::exp(1.0))) / 2.0;
        QVERIFY(std::abs(e.lossSparse - sparse) < 1e-6);
        QVERIFY(std::abs(e.lossDelta - (sparse - expected)) < 1e-6);
        QVERIFY(std::abs(e.pplRatio - std::exp(sparse - expected)) < 1e-6);
    }

    void nextTokenLossRejectsBadInput() {
        MatrixRM logits(1, 3);
        logits.setZero();
        QVERIFY_THROWS_EXCEPTION(Error, nextTokenLoss(logits, {1}));
        MatrixRM two(2, 3);
        two.setZero();
        QVERIFY_THROWS_EXCEPTION(Error, nextTokenLoss(two, {0, 7}));
        QVERIFY_THROWS_EXCEPTION(Error, nextTokenLoss(two, {0, 1, 2}));
    }
};

QTEST_APPLESS_MAIN(TestModelLayers)
#include "test_model_layers.moc"
