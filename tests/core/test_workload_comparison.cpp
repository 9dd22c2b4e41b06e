// The workload comparison (core/explore/workload_comparison.h): per-text rows equal
// analyzeCaptures / evaluateSparse, generated tasks are remade to fit the token limit
// with the answer at the end, and passkey retrieval is judged by teacher forcing:
// the bundled default model retrieves the key densely and loses it with a window of 8.
#include "core/common/error.h"
#include "core/explore/explore_export.h"
#include "core/explore/workload_comparison.h"
#include "core/metrics/model_analysis.h"
#include "core/model/model.h"
#include "core/model/model_input.h"
#include "core/pattern/presets.h"
#include "core/tokenizer/tokenizer.h"
#include "core/workload/passkey.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <memory>

using namespace sparsescope;

namespace {

WorkloadText passkeyText(int units, double depth, uint64_t seed) {
    WorkloadText w;
    w.id = "passkey";
    w.kind = "passkey";
    SampleGenerator g;
    g.type = "passkey";
    g.fillerUnits = units;
    g.depth = depth;
    g.seed = seed;
    w.generator = g;
    w.text = makePasskeyTask(units, depth, seed).text;
    return w;
}

void writeFile(const QString& path, const std::string& bytes) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out << bytes;
}

}  // namespace

class TestWorkloadComparison : public QObject {
    Q_OBJECT
    std::unique_ptr<Model> model_;

private slots:
    void initTestCase() { model_ = Model::load(findDefaultModelDir({SPARSESCOPE_SOURCE_DIR "/resources/model"})); }

    void answerRetrievedByHand() {
        // ids 0 1 2 3 with logits favouring: row0 -> 1, row1 -> 2, row2 -> 0 (not 3).
        MatrixRM logits = MatrixRM::Zero(4, 4);
        logits(0, 1) = 1;
        logits(1, 2) = 1;
        logits(2, 0) = 1;
        const std::vector<int32_t> ids = {0, 1, 2, 3};
        QVERIFY(answerRetrieved(logits, ids, 1) == false);  // position 3 fails
        QVERIFY(answerRetrieved(logits.topRows(3), {0, 1, 2}, 1));
        logits(2, 3) = 1;  // tie between 0 and 3: the first maximum (0) wins
        QVERIFY(!answerRetrieved(logits, ids, 3));
        logits(2, 3) = 2;
        QVERIFY(answerRetrieved(logits, ids, 1));
        QVERIFY_THROWS_EXCEPTION(Error, answerRetrieved(logits, ids, 0));
        QVERIFY_THROWS_EXCEPTION(Error, answerRetrieved(logits, ids, 4));
    }

    void generatorRemadeToFit() {
        const WorkloadText w = passkeyText(70, 0.5, 1);
        int64_t start = 0;
        std::string answer, notice;
        const std::vector<int32_t> ids = workloadIds(*model_, w, 300, &start, &answer, &notice);
        QVERIFY(ids.size() <= 300);
        QVERIFY(ids.size() > 240);  // the largest task that fits, not a tiny one
        QVERIFY(QString::fromStdString(notice).contains(QLatin1String("filler units")));
        // The answer is the text's tail: " K" as the prompt's continuation.
        const PasskeyTask full = makePasskeyTask(70, 0.5, 1);
        QCOMPARE(answer, full.answer);
        const std::vector<int32_t> tail(ids.begin() + start, ids.end());
        QCOMPARE(model_->tokenizer().decode(tail), answer);
        // Without a limit the sample is run as it is.
        const std::vector<int32_t> whole = workloadIds(*model_, w, 0, &start, &answer, &notice);
        QCOMPARE(whole, model_->tokenizer().encode(full.text, true));
        QVERIFY(notice.empty());
        // Key-value: fewer pairs, the answer still at the end.
        WorkloadText kv;
        kv.id = "kv";
        SampleGenerator g;
        g.type = "keyvalue";
        g.pairs = 160;
        g.queryIndex = 80;
        g.seed = 2;
        kv.generator = g;
        const std::vector<int32_t> kvIds = workloadIds(*model_, kv, 256, &start, &answer, &notice);
        QVERIFY(kvIds.size() <= 256);
        QCOMPARE(model_->tokenizer().decode(std::vector<int32_t>(kvIds.begin() + start, kvIds.end())), answer);
        // Plain texts are truncated.
        WorkloadText plain;
        plain.source = "plain";
        plain.text = readTextFile(SPARSESCOPE_SOURCE_DIR "/samples/legal_gpl3.txt");
        QCOMPARE(workloadIds(*model_, plain, 100, &start, nullptr, &notice).size(), size_t(100));
        QCOMPARE(start, int64_t(-1));
        QVERIFY(!notice.empty());
    }

    void passkeyDenseRetrievedWindowLost() {
        // Short haystacks (about 500 tokens) at three depths.
        std::vector<WorkloadText> texts;
        for (int t = 0; t < 3; ++t) texts.push_back(passkeyText(20, 0.2 + 0.3 * t, 100 + uint64_t(t)));
        PatternSpec window8;
        window8.window = 8;
        const WorkloadComparison c = compareWorkloads(*model_, texts, window8);
        QCOMPARE(c.rows.size(), size_t(3));
        for (const WorkloadRow& r : c.rows) {
            QVERIFY(r.retrieval.has_value());
            qInfo("passkey %s (%lld tokens, %d answer tokens): dense %s, window 8 %s", r.retrieval->answer.c_str(),
                  static_cast<long long>(r.tokens), r.retrieval->answerTokens, r.retrieval->dense ? "yes" : "no",
                  r.retrieval->sparse ? "yes" : "no");
            QVERIFY(r.retrieval->dense);
            QVERIFY(!r.retrieval->sparse);
            QVERIFY(r.eval.lossDelta > 0);
        }
        // A window covering the whole text keeps it.
        PatternSpec wide;
        wide.window = 4096;
        const WorkloadComparison k = compareWorkloads(*model_, {texts[0]}, wide);
        QVERIFY(k.rows[0].retrieval->sparse);
        QVERIFY(k.rows[0].attention.density == 1.0);
    }

    void rowsEqualDirectComputation() {
        const std::vector<WorkloadText> texts = bundledWorkloads(SPARSESCOPE_SOURCE_DIR "/samples");
        QVERIFY(texts.size() >= 8);
        ComparisonOptions o;
        o.maxTokens = 128;
        o.layers = {1, 4};
        int calls = 0;
        o.progress = [&](int done, int total) {
            ++calls;
            return done <= total;
        };
        const PatternSpec spec = presetSpec("streamingllm");
        const WorkloadComparison c = compareWorkloads(*model_, texts, spec, o);
        QCOMPARE(c.rows.size(), texts.size());
        QCOMPARE(calls, int(texts.size()));
        for (size_t i = 0; i < texts.size(); ++i) {
            const WorkloadRow& r = c.rows[i];
            QCOMPARE(r.workload.id, texts[i].id);
            QCOMPARE(r.retrieval.has_value(), texts[i].generator.has_value());
            QVERIFY(r.tokens <= 128);
            // Independent path: the same ids, a fresh dense capture, analyzeCaptures and evaluateSparse.
            const std::vector<int32_t> ids = workloadIds(*model_, texts[i], 128, nullptr, nullptr, nullptr);
            QCOMPARE(r.tokens, int64_t(ids.size()));
            ForwardOptions cap;
            cap.capture = true;
            cap.captureProbs = false;
            const ForwardResult d = model_->forward(ids, cap);
            const HeadMetrics want = analyzeCaptures(d.layers, spec, o.layers).aggregate;
            QCOMPARE(r.attention.density, want.density);
            QCOMPARE(r.attention.recallMean, want.recallMean);
            QCOMPARE(r.attention.recallMin, want.recallMin);
            QCOMPARE(r.attention.klMean, want.klMean);
            QCOMPARE(r.flopsShare, want.flopsSparse / want.flopsDense);
            const ModelEval e = evaluateSparse(*model_, ids, spec, o.layers);
            QCOMPARE(r.eval.lossDense, e.lossDense);
            QCOMPARE(r.eval.lossSparse, e.lossSparse);
            QCOMPARE(r.eval.top1Agreement, e.top1Agreement);
        }
        // CSV: a header and a row per text; JSON: retrieval only where there is an answer.
        const QStringList lines =
            QString::fromStdString(comparisonCsv(c)).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), int(texts.size()) + 1);
        QVERIFY(lines[0].startsWith(QLatin1String("id,title,kind,tokens,density")));
        const nlohmann::json j = comparisonToJson(c);
        for (size_t i = 0; i < texts.size(); ++i)
            QCOMPARE(j["rows"][i].contains("retrieval"), texts[i].generator.has_value());
    }

    void cancel() {
        std::atomic<bool> stop{false};
        ComparisonOptions o;
        o.maxTokens = 200;
        o.cancel = &stop;
        o.progress = [&](int, int) {
            stop = true;
            return true;
        };
        const std::vector<WorkloadText> texts = {passkeyText(2, 0.5, 1), passkeyText(3, 0.5, 2)};
        const WorkloadComparison c = compareWorkloads(*model_, texts, presetSpec("streamingllm"), o);
        QCOMPARE(c.rows.size(), size_t(1));
        QVERIFY(c.cancelled);
    }

    void folder() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        writeFile(dir.filePath("b.txt"), "Second file, with some words in it.\n");
        writeFile(dir.filePath("a.md"), "# First\nA short text.\n");
        writeFile(dir.filePath("blob.bin"), std::string("\x01\x00\x02", 3));
        writeFile(dir.filePath("empty.txt"), "   \n");
        QDir().mkpath(dir.filePath("sub"));
        std::vector<std::string> skipped;
        const std::vector<WorkloadText> texts = folderWorkloads(dir.path().toStdString(), &skipped);
        QCOMPARE(texts.size(), size_t(2));
        QCOMPARE(texts[0].id, std::string("a.md"));
        QCOMPARE(texts[1].id, std::string("b.txt"));
        QCOMPARE(skipped.size(), size_t(2));
        const WorkloadComparison c = compareWorkloads(*model_, texts, presetSpec("streamingllm"));
        QCOMPARE(c.rows.size(), size_t(2));
        QVERIFY(!c.rows[0].retrieval);

        QTemporaryDir none;
        QVERIFY_THROWS_EXCEPTION(Error, folderWorkloads(none.path().toStdString()));
        QVERIFY_THROWS_EXCEPTION(Error, folderWorkloads(dir.filePath("b.txt").toStdString()));
        QVERIFY_THROWS_EXCEPTION(Error, compareWorkloads(*model_, {}, PatternSpec{}));
        PatternSpec bad;
        bad.stride = 1;
        QVERIFY_THROWS_EXCEPTION(Error, compareWorkloads(*model_, texts, bad));
    }
};

QTEST_APPLESS_MAIN(TestWorkloadComparison)
#include "test_workload_comparison.moc"
