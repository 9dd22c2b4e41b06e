// The comparison view driven offscreen inside the main window: its difference
// picture equals a brute-force diff of the two masks (B's mask rebuilt here with
// core's buildMask), both readout columns equal core's analyzeHead for each
// pattern, stale requests are dropped (the last pattern B wins), large n is drawn
// at most one cell per pixel with all three pictures on one grid, and a
// screenshot of the view goes to <build>/tests/screenshots/compare_view.png.
#include "core/metrics/head_analysis.h"
#include "core/pattern/mask_builder.h"
#include "core/pattern/presets.h"
#include "ui/controller/analysis_controller.h"
#include "ui/controller/pattern_pipeline.h"
#include "ui/panels/pattern_controls.h"
#include "ui/panels/readouts_panel.h"
#include "ui/views/compact_pattern_editor.h"
#include "ui/views/compare_view.h"
#include "ui/window/main_window.h"
#include "ui_test_support.h"

#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <qcustomplot.h>

Q_DECLARE_METATYPE(sparsescope::PatternSpec)

using namespace sparsescope;
using namespace sparsescope::ui;

namespace {

PatternSpec custom(int64_t window, int64_t global, int64_t stride, int64_t random, int64_t topk = 0) {
    PatternSpec s;
    s.window = window;
    s.global = global;
    s.stride = stride;
    s.random = random;
    s.seed = 5;
    s.topk = topk;
    return s;
}

}  // namespace

class TestCompareView : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<MainWindow> win_;
    QStringList errors_;

    AnalysisController* ctl() { return win_->controller(); }
    CompareView* view() { return win_->compareView(); }

    // Until the view shows the controller's latest head stage against pattern B = `b`.
    bool settle(const PatternSpec& b) {
        for (int i = 0; i < 500; ++i) {
            auto c = view()->comparison();
            if (c && !view()->isPending() && c->a->generation == ctl()->generation() && samePattern(c->b, b) &&
                ctl()->headStage() && ctl()->headStage()->generation == ctl()->generation())
                return true;
            QTest::qWait(20);
        }
        return false;
    }

    HeadMetrics coreMetrics(const PatternSpec& spec) {
        const Workload& w = *ctl()->workload();
        const HeadSelection sel = ctl()->selection();
        const ConstMapRM v = w.v(sel.layer, sel.head);
        const std::vector<const float*> group = groupQueries(w, sel.layer, sel.head);
        return analyzeHead(w.q(sel.layer, sel.head), w.k(sel.layer, sel.head), &v, spec, w.scales[size_t(sel.layer)],
                           nullptr, &group);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        uitest::useTemporarySettings(dir_, QStringLiteral("SparseScopeCompareTest"));
        const QString model = uitest::writeModel(dir_, QStringLiteral("model"));
        win_ = std::make_unique<MainWindow>();
        win_->setErrorSink([this](const QString& t, const QString& m) { errors_ << t + QLatin1Char('\n') + m; });
        win_->resize(1600, 1100);
        win_->show();
        win_->compareDock()->show();
        ctl()->setMaxTokens(120);
        ctl()->setModelEvalDelay(0);
        QSignalSpy loaded(ctl(), &AnalysisController::workloadChanged);
        win_->start(model, QStringLiteral(SPARSESCOPE_SOURCE_DIR "/samples"), QStringLiteral("prose-kjv-ruth"));
        QVERIFY(loaded.wait(60000));
        QVERIFY(settle(view()->patternB()));
        QVERIFY(errors_.isEmpty());
    }

    void diffAndReadoutsEqualCore_data() {
        QTest::addColumn<PatternSpec>("a");
        QTest::addColumn<PatternSpec>("b");
        QTest::newRow("window vs window+global") << custom(17, 0, 0, 0) << custom(9, 3, 0, 0);
        QTest::newRow("stride vs random") << custom(4, 0, 11, 0) << custom(6, 0, 0, 4);
        QTest::newRow("window vs top-k oracle") << custom(12, 2, 0, 0) << custom(0, 0, 0, 0, 8);
        QTest::newRow("same pattern") << custom(10, 1, 7, 0) << custom(10, 1, 7, 0);
    }

    void diffAndReadoutsEqualCore() {
        QFETCH(PatternSpec, a);
        QFETCH(PatternSpec, b);
        win_->patternControls()->setSpec(a);
        view()->setPatternB(b);
        QVERIFY(settle(b));
        const auto c = view()->comparison();
        const int64_t n = ctl()->workload()->n();
        QCOMPARE(n, int64_t(120));
        QVERIFY(samePattern(c->a->pattern, a));

        // Brute force: both masks as n x n booleans; B rebuilt with core's buildMask.
        const Workload& w = *ctl()->workload();
        const HeadSelection sel = ctl()->selection();
        const ConstMapRM q = w.q(sel.layer, sel.head), k = w.k(sel.layer, sel.head);
        ScoreInputs scores{q.data(), k.data(), q.cols(), w.scales[size_t(sel.layer)]};
        const SparseMask maskB = buildMask(b, n, &scores);
        const SparseMask maskA = buildMask(a, n, &scores);
        auto keptIn = [n](const SparseMask& m) {
            std::vector<uint8_t> d(size_t(n * n), 0);
            for (int64_t i = 0; i < n; ++i)
                for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e) d[size_t(i * n + m.cols[size_t(e)])] = 1;
            return d;
        };
        const auto da = keptIn(maskA), db = keptIn(maskB);
        // The plots are wider than n pixels: one cell per token, the same grid for all three.
        const HeatmapGrid& g = c->diff;
        QCOMPARE(g.cellsX, n);
        QCOMPARE(g.cellsY, n);
        QCOMPARE(c->gridA.cellsX, g.cellsX);
        QCOMPARE(c->gridB.cellsY, g.cellsY);
        int64_t aOnly = 0, bOnly = 0, both = 0;
        QCPColorMapData* drawn = view()->colorMap(CompareView::PictureDiff)->data();
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) {
                const bool x = da[size_t(i * n + j)], y = db[size_t(i * n + j)];
                const int want = j > i ? kDiffOutside : x && y ? kDiffBoth : x ? kDiffAOnly : y ? kDiffBOnly : kDiffNeither;
                QCOMPARE(int(g.at(j, i)), want);
                QCOMPARE(int(drawn->cell(int(j), int(i))), want);  // what the plot draws
                aOnly += want == kDiffAOnly;
                bOnly += want == kDiffBOnly;
                both += want == kDiffBoth;
            }
        QCOMPARE(c->counts.aOnly, aOnly);
        QCOMPARE(c->counts.bOnly, bOnly);
        QCOMPARE(c->counts.both, both);
        QVERIFY(view()->countsText().contains(QString::number(aOnly)));

        // Both readout columns: core's analyzeHead for each pattern, value and text.
        const HeadMetrics ca = coreMetrics(a), cb = coreMetrics(b);
        for (const auto& [got, want] : {std::pair{&c->a->metrics, &ca}, std::pair{c->metricsB.get(), &cb}}) {
            QCOMPARE(got->density, want->density);
            QCOMPARE(got->recallMean, want->recallMean);
            QCOMPARE(got->recallMin, want->recallMin);
            QCOMPARE(got->klMean, want->klMean);
            QCOMPARE(got->outputRelErrorMean, want->outputRelErrorMean);
            QCOMPARE(got->top1Retention, want->top1Retention);
            QCOMPARE(got->flopsSparse, want->flopsSparse);
            QCOMPARE(got->flopsDense, want->flopsDense);
        }
        for (Figure f : {Figure::Density, Figure::FlopsRatio, Figure::RecallMean, Figure::RecallMin, Figure::Kl,
                         Figure::OutputError, Figure::Top1Retention}) {
            QCOMPARE(view()->readoutText(f, CompareView::SideA), formatFigure(f, ca));
            QCOMPARE(view()->readoutText(f, CompareView::SideB), formatFigure(f, cb));
        }
        // A's column is the main readouts' head column.
        QCOMPARE(view()->readoutText(Figure::RecallMean, CompareView::SideA),
                 win_->readouts()->cellText(Figure::RecallMean, ReadoutsPanel::HeadColumn));
        QVERIFY(view()->diffLegendText().contains(QStringLiteral("A only")));
        QVERIFY(view()->diffLegendText().contains(QStringLiteral("B only")));
        QVERIFY(view()->diffLegendText().contains(QStringLiteral("kept by both")));
    }

    void copyCurrentMakesNoDifference() {
        win_->patternControls()->setSpec(custom(13, 2, 0, 3));
        QVERIFY(settle(view()->patternB()));  // A shows the new pattern: "copy" copies what A shows
        view()->copyCurrent();
        QVERIFY(samePattern(view()->patternB(), custom(13, 2, 0, 3)));
        QVERIFY(settle(view()->patternB()));
        const auto c = view()->comparison();
        QCOMPARE(c->counts.aOnly, int64_t(0));
        QCOMPARE(c->counts.bOnly, int64_t(0));
        QCOMPARE(c->counts.both, c->a->mask->keptPairs());
        for (float v : c->diff.values) QVERIFY(v != float(kDiffAOnly) && v != float(kDiffBOnly));
    }

    void editorSpinBoxesAndPresets() {
        CompactPatternEditor* e = view()->editorB();
        QVERIFY(e->selectPreset(QStringLiteral("longformer")));
        QCOMPARE(e->spinBox(CompactPatternEditor::Window)->value(), 256);
        QVERIFY(samePattern(e->spec(), presetSpec("longformer")));
        e->spinBox(CompactPatternEditor::Window)->setValue(21);
        QCOMPARE(e->presetBox()->currentData().toString(), QStringLiteral("custom"));
        QCOMPARE(e->spec().window, int64_t(21));
        QCOMPARE(e->spec().global, presetSpec("longformer").global);  // the preset's other fields stay
        QVERIFY(settle(e->spec()));
        QCOMPARE(view()->comparison()->b.window, int64_t(21));
    }

    void staleRequestsAreDropped() {
        QSignalSpy ready(view(), &CompareView::comparisonReady);
        CompactPatternEditor* e = view()->editorB();
        for (int wv = 3; wv <= 30; ++wv) e->spinBox(CompactPatternEditor::Window)->setValue(wv);
        QVERIFY(settle(e->spec()));
        QTest::qWait(100);
        QCOMPARE(view()->comparison()->b.window, int64_t(30));
        QVERIFY(ready.count() < 28);  // superseded requests never reached the view
    }

    void invalidPatternBReportsAndKeepsView() {
        const auto before = view()->comparison();
        PatternSpec bad = custom(4, 0, 0, 0);
        bad.blockTopk = 2;
        bad.blockSize = 0;  // invalid block size
        QSignalSpy failed(view(), &CompareView::comparisonFailed);
        view()->setPatternB(bad);
        QVERIFY(failed.wait(5000));
        QVERIFY(!view()->statusText().isEmpty());
        QCOMPARE(view()->comparison(), before);
    }

    void largeNDownsampledToThePlot() {
        view()->setPatternB(custom(40, 4, 64, 0));
        QSignalSpy loaded(ctl(), &AnalysisController::workloadChanged);
        ctl()->setMaxTokens(480);
        QVERIFY(loaded.wait(60000));
        // A: StreamingLLM-like; B: a strided pattern.
        win_->patternControls()->setSpec(custom(96, 4, 0, 0));
        QVERIFY(settle(view()->patternB()));
        const auto c = view()->comparison();
        QCOMPARE(ctl()->workload()->n(), int64_t(480));
        for (int p = 0; p < CompareView::PictureCount; ++p) {
            const QRect r = view()->plot(CompareView::Picture(p))->axisRect()->rect();
            QVERIFY2(c->diff.cellsX <= std::max(32, r.width()), qPrintable(QString::number(r.width())));
            QVERIFY(c->diff.cellsY <= std::max(32, r.height()));
        }
        QVERIFY(c->diff.cellsX < 480);  // downsampled
        QCOMPARE(c->gridA.cellsX, c->diff.cellsX);
        QCOMPARE(c->gridB.cellsX, c->diff.cellsX);
        QCOMPARE(c->gridA.cellsY, c->diff.cellsY);
        // Same axis ranges in all three pictures.
        for (int p = 1; p < CompareView::PictureCount; ++p) {
            QCOMPARE(view()->plot(CompareView::Picture(p))->xAxis->range(), view()->plot(CompareView::PictureA)->xAxis->range());
            QCOMPARE(view()->plot(CompareView::Picture(p))->yAxis->range(), view()->plot(CompareView::PictureA)->yAxis->range());
        }
    }

    void zoomMovesAllThreePictures() {
        view()->setViewWindow(100, 180, 60, 140);
        QVERIFY(settle(view()->patternB()));
        auto c = view()->comparison();
        for (const HeatmapGrid* g : {&c->gridA, &c->gridB, &c->diff}) {
            QCOMPARE(g->row0, int64_t(100));
            QCOMPARE(g->row1, int64_t(180));
            QCOMPARE(g->col0, int64_t(60));
            QCOMPARE(g->col1, int64_t(140));
            QCOMPARE(g->cellsX, int64_t(80));  // zoomed in: one cell per token again
        }
        for (int64_t i = 100; i < 180; ++i)
            for (int64_t j = 60; j < 140; ++j)
                QCOMPARE(int(c->diff.at(j - 60, i - 100)), int(classifyPair(*c->a->mask, *c->maskB, i, j)));
        // Panning one picture pans the others.
        view()->plot(CompareView::PictureB)->xAxis->setRange(QCPRange(200.5, 260.5));
        for (int p = 0; p < CompareView::PictureCount; ++p)
            QCOMPARE(view()->plot(CompareView::Picture(p))->xAxis->range(), QCPRange(200.5, 260.5));
        QTest::qWait(20);
        QVERIFY(settle(view()->patternB()));
        QCOMPARE(view()->comparison()->diff.col0, int64_t(201));
        QCOMPARE(view()->comparison()->diff.col1, int64_t(261));
        QVERIFY(view()->comparison()->metricsB == c->metricsB);  // B was not recomputed for a pan
        view()->resetZoom();
        QVERIFY(settle(view()->patternB()));
        QCOMPARE(view()->comparison()->diff.col1, int64_t(480));
    }

    void screenshot() {
        const QString outDir = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
        QDir().mkpath(outDir);
        QDockWidget* dock = win_->compareDock();
        dock->setFloating(true);
        dock->resize(1500, 640);
        QTest::qWait(100);
        QVERIFY(settle(view()->patternB()));
        QTest::qWait(50);
        const QString path = outDir + QStringLiteral("/compare_view.png");
        QVERIFY(dock->grab().toImage().save(path));
        qInfo("wrote %s", qPrintable(path));
        // Zoomed in: one cell per token, every picture on the same window.
        view()->setViewWindow(200, 264, 120, 264);
        QVERIFY(settle(view()->patternB()));
        QTest::qWait(50);
        const QString zoomed = outDir + QStringLiteral("/compare_view_zoomed.png");
        QVERIFY(dock->grab().toImage().save(zoomed));
        qInfo("wrote %s", qPrintable(zoomed));
        view()->resetZoom();
        dock->setFloating(false);
    }

    void cleanupTestCase() {
        QVERIFY2(errors_.isEmpty(), qPrintable(errors_.join(QStringLiteral("\n---\n"))));
        win_.reset();
    }
};

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"
