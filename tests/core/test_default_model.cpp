// The bundled default model (resources/model), checked on held-out text with the
// C++ forward pass: it must match PyTorch, beat a unigram model, do induction and
// retrieve a passkey from 1500 tokens of filler (issue 3's targets).
#include "core/io/npy.h"
#include "core/model/evaluation.h"
#include "core/model/model.h"
#include "core/model/model_input.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workload/passkey.h"
#include "core/workload/sample_manifest.h"

#include <QTest>

#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

using namespace sparsescope;

namespace {
const std::string kModelDir = SPARSESCOPE_SOURCE_DIR "/resources/model";
const std::string kGolden = SPARSESCOPE_SOURCE_DIR "/tests/golden/default_model/";

int argmax(const MatrixRM& logits, int64_t row) {
    Eigen::Index best = 0;
    logits.row(row).maxCoeff(&best);
    return int(best);
}
}  // namespace

class TestDefaultModel : public QObject {
    Q_OBJECT
    std::unique_ptr<Model> model_;
    nlohmann::json expected_;

private slots:
    void initTestCase() {
        model_ = Model::load(kModelDir);
        std::ifstream in(kGolden + "expected.json");
        expected_ = nlohmann::json::parse(in);
        QCOMPARE(model_->config().architecture, std::string("LlamaForCausalLM"));
        QVERIFY(model_->config().maxPositions >= 2048);
        QVERIFY(model_->tokenizer().vocabSize() >= 4000 && model_->tokenizer().vocabSize() <= 8200);
    }

    void matchesPyTorchLogits() {
        // Reference: transformers in float64 from the stored F16 weights.
        const std::string text = readTextFile(kGolden + "ref_text.txt");
        const std::vector<int64_t> ref = readNpy(kGolden + "ids.npy").toInt64();
        const std::vector<int32_t> ids = model_->tokenizer().encode(text, true);
        QCOMPARE(std::vector<int64_t>(ids.begin(), ids.end()), ref);
        const NpyArray want = readNpy(kGolden + "logits.npy");
        const MatrixRM got = model_->forward(ids).logits;
        const std::vector<float> w = want.toFloat32();
        double maxDiff = 0;
        for (int64_t i = 0; i < got.size(); ++i) maxDiff = std::max(maxDiff, double(std::abs(got.data()[i] - w[i])));
        qInfo("default model, %zu tokens: max |logits - PyTorch float64| = %.3g", ids.size(), maxDiff);
        QVERIFY(maxDiff < 1e-4);

        // A 2000-token text: the last positions see the whole context.
        const std::vector<int64_t> longIds = readNpy(kGolden + "long_ids.npy").toInt64();
        const std::vector<float> tail = readNpy(kGolden + "long_logits_tail.npy").toFloat32();
        const MatrixRM longLogits = model_->forward(std::vector<int32_t>(longIds.begin(), longIds.end())).logits;
        const int64_t vocab = longLogits.cols(), rows = int64_t(tail.size()) / vocab;
        maxDiff = 0;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < vocab; ++c)
                maxDiff = std::max(maxDiff, double(std::abs(longLogits(longLogits.rows() - rows + r, c) - tail[r * vocab + c])));
        qInfo("default model, %zu tokens: max |tail logits - PyTorch float64| = %.3g", longIds.size(), maxDiff);
        QVERIFY(maxDiff < 2e-4);
    }

    void heldOutBeatsUnigram_data() {
        QTest::addColumn<QString>("corpus");
        QTest::newRow("shakespeare") << "shakespeare";
        QTest::newRow("kjv") << "kjv";
        QTest::newRow("code") << "code";
    }
    void heldOutBeatsUnigram() {
        QFETCH(QString, corpus);
        const auto& e = expected_["heldout_slices"][corpus.toStdString()];
        const std::string text = readTextFile(kGolden + e["file"].get<std::string>());
        const std::vector<int32_t> ids = model_->tokenizer().encode(text, true);
        const double loss = nextTokenLoss(model_->forward(ids).logits, ids);
        // The unigram model: add-one smoothed token frequencies of the training text.
        const std::vector<float> unigram = readNpy(kGolden + "unigram_logprob.npy").toFloat32();
        double uni = 0;
        for (size_t t = 1; t < ids.size(); ++t) uni -= unigram[size_t(ids[t])];
        uni /= double(ids.size() - 1);
        // bits per byte: nats per token x tokens / ln 2 / bytes.
        const double scored = double(ids.size() - 1), bytes = double(text.size());
        const double bpb = loss * scored / std::log(2.0) / bytes, uniBpb = uni * scored / std::log(2.0) / bytes;
        qInfo("%s: %zu tokens, loss %.4f nats/token (PyTorch %.4f), %.3f bits/byte vs unigram %.3f",
              qPrintable(corpus), ids.size(), loss, e["loss_nats_per_token"].get<double>(), bpb, uniBpb);
        QVERIFY(std::abs(loss - e["loss_nats_per_token"].get<double>()) < 2e-3);
        QVERIFY2(bpb < 0.8 * uniBpb, "held-out text must be clearly better than the unigram model");
    }

    void induction() {
        // BOS + R + R with R 256 uniform random tokens: the second copy is predictable
        // only by copying. Mean loss on the second copy must be <= 20 % of the first.
        std::mt19937 rng(99);
        const int vocab = int(model_->config().vocabSize);
        std::uniform_int_distribution<int> tok(1, vocab - 1);
        const int len = 256, trials = 10;
        double first = 0, second = 0;
        const int bos = model_->tokenizer().bosId().value_or(0);
        for (int t = 0; t < trials; ++t) {
            std::vector<int32_t> ids = {bos};
            for (int i = 0; i < len; ++i) ids.push_back(tok(rng));
            for (int i = 0; i < len; ++i) ids.push_back(ids[1 + i]);
            const MatrixRM logits = model_->forward(ids).logits;
            for (int p = 1; p < int(ids.size()) - 1; ++p) {
                const double lse = std::log((logits.row(p).array() - logits.row(p).maxCoeff()).exp().sum()) +
                                   logits.row(p).maxCoeff();
                const double nll = lse - logits(p, ids[p + 1]);
                (p + 1 <= len ? first : second) += nll;
            }
        }
        first /= double(trials * (len - 1));
        second /= double(trials * len);
        qInfo("induction: first copy %.3f nats/token, second copy %.3f, ratio %.3f", first, second, second / first);
        QVERIFY(second / first <= 0.20);
    }

    void everySampleHas1500Tokens() {
        const std::string dir = SPARSESCOPE_SOURCE_DIR "/samples";
        for (const SampleInfo& s : loadSampleManifest(dir + "/manifest.json")) {
            const size_t tokens = model_->tokenizer().encode(loadSampleText(s, dir), true).size();
            qInfo("sample %s: %zu tokens", s.id.c_str(), tokens);
            QVERIFY2(tokens >= 1500, s.id.c_str());
        }
    }

    void passkeyRetrieval() {
        // 50 trials, 1500 tokens of filler, needle depths spread over the text.
        const std::vector<int32_t> unit = model_->tokenizer().encode(
            "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.\n", false);
        const int units = int(std::ceil(1500.0 / double(unit.size())));
        const int trials = 50;
        int retrieved = 0;
        for (int t = 0; t < trials; ++t) {
            const PasskeyTask task = makePasskeyTask(units, double(t) / (trials - 1), 5000 + uint64_t(t));
            const std::vector<int32_t> prompt = model_->tokenizer().encode(task.prompt, true);
            const std::vector<int32_t> all = model_->tokenizer().encode(task.text, true);
            QVERIFY(std::equal(prompt.begin(), prompt.end(), all.begin()));  // the answer adds tokens at the end
            const MatrixRM logits = model_->forward(all).logits;
            bool ok = true;
            for (size_t p = prompt.size(); p < all.size(); ++p) ok = ok && argmax(logits, int64_t(p) - 1) == all[p];
            retrieved += ok;
        }
        qInfo("passkey: %d of %d retrieved with %d filler units of %zu tokens", retrieved, trials, units, unit.size());
        QVERIFY(retrieved >= 45);
    }
};

QTEST_APPLESS_MAIN(TestDefaultModel)
#include "test_default_model.moc"
