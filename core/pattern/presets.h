#pragma once
// Named patterns from the literature, built from the rules of PatternSpec.
// Each states its parameters and its source; the GUI shows `tooltip()`.
#include "core/pattern/pattern_spec.h"

#include <string>
#include <vector>

namespace sparsescope {

struct PresetInfo {
    std::string name;         // CLI / file name, e.g. "streamingllm"
    std::string title;        // shown in the GUI, e.g. "StreamingLLM (sinks + window)"
    std::string description;  // the rule in words, with the parameters
    std::string source;       // the paper it comes from
    PatternSpec spec;

    std::string tooltip() const { return description + "\nSource: " + source; }
};

const std::vector<PresetInfo>& builtinPresets();

// The preset's spec; throws Error listing the known names when `name` is unknown.
PatternSpec presetSpec(const std::string& name);

}  // namespace sparsescope
