// The mask view as drawn: every pixel of the plotted area has the colour of the
// downsampled cell it shows, one cell per pixel, with no column shifted, dropped or
// clipped. (A half-pixel offset or a grid planned for a stale axis rect once hid the
// 4 sink columns of a 1024-token sequence.)
#include "core/heatmap/heatmap_grid.h"
#include "ui/controller/analysis_controller.h"
#include "ui/heatmap/heatmap_view.h"
#include "ui/heatmap/rule_palette.h"
#include "ui/panels/pattern_controls.h"
#include "ui/window/main_window.h"
#include "ui_test_support.h"

#include <QSignalSpy>
#include <QTest>
#include <qcustomplot.h>

#include <cmath>
#include <memory>

using namespace sparsescope;
using namespace sparsescope::ui;

class TestHeatmapPixels : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<MainWindow> win_;

    bool settle() {
        return QTest::qWaitFor([&] {
            const auto* c = win_->controller();
            return !c->isLoading() && c->headStage() && c->headStage()->generation == c->generation();
        }, 60000);
    }

    // Compares the rendered plot with the grid, cell by cell.
    void checkPixelsEqualGrid() {
        HeatmapView* h = win_->heatmap();
        QCoreApplication::processEvents();
        const HeatmapGrid& g = h->grid();
        const QRect rect = h->plot()->axisRect()->rect();
        // One cell per pixel (the grid was planned for the rect it is drawn in).
        QCOMPARE(g.cellsX, int64_t(std::min<int64_t>(rect.width(), g.col1 - g.col0)));
        QCOMPARE(g.cellsY, int64_t(std::min<int64_t>(rect.height(), g.row1 - g.row0)));
        QVERIFY2(g.cellsX < g.col1 - g.col0, "the window must be downsampled for this test");
        const QImage img = h->plot()->toPixmap().toImage();
        // The image spans the cell edges as the axes map them; Qt's unsmoothed scaling
        // shows at pixel p the cell under its centre p + 0.5.
        QCustomPlot* plot = h->plot();
        const double x0 = plot->xAxis->coordToPixel(double(g.col0) - 0.5);
        const double x1 = plot->xAxis->coordToPixel(double(g.col1) - 0.5);
        const double y0 = plot->yAxis->coordToPixel(double(g.row0) - 0.5);
        const double y1 = plot->yAxis->coordToPixel(double(g.row1) - 0.5);
        const int left = int(std::lround(x0)), width = int(std::lround(x1 - x0));
        const int top = int(std::lround(y0)), height = int(std::lround(y1 - y0));
        QVERIFY(width >= g.cellsX && height >= g.cellsY);  // every cell gets a pixel
        auto close = [](QColor a, QColor b) {
            return std::abs(a.red() - b.red()) <= 2 && std::abs(a.green() - b.green()) <= 2 &&
                   std::abs(a.blue() - b.blue()) <= 2;  // the gradient's level rounding
        };
        int64_t wrong = 0;
        for (int py = top; py < top + height; ++py) {
            const double fy = (py + 0.5 - y0) * double(g.cellsY) / (y1 - y0);
            if (std::abs(fy - std::round(fy)) < 1e-9) continue;  // centre on a cell edge: either cell
            const auto y = int64_t(std::floor(fy));
            for (int px = left; px < left + width; ++px) {
                const double fx = (px + 0.5 - x0) * double(g.cellsX) / (x1 - x0);
                if (std::abs(fx - std::round(fx)) < 1e-9) continue;
                const auto x = int64_t(std::floor(fx));
                const QColor want = categoryColor(int(g.at(x, y)));
                if (!close(img.pixelColor(px, py), want) && wrong++ < 5)
                    qWarning("cell (%lld, %lld): pixel (%d, %d) %s, cell colour %s", (long long)x, (long long)y, px, py,
                             qPrintable(img.pixelColor(px, py).name()), qPrintable(want.name()));
            }
        }
        QCOMPARE(wrong, int64_t(0));
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        uitest::useTemporarySettings(dir_, QStringLiteral("SparseScopeTest"));
        const QString model = uitest::writeModel(dir_, QStringLiteral("model"));
        win_ = std::make_unique<MainWindow>();
        win_->setErrorSink([](const QString& t, const QString& m) { QFAIL(qPrintable(t + QLatin1Char(' ') + m)); });
        win_->resize(1100, 700);  // a heatmap narrower than the 500 tokens: downsampled
        win_->show();
        win_->controller()->setMaxTokens(500);
        QSignalSpy loaded(win_->controller(), &AnalysisController::workloadChanged);
        win_->start(model, QStringLiteral(SPARSESCOPE_SOURCE_DIR "/samples"), QStringLiteral("prose-kjv-ruth"));
        QVERIFY(loaded.wait(60000));
        QVERIFY(settle());
        QCOMPARE(win_->controller()->workload()->n(), int64_t(500));
    }

    void maskPixelsEqualGrid_data() {
        QTest::addColumn<QString>("preset");
        QTest::newRow("sinks + window") << QStringLiteral("streamingllm");
        QTest::newRow("strided") << QStringLiteral("strided");
        QTest::newRow("bigbird") << QStringLiteral("bigbird");
    }

    void maskPixelsEqualGrid() {
        QFETCH(QString, preset);
        win_->heatmap()->setMode(HeatmapView::MaskMode);
        win_->patternControls()->selectPreset(preset);
        QVERIFY(settle());
        checkPixelsEqualGrid();
    }

    void sinkColumnsVisible() {
        win_->patternControls()->selectPreset(QStringLiteral("streamingllm"));
        QVERIFY(settle());
        QCoreApplication::processEvents();
        const HeatmapGrid& g = win_->heatmap()->grid();
        const QRect rect = win_->heatmap()->plot()->axisRect()->rect();
        const QImage img = win_->heatmap()->plot()->toPixmap().toImage();
        // The first pixel column, below the window's reach, is the sinks' colour.
        const int py = rect.bottom() - 2;
        const int px = int(std::floor(win_->heatmap()->plot()->xAxis->coordToPixel(-0.5)));
        QCOMPARE(px, rect.left());
        QCOMPARE(img.pixelColor(px, py), categoryColor(kCatGlobal));
        QVERIFY(g.colsPerCell() > 1.0);
    }

    void zoomedPixelsEqualGrid() {
        win_->patternControls()->selectPreset(QStringLiteral("bigbird"));
        QVERIFY(settle());
        win_->heatmap()->setViewWindow(100, 420, 0, 400);
        checkPixelsEqualGrid();
        win_->heatmap()->resetZoom();
    }

    void cleanupTestCase() {
        win_->controller()->waitForIdle();
        win_.reset();
    }
};

QTEST_MAIN(TestHeatmapPixels)
#include "test_heatmap_pixels.moc"
