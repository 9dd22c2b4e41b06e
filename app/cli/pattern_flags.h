#pragma once
// The pattern flags shared by every subcommand that applies a pattern:
// --preset NAME --pattern-file F --window W --global G --stride S --random R --seed X
// --topk K --block-topk K --block B --bidirectional. A preset (or pattern file) sets
// its values first; explicit flags override them.
#include "cli_args.h"
#include "core/pattern/pattern_spec.h"

namespace sparsescope::cli {

void addPatternOptions(ArgParser& args);
PatternSpec patternFromArgs(const ArgParser& args);
// True when any pattern flag was given.
bool hasPatternArgs(const ArgParser& args);

}  // namespace sparsescope::cli
