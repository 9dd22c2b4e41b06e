#include "ui/views/sweep_view.h"

#include "core/common/error.h"
#include "core/explore/explore_export.h"
#include "core/pattern/pattern_params.h"
#include "core/pattern/presets.h"
#include "ui/controller/analysis_controller.h"
#include "ui/views/sweep_plot.h"
#include "ui/views/view_job.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <set>

namespace sparsescope::ui {

namespace {

QString joinValues(const std::vector<double>& values) {
    QStringList parts;
    for (double v : values) parts << QString::number(v, 'g', 10);
    return parts.join(QStringLiteral(", "));
}

// The current pattern's rules with the swept parameter cleared: two patterns that
// differ only in that parameter are points of the same curve.
PatternSpec withoutParam(const PatternSpec& s, const std::string& param) {
    PatternSpec out = s;
    try {
        out = withPatternParam(s, param, 0.0);
    } catch (const Error&) {
        // block_size 0 is invalid: compare with a fixed stand-in instead.
        out = withPatternParam(s, param, 1.0);
    }
    out.preset = "custom";
    return out;
}

}  // namespace

SweepView::SweepView(AnalysisController* controller, QWidget* parent)
    : QWidget(parent), controller_(controller), job_(new ViewJob(this)) {
    buildControls();
    connect(job_, &ViewJob::started, this, [this] {
        progress_->setValue(0);
        progress_->show();
        cancelButton_->setEnabled(true);
        emit sweepStarted();
    });
    connect(job_, &ViewJob::progress, this, [this](int done, int total) {
        progress_->setRange(0, total);
        progress_->setValue(done);
        emit sweepProgress(done, total);
    });
    auto idle = [this] {
        progress_->hide();
        cancelButton_->setEnabled(false);
    };
    connect(job_, &ViewJob::finished, this, [this, idle] {
        idle();
        emit sweepFinished();
    });
    connect(job_, &ViewJob::cancelled, this, [this, idle] {
        idle();
        status_->setText(tr("Sweep cancelled."));
    });
    connect(job_, &ViewJob::failed, this, [this, idle](const QString& problem) {
        idle();
        status_->setText(tr("Sweep failed: %1").arg(problem));
        emit sweepFailed(problem);
    });
    connect(controller_, &AnalysisController::workloadChanged, this, &SweepView::onWorkloadChanged);
    connect(controller_, &AnalysisController::analysisRequested, this, &SweepView::onPatternChanged);
    if (controller_->workload()) onWorkloadChanged();
}

SweepView::~SweepView() { job_->cancel(); }

void SweepView::buildControls() {
    paramBox_ = new QComboBox;
    for (const PatternParam& p : patternParams()) {
        paramBox_->addItem(QString::fromUtf8(p.label), QString::fromUtf8(p.name));
        paramBox_->setItemData(paramBox_->count() - 1, QString::fromUtf8(p.description), Qt::ToolTipRole);
    }
    paramBox_->setToolTip(tr("The pattern parameter to step through; the other rules stay as they are."));
    connect(paramBox_, &QComboBox::activated, this, [this] { setParam(param()); });
    valuesEdit_ = new QLineEdit;
    valuesEdit_->setToolTip(tr("Values to try, separated by commas. The current value is always added."));
    presetsButton_ = new QToolButton;
    presetsButton_->setText(tr("Overlay presets ▾"));
    presetsButton_->setPopupMode(QToolButton::InstantPopup);
    presetsButton_->setStyleSheet(QStringLiteral("QToolButton::menu-indicator { image: none; width: 0px; }"));
    auto* menu = new QMenu(presetsButton_);
    for (const PresetInfo& p : builtinPresets()) {
        if (p.name == "dense") continue;
        QAction* a = menu->addAction(QString::fromStdString(p.title));
        a->setData(QString::fromStdString(p.name));
        a->setCheckable(true);
        a->setToolTip(QString::fromStdString(p.description + "\n" + p.source));
    }
    menu->setToolTipsVisible(true);
    presetsButton_->setMenu(menu);
    presetsButton_->setToolTip(tr("Sweep these presets too, each as its own curve."));

    costBox_ = new QComboBox;
    costBox_->addItem(tr("x: density"));
    costBox_->addItem(tr("x: FLOPs share"));
    connect(costBox_, &QComboBox::activated, this,
            [this](int i) { setCostAxis(i == 0 ? CostAxis::Density : CostAxis::FlopsShare); });
    accuracyBox_ = new QComboBox;
    accuracyBox_->addItem(tr("y: recall (mean)"));
    accuracyBox_->addItem(tr("y: Δ loss (model level)"));
    connect(accuracyBox_, &QComboBox::activated, this,
            [this](int i) { setAccuracyAxis(i == 0 ? AccuracyAxis::RecallMean : AccuracyAxis::LossDelta); });
    runButton_ = new QPushButton(tr("Run sweep"));
    connect(runButton_, &QPushButton::clicked, this, &SweepView::run);
    cancelButton_ = new QPushButton(tr("Cancel"));
    cancelButton_->setEnabled(false);
    connect(cancelButton_, &QPushButton::clicked, this, &SweepView::cancel);
    progress_ = new QProgressBar;
    progress_->setMaximumWidth(160);
    progress_->hide();
    status_ = new QLabel(tr("Load a workload, pick a parameter and press Run."));
    status_->setWordWrap(true);

    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(420, 300);
    plot_->setInteractions(QCP::iSelectPlottables);
    connect(plot_, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* p, int index, QMouseEvent*) { onPlottableClick(p, index); });

    auto* row1 = new QHBoxLayout;
    row1->addWidget(new QLabel(tr("Parameter")));
    row1->addWidget(paramBox_);
    row1->addWidget(new QLabel(tr("values")));
    row1->addWidget(valuesEdit_, 1);
    row1->addWidget(presetsButton_);
    auto* row2 = new QHBoxLayout;
    row2->addWidget(costBox_);
    row2->addWidget(accuracyBox_);
    row2->addStretch(1);
    row2->addWidget(progress_);
    row2->addWidget(cancelButton_);
    row2->addWidget(runButton_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(row1);
    layout->addLayout(row2);
    layout->addWidget(status_);
    layout->addWidget(plot_, 1);
    setParam(QStringLiteral("window"));
    redraw();
}

void SweepView::setParam(const QString& name) {
    const int index = paramBox_->findData(name);
    if (index < 0) return;
    paramBox_->setCurrentIndex(index);
    const WorkloadPtr w = controller_->workload();
    setValues(defaultSweepValues(name.toStdString(), w ? w->n() : 1024, 8));
}

QString SweepView::param() const { return paramBox_->currentData().toString(); }

void SweepView::setValues(const std::vector<double>& values) { valuesEdit_->setText(joinValues(values)); }

std::vector<double> SweepView::values() const {
    std::vector<double> out;
    for (const QString& part : valuesEdit_->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const double v = part.trimmed().toDouble(&ok);
        if (!ok) throw Error("<input>", "values", "'" + part.trimmed().toStdString() + "' is not a number");
        out.push_back(v);
    }
    if (out.empty()) throw Error("<input>", "values", "give at least one value, e.g. 16, 32, 64");
    return out;
}

void SweepView::setOverlayPresets(const QStringList& names) {
    for (QAction* a : presetsButton_->menu()->actions()) a->setChecked(names.contains(a->data().toString()));
}

QStringList SweepView::overlayPresets() const {
    QStringList names;
    for (QAction* a : presetsButton_->menu()->actions())
        if (a->isChecked()) names << a->data().toString();
    return names;
}

void SweepView::setCostAxis(CostAxis axis) {
    cost_ = axis;
    costBox_->setCurrentIndex(axis == CostAxis::Density ? 0 : 1);
    redraw();
}

void SweepView::setAccuracyAxis(AccuracyAxis axis) {
    accuracy_ = axis;
    accuracyBox_->setCurrentIndex(axis == AccuracyAxis::RecallMean ? 0 : 1);
    if (modelLevel() && !results_.empty() && !resultModelLevel_)
        markStale(tr("Δ loss needs the model level: press Run to compute it."));
    redraw();
}

void SweepView::setBudget(const AccuracyBudget& budget) {
    budget_ = budget;
    redraw();
}

bool SweepView::isRunning() const { return job_->isRunning(); }

QString SweepView::statusText() const { return status_->text(); }

void SweepView::run() {
    const WorkloadPtr w = controller_->workload();
    if (!w || w->n() == 0) {
        status_->setText(tr("Load a workload first."));
        return;
    }
    const std::string name = param().toStdString();
    const PatternSpec current = controller_->pattern();
    std::vector<std::pair<PatternSpec, std::vector<double>>> curves;
    try {
        std::vector<double> vals = values();
        vals.push_back(getPatternParam(current, name));  // the current setting is always a point
        std::sort(vals.begin(), vals.end());
        vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
        curves.emplace_back(current, vals);
        for (const QString& p : overlayPresets()) curves.emplace_back(presetSpec(p.toStdString()), values());
        for (const auto& [base, vs] : curves)
            for (double v : vs) withPatternParam(base, name, v);  // refuse bad values before starting
        if (modelLevel() && !w->hasModel())
            throw Error("<input>", "model level", "a Q/K/V set has no model: choose recall on the y axis");
    } catch (const Error& e) {
        status_->setText(tr("Cannot sweep: %1").arg(QString::fromStdString(e.what())));
        emit sweepFailed(QString::fromStdString(e.what()));
        return;
    }
    const bool ml = modelLevel();
    const LayerSet layers = controller_->patternLayers();
    const float scale = w->scales.empty() ? 0.0f : w->scales.front();
    status_->setText(tr("Sweeping %1 over %2 values…").arg(paramBox_->currentText()).arg(curves.front().second.size()));
    job_->start([this, w, curves, name, ml, layers, scale](const std::atomic<bool>& cancel, const ViewJob::Progress& progress) {
        int total = 0;
        for (const auto& c : curves) total += int(c.second.size()) * (ml ? 2 : 1);
        std::vector<SweepResult> out;
        int before = 0;
        for (const auto& [base, vs] : curves) {
            SweepOptions o;
            o.layers = layers;
            o.scale = scale;
            o.modelLevel = ml;
            o.model = w->model.get();
            o.ids = &w->ids;
            o.denseLogits = &w->denseLogits;
            o.cancel = &cancel;
            o.progress = [&](int done, int) {
                progress(before + done, total);
                return true;
            };
            out.push_back(runSweep(w->layers, base, name, vs, o));
            before += int(vs.size()) * (ml ? 2 : 1);
            if (cancel.load()) break;
        }
        return std::function<void()>([this, w, out = std::move(out), ml] {
            results_ = out;
            sweptWorkload_ = w;
            resultModelLevel_ = ml;
            stale_ = false;
            staleWhy_.clear();
            status_->setText(tr("%1 over %2 values on %3 tokens. Click a point to apply it.")
                                 .arg(paramBox_->currentText())
                                 .arg(results_.front().rows.size())
                                 .arg(w->n()));
            redraw();
        });
    });
}

void SweepView::cancel() { job_->cancel(); }

void SweepView::markStale(const QString& why) {
    stale_ = true;
    staleWhy_ = why;
    status_->setText(why);
}

void SweepView::onWorkloadChanged() {
    job_->cancel();
    results_.clear();
    sweptWorkload_.reset();
    stale_ = false;
    setParam(param());
    status_->setText(tr("New workload: press Run to sweep it."));
    redraw();
}

void SweepView::onPatternChanged() {
    if (results_.empty()) {
        redraw();
        return;
    }
    const SweepResult& main = results_.front();
    const bool sameCurve = sameRules(withoutParam(controller_->pattern(), main.param), withoutParam(main.base, main.param)) &&
                           controller_->patternLayers() == main.layers;
    if (!sameCurve && !stale_) {
        if (job_->isRunning()) job_->cancel();  // its inputs are no longer the current ones
        markStale(tr("The pattern or its layers changed since this sweep: press Run to sweep the new one."));
    }
    redraw();
}

void SweepView::onPlottableClick(QCPAbstractPlottable* plottable, int dataIndex) {
    for (size_t c = 0; c < curves_.size(); ++c) {
        if (curves_[c] != plottable) continue;
        const auto it = curves_[c]->data()->at(dataIndex);
        applyPoint(int(c), int(it->t));
        return;
    }
    // The markers drawn on top of the curves carry (curve, row) in their data order.
    if (auto* marker = qobject_cast<QCPCurve*>(plottable)) {
        const QVariant pts = marker->property("points");
        const QVariantList list = pts.toList();
        if (dataIndex >= 0 && dataIndex < list.size()) {
            const QPoint cr = list[dataIndex].toPoint();
            applyPoint(cr.x(), cr.y());
        }
    }
}

void SweepView::applyPoint(int curve, int row) {
    if (curve < 0 || size_t(curve) >= results_.size()) return;
    const auto& rows = results_[size_t(curve)].rows;
    if (row < 0 || size_t(row) >= rows.size()) return;
    emit pointApplied(rows[size_t(row)].pattern);
}

QVector<QPointF> SweepView::plottedPoints(int curve) const {
    QVector<QPointF> out;
    if (curve < 0 || size_t(curve) >= curves_.size()) return out;
    for (auto it = curves_[size_t(curve)]->data()->constBegin(); it != curves_[size_t(curve)]->data()->constEnd(); ++it)
        out << QPointF(it->key, it->value);
    return out;
}

void SweepView::redraw() {
    SweepPlotInput in;
    in.results = &results_;
    in.cost = cost_;
    in.accuracy = accuracy_;
    in.budgetLimit = accuracy_ == AccuracyAxis::RecallMean ? budget_.recallMean : budget_.lossDelta;
    in.current = controller_->pattern();
    in.currentLayers = controller_->patternLayers();
    in.paramLabel = paramBox_->currentText();
    in.stale = stale_;
    const SweepPlotOutput out = drawSweepPlot(plot_, in);
    curves_ = out.curves;
    current_ = out.current;
    withinBudget_ = out.withinBudget;
}

QString SweepView::toCsv() const { return QString::fromStdString(sweepCsv(results_, resultModelLevel_)); }

QByteArray SweepView::toJson() const {
    nlohmann::json j;
    j["cost_axis"] = cost_ == CostAxis::Density ? "density" : "flops_share";
    j["accuracy_axis"] = accuracy_ == AccuracyAxis::RecallMean ? "recall_mean" : "loss_delta";
    j["sweeps"] = nlohmann::json::array();
    for (const SweepResult& s : results_) j["sweeps"].push_back(sweepToJson(s));
    return QByteArray::fromStdString(j.dump(2));
}

}  // namespace sparsescope::ui
