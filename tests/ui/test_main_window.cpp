// The main window driven like a user would, offscreen: each slider and spin box
// changes the readouts to exactly core's values for the same parameters, presets
// set their documented parameters, the heatmap's cells equal the mask (and the
// dense probabilities), zooming shows tokens, errors go to the injected sink and
// the old workload survives, and the gallery model passes QAbstractItemModelTester.
#include "core/metrics/model_analysis.h"
#include "core/pattern/presets.h"
#include "ui/controller/analysis_controller.h"
#include "ui/gallery/head_gallery_model.h"
#include "ui/gallery/head_gallery_view.h"
#include "ui/heatmap/heatmap_text.h"
#include "ui/heatmap/heatmap_view.h"
#include "ui/window/main_window.h"
#include "ui/panels/method_controls.h"
#include "ui/panels/pattern_controls.h"
#include "ui/panels/readouts_panel.h"
#include "ui/panels/workload_panel.h"
#include "ui_test_support.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QLabel>
#include <QTest>
#include <QToolTip>
#include <QWheelEvent>
#include <qcustomplot.h>

#include <cmath>

using namespace sparsescope;
using namespace sparsescope::ui;

class TestMainWindow : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<MainWindow> win_;
    QStringList errors_;

    AnalysisController* ctl() { return win_->controller(); }

    // Until the window shows the model-attention stage of the latest request.
    bool settle() {
        for (int i = 0; i < 300; ++i) {
            auto m = ctl()->modelAttentionStage();
            auto h = win_->heatmap()->stage();
            if (m && h && m->generation == ctl()->generation() && h->generation == ctl()->generation() &&
                !win_->readouts()->isColumnPending(ReadoutsPanel::ModelColumn))
                return true;
            QTest::qWait(20);
        }
        return false;
    }

    void checkReadoutsEqualCore() {
        const WorkloadPtr w = ctl()->workload();
        const PatternSpec spec = win_->patternControls()->spec();
        const ModelAnalysis core = analyzeCaptures(w->layers, spec, {}, w->scales[0]);
        const HeadSelection sel = ctl()->selection();
        const HeadMetrics& head = core.perLayer[size_t(sel.layer)].perHead[size_t(sel.head)];
        const HeadMetrics& layer = core.perLayer[size_t(sel.layer)].aggregate;
        for (int f = 0; f < int(Figure::Count); ++f) {
            const auto fig = static_cast<Figure>(f);
            QCOMPARE(win_->readouts()->cellText(fig, ReadoutsPanel::HeadColumn), formatFigure(fig, head));
            QCOMPARE(win_->readouts()->cellText(fig, ReadoutsPanel::LayerColumn), formatFigure(fig, layer));
            QCOMPARE(win_->readouts()->cellText(fig, ReadoutsPanel::ModelColumn), formatFigure(fig, core.aggregate));
        }
        // And the figures underneath the text, not only their rounding.
        QCOMPARE(ctl()->headStage()->metrics.recallMean, head.recallMean);
        QCOMPARE(ctl()->modelAttentionStage()->aggregate.klMean, core.aggregate.klMean);
        QCOMPARE(ctl()->modelAttentionStage()->aggregate.flopsSparse, core.aggregate.flopsSparse);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        uitest::useTemporarySettings(dir_, QStringLiteral("SparseScopeTest"));
        const QString model = uitest::writeModel(dir_, QStringLiteral("model"));
        win_ = std::make_unique<MainWindow>();
        win_->setErrorSink([this](const QString& title, const QString& text) { errors_ << title + QLatin1Char('\n') + text; });
        win_->resize(1600, 1000);
        win_->show();
        ctl()->setMaxTokens(120);
        ctl()->setModelEvalDelay(0);
        QSignalSpy loaded(ctl(), &AnalysisController::workloadChanged);
        win_->start(model, QStringLiteral(SPARSESCOPE_SOURCE_DIR "/samples"), QStringLiteral("prose-kjv-ruth"));
        QVERIFY(loaded.wait(60000));
        QVERIFY(settle());
        QCOMPARE(ctl()->workload()->n(), int64_t(120));
        QVERIFY(win_->workloadPanel()->noticeText().contains(QStringLiteral("truncated")));
        QVERIFY(errors_.isEmpty());
    }

    void startsWithSampleAndPreset() {
        QCOMPARE(win_->patternControls()->presetBox()->currentData().toString(), QStringLiteral("streamingllm"));
        QVERIFY(win_->workloadPanel()->currentSample() >= 0);
        QVERIFY(win_->heatmap()->stage());
        checkReadoutsEqualCore();
    }

    void eachControlMovesReadoutsToCoreValues_data() {
        QTest::addColumn<int>("param");
        QTest::addColumn<bool>("useSpin");
        QTest::addColumn<int>("value");
        for (bool spin : {false, true}) {
            const char* how = spin ? "spin" : "slider";
            QTest::addRow("window %s", how) << int(PatternControls::Window) << spin << (spin ? 9 : 17);
            QTest::addRow("global %s", how) << int(PatternControls::Global) << spin << (spin ? 3 : 6);
            QTest::addRow("stride %s", how) << int(PatternControls::Stride) << spin << (spin ? 7 : 11);
            QTest::addRow("top-k %s", how) << int(PatternControls::TopK) << spin << (spin ? 5 : 8);
            QTest::addRow("block top-k %s", how) << int(PatternControls::BlockTopK) << spin << (spin ? 1 : 2);
            QTest::addRow("random %s", how) << int(PatternControls::Random) << spin << (spin ? 4 : 2);
            QTest::addRow("block size %s", how) << int(PatternControls::BlockSize) << spin << (spin ? 16 : 24);
        }
    }

    void eachControlMovesReadoutsToCoreValues() {
        QFETCH(int, param);
        QFETCH(bool, useSpin);
        QFETCH(int, value);
        PatternControls* pc = win_->patternControls();
        pc->selectPreset(QStringLiteral("streamingllm"));
        QVERIFY(settle());
        const PatternSpec before = pc->spec();
        const auto p = static_cast<PatternControls::Param>(param);
        if (useSpin) pc->spinBox(p)->setValue(value);
        else pc->slider(p)->setValue(value);
        QVERIFY(settle());
        // Custom now; the moved value is in the spec, the others are kept.
        QCOMPARE(pc->presetBox()->currentData().toString(), QStringLiteral("custom"));
        const PatternSpec after = pc->spec();
        QVERIFY(!after.dense);
        QCOMPARE(pc->slider(p)->value(), value);
        QCOMPARE(pc->spinBox(p)->value(), value);
        QCOMPARE(after.global, p == PatternControls::Global ? value : before.global);
        QCOMPARE(after.window, p == PatternControls::Window ? value : before.window);
        QCOMPARE(ctl()->pattern().window, after.window);
        checkReadoutsEqualCore();
    }

    void strideOneIsSkipped() {
        PatternControls* pc = win_->patternControls();
        pc->spinBox(PatternControls::Stride)->setValue(0);
        pc->spinBox(PatternControls::Stride)->setValue(1);
        QCOMPARE(pc->spec().stride, int64_t(2));
        QVERIFY(settle());
        QVERIFY(errors_.isEmpty());
    }

    // Method parameters (issue 5): shown for the methods the pattern uses, editable,
    // and each edit reaches core; NSA's substitute gates are stated.
    void methodParametersAreEditable() {
        PatternControls* pc = win_->patternControls();
        MethodControls* mc = pc->methodControls();
        QVERIFY(pc->selectPreset(QStringLiteral("streamingllm")));
        QVERIFY(settle());
        QVERIFY(!mc->isVisibleTo(win_.get()));
        QVERIFY(pc->selectPreset(QStringLiteral("nsa")));
        QVERIFY(settle());
        QCOMPARE(mc->visibleRows(), 7);
        QVERIFY(mc->noteText().contains(QStringLiteral("equal gates")));
        QCOMPARE(mc->spinBox(QStringLiteral("nsa-window"))->value(), 512);
        mc->spinBox(QStringLiteral("nsa-window"))->setValue(32);
        mc->spinBox(QStringLiteral("nsa-select-count"))->setValue(3);
        QVERIFY(settle());
        QCOMPARE(ctl()->pattern().nsaWindow, int64_t(32));
        QCOMPARE(ctl()->pattern().nsaSelectCount, int64_t(3));
        QVERIFY(ctl()->pattern().nsa);
        QCOMPARE(pc->presetBox()->currentData().toString(), QStringLiteral("custom"));
        checkReadoutsEqualCore();

        // Top-p: a coverage target, and a row density that varies from row to row.
        QVERIFY(pc->selectPreset(QStringLiteral("top_p")));
        QVERIFY(settle());
        QVERIFY(mc->topPBox()->isVisibleTo(win_.get()));
        QCOMPARE(mc->visibleRows(), 1);
        mc->topPBox()->setValue(0.5);
        QVERIFY(settle());
        QCOMPARE(ctl()->pattern().topP, 0.5);
        checkReadoutsEqualCore();
        const HeadMetrics& m = ctl()->headStage()->metrics;
        QVERIFY(m.rowDensityP90 > m.rowDensityP10);
        QCOMPARE(win_->readouts()->cellText(Figure::RowDensity, ReadoutsPanel::HeadColumn),
                 formatFigure(Figure::RowDensity, m));
    }

    void presetsSetTheirDocumentedParameters() {
        PatternControls* pc = win_->patternControls();
        QComboBox* box = pc->presetBox();
        for (const PresetInfo& preset : builtinPresets()) {
            const int index = box->findData(QString::fromStdString(preset.name));
            QVERIFY(index >= 0);
            QCOMPARE(box->itemData(index, Qt::ToolTipRole).toString(), QString::fromStdString(preset.tooltip()));
            QCOMPARE(box->itemText(index), QString::fromStdString(preset.title));
            box->setCurrentIndex(index);
            emit box->activated(index);
            const PatternSpec s = pc->spec();
            QVERIFY(samePattern(s, preset.spec));
            const auto shown = [&](PatternControls::Param p) { return int64_t(pc->spinBox(p)->value()); };
            QCOMPARE(shown(PatternControls::Window), preset.spec.window);
            QCOMPARE(shown(PatternControls::Global), preset.spec.global);
            QCOMPARE(shown(PatternControls::Stride), preset.spec.stride);
            QCOMPARE(shown(PatternControls::TopK), preset.spec.topk);
            QCOMPARE(shown(PatternControls::BlockTopK), preset.spec.blockTopk);
            QCOMPARE(shown(PatternControls::Random), preset.spec.random);
            QCOMPARE(shown(PatternControls::BlockSize), preset.spec.blockSize);
            QVERIFY(settle());
            QVERIFY(samePattern(ctl()->modelAttentionStage()->pattern, preset.spec));
            checkReadoutsEqualCore();
        }
    }

    void heatmapCellsEqualTheMask() {
        PatternControls* pc = win_->patternControls();
        pc->selectPreset(QStringLiteral("dense"));
        pc->spinBox(PatternControls::Window)->setValue(10);
        pc->spinBox(PatternControls::Global)->setValue(3);
        pc->spinBox(PatternControls::Stride)->setValue(25);
        QVERIFY(settle());
        HeatmapView* hv = win_->heatmap();
        hv->setMode(HeatmapView::MaskMode);
        hv->resetZoom();
        const int64_t n = ctl()->workload()->n();
        QCOMPARE(hv->grid().cellsX, n);  // the window is wide enough for one cell per token
        QCOMPARE(hv->grid().cellsY, n);
        QCPColorMapData* data = hv->colorMap()->data();
        for (int64_t i = 0; i < n; ++i) {
            for (int64_t j = 0; j < n; ++j) {
                // Brute force from design.md's semantics: window 10, global 3, stride 25.
                int expected = kCatOutside;
                if (j <= i) {
                    const bool win = i - 10 < j, glob = j < 3, str = (i - j) % 25 == 0;
                    expected = str ? kCatStride : glob ? kCatGlobal : win ? kCatWindow : kCatDropped;
                }
                const double cell = data->cell(int(j), int(i)) - 0.25;
                if (int(std::lround(cell)) != expected)
                    QFAIL(qPrintable(QStringLiteral("cell (%1, %2) = %3, expected %4").arg(i).arg(j).arg(cell).arg(expected)));
            }
        }
        // Dense mode: the cells are the head's softmax, computed here from Q and K.
        hv->setMode(HeatmapView::DenseMode);
        const HeadSelection sel = ctl()->selection();
        const WorkloadPtr w = ctl()->workload();
        const ConstMapRM q = w->q(sel.layer, sel.head), k = w->k(sel.layer, sel.head);
        for (int64_t i = 0; i < n; i += 7) {
            std::vector<double> s(size_t(i + 1));
            double mx = -1e300, sum = 0;
            for (int64_t j = 0; j <= i; ++j) {
                s[size_t(j)] = double(q.row(i).dot(k.row(j))) * w->scales[size_t(sel.layer)];
                mx = std::max(mx, s[size_t(j)]);
            }
            for (double& v : s) sum += (v = std::exp(v - mx));
            for (int64_t j = 0; j <= i; ++j) QVERIFY(std::abs(data->cell(int(j), int(i)) - s[size_t(j)] / sum) < 1e-5);
        }
        hv->setMode(HeatmapView::MaskMode);
    }

    void zoomShowsTokensAndTooltips() {
        HeatmapView* hv = win_->heatmap();
        hv->resetZoom();
        QVERIFY(!hv->showsTokenLabels());
        hv->setViewWindow(20, 40, 10, 30);
        QVERIFY(hv->showsTokenLabels());
        auto ticker = hv->plot()->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
        QVERIFY(ticker);
        const WorkloadPtr w = ctl()->workload();
        QVERIFY(ticker->ticks().value(12.0).startsWith(displayToken(w->tokens[12])));
        QCOMPARE(hv->grid().col0, int64_t(10));
        QCOMPARE(hv->grid().row1, int64_t(40));
        const QString tip = hv->toolTipAt(30, 25);
        QVERIFY(tip.contains(QStringLiteral("query 30")));
        QVERIFY(tip.contains(QStringLiteral("key 25")));
        QVERIFY(tip.contains(QStringLiteral("kept by window")));
        QVERIFY(hv->toolTipAt(30, 12).contains(QStringLiteral("dropped")));
        QVERIFY(hv->toolTipAt(30, 1).contains(QStringLiteral("global")));
        QVERIFY(hv->toolTipAt(3, 9).contains(QStringLiteral("not a causal pair")));
        hv->resetZoom();
    }

    void galleryModelIsSoundAndSelects() {
        HeadGalleryModel* model = win_->galleryModel();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const WorkloadPtr w = ctl()->workload();
        QCOMPARE(model->rowCount(), w->layerCount());
        QCOMPARE(model->columnCount(), w->headCount());
        // The thumbnails arrive after the workload: then a cell's image is no longer one flat colour.
        auto colours = [model] {
            const QImage img = model->data(model->index(0, 0), Qt::DecorationRole).value<QImage>();
            QSet<QRgb> set;
            for (int y = 0; y < img.height(); ++y)
                for (int x = 0; x < img.width(); ++x) set.insert(img.pixel(x, y));
            return set.size();
        };
        QTRY_VERIFY_WITH_TIMEOUT(colours() > 2, 20000);
        win_->patternControls()->spinBox(PatternControls::Window)->setValue(33);
        QVERIFY(settle());
        const auto stage = ctl()->modelAttentionStage();
        QCOMPARE(model->data(model->index(1, 3), HeadGalleryModel::RecallRole).toDouble(), stage->perHead[1][3].recallMean);
        model->setWorkload(w);  // reset under the tester
        model->setAttention(stage);
        // Clicking a head selects it.
        const QRect r = win_->gallery()->visualRect(model->index(1, 2));
        QTest::mouseClick(win_->gallery()->viewport(), Qt::LeftButton, {}, r.center());
        QVERIFY(settle());
        QCOMPARE(ctl()->selection(), (HeadSelection{1, 2}));
        QCOMPARE(win_->heatmap()->stage()->selection, (HeadSelection{1, 2}));
    }

    void modelLevelReadoutRefreshes() {
        QSignalSpy ready(ctl(), &AnalysisController::modelEvalReady);
        win_->patternControls()->spinBox(PatternControls::Window)->setValue(21);
        QVERIFY(win_->readouts()->isEvalStale());
        QVERIFY(ready.wait(30000));
        QVERIFY(!win_->readouts()->isEvalStale());
        const auto stage = ready.last().at(0).value<ModelEvalStagePtr>();
        QCOMPARE(win_->readouts()->evalText(EvalFigure::LossDelta), formatEvalFigure(EvalFigure::LossDelta, stage->eval));
        QCOMPARE(stage->pattern.window, int64_t(21));
    }

    void budgetColoursFigures() {
        QVERIFY(settle());
        const HeadMetrics& m = ctl()->headStage()->metrics;
        AccuracyBudget b;
        b.recallMean = m.recallMean - 1e-9;  // just passes
        win_->readouts()->setBudget(b);
        QCOMPARE(win_->readouts()->cellVerdict(Figure::RecallMean, ReadoutsPanel::HeadColumn), std::optional<bool>(true));
        b.recallMean = std::nextafter(m.recallMean, 2.0);  // just fails
        win_->readouts()->setBudget(b);
        QCOMPARE(win_->readouts()->cellVerdict(Figure::RecallMean, ReadoutsPanel::HeadColumn), std::optional<bool>(false));
        QCOMPARE(win_->readouts()->cellVerdict(Figure::Density, ReadoutsPanel::HeadColumn), std::optional<bool>());
        win_->readouts()->setBudget(AccuracyBudget{});
    }

    void badFilesShowErrorAndKeepWorkload() {
        const WorkloadPtr before = ctl()->workload();
        const HeadStagePtr shown = win_->heatmap()->stage();
        QSignalSpy shownErrors(win_.get(), &MainWindow::errorShown);
        errors_.clear();
        const QString missing = dir_.filePath(QStringLiteral("missing-model"));
        win_->openModelFolder(missing);
        QVERIFY(shownErrors.wait(20000));
        QVERIFY(errors_.last().contains(missing));
        const QString empty = dir_.filePath(QStringLiteral("empty.txt"));
        QFile f(empty);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("   \n\t ");
        f.close();
        win_->openTextFile(empty);
        QVERIFY(shownErrors.wait(20000));
        QVERIFY(errors_.last().contains(empty));
        QVERIFY(errors_.last().contains(QStringLiteral("whitespace")));
        win_->openQkvFiles({dir_.filePath(QStringLiteral("only.npy"))});
        QVERIFY(errors_.size() >= 3);
        QCOMPARE(ctl()->workload(), before);
        QCOMPARE(win_->heatmap()->stage(), shown);
        QVERIFY(win_->workloadPanel()->tokenCountText().startsWith(QString::number(before->n())));
    }

    void mouseHoverAndWheel() {
        HeatmapView* hv = win_->heatmap();
        hv->setMode(HeatmapView::MaskMode);
        hv->resetZoom();
        QCustomPlot* plot = hv->plot();
        const QPoint at(int(plot->xAxis->coordToPixel(25)), int(plot->yAxis->coordToPixel(30)));
        QTest::mouseMove(plot, at);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY(QToolTip::text().contains(QStringLiteral("query 30")));
        QVERIFY(QToolTip::text().contains(QStringLiteral("key 25")));
        // Wheel up zooms in around the cursor: fewer tokens in the window afterwards.
        const int64_t n = ctl()->workload()->n();
        for (int i = 0; i < 6; ++i) {
            QWheelEvent wheel(QPointF(at), plot->mapToGlobal(QPointF(at)), QPoint(), QPoint(0, 120), Qt::NoButton,
                              Qt::NoModifier, Qt::NoScrollPhase, false);
            QApplication::sendEvent(plot, &wheel);
        }
        QTRY_VERIFY(hv->grid().col1 - hv->grid().col0 < n / 2);
        QVERIFY(hv->grid().col0 <= 25 && 25 < hv->grid().col1);
        QVERIFY(hv->showsTokenLabels());
        hv->resetZoom();
        QCOMPARE(hv->grid().col1 - hv->grid().col0, n);
    }

    void logScaleAndModes() {
        HeatmapView* hv = win_->heatmap();
        hv->setMode(HeatmapView::DroppedMode);
        hv->setLogScale(true);
        QCOMPARE(hv->colorMap()->dataScaleType(), QCPAxis::stLogarithmic);
        QVERIFY(hv->colorMap()->dataRange().lower > 0);
        hv->setLogScale(false);
        QCOMPARE(hv->colorMap()->dataScaleType(), QCPAxis::stLinear);
        // Dropped mass + sparse-kept mass (times recall) = dense mass, cell by cell (1:1 cells).
        const auto dropped = hv->grid();
        hv->setMode(HeatmapView::DenseMode);
        const auto dense = hv->grid();
        const HeadStagePtr st = hv->stage();
        for (int64_t i = 0; i < dense.cellsY; ++i)
            for (int64_t j = 0; j <= i; ++j) {
                const bool kept = maskRules(*st->mask, i, j).has_value();
                QCOMPARE(dropped.at(j, i) == 0.0f, kept || dense.at(j, i) == 0.0f);
            }
        hv->setMode(HeatmapView::MaskMode);
    }

    void layerRangeShowsInModelColumn() {
        PatternControls* pc = win_->patternControls();
        pc->layerModeBox()->setCurrentIndex(1);
        pc->firstLayerBox()->setValue(1);
        pc->lastLayerBox()->setValue(1);
        QVERIFY(settle());
        QCOMPARE(ctl()->patternLayers(), (LayerSet{1}));
        QCOMPARE(ctl()->modelAttentionStage()->layers, std::vector<int>{1});
        const WorkloadPtr w = ctl()->workload();
        const ModelAnalysis core = analyzeCaptures(w->layers, pc->spec(), {1}, w->scales[0]);
        QCOMPARE(win_->readouts()->cellText(Figure::RecallMean, ReadoutsPanel::ModelColumn),
                 formatFigure(Figure::RecallMean, core.aggregate));
        pc->layerModeBox()->setCurrentIndex(0);
        QVERIFY(settle());
        QVERIFY(ctl()->patternLayers().empty());
    }

    void pasteAndMaxTokens() {
        QSignalSpy loaded(ctl(), &AnalysisController::workloadChanged);
        win_->pasteText(uitest::sampleText(90));
        QVERIFY(loaded.wait(30000));
        QCOMPARE(ctl()->workload()->n(), int64_t(90));
        QCOMPARE(QString::fromStdString(ctl()->workload()->textSource), QStringLiteral("pasted text"));
        QVERIFY(win_->workloadPanel()->noticeText().isEmpty());
        win_->workloadPanel()->maxTokensBox()->setValue(50);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(ctl()->workload()->n(), int64_t(50));
        QVERIFY(win_->workloadPanel()->noticeText().contains(QStringLiteral("50")));
        QVERIFY(settle());
        QCOMPARE(win_->patternControls()->slider(PatternControls::Window)->maximum(), 50);
    }

    void qkvSetHasNoModelLevel() {
        QSignalSpy loaded(ctl(), &AnalysisController::workloadChanged);
        win_->openQkvFiles({QStringLiteral(SPARSESCOPE_SOURCE_DIR "/tests/golden/npy/qkv.npz")});
        QVERIFY(loaded.wait(30000));
        QVERIFY(!ctl()->workload()->hasModel());
        QVERIFY(settle());
        QTRY_VERIFY(win_->findChildren<QLabel*>().size() > 0);
        QVERIFY(win_->readouts()->evalText(EvalFigure::LossDelta) == QStringLiteral("–"));
        QVERIFY(!win_->workloadPanel()->maxTokensBox()->isEnabled());
        // Back to a sample: the model loaded before is used again.
        win_->chooseSample(0);
        QVERIFY(loaded.wait(30000));
        QVERIFY(ctl()->workload()->hasModel());
    }

    void cleanupTestCase() { win_.reset(); }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
