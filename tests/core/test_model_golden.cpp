// Golden tests against Hugging Face transformers: every folder in
// tests/golden/models/ (made by tools/make_golden.py, layout in TEAM.md) and
// tests/golden/model_extras/ (tools/make_model_extras.py, same layout) is a
// save_pretrained checkpoint plus the reference tensors it produced:
//   ids.npy        == our tokenizer's ids for text.txt
//   logits.npy     within 1e-4 absolute of our dense logits
//   attn.npy       within 1e-5 of our captured attention probabilities [L, H, T, T]
//   sparse_mask.npy == the mask our builder makes from pattern.json
//   sparse_logits.npy within 1e-4 of our logits with that pattern in every layer
// Skips while the fixtures do not exist.
#include "core/common/error.h"
#include "core/io/npy.h"
#include "core/model/model.h"
#include "core/pattern/mask_builder.h"
#include "core/pattern/pattern_json.h"
#include "core/tokenizer/tokenizer.h"

#include <QTest>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace sparsescope;
namespace fs = std::filesystem;

namespace {

// models/: tools/make_golden.py; model_extras/: tools/make_model_extras.py (RoPE
// scaling, explicit head_dim, MQA with biases, Mistral's own sliding window).
const fs::path kGolden = fs::path(SPARSESCOPE_SOURCE_DIR) / "tests" / "golden";

std::string readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Max |a - b| over matching elements; -1 when the element counts differ.
double maxAbsDiff(const float* a, const std::vector<float>& b, size_t count) {
    if (count != b.size()) return -1.0;
    double worst = 0.0;
    for (size_t i = 0; i < count; ++i) worst = std::max(worst, double(std::abs(a[i] - b[i])));
    return worst;
}

}  // namespace

class TestModelGolden : public QObject {
    Q_OBJECT

    // One model loaded per folder, kept across the slots that use it.
    std::map<std::string, std::unique_ptr<Model>> models_;
    const Model& model(const std::string& dir) {
        auto& m = models_[dir];
        if (!m) m = Model::load(dir);
        return *m;
    }

    std::vector<int32_t> goldenIds(const fs::path& dir) {
        const std::vector<int64_t> wide = readNpy((dir / "ids.npy").string()).toInt64();
        return std::vector<int32_t>(wide.begin(), wide.end());
    }

    void addFolders() {
        QTest::addColumn<QString>("dir");
        std::vector<fs::path> dirs;
        for (const char* set : {"models", "model_extras"})
            if (fs::is_directory(kGolden / set))
                for (const auto& e : fs::directory_iterator(kGolden / set))
                    if (e.is_directory()) dirs.push_back(e.path());
        if (dirs.empty()) QTest::newRow("no fixtures") << QString();  // runs once to QSKIP
        std::sort(dirs.begin(), dirs.end());
        for (const fs::path& d : dirs) {
            const std::string tag = d.parent_path().filename().string() + "/" + d.filename().string();
            QTest::newRow(tag.c_str()) << QString::fromStdString(d.string());
        }
    }

private slots:
    void tokenIds_data() { addFolders(); }
    void tokenIds() {
        QFETCH(QString, dir);
        if (dir.isEmpty()) QSKIP("tests/golden/models/ does not exist yet (made by tools/make_golden.py)");
        const fs::path d = dir.toStdString();
        const std::vector<int32_t> expected = goldenIds(d);
        const std::vector<int32_t> ids = model(d.string()).tokenizer().encode(readText(d / "text.txt"));
        QCOMPARE(ids.size(), expected.size());
        QVERIFY(ids == expected);
    }

    void denseLogitsAndAttention_data() { addFolders(); }
    void denseLogitsAndAttention() {
        QFETCH(QString, dir);
        if (dir.isEmpty()) QSKIP("tests/golden/models/ does not exist yet (made by tools/make_golden.py)");
        const fs::path d = dir.toStdString();
        const Model& m = model(d.string());
        const std::vector<int32_t> ids = goldenIds(d);
        ForwardOptions opts;
        opts.capture = true;
        const ForwardResult r = m.forward(ids, opts);

        const NpyArray logits = readNpy((d / "logits.npy").string());
        QCOMPARE(logits.shape, (std::vector<int64_t>{r.logits.rows(), r.logits.cols()}));
        const double logitErr = maxAbsDiff(r.logits.data(), logits.toFloat32(), size_t(r.logits.size()));
        qInfo("%s (%s, stored %s, T=%lld): max |logits - HF| = %.3g", d.filename().c_str(),
              m.config().architecture.c_str(), m.storedDtype().c_str(), (long long)ids.size(), logitErr);
        QVERIFY(logitErr >= 0 && logitErr <= 1e-4);

        const NpyArray attn = readNpy((d / "attn.npy").string());
        const int64_t L = m.config().layers, H = m.config().heads, T = int64_t(ids.size());
        QCOMPARE(attn.shape, (std::vector<int64_t>{L, H, T, T}));
        const std::vector<float> ref = attn.toFloat32();
        double attnErr = 0.0;
        for (int64_t l = 0; l < L; ++l)
            for (int64_t h = 0; h < H; ++h) {
                const MatrixRM& p = r.layers[size_t(l)].probs[size_t(h)];
                const float* expected = ref.data() + (l * H + h) * T * T;
                for (int64_t i = 0; i < T * T; ++i)
                    attnErr = std::max(attnErr, double(std::abs(p.data()[i] - expected[i])));
            }
        qInfo("%s: max |attention - HF| = %.3g", d.filename().c_str(), attnErr);
        QVERIFY(attnErr <= 1e-5);
    }

    void sparseMaskAndLogits_data() { addFolders(); }
    void sparseMaskAndLogits() {
        QFETCH(QString, dir);
        if (dir.isEmpty()) QSKIP("tests/golden/models/ does not exist yet (made by tools/make_golden.py)");
        const fs::path d = dir.toStdString();
        const Model& m = model(d.string());
        const std::vector<int32_t> ids = goldenIds(d);
        const int64_t T = int64_t(ids.size());
        const PatternSpec spec =
            patternFromJson(nlohmann::json::parse(readText(d / "pattern.json")), (d / "pattern.json").string());

        // The builder's mask, as a dense 0/1 matrix, equals the one HF was given.
        const SparseMask mask = buildMask(spec, T);
        std::vector<float> dense(size_t(T * T), 0.0f);
        for (int64_t i = 0; i < T; ++i)
            for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e) dense[size_t(i * T + mask.cols[size_t(e)])] = 1.0f;
        const NpyArray expectedMask = readNpy((d / "sparse_mask.npy").string());
        QCOMPARE(expectedMask.shape, (std::vector<int64_t>{T, T}));
        QCOMPARE(maxAbsDiff(dense.data(), expectedMask.toFloat32(), dense.size()), 0.0);

        ForwardOptions opts;
        opts.pattern = &spec;
        const ForwardResult r = m.forward(ids, opts);
        const NpyArray logits = readNpy((d / "sparse_logits.npy").string());
        QCOMPARE(logits.shape, (std::vector<int64_t>{r.logits.rows(), r.logits.cols()}));
        const double err = maxAbsDiff(r.logits.data(), logits.toFloat32(), size_t(r.logits.size()));
        qInfo("%s: max |sparse logits - HF| = %.3g (mask keeps %lld of %lld causal pairs)", d.filename().c_str(), err,
              (long long)mask.keptPairs(), (long long)(T * (T + 1) / 2));
        QVERIFY(err >= 0 && err <= 1e-4);
        // The fixture must exercise sparsity: a mask that keeps everything proves nothing.
        QVERIFY(mask.keptPairs() < T * (T + 1) / 2);
    }
};

QTEST_APPLESS_MAIN(TestModelGolden)
#include "test_model_golden.moc"
