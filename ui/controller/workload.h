#pragma once
// What the app has loaded: a text run through a model (or a Q/K/V set), with
// everything that does not depend on the pattern computed once: per layer and
// head the captured Q, K, V and the DenseReference, and the dense logits for the
// model-level loss. (The gallery's thumbnails follow in a later stage.) Immutable once built
// and shared (std::shared_ptr<const Workload>) between the UI and the workers.
#include "core/common/tensor.h"
#include "core/heatmap/heatmap_grid.h"
#include "core/metrics/attention_metrics.h"
#include "core/model/model.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sparsescope::ui {

// [layer][head] thumbnails of each head's dense attention mass.
using Thumbnails = std::vector<std::vector<HeatmapGrid>>;

// Side of a gallery thumbnail in cells.
inline constexpr int64_t kThumbnailCells = 48;

struct Workload {
    // Where it came from, for the window title and the workload panel.
    std::string modelDir;     // empty for a Q/K/V set
    std::string modelSummary; // "LlamaForCausalLM · 6 layers × 8 heads · F16"
    std::string textSource;   // sample title, file path or "pasted text"
    std::string qkvSource;    // the .npz or q.npy path of a Q/K/V set

    std::shared_ptr<const Model> model;  // null for a Q/K/V set
    std::string text;                    // the text as given (model mode)
    std::vector<int32_t> ids;            // token ids (model mode)
    std::vector<std::string> tokens;     // display text per position ("#i" for Q/K/V sets)
    int64_t tokensBeforeTruncation = 0;
    bool truncated = false;
    std::string notice;                  // truncation note for the user

    // Per layer: Q [H,n,d], K and V [KV,n,d] (kvHeadOf maps query heads); probs empty.
    std::vector<LayerCapture> layers;
    std::vector<float> scales;                        // softmax scale per layer
    bool hasV = true;
    std::vector<std::vector<DenseReference>> dense;   // [layer][head]
    MatrixRM denseLogits;                             // [n, vocab]; empty for Q/K/V sets

    int64_t n() const { return layers.empty() ? 0 : layers.front().q.n; }
    int layerCount() const { return static_cast<int>(layers.size()); }
    int headCount() const { return layers.empty() ? 0 : static_cast<int>(layers.front().q.heads); }
    bool hasModel() const { return model != nullptr; }

    ConstMapRM q(int layer, int head) const { return layers[size_t(layer)].q.head(head); }
    ConstMapRM k(int layer, int head) const { return layers[size_t(layer)].key(head); }
    // Only when hasV.
    ConstMapRM v(int layer, int head) const { return layers[size_t(layer)].value(head); }
};

}  // namespace sparsescope::ui
