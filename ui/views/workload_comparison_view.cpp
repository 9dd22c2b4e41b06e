#include "ui/views/workload_comparison_view.h"

#include "core/common/error.h"
#include "core/explore/explore_export.h"
#include "ui/controller/analysis_controller.h"
#include "ui/views/view_job.h"
#include "ui/views/workload_comparison_model.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>

namespace sparsescope::ui {

WorkloadComparisonView::WorkloadComparisonView(AnalysisController* controller, QWidget* parent)
    : QWidget(parent), controller_(controller), job_(new ViewJob(this)), model_(new WorkloadComparisonModel(this)) {
    sourceBox_ = new QComboBox;
    sourceBox_->addItem(tr("Bundled samples"));
    sourceBox_->addItem(tr("Folder…"));
    sourceBox_->setToolTip(tr("Compare on the bundled samples or on every text file of a folder."));
    connect(sourceBox_, &QComboBox::activated, this, [this](int i) {
        if (i == 1) pickFolder();
        else setFolder(QString());
    });
    maxTokens_ = new QSpinBox;
    maxTokens_->setRange(64, 1 << 20);
    maxTokens_->setValue(512);
    maxTokens_->setSuffix(tr(" tokens"));
    maxTokens_->setToolTip(tr("At most this many tokens per text; passkey and key-value tasks are remade smaller "
                              "so the question and the answer stay."));
    runButton_ = new QPushButton(tr("Compare"));
    runButton_->setToolTip(tr("Evaluate the current pattern on every workload"));
    connect(runButton_, &QPushButton::clicked, this, &WorkloadComparisonView::run);
    cancelButton_ = new QPushButton(tr("Cancel"));
    cancelButton_->setEnabled(false);
    connect(cancelButton_, &QPushButton::clicked, this, &WorkloadComparisonView::cancel);
    progress_ = new QProgressBar;
    progress_->setMaximumWidth(160);
    progress_->hide();
    status_ = new QLabel(tr("Press Compare to evaluate the current pattern on every workload."));
    status_->setWordWrap(true);

    table_ = new QTableView;
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    plot_ = new QCustomPlot;
    plot_->setMinimumHeight(340);

    auto* row = new QHBoxLayout;
    row->addWidget(sourceBox_);
    row->addWidget(new QLabel(tr("max")));
    row->addWidget(maxTokens_);
    row->addStretch(1);
    row->addWidget(progress_);
    row->addWidget(cancelButton_);
    row->addWidget(runButton_);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(table_);
    split->addWidget(plot_);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(status_);
    layout->addWidget(split, 1);

    connect(job_, &ViewJob::started, this, [this] {
        progress_->setValue(0);
        progress_->show();
        cancelButton_->setEnabled(true);
        emit comparisonStarted();
    });
    connect(job_, &ViewJob::progress, this, [this](int done, int total) {
        progress_->setRange(0, total);
        progress_->setValue(done);
        emit comparisonProgress(done, total);
    });
    auto idle = [this] {
        progress_->hide();
        cancelButton_->setEnabled(false);
    };
    connect(job_, &ViewJob::finished, this, [this, idle] {
        idle();
        emit comparisonFinished();
    });
    connect(job_, &ViewJob::cancelled, this, [this, idle] {
        idle();
        status_->setText(tr("Comparison cancelled."));
    });
    connect(job_, &ViewJob::failed, this, [this, idle](const QString& problem) {
        idle();
        status_->setText(tr("Comparison failed: %1").arg(problem));
        emit comparisonFailed(problem);
    });
    connect(controller_, &AnalysisController::workloadChanged, this, &WorkloadComparisonView::onInputsChanged);
    connect(controller_, &AnalysisController::analysisRequested, this, [this] {
        const auto c = model_->comparison();
        if (c && (!sameRules(c->pattern, controller_->pattern()) || c->layers != controller_->patternLayers()))
            onInputsChanged();
    });
    redrawChart();
}

WorkloadComparisonView::~WorkloadComparisonView() { job_->cancel(); }

void WorkloadComparisonView::setSamplesDir(const QString& dir) { samplesDir_ = dir; }

void WorkloadComparisonView::setFolder(const QString& folder) {
    folder_ = folder;
    sourceBox_->setItemText(1, folder.isEmpty() ? tr("Folder…") : tr("Folder: %1").arg(folder));
    sourceBox_->setCurrentIndex(folder.isEmpty() ? 0 : 1);
}

void WorkloadComparisonView::setMaxTokens(int tokens) { maxTokens_->setValue(tokens); }
int WorkloadComparisonView::maxTokens() const { return maxTokens_->value(); }
bool WorkloadComparisonView::isRunning() const { return job_->isRunning(); }
QString WorkloadComparisonView::statusText() const { return status_->text(); }
std::shared_ptr<const WorkloadComparison> WorkloadComparisonView::comparison() const { return model_->comparison(); }

void WorkloadComparisonView::pickFolder() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder of text files to compare"));
    setFolder(dir);
}

void WorkloadComparisonView::onInputsChanged() {
    if (job_->isRunning()) job_->cancel();  // its pattern or model is no longer the current one
    if (model_->comparison() && !stale_) {
        stale_ = true;
        status_->setText(tr("The pattern or the workload changed: press Compare to evaluate again."));
    }
}

void WorkloadComparisonView::run() {
    const WorkloadPtr w = controller_->workload();
    if (!w || !w->hasModel()) {
        status_->setText(tr("The comparison runs a model: open a model folder first."));
        emit comparisonFailed(status_->text());
        return;
    }
    if (folder_.isEmpty() && samplesDir_.isEmpty()) {
        status_->setText(tr("No bundled samples were found: choose a folder."));
        emit comparisonFailed(status_->text());
        return;
    }
    const PatternSpec pattern = controller_->pattern();
    const LayerSet layers = controller_->patternLayers();
    const std::string folder = folder_.toStdString(), samples = samplesDir_.toStdString();
    const int64_t maxTokens = maxTokens_->value();
    status_->setText(tr("Comparing on %1…").arg(folder_.isEmpty() ? tr("the bundled samples") : folder_));
    job_->start([this, w, pattern, layers, folder, samples, maxTokens](const std::atomic<bool>& cancel,
                                                                       const ViewJob::Progress& progress) {
        std::vector<std::string> skipped;
        const std::vector<WorkloadText> texts = folder.empty() ? bundledWorkloads(samples) : folderWorkloads(folder, &skipped);
        progress(0, int(texts.size()));
        ComparisonOptions o;
        o.layers = layers;
        o.maxTokens = maxTokens;
        o.cancel = &cancel;
        o.progress = [&](int done, int total) {
            progress(done, total);
            return true;
        };
        auto result = std::make_shared<const WorkloadComparison>(compareWorkloads(*w->model, texts, pattern, o));
        return std::function<void()>([this, result, skipped] {
            model_->setComparison(result);
            stale_ = false;
            QString text = tr("%1 workloads, pattern %2.").arg(result->rows.size()).arg(QString::fromStdString(result->pattern.preset));
            if (!skipped.empty()) text += tr(" Skipped %1 file(s) that are not text.").arg(skipped.size());
            status_->setText(text);
            redrawChart();
        });
    });
}

void WorkloadComparisonView::cancel() { job_->cancel(); }

void WorkloadComparisonView::redrawChart() {
    // Two panels over the same workloads: recall (top) and Δ loss (bottom, with the
    // workload names), each on its own scale with zero where the bars start.
    plot_->clearPlottables();
    plot_->clearItems();
    if (plot_->axisRectCount() < 2) {
        auto* lossRect = new QCPAxisRect(plot_);
        plot_->plotLayout()->addElement(1, 0, lossRect);
        auto* margins = new QCPMarginGroup(plot_);
        plot_->axisRect(0)->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
        lossRect->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
        plot_->axisRect(0)->axis(QCPAxis::atBottom)->setTickLabels(false);
    }
    QCPAxisRect* top = plot_->axisRect(0);
    QCPAxisRect* bottom = plot_->axisRect(1);
    const auto c = model_->comparison();
    QVector<double> ticks, recall, loss;
    QVector<QString> labels;
    if (c) {
        for (size_t i = 0; i < c->rows.size(); ++i) {
            const WorkloadRow& r = c->rows[i];
            ticks << double(i + 1);
            recall << r.attention.recallMean;
            loss << r.eval.lossDelta;
            QString label = QString::fromStdString(r.workload.id);
            if (r.retrieval) label += r.retrieval->sparse ? tr("\nanswer retrieved ✓") : tr("\nanswer lost ✗");
            labels << label;
        }
    }
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    ticker->addTicks(ticks, labels);
    const double xlo = 0.4, xhi = std::max<double>(1, ticks.size()) + 0.6;
    for (QCPAxisRect* rect : {top, bottom}) {
        QCPAxis* x = rect->axis(QCPAxis::atBottom);
        x->setTicker(ticker);
        x->setSubTicks(false);
        x->setRange(xlo, xhi);
    }
    bottom->axis(QCPAxis::atBottom)->setTickLabelRotation(labels.size() > 5 ? -20 : 0);
    top->axis(QCPAxis::atLeft)->setLabel(tr("recall (mean)"));
    top->axis(QCPAxis::atLeft)->setRange(0, 1.18);  // room for the labels above the bars
    double lmax = 0.05, lmin = 0;
    for (double l : loss) {
        lmax = std::max(lmax, l);
        lmin = std::min(lmin, l);
    }
    const double pad = 0.1 * (lmax - lmin);
    bottom->axis(QCPAxis::atLeft)->setLabel(tr("Δ loss (nats)"));
    bottom->axis(QCPAxis::atLeft)->setRange(lmin - (lmin < 0 ? pad : 0), lmax + pad);

    auto* recallBars = new QCPBars(top->axis(QCPAxis::atBottom), top->axis(QCPAxis::atLeft));
    recallBars->setName(tr("recall"));
    recallBars->setBrush(QColor(31, 119, 180, 200));
    recallBars->setPen(QPen(QColor(31, 119, 180)));
    recallBars->setWidth(0.55);
    recallBars->setData(ticks, recall, true);
    auto* lossBars = new QCPBars(bottom->axis(QCPAxis::atBottom), bottom->axis(QCPAxis::atLeft));
    lossBars->setName(tr("Δ loss"));
    lossBars->setBrush(QColor(214, 39, 40, 200));
    lossBars->setPen(QPen(QColor(214, 39, 40)));
    lossBars->setWidth(0.55);
    lossBars->setData(ticks, loss, true);
    // Each bar's value above it, so the chart reads without the table.
    for (int i = 0; i < ticks.size(); ++i) {
        auto* rt = new QCPItemText(plot_);
        rt->setClipAxisRect(top);
        rt->position->setAxes(top->axis(QCPAxis::atBottom), top->axis(QCPAxis::atLeft));
        rt->position->setCoords(ticks[i], recall[i]);
        rt->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        rt->setText(QString::number(100 * recall[i], 'f', 1) + QStringLiteral(" %"));
        rt->setFont(QFont(plot_->font().family(), 8));
        auto* lt = new QCPItemText(plot_);
        lt->setClipAxisRect(bottom);
        lt->position->setAxes(bottom->axis(QCPAxis::atBottom), bottom->axis(QCPAxis::atLeft));
        lt->position->setCoords(ticks[i], std::max(0.0, loss[i]));
        lt->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        lt->setText(QString::asprintf("%+.3f", loss[i]));
        lt->setFont(QFont(plot_->font().family(), 8));
    }
    plot_->legend->setVisible(false);
    plot_->replot();
}

QString WorkloadComparisonView::toCsv() const {
    const auto c = model_->comparison();
    return c ? QString::fromStdString(comparisonCsv(*c)) : QString();
}

QByteArray WorkloadComparisonView::toJson() const {
    const auto c = model_->comparison();
    return c ? QByteArray::fromStdString(comparisonToJson(*c).dump(2)) : QByteArray();
}

}  // namespace sparsescope::ui
