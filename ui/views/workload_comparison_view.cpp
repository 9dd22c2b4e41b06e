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
    plot_->setMinimumHeight(260);

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
    plot_->clearPlottables();
    plot_->clearItems();
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
            if (r.retrieval) label += r.retrieval->sparse ? tr("\nretrieved ✓") : tr("\nlost ✗");
            labels << label;
        }
    }
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    ticker->addTicks(ticks, labels);
    plot_->xAxis->setTicker(ticker);
    plot_->xAxis->setTickLabelRotation(labels.size() > 5 ? 25 : 0);
    plot_->xAxis->setSubTicks(false);
    plot_->xAxis->setRange(0.4, std::max<double>(1, ticks.size()) + 0.6);
    plot_->yAxis->setLabel(tr("attention recall (mean)"));
    plot_->yAxis->setRange(0, 1.05);
    plot_->yAxis2->setVisible(true);
    plot_->yAxis2->setLabel(tr("Δ loss (nats, sparse − dense)"));
    double lmax = 0.05, lmin = 0;
    for (double l : loss) {
        lmax = std::max(lmax, l);
        lmin = std::min(lmin, l);
    }
    plot_->yAxis2->setRange(lmin * 1.1, lmax * 1.15);

    auto* group = new QCPBarsGroup(plot_);
    auto* recallBars = new QCPBars(plot_->xAxis, plot_->yAxis);
    recallBars->setName(tr("recall (left axis)"));
    recallBars->setBrush(QColor(31, 119, 180, 200));
    recallBars->setPen(QPen(QColor(31, 119, 180)));
    recallBars->setWidth(0.35);
    recallBars->setData(ticks, recall, true);
    recallBars->setBarsGroup(group);
    auto* lossBars = new QCPBars(plot_->xAxis, plot_->yAxis2);
    lossBars->setName(tr("Δ loss (right axis)"));
    lossBars->setBrush(QColor(214, 39, 40, 200));
    lossBars->setPen(QPen(QColor(214, 39, 40)));
    lossBars->setWidth(0.35);
    lossBars->setData(ticks, loss, true);
    lossBars->setBarsGroup(group);
    plot_->legend->setVisible(true);
    plot_->legend->setFont(QFont(plot_->font().family(), 9));
    plot_->legend->setBrush(QColor(255, 255, 255, 225));
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
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
