#include "ui/window/main_window.h"

#include "core/common/error.h"
#include "ui/controller/analysis_controller.h"
#include "ui/gallery/head_gallery_model.h"
#include "ui/gallery/head_gallery_view.h"
#include "ui/heatmap/heatmap_view.h"
#include "ui/panels/deployment_panel.h"
#include "ui/panels/pattern_controls.h"
#include "ui/panels/readouts_panel.h"
#include "ui/window/recent_files.h"
#include "ui/panels/workload_panel.h"
#include "ui/views/compare_view.h"
#include "ui/window/export_actions.h"
#include "ui/window/session_actions.h"
#include "ui/window/window_layout.h"
#include "ui/views/sweep_view.h"
#include "ui/views/workload_comparison_view.h"

#include <QApplication>
#include <cmath>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QStatusBar>
#include <QVBoxLayout>

namespace sparsescope::ui {

namespace {

// The head with the most sharp long-range attention: summed over the rows whose
// densest key lies more than 32 tokens back and is not one of the first 4 tokens
// (the usual attention sinks), the weight of that key. Diffuse heads (spread
// thin over everything) score low, induction and retrieval heads high; a sparse
// pattern has something to lose there, so it makes a telling first view.
HeadSelection farReachingHead(const Workload& w) {
    HeadSelection best;
    double bestScore = -1;
    for (int l = 0; l < w.layerCount(); ++l) {
        for (int h = 0; h < w.headCount(); ++h) {
            const DenseReference& ref = w.dense[size_t(l)][size_t(h)];
            const ConstMapRM q = w.q(l, h), k = w.k(l, h);
            double score = 0;
            for (int64_t i = 0; i < ref.n; ++i) {
                const int32_t t = ref.top1[size_t(i)];
                if (t < 4 || t >= i - 32) continue;
                score += std::exp(double(q.row(i).dot(k.row(t))) * ref.scale - ref.lse[size_t(i)]);
            }
            if (score > bestScore) {
                bestScore = score;
                best = {l, h};
            }
        }
    }
    return best;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("SparseScope"));
    controller_ = new AnalysisController(this);
    heatmap_ = new HeatmapView;
    setCentralWidget(heatmap_);
    buildDocks();
    buildMenus();
    connectController();

    status_ = new QLabel(tr("Ready"));
    loadProgress_ = new QProgressBar;
    loadProgress_->setRange(0, 1000);
    loadProgress_->setMaximumWidth(220);
    loadProgress_->hide();
    cancelLoad_ = new QPushButton(tr("Cancel"));
    cancelLoad_->hide();
    connect(cancelLoad_, &QPushButton::clicked, controller_, &AnalysisController::cancelLoad);
    statusBar()->addWidget(status_, 1);
    statusBar()->addPermanentWidget(loadProgress_);
    statusBar()->addPermanentWidget(cancelLoad_);
    // Issue 6: sessions restore after the window's own handlers ran; the layout last (every dock exists).
    sessions_->connectController();
    new WindowLayout(this);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildDocks() {
    auto* left = new QWidget;
    auto* leftLayout = new QVBoxLayout(left);
    auto* workloadBox = new QGroupBox(tr("Workload"));
    workloadPanel_ = new WorkloadPanel;
    (new QVBoxLayout(workloadBox))->addWidget(workloadPanel_);
    auto* patternBox = new QGroupBox(tr("Pattern"));
    pattern_ = new PatternControls;
    (new QVBoxLayout(patternBox))->addWidget(pattern_);
    leftLayout->addWidget(workloadBox);
    leftLayout->addWidget(patternBox);
    leftLayout->addStretch(1);
    auto* leftScroll = new QScrollArea;
    leftScroll->setWidget(left);
    leftScroll->setWidgetResizable(true);
    leftScroll->setMinimumWidth(330);
    leftScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* leftDock = new QDockWidget(tr("Workload and pattern"), this);
    leftDock->setObjectName(QStringLiteral("controlsDock"));
    leftDock->setWidget(leftScroll);
    addDockWidget(Qt::LeftDockWidgetArea, leftDock);

    readouts_ = new ReadoutsPanel;
    auto* rightScroll = new QScrollArea;
    rightScroll->setWidget(readouts_);
    rightScroll->setWidgetResizable(true);
    rightScroll->setMinimumWidth(520);
    rightScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* rightDock = new QDockWidget(tr("Readouts"), this);
    rightDock->setObjectName(QStringLiteral("readoutsDock"));
    rightDock->setWidget(rightScroll);
    addDockWidget(Qt::RightDockWidgetArea, rightDock);

    // Deployment cost (roofline estimates), a tab beside the readouts.
    deployment_ = new DeploymentPanel;
    auto* deploymentDock = new QDockWidget(tr("Deployment cost (estimates)"), this);
    deploymentDock->setObjectName(QStringLiteral("deploymentDock"));
    deploymentDock->setWidget(deployment_);
    addDockWidget(Qt::RightDockWidgetArea, deploymentDock);

    galleryModel_ = new HeadGalleryModel(this);
    gallery_ = new HeadGalleryView(galleryModel_);
    auto* galleryDock = new QDockWidget(tr("All heads"), this);
    galleryDock->setObjectName(QStringLiteral("galleryDock"));
    galleryDock->setWidget(gallery_);
    addDockWidget(Qt::RightDockWidgetArea, galleryDock);
    splitDockWidget(rightDock, galleryDock, Qt::Vertical);
    tabifyDockWidget(rightDock, deploymentDock);
    rightDock->raise();
    resizeDocks({rightDock, galleryDock}, {580, 380}, Qt::Vertical);
    resizeDocks({leftDock, rightDock}, {330, 540}, Qt::Horizontal);

    // Issue 6: two patterns side by side (ui/views/compare_view.*), hidden until asked for.
    compare_ = new CompareView;
    compareDock_ = new QDockWidget(tr("Compare patterns"), this);
    compareDock_->setObjectName(QStringLiteral("compareDock"));
    compareDock_->setWidget(compare_);
    addDockWidget(Qt::BottomDockWidgetArea, compareDock_);
    compareDock_->hide();
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("Open &model folder…"), QKeySequence(tr("Ctrl+M")), this, &MainWindow::pickOpenModel);
    file->addAction(tr("Open &Q/K/V set…"), this, &MainWindow::pickOpenQkv);
    file->addAction(tr("&Open text file…"), QKeySequence::Open, this, &MainWindow::pickOpenText);
    file->addAction(tr("&Paste text…"), QKeySequence(tr("Ctrl+Shift+V")), this, &MainWindow::pickPaste);
    recent_ = new RecentFiles(this);
    recentMenu_ = file->addMenu(tr("&Recent files"));
    connect(recentMenu_, &QMenu::aboutToShow, this, [this] { recent_->populate(recentMenu_); });
    recent_->populate(recentMenu_);
    connect(recent_, &RecentFiles::activated, this, [this](const RecentEntry& e) {
        if (e.kind == RecentEntry::Model) openModelFolder(e.path);
        else if (e.kind == RecentEntry::Qkv) openQkvFiles({e.path});
        else openTextFile(e.path);
    });
    // Issue 6: export, pattern files and sessions (ui/window/export_actions.*, session_actions.*).
    file->addSeparator();
    exports_ = new ExportActions(this);
    exports_->addTo(file);
    file->addSeparator();
    sessions_ = new SessionActions(this);
    sessions_->addTo(file);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (int m = 0; m < HeatmapView::ModeCount; ++m)
        view->addAction(HeatmapView::modeName(static_cast<HeatmapView::Mode>(m)), QKeySequence(QStringLiteral("Ctrl+%1").arg(m + 1)),
                        this, [this, m] { heatmap_->setMode(static_cast<HeatmapView::Mode>(m)); });
    view->addSeparator();
    view->addAction(tr("Reset zoom"), QKeySequence(tr("Ctrl+0")), heatmap_, &HeatmapView::resetZoom);
    teach_ = installTeachDocks(this, controller_, pattern_, heatmap_, view);
    view->addSeparator();
    QAction* compare = compareDock_->toggleViewAction();  // issue 6
    compare->setShortcut(QKeySequence(tr("Ctrl+D")));
    view->addAction(compare);
    buildExploreDocks(view);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("About SparseScope"), this, [this] {
        QMessageBox::about(this, tr("About SparseScope"),
                           tr("SparseScope shows which token pairs a sparse attention pattern keeps, what "
                              "compute it saves and what accuracy it costs, on a real model's attention."));
    });
}

void MainWindow::buildExploreDocks(QMenu* view) {
    sweep_ = new SweepView(controller_);
    comparison_ = new WorkloadComparisonView(controller_);
    auto* sweepDock = new QDockWidget(tr("Pareto sweep"), this);
    sweepDock->setObjectName(QStringLiteral("sweepDock"));
    sweepDock->setWidget(sweep_);
    auto* comparisonDock = new QDockWidget(tr("Workload comparison"), this);
    comparisonDock->setObjectName(QStringLiteral("workloadComparisonDock"));
    comparisonDock->setWidget(comparison_);
    addDockWidget(Qt::BottomDockWidgetArea, sweepDock);
    tabifyDockWidget(sweepDock, comparisonDock);
    sweepDock->hide();
    comparisonDock->hide();
    view->addSeparator();
    QAction* a = sweepDock->toggleViewAction();
    a->setShortcut(QKeySequence(tr("Ctrl+Shift+P")));
    view->addAction(a);
    a = comparisonDock->toggleViewAction();
    a->setShortcut(QKeySequence(tr("Ctrl+Shift+W")));
    view->addAction(a);
    sweep_->setBudget(readouts_->budget());
    connect(readouts_, &ReadoutsPanel::budgetChanged, sweep_, &SweepView::setBudget);
    connect(sweep_, &SweepView::pointApplied, pattern_, &PatternControls::setSpec);
}

void MainWindow::connectController() {
    AnalysisController* c = controller_;
    connect(pattern_, &PatternControls::patternChanged, controller_, &AnalysisController::setPattern);
    connect(pattern_, &PatternControls::patternChanged, deployment_, &DeploymentPanel::setPattern);
    connect(pattern_, &PatternControls::layersChanged, controller_, &AnalysisController::setPatternLayers);
    connect(gallery_, &HeadGalleryView::headClicked, controller_, &AnalysisController::selectHead);
    connect(c, &AnalysisController::analysisRequested, readouts_, &ReadoutsPanel::markPending);
    connect(readouts_, &ReadoutsPanel::budgetChanged, galleryModel_, &HeadGalleryModel::setBudget);

    connect(c, &AnalysisController::workloadChanged, this, &MainWindow::onWorkloadChanged);
    connect(c, &AnalysisController::thumbnailsReady, galleryModel_, &HeadGalleryModel::setThumbnails);
    connect(c, &AnalysisController::headReady, compare_, &CompareView::setStage);  // issue 6
    connect(c, &AnalysisController::headReady, this, [this](const HeadStagePtr& s) {
        heatmap_->setStage(s);
        readouts_->setHead(s);
        gallery_->setCurrentHead(s->selection.layer, s->selection.head);
    });
    connect(c, &AnalysisController::layerReady, readouts_, &ReadoutsPanel::setLayer);
    connect(c, &AnalysisController::modelAttentionReady, this, [this](const ModelAttentionStagePtr& s) {
        readouts_->setModel(s);
        galleryModel_->setAttention(s);
    });
    connect(c, &AnalysisController::modelEvalStale, readouts_, &ReadoutsPanel::setEvalStale);
    connect(c, &AnalysisController::modelEvalStarted, readouts_, &ReadoutsPanel::setEvalRunning);
    connect(c, &AnalysisController::modelEvalProgress, readouts_, &ReadoutsPanel::setEvalProgress);
    connect(c, &AnalysisController::modelEvalReady, readouts_, &ReadoutsPanel::setEval);
    connect(c, &AnalysisController::modelEvalUnavailable, readouts_, &ReadoutsPanel::setEvalUnavailable);
    connect(c, &AnalysisController::patternFailed, this,
            [this](const QString& problem) { showError(tr("Invalid pattern"), problem); });

    connect(c, &AnalysisController::loadStarted, this, [this](const QString& what) {
        status_->setText(what);
        loadProgress_->setValue(0);
        loadProgress_->show();
        cancelLoad_->show();
    });
    connect(c, &AnalysisController::loadProgress, this, [this](double f, const QString& stage) {
        loadProgress_->setValue(int(f * 1000));
        loadProgress_->setFormat(stage);
        loadProgress_->setToolTip(stage);
    });
    connect(c, &AnalysisController::loadFinished, this, [this] {
        loadProgress_->hide();
        cancelLoad_->hide();
    });
    connect(c, &AnalysisController::loadCancelled, this, [this] {
        status_->setText(tr("Loading cancelled; the previous workload stays."));
        pendingRecentKind_ = -1;
    });
    connect(c, &AnalysisController::loadFailed, this, [this](const QString& source, const QString& problem) {
        pendingRecentKind_ = -1;
        status_->setText(tr("Could not load %1").arg(source));
        showError(tr("Could not load %1").arg(QFileInfo(source).fileName().isEmpty() ? source : QFileInfo(source).fileName()),
                  tr("File: %1\n\nProblem: %2\n\nThe previous workload stays loaded.").arg(source, problem));
    });

    connect(workloadPanel_, &WorkloadPanel::sampleChosen, this, &MainWindow::chooseSample);
    connect(workloadPanel_, &WorkloadPanel::openModelRequested, this, &MainWindow::pickOpenModel);
    connect(workloadPanel_, &WorkloadPanel::openQkvRequested, this, &MainWindow::pickOpenQkv);
    connect(workloadPanel_, &WorkloadPanel::openTextRequested, this, &MainWindow::pickOpenText);
    connect(workloadPanel_, &WorkloadPanel::pasteRequested, this, &MainWindow::pickPaste);
    connect(workloadPanel_, &WorkloadPanel::maxTokensChanged, controller_, &AnalysisController::setMaxTokens);
}

void MainWindow::start(const QString& modelDir, const QString& samplesDir, const QString& defaultSampleId,
                       const QString& defaultPreset) {
    samplesDir_ = samplesDir;
    comparison_->setSamplesDir(samplesDir);
    if (!samplesDir.isEmpty()) {
        try {
            workloadPanel_->setSamples(loadSampleManifest((samplesDir + QStringLiteral("/manifest.json")).toStdString()));
        } catch (const Error& e) {
            showError(tr("Could not read the samples"), QString::fromStdString(e.what()));
        }
    }
    workloadPanel_->setMaxTokens(controller_->maxTokens());
    pattern_->selectPreset(defaultPreset);
    if (modelDir.isEmpty()) {
        status_->setText(tr("No model loaded: open a model folder or a Q/K/V set (File menu)."));
        return;
    }
    const auto& samples = workloadPanel_->samples();
    int index = samples.empty() ? -1 : 0;
    for (size_t i = 0; i < samples.size(); ++i)
        if (QString::fromStdString(samples[i].id) == defaultSampleId) index = int(i);
    if (index < 0) {
        showError(tr("No text"), tr("No bundled sample was found (looked for samples/manifest.json); open a text file."));
        return;
    }
    try {
        const SampleInfo& s = samples[size_t(index)];
        const std::string text = loadSampleText(s, samplesDir_.toStdString());
        workloadPanel_->setCurrentSample(index);
        controller_->openModelWithText(modelDir, QString::fromStdString(text), QString::fromStdString(s.title));
    } catch (const Error& e) {
        showError(tr("Could not read the sample"), QString::fromStdString(e.what()));
    }
}

void MainWindow::onWorkloadChanged(const WorkloadPtr& w) {
    if (pendingRecentKind_ >= 0) recent_->add(static_cast<RecentEntry::Kind>(pendingRecentKind_), pendingRecentPath_);
    pendingRecentKind_ = -1;
    workloadPanel_->setWorkload(w);
    deployment_->setModelConfig(w->hasModel() ? &w->model->config() : nullptr);
    pattern_->setTokenCount(w->n());
    pattern_->setLayerCount(w->layerCount());
    galleryModel_->setWorkload(w);
    readouts_->clear();
    const HeadSelection pick = farReachingHead(*w);
    controller_->selectHead(pick.layer, pick.head);
    setWindowTitle(tr("SparseScope — %1").arg(QString::fromStdString(w->textSource)));
    status_->setText(tr("%1 tokens · %2").arg(w->n()).arg(QString::fromStdString(w->modelSummary)));
}

void MainWindow::showError(const QString& title, const QString& text) {
    emit errorShown(title, text);
    if (errorSink_) errorSink_(title, text);
    else QMessageBox::warning(this, title, text);
}

void MainWindow::openModelFolder(const QString& dir) {
    pendingRecentKind_ = RecentEntry::Model;
    pendingRecentPath_ = dir;
    controller_->openModel(dir);
}

void MainWindow::openTextFile(const QString& path) {
    pendingRecentKind_ = RecentEntry::Text;
    pendingRecentPath_ = path;
    workloadPanel_->setCurrentSample(-1);
    controller_->openTextFile(path);
}

void MainWindow::openQkvFiles(const QStringList& paths) {
    if (paths.size() == 1 && paths.front().endsWith(QLatin1String(".npz"), Qt::CaseInsensitive)) {
        pendingRecentKind_ = RecentEntry::Qkv;
        pendingRecentPath_ = paths.front();
        controller_->openQkvNpz(paths.front());
        return;
    }
    // .npy files: the one whose name ends in q / k / v (q.npy, layer3_k.npy, ...).
    QString q, k, v;
    for (const QString& p : paths) {
        const QString stem = QFileInfo(p).completeBaseName().toLower();
        if (stem.endsWith(QLatin1Char('q'))) q = p;
        else if (stem.endsWith(QLatin1Char('k'))) k = p;
        else if (stem.endsWith(QLatin1Char('v'))) v = p;
    }
    if (paths.size() == 1 && !q.isEmpty()) {  // q.npy alone: k.npy and v.npy beside it
        const QFileInfo fi(q);
        const QString base = fi.completeBaseName().chopped(1);
        k = fi.dir().filePath(base + QStringLiteral("k.npy"));
        const QString vPath = fi.dir().filePath(base + QStringLiteral("v.npy"));
        if (QFileInfo::exists(vPath)) v = vPath;
    }
    if (q.isEmpty() || k.isEmpty()) {
        showError(tr("Could not load the Q/K/V set"),
                  tr("Files: %1\n\nProblem: pick one .npz holding q, k (and v), or .npy files whose names end in q, k "
                     "(and v), e.g. q.npy, k.npy, v.npy.").arg(paths.join(QStringLiteral(", "))));
        return;
    }
    pendingRecentKind_ = RecentEntry::Qkv;
    pendingRecentPath_ = q;
    controller_->openQkv(q, k, v);
}

void MainWindow::pasteText(const QString& text) {
    workloadPanel_->setCurrentSample(-1);
    controller_->setText(text, tr("pasted text"));
}

void MainWindow::chooseSample(int index) {
    const auto& samples = workloadPanel_->samples();
    if (index < 0 || size_t(index) >= samples.size()) return;
    try {
        const SampleInfo& s = samples[size_t(index)];
        const std::string text = loadSampleText(s, samplesDir_.toStdString());
        workloadPanel_->setCurrentSample(index);
        controller_->setText(QString::fromStdString(text), QString::fromStdString(s.title));
    } catch (const Error& e) {
        showError(tr("Could not read the sample"),
                  tr("File: %1\n\nProblem: %2").arg(QString::fromStdString(e.source()), QString::fromStdString(e.problem())));
    }
}

void MainWindow::pickOpenModel() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a Hugging Face model folder"));
    if (!dir.isEmpty()) openModelFolder(dir);
}

void MainWindow::pickOpenQkv() {
    const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Open Q/K/V tensors"), QString(),
                                                            tr("NumPy arrays (*.npz *.npy)"));
    if (!paths.isEmpty()) openQkvFiles(paths);
}

void MainWindow::pickOpenText() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a text file"));
    if (!path.isEmpty()) openTextFile(path);
}

void MainWindow::pickPaste() {
    bool ok = false;
    const QString text = QInputDialog::getMultiLineText(this, tr("Paste text"), tr("Text to run the model on:"),
                                                        QString(), &ok);
    if (ok && !text.isEmpty()) pasteText(text);
}

}  // namespace sparsescope::ui
