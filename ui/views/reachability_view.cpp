#include "ui/views/reachability_view.h"

#include "ui/heatmap/cell_map.h"

#include "core/common/error.h"
#include "ui/heatmap/rule_palette.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <qcustomplot.h>

#include <cmath>
#include <limits>

namespace sparsescope::ui {

namespace {

// Viridis: dark (reached early) to yellow (reached late).
QColor layerColor(double t) {
    static const QColor stops[] = {QColor(0x44, 0x01, 0x54), QColor(0x3b, 0x52, 0x8b), QColor(0x21, 0x91, 0x8c),
                                   QColor(0x5e, 0xc9, 0x62), QColor(0xfd, 0xe7, 0x25)};
    t = std::clamp(t, 0.0, 1.0) * 4.0;
    const int k = std::min(3, int(t));
    const double u = t - k;
    auto mix = [u](int a, int b) { return int(a + (b - a) * u + 0.5); };
    return QColor(mix(stops[k].red(), stops[k + 1].red()), mix(stops[k].green(), stops[k + 1].green()),
                  mix(stops[k].blue(), stops[k + 1].blue()));
}

const QColor kNeverColor(0xc8, 0xc8, 0xc8);

// Values 1 .. L are layers, L + 1 = not reached within L; data range [1, L + 1].
QCPColorGradient reachGradient(int layers) {
    QCPColorGradient g;
    g.setLevelCount(layers + 1);
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    QMap<double, QColor> stops;
    for (int l = 1; l <= layers; ++l) stops[double(l - 1) / layers] = layerColor(layers == 1 ? 0.0 : double(l - 1) / (layers - 1));
    stops[1.0] = kNeverColor;
    g.setColorStops(stops);
    g.setNanHandling(QCPColorGradient::nhNanColor);
    g.setNanColor(categoryColor(kCatOutside));
    return g;
}

}  // namespace

ReachabilityView::ReachabilityView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Layers")));
    layersBox_ = new QSpinBox;
    layersBox_->setRange(1, 255);
    layersBox_->setValue(4);
    layersBox_->setToolTip(tr("How many layers apply the pattern (default: the model's layer count)."));
    connect(layersBox_, &QSpinBox::valueChanged, this, [this](int) {
        userLayers_ = true;
        recompute();
    });
    bar->addWidget(layersBox_);
    auto* note = new QLabel(tr("The selected head's mask in every layer: which keys can reach each query."));
    note->setWordWrap(true);
    bar->addWidget(note, 1);
    layout->addLayout(bar);

    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(200, 150);
    plot_->xAxis->setLabel(tr("key position j"));
    plot_->yAxis->setLabel(tr("query position i"));
    map_ = addCellMap(plot_);
    scale_ = new QCPColorScale(plot_);
    scale_->setType(QCPAxis::atRight);
    scale_->setBarWidth(12);
    scale_->axis()->setLabel(tr("first layer reached"));
    plot_->plotLayout()->addElement(0, 1, scale_);
    map_->setColorScale(scale_);
    auto* margins = new QCPMarginGroup(plot_);
    plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    scale_->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    layout->addWidget(plot_, 1);

    summary_ = new QLabel(tr("No head selected yet."));
    summary_->setWordWrap(true);
    QFont f = summary_->font();
    f.setBold(true);
    summary_->setFont(f);
    layout->addWidget(summary_);
}

ReachabilityView::~ReachabilityView() = default;

int ReachabilityView::layers() const { return layersBox_->value(); }

void ReachabilityView::setLayers(int layers) { layersBox_->setValue(std::clamp(layers, 1, 255)); }

void ReachabilityView::setStage(const HeadStagePtr& stage) {
    stage_ = stage;
    if (stage_) {
        const int depth = std::max(1, stage_->workload->layerCount());
        if (depth != modelLayers_) {
            modelLayers_ = depth;
            if (!userLayers_) {
                QSignalBlocker block(layersBox_);
                layersBox_->setValue(depth);
            }
        }
    }
    recompute();
}

void ReachabilityView::recompute() {
    if (!stage_ || !stage_->mask) return;
    const int layers = layersBox_->value();
    if (stage_->mask == computedMask_ && layers == computedLayers_ && !computing_) return;
    const std::shared_ptr<const SparseMask> mask = stage_->mask;
    const uint64_t request = ++request_;
    computing_ = true;
    summary_->setText(tr("Computing reachability over %1 layers…").arg(layers));
    watcher_ = std::make_unique<QFutureWatcher<std::shared_ptr<const Reachability>>>();
    auto* watcher = watcher_.get();
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, request, mask, layers] {
        if (request != request_) return;
        computing_ = false;
        result_ = watcher->result();
        computedMask_ = mask;
        computedLayers_ = layers;
        if (!result_) {
            summary_->setText(tr("Reachability is limited to 16384 tokens."));
            return;
        }
        summary_->setText(summaryText());
        redraw();
        emit computed();
    });
    watcher->setFuture(QtConcurrent::run([mask, layers]() -> std::shared_ptr<const Reachability> {
        try {
            return std::make_shared<const Reachability>(computeReachability(*mask, layers));
        } catch (const Error&) {
            return nullptr;
        }
    }));
}

void ReachabilityView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (result_) QTimer::singleShot(0, this, &ReachabilityView::redraw);
}

void ReachabilityView::redraw() {
    if (!result_) return;
    const Reachability& r = *result_;
    plot_->replot();  // lays out the axis rect so its size is current
    HeatmapWindow win;
    win.row0 = 0;
    win.row1 = r.n;
    win.col0 = 0;
    win.col1 = r.n;
    const QRect rect = plot_->axisRect()->rect();
    win.maxCellsX = std::max(16, rect.width());
    win.maxCellsY = std::max(16, rect.height());
    grid_ = downsampleReachability(r, win);
    const int cx = int(grid_.cellsX), cy = int(grid_.cellsY);
    const QSize size = shapeCellMap(map_, grid_);
    const int dx = size.width(), dy = size.height();
    QCPColorMapData* data = map_->data();
    for (int y = 0; y < dy; ++y)
        for (int x = 0; x < dx; ++x) {
            const float v = grid_.at(x * cx / dx, y * cy / dy);
            data->setCell(x, y, v == 0.0f ? std::numeric_limits<double>::quiet_NaN() : double(v));
        }
    map_->setGradient(reachGradient(r.layers));
    map_->setDataRange(QCPRange(1, r.layers + 1));
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    const int step = std::max(1, (r.layers + 7) / 8);
    for (int l = 1; l <= r.layers; l += step) ticker->addTick(l, QString::number(l));
    if ((r.layers - 1) % step != 0) ticker->addTick(r.layers, QString::number(r.layers));
    ticker->addTick(r.layers + 1, tr("never"));
    scale_->axis()->setTicker(ticker);
    plot_->xAxis->setRange(-0.5, double(r.n) - 0.5);
    plot_->yAxis->setRange(-0.5, double(r.n) - 0.5);
    plot_->replot();
}

QString ReachabilityView::summarize(const Reachability& r) {
    auto layersText = [](int l) { return l == 1 ? tr("1 layer") : tr("%1 layers").arg(l); };
    const size_t last = size_t(r.n - 1);
    if (r.fullAllQueries > 0)
        return tr("Full context reached after %1 (every query); the last token after %2.")
            .arg(layersText(r.fullAllQueries), layersText(r.fullLastQuery));
    if (r.fullLastQuery > 0)
        return tr("The last token reaches its full context after %1; some queries do not within %2.")
            .arg(layersText(r.fullLastQuery), layersText(r.layers));
    return tr("Not within %1: the last token reaches %2 of its %3 tokens (%4 tokens back without a gap).")
        .arg(layersText(r.layers))
        .arg(r.reached[last])
        .arg(r.n)
        .arg(r.reachBack[last]);
}

QString ReachabilityView::summaryText() const {
    if (!result_) return {};
    QString text = summarize(*result_);
    if (stage_ && stage_->pattern.needsScores())
        text += tr(" (This pattern picks keys from the data: layer %1 head %2's mask is used in every layer.)")
                    .arg(stage_->selection.layer)
                    .arg(stage_->selection.head);
    return text;
}

}  // namespace sparsescope::ui
