// AnalysisController, headless: the staged results equal what core computes
// (analyzeCaptures, evaluateSparse) for the same workload and pattern, stale
// requests are dropped, the model-level run is observed with QSignalSpy, and bad
// files take the error path with the previous workload kept.
#include "core/metrics/model_analysis.h"
#include "core/model/evaluation.h"
#include "core/pattern/presets.h"
#include "ui/controller/analysis_controller.h"
#include "ui_test_support.h"

#include <QSignalSpy>
#include <QTest>

#include <fstream>

using namespace sparsescope;
using namespace sparsescope::ui;

namespace {

void compareMetrics(const HeadMetrics& a, const HeadMetrics& b) {
    QCOMPARE(a.n, b.n);
    QCOMPARE(a.keptPairs, b.keptPairs);
    QCOMPARE(a.density, b.density);
    QCOMPARE(a.recallMean, b.recallMean);
    QCOMPARE(a.recallMin, b.recallMin);
    QCOMPARE(a.recallP10, b.recallP10);
    QCOMPARE(a.klMean, b.klMean);
    QCOMPARE(a.outputRelErrorMean, b.outputRelErrorMean);
    QCOMPARE(a.outputRelErrorMax, b.outputRelErrorMax);
    QCOMPARE(a.top1Retention, b.top1Retention);
    QCOMPARE(a.keptTiles, b.keptTiles);
    QCOMPARE(a.blockDensity, b.blockDensity);
    QCOMPARE(a.flopsDense, b.flopsDense);
    QCOMPARE(a.flopsSparse, b.flopsSparse);
    QCOMPARE(a.kvReadsLast, b.kvReadsLast);
}

PatternSpec windowSpec(int64_t w, int64_t g = 0) {
    PatternSpec s;
    s.window = w;
    s.global = g;
    return s;
}

}  // namespace

class TestAnalysisController : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString modelDir_;

    bool loadDefault(AnalysisController& c, int chars = 160) {
        QSignalSpy loaded(&c, &AnalysisController::workloadChanged);
        c.openModelWithText(modelDir_, uitest::sampleText(chars), QStringLiteral("test text"));
        return loaded.wait(60000);
    }

    // Waits until the model-attention stage of the current generation arrived.
    static ModelAttentionStagePtr waitModelStage(AnalysisController& c) {
        QSignalSpy spy(&c, &AnalysisController::modelAttentionReady);
        for (int i = 0; i < 200; ++i) {
            if (c.modelAttentionStage() && c.modelAttentionStage()->generation == c.generation())
                return c.modelAttentionStage();
            spy.wait(200);
        }
        return {};
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        modelDir_ = uitest::writeModel(dir_, QStringLiteral("model"));
    }

    void stagesEqualCore_data() {
        QTest::addColumn<QString>("preset");
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("global");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("topk");
        QTest::addColumn<int>("random");
        QTest::newRow("window 16") << "" << 16 << 0 << 0 << 0 << 0;
        QTest::newRow("sinks+window") << "" << 24 << 4 << 0 << 0 << 0;
        QTest::newRow("strided") << "" << 8 << 0 << 12 << 0 << 0;
        QTest::newRow("top-k (per-head masks)") << "" << 0 << 0 << 0 << 10 << 0;
        QTest::newRow("random") << "" << 4 << 0 << 0 << 0 << 6;
        // Every built-in preset, the method presets (NSA, DSA, Quest, ...) included.
        for (const PresetInfo& p : builtinPresets())
            QTest::addRow("preset %s", p.name.c_str()) << QString::fromStdString(p.name) << 0 << 0 << 0 << 0 << 0;
    }

    void stagesEqualCore() {
        QFETCH(QString, preset);
        QFETCH(int, window);
        QFETCH(int, global);
        QFETCH(int, stride);
        QFETCH(int, topk);
        QFETCH(int, random);
        AnalysisController c;
        QVERIFY(loadDefault(c));
        PatternSpec spec = preset.isEmpty() ? PatternSpec{} : presetSpec(preset.toStdString());
        if (preset.isEmpty()) {
            spec.window = window;
            spec.global = global;
            spec.stride = stride;
            spec.topk = topk;
            spec.random = random;
            spec.seed = 3;
            spec.blockSize = 16;
        }
        c.selectHead(1, 2);
        c.setPattern(spec);
        const ModelAttentionStagePtr stage = waitModelStage(c);
        QVERIFY(stage);
        const WorkloadPtr w = c.workload();
        const ModelAnalysis core = analyzeCaptures(w->layers, spec, {}, w->scales[0]);
        QCOMPARE(stage->perHead.size(), core.perLayer.size());
        for (size_t l = 0; l < core.perLayer.size(); ++l) {
            compareMetrics(stage->perLayer[l], core.perLayer[l].aggregate);
            for (size_t h = 0; h < core.perLayer[l].perHead.size(); ++h)
                compareMetrics(stage->perHead[l][h], core.perLayer[l].perHead[h]);
        }
        compareMetrics(stage->aggregate, core.aggregate);
        // The head and layer stages of the same generation hold the same values.
        QVERIFY(c.headStage());
        QCOMPARE(c.headStage()->selection, (HeadSelection{1, 2}));
        compareMetrics(c.headStage()->metrics, core.perLayer[1].perHead[2]);
        compareMetrics(c.layerStage()->aggregate, core.perLayer[1].aggregate);
    }

    void layerRangePoolsOnlyThoseLayers() {
        AnalysisController c;
        QVERIFY(loadDefault(c));
        const PatternSpec spec = windowSpec(12, 2);
        c.setPattern(spec);
        QVERIFY(waitModelStage(c));
        c.setPatternLayers({1});
        const ModelAttentionStagePtr stage = waitModelStage(c);
        QVERIFY(stage);
        QCOMPARE(stage->layers, std::vector<int>{1});
        const WorkloadPtr w = c.workload();
        compareMetrics(stage->aggregate, analyzeCaptures(w->layers, spec, {1}, w->scales[0]).aggregate);
    }

    void modelEvalMatchesCore() {
        AnalysisController c;
        QVERIFY(loadDefault(c));
        c.setModelEvalDelay(0);
        QSignalSpy started(&c, &AnalysisController::modelEvalStarted);
        QSignalSpy progress(&c, &AnalysisController::modelEvalProgress);
        QSignalSpy ready(&c, &AnalysisController::modelEvalReady);
        QSignalSpy stale(&c, &AnalysisController::modelEvalStale);
        const PatternSpec spec = windowSpec(16, 1);
        c.setPattern(spec);
        QCOMPARE(stale.count(), 1);
        QVERIFY(ready.wait(60000) || ready.count() > 0);
        QVERIFY(started.count() >= 1);
        QVERIFY(progress.count() >= 1);
        const auto last = progress.takeLast();
        QCOMPARE(last.at(0).toInt(), last.at(1).toInt());  // the last progress is "all layers done"
        const auto stage = ready.takeLast().at(0).value<ModelEvalStagePtr>();
        const WorkloadPtr w = c.workload();
        const ModelEval core = evaluateSparse(*w->model, w->ids, spec);
        QCOMPARE(stage->eval.lossDense, core.lossDense);
        QCOMPARE(stage->eval.lossSparse, core.lossSparse);
        QCOMPARE(stage->eval.top1Agreement, core.top1Agreement);
        QCOMPARE(stage->eval.pplRatio, core.pplRatio);

        // Only some layers sparse.
        c.setPatternLayers({0});
        QVERIFY(ready.wait(60000));
        const auto partial = ready.takeLast().at(0).value<ModelEvalStagePtr>();
        QCOMPARE(partial->eval.lossSparse, evaluateSparse(*w->model, w->ids, spec, {0}).lossSparse);
        QVERIFY(!c.isModelEvalRunning());
    }

    void newerRequestSupersedesOlder() {
        AnalysisController c;
        QVERIFY(loadDefault(c, 400));
        std::vector<uint64_t> generations;
        std::vector<int64_t> windows;
        connect(&c, &AnalysisController::headReady, this, [&](const HeadStagePtr& s) {
            generations.push_back(s->generation);
            windows.push_back(s->pattern.window);
        });
        for (int w = 1; w <= 40; ++w) c.setPattern(windowSpec(w));
        const ModelAttentionStagePtr stage = waitModelStage(c);
        QVERIFY(stage);
        QCOMPARE(stage->pattern.window, int64_t(40));
        QVERIFY(!windows.empty());
        QCOMPARE(windows.back(), int64_t(40));
        QVERIFY(std::is_sorted(generations.begin(), generations.end()));
        // Most intermediate values never reached the UI: they were superseded.
        QVERIFY2(windows.size() < 40, qPrintable(QString::number(windows.size())));
    }

    void badFilesKeepThePreviousWorkload() {
        AnalysisController c;
        QVERIFY(loadDefault(c));
        const WorkloadPtr before = c.workload();
        QSignalSpy failed(&c, &AnalysisController::loadFailed);

        c.openModel(dir_.filePath(QStringLiteral("no-such-model")));
        QVERIFY(failed.wait(20000));
        QVERIFY(failed.last().at(0).toString().contains(QStringLiteral("no-such-model")));

        const QString binary = dir_.filePath(QStringLiteral("binary.txt"));
        std::ofstream(binary.toStdString(), std::ios::binary) << std::string("ab\0cd", 5);
        c.openTextFile(binary);
        QVERIFY(failed.wait(20000));
        QCOMPARE(failed.last().at(0).toString(), binary);
        QVERIFY(failed.last().at(1).toString().contains(QStringLiteral("NUL")));

        const QString badNpz = dir_.filePath(QStringLiteral("bad.npz"));
        std::ofstream(badNpz.toStdString(), std::ios::binary) << "not a zip file";
        c.openQkvNpz(badNpz);
        QVERIFY(failed.wait(20000));
        QVERIFY(failed.last().at(0).toString().contains(QStringLiteral("bad.npz")));

        // A model folder whose config is not JSON.
        const QString broken = uitest::writeModel(dir_, QStringLiteral("broken"));
        std::ofstream((broken + QStringLiteral("/config.json")).toStdString()) << "{ not json";
        c.openModel(broken);
        QVERIFY(failed.wait(20000));
        QVERIFY(failed.last().at(0).toString().contains(QStringLiteral("config.json")));

        QCOMPARE(c.workload(), before);
        QVERIFY(!c.isLoading());
        // The old workload still analyses.
        c.setPattern(windowSpec(8));
        QVERIFY(waitModelStage(c));
    }

    void cancelKeepsThePreviousWorkload() {
        AnalysisController c;
        QVERIFY(loadDefault(c));
        const WorkloadPtr before = c.workload();
        QSignalSpy cancelled(&c, &AnalysisController::loadCancelled);
        QSignalSpy finished(&c, &AnalysisController::loadFinished);
        c.setText(uitest::sampleText(500), QStringLiteral("longer"));
        c.cancelLoad();
        QVERIFY(finished.wait(20000));
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(c.workload(), before);
    }

    void qkvSetHasNoModelLevel() {
        AnalysisController c;
        QSignalSpy loaded(&c, &AnalysisController::workloadChanged);
        QSignalSpy unavailable(&c, &AnalysisController::modelEvalUnavailable);
        c.openQkvNpz(QStringLiteral(SPARSESCOPE_SOURCE_DIR "/tests/golden/npy/qkv.npz"));
        if (!loaded.wait(20000)) QSKIP("no Q/K/V fixture");
        QVERIFY(!c.workload()->hasModel());
        QVERIFY(unavailable.count() >= 1 || unavailable.wait(5000));
        QVERIFY(waitModelStage(c));
    }
};

QTEST_GUILESS_MAIN(TestAnalysisController)
#include "test_analysis_controller.moc"
