// The Pareto sweep view and the workload comparison view, driven offscreen inside
// the main window: the plotted points are core's sweep rows, clicking a point sets
// the controller's pattern, the background run reports start/progress/finish, stale
// runs are dropped, and the comparison table and bars equal core's comparison.
#include "core/explore/sweep.h"
#include "core/explore/workload_comparison.h"
#include "core/model/evaluation.h"
#include "core/pattern/pattern_params.h"
#include "core/pattern/presets.h"
#include "ui/controller/analysis_controller.h"
#include "ui/panels/pattern_controls.h"
#include "ui/views/sweep_view.h"
#include "ui/views/workload_comparison_model.h"
#include "ui/views/workload_comparison_view.h"
#include "ui/window/export_actions.h"
#include "ui/window/main_window.h"
#include "ui_test_support.h"

#include <QAbstractItemModelTester>
#include <QDockWidget>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QFile>
#include <QTest>
#include <qcustomplot.h>

using namespace sparsescope;
using namespace sparsescope::ui;

namespace {
const QString kSamples = QStringLiteral(SPARSESCOPE_SOURCE_DIR "/samples");
}

class TestSweepView : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<MainWindow> win_;

    AnalysisController* ctl() { return win_->controller(); }
    SweepView* view() { return win_->sweepView(); }

    // Runs the sweep and waits for its result.
    bool runSweep() {
        QSignalSpy finished(view(), &SweepView::sweepFinished);
        view()->run();
        return finished.wait(60000);
    }

    // Core's sweep of the same inputs, the current value added as the view does.
    SweepResult coreSweep(const PatternSpec& base, std::vector<double> values, bool modelLevel) {
        const WorkloadPtr w = ctl()->workload();
        if (base == ctl()->pattern()) values.push_back(getPatternParam(base, view()->param().toStdString()));
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        SweepOptions o;
        o.layers = ctl()->patternLayers();
        o.scale = w->scales.front();
        o.modelLevel = modelLevel;
        o.model = w->model.get();
        o.ids = &w->ids;
        o.denseLogits = &w->denseLogits;
        return sparsescope::runSweep(w->layers, base, view()->param().toStdString(), values, o);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        uitest::useTemporarySettings(dir_, QStringLiteral("SparseScopeTest"));
        const QString model = uitest::writeModel(dir_, QStringLiteral("model"));
        win_ = std::make_unique<MainWindow>();
        win_->setErrorSink([](const QString& t, const QString& m) { qWarning("%s: %s", qPrintable(t), qPrintable(m)); });
        win_->resize(1600, 1000);
        win_->show();
        ctl()->setMaxTokens(160);
        ctl()->setModelEvalDelay(0);
        QSignalSpy loaded(ctl(), &AnalysisController::workloadChanged);
        win_->start(model, kSamples, QStringLiteral("prose-kjv-ruth"), QStringLiteral("streamingllm"));
        QVERIFY(loaded.wait(60000));
        QCOMPARE(ctl()->workload()->n(), int64_t(160));
        QVERIFY(view());
        QVERIFY(win_->workloadComparisonView());
    }

    void defaultValuesFollowTheWorkload() {
        view()->setParam(QStringLiteral("window"));
        const std::vector<double> v = view()->values();
        QCOMPARE(v, defaultSweepValues("window", 160, 8));
        QCOMPARE(v.back(), 160.0);
    }

    void plottedPointsAreCoreRows() {
        win_->patternControls()->selectPreset(QStringLiteral("streamingllm"));
        view()->setParam(QStringLiteral("window"));
        view()->setValues({4, 8, 32, 96});
        view()->setOverlayPresets({QStringLiteral("longformer"), QStringLiteral("bigbird")});
        view()->setCostAxis(CostAxis::Density);
        view()->setAccuracyAxis(AccuracyAxis::RecallMean);
        QSignalSpy started(view(), &SweepView::sweepStarted);
        QSignalSpy progress(view(), &SweepView::sweepProgress);
        QVERIFY(runSweep());
        QCOMPARE(started.count(), 1);
        QVERIFY(progress.count() >= 3);
        QCOMPARE(progress.last().at(0).toInt(), progress.last().at(1).toInt());  // ends at done == total
        QCOMPARE(view()->results().size(), size_t(3));
        QVERIFY(!view()->isRunning());
        QVERIFY(!view()->isStale());

        const std::vector<PatternSpec> bases = {ctl()->pattern(), presetSpec("longformer"), presetSpec("bigbird")};
        for (size_t c = 0; c < bases.size(); ++c) {
            const SweepResult want = coreSweep(bases[c], {4, 8, 32, 96}, false);
            const SweepResult& got = view()->results()[c];
            QCOMPARE(got.rows.size(), want.rows.size());
            const QVector<QPointF> pts = view()->plottedPoints(int(c));
            QCOMPARE(pts.size(), qsizetype(want.rows.size()));
            for (size_t r = 0; r < want.rows.size(); ++r) {
                QCOMPARE(got.rows[r].value, want.rows[r].value);
                QCOMPARE(got.rows[r].attention.recallMean, want.rows[r].attention.recallMean);
                QCOMPARE(pts[qsizetype(r)].x(), want.rows[r].attention.density);
                QCOMPARE(pts[qsizetype(r)].y(), want.rows[r].attention.recallMean);
            }
        }
        // The current setting (streamingllm's own window) is ringed, on curve 0.
        const auto cur = view()->currentPoint();
        QVERIFY(cur.has_value());
        QCOMPARE(cur->first, 0);
        QCOMPARE(view()->results()[0].rows[size_t(cur->second)].value, double(presetSpec("streamingllm").window));
        // Budget marks: exactly the rows with recall >= the readouts' limit.
        const AccuracyBudget budget;
        size_t within = 0;
        for (const SweepResult& s : view()->results())
            for (const SweepRow& r : s.rows) within += r.attention.recallMean >= budget.recallMean;
        QCOMPARE(view()->budgetPoints().size(), within);

        // FLOPs share on x: the same rows, the other figure.
        view()->setCostAxis(CostAxis::FlopsShare);
        QCOMPARE(view()->plottedPoints(0)[0].x(), view()->results()[0].rows[0].flopsShare);
        view()->setCostAxis(CostAxis::Density);
    }

    void clickingAPointAppliesIt() {
        // Curve 0 alone, so no other curve's point lies on top of the one clicked.
        view()->setOverlayPresets({});
        QVERIFY(runSweep());
        // The point of window 32 on curve 0, clicked where it is drawn.
        const auto& rows = view()->results()[0].rows;
        const auto it = std::find_if(rows.begin(), rows.end(), [](const SweepRow& r) { return r.value == 32; });
        QVERIFY(it != rows.end());
        const int row = int(it - rows.begin());
        QCustomPlot* plot = view()->plot();
        // Open the dock as View → Pareto sweep does; the plot lays out when shown.
        auto* dock = qobject_cast<QDockWidget*>(view()->parentWidget());
        QVERIFY(dock);
        dock->show();
        QVERIFY(QTest::qWaitForWindowExposed(win_.get()));
        QTest::qWait(50);
        plot->replot();
        const QPointF p = view()->plottedPoints(0)[row];
        const QPoint pixel(int(plot->xAxis->coordToPixel(p.x())), int(plot->yAxis->coordToPixel(p.y())));
        QSignalSpy applied(view(), &SweepView::pointApplied);
        QSignalSpy requested(ctl(), &AnalysisController::analysisRequested);
        QTest::mouseClick(plot, Qt::LeftButton, {}, pixel);
        QCOMPARE(applied.count(), 1);
        QCOMPARE(ctl()->pattern().window, int64_t(32));
        QCOMPARE(ctl()->pattern().global, presetSpec("streamingllm").global);
        QVERIFY(requested.count() >= 1);
        // Same curve, another value: not stale, and the ring moved to the clicked point.
        QVERIFY(!view()->isStale());
        QCOMPARE(view()->currentPoint(), std::make_optional(std::make_pair(0, row)));

        // An overlay curve's point, applied directly.
        view()->setOverlayPresets({QStringLiteral("longformer")});
        QVERIFY(runSweep());
        view()->applyPoint(1, 0);
        QCOMPARE(ctl()->pattern().window, int64_t(view()->results()[1].rows[0].value));
        QVERIFY(sameRules(ctl()->pattern(), view()->results()[1].rows[0].pattern));
        QCOMPARE(view()->currentPoint(), std::make_optional(std::make_pair(1, 0)));
        QVERIFY(view()->isStale());  // longformer's rules are not curve 0's any more
    }

    void modelLevelRows() {
        win_->patternControls()->selectPreset(QStringLiteral("streamingllm"));
        view()->setOverlayPresets({});
        view()->setValues({4, 16});
        view()->setAccuracyAxis(AccuracyAxis::LossDelta);
        QVERIFY(runSweep());
        const SweepResult want = coreSweep(ctl()->pattern(), {4, 16}, true);
        const SweepResult& got = view()->results()[0];
        QCOMPARE(got.rows.size(), want.rows.size());
        const QVector<QPointF> pts = view()->plottedPoints(0);
        for (size_t r = 0; r < want.rows.size(); ++r) {
            QVERIFY(got.rows[r].hasModelEval);
            QCOMPARE(got.rows[r].eval.lossSparse, want.rows[r].eval.lossSparse);
            QCOMPARE(pts[qsizetype(r)].y(), want.rows[r].eval.lossDelta);
            // The cached dense logits are the model's: evaluateSparse agrees.
            const WorkloadPtr w = ctl()->workload();
            const ModelEval e = evaluateSparse(*w->model, w->ids, got.rows[r].pattern, ctl()->patternLayers());
            QVERIFY(std::abs(e.lossDelta - got.rows[r].eval.lossDelta) < 1e-9);
        }
        // Export: core's CSV with the model-level columns, JSON with every row.
        const QStringList lines = view()->toCsv().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), int(got.rows.size()) + 1);
        QVERIFY(lines[0].endsWith(QLatin1String("ppl_ratio,top1_agreement")));
        const QJsonObject j = QJsonDocument::fromJson(view()->toJson()).object();
        QCOMPARE(j[QStringLiteral("accuracy_axis")].toString(), QStringLiteral("loss_delta"));
        QCOMPARE(j[QStringLiteral("sweeps")].toArray()[0].toObject()[QStringLiteral("rows")].toArray().size(),
                 qsizetype(got.rows.size()));
        view()->setAccuracyAxis(AccuracyAxis::RecallMean);
    }

    void staleRunIsDropped() {
        view()->setValues(defaultSweepValues("window", 160, 8));
        view()->setAccuracyAxis(AccuracyAxis::LossDelta);  // slow enough to be overtaken
        const auto before = view()->results().front().rows.size();
        QSignalSpy finished(view(), &SweepView::sweepFinished);
        view()->run();
        QVERIFY(view()->isRunning());
        win_->patternControls()->selectPreset(QStringLiteral("bigbird"));  // the inputs change
        QVERIFY(!view()->isRunning());
        QTest::qWait(1500);
        QCOMPARE(finished.count(), 0);
        QCOMPARE(view()->results().front().rows.size(), before);  // the old result stays, marked stale
        QVERIFY(view()->isStale());
        // Cancel: the same, by the button's slot.
        view()->run();
        view()->cancel();
        QVERIFY(!view()->isRunning());
        QVERIFY(view()->statusText().contains(QLatin1String("cancelled")));
        view()->setAccuracyAxis(AccuracyAxis::RecallMean);
    }

    void badValuesAreRefused() {
        QSignalSpy failed(view(), &SweepView::sweepFailed);
        view()->setParam(QStringLiteral("stride"));
        view()->setValues({1});
        view()->run();
        QCOMPARE(failed.count(), 1);
        QVERIFY(!view()->isRunning());
        QVERIFY(view()->statusText().contains(QLatin1String("stride")));
        view()->setParam(QStringLiteral("window"));
    }

    void workloadTableEqualsCore() {
        WorkloadComparisonView* cv = win_->workloadComparisonView();
        QAbstractItemModelTester tester(cv->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        win_->patternControls()->selectPreset(QStringLiteral("streamingllm"));
        cv->setMaxTokens(320);  // byte-level tokenizer: the smallest passkey task is ~250 tokens
        QSignalSpy finished(cv, &WorkloadComparisonView::comparisonFinished);
        QSignalSpy progress(cv, &WorkloadComparisonView::comparisonProgress);
        cv->run();
        QVERIFY(cv->isRunning());
        QVERIFY(finished.wait(120000));
        QVERIFY(progress.count() >= 2);
        const WorkloadPtr w = ctl()->workload();
        ComparisonOptions o;
        o.layers = ctl()->patternLayers();
        o.maxTokens = 320;
        const WorkloadComparison want =
            compareWorkloads(*w->model, bundledWorkloads(kSamples.toStdString()), ctl()->pattern(), o);
        WorkloadComparisonModel* m = cv->model();
        QCOMPARE(m->rowCount(), int(want.rows.size()));
        const QCPBars* recallBars = qobject_cast<QCPBars*>(cv->plot()->plottable(0));
        const QCPBars* lossBars = qobject_cast<QCPBars*>(cv->plot()->plottable(1));
        QVERIFY(recallBars && lossBars);
        bool sawRetrieval = false;
        for (int r = 0; r < m->rowCount(); ++r) {
            const WorkloadRow& row = want.rows[size_t(r)];
            auto cell = [&](int col) { return m->data(m->index(r, col), Qt::UserRole); };
            QCOMPARE(cell(WorkloadComparisonModel::Tokens).toLongLong(), row.tokens);
            QCOMPARE(cell(WorkloadComparisonModel::Density).toDouble(), row.attention.density);
            QCOMPARE(cell(WorkloadComparisonModel::RecallMean).toDouble(), row.attention.recallMean);
            QCOMPARE(cell(WorkloadComparisonModel::RecallMin).toDouble(), row.attention.recallMin);
            QCOMPARE(cell(WorkloadComparisonModel::LossDelta).toDouble(), row.eval.lossDelta);
            QCOMPARE(cell(WorkloadComparisonModel::Top1Agreement).toDouble(), row.eval.top1Agreement);
            QCOMPARE(cell(WorkloadComparisonModel::RetrievedSparse).isValid(), row.retrieval.has_value());
            if (row.retrieval) {
                sawRetrieval = true;
                QCOMPARE(cell(WorkloadComparisonModel::RetrievedDense).toBool(), row.retrieval->dense);
                QCOMPARE(cell(WorkloadComparisonModel::RetrievedSparse).toBool(), row.retrieval->sparse);
                QCOMPARE(m->data(m->index(r, WorkloadComparisonModel::RetrievedSparse)).toString(),
                         row.retrieval->sparse ? QStringLiteral("yes") : QStringLiteral("no"));
            }
            QCOMPARE(recallBars->data()->at(r)->value, row.attention.recallMean);
            QCOMPARE(lossBars->data()->at(r)->value, row.eval.lossDelta);
        }
        QVERIFY(sawRetrieval);
        QCOMPARE(cv->toCsv().split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), m->rowCount() + 1);
        // A new pattern makes the table stale.
        win_->patternControls()->selectPreset(QStringLiteral("bigbird"));
        QVERIFY(cv->isStale());
    }

    // File ▸ Export sweep results / workload comparison: the files hold the views'
    // CSV and JSON; with nothing run yet, the error path and no file.
    void exportsSweepAndComparison() {
        QStringList errors;
        win_->setErrorSink([&](const QString& t, const QString& m) { errors << t + QLatin1Char('\n') + m; });
        auto read = [](const QString& path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        QVERIFY(!view()->results().empty());
        const QString csv = dir_.filePath(QStringLiteral("sweep.csv")), json = dir_.filePath(QStringLiteral("sweep.json"));
        QVERIFY(win_->exportActions()->exportSweep(csv));
        QVERIFY(win_->exportActions()->exportSweep(json));
        QCOMPARE(read(csv), view()->toCsv().toUtf8());
        QCOMPARE(read(json), view()->toJson());
        QVERIFY(!QJsonDocument::fromJson(read(json)).isNull());
        const QString wcsv = dir_.filePath(QStringLiteral("workloads.csv"));
        QVERIFY(win_->exportActions()->exportWorkloads(wcsv));
        QCOMPARE(read(wcsv), win_->workloadComparisonView()->toCsv().toUtf8());
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));

        MainWindow fresh;
        fresh.setErrorSink([&](const QString& t, const QString& m) { errors << t + QLatin1Char('\n') + m; });
        const QString none = dir_.filePath(QStringLiteral("none.csv"));
        QVERIFY(!fresh.exportActions()->exportSweep(none));
        QVERIFY(!fresh.exportActions()->exportWorkloads(none));
        QVERIFY(!QFile::exists(none));
        QCOMPARE(errors.size(), 2);
        QVERIFY(errors[0].contains(none) && errors[0].contains(QStringLiteral("no sweep has run yet")));
        win_->setErrorSink([](const QString& t, const QString& m) { qWarning("%s: %s", qPrintable(t), qPrintable(m)); });
    }
};

QTEST_MAIN(TestSweepView)
#include "test_sweep_view.moc"
