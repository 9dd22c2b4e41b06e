#include "ui/controller/analysis_controller.h"

#include "core/common/error.h"
#include "core/model/model_input.h"
#include "ui/controller/pattern_pipeline.h"
#include "ui/controller/thread_priority.h"
#include "ui/controller/workload_builder.h"

#include <QMetaObject>

namespace sparsescope::ui {

struct AnalysisController::LoadJob {
    WorkloadRequest request;
    std::string textPath;  // read on the worker when set
};

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

// Runs `apply(value)` on the UI thread if `gen` is still the current generation.
template <class T, class Apply>
void AnalysisController::deliver(uint64_t gen, T value, Apply apply) {
    QMetaObject::invokeMethod(this, [this, gen, value, apply] {
        if (gen == generation_.load()) apply(value);
    }, Qt::QueuedConnection);
}

AnalysisController::AnalysisController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<HeadStagePtr>();
    qRegisterMetaType<LayerStagePtr>();
    qRegisterMetaType<ModelAttentionStagePtr>();
    qRegisterMetaType<ModelEvalStagePtr>();
    qRegisterMetaType<WorkloadPtr>();
    qRegisterMetaType<ThumbnailsPtr>();
    for (QThreadPool* pool : {&loadPool_, &analysisPool_, &backgroundPool_, &evalPool_}) pool->setMaxThreadCount(1);
    pattern_ = PatternSpec{};
    pattern_.dense = true;
    pattern_.preset = "dense";
    // The forward pass is the expensive part: wait for the slider to rest a moment.
    evalTimer_.setSingleShot(true);
    evalTimer_.setInterval(80);
    connect(&evalTimer_, &QTimer::timeout, this, &AnalysisController::startModelEval);
}

AnalysisController::~AnalysisController() {
    if (loadCancel_) loadCancel_->store(true);
    ++generation_;
    ++evalGeneration_;
    waitForIdle();
}

void AnalysisController::waitForIdle() {
    loadPool_.waitForDone();
    analysisPool_.waitForDone();
    backgroundPool_.waitForDone();
    evalPool_.waitForDone();
}

// ---------------------------------------------------------------- loading

void AnalysisController::openModel(const QString& dir) {
    auto job = std::make_shared<LoadJob>();
    job->request.modelDir = dir.toStdString();
    job->request.text = text_.toStdString();
    job->request.textSource = textSource_.toStdString();
    job->request.maxTokens = maxTokens_;
    if (text_.isEmpty()) {
        emit loadFailed(dir, tr("there is no text to run the model on: open a sample or a text file first"));
        return;
    }
    startLoad(tr("Loading model %1").arg(dir), job);
}

void AnalysisController::openModelWithText(const QString& dir, const QString& text, const QString& source) {
    auto job = std::make_shared<LoadJob>();
    job->request.modelDir = dir.toStdString();
    job->request.text = text.toStdString();
    job->request.textSource = source.toStdString();
    job->request.maxTokens = maxTokens_;
    startLoad(tr("Loading model %1").arg(dir), job);
}

void AnalysisController::setText(const QString& text, const QString& source) {
    if (!loadedModel_) {
        emit loadFailed(source, tr("no model is loaded: open a model folder first"));
        return;
    }
    auto job = std::make_shared<LoadJob>();
    job->request.model = loadedModel_;
    job->request.text = text.toStdString();
    job->request.textSource = source.toStdString();
    job->request.maxTokens = maxTokens_;
    startLoad(tr("Running the model on %1").arg(source), job);
}

void AnalysisController::openTextFile(const QString& path) {
    if (!loadedModel_) {
        emit loadFailed(path, tr("no model is loaded: open a model folder first"));
        return;
    }
    auto job = std::make_shared<LoadJob>();
    job->request.model = loadedModel_;
    job->request.textSource = path.toStdString();
    job->request.maxTokens = maxTokens_;
    job->textPath = path.toStdString();
    startLoad(tr("Reading %1").arg(path), job);
}

void AnalysisController::openQkv(const QString& q, const QString& k, const QString& v) {
    auto job = std::make_shared<LoadJob>();
    job->request.qPath = q.toStdString();
    job->request.kPath = k.toStdString();
    job->request.vPath = v.toStdString();
    startLoad(tr("Reading %1").arg(q), job);
}

void AnalysisController::openQkvNpz(const QString& path) {
    auto job = std::make_shared<LoadJob>();
    job->request.npzPath = path.toStdString();
    startLoad(tr("Reading %1").arg(path), job);
}

void AnalysisController::setMaxTokens(int maxTokens) {
    if (maxTokens == maxTokens_) return;
    maxTokens_ = maxTokens;
    if (workload_ && workload_->hasModel()) setText(text_, textSource_);
}

void AnalysisController::cancelLoad() {
    if (loadCancel_) loadCancel_->store(true);
}

void AnalysisController::startLoad(const QString& what, std::shared_ptr<LoadJob> job) {
    if (loadCancel_) loadCancel_->store(true);  // a newer load replaces an unfinished one
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    loadCancel_ = cancel;
    const uint64_t id = ++loadId_;
    loading_ = true;
    emit loadStarted(what);
    loadPool_.start([this, job, cancel, id] {
        auto progress = [this, cancel, id](double fraction, const std::string& stage) {
            if (cancel->load()) return false;
            const QString text = qs(stage);
            QMetaObject::invokeMethod(this, [this, id, fraction, text] {
                if (id == loadId_) emit loadProgress(fraction, text);
            }, Qt::QueuedConnection);
            return true;
        };
        try {
            if (!job->textPath.empty()) job->request.text = readTextFile(job->textPath);
            WorkloadPtr w = buildWorkload(job->request, progress);
            if (cancel->load()) throw ForwardCancelled();
            QMetaObject::invokeMethod(this, [this, id, w] { onLoaded(id, w); }, Qt::QueuedConnection);
        } catch (const ForwardCancelled&) {
            QMetaObject::invokeMethod(this, [this, id] {
                if (id != loadId_) return;
                loading_ = false;
                emit loadCancelled();
                emit loadFinished();
            }, Qt::QueuedConnection);
        } catch (const Error& e) {
            const QString source = qs(e.source()), problem = qs(e.field().empty() ? e.problem()
                                                                                   : e.field() + ": " + e.problem());
            QMetaObject::invokeMethod(this, [this, id, source, problem] { onLoadError(id, source, problem); },
                                      Qt::QueuedConnection);
        } catch (const std::exception& e) {
            const QString source = qs(job->textPath.empty() ? job->request.modelDir : job->textPath);
            const QString problem = qs(e.what());
            QMetaObject::invokeMethod(this, [this, id, source, problem] { onLoadError(id, source, problem); },
                                      Qt::QueuedConnection);
        }
    });
}

void AnalysisController::onLoaded(uint64_t id, const WorkloadPtr& w) {
    if (id != loadId_) return;
    loading_ = false;
    workload_ = w;
    if (w->hasModel()) {
        loadedModel_ = w->model;
        text_ = qs(w->text);
        textSource_ = qs(w->textSource);
    }
    if (selection_.layer >= w->layerCount() || selection_.head >= w->headCount()) selection_ = {};
    head_.reset();
    layer_.reset();
    attention_.reset();
    eval_.reset();
    // Handlers may pick a head (selectHead); one request afterwards covers it.
    deferRequests_ = true;
    emit workloadChanged(w);
    deferRequests_ = false;
    emit loadFinished();
    requestAnalysis(true);
    // The gallery's thumbnails: a full q.k pass per head, so after the first view.
    backgroundPool_.start([this, w] {
        setCurrentThreadNiceAbove(kBackgroundNice);
        const ThumbnailsPtr t = denseThumbnails(*w, [this, id = loadId_.load()] { return loadId_.load() != id; });
        if (!t) return;
        QMetaObject::invokeMethod(this, [this, w, t] {
            if (workload_ == w) emit thumbnailsReady(w, t);
        }, Qt::QueuedConnection);
    });
}

void AnalysisController::onLoadError(uint64_t id, const QString& source, const QString& problem) {
    if (id != loadId_) return;
    loading_ = false;
    emit loadFailed(source, problem);
    emit loadFinished();
}

// ---------------------------------------------------------------- analysis

void AnalysisController::setPattern(const PatternSpec& pattern) {
    try {
        validate(pattern);
    } catch (const Error& e) {
        emit patternFailed(qs(e.what()));
        return;
    }
    pattern_ = pattern;
    requestAnalysis(true);
}

void AnalysisController::setPatternLayers(const LayerSet& layers) {
    layers_ = layers;
    requestAnalysis(true);
}

void AnalysisController::selectHead(int layer, int head) {
    if (!workload_ || layer < 0 || head < 0 || layer >= workload_->layerCount() || head >= workload_->headCount())
        return;
    if (selection_ == HeadSelection{layer, head}) return;
    selection_ = {layer, head};
    requestAnalysis(false);
}

void AnalysisController::requestAnalysis(bool patternChanged) {
    if (!workload_ || deferRequests_) return;
    const uint64_t gen = ++generation_;
    emit analysisRequested(gen);
    if (patternChanged) {
        ++evalGeneration_;  // a running forward stops at its next layer
        evalRunning_ = false;  // until the next one starts
        emit modelEvalStale();
        if (workload_->hasModel()) evalTimer_.start();
        else emit modelEvalUnavailable(tr("a Q/K/V set has no model to run"));
    }
    const WorkloadPtr w = workload_;
    const PatternSpec spec = pattern_;
    const LayerSet layers = layers_;
    const HeadSelection sel = selection_;
    std::shared_ptr<const MatrixRM> probs;
    if (head_ && head_->workload == w && head_->selection == sel) probs = head_->probs;
    // The per-head figures of the whole model only depend on the pattern: when it did
    // not change, reuse them (re-pooled for a new layer set).
    ModelAttentionStagePtr known;
    if (attention_ && samePattern(attention_->pattern, spec)) known = attention_;

    analysisPool_.start([this, gen, w, spec, layers, sel, probs, known] {
        auto stale = [this, gen] { return generation_.load() != gen; };
        if (stale()) return;
        try {
            auto masks = std::make_shared<MaskSource>(w, spec);
            auto head = std::make_shared<HeadStage>(computeHeadStage(w, *masks, sel, probs, stale));
            head->generation = gen;
            deliver(gen, HeadStagePtr(head), [this](const HeadStagePtr& s) { head_ = s; emit headReady(s); });
            if (stale()) return;
            if (known) {
                // Same pattern, other head or layer set: everything is known, re-pool only.
                auto model = std::make_shared<ModelAttentionStage>(*known);
                model->generation = gen;
                model->layers = resolveLayers(layers, w->layerCount());
                std::vector<HeadMetrics> pooled;
                for (int l : model->layers)
                    pooled.insert(pooled.end(), model->perHead[size_t(l)].begin(), model->perHead[size_t(l)].end());
                model->aggregate = aggregateMetrics(pooled);
                auto layer = std::make_shared<LayerStage>();
                layer->generation = gen;
                layer->layer = sel.layer;
                layer->perHead = model->perHead[size_t(sel.layer)];
                layer->aggregate = model->perLayer[size_t(sel.layer)];
                layer->keptShare = model->keptShare[size_t(sel.layer)];
                deliver(gen, LayerStagePtr(layer), [this](const LayerStagePtr& s) { layer_ = s; emit layerReady(s); });
                deliver(gen, ModelAttentionStagePtr(model),
                        [this](const ModelAttentionStagePtr& s) { attention_ = s; emit modelAttentionReady(s); });
                return;
            }
            // Its layer and the other layers at low priority: a newer request's head stage
            // takes the cores first instead of waiting behind them.
            backgroundPool_.start([this, gen, w, masks, layers, head, stale] {
                if (stale()) return;
                setCurrentThreadNiceAbove(kBackgroundNice);
                try {
                    auto layer = std::make_shared<LayerStage>(computeLayerStage(*w, *masks, *head, stale));
                    layer->generation = gen;
                    deliver(gen, LayerStagePtr(layer), [this](const LayerStagePtr& s) { layer_ = s; emit layerReady(s); });
                    auto model = std::make_shared<ModelAttentionStage>(
                        computeModelAttentionStage(*w, *masks, layers, *layer, stale));
                    model->generation = gen;
                    deliver(gen, ModelAttentionStagePtr(model),
                            [this](const ModelAttentionStagePtr& s) { attention_ = s; emit modelAttentionReady(s); });
                } catch (const StageSuperseded&) {
                } catch (const std::exception& e) {
                    const QString problem = qs(e.what());
                    deliver(gen, problem, [this](const QString& p) { emit patternFailed(p); });
                }
            });
        } catch (const StageSuperseded&) {
        } catch (const std::exception& e) {
            const QString problem = qs(e.what());
            deliver(gen, problem, [this](const QString& p) { emit patternFailed(p); });
        }
    });
}

void AnalysisController::startModelEval() {
    if (!workload_ || !workload_->hasModel()) return;
    const WorkloadPtr w = workload_;
    const PatternSpec spec = pattern_;
    const LayerSet layers = layers_;
    if (eval_ && samePattern(eval_->pattern, spec) && eval_->layers == layers) {
        emit modelEvalReady(eval_);
        return;
    }
    const uint64_t eg = evalGeneration_.load();
    evalRunning_ = true;
    emit modelEvalStarted();
    evalPool_.start([this, eg, w, spec, layers] {
        auto current = [this, eg] { return evalGeneration_.load() == eg; };
        setCurrentThreadNiceAbove(kEvalNice);
        auto post = [this, current](auto fn) {
            QMetaObject::invokeMethod(this, [current, fn] { if (current()) fn(); }, Qt::QueuedConnection);
        };
        if (!current()) return;
        try {
            ForwardOptions opts;
            opts.pattern = &spec;
            opts.sparseLayers = layers;
            opts.progress = [this, current, post](int done, int total) {
                if (!current()) return false;
                post([this, done, total] { emit modelEvalProgress(done, total); });
                return true;
            };
            const ForwardResult fr = w->model->forward(w->ids, opts);
            auto stage = std::make_shared<ModelEvalStage>();
            stage->generation = eg;
            stage->pattern = spec;
            stage->layers = layers;
            stage->eval = compareNextToken(w->denseLogits, fr.logits, w->ids);
            post([this, stage] {
                evalRunning_ = false;
                eval_ = stage;
                emit modelEvalReady(stage);
            });
        } catch (const ForwardCancelled&) {
        } catch (const std::exception& e) {
            const QString problem = qs(e.what());
            post([this, problem] {
                evalRunning_ = false;
                emit modelEvalUnavailable(problem);
            });
        }
    });
}

}  // namespace sparsescope::ui
