#pragma once
// The controller between the pages and core (heaptrack's loader, hotspot's
// parser): owns the loaded workload, runs every core computation on worker
// threads and delivers results in stages by signals. The UI thread never waits:
//  - loads (model, text, Q/K/V) run on their own worker, report progress and can
//    be cancelled; a failure leaves the previous workload in place;
//  - each pattern / selection / layer change bumps a generation counter; the
//    attention pipeline (head -> layer -> model) checks it between heads and the
//    results of a superseded generation are dropped on arrival;
//  - the model-level loss (a sparse forward pass compared with the cached dense
//    logits) starts after a short debounce, reports per-layer progress and is
//    cancelled through the forward's progress callback when a newer change comes.
#include "ui/controller/analysis_results.h"

#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <memory>

namespace sparsescope::ui {

class AnalysisController : public QObject {
    Q_OBJECT
public:
    explicit AnalysisController(QObject* parent = nullptr);
    ~AnalysisController() override;

    // --- workload (each runs on the load worker; previous workload kept on error)
    void openModel(const QString& dir);               // with the current text
    void setText(const QString& text, const QString& source);  // with the current model
    void openTextFile(const QString& path);
    void openQkv(const QString& q, const QString& k, const QString& v);  // v may be empty
    void openQkvNpz(const QString& path);
    // Model and text in one step (startup).
    void openModelWithText(const QString& dir, const QString& text, const QString& source);
    void setMaxTokens(int maxTokens);  // re-tokenizes the current text
    void cancelLoad();

    // --- analysis inputs
    void setPattern(const PatternSpec& pattern);
    void setPatternLayers(const LayerSet& layers);  // empty = all
    void selectHead(int layer, int head);
    void setModelEvalDelay(int ms) { evalTimer_.setInterval(ms); }

    WorkloadPtr workload() const { return workload_; }
    const PatternSpec& pattern() const { return pattern_; }
    const LayerSet& patternLayers() const { return layers_; }
    HeadSelection selection() const { return selection_; }
    int maxTokens() const { return maxTokens_; }
    bool isLoading() const { return loading_; }
    bool isModelEvalRunning() const { return evalRunning_; }
    uint64_t generation() const { return generation_.load(); }

    // Latest delivered stages (null until the first arrives).
    HeadStagePtr headStage() const { return head_; }
    LayerStagePtr layerStage() const { return layer_; }
    ModelAttentionStagePtr modelAttentionStage() const { return attention_; }
    ModelEvalStagePtr modelEvalStage() const { return eval_; }

    // Blocks until no worker runs (tests and shutdown only; never from the UI's normal flow).
    void waitForIdle();

signals:
    void loadStarted(const QString& what);
    void loadProgress(double fraction, const QString& stage);
    void loadFinished();  // success, failure or cancel: the progress UI can go
    void loadFailed(const QString& source, const QString& problem);
    void loadCancelled();
    void workloadChanged(const sparsescope::ui::WorkloadPtr& workload);
    // The gallery's thumbnails of `workload`, a moment after it loaded.
    void thumbnailsReady(const sparsescope::ui::WorkloadPtr& workload, const sparsescope::ui::ThumbnailsPtr& thumbnails);

    void patternFailed(const QString& problem);
    // A new attention request (generation) was issued; its stages follow.
    void analysisRequested(quint64 generation);
    void headReady(const sparsescope::ui::HeadStagePtr& stage);
    void layerReady(const sparsescope::ui::LayerStagePtr& stage);
    void modelAttentionReady(const sparsescope::ui::ModelAttentionStagePtr& stage);

    void modelEvalStale();  // the shown model-level figures no longer match the pattern
    void modelEvalStarted();
    void modelEvalProgress(int done, int total);
    void modelEvalReady(const sparsescope::ui::ModelEvalStagePtr& stage);
    void modelEvalUnavailable(const QString& why);  // Q/K/V sets have no model

private:
    struct LoadJob;
    void startLoad(const QString& what, std::shared_ptr<LoadJob> job);
    void onLoaded(uint64_t loadId, const WorkloadPtr& w);
    void onLoadError(uint64_t loadId, const QString& source, const QString& problem);
    void requestAnalysis(bool patternChanged);
    void startModelEval();
    template <class T, class Apply>
    void deliver(uint64_t gen, T value, Apply apply);

    // Workload and the text/model it was built from (kept to rebuild on changes).
    WorkloadPtr workload_;
    std::shared_ptr<const Model> loadedModel_;
    QString text_, textSource_;
    int maxTokens_ = 1024;

    PatternSpec pattern_;
    LayerSet layers_;
    HeadSelection selection_;

    HeadStagePtr head_;
    LayerStagePtr layer_;
    ModelAttentionStagePtr attention_;
    ModelEvalStagePtr eval_;

    // One thread each: loads; the selected head and its layer (foreground); the
    // whole-model attention stage (background); the model-level forward pass.
    QThreadPool loadPool_, analysisPool_, backgroundPool_, evalPool_;
    std::atomic<uint64_t> generation_{0};      // attention pipeline requests
    std::atomic<uint64_t> evalGeneration_{0};  // model-level requests
    std::atomic<uint64_t> loadId_{0};
    std::shared_ptr<std::atomic<bool>> loadCancel_;
    bool loading_ = false;
    bool evalRunning_ = false;
    bool deferRequests_ = false;
    QTimer evalTimer_;
};

}  // namespace sparsescope::ui
