#include "ui/views/cost_context_view.h"

#include "core/common/error.h"

#include <QLabel>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <qcustomplot.h>

#include <cmath>

namespace sparsescope::ui {

namespace {

const QColor kFlopsColor(0x1f, 0x77, 0xb4);
const QColor kBytesColor(0xd6, 0x60, 0x0a);
const QColor kShareColor(0x2c, 0xa0, 0x2c);
const QColor kSpeedupColor(0x7b, 0x3f, 0xa0);

// "252", "8.2k", "41k", "1M".
QString tokensText(int64_t n) {
    if (n < 1000) return QString::number(n);
    if (n < 1000000) {
        const double k = double(n) / 1000.0;
        const bool whole = std::abs(k - std::round(k)) < 0.05;
        return (k < 10 && !whole ? QString::number(k, 'f', 1) : QString::number(std::llround(k))) + QStringLiteral("k");
    }
    const double m = double(n) / 1e6;
    return (m < 10 && std::abs(m - std::round(m)) > 0.05 ? QString::number(m, 'f', 1) : QString::number(std::llround(m))) +
           QStringLiteral("M");
}

QSharedPointer<QCPAxisTickerText> contextTicker() {
    auto t = QSharedPointer<QCPAxisTickerText>::create();
    for (double v : {1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6}) t->addTick(v, tokensText(int64_t(v)));
    return t;
}

QSharedPointer<QCPAxisTickerLog> logTicker() {
    auto t = QSharedPointer<QCPAxisTickerLog>::create();
    t->setLogBase(10);
    t->setSubTickCount(8);
    return t;
}

void setupContextAxis(QCPAxis* x, const QString& label) {
    x->setScaleType(QCPAxis::stLogarithmic);
    x->setTicker(contextTicker());
    x->setRange(1000, 1e6);
    x->setLabel(label);
}

void setupLogAxis(QCPAxis* y, const QString& label, const QColor& colour) {
    y->setScaleType(QCPAxis::stLogarithmic);
    y->setTicker(logTicker());
    y->setNumberFormat(QStringLiteral("eb"));
    y->setNumberPrecision(0);
    y->setLabel(label);
    y->setLabelColor(colour);
    y->setVisible(true);
    y->setTickLabels(true);
}

QPen pen(const QColor& c, bool dashed, double width = 2.0) {
    QPen p(c, width);
    if (dashed) p.setStyle(Qt::DashLine);
    return p;
}

QCPGraph* addGraph(QCustomPlot* plot, QCPAxis* x, QCPAxis* y, const QString& name, const QPen& p) {
    QCPGraph* g = plot->addGraph(x, y);
    g->setName(name);
    g->setPen(p);
    return g;
}

QString crossoverText(const char* what, const Crossovers& c) {
    auto one = [](int64_t n) { return n > 0 ? QStringLiteral("%1 tokens").arg(tokensText(n)) : QStringLiteral("never (≤ 1M)"); };
    return QStringLiteral("%1: cheaper than dense from %2, 2× from %3, 10× from %4.")
        .arg(QString::fromUtf8(what), one(c.cheaper), one(c.saving2x), one(c.saving10x));
}

}  // namespace

CostContextView::CostContextView(QWidget* parent) : QWidget(parent) {
    grid_ = contextGrid(1000, 1000000, 8);
    auto* layout = new QVBoxLayout(this);
    title_ = new QLabel;
    title_->setWordWrap(true);
    layout->addWidget(title_);
    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(360, 200);
    costRect_ = plot_->axisRect();
    shareRect_ = new QCPAxisRect(plot_);
    plot_->plotLayout()->addElement(1, 0, shareRect_);
    plot_->plotLayout()->setRowStretchFactor(0, 1.4);
    plot_->plotLayout()->setRowStretchFactor(1, 1.0);
    auto* margins = new QCPMarginGroup(plot_);
    costRect_->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    shareRect_->setMarginGroup(QCP::msLeft | QCP::msRight, margins);

    setupContextAxis(costRect_->axis(QCPAxis::atBottom), tr("context length (tokens)"));
    setupLogAxis(costRect_->axis(QCPAxis::atLeft), tr("attention FLOPs per decoded token"), kFlopsColor);
    setupLogAxis(costRect_->axis(QCPAxis::atRight), tr("KV bytes read per decoded token"), kBytesColor);
    setupContextAxis(shareRect_->axis(QCPAxis::atBottom), tr("context length (tokens)"));
    QCPAxis* share = shareRect_->axis(QCPAxis::atLeft);
    share->setLabel(tr("attention share of model FLOPs (%)"));
    share->setLabelColor(kShareColor);
    share->setRange(0, 100);
    QCPAxis* speed = shareRect_->axis(QCPAxis::atRight);
    speed->setVisible(true);
    speed->setTickLabels(true);
    speed->setScaleType(QCPAxis::stLogarithmic);
    auto speedTicks = QSharedPointer<QCPAxisTickerLog>::create();
    speedTicks->setSubTickCount(8);
    speed->setTicker(speedTicks);
    speed->setLabel(tr("whole-model speed-up (×, log)"));
    speed->setLabelColor(kSpeedupColor);

    QCPAxis* cx = costRect_->axis(QCPAxis::atBottom);
    addGraph(plot_, cx, costRect_->axis(QCPAxis::atLeft), tr("FLOPs, dense"), pen(kFlopsColor, true));
    addGraph(plot_, cx, costRect_->axis(QCPAxis::atLeft), tr("FLOPs, pattern"), pen(kFlopsColor, false));
    addGraph(plot_, cx, costRect_->axis(QCPAxis::atRight), tr("KV bytes, dense"), pen(kBytesColor, true));
    addGraph(plot_, cx, costRect_->axis(QCPAxis::atRight), tr("KV bytes, pattern"), pen(kBytesColor, false));
    QCPAxis* sx = shareRect_->axis(QCPAxis::atBottom);
    auto* shareLegend = new QCPLegend;
    shareRect_->insetLayout()->addElement(shareLegend, Qt::AlignTop | Qt::AlignLeft);
    shareLegend->setLayer(QStringLiteral("legend"));
    QCPGraph* g = addGraph(plot_, sx, share, tr("attention share, dense"), pen(kShareColor, true));
    plot_->legend->removeItem(plot_->legend->itemCount() - 1);
    g->addToLegend(shareLegend);
    g = addGraph(plot_, sx, share, tr("attention share, pattern"), pen(kShareColor, false));
    plot_->legend->removeItem(plot_->legend->itemCount() - 1);
    g->addToLegend(shareLegend);
    g = addGraph(plot_, sx, speed, tr("whole-model speed-up"), pen(kSpeedupColor, false));
    plot_->legend->removeItem(plot_->legend->itemCount() - 1);
    g->addToLegend(shareLegend);
    plot_->legend->setVisible(true);
    costRect_->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    for (QCPLegend* l : {plot_->legend, shareLegend}) {
        l->setBrush(QColor(255, 255, 255, 220));
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 0.9);
        l->setFont(f);
    }
    layout->addWidget(plot_, 1);
    summary_ = new QLabel;
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(summary_);
    title_->setText(tr("Cost against context length: open a model or a Q/K/V set."));
    debounce_.setSingleShot(true);
    debounce_.setInterval(120);
    connect(&debounce_, &QTimer::timeout, this, &CostContextView::recompute);
}

CostContextView::~CostContextView() = default;

void CostContextView::setWorkload(const WorkloadPtr& workload) {
    if (workload == workload_) return;
    workload_ = workload;
    computing_ = workload_ && pattern_;
    debounce_.start();
}

void CostContextView::setPattern(const PatternSpec& pattern) {
    if (pattern_ && samePattern(*pattern_, pattern)) {
        pattern_ = pattern;  // a new preset name only
        return;
    }
    pattern_ = pattern;
    computing_ = workload_ != nullptr;
    debounce_.start();
}

void CostContextView::recompute() {
    if (!workload_ || !pattern_ || workload_->layers.empty()) {
        computing_ = false;
        return;
    }
    const Workload& w = *workload_;
    const PatternSpec spec = *pattern_;
    AttentionShape shape;
    std::optional<ModelConfig> config;
    try {
        if (w.model) {
            config = w.model->config();
            shape = attentionShapeOf(*config);
        } else {
            const LayerCapture& c = w.layers.front();
            shape.layers = w.layerCount();
            shape.heads = c.q.heads;
            shape.kvHeads = c.k.heads;
            shape.headDim = c.q.d;
            shape.valueDim = w.hasV ? c.v.d : c.q.d;
            shape.source = "the Q/K/V set's shape";
        }
    } catch (const Error& e) {
        title_->setText(tr("Cost against context length: %1").arg(QString::fromStdString(e.what())));
        computing_ = false;
        return;
    }
    const uint64_t request = ++request_;
    computing_ = true;
    watcher_ = std::make_unique<QFutureWatcher<std::shared_ptr<ContextCostCurves>>>();
    auto* watcher = watcher_.get();
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, request] {
        if (request != request_) return;
        computing_ = false;
        const auto result = watcher->result();
        if (!result) return;
        curves_ = *result;
        show(*curves_);
        emit computed();
    });
    const std::vector<int64_t> grid = grid_;
    watcher->setFuture(QtConcurrent::run([spec, shape, config, grid]() -> std::shared_ptr<ContextCostCurves> {
        try {
            return std::make_shared<ContextCostCurves>(contextCostCurves(spec, shape, config ? &*config : nullptr, grid));
        } catch (const Error&) {
            return nullptr;  // an invalid pattern: the controller reports it
        }
    }));
}

void CostContextView::show(const ContextCostCurves& c) {
    QVector<double> x, v[CurveCount];
    for (const ContextCostPoint& p : c.points) {
        x << double(p.context);
        v[FlopsDense] << p.decodeFlopsDense;
        v[FlopsPattern] << p.decodeFlopsPattern;
        v[BytesDense] << p.kvBytesDense;
        v[BytesPattern] << p.kvBytesPattern;
        v[ShareDense] << 100.0 * p.decodeShareDense;
        v[SharePattern] << 100.0 * p.decodeSharePattern;
        v[ModelSpeedup] << p.decodeModelSpeedup;
    }
    for (int k = 0; k < CurveCount; ++k) {
        const bool modelCurve = k >= ShareDense;
        plot_->graph(k)->setData(x, modelCurve && !c.hasModel ? QVector<double>() : v[k], true);
        plot_->graph(k)->setVisible(!modelCurve || c.hasModel);
    }
    // Both cost axes span the same number of decades, so equal ratios look equal
    // (the dense-to-pattern gap of FLOPs and of bytes can be compared by eye).
    auto decades = [&](int a, int b) {
        double lo = 1e300, hi = 0;
        for (int k : {a, b})
            for (double y : v[k])
                if (y > 0) lo = std::min(lo, y), hi = std::max(hi, y);
        return hi > 0 ? std::pair{std::floor(std::log10(lo)), std::ceil(std::log10(hi))} : std::pair{0.0, 1.0};
    };
    const auto fl = decades(FlopsDense, FlopsPattern), by = decades(BytesDense, BytesPattern);
    const double span = std::max({fl.second - fl.first, by.second - by.first, 1.0});
    costRect_->axis(QCPAxis::atLeft)->setRange(std::pow(10.0, fl.second - span), std::pow(10.0, fl.second));
    costRect_->axis(QCPAxis::atRight)->setRange(std::pow(10.0, by.second - span), std::pow(10.0, by.second));
    double top = 1.0;
    for (double s : v[ModelSpeedup]) top = std::max(top, s);
    shareRect_->axis(QCPAxis::atRight)->setRange(1.0, std::max(2.0, top * 1.3));
    markCrossovers(c);

    const QString patternName = QString::fromStdString(pattern_->preset);
    title_->setText(tr("<b>Cost against context length</b> — pattern “%1” vs dense, per decoded token, every layer "
                       "and head of %2. Computed from the pattern's rules, not by running the model.")
                        .arg(patternName.toHtmlEscaped(), QString::fromStdString(c.shape.source).toHtmlEscaped()));
    summary_->setText(summaryText());
    plot_->replot();
}

void CostContextView::markCrossovers(const ContextCostCurves& c) {
    plot_->clearItems();
    QCPAxis* x = costRect_->axis(QCPAxis::atBottom);
    QCPAxis* y = costRect_->axis(QCPAxis::atLeft);
    const std::pair<int64_t, QString> marks[] = {{c.decodeFlops.cheaper, tr("cheaper")},
                                                 {c.decodeFlops.saving2x, tr("2×")},
                                                 {c.decodeFlops.saving10x, tr("10×")}};
    int row = 0;
    for (const auto& [n, label] : marks) {
        if (n < grid_.front() || n > grid_.back()) continue;
        auto* line = new QCPItemStraightLine(plot_);
        line->setClipAxisRect(costRect_);
        line->point1->setAxes(x, y);
        line->point2->setAxes(x, y);
        line->point1->setCoords(double(n), 1);
        line->point2->setCoords(double(n), 10);
        line->setPen(QPen(QColor(0x55, 0x55, 0x55), 1, Qt::DotLine));
        auto* text = new QCPItemText(plot_);
        text->setClipAxisRect(costRect_);
        text->position->setAxisRect(costRect_);
        text->position->setTypeX(QCPItemPosition::ptPlotCoords);
        text->position->setAxes(x, y);
        text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords(double(n), 0.62 + 0.08 * row++);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        text->setText(QStringLiteral(" %1 at %2").arg(label, tokensText(n)));
        text->setColor(kFlopsColor);
        text->setBrush(QColor(255, 255, 255, 200));
    }
    QStringList below;
    for (const auto& [n, label] : marks)
        if (n > 0 && n < grid_.front()) below << QStringLiteral("%1 at %2").arg(label, tokensText(n));
    if (!below.isEmpty()) {
        auto* text = new QCPItemText(plot_);
        text->setClipAxisRect(costRect_);
        text->position->setAxisRect(costRect_);
        text->position->setType(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords(0.99, 0.97);
        text->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
        text->setText(tr("decode FLOPs crossovers below 1k tokens: %1").arg(below.join(QStringLiteral(", "))));
        text->setColor(kFlopsColor);
        text->setBrush(QColor(255, 255, 255, 220));
    }
    if (!c.hasModel) {
        auto* text = new QCPItemText(plot_);
        text->setClipAxisRect(shareRect_);
        text->position->setAxisRect(shareRect_);
        text->position->setType(QCPItemPosition::ptAxisRectRatio);
        text->position->setCoords(0.5, 0.5);
        text->setText(tr("Attention only: a Q/K/V set has no model config,\nso the whole-model share is unknown."));
    }
}

QString CostContextView::headline() const {
    if (!curves_) return {};
    const ContextCostCurves& c = *curves_;
    if (c.decodeDense) return tr("This pattern does not sparsify decoding: a decoded token costs what dense costs.");
    QString text;
    if (c.decodeFlops.cheaper == 0) text = tr("Per decoded token it never costs fewer attention FLOPs than dense up to 1M tokens.");
    else
        text = tr("Per decoded token its attention costs fewer FLOPs than dense from %1 tokens, half from %2, a tenth from %3.")
                   .arg(tokensText(c.decodeFlops.cheaper),
                        c.decodeFlops.saving2x ? tokensText(c.decodeFlops.saving2x) : tr("never (≤ 1M)"),
                        c.decodeFlops.saving10x ? tokensText(c.decodeFlops.saving10x) : tr("never (≤ 1M)"));
    if (c.hasModel)
        for (const ContextCostPoint& p : c.points)
            if (p.context == 100000)
                text += tr(" At 100k tokens the whole model runs %1× faster per decoded token (attention is %2 % of "
                           "its FLOPs dense).")
                            .arg(p.decodeModelSpeedup, 0, 'f', 2)
                            .arg(100.0 * p.decodeShareDense, 0, 'f', 0);
    return text;
}

QString CostContextView::summaryText() const {
    if (!curves_) return {};
    const ContextCostCurves& c = *curves_;
    QStringList lines;
    lines << crossoverText("Decode FLOPs", c.decodeFlops) << crossoverText("Decode KV bytes", c.decodeBytes)
          << crossoverText("Prefill FLOPs", c.prefillFlops);
    if (c.decodeDense) lines << tr("This pattern does not sparsify decoding (dense rows there).");
    if (c.prefillDense) lines << tr("This pattern does not sparsify the prefill (dense rows there).");
    if (c.dataDependent) lines << tr("Data-dependent rules: their budgets are upper bounds on the keys kept.");
    if (c.hasModel) {
        QStringList at;
        for (const ContextCostPoint& p : c.points) {
            if (p.context != 1000 && p.context != 10000 && p.context != 100000 && p.context != 1000000) continue;
            at << tr("%1: attention %2 % → %3 %, model %4×")
                      .arg(tokensText(p.context))
                      .arg(100.0 * p.decodeShareDense, 0, 'f', 1)
                      .arg(100.0 * p.decodeSharePattern, 0, 'f', 1)
                      .arg(p.decodeModelSpeedup, 0, 'f', 2);
        }
        lines << tr("Whole model per decoded token (other FLOPs %1 per token = 2 × matmul parameters): %2.")
                     .arg(c.otherFlopsPerToken, 0, 'g', 3)
                     .arg(at.join(QStringLiteral("; ")));
    } else {
        lines << tr("Attention only: a Q/K/V set has no model config, so the rest of the model is not counted.");
    }
    return lines.join(QLatin1Char('\n'));
}

}  // namespace sparsescope::ui
