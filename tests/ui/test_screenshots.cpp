// Screenshots of the main window in every heatmap mode (plus log scale, a zoomed
// view with tokens on the axes, and an oracle pattern), written as PNG files to
// <build>/tests/screenshots/ for people to look at. Uses the bundled default
// model when it is there, else a random-weight stand-in.
#include "core/common/error.h"
#include "core/model/model_input.h"
#include "ui/controller/analysis_controller.h"
#include "ui/heatmap/heatmap_view.h"
#include "ui/window/main_window.h"
#include "ui/panels/method_controls.h"
#include "ui/panels/pattern_controls.h"
#include "ui/panels/readouts_panel.h"
#include "ui_test_support.h"

#include <QDir>
#include <QSignalSpy>
#include <QSpinBox>
#include <QDockWidget>
#include <QTest>

using namespace sparsescope;
using namespace sparsescope::ui;

class TestScreenshots : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<MainWindow> win_;
    QString outDir_;

    bool settle(bool withEval) {
        AnalysisController* c = win_->controller();
        for (int i = 0; i < 1500; ++i) {
            auto m = c->modelAttentionStage();
            const bool attention = m && m->generation == c->generation() &&
                                   !win_->readouts()->isColumnPending(ReadoutsPanel::ModelColumn);
            const bool eval = !withEval || !win_->readouts()->isEvalStale();
            if (attention && eval) {
                QTest::qWait(50);
                return true;
            }
            QTest::qWait(20);
        }
        return false;
    }

    void shoot(const QString& name) {
        QTest::qWait(30);
        const QImage img = win_->grab().toImage();
        const QString path = outDir_ + QLatin1Char('/') + name + QStringLiteral(".png");
        QVERIFY(img.save(path));
        // The heatmap area is not blank: it holds more than a handful of colours.
        QVERIFY2(uitest::distinctColours(win_->heatmap()->grab().toImage()) > 4, qPrintable(name));
        qInfo("wrote %s", qPrintable(path));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        outDir_ = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
        QDir().mkpath(outDir_);
        QString model;
        try {
            model = QString::fromStdString(findDefaultModelDir({SPARSESCOPE_SOURCE_DIR "/resources/model"}));
        } catch (const Error&) {
            tinymodel::Spec spec = uitest::smallSpec();
            spec.layers = 4;
            spec.heads = 8;
            spec.kvHeads = 4;
            spec.hidden = 64;
            spec.positions = 1024;
            model = uitest::writeModel(dir_, QStringLiteral("standin"), spec);
            qInfo("default model not found: using a random-weight stand-in");
        }
        win_ = std::make_unique<MainWindow>();
        win_->setErrorSink([](const QString& t, const QString& m) { qWarning("%s: %s", qPrintable(t), qPrintable(m)); });
        win_->resize(1600, 1000);
        win_->show();
        win_->controller()->setMaxTokens(512);
        win_->controller()->setModelEvalDelay(0);
        QSignalSpy loaded(win_->controller(), &AnalysisController::workloadChanged);
        win_->start(model, QStringLiteral(SPARSESCOPE_SOURCE_DIR "/samples"), QStringLiteral("dialogue-attention-tutorial"));
        QVERIFY(loaded.wait(120000));
        QVERIFY(settle(true));
    }

    void eachMode_data() {
        QTest::addColumn<int>("mode");
        QTest::addColumn<bool>("log");
        QTest::newRow("mask") << int(HeatmapView::MaskMode) << false;
        QTest::newRow("dense") << int(HeatmapView::DenseMode) << false;
        QTest::newRow("dense_log") << int(HeatmapView::DenseMode) << true;
        QTest::newRow("sparse") << int(HeatmapView::SparseMode) << false;
        QTest::newRow("dropped") << int(HeatmapView::DroppedMode) << false;
        QTest::newRow("dropped_log") << int(HeatmapView::DroppedMode) << true;
    }

    void eachMode() {
        QFETCH(int, mode);
        QFETCH(bool, log);
        win_->heatmap()->setMode(static_cast<HeatmapView::Mode>(mode));
        win_->heatmap()->setLogScale(log);
        shoot(QStringLiteral("main_window_") + QString::fromLatin1(QTest::currentDataTag()));
        win_->heatmap()->setLogScale(false);
    }

    void zoomedWithTokens() {
        win_->heatmap()->setMode(HeatmapView::MaskMode);
        win_->heatmap()->setViewWindow(230, 262, 0, 40);
        QVERIFY(win_->heatmap()->showsTokenLabels());
        shoot(QStringLiteral("main_window_mask_zoomed"));
        win_->heatmap()->setMode(HeatmapView::DenseMode);
        shoot(QStringLiteral("main_window_dense_zoomed"));
        win_->heatmap()->resetZoom();
    }

    void otherPatterns() {
        PatternControls* pc = win_->patternControls();
        win_->heatmap()->setMode(HeatmapView::MaskMode);
        pc->selectPreset(QStringLiteral("bigbird"));
        pc->spinBox(PatternControls::Window)->setValue(48);
        pc->spinBox(PatternControls::Global)->setValue(8);
        pc->spinBox(PatternControls::Random)->setValue(8);
        pc->spinBox(PatternControls::Stride)->setValue(64);
        QVERIFY(settle(true));
        shoot(QStringLiteral("main_window_mask_custom"));
        pc->selectPreset(QStringLiteral("topk"));
        QVERIFY(settle(true));
        shoot(QStringLiteral("main_window_mask_topk"));
        win_->heatmap()->setMode(HeatmapView::DroppedMode);
        shoot(QStringLiteral("main_window_dropped_topk"));
        win_->heatmap()->setMode(HeatmapView::MaskMode);
        // Method presets, where core has them: each rule its own colour.
        for (const char* name : {"nsa", "vertical_slash"}) {
            if (!pc->selectPreset(QString::fromLatin1(name))) continue;
            QVERIFY(settle(true));
            shoot(QStringLiteral("main_window_mask_") + QString::fromLatin1(name));
        }
        // NSA scaled down to 512 tokens, so that its three branches show: 4 selected blocks
        // of 32 and a 64-token window (at the paper's 16 x 64 everything is selected).
        QVERIFY(pc->selectPreset(QStringLiteral("nsa")));
        pc->methodControls()->spinBox(QStringLiteral("nsa-select-block"))->setValue(32);
        pc->methodControls()->spinBox(QStringLiteral("nsa-select-count"))->setValue(4);
        pc->methodControls()->spinBox(QStringLiteral("nsa-window"))->setValue(64);
        QVERIFY(settle(true));
        shoot(QStringLiteral("main_window_mask_nsa_branches"));
        // The deployment-cost tab with the paper's NSA.
        QVERIFY(pc->selectPreset(QStringLiteral("nsa")));
        QVERIFY(settle(true));
        if (auto* dock = win_->findChild<QDockWidget*>(QStringLiteral("deploymentDock"))) dock->raise();
        shoot(QStringLiteral("main_window_deployment"));
        if (auto* dock = win_->findChild<QDockWidget*>(QStringLiteral("readoutsDock"))) dock->raise();
    }

    void cleanupTestCase() { win_.reset(); }
};

QTEST_MAIN(TestScreenshots)
#include "test_screenshots.moc"
