#pragma once
// A pattern as JSON: what `--pattern-file` reads and exports write.
// {"preset": "custom", "causal": true, "dense": false, "window": 64, "global": 4,
//  "stride": 0, "random": 0, "seed": 0, "topk": 0, "block_topk": 0, "block": 64,
//  "fixed_block": 0, "fixed_summary": 8, "block_window": 0, "random_blocks": 0,
//  "nsa": false, "nsa_compress_block": 32, "nsa_compress_stride": 16,
//  "nsa_select_block": 64, "nsa_select_count": 16, "nsa_initial_blocks": 1,
//  "nsa_local_blocks": 2, "nsa_window": 512, "indexer_topk": 0, "indexer_dim": 64,
//  "quest_budget": 0, "quest_page": 16, "vertical": 0, "slash": 0, "last_queries": 64,
//  "heavy_hitters": 0, "top_p": 0.0}
// Counts must be JSON integers, switches booleans, top_p a number.
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
