#pragma once
// A pattern as JSON: what `--pattern-file` reads and exports write.
// {"preset": "custom", "causal": true, "dense": false, "window": 64, "global": 4,
//  "stride": 0, "random": 0, "seed": 0, "topk": 0, "block_topk": 0, "block": 64}
#include "core/pattern/pattern_spec.h"

#include <nlohmann/json.hpp>
#include <string>

namespace sparsescope {

nlohmann::json patternToJson(const PatternSpec& spec);
// Missing keys keep their defaults (or the named preset's values); unknown keys and
// wrong types throw Error naming `source` and the key.
PatternSpec patternFromJson(const nlohmann::json& j, const std::string& source);
PatternSpec loadPatternFile(const std::string& path);

}  // namespace sparsescope
