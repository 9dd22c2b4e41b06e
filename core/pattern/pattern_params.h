#pragma once
// The sweepable parameters of a PatternSpec by name, one table shared by the CLI
// (`sweep --param window`) and the GUI (the sweep view's parameter chooser), so
// both accept the same names and set the same fields.
//
// Setting a value follows the CLI's pattern flags (app/cli/pattern_flags.cpp):
//  - a rule value on top of the "dense" preset switches dense off (the value wins);
//  - an NSA parameter switches NSA on;
//  - the preset name gets "+custom" (it no longer is the named preset's rules).
#include "core/pattern/pattern_spec.h"

#include <string>
#include <vector>

namespace sparsescope {

struct PatternParam {
    const char* name;         // "window", "block_topk", "top_p", ...
    const char* flag;         // the CLI flag that sets it: "--window"
    const char* label;        // for axes and menus: "window W"
    const char* description;  // one line, for tooltips and --help
    bool integer;             // false: a fraction (top_p)
    double minValue;          // smallest meaningful "on" value (1, 2 for stride, ...)
};

// Every sweepable parameter, in the order menus show them.
const std::vector<PatternParam>& patternParams();

// The entry for `name`; throws Error("<input>", "param", ...) listing the valid
// names when there is none.
const PatternParam& patternParam(const std::string& name);

// "window, global, stride, ...": for messages and help texts.
std::string patternParamNames();

// The parameter's current value in spec (integers as doubles).
double getPatternParam(const PatternSpec& spec, const std::string& name);

// spec with the parameter set to value. Throws Error("<input>", name, ...) for an
// unknown name, a non-integer value of an integer parameter, a value outside the
// field's range, or a result validate() rejects.
PatternSpec withPatternParam(PatternSpec spec, const std::string& name, double value);

// A default range to sweep over a text of n tokens: for counts the powers of two
// from the parameter's smallest value up to n (n itself included), for top_p
// 0.5 .. 0.99; at most `maxValues` values, evenly thinned.
std::vector<double> defaultSweepValues(const std::string& name, int64_t n, int maxValues = 10);

}  // namespace sparsescope
