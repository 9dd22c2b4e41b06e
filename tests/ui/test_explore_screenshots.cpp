// Screenshots of the Pareto sweep and the workload comparison views on the bundled
// default model (a random-weight stand-in when it is missing), written as PNG files
// to <build>/tests/screenshots/ for people to look at: sweep_recall.png (window
// swept for the current pattern and two overlaid presets, x = density and x = FLOPs), sweep_loss.png (the
// model level), workload_comparison.png (table and bars).
#include "core/common/error.h"
#include "core/model/model_input.h"
#include "ui/controller/analysis_controller.h"
#include "ui/views/sweep_view.h"
#include "ui/views/workload_comparison_model.h"
#include "ui/views/workload_comparison_view.h"
#include "ui/window/main_window.h"
#include "ui_test_support.h"

#include <QDir>
#include <QDockWidget>
#include <QSignalSpy>
#include <QTest>
#include <qcustomplot.h>

using namespace sparsescope;
using namespace sparsescope::ui;

class TestExploreScreenshots : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<MainWindow> win_;
    QString outDir_;

    // Floats the view's dock at a readable size, as a user would open it.
    static void openDock(QWidget* view, int w, int h) {
        auto* dock = qobject_cast<QDockWidget*>(view->parentWidget());
        QVERIFY(dock);
        dock->setFloating(true);
        dock->show();
        dock->resize(w, h);
        QTest::qWait(50);
    }

    void shoot(QWidget* w, const QString& name) {
        QTest::qWait(50);
        const QImage img = w->grab().toImage();
        const QString path = outDir_ + QLatin1Char('/') + name + QStringLiteral(".png");
        QVERIFY(img.save(path));
        // Not blank: a plot holds more than a handful of colours.
        QVERIFY2(uitest::distinctColours(img) > 8, qPrintable(name));
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
            model = uitest::writeModel(dir_, QStringLiteral("standin"));
            qInfo("default model not found: using a random-weight stand-in");
        }
        win_ = std::make_unique<MainWindow>();
        win_->setErrorSink([](const QString& t, const QString& m) { qWarning("%s: %s", qPrintable(t), qPrintable(m)); });
        win_->controller()->setMaxTokens(256);  // small: the test must stay quick on a busy machine
        QSignalSpy loaded(win_->controller(), &AnalysisController::workloadChanged);
        win_->start(model, QStringLiteral(SPARSESCOPE_SOURCE_DIR "/samples"), QStringLiteral("passkey-f70-d050-s1"),
                    QStringLiteral("streamingllm"));
        QVERIFY(loaded.wait(120000));
    }

    void sweep() {
        SweepView* v = win_->sweepView();
        openDock(v, 1000, 620);
        v->setParam(QStringLiteral("window"));
        v->setValues({4, 8, 16, 32, 64, 128, 256});
        v->setOverlayPresets({QStringLiteral("window"), QStringLiteral("topk")});
        QSignalSpy finished(v, &SweepView::sweepFinished);
        v->run();
        QVERIFY(finished.wait(180000));
        shoot(v, QStringLiteral("sweep_recall"));
        v->setCostAxis(CostAxis::FlopsShare);
        shoot(v, QStringLiteral("sweep_recall_flops"));
        v->setCostAxis(CostAxis::Density);
        v->setOverlayPresets({QStringLiteral("window")});
        v->setAccuracyAxis(AccuracyAxis::LossDelta);
        v->run();
        QVERIFY(finished.wait(180000));
        shoot(v, QStringLiteral("sweep_loss"));
    }

    void workloadComparison() {
        WorkloadComparisonView* v = win_->workloadComparisonView();
        openDock(v, 1150, 760);
        v->setMaxTokens(256);
        QSignalSpy finished(v, &WorkloadComparisonView::comparisonFinished);
        v->run();
        QVERIFY(finished.wait(180000));
        QCOMPARE(v->model()->rowCount(), 8);
        shoot(v, QStringLiteral("workload_comparison"));
    }

    void cleanupTestCase() { win_.reset(); }
};

QTEST_MAIN(TestExploreScreenshots)
#include "test_explore_screenshots.moc"
