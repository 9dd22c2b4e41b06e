// The teaching views of issue 6 inside the main window, offscreen: the cost plot's
// curves equal core's contextCostCurves, the reachability view's table equals
// computeReachability on the head's mask (and follows the layer spin box), clicking
// a token selects its query row (highlighted keys = the mask row, coloured by rule
// and weight; the heatmap scrolls to the row), the Explain text follows the pattern.
// Screenshots of each view go to <build>/tests/screenshots/teach_*.png.
#include "core/common/error.h"
#include "core/explore/context_cost.h"
#include "core/explore/explain.h"
#include "core/explore/reachability.h"
#include "core/model/model_input.h"
#include "ui/controller/analysis_controller.h"
#include "ui/heatmap/heatmap_view.h"
#include "ui/heatmap/rule_palette.h"
#include "ui/panels/pattern_controls.h"
#include "ui/views/cost_context_view.h"
#include "ui/views/explain_panel.h"
#include "ui/views/reachability_view.h"
#include "ui/views/token_view.h"
#include "ui/window/main_window.h"
#include "ui_test_support.h"

#include <QDir>
#include <QDockWidget>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <qcustomplot.h>

using namespace sparsescope;
using namespace sparsescope::ui;

namespace {

PatternSpec windowSpec(int64_t w, int64_t g = 0, int64_t s = 0) {
    PatternSpec p;
    p.window = w;
    p.global = g;
    p.stride = s;
    return p;
}

}  // namespace

class TestTeachViews : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<MainWindow> win_;

    const TeachDocks& docks() const { return win_->teachDocks(); }

    // Waits until the head stage of the controller's current generation has arrived
    // and the views fed from it are done.
    bool settle() {
        AnalysisController* c = win_->controller();
        for (int i = 0; i < 1500; ++i) {
            const HeadStagePtr s = c->headStage();
            const bool head = s && s->generation == c->generation();
            const bool reach = head && !docks().reachability->isComputing() && docks().reachability->result() &&
                               docks().reachability->stage() == s;
            const bool cost = !docks().cost->isComputing() && docks().cost->curves();
            if (reach && cost) {
                QTest::qWait(20);
                return true;
            }
            QTest::qWait(20);
        }
        return false;
    }

    void setPattern(const PatternSpec& p) {
        win_->patternControls()->setSpec(p);
        QVERIFY(settle());
        QVERIFY(samePattern(win_->controller()->headStage()->pattern, p));
    }

    void shoot(QWidget* w, const QString& name, QSize size) {
        const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
        QDir().mkpath(dir);
        w->resize(size);
        QTest::qWait(60);
        const QImage img = w->grab().toImage();
        const QString path = dir + QLatin1Char('/') + name + QStringLiteral(".png");
        QVERIFY(img.save(path));
        QSet<QRgb> colours;
        const QImage small = img.scaled(160, 160);
        for (int y = 0; y < small.height(); ++y)
            for (int x = 0; x < small.width(); ++x) colours.insert(small.pixel(x, y));
        QVERIFY2(colours.size() > 4, qPrintable(name));
        qInfo("wrote %s", qPrintable(path));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const QString model = uitest::writeModel(dir_, QStringLiteral("model"));
        win_ = std::make_unique<MainWindow>();
        win_->setErrorSink([](const QString& t, const QString& m) { qWarning("%s: %s", qPrintable(t), qPrintable(m)); });
        win_->resize(1600, 1000);
        win_->show();
        win_->controller()->setModelEvalDelay(100000);  // the model-level pass is not under test
        win_->patternControls()->setSpec(windowSpec(16, 2));
        QSignalSpy loaded(win_->controller(), &AnalysisController::workloadChanged);
        win_->controller()->openModelWithText(model, uitest::sampleText(300), QStringLiteral("test text"));
        QVERIFY(loaded.wait(60000));
        QVERIFY(settle());
    }

    void docksAndMenu() {
        QMenu* view = nullptr;
        for (QAction* a : win_->menuBar()->actions())
            if (a->text() == QStringLiteral("&View")) view = a->menu();
        QVERIFY(view);
        for (const char* name : {"tokensDock", "explainDock", "reachabilityDock", "costContextDock"}) {
            auto* dock = win_->findChild<QDockWidget*>(QString::fromLatin1(name));
            QVERIFY2(dock, name);
            QVERIFY2(view->actions().contains(dock->toggleViewAction()), name);
            QVERIFY(win_->tabifiedDockWidgets(win_->findChild<QDockWidget*>(QStringLiteral("galleryDock"))).contains(dock));
        }
    }

    void costPlotEqualsCore() {
        setPattern(windowSpec(32, 4, 64));
        CostContextView* v = docks().cost;
        const ModelConfig& config = win_->controller()->workload()->model->config();
        const ContextCostCurves core =
            contextCostCurves(win_->controller()->pattern(), attentionShapeOf(config), &config, v->grid());
        QVERIFY(v->curves().has_value());
        const ContextCostCurves& shown = *v->curves();
        QCOMPARE(shown.points.size(), core.points.size());
        QCOMPARE(shown.decodeFlops.saving2x, core.decodeFlops.saving2x);
        QCOMPARE(shown.prefillFlops.saving10x, core.prefillFlops.saving10x);
        QCustomPlot* plot = v->plot();
        QCOMPARE(plot->graphCount(), int(CostContextView::CurveCount));
        for (size_t k = 0; k < core.points.size(); ++k) {
            const ContextCostPoint& p = core.points[k];
            auto at = [&](int curve) { return (plot->graph(curve)->data()->begin() + int(k))->value; };
            auto key = [&](int curve) { return (plot->graph(curve)->data()->begin() + int(k))->key; };
            QCOMPARE(key(CostContextView::FlopsPattern), double(p.context));
            QCOMPARE(at(CostContextView::FlopsDense), p.decodeFlopsDense);
            QCOMPARE(at(CostContextView::FlopsPattern), p.decodeFlopsPattern);
            QCOMPARE(at(CostContextView::BytesDense), p.kvBytesDense);
            QCOMPARE(at(CostContextView::BytesPattern), p.kvBytesPattern);
            QCOMPARE(at(CostContextView::SharePattern), 100.0 * p.decodeSharePattern);
            QCOMPARE(at(CostContextView::ModelSpeedup), p.decodeModelSpeedup);
        }
        QVERIFY(v->summaryText().contains(QStringLiteral("2× from")));
        QVERIFY(v->summaryText().contains(QStringLiteral("Whole model")));
    }

    void reachabilityEqualsCore() {
        setPattern(windowSpec(8, 0, 16));
        ReachabilityView* v = docks().reachability;
        const HeadStagePtr s = win_->controller()->headStage();
        QCOMPARE(v->layers(), win_->controller()->workload()->layerCount());  // default: the model's depth
        for (int layers : {v->layers(), 1, 5}) {
            if (layers != v->layers()) {
                QSignalSpy done(v, &ReachabilityView::computed);
                v->setLayers(layers);
                QVERIFY(done.wait(10000));
            }
            const Reachability core = computeReachability(*s->mask, layers);
            QVERIFY(v->result());
            QCOMPARE(v->result()->layers, layers);
            QCOMPARE(v->result()->firstLayer, core.firstLayer);
            QCOMPARE(v->result()->fullAllQueries, core.fullAllQueries);
            QCOMPARE(v->summaryText(), ReachabilityView::summarize(core));
            // The picture is downsampled to the plot, never larger than it.
            const QRect rect = v->plot()->axisRect()->rect();
            QVERIFY(v->grid().cellsX <= std::max(16, rect.width()) && v->grid().cellsY <= std::max(16, rect.height()));
        }
    }

    void clickingATokenSelectsItsRow() {
        setPattern(windowSpec(12, 3, 40));
        TokenView* t = docks().tokens;
        auto* dock = qobject_cast<QDockWidget*>(t->parentWidget());
        QVERIFY(dock);
        dock->raise();
        QTest::qWait(50);
        const HeadStagePtr s = win_->controller()->headStage();
        for (int64_t i : {int64_t(0), int64_t(57), int64_t(200), int64_t(299)}) {
            QSignalSpy selected(t, &TokenView::querySelected);
            const QPoint p = t->tokenPoint(i);
            QCOMPARE(t->tokenAt(p), i);
            QTest::mouseClick(t->viewport(), Qt::LeftButton, {}, p);
            QCOMPARE(selected.count(), 1);
            QCOMPARE(t->selectedQuery(), i);
            const SparseMask& m = *s->mask;
            std::vector<int64_t> row(m.cols.begin() + m.rowBegin(i), m.cols.begin() + m.rowEnd(i));
            QCOMPARE(t->highlightedKeys(), row);
            double top = 0;
            for (int64_t j : row) top = std::max(top, double((*s->probs)(i, j)));
            for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e) {
                const int64_t j = m.cols[size_t(e)];
                if (j == i) continue;
                QCOMPARE(t->tokenBackground(j), TokenView::keyColor(ruleCategory(m.rules[size_t(e)]), (*s->probs)(i, j), top));
            }
            // A dropped key keeps its plain background.
            // Key 20 is dropped by every row tried here (not in the window, not global, 20 mod 40 != i mod 40).
            QCOMPARE(t->tokenBackground(20), QColor(Qt::white));
            // The heatmap scrolled to the row.
            const QCPRange rows = win_->heatmap()->plot()->yAxis->range();
            QVERIFY2(rows.contains(double(i)) && rows.size() <= 65, qPrintable(QString::number(i)));
        }
        // A new pattern re-highlights the same row with the new mask.
        setPattern(windowSpec(5));
        QCOMPARE(t->highlightedKeys(), (std::vector<int64_t>{295, 296, 297, 298, 299}));
    }

    void explainFollowsThePattern() {
        ExplainPanel* e = docks().explain;
        setPattern(windowSpec(16));
        const QString a = e->explanation();
        QCOMPARE(a, QString::fromStdString(explainPattern(windowSpec(16), *win_->controller()->headStage()->mask)));
        QVERIFY(a.contains(QStringLiteral("its 16 most recent tokens")));
        setPattern(windowSpec(64, 4, 128));
        const QString b = e->explanation();
        QVERIFY(a != b);
        QVERIFY(b.contains(QStringLiteral("the first 4 tokens, and every 128th token back")));
        QVERIFY(b.contains(QStringLiteral("of the pairs at 300 tokens")));
        QVERIFY(e->text().contains(docks().reachability->summaryText()));
        QVERIFY(e->text().contains(QStringLiteral("At long context.")));
        // Right after a change the rules show at once; the density waits for the mask.
        win_->patternControls()->setSpec(windowSpec(100));
        QVERIFY(e->explanation().contains(QStringLiteral("its 100 most recent tokens")));
        QVERIFY(settle());
        QVERIFY(e->explanation().contains(QStringLiteral("of the pairs")));
    }

    // Screenshots with the bundled model when it is there (real text), else the stand-in.
    void screenshots() {
        QString model;
        try {
            model = QString::fromStdString(findDefaultModelDir({SPARSESCOPE_SOURCE_DIR "/resources/model"}));
        } catch (const Error&) {
            qInfo("default model not found: screenshots of the random-weight stand-in");
        }
        if (!model.isEmpty()) {
            QFile f(QStringLiteral(SPARSESCOPE_SOURCE_DIR "/samples/dialogue_attention_tutorial.txt"));
            QVERIFY(f.open(QIODevice::ReadOnly));
            win_->controller()->setMaxTokens(512);
            QSignalSpy loaded(win_->controller(), &AnalysisController::workloadChanged);
            win_->controller()->openModelWithText(model, QString::fromUtf8(f.readAll()), QStringLiteral("tutorial"));
            QVERIFY(loaded.wait(120000));
        }
        PatternSpec p = windowSpec(64, 4, 128);
        p.preset = "custom";
        setPattern(p);
        const HeadStagePtr s = win_->controller()->headStage();
        docks().tokens->selectQuery(s->workload->n() - 1);
        QTest::qWait(50);
        for (auto [w, name] : {std::pair<QWidget*, const char*>{docks().tokens, "teach_tokens"},
                               {docks().explain, "teach_explain"},
                               {docks().reachability, "teach_reachability"},
                               {docks().cost, "teach_cost_context"}}) {
            auto* dock = qobject_cast<QDockWidget*>(w->parentWidget());
            dock->setFloating(true);
            dock->resize(1000, 700);
            QTest::qWait(100);
            shoot(dock, QString::fromLatin1(name), QSize(1000, 700));
            dock->setFloating(false);
        }
        // A window alone: reachability falls short; StreamingLLM's cost.
        setPattern(windowSpec(32));
        docks().reachability->setLayers(4);
        QVERIFY(settle());
        QTest::qWait(200);
        auto* rdock = qobject_cast<QDockWidget*>(docks().reachability->parentWidget());
        rdock->setFloating(true);
        shoot(rdock, QStringLiteral("teach_reachability_window"), QSize(1000, 700));
        rdock->setFloating(false);
        QVERIFY(win_->patternControls()->selectPreset(QStringLiteral("streamingllm")));
        QVERIFY(settle());
        auto* cdock = qobject_cast<QDockWidget*>(docks().cost->parentWidget());
        cdock->setFloating(true);
        shoot(cdock, QStringLiteral("teach_cost_streamingllm"), QSize(1000, 700));
        cdock->setFloating(false);
        auto* tdock = qobject_cast<QDockWidget*>(docks().tokens->parentWidget());
        tdock->raise();
        shoot(win_.get(), QStringLiteral("teach_main_window"), QSize(1600, 1000));
    }

    void cleanupTestCase() { win_.reset(); }
};

QTEST_MAIN(TestTeachViews)
#include "test_teach_views.moc"
