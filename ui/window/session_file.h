#pragma once
// A saved session as JSON (docs/sessions.md): what was loaded (a model folder
// with its text, or a Q/K/V set), the pattern and the layers it applies to, the
// selected head and how the heatmap was shown. Parsing and writing are Qt-free;
// the window side (capturing and restoring through the controller) is in
// session_actions.h. Parsing checks every field and throws
// Error(source, "field.path", what was expected) on the first problem.
#include "core/pattern/pattern_spec.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sparsescope::ui {

inline constexpr int kSessionVersion = 1;

struct SessionZoom {
    int64_t row0 = 0, row1 = 0, col0 = 0, col1 = 0;  // query rows [row0, row1) x keys [col0, col1)
    bool operator==(const SessionZoom&) const = default;
};

struct SessionState {
    enum class Source { Model, Qkv };
    enum class TextKind { Sample, File, Pasted };

    Source source = Source::Model;
    // Model mode.
    std::string modelDir;
    TextKind textKind = TextKind::Sample;
    std::string sampleId;  // TextKind::Sample
    std::string textPath;  // TextKind::File
    std::string text;      // TextKind::Pasted: the text itself
    int maxTokens = 1024;
    // Q/K/V mode: one .npz, or q, k (and optionally v) .npy files.
    std::string npz, q, k, v;

    PatternSpec pattern;
    std::vector<int> patternLayers;  // empty = all; otherwise a contiguous ascending range
    int layer = 0, head = 0;
    std::string heatmapMode = "mask";  // mask | dense | sparse | dropped
    bool logScale = false;
    std::optional<SessionZoom> zoom;   // none: every token shown
};

// The heatmap modes in HeatmapView::Mode order.
inline const char* const kSessionHeatmapModes[] = {"mask", "dense", "sparse", "dropped"};

std::string sessionToJson(const SessionState& s);
// `source` names the file in errors.
SessionState parseSession(const std::string& json, const std::string& source);

}  // namespace sparsescope::ui
