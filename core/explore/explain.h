#pragma once
// A pattern in plain words, generated from its PatternSpec (every rule of
// pattern_spec.h), with the share of pairs it keeps taken from an actual mask:
//   "Each token sees its 64 most recent tokens (itself included), the first 4 tokens
//    and every 128th token back: 14 % of the pairs at 1024 tokens."
// The rule phrases follow the mask builder's semantics (design.md, docs/methods.md);
// the percentage is the mask's density, kept pairs / possible pairs, never an estimate.
#include "core/pattern/pattern_spec.h"
#include "core/pattern/sparse_mask.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sparsescope {

// One phrase per enabled rule, in a fixed order ("its 64 most recent tokens (itself
// included)", "the first 4 tokens", ...). Dense: {"every earlier token"} (causal) or
// {"every token"}. Throws Error for an invalid spec.
std::vector<std::string> explainRules(const PatternSpec& spec);

// "Each token sees A, B and C." (no density). Oracle rules and decode- or
// prefill-only methods get a second sentence saying so.
std::string explainPattern(const PatternSpec& spec);

// The same with the density of `mask` before the full stop:
// "...: 9.4 % of the pairs at 1024 tokens." Throws Error when the mask is empty.
std::string explainPattern(const PatternSpec& spec, const SparseMask& mask);

// Builds the mask of `spec` at n tokens for the density (score-free rules only;
// throws Error for a rule that needs Q and K: pass the head's mask instead).
std::string explainPattern(const PatternSpec& spec, int64_t n);

// A share in per cent with two significant digits at most: "14 %", "9.4 %", "0.52 %".
std::string formatPercent(double fraction);

}  // namespace sparsescope
