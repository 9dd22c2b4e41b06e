#pragma once
// Builds a Workload on a worker thread: load the model (or reuse the loaded
// one), tokenize, run the dense forward with capture, then per head the
// DenseReference and the gallery thumbnail. Qt-free; throws sparsescope::Error
// on bad input and ForwardCancelled when the progress callback says stop.
#include "ui/controller/workload.h"

#include <functional>
#include <memory>
#include <string>

namespace sparsescope::ui {

struct WorkloadRequest {
    // Model mode: `model` (already loaded) or `modelDir` (loaded here), plus the text.
    std::shared_ptr<const Model> model;
    std::string modelDir;
    std::string text;
    std::string textSource;   // names the text in messages ("sample: ...", a path)
    int64_t maxTokens = 1024; // <= 0: the model's context
    // Q/K/V mode (used when qPath or npzPath is set): .npy files or one .npz.
    std::string qPath, kPath, vPath, npzPath;
    int64_t qkvMaxTokens = 4096;  // Q/K/V rows beyond this are cut (causal, so consistent)

    bool isQkv() const { return !qPath.empty() || !npzPath.empty(); }
};

// fraction in [0, 1], stage in words; return false to cancel.
using WorkloadProgress = std::function<bool(double fraction, const std::string& stage)>;

std::shared_ptr<const Workload> buildWorkload(const WorkloadRequest& request,
                                              const WorkloadProgress& progress = {});

// Per head a kThumbnailCells-square thumbnail of the dense attention (for the gallery).
std::shared_ptr<const Thumbnails> denseThumbnails(const Workload& w, const std::function<bool()>& stale = {});

// The dense probabilities [n, n] of one head (zeros above the diagonal), for the heatmap.
std::shared_ptr<const MatrixRM> denseProbabilities(const Workload& w, int layer, int head);

}  // namespace sparsescope::ui
