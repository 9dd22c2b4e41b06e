#include "ui/controller/workload_builder.h"

#include "core/common/error.h"
#include "core/common/parallel.h"
#include "core/io/qkv_loader.h"
#include "core/model/model_input.h"
#include "core/tokenizer/tokenizer.h"

#include <cmath>
#include <filesystem>
#include <optional>

namespace sparsescope::ui {

namespace {

void report(const WorkloadProgress& progress, double fraction, const std::string& stage) {
    if (progress && !progress(fraction, stage)) throw ForwardCancelled();
}

std::string modelSummary(const Model& m) {
    const ModelConfig& c = m.config();
    return c.architecture + " · " + std::to_string(c.layers) + " layers × " + std::to_string(c.heads) +
           " heads (" + std::to_string(c.kvHeads) + " KV) · d = " + std::to_string(c.headDim) + " · " +
           m.storedDtype();
}

HeadTensor firstRows(const HeadTensor& t, int64_t n) {
    if (t.n <= n) return t;
    HeadTensor out(t.heads, n, t.d);
    for (int64_t h = 0; h < t.heads; ++h) out.head(h) = t.head(h).topRows(n);
    return out;
}

void buildModelPart(const WorkloadRequest& r, Workload& w, const WorkloadProgress& progress) {
    std::shared_ptr<const Model> model = r.model;
    if (!model) {
        report(progress, 0.0, "loading the model");
        model = Model::load(r.modelDir);
    }
    report(progress, 0.15, "tokenizing");
    const ModelInput input = tokenizeForModel(*model, r.text, r.textSource, r.maxTokens);
    w.model = model;
    w.modelDir = model->directory();
    w.modelSummary = modelSummary(*model);
    w.textSource = r.textSource;
    w.text = r.text;
    w.ids = input.ids;
    w.tokensBeforeTruncation = input.tokensBeforeTruncation;
    w.truncated = input.truncated;
    w.notice = input.notice;
    w.tokens.reserve(w.ids.size());
    for (int32_t id : w.ids) w.tokens.push_back(model->tokenizer().tokenText(id));

    ForwardOptions opts;
    opts.capture = true;
    opts.captureProbs = false;  // the dense probabilities are rebuilt per selected head
    const int layers = static_cast<int>(model->config().layers);
    opts.progress = [&](int done, int) {
        return !progress || progress(0.2 + 0.4 * done / std::max(1, layers), "dense forward pass");
    };
    ForwardResult fr = model->forward(w.ids, opts);
    w.layers = std::move(fr.layers);
    w.denseLogits = std::move(fr.logits);
    for (int l = 0; l < layers; ++l) w.scales.push_back(model->config().attentionScale(l));
    w.hasV = true;
}

void buildQkvPart(const WorkloadRequest& r, Workload& w, const WorkloadProgress& progress) {
    report(progress, 0.0, "reading Q/K/V");
    QkvSet set = r.npzPath.empty() ? loadQkv(r.qPath, r.kPath, r.vPath) : loadQkvNpz(r.npzPath);
    w.qkvSource = r.npzPath.empty() ? r.qPath : r.npzPath;
    w.textSource = w.qkvSource;
    const int64_t n = std::min(set.q.n, std::max<int64_t>(1, r.qkvMaxTokens));
    w.tokensBeforeTruncation = set.q.n;
    if (n < set.q.n) {
        w.truncated = true;
        w.notice = w.qkvSource + ": " + std::to_string(set.q.n) + " rows, cut to the first " + std::to_string(n);
    }
    LayerCapture cap;
    cap.q = firstRows(set.q, n);
    cap.k = firstRows(set.k, n);
    w.hasV = set.hasV;
    if (set.hasV) cap.v = firstRows(set.v, n);
    for (int64_t h = 0; h < cap.q.heads; ++h) cap.kvHeadOf.push_back(static_cast<int>(h));
    w.layers.push_back(std::move(cap));
    w.scales.push_back(1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(1, set.q.d))));
    for (int64_t i = 0; i < n; ++i) w.tokens.push_back("#" + std::to_string(i));
    w.modelSummary = "Q/K/V set · " + std::to_string(set.q.heads) + " heads · d = " + std::to_string(set.q.d) +
                     (set.hasV ? "" : " · no V");
}

}  // namespace

std::shared_ptr<const Workload> buildWorkload(const WorkloadRequest& r, const WorkloadProgress& progress) {
    auto w = std::make_shared<Workload>();
    if (r.isQkv()) buildQkvPart(r, *w, progress);
    else buildModelPart(r, *w, progress);

    const int L = w->layerCount(), H = w->headCount();
    w->dense.assign(size_t(L), std::vector<DenseReference>(size_t(H)));
    for (int l = 0; l < L; ++l) {
        report(progress, 0.6 + 0.4 * l / std::max(1, L), "dense reference per head");
        parallelFor(0, H, [&](int64_t h) {
            const int hh = static_cast<int>(h);
            std::optional<ConstMapRM> v;
            if (w->hasV) v.emplace(w->v(l, hh));
            w->dense[size_t(l)][size_t(h)] =
                computeDenseReference(w->q(l, hh), w->k(l, hh), v ? &*v : nullptr, w->scales[size_t(l)], true);
        }, 1, 1);  // computeDenseReference runs its rows in parallel itself
    }
    report(progress, 1.0, "ready");
    return w;
}

std::shared_ptr<const Thumbnails> denseThumbnails(const Workload& w, const std::function<bool()>& stale) {
    auto t = std::make_shared<Thumbnails>(size_t(w.layerCount()), std::vector<HeatmapGrid>(size_t(w.headCount())));
    for (int l = 0; l < w.layerCount(); ++l) {
        if (stale && stale()) return nullptr;
        parallelFor(0, w.headCount(), [&](int64_t h) {
            const int hh = static_cast<int>(h);
            (*t)[size_t(l)][size_t(h)] = denseThumbnail(w.q(l, hh), w.k(l, hh), w.dense[size_t(l)][size_t(h)], kThumbnailCells);
        });
    }
    return t;
}

std::shared_ptr<const MatrixRM> denseProbabilities(const Workload& w, int layer, int head) {
    const ConstMapRM q = w.q(layer, head), k = w.k(layer, head);
    const DenseReference& ref = w.dense[size_t(layer)][size_t(head)];
    auto p = std::make_shared<MatrixRM>(q.rows(), q.rows());
    p->noalias() = (q * k.transpose()) * ref.scale;
    const int64_t n = q.rows();
    parallelFor(0, n, [&](int64_t i) {
        float* row = p->row(i).data();
        const double lse = ref.lse[size_t(i)];
        for (int64_t j = 0; j <= i; ++j) row[j] = static_cast<float>(std::exp(double(row[j]) - lse));
        for (int64_t j = i + 1; j < n; ++j) row[j] = 0.0f;
    }, 64);
    return p;
}

}  // namespace sparsescope::ui
